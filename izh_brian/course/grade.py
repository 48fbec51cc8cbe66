"""Grade a class: run each submitted notebook in a fresh kernel, then call the lesson's checks on that
kernel's own variables; or check a folder of spike files against one pattern.

>>> DEFAULT_TIMEOUT_S, DEFAULT_MEMORY_GB
(300, 4.0)

How a notebook is graded (:func:`grade_notebook`):

1. The file is checked before anything reads it: a plain file (not a link), at most
   ``IZH_BRIAN_MAX_FILE_BYTES`` (:mod:`izh_brian.limits`), a valid notebook (``nbformat``).
2. A copy runs top to bottom in a fresh Python kernel (``nbclient``), in a temporary folder (so nothing in
   the submissions folder changes), with errors allowed (a broken cell costs that cell, not the lesson), a
   time limit for the whole notebook and a memory cap (``RLIMIT_AS`` of the kernel's process, inherited by
   the compilers it starts; on systems without ``resource`` the cap is not applied and the result says so).
3. A cell the grader adds at the top loads a private copy of the lesson's checks module (its own
   functions and globals) under a name drawn at random for this run; a cell it adds at the end calls them on ``answer_1``, ``answer_2``, ... as the kernel holds
   them (an answer never defined is the placeholder ``...``) and prints the results after a random marker.
   So a printed "3 of 3 exercises pass", or reassigning ``lesson00.check_1`` (or a name it uses),
   changes nothing: only the checks' own verdicts on the kernel's values count. (This is not a sandbox: a submission runs as the
   user who grades; grade untrusted work in a container or an account of its own.)
4. Every exercise of the lesson gets a row, tried or not. A notebook that is not a notebook, runs past the
   time limit, exceeds the memory cap or kills its kernel gets one row per exercise with 0 points and the
   reason, and the batch goes on.

Mystery neurons (lessons 03 and 09): without a course, each is checked against the seed the student drew
in that kernel; with a course (:mod:`izh_brian.course.classes`), against the student's own variant.
"""

from __future__ import annotations

import base64
import concurrent.futures
import csv
import html
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from izh_brian.course.lessons import LESSONS, exercise_points
from izh_brian.limits import ResourceLimitError, check_file_size, format_bytes
from izh_brian.parallel import dask_map
from izh_brian.presets import get_preset
from izh_brian.teaching.check import check_file

__all__ = ["DEFAULT_TIMEOUT_S", "KERNEL_START_S", "DEFAULT_MEMORY_GB", "SPIKE_FILE_SUFFIXES", "GradeRow", "Submission",
           "lesson_exercises", "grade_notebook", "grade_spike_file", "grade_folder", "write_gradebook",
           "GRADEBOOK_FIELDS"]

#: Seconds a whole notebook may run (kernel start excluded); ``--timeout``.
DEFAULT_TIMEOUT_S = 300
#: Address space of a notebook's kernel, GB; ``--memory``. Under a 0.5 GB cap a kernel cannot even import the
#: lesson's checks (MemoryError, measured with Brian2 2.11); 1 GB runs a single preset, so ``--memory`` below 1
#: is refused and the default leaves room for a lesson's own simulations.
DEFAULT_MEMORY_GB = 4.0
#: What ``--pattern`` grades: the files :func:`izh_brian.teaching.check.load_submission` reads.
SPIKE_FILE_SUFFIXES = (".npz", ".csv", ".txt")
#: The gradebook's columns, in order (a public interface: names stay stable).
GRADEBOOK_FIELDS = ("student", "lesson", "exercise", "points", "max_points", "ok", "message", "graded",
                    "seconds")
#: Seconds allowed on top of ``--timeout`` for a whole notebook: its kernel and Brian2 starting.
KERNEL_START_S = 120  # allowed on top of the notebook's own time for the kernel and Brian2 to start


@dataclass
class GradeRow:
    """One exercise of one submission: the gradebook's line."""

    student: str
    lesson: str
    exercise: int
    points: float
    max_points: float
    ok: bool
    message: str
    graded: bool = True  # False when the submission could not be run or read (then ok is False, points 0)
    seconds: float = 0.0


@dataclass
class Submission:
    """A graded file: its rows, whether it could be graded, and why not."""

    student: str
    path: str
    rows: list = field(default_factory=list)
    graded: bool = True
    reason: str = ""
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return float(sum(r.points for r in self.rows))

    @property
    def max_points(self) -> float:
        return float(sum(r.max_points for r in self.rows))


def lesson_exercises(lesson: str) -> dict:
    """``{exercise number: max points}`` of a lesson (``"00"`` .. ``"09"``), from the points of the check
    cells of its source (:func:`izh_brian.course.lessons.exercise_points`)."""
    lesson = _lesson_id(lesson)
    if lesson not in LESSONS:
        raise ValueError(f"unknown lesson {lesson!r}; the lessons are {', '.join(LESSONS)}")
    return dict(exercise_points(lesson))


def _lesson_id(lesson) -> str:
    text = str(lesson).strip()
    if not text.isdigit() or len(text) > 2:
        raise ValueError(f"--lesson must be a lesson number such as 00 or 3, got {lesson!r}")
    return f"{int(text):02d}"


# ----------------------------------------------------------------------------- the kernel's two cells

_FIRST_CELL = """\
# added by izh-brian grade: a private copy of the lesson's checks, which the notebook cannot reassign
import builtins as _b, importlib.util as _u, sys as _y
_s = _u.spec_from_file_location({key!r}, _u.find_spec('izh_brian.teaching.exercises.lesson{lesson}').origin)
_m = _u.module_from_spec(_s)
_y.modules[{key!r}] = _m  # dataclasses look their module up there
_s.loader.exec_module(_m)
setattr(_b, {key!r}, _m)
del _b, _u, _y, _s, _m
"""

_LAST_CELL = """\
# added by izh-brian grade: the lesson's checks on this kernel's own answers
def _izh_grade():
    import builtins, inspect, json, sys
    mod = getattr(builtins, {key!r})
    seeds = {seeds!r}
    public = sys.modules.get('izh_brian.teaching.exercises.lesson{lesson}')
    last = list(getattr(public, '_LAST', None) or [])  # the neuron the notebook drew (self-study)
    if hasattr(mod, '_LAST'):
        mod._LAST[:] = last[-1:]
    own_seed = getattr(last[-1], 'seed', None) if last else None
    rows = []
    for k in {exercises!r}:
        ans = globals().get('answer_%d' % k, Ellipsis)
        try:
            fn = getattr(mod, 'check_%d' % k)
            kw = {{}}
            if 'seed' in inspect.signature(fn).parameters:
                seed = seeds.get(str(k), own_seed)
                if seed is not None:
                    kw['seed'] = seed
            fb = fn(ans, **kw)
            rows.append({{'exercise': k, 'ok': bool(fb.ok), 'message': str(fb.message)}})
        except BaseException as exc:
            rows.append({{'exercise': k, 'ok': False,
                          'message': 'the check could not run (%s: %s)' % (type(exc).__name__, exc)}})
    sys.stdout.write({marker!r} + json.dumps(rows) + '\\n')
    sys.stdout.flush()
_izh_grade()
"""


def _worker_main() -> None:
    """Run one notebook (JSON job on stdin, JSON result on stdout); the grader starts this in a process
    of its own, with the memory cap, and kills its process group past the time limit."""
    import nbclient
    import nbformat

    job = json.loads(sys.stdin.read())
    nb = nbformat.reads(job["notebook"], as_version=4)
    key, marker = "_izh_checks_" + secrets.token_hex(8), "IZH-GRADE-" + secrets.token_hex(16) + ":"
    nb.cells.insert(0, nbformat.v4.new_code_cell(_FIRST_CELL.format(key=key, lesson=job["lesson"])))
    nb.cells.append(nbformat.v4.new_code_cell(_LAST_CELL.format(
        key=key, lesson=job["lesson"], exercises=job["exercises"], seeds=job.get("seeds") or {}, marker=marker)))
    result = {"error": None}
    with tempfile.TemporaryDirectory(prefix="izh-grade-") as work:
        for name, data in (job.get("files") or {}).items():  # the student's own data (a course's variant)
            with open(os.path.join(work, os.path.basename(name)), "wb") as fh:
                fh.write(base64.b64decode(data))
        client = nbclient.NotebookClient(nb, timeout=int(job["timeout_s"]), kernel_name="python3",
                                         allow_errors=True, resources={"metadata": {"path": work}})
        try:
            client.execute()
        except nbclient.exceptions.CellTimeoutError:
            result["error"] = f"a cell ran past the time limit of {job['timeout_s']} s"
        except nbclient.exceptions.DeadKernelError:
            result["error"] = "the kernel died (out of memory, or the notebook ended its own process)"
        except Exception as exc:  # the kernel could not start, or nbclient failed: this notebook is not graded
            result["error"] = f"the notebook could not be run ({type(exc).__name__}: {str(exc)[:200]})"
    rows = None
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "") if out.get("output_type") == "stream" else ""
        for line in text.splitlines():
            if line.startswith(marker):
                rows = json.loads(line[len(marker):])
    first = [o for o in nb.cells[0].get("outputs", []) if o.get("output_type") == "error"]
    if rows is None and first:
        result["error"] = f"the grader could not load lesson {job['lesson']}'s checks: {first[0].get('ename', '')}: " \
                          f"{first[0].get('evalue', '')}"
    if rows is None and result["error"] is None:
        errs = [o for o in nb.cells[-1].get("outputs", []) if o.get("output_type") == "error"]
        result["error"] = ("the grading cell failed: " + errs[0].get("ename", "") + ": " + errs[0].get("evalue", "")
                           if errs else "the grading cell printed no result")
    result["rows"] = rows
    sys.stdout.write(json.dumps(result))


def _limit_memory(memory_bytes):
    def apply():  # runs in the child before exec: its kernel and compilers inherit the cap
        os.setsid()
        if memory_bytes:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (int(memory_bytes), int(memory_bytes)))
    return apply


def _run_worker(job: dict, timeout_s: float, memory_bytes) -> dict:
    """Start :func:`_worker_main` in a process group of its own; kill the group past ``timeout_s``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MALLOC_ARENA_MAX="2", PYDEVD_DISABLE_FILE_VALIDATION="1")
    cmd = [sys.executable, "-c", "from izh_brian.course.grade import _worker_main; _worker_main()"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=_limit_memory(memory_bytes) if os.name == "posix" else None)
    try:
        out, err = proc.communicate(json.dumps(job).encode(), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return {"error": f"the notebook ran past the time limit of {job['timeout_s']} s", "rows": None}
    finally:
        _kill_group(proc)  # the kernel too, should it outlive its client
    try:
        return json.loads(out.decode() or "null") or {"error": "the grader's worker gave no result", "rows": None}
    except ValueError:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        if "MemoryError" in tail[0]:
            return {"error": "the notebook ran out of memory before it could be graded", "rows": None}
        return {"error": f"the grader's worker failed ({tail[0][:200]})", "rows": None}


def _kill_group(proc) -> None:
    if os.name == "posix":
        import signal

        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    elif proc.poll() is None:  # pragma: no cover - not POSIX
        proc.kill()
    proc.wait()


# ----------------------------------------------------------------------------- one submission

def _read_submission(path: Path, what: str) -> bytes:
    """The bytes of a submitted file, after its path and size are checked (a link is not followed)."""
    if path.is_symlink():
        raise ValueError(f"{path.name} is a link; submissions are read only as plain files")
    if not path.is_file():
        raise ValueError(f"{path.name} is not a file")
    check_file_size(path, what=what)
    return path.read_bytes()


def _not_graded(student, lesson, exercises, reason, seconds=0.0):
    return [GradeRow(student, lesson, k, 0.0, float(p), False, reason, False, round(seconds, 2))
            for k, p in exercises.items()]


def grade_notebook(path, lesson, *, timeout_s: float = DEFAULT_TIMEOUT_S, memory_gb: float | None = DEFAULT_MEMORY_GB,
                   variant: dict | None = None, student: str | None = None) -> Submission:
    """Run a submitted notebook and grade every exercise of ``lesson`` (see the module's notes).

    ``variant``: ``{"seeds": {exercise: seed}, "files": {name: bytes}}``, a course's variant of this student
    (:meth:`izh_brian.course.classes.ClassInfo.variants_for`): the checks use those seeds, and the files are
    put beside the notebook when it runs; without it each check uses the seed the notebook drew. Returns a :class:`Submission` whose rows say, per exercise,
    the points and the check's message; ``graded`` is False (with ``reason``) when the notebook could not
    be run to the end.
    """
    path = Path(path)
    student = student or path.stem
    lesson = _lesson_id(lesson)
    exercises = lesson_exercises(lesson)
    t0 = time.perf_counter()
    try:
        text = _read_submission(path, "notebook").decode("utf-8")
        import nbformat

        nbformat.reads(text, as_version=4)
    except ResourceLimitError as exc:
        return _failed(student, path, lesson, exercises, str(exc), t0)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return _failed(student, path, lesson, exercises, f"not a readable notebook ({why})", t0)
    job = {"notebook": text, "lesson": lesson, "exercises": list(exercises), "timeout_s": float(timeout_s),
           "seeds": {str(k): int(v) for k, v in ((variant or {}).get("seeds") or {}).items()},
           "files": {str(n): base64.b64encode(b).decode() for n, b in ((variant or {}).get("files") or {}).items()}}
    memory = None if not memory_gb else float(memory_gb) * 1024**3
    result = _run_worker(job, float(timeout_s) + KERNEL_START_S, memory)
    seconds = time.perf_counter() - t0
    if result.get("rows") is None:
        return _failed(student, path, lesson, exercises, result.get("error") or "not graded", t0)
    by_k = {int(r["exercise"]): r for r in result["rows"]}
    rows = []
    note = ""
    if result.get("error"):
        note = f" (the notebook did not finish: {result['error']})"
    for k, max_p in exercises.items():
        r = by_k.get(k, {"ok": False, "message": "not checked"})
        ok = bool(r["ok"])
        rows.append(GradeRow(student, lesson, k, float(max_p) if ok else 0.0, float(max_p), ok,
                             str(r["message"]) + ("" if ok else note), True, round(seconds, 2)))
    return Submission(student, str(path), rows, True, "", round(seconds, 2))


def _failed(student, path, lesson, exercises, reason, t0) -> Submission:
    seconds = time.perf_counter() - t0
    return Submission(student, str(path), _not_graded(student, lesson, exercises, reason, seconds), False, reason,
                      round(seconds, 2))


def grade_spike_file(path, pattern: str, *, lesson: str = "", student: str | None = None) -> Submission:
    """:func:`izh_brian.teaching.check.check_file` of one spike file as a gradebook row (exercise 1, one
    point): a file that cannot be read (a link, too large, malformed, in seconds, with decimal commas) gets
    the one-line reason and ``graded = False``."""
    path = Path(path)
    student = student or path.stem
    t0 = time.perf_counter()
    try:
        if path.is_symlink():
            raise ValueError(f"{path.name} is a link; submissions are read only as plain files")
        report = check_file(pattern, str(path))
    except ValueError as exc:  # ResourceLimitError included
        return _failed(student, path, lesson, {1: 1.0}, str(exc).splitlines()[0], t0)
    if report.shows_pattern:
        message = f"shows {report.pattern}"
        if report.reference is not None:
            message += "; matches figure1.m to the step" if report.reference.get("matches") else \
                "; differs from figure1.m's spikes (the pattern is still shown)"
    else:
        bad = [c for c in report.criteria if not c.ok]
        message = f"does not show {report.pattern}" + (
            f": {bad[0].name}" + (f" ({bad[0].hint})" if bad[0].hint else "") if bad else "")
    seconds = round(time.perf_counter() - t0, 3)
    row = GradeRow(student, lesson, 1, 1.0 if report.shows_pattern else 0.0, 1.0, bool(report.shows_pattern),
                   message, True, seconds)
    return Submission(student, str(path), [row], True, "", seconds)


# ----------------------------------------------------------------------------- a folder

def _entries(folder: Path) -> list:
    """Every entry of the submissions folder (not recursive), sorted: the graded files and the rest."""
    if not folder.is_dir():
        raise ValueError(f"SUBMISSIONS must be a folder, got {str(folder)!r}")
    return sorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)


def _grade_remote(kind, name, data, lesson, pattern, timeout_s, memory_gb, variant):
    """One submission on a Dask worker, from its bytes (the worker need not see the grader's files)."""
    with tempfile.TemporaryDirectory(prefix="izh-grade-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        if kind == "notebook":
            sub = grade_notebook(path, lesson, timeout_s=timeout_s, memory_gb=memory_gb, variant=variant)
        else:
            sub = grade_spike_file(path, pattern, lesson=lesson)
    return sub


def grade_folder(submissions, *, lesson: str | None = None, pattern: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, memory_gb: float | None = DEFAULT_MEMORY_GB,
                 jobs: int | None = None, scheduler: str | None = None, variants=None, roster=None,
                 progress=None) -> list:
    """Grade every entry of ``submissions``: notebooks of ``lesson``, or spike files against ``pattern``.

    ``jobs``: notebooks run at once (default: the CPU count); ``scheduler``: ``"local"`` or a Dask scheduler
    address (:func:`izh_brian.parallel.dask_map`; each worker receives the files' bytes). ``variants``:
    ``student -> variant or None`` (a course's, see :func:`grade_notebook`); ``roster``: the class's student
    ids (a file whose stem is not one of them is not graded). ``progress(submission)`` is called as each
    finishes. Entries that are not submissions (another suffix, a folder, a link) get rows saying so.
    Returns the :class:`Submission` list in file-name order.
    """
    folder = Path(submissions)
    if (lesson is None) == (pattern is None):
        raise ValueError("give --lesson NN (notebooks) or --pattern NAME (spike files), one of them")
    if pattern is not None:
        pattern = get_preset(pattern).name  # an unknown name is refused before anything runs
    lesson_id = _lesson_id(lesson) if lesson is not None else ""
    exercises = lesson_exercises(lesson_id) if lesson is not None else {1: 1.0}
    kind = "notebook" if lesson is not None else "spikes"
    suffixes = (".ipynb",) if kind == "notebook" else SPIKE_FILE_SUFFIXES
    entries = _entries(folder)
    done: dict = {}
    todo = []
    for p in entries:
        if p.is_symlink():
            done[p.name] = _failed(p.stem, p, lesson_id, exercises, f"{p.name} is a link; submissions are read only "
                                   "as plain files", time.perf_counter())
        elif p.is_dir():
            done[p.name] = _failed(p.name, p, lesson_id, exercises, f"{p.name} is a folder, not a submission",
                                   time.perf_counter())
        elif roster is not None and p.stem not in roster:
            done[p.name] = _failed(p.stem, p, lesson_id, exercises, f"{p.stem!r} is not on the class roster (name "
                                   "each submission after its student id: ID.ipynb)", time.perf_counter())
        elif p.suffix.lower() not in suffixes:
            done[p.name] = _failed(p.stem, p, lesson_id, exercises, f"not a {' / '.join(suffixes)} file: "
                                   f"{p.name}", time.perf_counter())
        else:
            todo.append(p)
    for sub in done.values():
        if progress:
            progress(sub)

    def one(p):
        if kind == "notebook":
            return grade_notebook(p, lesson_id, timeout_s=timeout_s, memory_gb=memory_gb,
                                  variant=variants(p.stem) if variants else None)
        return grade_spike_file(p, pattern, lesson=lesson_id)

    if scheduler:
        args = []
        for p in todo:
            try:
                data = _read_submission(p, "submission")
            except ValueError as exc:
                done[p.name] = _failed(p.stem, p, lesson_id, exercises, str(exc), time.perf_counter())
                continue
            args.append((kind, p.name, data, lesson_id, pattern, timeout_s, memory_gb,
                         variants(p.stem) if variants else None))
        for sub in dask_map(_grade_remote, args, scheduler=scheduler, n_workers=jobs or 2):
            sub.path = str(folder / Path(sub.path).name)
            done[Path(sub.path).name] = sub
            if progress:
                progress(sub)
    elif kind == "spikes":
        for p in todo:  # in-process: a check is milliseconds once the references are cached
            done[p.name] = one(p)
            if progress:
                progress(done[p.name])
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, int(jobs or os.cpu_count() or 1))) as pool:
            futures = {pool.submit(one, p): p for p in todo}
            for fut in concurrent.futures.as_completed(futures):
                sub = fut.result()
                done[futures[fut].name] = sub
                if progress:
                    progress(sub)
    return [done[name] for name in sorted(done)]


# ----------------------------------------------------------------------------- gradebook, feedback, summary

def write_gradebook(subs: list, out, *, title: str = "") -> dict:
    """Write ``OUT/gradebook.csv`` (:data:`GRADEBOOK_FIELDS`), ``OUT/feedback/STUDENT.html`` (one page per
    student) and ``OUT/summary.html`` with ``OUT/summary.png`` (pass rate per exercise, points per
    student). ``out`` is created if missing; only these files are written. Returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    rows = [r for s in subs for r in s.rows]
    book = out / "gradebook.csv"
    with open(book, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(GRADEBOOK_FIELDS))
        w.writeheader()
        for r in rows:
            d = asdict(r)
            d["ok"] = "true" if r.ok else "false"
            d["graded"] = "true" if r.graded else "false"
            d["points"], d["max_points"] = f"{r.points:g}", f"{r.max_points:g}"
            w.writerow({k: d[k] for k in GRADEBOOK_FIELDS})
    pages = []
    for s in subs:
        page = out / "feedback" / f"{_safe_name(s.student)}.html"
        page.write_text(_feedback_html(s, title), encoding="utf-8")
        pages.append(page)
    png = out / "summary.png"
    _summary_figure(subs, png)
    summary = out / "summary.html"
    summary.write_text(_summary_html(subs, title, png.name), encoding="utf-8")
    return {"gradebook": str(book), "feedback": [str(p) for p in pages], "summary": str(summary),
            "figure": str(png)}


def _safe_name(student: str) -> str:
    """A file name for a student's page: letters, digits, '-', '_' and '.', never a path."""
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in student).lstrip(".")
    return name or "_"


_CSS = ("body{font-family:sans-serif;max-width:52em;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;"
        "vertical-align:top}.ok{color:#176117}.no{color:#a11}")


def _feedback_html(s: Submission, title: str) -> str:
    e = html.escape
    lines = [f"<!doctype html><meta charset='utf-8'><title>{e(s.student)}: feedback</title><style>{_CSS}</style>",
             f"<h1>{e(title or 'Feedback')}: {e(s.student)}</h1>",
             f"<p>{s.points:g} of {s.max_points:g} points</p>"]
    if not s.graded:
        lines.append(f"<p class='no'>Not graded: {e(s.reason)}</p>")
    lines.append("<table><tr><th>lesson</th><th>exercise</th><th>points</th><th>result</th></tr>")
    for r in s.rows:
        cls, word = ("ok", "pass") if r.ok else ("no", "not yet")
        lines.append(f"<tr><td>{e(r.lesson)}</td><td>{r.exercise}</td><td>{r.points:g} / {r.max_points:g}</td>"
                     f"<td class='{cls}'>{word}: {e(r.message)}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines) + "\n"


def _per_exercise(subs):
    keys = sorted({(r.lesson, r.exercise) for s in subs for r in s.rows})
    rate = {k: 0.0 for k in keys}
    for k in keys:
        these = [r for s in subs for r in s.rows if (r.lesson, r.exercise) == k]
        rate[k] = sum(r.ok for r in these) / len(these) if these else 0.0
    return rate


def _summary_figure(subs, path: Path) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    rate = _per_exercise(subs)
    labels = [f"{lesson}.{k}" if lesson else str(k) for lesson, k in rate]
    ax1.bar(range(len(rate)), [100 * v for v in rate.values()], color="#4c72b0")
    ax1.set_xticks(range(len(rate)), labels)
    ax1.set_ylim(0, 100)
    ax1.set_xlabel("exercise (lesson.number)")
    ax1.set_ylabel("submissions passing (%)")
    ax1.set_title(f"Pass rate per exercise ({len(subs)} submissions)")
    pts = [s.points for s in subs]
    top = max([s.max_points for s in subs] + [1.0])
    ax2.hist(pts, bins=[x - 0.5 for x in range(int(top) + 2)], color="#55a868", rwidth=0.8)
    ax2.set_xticks(range(int(top) + 1))
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set_xlabel("points (not graded counts as 0)")
    ax2.set_ylabel("submissions")
    ax2.set_title(f"Points per submission (of {top:g})")
    fig.savefig(path, dpi=110)


def _summary_html(subs, title, png_name) -> str:
    e = html.escape
    graded = [s for s in subs if s.graded]
    lines = [f"<!doctype html><meta charset='utf-8'><title>{e(title or 'Class summary')}</title><style>{_CSS}</style>",
             f"<h1>{e(title or 'Class summary')}</h1>",
             f"<p>{len(subs)} submissions, {len(graded)} graded; mean "
             f"{(sum(s.points for s in subs) / len(subs) if subs else 0):.2f} points.</p>",
             f"<img src='{e(png_name)}' alt='pass rate per exercise and points per submission' width='100%'>",
             "<table><tr><th>student</th><th>points</th><th>not graded because</th></tr>"]
    for s in subs:
        lines.append(f"<tr><td><a href='feedback/{e(_safe_name(s.student))}.html'>{e(s.student)}</a></td>"
                     f"<td>{s.points:g} / {s.max_points:g}</td><td>{e(s.reason)}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines) + "\n"


def memory_note(memory_gb) -> str:
    """How the memory cap is applied here (for ``--help`` and the summary line)."""
    if not memory_gb:
        return "no memory cap"
    try:
        import resource  # noqa: F401
    except ImportError:  # pragma: no cover - not POSIX
        return "no memory cap on this system (no resource module)"
    return f"memory cap {format_bytes(float(memory_gb) * 1024**3)} per notebook"
