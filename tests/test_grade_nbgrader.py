"""`izh-brian grade` and nbgrader give the same points for the same answers (issue 19).

Three students answer lesson 00: ``right`` (the solution's three answers), ``partly`` (exercise 2 solved,
a wrong value for exercise 1, exercise 3 untouched) and ``wrong`` (a wrong value for every exercise). Their
answer cells go, source for source, into two notebooks each: lesson 00's student notebook
(``notebooks/00_write_the_model.ipynb``), graded by ``izh-brian grade``; and nbgrader's release of the lesson's
source (``nbgrader generate_assignment`` on ``izh_brian/course/lessons/00_write_the_model.ipynb``), graded by
``nbgrader autograde`` in its course layout. Every cell of the two notebooks has the same source, so the two
graders see the same code. Each submission runs once per grader; the two graders run at the same time
(about a minute on 2 cores with Brian2's compiled code cached; several minutes when it must compile).

The points per student and per exercise must agree, and the three students must get different totals
(3, between, 0), so a grader that gives everyone the same points fails here.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from izh_brian.cli import main
from izh_brian.course import lessons

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("nbgrader", reason="nbgrader is needed (the test extra)")

ROOT = Path(__file__).resolve().parent.parent
LESSON = "00"
NAME = lessons.lesson_name(LESSON)          # 00_write_the_model
ASSIGNMENT = "lesson00"
#: Seconds a cell may run under either grader: on 2 busy cores a cell that compiles a model can take a minute.
CELL_TIMEOUT_S = 600

#: The answer cells' sources: None takes the solution's, a string is written by hand, absent is the student
#: notebook's untouched ``answer_K = ...`` (written into both notebooks: nbgrader's release has its own placeholder).
STUDENTS = {
    "right": {1: None, 2: None, 3: None},
    # exercise 2 solved; a plain number for exercise 1 (no unit); exercise 3 not tried
    "partly": {1: "answer_1 = 0.04", 2: None},
    # wrong values: no unit; the tonic-spiking run of the lesson for tonic bursting; Euler's spikes, not figure1.m's
    "wrong": {1: "answer_1 = 0.04", 2: "answer_2 = spikes", 3: "answer_3 = spikes"},
}


def _answer_cells(nb) -> dict:
    """{K: index} of the cells that hold answer_K (by the cell id the source, the student notebook, the
    solution and nbgrader's release share)."""
    ids = {c.id: k for k, c in _source_answers().items()}
    return {ids[c.id]: i for i, c in enumerate(nb.cells) if c.get("id") in ids}


def _source_answers() -> dict:
    src = lessons.read_source(LESSON)
    return {int(c.metadata["nbgrader"]["grade_id"].split("_")[1]): c for c in src.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def _answers(spec: dict) -> dict:
    """{K: source} of all three answer cells of a student."""
    sol = nbformat.read(ROOT / "notebooks" / "solutions" / f"{NAME}.ipynb", as_version=4)
    where = _answer_cells(sol)
    out = {k: f"answer_{k} = ..." for k in (1, 2, 3)}
    out.update({k: sol.cells[where[k]].source if src is None else src for k, src in spec.items()})
    return out


def _fill(nb, answers: dict):
    where = _answer_cells(nb)
    assert sorted(where) == [1, 2, 3]
    for k, src in answers.items():
        nb.cells[where[k]].source = src
    return nb


def _nbgrader(course: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    log = open(course / f"nbgrader-{args[0]}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                            cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait(proc: subprocess.Popen, course: Path, what: str) -> None:
    code = proc.wait(timeout=1200)
    assert code == 0, (course / f"nbgrader-{what}.log").read_text()[-4000:]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """Grade the three students with both graders: {grader: {student: {exercise: points}}}."""
    course = tmp_path_factory.mktemp("nbgrader")
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "source" / ASSIGNMENT / f"{NAME}.ipynb").write_bytes(lessons.source_path(LESSON).read_bytes())
    _wait(_nbgrader(course, "generate_assignment", ASSIGNMENT), course, "generate_assignment")
    release = course / "release" / ASSIGNMENT / f"{NAME}.ipynb"

    subs = tmp_path_factory.mktemp("submissions")
    notebooks = {}
    for student, spec in STUDENTS.items():
        answers = _answers(spec)
        ours = _fill(nbformat.read(ROOT / "notebooks" / f"{NAME}.ipynb", as_version=4), answers)
        theirs = _fill(nbformat.read(release, as_version=4), answers)
        nbformat.write(ours, str(subs / f"{student}.ipynb"))
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(theirs, str(folder / f"{NAME}.ipynb"))
        notebooks[student] = (ours, theirs)

    # nbgrader in the background while izh-brian grade runs here (each submission runs once per grader)
    proc = _nbgrader(course, "autograde", ASSIGNMENT, "--create", f"--Execute.timeout={CELL_TIMEOUT_S}")
    try:
        out = tmp_path_factory.mktemp("out") / "grades"
        code = main(["grade", str(subs), "--lesson", LESSON, "--out", str(out), "--timeout", str(CELL_TIMEOUT_S),
                     "--jobs", "2", "--quiet"])
    finally:
        _wait(proc, course, "autograde")
    with open(out / "gradebook.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))

    from nbgrader.api import Gradebook

    points = {"izh-brian": {}, "nbgrader": {}}
    for r in rows:
        assert r["graded"] == "true", r
        points["izh-brian"].setdefault(r["student"], {})[int(r["exercise"])] = float(r["points"])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            points["nbgrader"][student] = {k: float(gb.find_grade(f"check_{k}", NAME, ASSIGNMENT, student).score)
                                           for k in (1, 2, 3)}
            sub = gb.find_submission(ASSIGNMENT, student)
            assert (sub.score, sub.max_score) == (sum(points["nbgrader"][student].values()), 3.0)
    return {"code": code, "points": points, "notebooks": notebooks, "rows": rows}


def test_both_graders_see_the_same_code(both):
    """Cell for cell, the notebook izh-brian grades and the one nbgrader grades hold the same source
    (the release only adds nbgrader's metadata; its hidden asserts come back at autograde)."""
    for student, (ours, theirs) in both["notebooks"].items():
        assert len(ours.cells) == len(theirs.cells), student
        for i, (a, b) in enumerate(zip(ours.cells, theirs.cells)):
            assert (a.cell_type, a.source.strip()) == (b.cell_type, b.source.strip()), f"{student}, cell {i}"


def test_the_same_answers_get_the_same_points_from_both_graders(both):
    """Per student and per exercise, `izh-brian grade` gives the points nbgrader gives."""
    assert both["code"] == 0
    ours, theirs = both["points"]["izh-brian"], both["points"]["nbgrader"]
    assert set(ours) == set(theirs) == set(STUDENTS)
    assert ours == theirs


def test_the_three_students_get_different_points(both):
    """Right earns everything, wrong nothing, partly what it solved (exercise 2): a grader that gives
    everyone the same points fails."""
    for grader, points in both["points"].items():
        totals = {s: sum(p.values()) for s, p in points.items()}
        assert totals == {"right": 3.0, "partly": 1.0, "wrong": 0.0}, grader
        assert points["partly"] == {1: 0.0, 2: 1.0, 3: 0.0}, grader
    messages = {(r["student"], r["exercise"]): r["message"] for r in both["rows"]}
    assert "unit" in messages[("partly", "1")] and "replace the ..." in messages[("partly", "3")]
