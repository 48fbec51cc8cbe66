"""Benchmark of ``izh-brian grade`` (issue 19, "Speed"): a class of lesson-00 notebooks, a folder of spike files,
and warm in-process checks, each against a baseline measured in the same run.

``python -m benchmarks.bench grade [--json] [--save PATH]``
    The issue's sizes: 30 notebooks on 2 jobs, 200 spike files (about 15-25 minutes on 2 cores, most of it
    the notebooks). Not part of ``bench all`` (:data:`benchmarks.bench.SLOW`), and no Makefile target: run it
    from the checkout root as above.
``python -m benchmarks.grade [--notebooks N] [--files N] [--jobs N] [--json]``
    The same at other sizes, e.g. ``--notebooks 4 --files 20`` (a few minutes); ``--notebooks 0`` leaves the
    notebooks out.

1. **Notebooks.** N copies of lesson 00's student notebook (``notebooks/00_write_the_model.ipynb``) in a
   temporary folder, in turn solved (the solution's three answers), unsolved (as handed out) and partly
   solved (exercise 1). One solved notebook is graded first, alone, to warm Brian2's compiled-code cache (its
   time is printed, not counted). Baseline: each of the three kinds executed alone by ``nbclient`` in a fresh
   kernel (what running the notebook costs without the grader). Then ``izh-brian grade SUBS --lesson 00
   --jobs 2`` (the command's own function, in this process; the notebooks run in their kernels): per notebook
   its seconds and seconds / the nbclient time of its kind (above 1: the grader's own cost plus the other
   job's share of the cores), the total against ``sum(nbclient times) / jobs`` (perfect parallelism) and the
   goal, <= 600 s for 30 notebooks (judged only at 30; at other sizes the total scaled to 30 is printed as an
   estimate). The points are checked too (3, 0 and 1 by kind).
2. **Spike files.** M files, ``.npz`` and ``.csv`` in turn, of tonic spiking under figure1.m's loop (most),
   under forward Euler (shows the pattern, differs from figure1.m) and of phasic spiking (wrong: every fifth),
   graded by ``python -m izh_brian.cli grade FOLDER --pattern tonic_spiking`` in a fresh process whose cache
   of reference runs (``IZH_BRIAN_CACHE``) is an empty folder (imports, the reference runs and the gradebook's
   pages included; compiled code cached). Goal: <= 30 s for 200 files (judged only at 200; otherwise the total
   plus the missing files at the median is printed as an estimate). Baseline: one warm in-process check (3.):
   the median time per file (from the gradebook) / that call.
3. **check, in process, warm.** :func:`benchmarks.bench.bench_check` (its reference runs cached): best and
   worst of its warm calls against the goal, under 20 ms each.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["GOALS", "benchmark", "format_benchmark", "make_notebooks", "make_spike_files", "main"]

ROOT = Path(__file__).resolve().parent.parent
LESSON = "00"
#: The issue's goals: 30 notebooks in 600 s on 2 cores; 200 spike files in 30 s; a warm check under 20 ms.
GOALS = {"notebooks_n": 30, "notebooks_s": 600.0, "files_n": 200, "files_s": 30.0, "check_warm_s": 0.020}
KINDS = ("solved", "unsolved", "partly")
#: Seconds a notebook's cell may take here (generous: the cores are shared by two jobs).
CELL_TIMEOUT_S = 600


def _answer_cells(nb) -> dict:
    """{K: cell index} of the answer cells (by the cell ids the lesson's source, its student notebook and its
    solution share)."""
    from izh_brian.course.lessons import read_source

    ids = {c.id: int(c.metadata["nbgrader"]["grade_id"].split("_")[1]) for c in read_source(LESSON).cells
           if c.metadata.get("nbgrader", {}).get("solution")}
    return {ids[c.id]: i for i, c in enumerate(nb.cells) if c.get("id") in ids}


def _notebook(kind: str):
    """Lesson 00's student notebook, solved, unsolved or partly solved (exercise 1)."""
    import nbformat

    from izh_brian.course.lessons import lesson_name

    name = lesson_name(LESSON) + ".ipynb"
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    sol = nbformat.read(ROOT / "notebooks" / "solutions" / name, as_version=4)
    mine, theirs = _answer_cells(nb), _answer_cells(sol)
    fill = {"solved": (1, 2, 3), "unsolved": (), "partly": (1,)}[kind]
    for k in fill:
        nb.cells[mine[k]].source = sol.cells[theirs[k]].source
    return nb


def make_notebooks(folder, n: int) -> dict:
    """Write ``st01.ipynb`` .. into ``folder``, kinds in turn (:data:`KINDS`); returns {student: kind}."""
    import nbformat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kinds = {}
    for i in range(n):
        student, kind = f"st{i + 1:02d}", KINDS[i % len(KINDS)]
        nbformat.write(_notebook(kind), str(folder / f"{student}.ipynb"))
        kinds[student] = kind
    return kinds


def make_spike_files(folder, n: int) -> dict:
    """Write ``f001.npz``, ``f002.csv``, ... into ``folder``: tonic spiking (figure1.m's loop; every fourth
    of five under forward Euler) and, every fifth, phasic spiking (wrong). Returns {student: kind}."""
    from izh_brian.simulation import simulate

    trains = {"figure1": simulate("tonic_spiking").spike_times_ms,
              "euler": simulate("tonic_spiking", scheme="euler").spike_times_ms,
              "wrong": simulate("phasic_spiking").spike_times_ms}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kinds = {}
    for i in range(n):
        kind = ("figure1", "figure1", "figure1", "euler", "wrong")[i % 5]
        student = f"f{i + 1:03d}"
        if i % 2:
            np.savetxt(folder / f"{student}.csv", trains[kind], header="spike_time_ms", comments="")
        else:
            np.savez(folder / f"{student}.npz", spike_times_ms=trains[kind])
        kinds[student] = kind
    return kinds


def _nbclient_alone(nb) -> float:
    """Seconds for nbclient to execute ``nb`` in a fresh kernel (started and stopped), errors allowed."""
    import nbclient

    with tempfile.TemporaryDirectory(prefix="izh-bench-nb-") as work:
        t0 = time.perf_counter()
        nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": work}}).execute()
        return time.perf_counter() - t0


def _gradebook(path) -> dict:
    """{student: (points, seconds)} of a gradebook.csv."""
    out: dict = {}
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            pts, _ = out.get(r["student"], (0.0, 0.0))
            out[r["student"]] = (pts + float(r["points"]), float(r["seconds"]))
    return out


def bench_notebooks(n: int = 30, jobs: int = 2) -> dict:
    """Part 1 of the module's notes: ``izh-brian grade`` of ``n`` lesson-00 notebooks on ``jobs`` jobs."""
    import nbformat

    from izh_brian.cli import main as cli
    from izh_brian.course.grade import grade_notebook

    with tempfile.TemporaryDirectory(prefix="izh-bench-grade-") as tmp:
        tmp = Path(tmp)
        warm_nb = tmp / "warm" / "warm.ipynb"
        warm_nb.parent.mkdir()
        nbformat.write(_notebook("solved"), str(warm_nb))
        t0 = time.perf_counter()
        warm = grade_notebook(warm_nb, LESSON, timeout_s=CELL_TIMEOUT_S)
        warm_s = time.perf_counter() - t0
        alone = {kind: _nbclient_alone(_notebook(kind)) for kind in KINDS}
        kinds = make_notebooks(tmp / "subs", n)
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # its summary line; this benchmark prints its own
            code = cli(["grade", str(tmp / "subs"), "--lesson", LESSON, "--out", str(tmp / "out"), "--jobs",
                        str(jobs), "--timeout", str(CELL_TIMEOUT_S), "--quiet"])
        total_s = time.perf_counter() - t0
        book = _gradebook(tmp / "out" / "gradebook.csv")
    expected = {"solved": 3.0, "unsolved": 0.0, "partly": 1.0}
    per = [{"student": s, "kind": kinds[s], "seconds": book[s][1], "points": book[s][0],
            "ratio_to_alone": book[s][1] / alone[kinds[s]]} for s in sorted(kinds)]
    ideal_s = sum(alone[kinds[s]] for s in kinds) / jobs
    full = n == GOALS["notebooks_n"]
    return {"n": n, "jobs": jobs, "cpus": os.cpu_count(), "warm_s": warm_s, "warm_points": warm.points,
            "alone_s": alone, "per_notebook": per, "total_s": total_s, "ideal_s": ideal_s,
            "ratio_to_ideal": total_s / ideal_s, "exit_code": code,
            "points_as_expected": all(p["points"] == expected[p["kind"]] for p in per) and warm.points == 3.0,
            "goal_s": GOALS["notebooks_s"], "estimate_s": total_s * GOALS["notebooks_n"] / n,
            "goal_met": bool(total_s <= GOALS["notebooks_s"] and code == 0) if full else None}


def bench_spike_files(n: int = 200, check_warm_s: float | None = None) -> dict:
    """Part 2 of the module's notes: ``izh-brian grade FOLDER --pattern tonic_spiking`` of ``n`` files in a
    fresh process; ``check_warm_s`` (one warm in-process check) is the baseline of the time per file."""
    with tempfile.TemporaryDirectory(prefix="izh-bench-spikes-") as tmp:
        tmp = Path(tmp)
        kinds = make_spike_files(tmp / "subs", n)
        cmd = [sys.executable, "-m", "izh_brian.cli", "grade", str(tmp / "subs"), "--pattern", "tonic_spiking",
               "--out", str(tmp / "out"), "--quiet"]
        env = dict(os.environ, IZH_BRIAN_CACHE=str(tmp / "reference-cache"))  # empty: the first file simulates
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=tmp, env=env)
        total_s = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"grade --pattern failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
        book = _gradebook(tmp / "out" / "gradebook.csv")
    seconds = [book[s][1] for s in sorted(kinds)]
    wrong_ok = all((book[s][0] == 0.0) == (kinds[s] == "wrong") for s in kinds)
    files_s = float(sum(seconds))
    median = float(statistics.median(seconds))
    # at another size: the same process start (imports, gradebook) and reference runs, other files at the median
    estimate = total_s + (GOALS["files_n"] - n) * median
    out = {"n": n, "total_s": total_s, "files_s": files_s, "median_file_s": median,
           "slowest_files_s": sorted(seconds, reverse=True)[:2],
           "n_wrong": sum(k == "wrong" for k in kinds.values()), "points_as_expected": wrong_ok,
           "goal_s": GOALS["files_s"], "estimate_s": estimate,
           "goal_met": bool(total_s <= GOALS["files_s"]) if n == GOALS["files_n"] else None}
    if check_warm_s:
        out["check_warm_s"] = check_warm_s
        out["ratio_file_to_check"] = out["median_file_s"] / check_warm_s
    return out


def benchmark(n_notebooks: int = 30, n_files: int = 200, jobs: int = 2, check_repeats: int = 20) -> dict:
    """All three parts of the module's notes (``n_notebooks = 0`` leaves the notebooks out)."""
    from benchmarks.bench import bench_check  # here, not at the top: benchmarks.bench imports this module

    chk = bench_check(repeats=check_repeats)
    chk["grade_goal"] = GOALS["check_warm_s"]
    chk["grade_goal_met"] = bool(chk.get("warm_max_s", chk["warm_s"]) < GOALS["check_warm_s"])
    out = {"check": chk, "spike_files": bench_spike_files(n_files, chk["warm_s"])}
    if n_notebooks:
        out["notebooks"] = bench_notebooks(n_notebooks, jobs)
    parts = [chk["grade_goal_met"], out["spike_files"]["goal_met"], out.get("notebooks", {}).get("goal_met")]
    # None: a part left out, or run at another size than the goal's
    out["goal_met"] = None if None in parts else all(parts)
    return out


def _met(ok) -> str:
    return "met" if ok else "NOT met"


def _goal(r: dict, n_goal: int, what: str) -> str:
    """The goal and whether it is met; at another size, the estimate for the goal's size (not judged)."""
    if r["goal_met"] is not None:
        return f"goal <= {r['goal_s']:g} s: {_met(r['goal_met'])}"
    return (f"goal <= {r['goal_s']:g} s for {n_goal} {what}, not judged at {r['n']}; estimate for {n_goal}: "
            f"{r['estimate_s']:.0f} s")


def format_benchmark(r: dict) -> str:
    lines = []
    nb = r.get("notebooks")
    if nb:
        lines.append(f"(g) izh-brian grade, {nb['n']} lesson-00 notebooks on {nb['jobs']} jobs ({nb['cpus']} CPUs), "
                     f"compiled code cached (one solved notebook graded first to warm it: {nb['warm_s']:.1f} s, "
                     "not counted)")
        lines.append("    alone (nbclient, fresh kernel, no grader): " + ", ".join(
            f"{k} {v:.1f} s" for k, v in nb["alone_s"].items()))
        for p in nb["per_notebook"]:
            lines.append(f"    {p['student']} ({p['kind']}, {p['points']:g}/3): {p['seconds']:.1f} s, "
                         f"{p['ratio_to_alone']:.2f}x alone")
        lines.append(f"    total {nb['total_s']:.1f} s ({_goal(nb, GOALS['notebooks_n'], 'notebooks')}); "
                     f"{nb['ratio_to_ideal']:.2f}x the sum of the alone times / {nb['jobs']} jobs "
                     f"({nb['ideal_s']:.1f} s); exit {nb['exit_code']}; points as expected (3 / 0 / 1 by kind): "
                     f"{'yes' if nb['points_as_expected'] else 'NO'}")
    sf = r["spike_files"]
    s = (f"(g) izh-brian grade --pattern tonic_spiking, {sf['n']} spike files ({sf['n_wrong']} wrong), fresh process: "
         f"total {sf['total_s']:.1f} s ({_goal(sf, GOALS['files_n'], 'files')}); per file: median "
         f"{1000 * sf['median_file_s']:.1f} ms, the slowest " + " and ".join(f"{x:.3f} s" for x in sf["slowest_files_s"])
         + " (they simulate the references: the reference cache starts empty)")
    if "ratio_file_to_check" in sf:
        s += f", median {sf['ratio_file_to_check']:.2f}x one warm in-process check"
    s += f"; points as expected: {'yes' if sf['points_as_expected'] else 'NO'}"
    lines.append(s)
    c = r["check"]
    worst = f", worst {1000 * c['warm_max_s']:.1f} ms" if "warm_max_s" in c else ""
    lines.append(f"(g) check in process, warm (bench check, {c.get('n_warm', '')} calls): best "
                 f"{1000 * c['warm_s']:.1f} ms{worst}; first {c['first_s']:.2f} s ({c['ratio']:.0f}x warm) (goal < "
                 f"{1000 * c['grade_goal']:g} ms each: {_met(c['grade_goal_met'])})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grade", description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=GOALS["notebooks_n"], help="lesson-00 notebooks (0: none)")
    parser.add_argument("--files", type=int, default=GOALS["files_n"], help="spike files (at least 1)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at once")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.notebooks < 0 or args.files < 1 or args.jobs < 1:
        parser.error("--notebooks >= 0, --files >= 1 and --jobs >= 1")
    r = benchmark(args.notebooks, args.files, args.jobs)
    if args.json:
        from izh_brian.jsonutil import to_jsonable

        json.dump(to_jsonable(r), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_benchmark(r))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
