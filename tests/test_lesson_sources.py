"""Each lesson is written once, in ``izh_brian/course/lessons/NN_name.ipynb`` (nbgrader's format), and
``notebooks/NN_name.ipynb`` (student) and ``notebooks/solutions/NN_name.ipynb`` (solved) are generated from it
by :mod:`izh_brian.course.lessons` (``make lessons``).

The tests here prove that the committed notebooks are exactly what the sources generate (so a hand edit of a
generated notebook fails), that every source is well formed for nbgrader (a solution block and nbgrader
metadata in each answer cell, a hidden assert in each check cell, 3 points a lesson), that the student
notebook asks for ``answer_K = ...`` for every exercise, and that nbgrader itself releases a source and
autogrades it: full points for the solution, none for the untouched release.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from izh_brian.course import lessons
from izh_brian.teaching import exercises
from izh_brian.teaching.exercises import lesson05, lesson09

nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to read the notebooks")

ROOT = Path(__file__).resolve().parent.parent
MARKERS = lessons.SOLUTION_MARKERS + lessons.HIDDEN_TEST_MARKERS

ANSWER_META = {"grade": False, "solution": True, "locked": False, "schema_version": 3}
CHECK_META = {"grade": True, "solution": False, "locked": True, "schema_version": 3}


def _cells_by_id(nb, prefix):
    """{K: cell} of the cells whose nbgrader grade_id is ``prefix_K``."""
    out = {}
    for cell in nb.cells:
        m = re.fullmatch(prefix + r"_(\d+)", str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")))
        if m:
            assert int(m.group(1)) not in out, f"two cells with grade_id {prefix}_{m.group(1)}"
            out[int(m.group(1))] = cell
    return out


def test_committed_notebooks_are_generated_from_the_sources():
    """notebooks/ and notebooks/solutions/ are byte for byte what ``python -m izh_brian.course.lessons``
    writes (edit izh_brian/course/lessons/ and run ``make lessons``; never edit the notebooks by hand)."""
    stale = lessons.write_notebooks(check=True)
    assert not stale, ("notebooks differ from their source in izh_brian/course/lessons/ "
                       f"(run `make lessons`): {[str(p.relative_to(ROOT)) for p in stale]}")


def test_generation_is_stable_and_the_check_catches_a_hand_edit(tmp_path):
    """Writing into an empty folder writes all 20 notebooks, a second run writes none (byte-identical), and
    ``--check`` names a generated notebook edited by hand (exit 1), writing nothing."""
    written = lessons.write_notebooks(tmp_path)
    assert len(written) == 2 * len(lessons.LESSONS)
    assert lessons.write_notebooks(tmp_path) == [] and lessons.write_notebooks(tmp_path, check=True) == []
    edited = tmp_path / (lessons.lesson_name("02") + ".ipynb")
    nb = nbformat.read(edited, as_version=4)
    nb.cells[0].source += "\nedited by hand"
    nbformat.write(nb, str(edited))
    before = edited.read_bytes()
    assert lessons.write_notebooks(tmp_path, check=True) == [edited]
    assert edited.read_bytes() == before, "--check must write nothing"
    assert lessons.main(["--check", "--out-dir", str(tmp_path)]) == 1
    assert lessons.main(["--out-dir", str(tmp_path)]) == 0 and lessons.main(["--check", "--out-dir", str(tmp_path)]) == 0


def test_lesson_ids_names_and_points():
    """LESSONS is 00..09, each with one source whose name is that of the committed notebooks, and each
    exercise 1, 2, 3 is worth one point."""
    assert lessons.LESSONS == tuple(f"{n:02d}" for n in range(10))
    for lesson in lessons.LESSONS:
        path = lessons.source_path(lesson)
        assert path.parent == ROOT / "izh_brian" / "course" / "lessons" and path.stem == lessons.lesson_name(lesson)
        assert (ROOT / "notebooks" / path.name).is_file() and (ROOT / "notebooks" / "solutions" / path.name).is_file()
        assert lessons.exercise_points(lesson) == {1: 1.0, 2: 1.0, 3: 1.0}
    with pytest.raises(ValueError, match="unknown lesson"):
        lessons.source_path("10")


@pytest.mark.parametrize("lesson", lessons.LESSONS)
def test_source_is_an_nbgrader_assignment(lesson):
    """Every answer cell of the source holds its solution between the SOLUTION markers with nbgrader's
    solution metadata; every check cell is a locked, graded test cell calling ``lessonNN.check_K(answer_K)``
    with the hidden assert ``assert feedback_K.ok``; exercises 1..3 each have both, and the points sum to 3."""
    nb = lessons.read_source(lesson)
    answers, checks = _cells_by_id(nb, "answer"), _cells_by_id(nb, "check")
    assert sorted(answers) == sorted(checks) == [1, 2, 3]
    for k, cell in answers.items():
        meta = cell.metadata["nbgrader"]
        assert {key: meta.get(key) for key in ANSWER_META} == ANSWER_META, f"answer_{k}: {meta}"
        lines = cell.source.split("\n")
        assert lines.count(lessons.SOLUTION_MARKERS[0]) == lines.count(lessons.SOLUTION_MARKERS[1]) == 1, \
            f"answer_{k}: one solution block"
        inner = cell.source.split(lessons.SOLUTION_MARKERS[0] + "\n")[1].split("\n" + lessons.SOLUTION_MARKERS[1])[0]
        assert f"answer_{k}" in inner, f"answer_{k}: the solution must assign answer_{k}"
    for k, cell in checks.items():
        meta = cell.metadata["nbgrader"]
        assert {key: meta.get(key) for key in CHECK_META} == CHECK_META and meta.get("points", 0) > 0, \
            f"check_{k}: {meta}"
        assert f"lesson{lesson}.check_{k}(answer_{k})" in cell.source
        hidden = re.search(r"^### BEGIN HIDDEN TESTS\n(.*)\n### END HIDDEN TESTS$", cell.source, flags=re.M | re.S)
        assert hidden and f"assert feedback_{k}.ok" in hidden.group(1), f"check_{k}: no hidden assert"
    assert sum(lessons.exercise_points(lesson).values()) == 3
    # every code cell is committed without outputs (the generator adds the summary line)
    assert not [c for c in nb.cells if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]


@pytest.mark.parametrize("lesson", lessons.LESSONS)
def test_generated_notebooks_ask_and_answer(lesson):
    """The student notebook has the cell ``answer_K = ...`` for every exercise K where the source has its
    solution, and the solved notebook the solution itself; neither keeps a marker, a hidden assert or
    nbgrader metadata, and their summary lines say 0 of 3 and 3 of 3."""
    src = lessons.read_source(lesson)
    student, solved = lessons.student_notebook(lesson), lessons.solved_notebook(lesson)
    assert len(src.cells) == len(student.cells) == len(solved.cells)
    for k, cell in _cells_by_id(src, "answer").items():
        i = src.cells.index(cell)
        assert student.cells[i].source == f"answer_{k} = ...", f"student cell {i}"
        assert solved.cells[i].source == "\n".join(
            line for line in cell.source.split("\n") if line not in lessons.SOLUTION_MARKERS)
    for nb, passed in ((student, 0), (solved, 3)):
        for c in nb.cells:
            assert not any(m in c.source for m in MARKERS) and "assert feedback_" not in c.source
            assert "nbgrader" not in c.metadata and "izh_brian" not in c.metadata
        assert [o.text for o in nb.cells[-1].outputs] == [f"lesson {lesson}: {passed} of 3 exercises pass\n"]


def test_summary_counts_every_exercise_of_a_lesson(capsys):
    """``exercises.summary`` counts all the lesson's exercises before any check runs (0 of 3, not 0 of 0),
    and a Feedback carries its points (1 when ok, else 0) without changing its str or truth."""
    for mod in (lesson05, lesson09):
        lesson = mod.LESSON
        assert exercises.exercises_of(lesson) == ["1", "2", "3"]
        assert sorted(n for n in dir(mod) if re.fullmatch(r"check_\d+", n)) == ["check_1", "check_2", "check_3"]
        exercises.reset(lesson)
        exercises.summary(lesson)
        assert capsys.readouterr().out == f"lesson {lesson}: 0 of 3 exercises pass\n"
        fb = mod.check_1(...)
        assert not fb and fb.points == 0.0 and str(fb).startswith("NOT YET")
        exercises.summary(lesson)
        assert capsys.readouterr().out == f"lesson {lesson}: 0 of 3 exercises pass\n"
        exercises.reset(lesson)
    ok = exercises.Feedback(True, "fine", "demo_points", "1")
    assert ok and ok.points == 1.0 and str(ok) == "PASS (demo_points, exercise 1): fine"
    assert exercises.Feedback(True, "fine", max_points=2).points == 2.0
    exercises.reset("demo_points")


def _nbgrader(course: Path, *args: str) -> None:
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.mark.slow
def test_nbgrader_releases_a_lesson_source(tmp_path):
    """nbgrader (from PyPI) takes lesson 01's source as it is: ``generate_assignment`` strips the solutions
    and the hidden tests. (Its ``autograde`` on a source, right, partly right and wrong submissions, against
    ``izh-brian grade`` point for point, is tests/test_grade_nbgrader.py's.)"""
    pytest.importorskip("nbgrader", reason="nbgrader is needed (the test extra)")
    name = lessons.source_path("01").name
    (tmp_path / "source" / "lesson01").mkdir(parents=True)
    (tmp_path / "source" / "lesson01" / name).write_bytes(lessons.source_path("01").read_bytes())
    _nbgrader(tmp_path, "generate_assignment", "lesson01")
    release = tmp_path / "release" / "lesson01" / name
    released = nbformat.read(release, as_version=4)
    text = "\n".join(c.source for c in released.cells)
    assert "### BEGIN" not in text and "assert feedback_" not in text and "answer_1 = simulate" not in text
    assert sum(bool(c.metadata.get("nbgrader", {}).get("grade")) for c in released.cells) == 3
