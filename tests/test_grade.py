"""`izh-brian grade`: a folder of submissions graded into one gradebook, never trusting printed output.

The class below is what a teacher collects for lesson 00: students' copies of ``notebooks/00_...ipynb``
with the answer cells filled in (from the solved lesson, or wrongly), one that
allocates past the memory cap, one that prints a fake "3 of 3" line and replaces a check, a file that is not a
notebook and a stray text file. One `izh-brian grade` run must give each the points its answers earn
(right 3, partly 1, wrong 0, faked 0), give the non-notebook rows with the reason, go on
after each, change nothing in the submissions folder, and exit 1 (some could not be graded).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from izh_brian import simulate
from izh_brian.cli import main
from izh_brian.course.grade import GRADEBOOK_FIELDS

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
LESSON00 = "00_write_the_model.ipynb"


def _answer_cells(nb) -> dict:
    """{k: cell index} of the cells that assign answer_k (the student's and the solution's)."""
    out = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code":
            for k in (1, 2, 3):
                if f"answer_{k} =" in c.source:
                    out.setdefault(k, i)
    return out


def _student(fill=(), replace=None, insert=None):
    """Lesson 00's student notebook with the answers ``fill`` taken from the solution, ``replace``
    ({k: source}) written by hand, and ``insert`` (source) added as a cell after the imports."""
    nb = nbformat.read(ROOT / "notebooks" / LESSON00, as_version=4)
    sol = nbformat.read(ROOT / "notebooks" / "solutions" / LESSON00, as_version=4)
    mine, theirs = _answer_cells(nb), _answer_cells(sol)
    assert set(mine) == set(theirs) == {1, 2, 3}
    for k in fill:
        nb.cells[mine[k]].source = sol.cells[theirs[k]].source
    for k, src in (replace or {}).items():
        nb.cells[mine[k]].source = src
    if insert:
        nb.cells.insert(2, nbformat.v4.new_code_cell(insert))
    return nb


def _digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("submissions")
    nbs = {
        "alice": _student(fill=(1, 2, 3)),
        "bob": _student(fill=(1,)),
        # the coefficient without its unit: k*v**2 is then not a voltage (2003 eq. 1 has v in mV)
        "carol": _student(replace={1: "answer_1 = 0.04"}),
        # one allocation past the cap: that cell ends in MemoryError, the rest runs
        "erin": _student(fill=(1, 2, 3), insert="hog = bytearray(64 * 2**30)"),
        "frank": _student(insert="lesson00.check_1 = lesson00.check_2 = lesson00.check_3 = "
                                 "lambda *a: exercises.Feedback(True, 'faked', '00', '1')\n"
                                 "answer_1 = answer_2 = answer_3 = 1\n"
                                 "print('lesson 00: 3 of 3 exercises pass')"),
    }
    for name, nb in nbs.items():
        nbformat.write(nb, str(subs / f"{name}.ipynb"))
    (subs / "grace.ipynb").write_text("this is my essay, not a notebook\n")
    (subs / "notes.txt").write_text("handed in by mistake\n")
    before = _digest(subs)
    out = tmp_path_factory.mktemp("out") / "grades"
    # a generous time limit: on 2 busy cores a cell that compiles the student's model can take a minute
    code = main(["grade", str(subs), "--lesson", "00", "--out", str(out), "--timeout", "600", "--memory", "3",
                 "--jobs", "2"])
    with open(out / "gradebook.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {"code": code, "rows": rows, "out": out, "subs": subs, "before": before}


def _points(rows, student):
    mine = [r for r in rows if r["student"] == student]
    return sum(float(r["points"]) for r in mine), mine


def test_the_gradebook_has_a_row_per_exercise_of_every_submission(graded):
    rows = graded["rows"]
    assert list(rows[0]) == list(GRADEBOOK_FIELDS)
    students = {"alice", "bob", "carol", "erin", "frank", "grace", "notes"}
    assert {r["student"] for r in rows} == students
    for s in students:
        mine = [r for r in rows if r["student"] == s]
        assert sorted(int(r["exercise"]) for r in mine) == [1, 2, 3], s
        assert all(r["lesson"] == "00" and r["max_points"] == "1" for r in mine)


def test_points_are_what_the_answers_earn(graded):
    rows = graded["rows"]
    assert _points(rows, "alice")[0] == 3
    total, bob = _points(rows, "bob")
    assert total == 1 and [r["ok"] for r in sorted(bob, key=lambda r: r["exercise"])] == ["true", "false", "false"]
    assert "replace the ..." in next(r for r in bob if r["exercise"] == "2")["message"]  # tried or not: a row
    total, carol = _points(rows, "carol")
    assert total == 0 and "unit" in next(r for r in carol if r["exercise"] == "1")["message"]


def test_printed_lines_and_replaced_checks_earn_nothing(graded):
    total, frank = _points(graded["rows"], "frank")
    assert total == 0 and all(r["graded"] == "true" for r in frank)
    assert not any("faked" in r["message"] for r in frank)


def test_a_memory_hog_loses_its_cell_not_the_lesson(graded):
    """The hog's cell ends in MemoryError under the cap; the rest of the notebook runs and is graded."""
    total, erin = _points(graded["rows"], "erin")
    assert total == 3 and all(r["graded"] == "true" for r in erin)


def test_what_cannot_be_graded_gets_its_reason_and_the_batch_goes_on(graded):
    rows = graded["rows"]
    reasons = {s: {r["message"] for r in rows if r["student"] == s} for s in ("grace", "notes")}
    assert any("not a readable notebook" in m for m in reasons["grace"])
    assert any("not a .ipynb file" in m for m in reasons["notes"])
    for s in reasons:
        assert all(r["graded"] == "false" and r["points"] == "0" for r in rows if r["student"] == s)
    assert graded["code"] == 1  # some submissions could not be graded


def test_nothing_in_the_submissions_folder_changes_and_pages_are_written(graded):
    assert _digest(graded["subs"]) == graded["before"]
    out = graded["out"]
    assert (out / "summary.png").stat().st_size > 5000
    page = (out / "feedback" / "alice.html").read_text()
    assert "3 of 3 points" in page
    assert "Not graded" in (out / "feedback" / "grace.html").read_text()
    summary = (out / "summary.html").read_text()
    assert "7 submissions, 5 graded" in summary and "feedback/alice.html" in summary


def test_an_endless_loop_is_stopped_at_the_time_limit_and_the_batch_goes_on(tmp_path, capsys):
    """A notebook that never ends is killed at --timeout; it gets its rows with the reason (exit 1), and
    the other notebook of the batch is graded."""
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, src in (("dave", "answer_1 = 0.5\nwhile True:\n    pass"), ("ed", "answer_1 = 0.5")):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src)]
        nbformat.write(nb, str(subs / f"{name}.ipynb"))
    code = main(["grade", str(subs), "--lesson", "09", "--out", str(tmp_path / "out"), "--timeout", "15"])
    out = capsys.readouterr().out
    assert code == 1
    assert "dave: not graded: a cell ran past the time limit of 15.0 s" in out and "ed: 0/3" in out, out


# ----------------------------------------------------------------------------- spike files

def test_a_folder_of_spike_files_is_graded_against_one_pattern(tmp_path, capsys):
    """Right trains pass, a train of another pattern fails (graded, exit 1 only for the unreadable ones),
    seconds and decimal commas are refused with their one-line reason, never graded as a guess."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    right = simulate("tonic_spiking").spike_times_ms
    np.savetxt(subs / "ana.csv", right, header="spike_time_ms", comments="")
    np.savez(subs / "ben.npz", spike_times_ms=right)
    np.savetxt(subs / "cem.csv", simulate("phasic_spiking").spike_times_ms)   # another pattern
    np.savetxt(subs / "dia.csv", right / 1000.0)                              # seconds
    (subs / "eli.csv").write_text("\n".join(f"{t:.2f}".replace(".", ",") for t in right) + "\n")
    code = main(["grade", str(subs), "--pattern", "tonic_spiking", "--out", str(out)])
    capsys.readouterr()
    with open(out / "gradebook.csv", newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows["ana"]["points"] == "1" and rows["ben"]["points"] == "1"
    assert "figure1.m to the step" in rows["ana"]["message"]
    assert rows["cem"]["points"] == "0" and rows["cem"]["graded"] == "true"
    assert rows["dia"]["graded"] == "false" and "seconds" in rows["dia"]["message"]
    assert rows["eli"]["graded"] == "false" and "comma" in rows["eli"]["message"]
    assert code == 1


@pytest.mark.parametrize("argv, needle", [
    (["--lesson", "42"], "unknown lesson '42'"),
    (["--pattern", "no_such_pattern"], "no_such_pattern"),
    (["--lesson", "00", "--timeout", "-1"], "--timeout must be > 0"),
    (["--lesson", "00", "--memory", "0.1"], "too small"),
])
def test_bad_arguments_exit_2_in_one_line(tmp_path, capsys, argv, needle):
    (tmp_path / "subs").mkdir()
    code = main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and needle in err, err


def test_out_inside_the_submissions_is_refused(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    code = main(["grade", str(tmp_path / "subs"), "--lesson", "00", "--out", str(tmp_path / "subs" / "g")])
    assert code == 2 and "inside SUBMISSIONS" in capsys.readouterr().err
    assert not (tmp_path / "subs" / "g").exists()


def test_gradebook_fields_are_stable():
    """The gradebook's columns are a public interface (issue 19 names the first seven)."""
    assert GRADEBOOK_FIELDS[:7] == ("student", "lesson", "exercise", "points", "max_points", "ok", "message")
    assert json.dumps(GRADEBOOK_FIELDS)  # plain strings


# ----------------------------------------------------------------------------- a class with variants

def test_a_class_grades_each_student_against_their_own_mystery_neuron(tmp_path, capsys):
    """`course new` gives each student their own mystery neuron of lesson 03 as data (no seed, no
    parameters, no secret in their folder); `grade --course` checks each answer against that student's
    own neuron: the right class passes, another student's class (or a wrong one) fails."""
    from izh_brian.course.classes import load_class, variant_seed
    from izh_brian.teaching.exercises.lesson03 import MYSTERY_CLASSES, MysteryNeuron

    roster = tmp_path / "roster.csv"
    roster.write_text("student,name\nst01,Ada\nst02,Ben\nst03,Cy\n")
    klass = tmp_path / "class"
    assert main(["course", "new", str(roster), "--lessons", "3", "--out", str(klass), "--title", "NS 101"]) == 0
    capsys.readouterr()
    info = load_class(klass)
    assert info.students == ["st01", "st02", "st03"] and info.lessons == ["03"]
    seeds = {s: variant_seed(info.secret, "03", s) for s in info.students}
    assert len(set(seeds.values())) == 3
    labels = {s: MysteryNeuron(seed)._label for s, seed in seeds.items()}
    for s in info.students:
        folder = klass / "students" / s
        assert sorted(p.name for p in folder.iterdir()) == ["03_cell_classes_2003.ipynb", "mystery_03.npz"]
        blob = b"".join(p.read_bytes() for p in folder.iterdir())
        assert str(seeds[s]).encode() not in blob and info.secret.encode() not in blob
        with np.load(folder / "mystery_03.npz") as d:
            assert set(d.files) == {"currents", "t_ms", "v_mV", "I", "spike_times_ms", "spike_counts"}

    subs = tmp_path / "subs"
    subs.mkdir()
    wrong = {s: next(c for c in MYSTERY_CLASSES if c != labels[s]) for s in info.students}
    answers = {"st01": labels["st01"], "st02": wrong["st02"], "st03": None}
    for s, label in answers.items():
        nb = nbformat.read(klass / "students" / s / "03_cell_classes_2003.ipynb", as_version=4)
        if label is not None:
            cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("answer_1 ="))
            cell.source = f"answer_1 = {label!r}"
        nbformat.write(nb, str(subs / f"{s}.ipynb"))  # handed in alone: the grader supplies mystery_03.npz
    out = tmp_path / "out"
    code = main(["grade", str(subs), "--lesson", "03", "--course", str(klass), "--out", str(out), "--timeout", "120"])
    capsys.readouterr()
    with open(out / "gradebook.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["exercise"] == "1"]
    got = {r["student"]: (r["points"], r["message"]) for r in rows}
    assert code == 0, got
    assert got["st01"][0] == "1" and labels["st01"] in got["st01"][1]
    assert got["st02"][0] == "0" and f"not {wrong['st02']}" in got["st02"][1]
    assert got["st03"][0] == "0"
