"""The lessons in ``notebooks/``: their shape, and that every exercise check can fail and pass.

Both notebooks of a lesson, ``notebooks/NN_name.ipynb`` (the student's) and
``notebooks/solutions/NN_name.ipynb``, are generated from its one source,
``izh_brian/course/lessons/NN_name.ipynb`` (nbgrader's format), by ``make lessons``
(``python -m izh_brian.course.lessons``); edit the source, never the notebooks.
``tests/test_lesson_sources.py`` checks the sources and that the committed
notebooks are what they generate; the tests here check the generated notebooks.

The lessons are executed top to bottom by nbval, inside ``make test``
(``pytest --nbval-lax tests notebooks``): an error in any cell of a lesson or of
its solution fails the build. The last cell of each is marked
``# NBVAL_CHECK_OUTPUT`` and prints ``lesson NN: K of N exercises pass``;
nbval compares that line with the one committed, which is ``0 of N`` in the
lesson and ``N of N`` in its solution. So an unsolved lesson whose check passes
(a vacuous check) fails the build, and so does a solution whose check fails.

The tests here read the committed files: that stored line is the right one,
every lesson has its solution, the lessons are thin (they call the package;
only lesson 00, where students write the model, defines a NeuronGroup), and
they are committed without other outputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to read the notebooks")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SOLUTION_DIR = NOTEBOOK_DIR / "solutions"
LESSONS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted(SOLUTION_DIR.glob("[0-9][0-9]_*.ipynb"))

#: The lessons the course needs (issue 12): 00 (write the model yourself) to 08.
REQUIRED = ("00", "01", "02", "03", "04", "05", "06", "07", "08")

#: Only the lesson where students write the model themselves may define one.
MODEL_LESSON = "00"

SUMMARY_RE = re.compile(r"^lesson (\d\d): (\d+) of (\d+) exercises pass\n?$")


def _read(path):
    return nbformat.read(path, as_version=4)


def _code(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _summary(nb):
    """(lesson, passed, total) from the committed output of the last cell, or an assertion error."""
    last = nb.cells[-1]
    assert last.cell_type == "code" and last.source.startswith("# NBVAL_CHECK_OUTPUT"), \
        "the last cell must be '# NBVAL_CHECK_OUTPUT' + exercises.summary(...)"
    texts = [o.get("text", "") for o in last.get("outputs", []) if o.get("output_type") == "stream"]
    assert len(texts) == 1, f"the summary cell must be committed with its one printed line, got {last.outputs}"
    m = SUMMARY_RE.match(texts[0])
    assert m, f"unexpected summary line {texts[0]!r}"
    return m.group(1), int(m.group(2)), int(m.group(3))


def test_every_lesson_exists_with_its_solution():
    """Lessons 00-08 exist, and each lesson has a solved twin of the same name in notebooks/solutions/."""
    numbers = {p.name[:2] for p in LESSONS}
    assert not [n for n in REQUIRED if n not in numbers], f"missing lessons: {sorted(set(REQUIRED) - numbers)}"
    assert {p.name for p in LESSONS} == {p.name for p in SOLUTIONS}, "lessons and solutions differ"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_is_a_lesson(path):
    """A lesson states its learning goals and time, and has 2-4 exercises, each with a hint, an answer
    cell holding the placeholder ``...`` and a check cell; its stored summary says none passes yet,
    and its solution's says all pass (nbval compares both when it runs them)."""
    nb = _read(path)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Learning goals" in md, f"{path.name}: no 'Learning goals'"
    assert re.search(r"Time: about \d+", md), f"{path.name}: no 'Time: about N minutes'"
    n_ex = len(re.findall(r"^### Exercise \d+", md, flags=re.M))
    assert 2 <= n_ex <= 4, f"{path.name}: {n_ex} exercises (want 2-4)"
    assert md.count("<summary>Hint</summary>") >= n_ex, f"{path.name}: an exercise lacks its hint"
    code = _code(nb)
    checks = re.findall(r"lesson\d\d\.check_\w+\(", code)
    assert len(checks) >= n_ex, f"{path.name}: {len(checks)} check calls for {n_ex} exercises"
    assert len(re.findall(r"=\s*\.\.\.\s*($|#)", code, flags=re.M)) >= n_ex, \
        f"{path.name}: each exercise needs an answer cell with the placeholder `...`"
    lesson, passed, total = _summary(nb)
    assert lesson == path.name[:2] and total == n_ex and passed == 0, \
        f"{path.name}: stored summary must be 'lesson {path.name[:2]}: 0 of {n_ex}'"
    sol = _read(SOLUTION_DIR / path.name)
    s_lesson, s_passed, s_total = _summary(sol)
    assert (s_lesson, s_passed, s_total) == (lesson, n_ex, n_ex), \
        f"solutions/{path.name}: stored summary must be 'lesson {lesson}: {n_ex} of {n_ex}'"
    assert not re.search(r"=\s*\.\.\.\s*($|#)", _code(sol), flags=re.M), \
        f"solutions/{path.name}: an answer still holds the placeholder"


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=[f"{p.parent.name}/{p.stem}" for p in LESSONS + SOLUTIONS])
def test_committed_clean(path):
    """Committed without outputs (small files, no stale results), except the summary line nbval compares."""
    nb = _read(path)
    dirty = [i for i, c in enumerate(nb.cells[:-1])
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=[f"{p.parent.name}/{p.stem}" for p in LESSONS + SOLUTIONS])
def test_lessons_are_thin(path):
    """A lesson calls the package and defines no model of its own, except lesson 00, where writing the
    model is the lesson; no lesson changes Brian2's global preferences the package relies on."""
    src = _code(_read(path))
    assert "import izh_brian" in src or "from izh_brian" in src, f"{path.name} does not use izh_brian"
    assert "prefs." not in src, f"{path.name} sets Brian2 preferences"
    if path.name[:2] != MODEL_LESSON:
        for forbidden in ("NeuronGroup(", "dv/dt", "du/dt"):
            assert forbidden not in src, f"{path.name} defines model code ({forbidden!r}); call the package instead"
    else:
        assert "NeuronGroup(" in src, "lesson 00 is where students write the model in Brian2"


def test_user_text_cites_sources_not_a_private_document():
    """Lessons and docs state facts with their source (paper, program, figure); none points at
    'the reference', a document users do not have."""
    offenders = []
    for path in LESSONS + SOLUTIONS:
        for i, c in enumerate(_read(path).cells):
            if re.search(r"\bthe reference\b|shared/", c.source, flags=re.I):
                offenders.append(f"{path.parent.name}/{path.name} cell {i}")
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        if re.search(r"\bthe reference\b|shared/", path.read_text(), flags=re.I):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
