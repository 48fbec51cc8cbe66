"""Benchmarks of speed and scale, each printing its ratio against a baseline measured in the same run.

``python -m benchmarks.bench presets|cold|network|atlas|standalone|check|figures|fit|neuroml|grade|all [--json]
[--save PATH]`` (``all`` runs every one but neuroml and grade, :data:`SLOW`)

presets
    ``simulate_many`` of all 28 reference presets (one Network, one run)
    against a loop of one Brian2 run per preset (``simulate``), same process,
    warm cache. Goal: at least 10x.
cold
    The whole preset suite in a fresh subprocess whose Brian2 Cython cache is
    an empty temporary directory (the user's cache is never touched): seconds
    of the first full run, and the number of compiled extension modules it
    created; then the same for 2 presets, to show whether that number grows
    with the number of presets. Goal: the full suite cold in <= 20 s.
network
    The 2003 network, 1000 neurons x 10 s, against the numpy transcription of
    net.m (and NEST when installed); :func:`benchmarks.network.benchmark_network`.
    Goal: Brian2 <= 0.5x the numpy time.
atlas
    A parameter atlas of 10^5 points x 200 ms (:mod:`izh_brian.atlas`), its
    throughput in neuron-steps per second against the memory bandwidth of this
    machine measured in the same run (numpy streaming copy and triad) and the
    bytes per neuron-step the kernels must move. Goal: <= 30 s.
standalone
    cpp_standalone built once and rerun with new parameters against the
    Cython runtime on the same neurons: after how many reruns, and from which
    simulated duration, standalone pays off.
check
    :func:`izh_brian.teaching.check.check` of a student's submission (tonic spiking
    under forward Euler): a warm check, whose reference runs are cached in the
    process, against the first check, which simulates the preset under the
    seven compared schemes (the on-disk cache of reference runs is off for this
    benchmark). Goal: a warm check in < 2 s.

figures
    The first ``izh-brian figures`` on an empty Cython cache (a temporary
    ``CYTHON_CACHE_DIR``), the same warm, and ``izh-brian report`` warm
    (:func:`benchmarks.figures.bench_figures`), with each section's time and
    compiled modules. Goals: cold figures <= 120 s, warm report <= 45 s.
grade
    ``izh-brian grade`` of 30 lesson-00 notebooks on 2 jobs (against nbclient
    running each kind of notebook alone), of 200 spike files in a fresh
    process (against one warm in-process check), and warm checks
    (:mod:`benchmarks.grade`; other sizes: ``python -m benchmarks.grade
    --notebooks 4 --files 20``). Goals: <= 600 s, <= 30 s, < 20 ms a check.

``--save PATH`` also writes the results as JSON; ``izh-brian report`` shows
those it finds in its output folder (``bench_results.json``).

A goal that is not met is printed with the profile that shows where the
time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import brian2
import numpy as np
from brian2 import Network, ms

from benchmarks import figures as figures_bench
from benchmarks import fit as fit_bench
from benchmarks import grade as grade_bench
from benchmarks import neuroml as neuroml_bench
from benchmarks.network import benchmark_network
from benchmarks.network_standalone import benchmark_network_standalone
from izh_brian.atlas import run_atlas
from izh_brian.jsonutil import to_jsonable
from izh_brian.model.neurons import make_neurons
from izh_brian.presets import get_preset, preset_names
from izh_brian.simulation import simulate, simulate_many
from benchmarks.standalone import measure_crossover
from izh_brian.teaching import check as chk

__all__ = [
    "bench_presets",
    "bench_cold",
    "bench_network",
    "bench_atlas",
    "bench_standalone",
    "bench_check",
    "memory_bandwidth",
    "kernel_arrays",
    "bytes_per_neuron_step",
    "cold_run",
    "main",
]

GOALS = {"presets_ratio": 10.0, "cold_s": 20.0, "network_ratio": 0.5, "atlas_s": 30.0, "check_warm_s": 2.0}


def kernel_arrays() -> dict:
    """The per-neuron arrays the compiled kernels of an atlas group touch every step.

    Builds a 3-neuron group of :func:`izh_brian.model.neurons.make_neurons`, runs one
    step and reads the variables of the state-update and threshold code
    objects. Returns ``{'stateupdate': {name: itemsize}, 'threshold': {...},
    'written': [...]}`` (the state update writes the integrated variables).
    """

    G = make_neurons(3, dt=0.25, stimulus=np.zeros(2), name="izhikevich")  # the atlas's own code
    Network(G).run(0.25 * ms, namespace={})
    out = {"stateupdate": {}, "threshold": {}, "written": sorted(G.equations.diff_eq_names)}
    for key, obj in (("stateupdate", G.state_updater), ("threshold", G.thresholder["spike"])):
        for co in obj._code_objects:
            for name, var in co.variables.items():
                if getattr(getattr(var, "owner", None), "name", None) == G.name and getattr(var, "size", 0) == 3:
                    out[key][name] = np.dtype(var.dtype).itemsize
    return out


def bytes_per_neuron_step(arrays: dict | None = None) -> int:
    """Bytes the compiled kernels must move per neuron and step (reads, plus writes of v and u).

    The input table is shared by all neurons and stays in cache; resets and
    spike records touch only the neurons that spike, so they are left out.
    """
    arrays = kernel_arrays() if arrays is None else arrays
    reads = sum(arrays["stateupdate"].values()) + sum(arrays["threshold"].values())
    writes = sum(arrays["stateupdate"][n] for n in arrays["written"])
    return int(reads + writes)


def _best(fn, repeats):
    best = float("inf")
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def profile_top(fn, n=12) -> str:
    """Run ``fn`` under cProfile; the ``n`` entries with the largest cumulative time, as text."""
    pr = cProfile.Profile()
    pr.enable()
    try:
        fn()
    finally:
        pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).strip_dirs().sort_stats("cumulative").print_stats(n)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    return "\n".join(lines[start:])


# --------------------------------------------------------------------------- (a) presets


def bench_presets(repeats: int = 3, loop_repeats: int = 2, profile: bool = True) -> dict:
    """Time ``simulate_many`` of all reference presets against one run per preset (warm cache).

    Returns
    -------
    dict
        ``n_presets``, ``many_s`` (best of ``repeats``), ``loop_s`` (best of
        ``loop_repeats``), ``ratio`` (loop / many), ``goal``, ``goal_met`` and,
        when the goal is missed, ``profile`` (cProfile of ``simulate_many``).
    """

    names = preset_names()

    def many():
        simulate_many(names)
        brian2.start_scope()

    def loop():
        for name in names:
            simulate(name)
        brian2.start_scope()

    many()  # warm: compile or load every code object once
    loop()
    many_s = _best(many, repeats)
    loop_s = _best(loop, loop_repeats)
    out = {"n_presets": len(names), "many_s": many_s, "loop_s": loop_s, "ratio": loop_s / many_s,
           "goal": GOALS["presets_ratio"]}
    out["goal_met"] = bool(out["ratio"] >= out["goal"])
    if profile and not out["goal_met"]:
        out["profile"] = profile_top(many)
    return out


# --------------------------------------------------------------------------- (c) cold cache

_COLD_CODE = r"""
# Runs as a script in a fresh subprocess: the cache preference is that process's own.
def main():
    import cProfile, glob, json, os, pstats, sys, time
    cache, names = sys.argv[1], sys.argv[2].split(",")
    t0 = time.perf_counter()
    from brian2 import prefs
    prefs.codegen.runtime.cython.cache_dir = cache   # this subprocess only
    from izh_brian.simulation import simulate_many
    t1 = time.perf_counter()
    pr = cProfile.Profile()
    pr.enable()
    results = simulate_many(names)
    pr.disable()
    t2 = time.perf_counter()
    compile_s = 0.0
    for (fname, line, func), st in pstats.Stats(pr).stats.items():
        if func == "create_extension" and fname.endswith("extension_manager.py"):
            compile_s += st[3]
    so = glob.glob(os.path.join(cache, "*.so")) + glob.glob(os.path.join(cache, "*.pyd"))
    print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "compile_s": compile_s,
                      "n_modules": len(so), "n_spikes": sum(r.n_spikes for r in results)}))


main()
"""


def cold_run(names, cache_dir=None, timeout=900) -> dict:
    """Simulate ``names`` in a fresh Python subprocess whose Brian2 Cython cache is ``cache_dir``.

    ``cache_dir`` defaults to a new empty temporary directory, removed
    afterwards. Returns the subprocess's ``import_s``, ``run_s`` (the first run,
    compilation included), ``compile_s`` (time inside Brian2's extension
    builder), ``n_modules`` (compiled extension modules in the cache) and
    ``n_spikes``, plus ``wall_s`` (the whole subprocess).
    """
    own = cache_dir is None
    if own:
        cache_dir = tempfile.mkdtemp(prefix="izh_brian_cold_")
    try:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _COLD_CODE, cache_dir, ",".join(names)],
                              capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"cold run failed (status {proc.returncode}):\n{proc.stderr[-3000:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["wall_s"] = wall
        return out
    finally:
        if own:
            shutil.rmtree(cache_dir, ignore_errors=True)


def bench_cold(small: int = 2) -> dict:
    """The full preset suite with an empty Cython cache, and ``small`` presets for comparison.

    Returns
    -------
    dict
        ``full`` and ``small`` (see :func:`cold_run`), ``n_dt_groups`` of the
        full suite, ``modules_grow`` (whether the full suite needs more
        modules than ``small`` presets), ``goal``, ``goal_met`` (full suite's
        first run <= 20 s).
    """

    names = preset_names()
    full = cold_run(names)
    first = names[:small]
    few = cold_run(first)
    out = {
        "n_presets": len(names),
        "full": full,
        "small_presets": first,
        "small": few,
        "n_dt_groups": len({get_preset(n).dt for n in names}),
        "n_dt_groups_small": len({get_preset(n).dt for n in first}),
        "modules_grow": bool(full["n_modules"] > few["n_modules"]),
        "goal": GOALS["cold_s"],
    }
    out["goal_met"] = bool(full["run_s"] + full["import_s"] <= out["goal"])
    return out


# --------------------------------------------------------------------------- (b) network


def bench_network(duration_ms: float = 10000.0, standalone: bool = True) -> dict:
    """The 2003 network benchmark of :func:`benchmarks.network.benchmark_network` (Brian2 vs numpy net.m, NEST).

    With ``standalone`` the same network also runs as a cpp_standalone program
    (:func:`benchmarks.network_standalone.benchmark_network_standalone`): built
    once (a real compilation, in a temporary directory), then rerun with new
    seeds without recompiling; its ratios use the numpy time of this same run.
    ``goal_met`` is the runtime (Cython) path's, ``standalone_goal_met`` the
    standalone rerun's (Brian2's randn noise), ``goal_met_by`` lists the paths
    that meet the goal.
    """

    out = dict(benchmark_network(duration_ms=duration_ms))
    out["goal"] = GOALS["network_ratio"]
    if "goal_met" not in out:
        out["goal_met"] = bool(out.get("ratio_brian2_to_numpy", float("inf")) <= out["goal"])
    out["goal_met_by"] = ["runtime"] if out["goal_met"] else []
    if standalone:
        try:
            sa = benchmark_network_standalone(duration_ms=duration_ms, numpy_s=out["numpy_s"])
        except Exception as exc:  # no compiler, or the build failed: keep the runtime figures
            out["standalone_skipped"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        else:
            out.update({k: v for k, v in sa.items() if k.startswith(("standalone_", "ratio_standalone_"))})
            out["standalone_goal_met"] = bool(out["ratio_standalone_rerun_to_numpy"] <= out["goal"])
            out["standalone_table_goal_met"] = bool(
                out.get("ratio_standalone_table_rerun_to_numpy", float("inf")) <= out["goal"])
            if out["standalone_goal_met"]:
                out["goal_met_by"].append("standalone rerun (program noise)")
            if out["standalone_table_goal_met"]:
                out["goal_met_by"].append("standalone rerun (numpy noise table)")
    if not out["goal_met"]:
        def again():
            benchmark_network(duration_ms=min(duration_ms, 1000.0), include_nest=False, warmup=False)
            brian2.start_scope()
        out["profile"] = profile_top(again, 15)
    return out


# --------------------------------------------------------------------------- (d) atlas


def memory_bandwidth(n: int = 20_000_000, repeats: int = 5) -> dict:
    """Streaming memory bandwidth of this machine (bytes/s), numpy copy and triad.

    ``copy`` moves 16 bytes per element (read, write); ``triad``
    ``a = b + s*c`` done in place as two passes moves 40 (read c, write a;
    read a and b, write a). Arrays of ``n`` float64 (160 MB each by default)
    are far larger than the caches.
    """
    a = np.zeros(n)
    b = np.ones(n)
    c = np.full(n, 2.0)
    copy = _best(lambda: np.copyto(a, b), repeats)

    def triad():
        np.multiply(c, 3.0, out=a)
        np.add(a, b, out=a)

    tri = _best(triad, repeats)
    return {"n": n, "copy_Bps": 16 * n / copy, "triad_Bps": 40 * n / tri}


def bench_atlas(n_points: int = 100_000, duration_ms: float = 200.0, dt_ms: float = 0.25, classify: bool = True,
                profile: bool = True, bandwidth_n: int = 20_000_000) -> dict:
    """A 10^5-point atlas over (a, d), step of 10 mV/ms: time, throughput and the bandwidth bound.

    Returns
    -------
    dict
        ``n_points``, ``neuron_steps``, ``total_s`` (simulation, features and
        classification), ``run_s`` (Brian2's run), ``neuron_steps_per_s``
        (of the run), ``bandwidth`` (see :func:`memory_bandwidth`),
        ``bytes_per_neuron_step``, ``bound_s`` (time at the copy bandwidth),
        ``fraction_of_bound``, ``goal``, ``goal_met``.
    """

    side = int(np.ceil(np.sqrt(n_points)))
    other = int(np.ceil(n_points / side))
    grid = {"a": np.linspace(0.005, 0.12, side), "d": np.linspace(-2.0, 10.0, other)}
    classify = bool(classify)
    run_atlas({"a": [0.02], "d": [8.0]}, current=10.0, duration=duration_ms, dt=dt_ms, classify=classify)  # warm
    brian2.start_scope()
    t0 = time.perf_counter()
    atlas = run_atlas(grid, current=10.0, duration=duration_ms, dt=dt_ms, classify=classify)
    total = time.perf_counter() - t0
    brian2.start_scope()
    bw = memory_bandwidth(bandwidth_n)
    ns = float(atlas.timing["neuron_steps"])
    nbytes = bytes_per_neuron_step()
    bound = ns * nbytes / bw["copy_Bps"]
    out = {
        "n_points": int(atlas.spec.size),
        "duration_ms": duration_ms,
        "dt_ms": dt_ms,
        "neuron_steps": ns,
        "total_s": total,
        "run_s": atlas.timing["run"],
        "features_s": atlas.timing["features"],
        "classify_s": atlas.timing["classify"],
        "classified": classify,
        "neuron_steps_per_s": ns / atlas.timing["run"],
        "bandwidth": bw,
        "bytes_per_neuron_step": nbytes,
        "bound_s": bound,
        "fraction_of_bound": bound / atlas.timing["run"],
        "classes": atlas.class_counts(),
        "goal": GOALS["atlas_s"],
    }
    out["goal_met"] = bool(total <= out["goal"])
    if profile and not out["goal_met"]:
        small = {"a": grid["a"][: max(1, side // 4)], "d": grid["d"]}
        out["profile"] = profile_top(lambda: run_atlas(small, current=10.0, duration=duration_ms, dt=dt_ms,
                                                       classify=classify))
    return out


# --------------------------------------------------------------------------- standalone


def bench_standalone(n: int = 1000, duration_ms: float = 1000.0) -> dict:
    """Crossover of cpp_standalone against the Cython runtime (:func:`benchmarks.standalone.measure_crossover`)."""

    return measure_crossover(n=n, duration_ms=duration_ms)


# --------------------------------------------------------------------------- check


def bench_check(repeats: int = 5) -> dict:
    """Time :func:`izh_brian.teaching.check.check` of a submission: first (reference runs simulated) and warm (cached).

    The submissions are tonic spiking under forward Euler (what a student's
    Brian2 model with ``method="euler"`` gives: it differs from figure1.m, so
    all seven compared schemes are simulated) and under figure1 (it matches,
    so only figure1 is). Compiled code is warmed first, so the first checks
    cost the reference runs, not compiling them.

    Returns
    -------
    dict
        ``first_s`` (euler submission, seven runs), ``first_match_s``
        (figure1 submission, one run), ``warm_s`` (best of ``repeats``, cached),
        ``warm_max_s`` (the slowest of them), ``n_warm`` (``repeats``),
        ``ratio`` (first / warm), ``n_schemes``, ``shows_pattern``,
        ``closest_scheme``, ``goal`` and ``goal_met`` (warm check under the goal).
    """

    euler = simulate("tonic_spiking", scheme="euler").spike_times_ms
    fig1 = simulate("tonic_spiking").spike_times_ms
    saved = os.environ.get(chk.DISK_CACHE_ENV)
    os.environ[chk.DISK_CACHE_ENV] = "off"  # the first checks simulate their references, not read them from disk
    try:
        chk.check("tonic_spiking", euler)  # warm the compiled code of every scheme
        chk.clear_cache()
        t0 = time.perf_counter()
        chk.check("tonic_spiking", fig1)
        first_match_s = time.perf_counter() - t0
        chk.clear_cache()
        t0 = time.perf_counter()
        rep = chk.check("tonic_spiking", euler)
        first_s = time.perf_counter() - t0
        warm = []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            chk.check("tonic_spiking", euler)
            warm.append(time.perf_counter() - t0)
    finally:
        if saved is None:
            os.environ.pop(chk.DISK_CACHE_ENV, None)
        else:
            os.environ[chk.DISK_CACHE_ENV] = saved
    warm_s = min(warm)
    brian2.start_scope()
    out = {"first_s": first_s, "first_match_s": first_match_s, "warm_s": warm_s, "warm_max_s": max(warm),
           "n_warm": len(warm), "ratio": first_s / warm_s,
           "n_schemes": len(chk.COMPARED_SCHEMES), "shows_pattern": bool(rep.shows_pattern),
           "closest_scheme": rep.reference["closest_scheme"], "goal": GOALS["check_warm_s"]}
    out["goal_met"] = bool(warm_s < out["goal"])
    return out


# --------------------------------------------------------------------------- report


def _fmt_presets(r):
    s = (f"(a) presets: simulate_many of {r['n_presets']} presets {r['many_s']:.3f} s; one run per preset "
         f"{r['loop_s']:.3f} s; ratio {r['ratio']:.1f}x (goal >= {r['goal']:g}x: {'met' if r['goal_met'] else 'NOT met'})")
    if r.get("profile"):
        s += "\n    profile of simulate_many (cumulative):\n" + textwrap.indent(r["profile"], "    ")
    return s


def _fmt_cold(r):
    f, s = r["full"], r["small"]
    return (f"(c) cold cache: {r['n_presets']} presets ({r['n_dt_groups']} different dt) first run {f['run_s']:.1f} s "
            f"(+ import {f['import_s']:.1f} s; {f['compile_s']:.1f} s compiling), {f['n_modules']} compiled modules; "
            f"{len(r['small_presets'])} presets ({r['n_dt_groups_small']} dt) {s['run_s']:.1f} s, "
            f"{s['n_modules']} modules; modules grow with presets: {'yes' if r['modules_grow'] else 'no'} "
            f"(goal <= {r['goal']:g} s: {'met' if r['goal_met'] else 'NOT met'}; profile: {f['compile_s']:.1f} s of "
            f"{f['run_s']:.1f} s inside Brian2's extension builder (Cython + C compiler), "
            f"{f['compile_s'] / max(f['n_modules'], 1):.1f} s per module)")


def _fmt_network(r):
    if "skipped" in r:
        return f"(b) network: skipped ({r['skipped']})"
    s = (f"(b) network {r.get('n_neurons')} neurons x {r.get('duration_ms', 0) / 1000:g} s: Brian2 {r['brian2_s']:.2f} s "
         f"(build {r.get('brian2_build_s', float('nan')):.2f} + run {r.get('brian2_run_s', float('nan')):.2f}), "
         f"numpy net.m {r['numpy_s']:.2f} s, ratio {r['ratio_brian2_to_numpy']:.2f}x numpy "
         f"(goal <= {r['goal']:g}x: {'met' if r['goal_met'] else 'NOT met'})")
    if r.get("nest_s") is not None:
        s += f"; NEST {r['nest_s']:.2f} s, ratio {r['ratio_brian2_to_nest']:.2f}x NEST"
    elif r.get("nest_skipped"):
        s += f"; NEST skipped ({r['nest_skipped']})"
    if r.get("standalone_rerun_s") is not None:
        s += (f"\n    cpp_standalone: build once {r['standalone_build_once_s']:.1f} s, then per rerun (new seed, no "
              f"recompilation{'' if not r.get('standalone_recompiled') else ' -- BUT THE BINARY CHANGED'}) "
              f"{r['standalone_rerun_s']:.2f} s (program {r['standalone_program_s']:.2f} s), ratio "
              f"{r['ratio_standalone_rerun_to_numpy']:.2f}x numpy with Brian2's randn noise "
              f"(goal: {'met' if r['standalone_goal_met'] else 'NOT met'})")
        if r.get("standalone_table_rerun_s") is not None:
            s += (f"; with net.m's numpy noise table {r['standalone_table_rerun_s']:.2f} s, ratio "
                  f"{r['ratio_standalone_table_rerun_to_numpy']:.2f}x numpy "
                  f"(goal: {'met' if r['standalone_table_goal_met'] else 'NOT met'})")
        if r.get("standalone_profile"):
            s += "\n    standalone program profile (s): " + ", ".join(
                f"{k.replace('_codeobject', '')} {v:.3f}" for k, v in r["standalone_profile"].items())
    elif r.get("standalone_skipped"):
        s += f"\n    cpp_standalone skipped ({r['standalone_skipped']})"
    if "goal_met_by" in r:
        s += f"\n    goal <= {r['goal']:g}x numpy met by: {', '.join(r['goal_met_by']) or 'no path'}"
    if r.get("profile"):
        s += "\n    profile (1 s of network time):\n" + textwrap.indent(r["profile"], "    ")
    return s


def _fmt_atlas(r):
    bw = r["bandwidth"]
    s = (f"(d) atlas {r['n_points']} points x {r['duration_ms']:g} ms (dt {r['dt_ms']:g} ms): total {r['total_s']:.2f} s "
         f"(run {r['run_s']:.2f} s, features {r['features_s']:.2f} s, classify {r['classify_s']:.2f} s"
         f"{'' if r['classified'] else ', classifier unavailable'}); "
         f"{r['neuron_steps_per_s']:.3g} neuron-steps/s; memory bandwidth copy {bw['copy_Bps'] / 1e9:.1f} GB/s, "
         f"triad {bw['triad_Bps'] / 1e9:.1f} GB/s; {r['bytes_per_neuron_step']} B/neuron-step -> bound "
         f"{r['bound_s']:.2f} s, run at {100 * r['fraction_of_bound']:.0f}% of the bandwidth bound "
         f"(goal <= {r['goal']:g} s: {'met' if r['goal_met'] else 'NOT met'})")
    if r.get("profile"):
        s += "\n    profile of a quarter of the atlas:\n" + textwrap.indent(r["profile"], "    ")
    return s


def _fmt_standalone(r):
    return (f"(e) cpp_standalone, {r['n']} neurons x {r['duration_ms']:g} ms: build {r['standalone_build_s']:.1f} s once, "
            f"rerun with new parameters {r['standalone_rerun_s']:.3f} s (program {r['standalone_binary_s']:.3f} s, "
            f"recompiled: {'yes' if r['recompiled_on_rerun'] else 'no'}) vs Cython runtime {r['runtime_s']:.3f} s "
            f"({r['runtime_short_s']:.3f} s for {r['short_ms']:g} ms); standalone pays off after "
            f"{r['reruns_to_break_even']:.0f} reruns of one build, or for one-off runs longer than "
            f"{r['one_off_crossover_ms'] / 1000:.0f} s of simulated time; vs the runtime: "
            f"{100 * r['same_count_fraction']:.0f}% of neurons with the same spike count (max difference "
            f"{r['max_count_diff']}), {100 * r['identical_train_fraction']:.0f}% identical trains, largest shift "
            f"{r['max_shift_ms']:g} ms (float drift of separately compiled code)")


def _fmt_check(r):
    worst = f", worst of {r['n_warm']} {1000 * r['warm_max_s']:.1f} ms" if r.get("warm_max_s") is not None else ""
    return (f"(f) check of a submission (tonic spiking, euler): warm {1000 * r['warm_s']:.1f} ms{worst} (reference runs "
            f"cached), first {r['first_s']:.2f} s ({r['n_schemes']} reference runs), first / warm {r['ratio']:.0f}x; "
            f"a submission matching figure1.m first {r['first_match_s']:.2f} s (1 run); closest scheme "
            f"{r['closest_scheme']} (goal warm < {r['goal']:g} s: {'met' if r['goal_met'] else 'NOT met'})")


BENCHES = {
    "presets": (bench_presets, _fmt_presets),
    "network": (bench_network, _fmt_network),
    "cold": (bench_cold, _fmt_cold),
    "atlas": (bench_atlas, _fmt_atlas),
    "standalone": (bench_standalone, _fmt_standalone),
    "check": (bench_check, _fmt_check),
    "figures": (figures_bench.bench_figures, figures_bench.format_bench_figures),
    "fit": (fit_bench.benchmark, fit_bench.format_benchmark),
    "neuroml": (neuroml_bench.benchmark, neuroml_bench.format_benchmark),
    "grade": (grade_bench.benchmark, grade_bench.format_benchmark),
}

#: Benchmarks that ``all`` leaves out: jNeuroML needs tens of minutes for the 1000-cell, 1 s NeuroML network,
#: so it runs on its own (``make bench-neuroml`` or ``python -m benchmarks.bench neuroml``); grading a class of 30
#: notebooks takes 15-25 minutes on 2 cores (``python -m benchmarks.bench grade``).
SLOW = ("neuroml", "grade")


def run_benches(which: str, quiet_stdout: bool = False) -> dict:
    """Run one benchmark (or ``'all'``: every one but :data:`SLOW`) and return ``{name: result}``.

    ``quiet_stdout`` sends whatever the benchmarked libraries print on the
    standard output (NEST's banner, written from C++) to the standard error,
    so that the caller's own output (JSON) stays clean.
    """
    if which != "all" and which not in BENCHES:
        raise ValueError(f"unknown benchmark {which!r}; allowed: {', '.join(BENCHES)}, all")
    names = [n for n in BENCHES if n not in SLOW] if which == "all" else [which]
    if not quiet_stdout:
        return {name: BENCHES[name][0]() for name in names}
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        return {name: BENCHES[name][0]() for name in names}
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def save_results(results: dict, path) -> None:
    """Write ``results`` with their text, the time and the machine to ``path`` (JSON) for the report.

    Results already in ``path`` from other benchmarks are kept (a later run of the same benchmark
    replaces its entry), so ``bench fit --save P`` and ``bench figures --save P`` add up.
    """

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        old = json.loads(Path(path).read_text()).get("results", {})
    except (OSError, ValueError, AttributeError):
        old = {}
    results = {**{k: v for k, v in old.items() if k in BENCHES}, **results} if isinstance(old, dict) else results
    Path(path).write_text(json.dumps(to_jsonable({
        "saved_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} ({os.cpu_count()} CPUs, {platform.platform(terse=True)})",
        "results": results, "text": format_results(results)}), indent=1))


def format_results(results: dict) -> str:
    return "\n".join(BENCHES[k][1](v) for k, v in results.items())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="?", default="presets", choices=list(BENCHES) + ["all"])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--save", metavar="PATH", default=None,
                        help="also write the results as JSON to PATH (the report reads report/build/bench_results.json)")
    args = parser.parse_args(argv)
    results = run_benches(args.which, quiet_stdout=args.json)
    if args.save:
        save_results(results, args.save)
    if args.json:
        json.dump(to_jsonable(results), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_results(results))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
