"""The report's sections: each runs what it reports and returns its data, tables and figure names."""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.resources
import importlib.util
import inspect
import json
import os
import platform
import shutil
import time
import traceback
from pathlib import Path
import numpy as np
from izh_brian import interop
from izh_brian import network
from izh_brian.fitting import recovery
from izh_brian.interop.neuroml_examples import EXAMPLES
from izh_brian.analysis import numerics
from izh_brian import analysis as patterns
from izh_brian.jsonutil import to_jsonable
from izh_brian import __version__
from izh_brian.presets import REFERENCE_PRESETS
from izh_brian.simulation import simulate_many
from izh_brian.presets import get_preset
from izh_brian.report import transcription
from izh_brian.analysis.phaseplane import phase_plane
from izh_brian.analysis.phaseplane import fi_curves, onset_rate
from izh_brian.presets import FINE_PRESETS, preset_names
from izh_brian.simulation import simulate
from izh_brian.model.schemes import CUSTOM_SCHEMES, SCHEMES, scheme_stateupdater
from izh_brian.model.equations import EQUATIONS
from brian2 import ms, prefs
from brian2 import Equations

__all__ = [
    "cython_cache_dir",
    "count_compiled_modules",
    "section_reference_runs",
    "section_parameters",
    "section_agreement",
    "section_phase_planes",
    "section_fi_curves",
    "section_validation",
    "section_numerics",
    "section_class_map",
    "section_network",
    "section_network_scenarios",
    "section_crosscheck",
    "section_speed",
    "section_identifiability",
    "section_implementation",
    "PLAIN_BRIAN2_LISTING",
    "PARAMETER_SWEEP",
    "PHASE_PLANE_CASES",
    "BENCH_RESULTS",
    "CROSSCHECK_RESULTS",
    "FULL_CROSSCHECK_FLAG",
    "QUICK_CROSSCHECK",
    "QUICK_RECOVERY",
    "crosscheck_fingerprint",
    "save_crosscheck",
    "load_crosscheck",
    "crosscheck_reusable",
]


#: Benchmark results that ``python -m benchmarks.bench ... --save DIR/bench_results.json`` leaves for the report.
BENCH_RESULTS = "bench_results.json"


#: The full cross-check that ``izh-brian report --full-crosscheck`` saves in its output folder; a later default
#: build of the same folder shows it again (:func:`load_crosscheck`) instead of running a quick one.
CROSSCHECK_RESULTS = "crosscheck.json"


#: The flag of ``izh-brian report`` that runs every row of the cross-check and saves them for reuse.
FULL_CROSSCHECK_FLAG = "--full-crosscheck"


#: The rows of the quick cross-check of a default build (:func:`_crosscheck_parts`): NEST and jNeuroML on every
#: reference preset and jNeuroML on its own Ex2 example; not the generated network nor the example files.
#: Measured on this project's 2-core machine with an empty Cython cache, each part alone: NEST 32 s (56 rows),
#: jNeuroML's first LEMS file 103 s (the NeuroML runner compiles its code), the other three 6 s, Ex2 10 s, the
#: network 94 s, the example files 663 s. Whole default builds from an empty cache, lessons included: 259 s
#: with these rows (81 comparisons), 264 s and 40 s more CPU time when jNeuroML left out the 20-population
#: dt = 0.25 ms file but ran the network (63 comparisons), as lesson 08 compiles part of the network's code.
QUICK_CROSSCHECK = {"ex2": True, "network": False, "files": False}


#: The quick identifiability table of a build without saved benchmark results: these presets, each refitted
#: once with a small budget (candidates), instead of the benchmark's 28 presets with 16384 candidates and up
#: to 3 attempts.
QUICK_RECOVERY = {"names": ("tonic_spiking", "phasic_spiking", "tonic_bursting", "RS", "IB", "FS"), "budget": 1024,
                  "attempts": 1}


#: Patterns drawn in the phase-plane figure, with the input at which the nullclines are drawn
#: (``drive``: the step or pulse the neuron responds to; ``rest``: the resting input).
PHASE_PLANE_CASES = (
    ("tonic_spiking", "drive"),
    ("tonic_bursting", "drive"),
    ("spike_latency", "rest"),
    ("resonator", "rest"),
    ("integrator", "rest"),
    ("bistability", "rest"),
)


def _fmt(x) -> str:
    """One table cell as text: floats to 4 significant digits, lists comma-joined."""
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if not np.isfinite(v):
            return str(v)
        return f"{v:.4g}"
    if isinstance(x, (list, tuple, np.ndarray)):
        return ", ".join(_fmt(y) for y in x)
    if isinstance(x, dict):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in x.items())
    return str(x)


def _table(rows, columns=None) -> dict:
    """A list of records as ``{"columns": [...], "cells": [[str, ...], ...]}`` for the Typst source."""
    rows = list(rows)
    if columns is None:
        columns = []
        for r in rows:
            for k in r:
                if k not in columns:
                    columns.append(k)
    return {"columns": list(columns), "cells": [[_fmt(r.get(c)) for c in columns] for r in rows]}


def cython_cache_dir() -> Path | None:
    """The folder of Brian2's compiled Cython modules in this process (``prefs`` or ``$CYTHON_CACHE_DIR``)."""
    try:
        from brian2.codegen.runtime.cython_rt.extension_manager import get_cython_cache_dir
    except ImportError:  # pragma: no cover - Cython not installed: Brian2 falls back to numpy
        return None
    d = get_cython_cache_dir()
    return Path(d) if d else None


def _module_files(cache=None) -> set:
    """Names of the compiled modules in the Cython cache and in its ``_ieee`` sibling (the NeuroML runner's
    strict floating-point code, :func:`izh_brian.lems.run.strict_float_codegen`)."""
    cache = cython_cache_dir() if cache is None else Path(cache)
    if cache is None:
        return set()
    names = set()
    for folder in (cache, cache.with_name(cache.name + "_ieee")):
        if folder.is_dir():
            names |= {f.name.split(".", 1)[0] for f in folder.iterdir() if f.suffix in (".so", ".pyd")}
    return names


def count_compiled_modules(cache=None) -> int:
    """How many compiled extension modules (``*.so``/``*.pyd``) the Cython cache (and its ``_ieee`` sibling)
    holds now."""
    return len(_module_files(cache))


def _loaded_modules() -> set | None:
    """Names of the Cython modules this process has loaded (Brian2's in-memory cache), or None if unknown."""
    try:
        from brian2.codegen.runtime.cython_rt.extension_manager import cython_extension_manager as mgr

        return {getattr(m, "__name__", "") for m in getattr(mgr, "_code_cache").values()}
    except Exception:  # Brian2 internals changed, or no Cython
        return None


def _section(name, func, *args, progress=None, **kwargs) -> dict:
    """Run one section; record its failure as the reason instead of raising.

    Records ``seconds`` and ``modules_compiled``: the modules that appeared in
    the Cython cache during the section and that this process loaded (so a
    second process compiling at the same time is not counted here).
    ``progress`` (a callable) gets one line per section.
    """
    files0, loaded0 = _module_files(), _loaded_modules()
    t0 = time.perf_counter()
    try:
        out = func(*args, **kwargs)
    except Exception as exc:
        out = {"available": False, "reason": f"{name} failed: {type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc(limit=3)}
    out.setdefault("available", True)
    out["seconds"] = time.perf_counter() - t0
    new = _module_files() - files0
    loaded = _loaded_modules()
    if loaded is not None and loaded0 is not None:
        new &= loaded - loaded0
    out["modules_compiled"] = len(new)
    if progress is not None:
        progress(f"  {name:<18s} {out['seconds']:6.1f} s  {out['modules_compiled']:3d} modules compiled"
                 + ("" if out["available"] else f"  (not available: {out['reason']})"))
    return out


def section_reference_runs(scheme="figure1") -> dict:
    """All 28 reference presets in one network; returns the results and the preset/spike table."""

    t0 = time.perf_counter()
    results = simulate_many(list(REFERENCE_PRESETS), scheme=scheme)
    sim_s = time.perf_counter() - t0
    rows = []
    for r in results:
        p = r.preset
        rows.append({"name": p.name, "paper": p.paper, "panel": p.panel, "a": p.a, "b": p.b, "c": p.c, "d": p.d,
                     "V0": p.V0, "u0": p.initial_u, "dt_ms": p.dt, "duration_ms": p.duration,
                     "variant": p.variant, "stimulus": p.stimulus.describe(), "n_spikes": r.n_spikes,
                     "first_spike_ms": float(r.spike_times_ms[0]) if r.n_spikes else None})
    return {"results": results, "rows": rows, "simulate_s": sim_s, "scheme": scheme, "n_presets": len(results),
            "dts_ms": sorted({r.preset.dt for r in results})}


#: The parameter figure: each of a, b, c, d of RS (2003 Fig. 2: a = 0.02, b = 0.2, c = -65, d = 8) changed
#: alone, with RS's own protocol. The values are those of other 2003 classes (a = 0.1: FS; b = 0.25: LTS, TC;
#: c = -55: IB; c = -50: CH; d = 2: FS, CH, LTS) and one step beyond RS on the other side.
PARAMETER_SWEEP = (
    ("a", (0.01, 0.02, 0.1)),
    ("b", (0.15, 0.2, 0.25)),
    ("c", (-65.0, -55.0, -50.0)),
    ("d", (2.0, 8.0, 12.0)),
)


PARAMETER_BASE = "RS"


#: Duration of the parameter runs (ms): RS's step, held twice as long as in 2003 Fig. 2 to show the steady state.
PARAMETER_DURATION_MS = 300.0


def section_parameters() -> dict:
    """Each of a, b, c, d varied alone around RS, all responses in one :func:`~izh_brian.simulation.simulate_many` run.

    The step response of each changed neuron is labelled by the 2003-class
    classifier of :mod:`izh_brian.analysis` (when present), so the table says
    in numbers what the figure shows: a larger ``a`` recovers faster and fires
    faster (FS-like), a higher ``c`` resets closer to threshold and bursts
    (IB, CH), a larger ``d`` adapts more.
    """

    base = get_preset(PARAMETER_BASE)
    overrides = [{name: value, "duration": PARAMETER_DURATION_MS} for name, values in PARAMETER_SWEEP
                 for value in values]
    t0 = time.perf_counter()
    res = simulate_many([base.name] * len(overrides), overrides=overrides)
    sim_s = time.perf_counter() - t0
    onset = float(base.stimulus.pieces[0].start) if base.stimulus.pieces else 0.0
    rows, sweep, k = [], [], 0
    for name, values in PARAMETER_SWEEP:
        panels = []
        for value in values:
            r = res[k]
            k += 1
            st = r.spike_times_ms
            isi = np.diff(st)
            feats = patterns.step_response_features(st, onset, PARAMETER_DURATION_MS, v_mV=r.v_mV, t_ms=r.t_ms)
            label = patterns.classify_features(feats)
            label = label[0] if isinstance(label, tuple) else label
            is_base = bool(value == getattr(base, name))
            rows.append({"parameter": name, "value": value, "RS value": getattr(base, name), "n_spikes": r.n_spikes,
                         "first ISI (ms)": float(isi[0]) if isi.size else None,
                         "last ISI (ms)": float(isi[-1]) if isi.size else None,
                         "class of the response": label})
            panels.append({"value": value, "t_ms": r.t_ms, "v_mV": r.v_mV, "I": r.I, "base": is_base})
        sweep.append((name, panels))
    base_label = next((r["class of the response"] for r in rows if r["value"] == r["RS value"]), None)
    changed = [f"{r['parameter']} = {r['value']:g}: {r['class of the response']}" for r in rows
               if r["class of the response"] != base_label]
    return {"sweep": sweep, "rows": rows, "table": _table(rows), "simulate_s": sim_s, "n_neurons": len(res),
            "base_label": base_label, "class_changes": changed,
            "base": base.name, "protocol": base.stimulus.describe(), "duration_ms": PARAMETER_DURATION_MS,
            "base_values": {n: getattr(base, n) for n in "abcd"}}


def section_agreement(results) -> dict:
    """Spike for spike against the plain-Python transcription of figure1.m (:mod:`izh_brian.report.transcription`).

    For every reference preset: the spike count of izh_brian's run (Brian2,
    ``figure1`` scheme) and of the transcription, and the largest
    |difference| of the spike times. A third column runs the same presets
    under Brian2's ``euler`` at the same dt: u advances from the old v
    instead of the new one, the only change, and shows what the update order
    does.
    """

    t0 = time.perf_counter()
    theirs = transcription.run_all([r.name for r in results])
    trans_s = time.perf_counter() - t0
    euler, euler_why = None, None
    try:
        euler = {r.name: r for r in simulate_many([r.name for r in results], scheme="euler", check_finite=False)}
    except Exception as exc:  # recorded, the figure1 comparison stands on its own
        euler_why = f"{type(exc).__name__}: {exc}"
    rows = []
    for r in results:
        ours = np.asarray(r.spike_times_ms, float)
        ref = np.asarray(theirs[r.name], float)
        same = ours.size == ref.size
        max_dt = float(np.max(np.abs(ours - ref))) if same and ours.size else (0.0 if same else None)
        row = {"panel": r.preset.panel, "name": r.name, "dt_ms": r.preset.dt, "spikes izh_brian": int(ours.size),
               "spikes figure1.m": int(ref.size), "largest |dt| (ms)": max_dt,
               "agree": bool(same and max_dt is not None and max_dt <= 1e-9)}
        if euler is not None:
            row["spikes euler"] = int(euler[r.name].n_spikes)
        rows.append(row)
    cols = ["panel", "name", "dt_ms", "spikes izh_brian", "spikes figure1.m", "largest |dt| (ms)", "agree"]
    if euler is not None:
        cols.append("spikes euler")
    n_euler_diff = sum(r["spikes euler"] != r["spikes figure1.m"] for r in rows) if euler is not None else None
    return {"rows": rows, "table": _table(rows, cols), "n_agree": sum(r["agree"] for r in rows), "n_total": len(rows),
            "transcription_s": trans_s, "n_euler_differs": n_euler_diff,
            "euler_differs": [r["name"] for r in rows if euler is not None and r["spikes euler"] != r["spikes figure1.m"]],
            "euler_reason": euler_why}


def section_phase_planes(results) -> dict:
    """Nullclines, fixed points and trajectories of :data:`PHASE_PLANE_CASES` (from :mod:`izh_brian.analysis.phaseplane`)."""

    by_name = {r.name: r for r in results}
    planes, rows = [], []
    for name, which in PHASE_PLANE_CASES:
        pp = phase_plane(by_name[name], I=which)
        planes.append(pp)
        for fp in pp["fixed_points"]:
            rows.append({"pattern": pp["label"], "I": pp["I"], "v*": fp.v, "u*": fp.u, "kind": fp.kind,
                         "oscillation_hz": fp.oscillation_hz if "focus" in fp.kind else None})
        if not pp["fixed_points"]:
            rows.append({"pattern": pp["label"], "I": pp["I"], "v*": None, "u*": None,
                         "kind": "none (tonic firing)", "oscillation_hz": None})
    return {"planes": planes, "table": _table(rows, ["pattern", "I", "v*", "u*", "kind", "oscillation_hz"])}


def section_fi_curves() -> dict:
    """f-I curves of class 1 vs class 2 (2004 Fig. 1 G, H) in one NeuronGroup, with the bifurcation theory."""

    t0 = time.perf_counter()
    fi = fi_curves()
    sim_s = time.perf_counter() - t0
    rows = []
    for k, name in enumerate(fi["names"]):
        thr = fi["threshold"][k] or {}
        I_on, r_on = onset_rate(fi["currents"][k], fi["rates_hz"][k])
        rows.append({"name": name, "bifurcation": thr.get("kind"), "I_saddle_node": thr.get("I_saddle_node"),
                     "I_hopf": thr.get("I_hopf"), "first_firing_I": I_on, "rate_at_onset_hz": r_on,
                     "max_rate_hz": float(np.max(fi["rates_hz"][k]))})
    return {"fi": fi, "rows": rows, "table": _table(rows), "simulate_s": sim_s, "n_neurons": fi["n_neurons"],
            "duration_ms": fi["duration_ms"], "transient_ms": fi["transient_ms"]}


def section_validation(results) -> dict:
    """Each reference response checked against its firing pattern (:mod:`izh_brian.analysis`)."""
    mod = patterns
    rows = []
    for r in results:
        v = mod.validate_result(r)
        reasons = list(getattr(v, "reasons", []) or [])
        failed = [str(x) for x in reasons if str(x).startswith("FAILED")]
        shown = failed[:2] if failed else [str(x) for x in reasons[:2]]
        rows.append({"name": r.name, "pattern": getattr(v, "pattern", r.name), "ok": bool(v.ok),
                     "reasons": "; ".join(shown) + (f" (+{len(reasons) - len(shown)} more)"
                                                     if len(reasons) > len(shown) else "")})
    out = {"rows": rows, "table": _table(rows, ["name", "pattern", "ok", "reasons"]),
           "n_ok": sum(r["ok"] for r in rows), "n_total": len(rows)}
    if hasattr(mod, "validation_matrix"):
        names, matrix = mod.validation_matrix(results)
        out["matrix_names"] = [str(n) for n in names]
        out["matrix"] = np.asarray(matrix, dtype=bool).tolist()
    return out


def _numerics_cell(x):
    """A numerics cell ``{"ok", "n_spikes", "status"}`` as text: the spike count, with ``!`` where the pattern breaks."""
    if isinstance(x, dict) and "ok" in x:
        n = "diverges" if x.get("n_spikes") is None else str(x["n_spikes"])
        return n if x["ok"] else f"{n} !"
    return _fmt(x)


def section_numerics(names=None) -> dict:
    """The dt / scheme sensitivity table (:func:`izh_brian.analysis.numerics.numerics_table`).

    ``names`` restricts the presets (a quick build); default all of them.
    """
    mod = numerics
    timings = {}
    if names is None:
        # The reference presets and the fine-dt variants in two calls: their steps (0.01 ms against up to
        # 0.5 ms) share no small common tick, and one call would build one NeuronGroup, with its own
        # compiled code, per distinct dt.

        rows = [dict(r) for r in mod.numerics_table(names=preset_names(), include_fine=False, timings=timings)]
        fine_t = {}
        rows += [dict(r) for r in mod.numerics_table(names=list(FINE_PRESETS), include_fine=False, timings=fine_t)]
        for k, v in fine_t.items():
            timings[k] = timings.get(k, 0.0) + v
    else:
        rows = [dict(r) for r in mod.numerics_table(names=names, include_fine=False, timings=timings)]
    columns = list(rows[0].keys()) if rows else []
    table = {"columns": columns, "cells": [[_numerics_cell(r.get(c)) for c in columns] for r in rows]}
    breaks = []
    for r in rows:
        for c in columns:
            x = r.get(c)
            if isinstance(x, dict) and "ok" in x and not x["ok"]:
                breaks.append({"name": r["name"], "configuration": c, "status": x.get("status", "")})
    return {"rows": to_jsonable(rows), "table": table, "timings": timings,
            "breaks": _table(breaks, ["name", "configuration", "status"]) if breaks else None,
            "n_breaks": len(breaks)}


#: The parameter planes of the class map: (x, x grid, y, y grid, fixed parameters, reference cells drawn on it).
CLASS_MAP_PLANES = (
    ("c", (-70.0, -45.0, 14), "d", (0.5, 8.5, 14), {"a": 0.02, "b": 0.2}, ("RS", "IB", "CH")),
    ("a", (0.01, 0.11, 12), "b", (0.15, 0.27, 12), {"c": -65.0, "d": 2.0}, ("FS", "LTS", "RZ")),
)


def section_class_map(n_scale: float = 1.0) -> dict:
    """Cell classes over two parameter planes of 2003 Fig. 2 (:func:`izh_brian.analysis.classify.class_map`).

    The (c, d) plane at a = 0.02, b = 0.2 separates RS, IB and CH; the (a, b)
    plane at c = -65, d = 2 separates FS and LTS. Each plane is one
    simulation (one NeuronGroup).
    """
    mod = patterns

    maps, rows = [], []
    for xn, (x0, x1, nx), yn, (y0, y1, ny), fixed, refs in CLASS_MAP_PLANES:
        nx, ny = max(3, int(nx * n_scale)), max(3, int(ny * n_scale))
        m = mod.class_map(xn, np.linspace(x0, x1, nx), yn, np.linspace(y0, y1, ny), fixed=fixed)
        points = {r: (getattr(get_preset(r), xn), getattr(get_preset(r), yn)) for r in refs}
        labels = np.asarray(m["labels"]).astype(str)
        maps.append({"x_name": xn, "y_name": yn, "x_values": np.asarray(m["x_values"]),
                     "y_values": np.asarray(m["y_values"]), "codes": np.asarray(m["codes"]),
                     "labels": labels, "label_names": list(m["label_names"]), "fixed": m.get("fixed", fixed),
                     "points": points, "current": m.get("current")})
        uniq, counts = np.unique(labels, return_counts=True)
        rows.append({"plane": f"({xn}, {yn})", "fixed": ", ".join(f"{k} = {v:g}" for k, v in fixed.items()),
                     "grid": f"{nx} x {ny}", "classes found": ", ".join(f"{u} ({c})" for u, c in zip(uniq, counts))})
    return {"maps": maps, "table": _table(rows, ["plane", "fixed", "grid", "classes found"])}


#: Fields of the network summary shown in the report.
NETWORK_FIELDS = ("scenario", "n_exc", "n_inh", "duration_ms", "dt_ms", "scheme", "seed", "n_spikes", "rate_hz",
                  "rate_exc_hz", "rate_inh_hz", "peak_hz", "alpha_fraction", "gamma_fraction", "synchrony", "run_s")


#: Columns of the scenario table.
SCENARIO_COLUMNS = ("scenario", "exc", "inh", "we", "wi", "rate_exc_hz", "rate_inh_hz", "peak_hz", "alpha_fraction",
                    "gamma_fraction", "synchrony")


def _scenario_row(summ: dict) -> dict:
    return {k: summ.get(k) for k in SCENARIO_COLUMNS}


def section_network(duration_ms=None) -> dict:
    """The 2003 network of 1000 neurons (:func:`izh_brian.network.build.simulate_network`, the paper scenario)."""
    mod = network
    kwargs = {"progress": False}
    if duration_ms is not None:
        kwargs["duration_ms"] = float(duration_ms)
    res = mod.simulate_network("paper", **kwargs)
    summ = res.summary()
    row = {k: summ[k] for k in NETWORK_FIELDS if k in summ}
    return {"n_excitatory": int(res.spec.n_exc), "summary": to_jsonable(summ), "result": res,
            "bands": {"alpha_hz": list(mod.ALPHA_BAND_HZ), "gamma_hz": list(mod.GAMMA_BAND_HZ)},
            "table": {"columns": ["quantity", "value"], "cells": [[k, _fmt(v)] for k, v in row.items()]}}


def section_network_scenarios(duration_ms=None, paper_summary=None) -> dict:
    """Every scenario of :data:`izh_brian.network.build.SCENARIOS` (the paper's network, the weight scalings S1-S5
    and the cell-type combinations): rates, the peak of the rate spectrum, alpha and gamma shares, synchrony.

    ``paper_summary`` (the summary of :func:`section_network`'s run with the
    same duration) is reused for the paper's row instead of running it again.
    """
    mod = network
    rows, seconds = [], {}
    for name in mod.SCENARIOS:
        if name == "paper" and paper_summary is not None:
            summ = paper_summary
        else:
            kwargs = {"progress": False}  # the paper run's recordings too: the same objects, the same compiled code
            if duration_ms is not None:
                kwargs["duration_ms"] = float(duration_ms)
            t0 = time.perf_counter()
            summ = mod.simulate_network(name, **kwargs).summary()
            seconds[name] = time.perf_counter() - t0
        rows.append(_scenario_row(summ))
    by = {r["scenario"]: r for r in rows}
    return {"rows": to_jsonable(rows), "table": _table(rows, list(SCENARIO_COLUMNS)), "seconds_per_run": seconds,
            "duration_ms": float(duration_ms) if duration_ms is not None else float(mod.make_spec("paper").duration_ms),
            "descriptions": {n: sc.description for n, sc in mod.SCENARIOS.items()},
            "most_synchronous": max(rows, key=lambda r: r["synchrony"])["scenario"],
            "highest_gamma": max(rows, key=lambda r: r["gamma_fraction"])["scenario"],
            "highest_alpha": max(rows, key=lambda r: r["alpha_fraction"])["scenario"],
            "by_scenario": to_jsonable(by)}


def _crosscheck_tools() -> tuple[list[str], dict]:
    """The simulators the cross-check can run here, and why each of the others is skipped."""
    ok, skipped = [], {}
    if importlib.util.find_spec("nest") is None:
        skipped["nest"] = "NEST is not installed here (the Python module 'nest' cannot be imported)"
    else:
        ok.append("nest")
    if shutil.which("java") is None:
        skipped["jneuroml"] = "jNeuroML needs Java, and no 'java' program is on the PATH"
    elif importlib.util.find_spec("pyneuroml") is None:
        skipped["jneuroml"] = "jNeuroML comes with pyNeuroML, which is not installed"
    else:
        ok.append("jneuroml")
    return ok, skipped


#: What the cross-check's rows depend on: a saved cross-check whose files differ from these is stale.
CROSSCHECK_SOURCES = ("interop", "lems", "model", "simulation.py", "presets.py", "stimuli.py", "analysis/spiketrains.py")


def crosscheck_fingerprint() -> str:
    """A hash of the files the cross-check's rows depend on (:data:`CROSSCHECK_SOURCES` in the package:
    the interop code and its example files, the NeuroML runner, the model, the presets and the stimuli)."""
    import hashlib

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in CROSSCHECK_SOURCES:
        path = root / name
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            if "__pycache__" in f.parts or f.suffix in (".pyc", ".so", ".pyd"):
                continue
            h.update(f.relative_to(root).as_posix().encode() + b"\0")
            h.update(f.read_bytes() if f.is_file() else b"")
    return h.hexdigest()[:16]


def _crosscheck_parts(ex2=True, network=True, files=True, jneuroml_presets=None, jneuroml_dts_ms=None) -> dict:
    """Which rows a cross-check holds: ``ex2``, ``network``, ``files`` (as :func:`izh_brian.interop.crosscheck`)
    and ``jneuroml_presets``, the presets jNeuroML ran (None: every reference preset; ``jneuroml_dts_ms``
    picks those of these time steps)."""
    if jneuroml_presets is None and jneuroml_dts_ms is not None:
        dts = {float(x) for x in jneuroml_dts_ms}
        jneuroml_presets = [p.name for p in map(get_preset, REFERENCE_PRESETS) if float(p.dt) in dts]
    return {"ex2": bool(ex2), "network": bool(network), "files": bool(files),
            "jneuroml_presets": None if jneuroml_presets is None else [get_preset(n).name for n in jneuroml_presets]}


def _left_out(simulators, parts) -> list[str]:
    """The rows a cross-check with ``parts`` (:func:`_crosscheck_parts`) leaves out, one line each."""
    if "jneuroml" not in simulators:
        return []
    out = []
    ran = parts.get("jneuroml_presets")
    if ran is not None:
        missing = [get_preset(n) for n in REFERENCE_PRESETS if get_preset(n).name not in ran]
        if missing:
            dts = ", ".join(f"{x:g}" for x in sorted({p.dt for p in missing}))
            out.append(f"jNeuroML: the {len(missing)} presets at dt = {dts} ms ({', '.join(p.name for p in missing)}); "
                       f"NEST ran them")
    if not parts.get("ex2", True):
        out.append("jNeuroML: its own Ex2 example (rows Ex2/<population>)")
    if not parts.get("network", True):
        out.append("jNeuroML: the generated 50-cell izhikevich2007Cell network (rows network/<population>)")
    if not parts.get("files", True):
        out.append(f"jNeuroML: every population of the {len(EXAMPLES)} NeuroML example files shipped with izh_brian "
                   f"({', '.join(EXAMPLES)}; rows <example>/<population>)")
    return out


def _run_crosscheck(simulators, parts) -> list[dict]:
    """The rows of ``parts``: NEST on every reference preset, jNeuroML on ``parts``' presets and extras."""
    mod = interop
    if parts.get("jneuroml_presets") is None:
        return [dict(r) for r in mod.crosscheck(simulators=simulators, ex2=parts["ex2"], network=parts["network"],
                                                files=parts["files"])]
    rows = []
    if "nest" in simulators:
        rows += mod.crosscheck(simulators=["nest"], ex2=False, network=False, files=False)
    if "jneuroml" in simulators:
        rows += mod.crosscheck(simulators=["jneuroml"], presets=parts["jneuroml_presets"], ex2=parts["ex2"],
                               network=parts["network"], files=parts["files"])
    return [dict(r) for r in rows]


def save_crosscheck(path, rows, *, simulators, parts=None) -> Path:
    """Save cross-check ``rows`` for reuse by later builds: the izh_brian version, the fingerprint of the
    sources (:func:`crosscheck_fingerprint`), the date, the simulators and which rows it holds."""
    parts = _crosscheck_parts(**(parts or {}))
    data = {"kind": "izh_brian crosscheck", "izh_brian": __version__, "fingerprint": crosscheck_fingerprint(),
            "saved_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.node()} ({os.cpu_count()} CPUs)", "simulators": list(simulators),
            "parts": parts, "left_out": _left_out(simulators, parts), "n_rows": len(rows), "rows": to_jsonable(rows)}
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)
    return path


def load_crosscheck(out_dir, simulators=None) -> tuple[dict | None, str | None]:
    """The cross-check saved in ``out_dir`` (:data:`CROSSCHECK_RESULTS`) if it can be shown again, and a note.

    Returns ``(saved, None)`` for a usable file, ``(None, note)`` when the file is there but ignored (not
    readable, not a cross-check, written by another izh_brian version, or from other sources
    (:func:`crosscheck_fingerprint`), or without a simulator of ``simulators`` that can run here now), and
    ``(None, None)`` when there is none.
    """
    path = Path(out_dir) / CROSSCHECK_RESULTS
    if not path.is_file():
        return None, None
    why = None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        data, why = None, f"not readable ({type(exc).__name__}: {exc})"
    if why is None and (not isinstance(data, dict) or not isinstance(data.get("rows"), list)
                        or not isinstance(data.get("simulators"), list)):
        why = "not a saved cross-check (no rows or simulators)"
    elif why is None and data.get("izh_brian") != __version__:
        why = f"written by izh_brian {data.get('izh_brian')}, this is {__version__}"
    elif why is None and data.get("fingerprint") != crosscheck_fingerprint():
        why = "stale: the interop, NeuroML runner or model sources changed since it was saved"
    elif why is None and simulators is not None and set(simulators) - set(data["simulators"]):
        why = (f"it holds {', '.join(data['simulators']) or 'no simulator'}, but "
               f"{', '.join(sorted(set(simulators) - set(data['simulators'])))} can run here now")
    if why is not None:
        return None, f"ignored {CROSSCHECK_RESULTS} in the output folder: {why}; the cross-check ran again"
    return data, None


def crosscheck_reusable(out_dir) -> bool:
    """Whether a default build of ``out_dir`` shows a saved cross-check (no simulator runs)."""
    if out_dir is None:
        return False
    sims, _ = _crosscheck_tools()
    return bool(sims) and load_crosscheck(out_dir, sims)[0] is not None


def section_crosscheck(out_dir=None, full=False) -> dict:
    """Our spike times against NEST and jNeuroML (:func:`izh_brian.interop.crosscheck`), each skipped with a
    note when its tool is missing.

    By default the full cross-check saved in ``out_dir`` (:data:`CROSSCHECK_RESULTS`, by an earlier
    ``full`` build) is shown again when it is current (:func:`load_crosscheck`); otherwise a quick one runs
    (:data:`QUICK_CROSSCHECK`: NEST and jNeuroML on every preset, jNeuroML on its Ex2 example) and the
    section lists the rows it left out (``left_out``) and the flag that includes them (``full_flag``). With
    ``full`` every row runs and, with ``out_dir``, is saved there for the next builds.
    """
    sims, skipped = _crosscheck_tools()
    notes = [f"{k}: {v}" for k, v in skipped.items()]
    if not sims:
        return {"available": False, "reason": "; ".join(notes), "notes": notes}
    saved, ignored = (None, None) if full or out_dir is None else load_crosscheck(out_dir, sims)
    out = {"available": True, "full_flag": f"izh-brian report {FULL_CROSSCHECK_FLAG}"}
    if ignored:
        out["ignored_note"] = ignored
    if saved is not None:
        rows, parts = [dict(r) for r in saved["rows"]], _crosscheck_parts(**saved.get("parts", {}))
        sims = list(saved["simulators"])
        notes = [f"{k}: {v}" for k, v in skipped.items() if k not in sims]
        out.update(source="saved", saved_utc=saved.get("saved_utc"), saved_machine=saved.get("machine"),
                   saved_file=CROSSCHECK_RESULTS, saved_version=saved.get("izh_brian"))
    else:
        parts = _crosscheck_parts() if full else _crosscheck_parts(**QUICK_CROSSCHECK)
        rows = _run_crosscheck(sims, parts)
        out["source"] = "full" if full else "quick"
        if full and out_dir is not None:
            save_crosscheck(Path(out_dir) / CROSSCHECK_RESULTS, rows, simulators=sims, parts=parts)
            out["saved_file"] = CROSSCHECK_RESULTS
    cols = ["name", "simulator", "n_spikes_ours", "n_spikes_theirs", "max_dt_ms", "agree", "reason"]
    compared = [r for r in rows if r.get("agree") is not None]
    summary = []
    for sim in dict.fromkeys(r.get("simulator") for r in rows):
        mine = [r for r in rows if r.get("simulator") == sim]
        done = [r for r in mine if r.get("agree") is not None]
        summary.append({"simulator": sim, "compared": len(done), "agree": sum(bool(r["agree"]) for r in done),
                        "skipped": len(mine) - len(done)})
    out.update({"rows": to_jsonable(rows), "table": _table(rows, cols), "n_compared": len(compared),
                "n_agree": sum(bool(r["agree"]) for r in compared), "n_skipped": len(rows) - len(compared),
                "simulators": sims, "notes": notes, "parts": parts, "left_out": _left_out(sims, parts),
                "summary_table": _table(summary, ["simulator", "compared", "agree", "skipped"])})
    return out


def _read_bench(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("results"), dict) else None


def section_speed(sections: dict, out_dir=None) -> dict:
    """The appendix on speed: this build's own time and compiled modules per section, and the benchmarks.

    The benchmarks are those of the last ``python -m benchmarks.bench ... --save
    OUT/bench_results.json`` when that file is in ``out_dir`` (their date and
    machine are shown); otherwise a quick measurement made during this build:
    all reference presets in one network against one preset alone (warm code).
    """
    rows = []
    for key, sec in sections.items():
        if isinstance(sec, dict) and "seconds" in sec and key not in ("meta", "speed"):
            rows.append({"section": key, "seconds": round(float(sec["seconds"]), 2), "modules compiled": sec.get("modules_compiled"),
                         "process": sec.get("process", "main")})
    out = {"build_rows": rows, "build_table": _table(rows, ["section", "process", "seconds", "modules compiled"]),
           "cache_dir": str(cython_cache_dir())}
    saved = _read_bench(Path(out_dir) / BENCH_RESULTS) if out_dir is not None else None
    if saved is not None:
        lines = [ln for ln in str(saved.get("text", "")).splitlines() if ln.strip()]
        out.update(source="benchmarks", saved_utc=saved.get("saved_utc"), saved_machine=saved.get("machine"),
                   bench_lines=lines, bench_file=BENCH_RESULTS, which=sorted(saved["results"]))
        fig = saved["results"].get("figures")
        if isinstance(fig, dict):
            out["figures_bench"] = fig
    else:
        simulate("tonic_spiking")  # the code is loaded: time the run, not the compilation
        t0 = time.perf_counter()
        simulate("tonic_spiking")
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        simulate_many(list(REFERENCE_PRESETS))
        many = time.perf_counter() - t0
        quick = [{"label": "1 preset (tonic spiking), one network", "seconds": one},
                 {"label": f"{len(REFERENCE_PRESETS)} reference presets, one network", "seconds": many}]
        out.update(source="quick", quick_rows=quick, quick_table=_table(quick, ["label", "seconds"]),
                   ratio_many_over_one=many / one if one > 0 else None)
    return out


def _recovery_table(rows) -> dict:
    table_rows = []
    for r in rows:
        row = {"preset": r["name"]}
        for k in "abcd":
            row[k] = f"{r['true'][k]:.4g} -> {r['fitted'][k]:.4g}"
        row.update(gamma=round(float(r["gamma"]), 3), validator="yes" if r.get("validator_ok") else "no",
                   pinned=", ".join(r.get("pinned", [])) or "-")
        table_rows.append(row)
    return _table(table_rows, ["preset", "a", "b", "c", "d", "gamma", "validator", "pinned"])


def section_identifiability(out_dir=None, quick=None) -> dict:
    """Fitting a, b, c, d back from each preset's own response (``izh_brian.fitting.recovery.recovery_table``).

    The 28 refits of the benchmark take minutes (``make bench``: ``python -m benchmarks.bench all --save
    report/build/bench_results.json``); when its table is saved in ``out_dir`` this section shows it
    (``source`` ``"benchmarks"``). Otherwise it refits a few presets here with a small budget (``quick``,
    default :data:`QUICK_RECOVERY`: ``names``, ``budget``, ``attempts``), ``source`` ``"quick"``, and lists
    the presets it left out. A parameter is "pinned" when its fitted values spread by less than 5 % of its
    search range (``izh_brian.fitting``).
    """
    saved = _read_bench(Path(out_dir) / BENCH_RESULTS) if out_dir is not None else None
    fit_res = (saved or {}).get("results", {}).get("fit")
    rows = fit_res.get("recovery") if isinstance(fit_res, dict) else None
    if rows:
        n_ok = sum(1 for r in rows if r.get("matched"))
        return {"available": True, "source": "benchmarks", "n_ok": n_ok, "n_total": len(rows),
                "saved_utc": saved.get("saved_utc"), "bench_file": BENCH_RESULTS,
                "budget": fit_res.get("recovery_budget"), "table": _recovery_table(rows)}
    q = dict(QUICK_RECOVERY, **(quick or {}))
    names = [get_preset(n).name for n in q["names"]]
    t0 = time.perf_counter()
    rows = recovery.recovery_table(names, budget=int(q["budget"]), attempts=int(q["attempts"]))
    left = [n for n in preset_names() if n not in names]
    full = inspect.signature(recovery.recover).parameters  # the benchmark's budget: recover's defaults
    return {"available": True, "source": "quick", "n_ok": sum(1 for r in rows if r.get("matched")),
            "n_total": len(rows), "budget": int(q["budget"]), "attempts": int(q["attempts"]),
            "full_budget": full["budget"].default, "full_attempts": full["attempts"].default,
            "fit_s": time.perf_counter() - t0, "presets": names, "left_out": left, "n_presets_all": len(preset_names()),
            "table": _recovery_table(rows), "rows": to_jsonable(rows)}


#: The model in plain Brian2, as a student would first write it: the listing printed in the report and run
#: (with Brian2's numpy target, no compilation) when the report is built. ``G.I`` holds the step of 2004
#: Fig. 1 (A); the run is split at its onset.
PLAIN_BRIAN2_LISTING = """\
from brian2 import NeuronGroup, SpikeMonitor, Network, ms, mV
eqs = '''dv/dt = (0.04/mV)*v**2/ms + 5*v/ms + 140*mV/ms - u + I : volt
         du/dt = a*(b*v/ms - u)/ms : volt/second
         I : volt/second
         a : 1
         b : 1
         c : volt
         d : volt/second'''
G = NeuronGroup(1, eqs, threshold='v > 30*mV', reset='v = c; u += d', method='euler', dt=0.25*ms)
G.a, G.b, G.c, G.d = 0.02, 0.2, -65*mV, 6*mV/ms       # tonic spiking, 2004 Fig. 1 (A)
G.v = -70*mV
G.u = G.b*G.v/ms
spikes = SpikeMonitor(G)
net = Network(G, spikes)
net.run(10.25*ms)                                      # steps t = 0 ... 10 ms: I = 0
G.I = 14*mV/ms                                         # I = 14 for t > 10 ms, as figure1.m
net.run(89.75*ms)
"""


def run_plain_listing() -> dict:
    """Run :data:`PLAIN_BRIAN2_LISTING` with Brian2's numpy target; its spike times (ms) and the transcription's."""

    saved = prefs.codegen.target
    ns: dict = {}
    try:
        prefs.codegen.target = "numpy"
        exec(compile(PLAIN_BRIAN2_LISTING, "<plain Brian2 listing>", "exec"), ns)
    finally:
        prefs.codegen.target = saved
    ours = [float(x) for x in np.round(np.asarray(ns["spikes"].t / ms), 9)]
    ref = transcription.run_figure1("tonic_spiking")[0]
    same = len(ours) == len(ref)
    return {"spikes_ms": ours, "n_spikes": len(ours), "n_spikes_figure1": len(ref),
            "first_spikes_ms": ours[:3], "first_spikes_figure1_ms": ref[:3],
            "max_dt_ms": float(np.max(np.abs(np.subtract(ours, ref)))) if same and ours else None}


def section_implementation() -> dict:
    """The plain Brian2 model (run in this build) and how the package generalises it.

    The package's equations are read from :data:`izh_brian.model.equations.EQUATIONS`
    and the abstract update code of its custom schemes from
    :func:`izh_brian.model.schemes.scheme_stateupdater` at build time, so the report
    shows the code that ran.
    """

    eqs = Equations(EQUATIONS)
    code = {}
    for scheme in CUSTOM_SCHEMES:
        try:
            code[scheme] = str(scheme_stateupdater(scheme)(eqs)).strip()
        except Exception as exc:  # a scheme that needs more than the equations to print its code
            code[scheme] = f"(not printable without a group: {type(exc).__name__})"
    try:
        plain = run_plain_listing()
    except Exception as exc:  # the listing is shown anyway; the run's failure is recorded
        plain = {"reason": f"{type(exc).__name__}: {exc}"}
    return {"equations": EQUATIONS.strip(), "abstract_code": [{"scheme": k, "code": v} for k, v in code.items()],
            "listing": PLAIN_BRIAN2_LISTING.strip(), "listing_lines": len(PLAIN_BRIAN2_LISTING.strip().splitlines()),
            "plain": plain, "schemes": list(SCHEMES)}
