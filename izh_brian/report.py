"""The report: the model answer to the coursework, regenerated from runs, with its figures and lessons.

``build_outputs(out_dir)`` runs everything the report shows and writes, under
``out_dir``:

- ``spike_times.json``: one object per reference preset (the ``izh-brian run --json`` record);
- the figures as PNG and PDF (:func:`make_figures`): ``fig1_2004`` (the 5 x 4
  grid of 2004 Fig. 1), ``fig2_2003`` (the 8 classes of 2003 Fig. 2),
  ``parameters`` (a, b, c, d varied around RS), ``phase_planes``, ``fi_curves``,
  ``validation_matrix``, ``numerics_table``, ``class_map``, ``network_raster``,
  ``speed``;
- ``report_data.json``: every number and table the report prints;
- ``lessons/*.html``: the notebooks of ``notebooks/``, executed (:func:`render_lessons`);
- ``izh_brian_report.pdf``: the report, compiled offline by Typst from the
  sources shipped inside the package (``izh_brian/report_templates``, read with
  :mod:`importlib.resources`, so an installed wheel builds it too).

Each section comes from one small function here that calls the module that
owns it. When such a module or tool is missing or fails, the section records
why and the report says so instead of showing stale numbers; nothing is typed
in by hand. Every section also records its wall time and the number of Cython
modules it compiled, so a slow first build shows where the time went.

The network sections and the numerics study run in a second process, the
cross-simulator check in a third, while this one runs the other sections and
draws their figures: on a cold Cython cache the processes compile their code
objects in parallel.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.resources
import importlib.util
import json
import os
import platform
import shutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from izh_brian import interop, network, numerics, patterns
from izh_brian.jsonutil import to_jsonable
from izh_brian import __version__
from izh_brian.presets import REFERENCE_PRESETS
from izh_brian.simulate import simulate_many
from izh_brian.presets import get_preset
from izh_brian import transcription
from izh_brian.phaseplane import phase_plane
from izh_brian.phaseplane import fi_curves, onset_rate
from izh_brian.presets import FINE_PRESETS, preset_names
from izh_brian.simulate import simulate
from izh_brian.model import CUSTOM_SCHEMES, EQUATIONS, SCHEMES, scheme_stateupdater
from izh_brian import plotting as P
from izh_brian import plotting_network as PN
from izh_brian.model import VARIANTS, make_neurons

__all__ = [
    "build_outputs",
    "make_figures",
    "compute_sections",
    "build_pdf",
    "templates",
    "render_lessons",
    "find_notebooks",
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
    "REPORT_PDF",
    "REPORT_DATA",
    "BENCH_RESULTS",
]

#: Name of the compiled report and of its data file inside ``out_dir``.
REPORT_PDF = "izh_brian_report.pdf"
REPORT_DATA = "report_data.json"
REPORT_MAIN = "izh_brian_report.typ"
#: Benchmark results that ``python -m izh_brian.bench ... --save DIR/bench_results.json`` leaves for the report.
BENCH_RESULTS = "bench_results.json"
#: Package folder of the Typst sources.
TEMPLATES_PACKAGE = "izh_brian"
TEMPLATES_FOLDER = "report_templates"

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


# ---------------------------------------------------------------------------------------------
# helpers


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
    cache = cython_cache_dir() if cache is None else Path(cache)
    if cache is None or not cache.is_dir():
        return set()
    return {f.name.split(".", 1)[0] for f in cache.iterdir() if f.suffix in (".so", ".pyd")}


def count_compiled_modules(cache=None) -> int:
    """How many compiled extension modules (``*.so``/``*.pyd``) the Cython cache holds now."""
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


def _machine() -> dict:
    import brian2
    import matplotlib


    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import typst

        typst_version = getattr(typst, "__version__", "unknown")
    except ImportError:
        typst_version = None
    return {
        "built_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "izh_brian": __version__,
        "python": platform.python_version(),
        "brian2": brian2.__version__,
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "typst": typst_version,
        "platform": platform.platform(terse=True),
        "cpu": cpu,
        "n_cpus": os.cpu_count(),
        "codegen_target": str(brian2.prefs.codegen.target),
    }


def templates():
    """The Typst sources shipped in the package (a :class:`importlib.resources` traversable folder).

    Raises
    ------
    FileNotFoundError
        The package was installed without its ``report_templates`` data.
    """
    folder = importlib.resources.files(TEMPLATES_PACKAGE) / TEMPLATES_FOLDER
    if not (folder / REPORT_MAIN).is_file():
        raise FileNotFoundError(f"the report templates are missing from the installed package: expected "
                                f"{TEMPLATES_PACKAGE}/{TEMPLATES_FOLDER}/{REPORT_MAIN} (reinstall izh_brian with its "
                                f"package data)")
    return folder


# ---------------------------------------------------------------------------------------------
# sections: each calls the module that owns it


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
    """Each of a, b, c, d varied alone around RS, all responses in one :func:`~izh_brian.simulate.simulate_many` run.

    The step response of each changed neuron is labelled by the 2003-class
    classifier of :mod:`izh_brian.patterns` (when present), so the table says
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
    """Spike for spike against the plain-Python transcription of figure1.m (:mod:`izh_brian.transcription`).

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
    """Nullclines, fixed points and trajectories of :data:`PHASE_PLANE_CASES` (from :mod:`izh_brian.phaseplane`)."""

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
    """Each reference response checked against its firing pattern (:mod:`izh_brian.patterns`)."""
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
    """The dt / scheme sensitivity table (:func:`izh_brian.numerics.numerics_table`).

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
    """Cell classes over two parameter planes of 2003 Fig. 2 (:func:`izh_brian.patterns.class_map`).

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
    """The 2003 network of 1000 neurons (:func:`izh_brian.network.simulate_network`, the paper scenario)."""
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
    """Every scenario of :data:`izh_brian.network.SCENARIOS` (the paper's network, the weight scalings S1-S5
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


def section_crosscheck() -> dict:
    """Our spike times against NEST and jNeuroML (:func:`izh_brian.interop.crosscheck`), each skipped with a
    note when its tool is missing."""
    mod = interop
    sims, skipped = _crosscheck_tools()
    notes = [f"{k}: {v}" for k, v in skipped.items()]
    if not sims:
        return {"available": False, "reason": "; ".join(notes), "notes": notes}
    rows = [dict(r) for r in mod.crosscheck(simulators=sims)]
    cols = ["name", "simulator", "n_spikes_ours", "n_spikes_theirs", "max_dt_ms", "agree", "reason"]
    compared = [r for r in rows if r.get("agree") is not None]
    summary = []
    for sim in dict.fromkeys(r.get("simulator") for r in rows):
        mine = [r for r in rows if r.get("simulator") == sim]
        done = [r for r in mine if r.get("agree") is not None]
        summary.append({"simulator": sim, "compared": len(done), "agree": sum(bool(r["agree"]) for r in done),
                        "skipped": len(mine) - len(done)})
    return {"rows": to_jsonable(rows), "table": _table(rows, cols), "n_compared": len(compared),
            "n_agree": sum(bool(r["agree"]) for r in compared), "n_skipped": len(rows) - len(compared),
            "simulators": sims, "notes": notes,
            "summary_table": _table(summary, ["simulator", "compared", "agree", "skipped"])}


def _read_bench(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("results"), dict) else None


def section_speed(sections: dict, out_dir=None) -> dict:
    """The appendix on speed: this build's own time and compiled modules per section, and the benchmarks.

    The benchmarks are those of the last ``python -m izh_brian.bench ... --save
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


def section_identifiability(out_dir=None) -> dict:
    """Fitting a, b, c, d back from each preset's own response (``izh_brian.fit.recovery_table``).

    The 28 refits take minutes, so they run as a benchmark (``make bench``: ``python -m izh_brian.bench
    all --save report/build/bench_results.json``) and this section shows the table saved there; without
    it the section says how to make it. A parameter is "pinned" when its fitted values spread by less than
    5 % of its search range (``izh_brian.fit``).
    """
    saved = _read_bench(Path(out_dir) / BENCH_RESULTS) if out_dir is not None else None
    fit_res = (saved or {}).get("results", {}).get("fit")
    rows = fit_res.get("recovery") if isinstance(fit_res, dict) else None
    if not rows:
        return {"available": False,
                "reason": f"no saved recovery table: run `make bench` (it writes {BENCH_RESULTS} next to the report)"}
    table_rows = []
    for r in rows:
        row = {"preset": r["name"]}
        for k in "abcd":
            row[k] = f"{r['true'][k]:.4g} -> {r['fitted'][k]:.4g}"
        row.update(gamma=round(float(r["gamma"]), 3), validator="yes" if r.get("validator_ok") else "no",
                   pinned=", ".join(r.get("pinned", [])) or "-")
        table_rows.append(row)
    n_ok = sum(1 for r in rows if r.get("matched"))
    return {"available": True, "n_ok": n_ok, "n_total": len(rows), "saved_utc": saved.get("saved_utc"),
            "table": _table(table_rows, ["preset", "a", "b", "c", "d", "gamma", "validator", "pinned"])}


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
    from brian2 import ms, prefs


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

    The package's equations are read from :data:`izh_brian.model.EQUATIONS`
    and the abstract update code of its custom schemes from
    :func:`izh_brian.model.scheme_stateupdater` at build time, so the report
    shows the code that ran.
    """
    from brian2 import Equations


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


# ---------------------------------------------------------------------------------------------
# figures


def _fig(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _draw(files, timings, key, sec, func):
    """Draw one figure; record its drawing time; a figure that fails marks its section unavailable with why."""
    t0 = time.perf_counter()
    try:
        paths = func()
        if paths:
            files[key] = paths
    except Exception as exc:  # a figure that fails must not take the report down: record why
        if isinstance(sec, dict):
            sec.update(available=False, reason=f"{key} figure failed: {type(exc).__name__}: {exc}")
    timings[key] = time.perf_counter() - t0


#: The section each figure is drawn from (for the per-figure timing line).
FIGURE_SECTIONS = {"fig1_2004": "reference", "fig2_2003": "reference", "parameters": "parameters",
                   "phase_planes": "phase_planes", "fi_curves": "fi_curves", "validation_matrix": "validation",
                   "numerics_table": "numerics", "class_map": "class_map", "network_raster": "network",
                   "speed": "speed"}


def make_figures(out_dir="report/build", *, sections=None, formats=("png", "pdf"), quick=False, progress=None,
                 draw_timings=None, keys=None) -> dict:
    """Write every figure of the report under ``out_dir`` in ``formats``; return ``{key: [paths]}``.

    ``sections`` are the outputs of :func:`compute_sections` (computed here,
    figures only, when not given). Figures whose section is unavailable are
    skipped. ``draw_timings`` (a dict) receives the drawing time of each
    figure; ``keys`` restricts the figures drawn (default all of
    :data:`FIGURE_SECTIONS`).
    """

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    s = sections if sections is not None else compute_sections(figures_only=True, quick=quick, progress=progress)
    if "speed" not in s and (keys is None or "speed" in keys):
        s["speed"] = _section("speed", section_speed, s, out, progress=progress)
    ref = s["reference"]["results"]
    files: dict = {}
    dts: dict = {}

    def draw(key, sec, func):
        if keys is None or key in keys:
            _draw(files, dts, key, sec, func)

    for paper, stem in (("2004", "fig1_2004"), ("2003", "fig2_2003")):
        rs = [r for r in ref if r.preset.paper == paper]
        draw(stem, s["reference"],
              lambda rs=rs, stem=stem: P.save_figure(P.plot_paper_grid(rs, ncols=4)[0].figure, out, stem, formats,
                                                     dpi=200))

    par = s.get("parameters", {})
    if par.get("available"):
        draw("parameters", par,
              lambda: P.save_figure(P.plot_parameter_sweep(par["sweep"])[0][0].figure, out, "parameters", formats,
                                    dpi=200))

    pps = s.get("phase_planes", {})

    def phase():
        fig = _fig((10, 6))
        for k, pp in enumerate(pps["planes"]):
            ax = fig.add_subplot(2, 3, k + 1)
            P.plot_phase_plane(pp["v"], pp["u_v"], pp["u_u"], v_u_line=pp.get("v_u_line"), traj_v=pp["trajectory_v"],
                               traj_u=pp["trajectory_u"], fixed_points=pp["fixed_points"], c=pp["c"], ax=ax,
                               title=f"{pp['label']}, I = {pp['I']:.3g}")
        return P.save_figure(fig, out, "phase_planes", formats)

    if pps.get("available"):
        draw("phase_planes", pps, phase)

    fis = s.get("fi_curves", {})

    def fi():
        f = fis["fi"]
        ax = P.plot_fi_curves(f["currents"], f["rates_hz"], f["labels"],
                              thresholds=[t["I_threshold"] if t else None for t in f["threshold"]],
                              title="f-I curves: class 1 (G) and class 2 (H), one NeuronGroup")
        return P.save_figure(ax.figure, out, "fi_curves", formats)

    if fis.get("available"):
        draw("fi_curves", fis, fi)

    val = s.get("validation", {})

    def validation():
        if "matrix" in val:
            # patterns.validation_matrix: matrix[i, j] = validator names[i] accepts response names[j]
            ax = P.plot_validation_matrix(np.asarray(val["matrix"], dtype=bool), val["matrix_names"],
                                          val["matrix_names"], title="validators (rows) x responses (columns)")
        else:
            ax = P.plot_validation_matrix([r["ok"] for r in val["rows"]], [r["name"] for r in val["rows"]],
                                          title="validation")
        return P.save_figure(ax.figure, out, "validation_matrix", formats)

    if val.get("available"):
        draw("validation_matrix", val, validation)

    num = s.get("numerics", {})
    if num.get("available") and num.get("rows"):
        draw("numerics_table", num, lambda: P.save_figure(
            P.plot_numerics_table(num["rows"], title="numerics: spike counts across dt and schemes").figure, out,
            "numerics_table", formats))

    cm = s.get("class_map", {})

    def class_map():
        fig = _fig((10, 3.8))
        for k, d in enumerate(cm["maps"]):
            ax = fig.add_subplot(1, len(cm["maps"]), k + 1)
            fixed = ", ".join(f"{a} = {b:g}" for a, b in d["fixed"].items())
            P.plot_class_map(d["x_values"], d["y_values"], d["codes"], class_names=d["label_names"],
                             xlabel=d["x_name"], ylabel=d["y_name"], points=d["points"], ax=ax,
                             title=f"({d['x_name']}, {d['y_name']}) plane, {fixed}")
        return P.save_figure(fig, out, "class_map", formats)

    if cm.get("available"):
        draw("class_map", cm, class_map)

    net = s.get("network", {})

    def network():

        res = net["result"]
        ne, ni = res.spec.n_exc, res.spec.n_inh
        fig = PN.network_figure(res.spike_t_ms, res.spike_i, ne, ni, res.spec.duration_ms,
                                t_ms=res.t_ms if res.v_mV is not None else None, v_mV=res.v_mV, u=res.u,
                                record_v=res.record_v, figsize=(10, 7),
                                title=f"2003 network: {ne} excitatory + {ni} inhibitory neurons")
        return P.save_figure(fig, out, "network_raster", formats, dpi=200)

    if net.get("available") and net.get("result") is not None:
        draw("network_raster", net, network)

    sp = s.get("speed", {})

    def speed():
        rows = [r for r in sp["build_rows"] if r["seconds"] > 0]
        ax = P.plot_speed([f"{r['section']} ({r['modules compiled']} modules)" for r in rows],
                          [r["seconds"] for r in rows],
                          title=f"this build, per section ({s['meta']['cpu']}, {s['meta']['n_cpus']} CPUs)")
        return P.save_figure(ax.figure, out, "speed", formats)

    if sp.get("available") and sp.get("build_rows"):
        draw("speed", sp, speed)
    if progress is not None:
        for key, secs in dts.items():
            progress(f"  draw {key:<18s} {secs:6.1f} s")
    if draw_timings is not None:
        draw_timings.update(dts)
    return files


#: Figures drawn from the sections of the main process (while the second process still runs).
MAIN_FIGURES = ("fig1_2004", "fig2_2003", "parameters", "phase_planes", "fi_curves", "validation_matrix", "class_map")


# ---------------------------------------------------------------------------------------------
# running the sections

#: Presets of the numerics study in a quick build.
QUICK_NUMERICS = ("tonic_spiking", "phasic_bursting", "class_2_excitable", "inhibition_induced_bursting")
#: Durations (ms) of the network runs in a quick build: the paper's network and each scenario.
QUICK_NETWORK_MS = 300.0
QUICK_SCENARIO_MS = 200.0


def _skipped_section(why):
    return {"available": False, "reason": why, "seconds": 0.0, "modules_compiled": 0}


def _side_sections(quick: bool, figures_only: bool, part: str, progress=None) -> dict:
    """The sections run outside the main process, as picklable values (the network result is arrays).

    ``part`` ``"network"``: the 2003 network, the numerics study and the
    network scenarios; ``"crosscheck"``: the cross-simulator check (NEST and
    jNeuroML, in a process of its own since it takes longest).
    """
    out = {}
    if part == "network":
        out["network"] = _section("network", section_network, QUICK_NETWORK_MS if quick else None,
                                  progress=progress)
        out["numerics"] = _section("numerics", section_numerics, list(QUICK_NUMERICS) if quick else None,
                                   progress=progress)
        if figures_only:
            out["network_scenarios"] = _skipped_section("not needed for the figures alone")
        else:
            paper = out["network"].get("summary") if out["network"].get("available") and not quick else None
            out["network_scenarios"] = _section("network scenarios", section_network_scenarios,
                                                QUICK_SCENARIO_MS if quick else None, paper, progress=progress)
    elif part == "crosscheck":
        out["crosscheck"] = _section("cross-check", section_crosscheck, progress=progress)
    else:
        raise ValueError(f"unknown part {part!r}; allowed: network, crosscheck")
    return out


def _side_worker(quick: bool, figures_only: bool, part: str, cache_dir) -> dict:
    """Entry point of a side process: same Cython cache as the parent; prints go to stderr, lines come back."""
    sys.stdout.flush()
    os.dup2(2, 1)  # NEST and jNeuroML print banners: keep the parent's stdout (maybe JSON) clean
    if cache_dir:
        from brian2 import prefs

        prefs.codegen.runtime.cython.cache_dir = str(cache_dir)
    lines: list = []
    out = _side_sections(quick, figures_only, part, progress=lines.append)
    for sec in out.values():
        sec["process"] = part
    out["_lines"] = lines
    return out


def compute_sections(*, figures_only=False, scheme="figure1", quick=False, progress=None, parallel=True,
                     while_waiting=None) -> dict:
    """Run every section of the report.

    Parameters
    ----------
    figures_only : bool
        Only what the figures need: no scenario table, no cross-simulator check, no implementation section.
    scheme : str
        Scheme of the reference runs (default ``figure1``).
    quick : bool
        For tests: the numerics study on :data:`QUICK_NUMERICS`, the class map at half resolution, the network
        for 300 ms and each scenario for 200 ms, no cross-simulator check.
    progress : callable, optional
        Receives one line per section: its wall time and the Cython modules it compiled.
    parallel : bool
        Run the network sections and the numerics study in a second process and the cross-check in a third,
        in parallel with the others (on a cold cache the processes compile their code at the same time).
    while_waiting : callable, optional
        Called with the sections computed so far once this process has done its share, before it waits for
        the second one (the figures of those sections are drawn meanwhile).
    """
    s = {"meta": _machine(), "quick": bool(quick)}
    t_start = time.perf_counter()
    parts = ["network"]
    if quick:
        s["crosscheck"] = _skipped_section("skipped in a quick build (it runs NEST and jNeuroML)")
    elif figures_only:
        s["crosscheck"] = _skipped_section("not needed for the figures alone")
    else:
        parts.append("crosscheck")
    futures, pool = {}, None
    if parallel:
        try:
            import concurrent.futures as cf
            import multiprocessing as mp

            pool = cf.ProcessPoolExecutor(max_workers=len(parts), mp_context=mp.get_context("spawn"))
            futures = {part: pool.submit(_side_worker, bool(quick), bool(figures_only), part, cython_cache_dir())
                       for part in parts}
        except Exception as exc:  # no side process here: run everything in this one
            s["meta"]["parallel_note"] = f"side processes unavailable ({type(exc).__name__}: {exc})"
            futures = {}
    s["reference"] = _section("reference runs", section_reference_runs, scheme, progress=progress)
    if not s["reference"]["available"]:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise RuntimeError(s["reference"]["reason"])
    results = s["reference"]["results"]
    s["parameters"] = _section("parameters", section_parameters, progress=progress)
    s["phase_planes"] = _section("phase planes", section_phase_planes, results, progress=progress)
    s["fi_curves"] = _section("f-I curves", section_fi_curves, progress=progress)
    s["validation"] = _section("validation", section_validation, results, progress=progress)
    s["agreement"] = _section("agreement", section_agreement, results, progress=progress)
    s["class_map"] = _section("class map", section_class_map, 0.5 if quick else 1.0, progress=progress)
    if not figures_only:
        s["implementation"] = _section("implementation", section_implementation, progress=progress)
    if while_waiting is not None:
        while_waiting(s)
    for part in parts:
        side = None
        if part in futures:
            try:
                side = futures[part].result()
            except Exception as exc:  # the side process failed: run its sections here
                s["meta"]["parallel_note"] = f"{part} process failed ({type(exc).__name__}: {exc}); ran here"
        if side is None:
            side = _side_sections(quick, figures_only, part, progress=progress)
        elif progress is not None:
            for line in side.get("_lines", []):
                progress(f"{line}  [{part} process]")
        side.pop("_lines", None)
        s.update(side)
    if pool is not None:
        pool.shutdown()
    s["meta"]["parallel"] = bool(futures) and "parallel_note" not in s["meta"]
    s["meta"]["sections_s"] = time.perf_counter() - t_start
    return s


# ---------------------------------------------------------------------------------------------
# lessons


def find_notebooks(notebooks_dir=None) -> Path | None:
    """The lessons folder: ``notebooks_dir``, else ``./notebooks``, else the source checkout's ``notebooks/``."""
    if notebooks_dir is not None:
        return Path(notebooks_dir) if Path(notebooks_dir).is_dir() else None
    for cand in (Path.cwd() / "notebooks", Path(__file__).resolve().parent.parent / "notebooks"):
        if cand.is_dir() and any(cand.glob("*.ipynb")):
            return cand
    return None


def _execute_lesson(path: str, out_html: str, timeout: int) -> dict:
    """Execute one notebook in its own folder with the python3 kernel and write it as HTML."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor

    import tempfile

    t0 = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    err = None
    with tempfile.TemporaryDirectory(prefix="izh_kernel_") as sock:
        km = None
        if os.name == "posix":
            # IPC sockets in a private folder: kernels started at the same time by parallel workers cannot
            # race for the same TCP port, and nothing listens on the network.
            from jupyter_client.manager import KernelManager

            km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sock, "k"))
        try:
            ExecutePreprocessor(timeout=timeout, kernel_name="python3").preprocess(
                nb, {"metadata": {"path": str(Path(path).parent)}}, km=km)
        except Exception as exc:  # a failing cell: the HTML still shows the output up to the error
            err = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        finally:
            if km is not None and km.has_kernel:  # a kernel manager we pass in is ours to shut down
                km.shutdown_kernel(now=True)
                km.cleanup_resources()
    body, _ = HTMLExporter().from_notebook_node(nb)
    Path(out_html).write_text(body)
    return {"name": Path(path).stem, "html": Path(out_html).name, "ok": err is None, "error": err,
            "seconds": time.perf_counter() - t0}


def render_lessons(out_dir, notebooks_dir=None, *, timeout=600, workers=2) -> dict:
    """Execute every lesson ``notebooks/*.ipynb`` (not ``notebooks/solutions/``) and write it as HTML.

    The HTML goes to ``out_dir/lessons/<name>.html``. Lessons run with the
    ``python3`` kernel from the notebooks folder, ``workers`` at a time. The
    result says why nothing was rendered when the folder is not there (an
    installed wheel has no notebooks) or nbconvert is missing.

    Returns
    -------
    dict
        ``available``, ``reason`` (when not), ``lessons`` (``name``, ``html``,
        ``ok``, ``error``, ``seconds``), ``n_ok``, ``n_total``, ``folder``.
    """
    folder = find_notebooks(notebooks_dir)
    if folder is None:
        where = notebooks_dir if notebooks_dir is not None else "./notebooks"
        return {"available": False, "reason": f"no lessons rendered: the notebooks folder ({where}) is not there "
                                               f"(an installed package has no notebooks)"}
    missing = [m for m in ("nbconvert", "nbformat", "nbclient", "ipykernel") if importlib.util.find_spec(m) is None]
    if missing:
        return {"available": False, "reason": f"no lessons rendered: {', '.join(missing)} not installed "
                                              f"(pip install 'izh_brian[notebooks]')"}
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        return {"available": False, "reason": f"no lessons rendered: {folder} holds no .ipynb files"}
    dest = Path(out_dir) / "lessons"
    dest.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    jobs = [(str(p), str(dest / (p.stem + ".html")), int(timeout)) for p in paths]
    if workers > 1 and len(jobs) > 1:
        import concurrent.futures as cf
        import multiprocessing as mp

        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            lessons = list(pool.map(_execute_lesson, *zip(*jobs)))
    else:
        lessons = [_execute_lesson(*j) for j in jobs]
    return {"available": True, "lessons": lessons, "n_ok": sum(x["ok"] for x in lessons), "n_total": len(lessons),
            "folder": str(folder), "seconds": time.perf_counter() - t0}


# ---------------------------------------------------------------------------------------------
# the PDF


def _data_for_typst(s: dict, files: dict) -> dict:
    """The JSON the Typst source reads: plain values and preformatted table cells only."""
    import inspect


    ref = s["reference"]
    data = {
        "meta": s["meta"],
        "quick": bool(s.get("quick")),
        "vpeak_mV": inspect.signature(make_neurons).parameters["vpeak"].default,
        "variants": {k: list(v) for k, v in VARIANTS.items()},
        "reference": {k: ref[k] for k in ("scheme", "simulate_s", "n_presets", "dts_ms")},
        "presets_2004": _table([r for r in ref["rows"] if r["paper"] == "2004"],
                               ["panel", "name", "a", "b", "c", "d", "V0", "dt_ms", "duration_ms", "n_spikes",
                                "first_spike_ms"]),
        "presets_2003": _table([r for r in ref["rows"] if r["paper"] == "2003"],
                               ["name", "a", "b", "c", "d", "V0", "duration_ms", "n_spikes", "first_spike_ms"]),
        "figures": {k: Path(v[0]).name for k, v in files.items()},
    }
    keep_keys = ("table", "n_ok", "n_total", "n_agree", "n_compared", "n_skipped", "notes", "simulators", "source",
                 "ratio_many_over_one", "seconds", "modules_compiled", "breaks", "n_breaks", "timings", "summary",
                 "simulate_s", "n_neurons", "duration_ms", "transient_ms", "base", "protocol", "base_values",
                 "transcription_s", "n_euler_differs", "base_label", "class_changes", "euler_differs", "euler_reason", "descriptions",
                 "most_synchronous", "highest_gamma", "highest_alpha", "by_scenario", "bands", "build_table",
                 "quick_table", "saved_utc", "saved_machine", "bench_lines", "bench_file", "which", "figures_bench",
                 "cache_dir", "equations", "abstract_code", "listing", "listing_lines", "plain", "schemes",
                 "lessons", "folder", "process", "n_excitatory", "summary_table")
    for key in ("parameters", "agreement", "phase_planes", "fi_curves", "validation", "numerics", "class_map",
                "network", "network_scenarios", "crosscheck", "speed", "implementation", "lessons",
                "identifiability"):
        sec = s.get(key, {})
        keep = {"available": bool(sec.get("available")), "reason": sec.get("reason")}
        for k in keep_keys:
            if k in sec:
                keep[k] = sec[k]
        data[key] = keep
    num = s.get("numerics", {})
    if num.get("available"):
        broken = sorted({b[0] for b in (num.get("breaks") or {}).get("cells", [])})
        data["numerics"]["broken_presets"] = broken
    return to_jsonable(data)


def build_pdf(out_dir, src_dir=None) -> Path:
    """Compile the Typst sources (copied into ``out_dir``, next to the data) into ``out_dir/izh_brian_report.pdf``.

    ``src_dir`` (a folder) replaces the sources shipped in the package (:func:`templates`).
    """
    import typst

    out = Path(out_dir)
    src = Path(src_dir) if src_dir is not None else templates()
    for f in src.iterdir():
        if f.name.endswith(".typ"):
            (out / f.name).write_text(f.read_text())
    pdf = out / REPORT_PDF
    typst.compile(str(out / REPORT_MAIN), output=str(pdf), root=str(out))
    return pdf


def build_outputs(out_dir="report/build", scheme="figure1", *, pdf=True, quick=False, lessons=True,
                  notebooks_dir=None, progress=None, parallel=True) -> dict:
    """Run everything the report shows, write the figures, the JSON, the lessons and (``pdf=True``) the PDF.

    Returns
    -------
    dict
        ``out_dir``, ``files`` (names written), ``n_presets``, ``simulate_s``
        (the 28-preset run), ``pdf`` (path or None), ``sections`` (name ->
        available), ``reasons``, ``timings`` (per section: seconds, modules
        compiled), ``lessons``, ``build_s``.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    draw: dict = {}
    figs: dict = {}

    def early(sec):  # the main process's figures, drawn while the second process finishes
        figs.update(make_figures(out, sections=sec, progress=progress, draw_timings=draw, keys=MAIN_FIGURES))

    s = compute_sections(scheme=scheme, quick=quick, progress=progress, parallel=parallel, while_waiting=early)
    ref = s["reference"]
    (out / "spike_times.json").write_text(json.dumps([r.to_dict() for r in ref["results"]], indent=1))
    s["speed"] = _section("speed", section_speed, s, out, progress=progress)
    s["identifiability"] = _section("identifiability", section_identifiability, out, progress=progress)
    rest = [k for k in FIGURE_SECTIONS if k not in MAIN_FIGURES]
    figs.update(make_figures(out, sections=s, progress=progress, draw_timings=draw, keys=rest))
    figs = {k: figs[k] for k in FIGURE_SECTIONS if k in figs}
    if lessons:
        s["lessons"] = _section("lessons", render_lessons, out, notebooks_dir, progress=progress)
    else:
        s["lessons"] = _skipped_section("lessons not rendered (--no-lessons)")
    data = _data_for_typst(s, figs)
    data["draw_s"] = draw
    (out / REPORT_DATA).write_text(json.dumps(data, indent=1))
    files = ["spike_times.json", REPORT_DATA] + [Path(p).name for paths in figs.values() for p in paths]
    files += [f"lessons/{x['html']}" for x in s["lessons"].get("lessons", [])]
    pdf_path = None
    if pdf:
        pdf_path = build_pdf(out)
        files.append(pdf_path.name)
    return {"out_dir": str(out), "files": files, "n_presets": ref["n_presets"], "simulate_s": ref["simulate_s"],
            "pdf": str(pdf_path) if pdf_path else None, "quick": bool(quick),
            "sections": {k: bool(v.get("available")) for k, v in s.items() if isinstance(v, dict) and k != "meta"},
            "reasons": {k: v.get("reason") for k, v in s.items() if isinstance(v, dict) and v.get("reason")},
            "timings": {k: {"seconds": v["seconds"], "modules_compiled": v.get("modules_compiled")}
                        for k, v in s.items() if isinstance(v, dict) and "seconds" in v},
            "lessons": [{k: x[k] for k in ("name", "ok", "error", "seconds")} for x in s["lessons"].get("lessons", [])],
            "build_s": time.perf_counter() - t0}


# ---------------------------------------------------------------------------------------------
# benchmark of the first contact: `izh-brian figures` on an empty Cython cache

#: Goals (s) of :func:`bench_figures`: a first ``izh-brian figures`` on an empty cache, a warm ``izh-brian report``.
FIGURES_GOALS = {"cold_figures_s": 120.0, "warm_report_s": 45.0}


def _cli_run(args, cache_dir, timeout):
    """Run ``izh-brian ARGS --json`` in a fresh Python whose Brian2 Cython cache is ``cache_dir``."""
    import subprocess

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
    import tempfile

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
    """The lines ``python -m izh_brian.bench figures`` prints: totals, goals, then the slowest sections."""
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
