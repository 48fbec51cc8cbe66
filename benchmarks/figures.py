"""Benchmark of the figures and the report: a cold `izh-brian figures` and a warm `izh-brian report`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from izh_brian.report.sections import count_compiled_modules

#: Goals (s) of :func:`bench_figures`: a first ``izh-brian figures`` on an empty cache, a warm ``izh-brian report``.
FIGURES_GOALS = {"cold_figures_s": 120.0, "warm_report_s": 45.0}


def _cli_run(args, cache_dir, timeout):
    """Run ``izh-brian ARGS --json`` in a fresh Python whose Brian2 Cython cache is ``cache_dir``."""

    env = dict(os.environ, CYTHON_CACHE_DIR=str(cache_dir), MPLBACKEND="Agg")
    code = "import sys; from izh_brian.cli import main; sys.exit(main(sys.argv[1:]))"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args, "--json"], capture_output=True, text=True,
                          timeout=timeout, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"izh-brian {' '.join(args)} failed (status {proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, json.loads(proc.stdout)


def bench_figures(report: bool = True, timeout: int = 1800) -> dict:
    """``izh-brian figures`` on an empty Cython cache, then again warm, then ``izh-brian report`` twice.

    Each command runs in a fresh Python process whose cache is a new
    temporary folder (``CYTHON_CACHE_DIR``; the user's cache is never
    touched), removed afterwards. The warm figures run, measured in the same
    benchmark, is the baseline of the cold one: their ratio is what compiling
    costs. The report runs without lessons (they execute notebooks, a cost of
    their own), once to compile what the figures do not need and once warm.

    Returns
    -------
    dict
        ``cold_s``, ``warm_s``, ``ratio_cold_over_warm``, ``modules_cold``
        (compiled modules in the cache after the cold run), ``sections_cold``
        (per section: seconds, modules compiled, process); with ``report``:
        ``report_first_s``, ``report_modules`` (compiled by the first report),
        ``report_warm_s``, ``report_sections``; ``goals``, ``goal_met``.
    """

    cache = Path(tempfile.mkdtemp(prefix="izh_brian_figures_cold_"))
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    try:
        with tempfile.TemporaryDirectory(prefix="izh_brian_figures_out_") as out:
            cold_s, cold = _cli_run(["figures", "--out", out, "--format", "png"], cache, timeout)
            modules = count_compiled_modules(cache / "brian_extensions")
            warm_s, warm = _cli_run(["figures", "--out", out, "--format", "png"], cache, timeout)
            res = {"cold_s": cold_s, "warm_s": warm_s, "ratio_cold_over_warm": cold_s / warm_s,
                   "modules_cold": modules, "sections_cold": cold["sections"], "sections_warm": warm["sections"],
                   "goals": dict(FIGURES_GOALS)}
            if report:
                # the first report compiles what the figures do not need (scenarios, NEST and NeuroML schemes)
                first_s, first = _cli_run(["report", "--out", out, "--no-lessons"], cache, timeout)
                rep_s, rep = _cli_run(["report", "--out", out, "--no-lessons"], cache, timeout)
                res.update(report_first_s=first_s, report_first_sections=first["timings"], report_warm_s=rep_s,
                           report_sections=rep["timings"], report_modules=count_compiled_modules(
                               cache / "brian_extensions") - modules)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    res["loadavg_1min"] = [load0, os.getloadavg()[0] if hasattr(os, "getloadavg") else None]
    res["n_cpus"] = os.cpu_count()
    res["goal_met"] = {"cold_figures": bool(res["cold_s"] <= FIGURES_GOALS["cold_figures_s"])}
    if "report_warm_s" in res:
        res["goal_met"]["warm_report"] = bool(res["report_warm_s"] <= FIGURES_GOALS["warm_report_s"])
    return res


def format_bench_figures(r: dict) -> str:
    """The lines ``python -m benchmarks.bench figures`` prints: totals, goals, then the slowest sections."""
    g = r["goals"]
    met = r["goal_met"]
    s = (f"(g) figures: first `izh-brian figures` on an empty Cython cache {r['cold_s']:.1f} s "
         f"({r['modules_cold']} modules compiled; goal <= {g['cold_figures_s']:g} s: "
         f"{'met' if met['cold_figures'] else 'NOT met'}); warm {r['warm_s']:.1f} s; cold / warm "
         f"{r['ratio_cold_over_warm']:.1f}x")
    if "report_warm_s" in r:
        s += (f"; `izh-brian report --no-lessons` first {r['report_first_s']:.1f} s ({r['report_modules']} more "
              f"modules), warm {r['report_warm_s']:.1f} s (goal <= {g['warm_report_s']:g} s: "
              f"{'met' if met['warm_report'] else 'NOT met'})")
    load = r.get("loadavg_1min") or [None, None]
    if load[0] is not None:
        s += (f"\n    machine load (1-min average) {load[0]:.1f} at the start, {load[1]:.1f} at the end, on "
              f"{r.get('n_cpus')} CPUs: other work on the machine stretches every time above")
    for key, sec in sorted(r["sections_cold"].items(), key=lambda kv: -kv[1]["seconds"]):
        s += (f"\n    cold figures {key:<18s} {sec['seconds']:6.1f} s  {sec.get('modules_compiled') or 0:3d} modules "
              f"({sec.get('process', 'main')} process)")
    for key, sec in sorted(r.get("report_sections", {}).items(), key=lambda kv: -kv[1]["seconds"])[:6]:
        s += f"\n    warm report  {key:<18s} {sec['seconds']:6.1f} s"
    return s
