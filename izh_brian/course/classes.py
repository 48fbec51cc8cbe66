"""A class: a roster, a secret, and one variant of each graded mystery neuron per student.

``izh-brian course new ROSTER.csv --lessons 00,03,09 --out CLASS`` (:func:`new_class`) writes::

    CLASS/course.json                 title, lessons, students (no secret)
    CLASS/secret.txt                  the course secret (mode 0600): keep it; never hand it out
    CLASS/students/ID/NN_name.ipynb   each student's notebooks
    CLASS/students/ID/mystery_NN.npz  the student's mystery neuron of lesson NN, as recorded data

A variant is the seed ``HMAC-SHA256(secret, "lesson NN/student ID")`` (first 8 bytes): a student's folder
holds the neuron's recorded responses, never the seed or its parameters, so nobody derives a variant from
the package code, and no two students share one except by chance (1 in 2**64). ``izh-brian grade --course
CLASS`` recomputes each student's seed from the secret and checks their answers against their own neuron.
The mystery cells that draw a neuron from a seed of the student's choice stay in ``notebooks/`` for self-study.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from izh_brian.course.lessons import LESSONS, lesson_name, student_notebook
from izh_brian.limits import check_file_size
from izh_brian.teaching.exercises import lesson03, lesson09

__all__ = ["ClassInfo", "new_class", "load_class", "variant_seed", "read_roster", "VARIANT_LESSONS"]

#: Lessons whose graded exercises use a mystery neuron: how its cell is rewritten and where its file goes.
#: (lesson: (module, exact text of the self-study cell's draw, the student's line instead))
VARIANT_LESSONS = {
    "03": (lesson03, "SEED = 7  # choose your own number\nneuron = lesson03.mystery_neuron(SEED)",
           'SEED = "of your class"  # your own neuron, recorded for you\n'
           'neuron = lesson03.recorded_mystery_neuron("mystery_03.npz")'),
    "09": (lesson09, "cell = lesson09.mystery_neuron(seed=7)",
           'cell = lesson09.recorded_mystery_neuron("mystery_09.npz")  # your own neuron, recorded for you'),
}

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SECRET_FILE = "secret.txt"


def variant_seed(secret: str, lesson: str, student: str) -> int:
    """The seed of ``student``'s variant of ``lesson``: the first 8 bytes of HMAC-SHA256(secret, text)."""
    mac = hmac.new(secret.encode(), f"lesson {lesson}/student {student}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big")


def read_roster(path) -> list:
    """Student ids from a roster CSV: a ``student`` (or ``id``) column, else the first column; a header row
    is recognised by that name. Ids are 1-64 letters, digits, '_', '-', '.' (they name files), unique."""
    path = Path(path)
    check_file_size(path, what="roster")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if any(x.strip() for x in r)]
    if not rows:
        raise ValueError(f"roster {path} is empty; give one student id per line (a 'student' header allowed)")
    head = [x.strip().lower() for x in rows[0]]
    col = next((head.index(k) for k in ("student", "id", "student_id") if k in head), None)
    if col is not None:
        rows = rows[1:]
    else:
        col = 0
    ids = []
    for n, r in enumerate(rows, start=2 if head and col is not None else 1):
        sid = r[col].strip() if col < len(r) else ""
        if not _ID.match(sid):
            raise ValueError(f"roster {path}, row {n}: student id {sid!r} must be 1-64 letters, digits, '_', '-' or "
                             "'.', starting with a letter or digit (it names the student's folder)")
        if sid in ids:
            raise ValueError(f"roster {path}, row {n}: student id {sid!r} appears twice")
        ids.append(sid)
    return ids


def _lessons(text) -> list:
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part.isdigit() or f"{int(part):02d}" not in LESSONS:
            raise ValueError(f"--lessons: {part!r} is not a lesson; give numbers from {', '.join(LESSONS)}, "
                             "comma-separated (e.g. 00,03,09)")
        out.append(f"{int(part):02d}")
    return sorted(set(out))


def _variant_notebook(lesson: str):
    nb = student_notebook(lesson)
    if lesson in VARIANT_LESSONS:
        _, old, new = VARIANT_LESSONS[lesson]
        hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        if len(hits) != 1:  # the lesson source changed: say so rather than hand out a self-study cell
            raise RuntimeError(f"lesson {lesson}: the mystery-neuron cell ({old.splitlines()[0]!r}) was not found "
                               "once in the student notebook; update VARIANT_LESSONS")
        hits[0].source = hits[0].source.replace(old, new)
    return nb


def new_class(roster, lessons, out, *, title: str = "", secret: str | None = None) -> "ClassInfo":
    """Write a class (see the module's notes) into the folder ``out``, which must be new or empty."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"--out {str(out)!r} exists and is not an empty folder; give a new folder (nothing is "
                         "overwritten)")
    students = read_roster(roster)
    lessons = _lessons(lessons)
    secret = secret or secrets.token_hex(32)
    notebooks = {lesson: _variant_notebook(lesson) for lesson in lessons}
    import nbformat  # optional (the course extra), like every notebook package here
    out.mkdir(parents=True, exist_ok=True)
    secret_path = out / _SECRET_FILE
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    info = ClassInfo(path=str(out), title=title or out.name, lessons=lessons, students=students, secret=secret)
    (out / "course.json").write_text(json.dumps({"title": info.title, "lessons": lessons, "students": students},
                                                indent=1) + "\n", encoding="utf-8")
    for sid in students:
        folder = out / "students" / sid
        folder.mkdir(parents=True)
        for lesson, nb in notebooks.items():
            nbformat.write(nb, str(folder / f"{lesson_name(lesson)}.ipynb"))
            if lesson in VARIANT_LESSONS:
                VARIANT_LESSONS[lesson][0].save_mystery(variant_seed(secret, lesson, sid), folder / f"mystery_{lesson}.npz")
    return info


@dataclass
class ClassInfo:
    """A class read back by :func:`load_class` (or just made)."""

    path: str
    title: str
    lessons: list
    students: list
    secret: str

    def variants_for(self, lesson):
        """``student -> {"seeds": {exercise: seed}, "files": {name: bytes}}`` for
        :func:`izh_brian.course.grade.grade_folder`: the student's variant and the data file their notebook
        reads, where the lesson has one; ``None`` otherwise (a student not on the roster: graded without)."""
        lesson = f"{int(str(lesson).strip()):02d}"
        if lesson not in self.lessons:
            raise ValueError(f"lesson {lesson} is not part of the class at {self.path} (its lessons: "
                             f"{', '.join(self.lessons)})")

        def variant(student):
            if lesson not in VARIANT_LESSONS or student not in self.students:
                return None
            seed = variant_seed(self.secret, lesson, student)
            name = f"mystery_{lesson}.npz"
            data = Path(self.path) / "students" / student / name
            if data.is_symlink() or not data.is_file():
                raise ValueError(f"{data} is missing (or not a plain file): the class folder is incomplete")
            check_file_size(data, what="mystery neuron file")
            return {"seeds": {k: seed for k in (1, 2, 3)}, "files": {name: data.read_bytes()}}

        return variant


def load_class(path) -> ClassInfo:
    """Read ``CLASS/course.json`` and ``CLASS/secret.txt`` (both size-checked)."""
    path = Path(path)
    meta, sec = path / "course.json", path / _SECRET_FILE
    if not meta.is_file() or not sec.is_file():
        raise ValueError(f"--course {str(path)!r} is not a class folder (no course.json and secret.txt); make one "
                         "with izh-brian course new")
    check_file_size(meta, what="course file")
    check_file_size(sec, what="course secret")
    try:
        d = json.loads(meta.read_text(encoding="utf-8"))
        info = ClassInfo(str(path), str(d["title"]), list(d["lessons"]), list(d["students"]),
                         sec.read_text(encoding="utf-8").strip())
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{meta}: not a course file ({type(exc).__name__}: {exc})") from None
    if not info.secret:
        raise ValueError(f"{sec} is empty: the class's variants cannot be recomputed")
    return info
