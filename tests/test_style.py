"""Style the linter cannot see: no block opens with a blank line.

ruff (``make test``'s first step) checks the rest; it has no rule for a ``def``, ``class``, ``if``, ``for``,
``with`` or ``try`` whose body starts after a blank line, a scar of code moved or cut out, which
``ruff format`` would remove. The check reads the tokens, so strings and comments are not mistaken for code.
"""

from __future__ import annotations

import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("izh_brian", "tests", "benchmarks")


def blank_block_openings(path) -> list[int]:
    """Line numbers of the blank lines that open a block in the Python file ``path``: a header's NEWLINE
    token followed at once by a blank line, before the body's INDENT (a comment first is fine)."""
    with open(path, "rb") as f:
        toks = list(tokenize.tokenize(f.readline))
    found = []
    for i, tok in enumerate(toks):
        if tok.type != tokenize.NEWLINE:
            continue
        first = toks[i + 1] if i + 1 < len(toks) else None
        blank = first.start[0] if first is not None and first.type == tokenize.NL and not first.line.strip() else None
        j = i + 1
        while j < len(toks) and toks[j].type in (tokenize.NL, tokenize.COMMENT):
            j += 1
        if blank is not None and j < len(toks) and toks[j].type == tokenize.INDENT:
            found.append(blank)
    return found


def test_the_check_finds_a_blank_line_opening_a_block(tmp_path):
    """The check itself: a function whose body starts after a blank line is found (line 2); one that starts
    at once, a comment first, or a blank line inside a string is not."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n\n    return 1\n")
    assert blank_block_openings(bad) == [2]
    good = tmp_path / "good.py"
    good.write_text('def f():\n    # a comment\n\n    x = """\n\n"""\n    return x\n\n\ndef g():\n    return 2\n')
    assert blank_block_openings(good) == []


def test_no_block_opens_with_a_blank_line():
    """Every Python file of the package, the tests and the benchmarks."""
    scars = [f"{p.relative_to(ROOT)}:{line}" for folder in FOLDERS for p in sorted((ROOT / folder).rglob("*.py"))
             for line in blank_block_openings(p)]
    assert not scars, "blocks that open with a blank line: " + ", ".join(scars)
