"""Each lesson written once: ``izh_brian/course/lessons/NN_name.ipynb`` -> the student and solved notebooks.

A lesson's source is one notebook in nbgrader's format (schema version 3), so a teacher can hand it to
nbgrader as it is (``nbgrader generate_assignment`` / ``autograde``):

- an *answer cell* (``metadata.nbgrader``: ``solution: true``, ``grade_id: answer_K``) holds the solution
  between a ``### BEGIN SOLUTION`` and a ``### END SOLUTION`` line;
- a *check cell* (``grade: true``, ``locked: true``, ``grade_id: check_K``, ``points``) calls the lesson's
  ``lessonNN.check_K(answer_K)``, prints the feedback, and asserts it between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS`` (nbgrader strips that block on release and puts it back to autograde).

From it this module makes the two notebooks committed in ``notebooks/``:

- the *student* notebook ``notebooks/NN_name.ipynb``: each solution block replaced by the student's line,
  ``answer_K = ...`` (or the text in the cell's ``metadata.izh_brian.student`` where a lesson needs another);
- the *solved* notebook ``notebooks/solutions/NN_name.ipynb``: the solution without its marker lines.

In both the hidden tests are removed (a check cell prints NOT YET and never raises, so the student's
notebook runs to its end), the nbgrader and ``izh_brian`` cell metadata are stripped (the committed
notebooks are plain Jupyter notebooks), every code cell is without outputs, and the last cell, the
``# NBVAL_CHECK_OUTPUT`` summary, carries its one printed line: ``lesson NN: 0 of N exercises pass`` for
the student, ``N of N`` for the solution (nbval compares it when it runs them).

``python -m izh_brian.course.lessons`` (``make lessons``) regenerates both folders; ``--check`` writes
nothing and exits 1 naming the notebooks that differ from their source (``tests/test_lesson_sources.py``
runs the same check).
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

__all__ = ["LESSONS", "LESSON_DIR", "NOTEBOOK_DIR", "SOLUTION_MARKERS", "HIDDEN_TEST_MARKERS", "source_path",
           "lesson_name", "read_source", "exercise_points", "student_notebook", "solved_notebook",
           "write_notebooks", "main"]

#: The lessons, in order.
LESSONS = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09")

#: Where the lesson sources live (package data: ``izh_brian.course = lessons/*.ipynb`` in setup.cfg).
LESSON_DIR = Path(__file__).resolve().parent / "lessons"

#: The checkout's ``notebooks/`` folder, where :func:`write_notebooks` writes by default.
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"

#: nbgrader's markers around a solution and around hidden tests (a line each).
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TEST_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

#: The first line of the summary cell (the last cell of every lesson).
SUMMARY_MARK = "# NBVAL_CHECK_OUTPUT"

_ANSWER_ID = re.compile(r"answer_(\d+)")
_CHECK_ID = re.compile(r"check_(\d+)")


def _nbformat():
    try:
        import nbformat
    except ImportError:  # nbformat is an optional dependency (the test, notebooks and course extras)
        raise ImportError("the lesson notebooks are read and written with nbformat, which is not installed: "
                          "pip install 'izh_brian[test]' (or pip install nbformat)") from None
    return nbformat


def _check_lesson(lesson) -> str:
    lesson = str(lesson)
    if lesson not in LESSONS:
        raise ValueError(f"unknown lesson {lesson!r}; the lessons are {', '.join(LESSONS)}")
    return lesson


def source_path(lesson: str) -> Path:
    """The source notebook of ``lesson`` ("00" .. "09"): ``izh_brian/course/lessons/NN_name.ipynb``."""
    lesson = _check_lesson(lesson)
    found = sorted(LESSON_DIR.glob(f"{lesson}_*.ipynb"))
    if len(found) != 1:
        raise FileNotFoundError(f"lesson {lesson}: want one source {LESSON_DIR}/{lesson}_*.ipynb, "
                                f"found {len(found)}")
    return found[0]


def lesson_name(lesson: str) -> str:
    """The file stem of ``lesson``, e.g. ``"00_write_the_model"`` (the same in the source and both notebooks)."""
    return source_path(lesson).stem


def read_source(lesson: str):
    """The source notebook of ``lesson``, as nbformat reads it (version 4)."""
    return _nbformat().read(source_path(lesson), as_version=4)


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _number(cell, pattern: re.Pattern) -> int | None:
    m = pattern.fullmatch(str(_nbgrader(cell).get("grade_id", "")))
    return int(m.group(1)) if m else None


def exercise_points(lesson: str) -> dict[int, float]:
    """Exercise number -> points, from the nbgrader metadata of the lesson's check (test) cells,
    e.g. ``{1: 1.0, 2: 1.0, 3: 1.0}``."""
    points = {}
    for cell in read_source(lesson).cells:
        meta = _nbgrader(cell)
        k = _number(cell, _CHECK_ID)
        if meta.get("grade") and k is not None:
            points[k] = float(meta.get("points", 0))
    return dict(sorted(points.items()))


def _replace_block(source: str, markers: tuple[str, str], replacement, where: str) -> str:
    """``source`` with every block from a ``markers[0]`` line to a ``markers[1]`` line replaced by
    ``replacement(inner_lines) -> lines``."""
    begin, end = markers
    out, block = [], None
    for line in source.split("\n"):
        if line.strip() == begin:
            if block is not None:
                raise ValueError(f"{where}: {begin!r} inside another block")
            block = []
        elif line.strip() == end:
            if block is None:
                raise ValueError(f"{where}: {end!r} without {begin!r}")
            out.extend(replacement(block))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise ValueError(f"{where}: {begin!r} without {end!r}")
    return "\n".join(out)


def _student_text(cell, where: str) -> str:
    text = cell.get("metadata", {}).get("izh_brian", {}).get("student")
    if text is not None:
        return text
    k = _number(cell, _ANSWER_ID)
    if k is None:
        raise ValueError(f"{where}: a solution cell needs grade_id 'answer_K' or metadata.izh_brian.student")
    return f"answer_{k} = ..."


def _notebook(lesson: str, solved: bool):
    nbformat = _nbformat()
    lesson = _check_lesson(lesson)
    nb = copy.deepcopy(read_source(lesson))
    n_exercises = len(exercise_points(lesson))
    for i, cell in enumerate(nb.cells):
        where = f"{source_path(lesson).name} cell {i}"
        if cell.cell_type == "code":
            if _nbgrader(cell).get("solution"):
                if solved:
                    cell.source = _replace_block(cell.source, SOLUTION_MARKERS, lambda inner: inner, where)
                else:
                    student = _student_text(cell, where).split("\n")
                    cell.source = _replace_block(cell.source, SOLUTION_MARKERS, lambda inner, student=student: student, where)
            cell.source = _replace_block(cell.source, HIDDEN_TEST_MARKERS, lambda inner: [], where)
            cell.outputs = []
            cell.execution_count = None
        for key in ("nbgrader", "izh_brian"):
            cell.metadata.pop(key, None)
    last = nb.cells[-1] if nb.cells else None
    if last is None or last.cell_type != "code" or not last.source.startswith(SUMMARY_MARK):
        raise ValueError(f"{source_path(lesson).name}: the last cell must be '{SUMMARY_MARK}' + "
                         f"exercises.summary(\"{lesson}\")")
    passed = n_exercises if solved else 0
    last.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                           text=f"lesson {lesson}: {passed} of {n_exercises} exercises pass\n")]
    last.execution_count = 1
    return nb


def student_notebook(lesson: str):
    """The student notebook of ``lesson`` (an nbformat NotebookNode): answers ``answer_K = ...``, hidden tests
    and nbgrader metadata removed, no outputs but the summary line ``lesson NN: 0 of N exercises pass``."""
    return _notebook(lesson, solved=False)


def solved_notebook(lesson: str):
    """The solved notebook of ``lesson`` (an nbformat NotebookNode): the solutions without their markers, hidden
    tests and nbgrader metadata removed, no outputs but the summary line ``lesson NN: N of N exercises pass``."""
    return _notebook(lesson, solved=True)


def _text(nb) -> str:
    """The bytes :func:`nbformat.write` writes for ``nb`` (as text): indent 1, sorted keys, a final newline."""
    text = _nbformat().writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write_notebooks(out_dir=None, check: bool = False) -> list:
    """Write ``OUT/NN_name.ipynb`` (student) and ``OUT/solutions/NN_name.ipynb`` (solved) for every lesson;
    ``OUT`` is ``out_dir`` or the checkout's ``notebooks/``.

    Returns the paths that differed from what is generated (missing or changed): those written, or with
    ``check=True`` those that would be, writing nothing. With ``check=True`` a lesson notebook
    (``NN_*.ipynb``) in either folder that no source generates counts as stale too (it is never deleted).
    Regenerating is byte-identical, so a second run returns ``[]``.
    """
    nbformat = _nbformat()
    out = Path(out_dir) if out_dir is not None else NOTEBOOK_DIR
    stale, expected = [], set()
    for lesson in LESSONS:
        name = lesson_name(lesson) + ".ipynb"
        for path, nb in ((out / name, student_notebook(lesson)), (out / "solutions" / name, solved_notebook(lesson))):
            expected.add(path)
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == _text(nb):
                continue
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(path))
    if check:
        for folder in (out, out / "solutions"):
            stale.extend(p for p in sorted(folder.glob("[0-9][0-9]_*.ipynb")) if p not in expected)
    return stale


def main(argv=None) -> int:
    """``python -m izh_brian.course.lessons [--check] [--out-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m izh_brian.course.lessons",
                                     description="Generate notebooks/ and notebooks/solutions/ from the lesson "
                                                 "sources in izh_brian/course/lessons/.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing the notebooks that differ from their source")
    parser.add_argument("--out-dir", default=None, help=f"folder to write (default {NOTEBOOK_DIR})")
    args = parser.parse_args(argv)
    stale = write_notebooks(args.out_dir, check=args.check)
    if args.check:
        if stale:
            print("stale notebooks (regenerate with `make lessons`):", file=sys.stderr)
            for p in stale:
                print(f"  {p}", file=sys.stderr)
            return 1
        print(f"{2 * len(LESSONS)} notebooks up to date")
        return 0
    print(f"wrote {len(stale)} notebook(s)" + "".join(f"\n  {p}" for p in stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
