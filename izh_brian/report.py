"""Regenerate the report from runs: figures, the data behind every number and table, and the PDF.

``build_outputs(out_dir)`` runs all 28 reference presets side by side (one
Brian2 network) and everything else the report shows, then writes, under
``out_dir``:

- ``spike_times.json``: one object per preset (the ``izh-brian run --json`` record);
- the figures as PNG and PDF (:func:`make_figures`): ``fig1_2004`` (the 5 x 4
  grid of 2004 Fig. 1), ``fig2_2003`` (the 8 classes of 2003 Fig. 2),
  ``phase_planes``, ``fi_curves``, ``validation_matrix``, ``numerics_table``,
  ``class_map``, ``network_raster``, ``speed`` (those whose module is present);
- ``report_data.json``: every number and table the report prints;
- ``izh_brian_report.pdf``: the report, compiled offline by Typst from the
  sources in the repository's ``report/`` folder (copied next to the data).

Each section of the results comes from one small function here that calls
the module that owns it (``patterns``, ``numerics``, ``network``, ``interop``,
``bench``). When such a module is missing or fails, the section records why
and the report says so instead of showing stale numbers; nothing is typed in
by hand.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import os
import platform
import shutil
import time
import traceback
from pathlib import Path

import numpy as np

from .jsonutil import to_jsonable

__all__ = [
    "build_outputs",
    "make_figures",
    "compute_sections",
    "build_pdf",
    "report_sources_dir",
    "markdown_to_typst",
    "write_architecture_doc",
    "section_reference_runs",
    "section_phase_planes",
    "section_fi_curves",
    "section_validation",
    "section_numerics",
    "section_class_map",
    "section_network",
    "section_crosscheck",
    "section_speed",
    "section_implementation",
    "section_architecture",
    "PHASE_PLANE_CASES",
    "REPORT_PDF",
    "REPORT_DATA",
]

#: Name of the compiled report and of its data file inside ``out_dir``.
REPORT_PDF = "izh_brian_report.pdf"
REPORT_DATA = "report_data.json"
REPORT_MAIN = "izh_brian_report.typ"

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


def _optional(modname):
    """Import ``izh_brian.<modname>``; return (module, None) or (None, reason)."""
    full = f"izh_brian.{modname}"
    try:
        return importlib.import_module(full), None
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == full or full.startswith(exc.name + ".") or exc.name.startswith(full)):
            return None, f"module {full} is not part of this build"
        return None, f"module {full} needs {exc.name!r}, which is not installed"
    except Exception as exc:  # pragma: no cover - a broken module
        return None, f"module {full} failed to import: {type(exc).__name__}: {exc}"


def _section(name, func, *args, **kwargs) -> dict:
    """Run one section; record its failure as the reason instead of raising."""
    t0 = time.perf_counter()
    try:
        out = func(*args, **kwargs)
    except Exception as exc:
        out = {"available": False, "reason": f"{name} failed: {type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc(limit=3)}
    out.setdefault("available", True)
    out["seconds"] = time.perf_counter() - t0
    return out


def _machine() -> dict:
    import brian2
    import matplotlib

    from . import __version__

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


def report_sources_dir() -> Path:
    """The folder holding the Typst sources (the repository's ``report/``)."""
    here = Path(__file__).resolve().parent.parent / "report"
    if (here / REPORT_MAIN).is_file():
        return here
    raise FileNotFoundError(f"report sources not found: expected {here / REPORT_MAIN} (run from a clone of the repository)")


# ---------------------------------------------------------------------------------------------
# sections: each calls the module that owns it


def section_reference_runs(scheme="figure1") -> dict:
    """All 28 reference presets in one network; returns the results and the preset/spike table."""
    from .presets import REFERENCE_PRESETS
    from .simulate import simulate_many

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


def section_phase_planes(results) -> dict:
    """Nullclines, fixed points and trajectories of :data:`PHASE_PLANE_CASES` (from :mod:`izh_brian.phaseplane`)."""
    from .phaseplane import phase_plane

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
    from .phaseplane import fi_curves, onset_rate

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
    mod, why = _optional("patterns")
    if mod is None:
        return {"available": False, "reason": why}
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
    mod, why = _optional("numerics")
    if mod is None:
        return {"available": False, "reason": why}
    timings = {}
    if names is None:
        rows = [dict(r) for r in mod.numerics_table(timings=timings)]
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
    mod, why = _optional("patterns")
    if mod is None:
        return {"available": False, "reason": why}
    if not hasattr(mod, "class_map"):
        return {"available": False, "reason": "izh_brian.patterns has no class_map()"}
    from .presets import get_preset

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
                  "rate_exc_hz", "rate_inh_hz", "alpha_fraction", "gamma_fraction", "synchrony", "run_s")


def section_network(duration_ms=None) -> dict:
    """The 2003 network of 1000 neurons (:func:`izh_brian.network.simulate_network`, the paper scenario)."""
    mod, why = _optional("network")
    if mod is None:
        return {"available": False, "reason": why}
    if not hasattr(mod, "simulate_network"):
        return {"available": False, "reason": "izh_brian.network has no simulate_network()"}
    kwargs = {"progress": False}
    if duration_ms is not None:
        kwargs["duration_ms"] = float(duration_ms)
    res = mod.simulate_network("paper", **kwargs)
    summ = res.summary()
    row = {k: summ[k] for k in NETWORK_FIELDS if k in summ}
    return {"spike_times_ms": np.asarray(res.spike_t_ms), "spike_indices": np.asarray(res.spike_i),
            "n_excitatory": int(res.spec.n_exc), "summary": to_jsonable(summ), "result": res,
            "table": {"columns": ["quantity", "value"], "cells": [[k, _fmt(v)] for k, v in row.items()]}}


def section_crosscheck() -> dict:
    """Our spike times against other simulators (:func:`izh_brian.interop.crosscheck`)."""
    mod, why = _optional("interop")
    if mod is None:
        return {"available": False, "reason": why}
    if not hasattr(mod, "crosscheck"):
        return {"available": False, "reason": "izh_brian.interop has no crosscheck()"}
    rows = [dict(r) for r in mod.crosscheck()]
    cols = ["name", "simulator", "n_spikes_ours", "n_spikes_theirs", "max_dt_ms", "agree", "reason"]
    compared = [r for r in rows if r.get("agree") is not None]
    return {"rows": to_jsonable(rows), "table": _table(rows, cols), "n_compared": len(compared),
            "n_agree": sum(bool(r["agree"]) for r in compared), "n_skipped": len(rows) - len(compared)}


def section_speed(sections: dict, quick: bool = False) -> dict:
    """Speed figures measured on this machine while the report is built.

    The preset benchmark of :func:`izh_brian.bench.bench_presets` (all
    reference presets in one network against one run per preset, warm cache)
    when that module is present and the build is not quick; otherwise one
    preset alone against all presets in one network. Then the wall times this
    build measured anyway: the f-I group, each configuration of the numerics
    study and the 2003 network's run.
    """
    from .presets import REFERENCE_PRESETS

    n = len(REFERENCE_PRESETS)
    rows, extra = [], {}
    mod, why = _optional("bench")
    if mod is not None and hasattr(mod, "bench_presets") and not quick:
        b = mod.bench_presets(repeats=1, loop_repeats=1, profile=False)
        rows += [{"label": f"{b['n_presets']} presets, one network, one run (simulate_many)", "seconds": b["many_s"]},
                 {"label": f"{b['n_presets']} presets, one run each (simulate in a loop)", "seconds": b["loop_s"]}]
        extra = {"ratio_loop_over_many": b["ratio"], "source": "izh_brian.bench.bench_presets"}
    else:
        from .simulate import simulate, simulate_many

        simulate("tonic_spiking")  # the code is loaded: time the run, not the compilation
        t0 = time.perf_counter()
        simulate("tonic_spiking")
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        simulate_many(list(REFERENCE_PRESETS))
        many = time.perf_counter() - t0
        rows += [{"label": "1 preset (tonic spiking), one network", "seconds": one},
                 {"label": f"{n} reference presets, one network", "seconds": many}]
        extra = {"ratio_many_over_one": many / one if one > 0 else None, "source": "izh_brian.report",
                 "note": why if mod is None else ("quick build" if quick else "izh_brian.bench has no bench_presets()")}
    fi = sections.get("fi_curves", {})
    if fi.get("available"):
        rows.append({"label": f"f-I curves: {fi['n_neurons']} neurons x {fi['duration_ms']:g} ms, one group",
                     "seconds": fi["simulate_s"]})
    num = sections.get("numerics", {})
    if num.get("available"):
        n_num = len(num["rows"])
        for key, secs in num.get("timings", {}).items():
            rows.append({"label": f"numerics: {n_num} presets under {key}", "seconds": secs})
    net = sections.get("network", {})
    if net.get("available") and "run_s" in net["summary"]:
        sm = net["summary"]
        rows.append({"label": f"2003 network: {sm['n_exc'] + sm['n_inh']} neurons x {sm['duration_ms']:g} ms",
                     "seconds": sm["run_s"]})
    return {"rows": rows, "table": _table(rows, ["label", "seconds"]), **extra}


def section_implementation() -> dict:
    """The model equations as Brian2 receives them and the abstract update code of the custom schemes.

    Read from :data:`izh_brian.model.EQUATIONS` and
    :func:`izh_brian.model.scheme_stateupdater` at build time, so the report
    shows the code that ran.
    """
    from brian2 import Equations

    from .model import CUSTOM_SCHEMES, EQUATIONS, scheme_stateupdater

    eqs = Equations(EQUATIONS)
    code = {}
    for scheme in CUSTOM_SCHEMES:
        try:
            code[scheme] = str(scheme_stateupdater(scheme)(eqs)).strip()
        except Exception as exc:  # a scheme that needs more than the equations to print its code
            code[scheme] = f"(not printable without a group: {type(exc).__name__})"
    return {"equations": EQUATIONS.strip(), "abstract_code": [{"scheme": k, "code": v} for k, v in code.items()]}


def markdown_to_typst(text: str) -> str:
    """Convert the plain Markdown of ``docs/*.md`` (headings, paragraphs, lists, code, bold) to Typst markup.

    Typst's markup characters in the prose are escaped; code spans and fenced
    blocks pass through as raw text. Level-1 headings are dropped (the report
    gives the section its own title), deeper ones become level-3 headings.
    """
    import re

    def esc(t):
        return re.sub(r"([\\#$*_@<>\[\]~/`=+])", r"\\\1", t)

    def inline(t):
        parts = re.split(r"(`[^`]*`)", t)
        out = []
        for part in parts:
            if part.startswith("`") and part.endswith("`") and len(part) >= 2:
                out.append(part)
                continue
            bold = part.split("**")
            out.append("".join(f"*{esc(b)}*" if k % 2 else esc(b) for k, b in enumerate(bold)))
        return "".join(out)

    lines, out, in_code = text.splitlines(), [], False
    for line in lines:
        if line.strip().startswith("```"):
            in_code = not in_code
            out.append("```" if in_code else "```")
            continue
        if in_code:
            out.append(line)
            continue
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m:
            if len(m.group(1)) > 1:
                out.append("=== " + inline(m.group(2)))
            continue
        m = re.match(r"^(\s*)[-*]\s+(.*)$", line)
        if m:
            out.append(m.group(1) + "- " + inline(m.group(2)))
            continue
        m = re.match(r"^(\s*)\d+\.\s+(.*)$", line)
        if m:
            out.append(m.group(1) + "+ " + inline(m.group(2)))
            continue
        out.append(inline(line))
    if in_code:
        out.append("```")
    return "\n".join(out) + "\n"


def write_architecture_doc(out_dir) -> dict:
    """Write ``architecture_doc.typ`` (``docs/ARCHITECTURE.md`` converted) into ``out_dir`` for the design section."""
    src = Path(__file__).resolve().parent.parent / "docs" / "ARCHITECTURE.md"
    if src.is_file():
        body = markdown_to_typst(src.read_text())
        found = True
    else:
        body = "_docs/ARCHITECTURE.md was not found in this build._\n"
        found = False
    (Path(out_dir) / "architecture_doc.typ").write_text(
        "// Generated from docs/ARCHITECTURE.md by izh_brian.report; do not edit.\n"
        "#set text(size: 8.5pt)\n#show raw.where(block: true): set text(size: 6.5pt)\n" + body)
    return {"found": found, "source": str(src)}


def section_architecture() -> dict:
    """The package's modules with the first line of their docstrings (read at build time)."""
    import pkgutil

    import izh_brian

    rows = []
    for info in sorted(pkgutil.iter_modules(izh_brian.__path__), key=lambda m: m.name):
        path = Path(izh_brian.__path__[0]) / (info.name + ("" if info.ispkg else ".py"))
        doc = ""
        try:
            src = (path / "__init__.py" if info.ispkg else path).read_text()
            import ast

            doc = (ast.get_docstring(ast.parse(src)) or "").strip().splitlines()
            doc = doc[0] if doc else ""
        except (OSError, SyntaxError):
            pass
        rows.append({"module": f"izh_brian.{info.name}", "purpose": doc.replace("``", "")})
    return {"rows": rows, "table": _table(rows, ["module", "purpose"])}


# ---------------------------------------------------------------------------------------------
# figures


def _fig(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def make_figures(out_dir="report/build", *, sections=None, formats=("png", "pdf"), quick=False) -> dict:
    """Write every figure of the report as PNG and PDF under ``out_dir``; return ``{key: [paths]}``.

    ``sections`` are the outputs of the section functions (computed here when
    not given). Figures whose section is unavailable are skipped.
    """
    from . import plotting as P

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    s = sections if sections is not None else compute_sections(figures_only=True, quick=quick)
    ref = s["reference"]["results"]
    files = {}

    for paper, stem, ncols in (("2004", "fig1_2004", 4), ("2003", "fig2_2003", 4)):
        rs = [r for r in ref if r.preset.paper == paper]
        axes = P.plot_paper_grid(rs, ncols=ncols)
        files[stem] = P.save_figure(axes[0].figure, out, stem, formats, dpi=200)

    planes = s["phase_planes"]["planes"]
    fig = _fig((10, 6))
    for k, pp in enumerate(planes):
        ax = fig.add_subplot(2, 3, k + 1)
        P.plot_phase_plane(pp["v"], pp["u_v"], pp["u_u"], v_u_line=pp.get("v_u_line"), traj_v=pp["trajectory_v"],
                           traj_u=pp["trajectory_u"], fixed_points=pp["fixed_points"], c=pp["c"], ax=ax,
                           title=f"{pp['label']}, I = {pp['I']:.3g}")
    files["phase_planes"] = P.save_figure(fig, out, "phase_planes", formats)

    fi = s["fi_curves"]["fi"]
    ax = P.plot_fi_curves(fi["currents"], fi["rates_hz"], fi["labels"],
                          thresholds=[t["I_threshold"] if t else None for t in fi["threshold"]],
                          title="f-I curves: class 1 (G) vs class 2 (H), one NeuronGroup")
    files["fi_curves"] = P.save_figure(ax.figure, out, "fi_curves", formats)

    val = s.get("validation", {})
    try:
        if val.get("available"):
            if "matrix" in val:
                # patterns.validation_matrix: matrix[i, j] = validator names[i] accepts response names[j]
                ax = P.plot_validation_matrix(np.asarray(val["matrix"], dtype=bool), val["matrix_names"],
                                              val["matrix_names"], title="validators (rows) x responses (columns)")
            else:
                ax = P.plot_validation_matrix([r["ok"] for r in val["rows"]], [r["name"] for r in val["rows"]],
                                              title="validation")
            files["validation_matrix"] = P.save_figure(ax.figure, out, "validation_matrix", formats)
    except Exception as exc:  # a figure that fails must not take the report down: record why
        val.update(available=False, reason=f"validation figure failed: {type(exc).__name__}: {exc}")

    num = s.get("numerics", {})
    try:
        if num.get("available") and num.get("rows"):
            ax = P.plot_numerics_table(num["rows"], title="numerics: spike counts across dt and schemes")
            files["numerics_table"] = P.save_figure(ax.figure, out, "numerics_table", formats)
    except Exception as exc:  # a figure that fails must not take the report down: record why
        num.update(available=False, reason=f"numerics figure failed: {type(exc).__name__}: {exc}")

    cm = s.get("class_map", {})
    try:
        if cm.get("available"):
            fig = _fig((10, 3.8))
            for k, d in enumerate(cm["maps"]):
                ax = fig.add_subplot(1, len(cm["maps"]), k + 1)
                fixed = ", ".join(f"{a} = {b:g}" for a, b in d["fixed"].items())
                P.plot_class_map(d["x_values"], d["y_values"], d["codes"], class_names=d["label_names"],
                                 xlabel=d["x_name"], ylabel=d["y_name"], points=d["points"], ax=ax,
                                 title=f"({d['x_name']}, {d['y_name']}) plane, {fixed}")
            files["class_map"] = P.save_figure(fig, out, "class_map", formats)
    except Exception as exc:  # a figure that fails must not take the report down: record why
        cm.update(available=False, reason=f"class_map figure failed: {type(exc).__name__}: {exc}")

    net = s.get("network", {})
    try:
        if net.get("available"):
            ne = net["n_excitatory"]
            n = ne + int(net["summary"].get("n_inh", 0))
            pn, _ = _optional("plotting_network")
            res = net.get("result")
            if pn is not None and hasattr(pn, "network_figure") and res is not None:
                # the network's own four-panel figure (raster, rate, example neurons, spectrum)
                fig = pn.network_figure(res.spike_t_ms, res.spike_i, res.spec.n_exc, res.spec.n_inh,
                                        res.spec.duration_ms, t_ms=res.t_ms if res.v_mV is not None else None,
                                        v_mV=res.v_mV, u=res.u, record_v=res.record_v, figsize=(10, 7),
                                        title=f"2003 network: {ne} excitatory + {n - ne} inhibitory neurons")
            else:
                fig = P.plot_raster(net["spike_times_ms"], net["spike_indices"], n_excitatory=ne,
                                    title=f"2003 network: {ne} excitatory + {n - ne} inhibitory neurons").figure
            files["network_raster"] = P.save_figure(fig, out, "network_raster", formats, dpi=200)
    except Exception as exc:  # a figure that fails must not take the report down: record why
        net.update(available=False, reason=f"network figure failed: {type(exc).__name__}: {exc}")

    sp = s.get("speed", {})
    try:
        if sp.get("available") and sp.get("rows"):
            rows = sp["rows"]
            lab_key = next((k for k in ("label", "name", "case") if k in rows[0]), None)
            sec_key = next((k for k in ("seconds", "wall_s", "time_s") if k in rows[0]), None)
            if lab_key and sec_key:
                ax = P.plot_speed([r[lab_key] for r in rows], [r[sec_key] for r in rows],
                                  title=f"wall time on the build machine ({s['meta']['cpu']})")
                files["speed"] = P.save_figure(ax.figure, out, "speed", formats)
    except Exception as exc:  # a figure that fails must not take the report down: record why
        sp.update(available=False, reason=f"speed figure failed: {type(exc).__name__}: {exc}")

    return files


#: Presets of the numerics study in a quick build.
QUICK_NUMERICS = ("tonic_spiking", "phasic_bursting", "class_2_excitable", "inhibition_induced_bursting")


def _skipped_section(why):
    return {"available": False, "reason": why}


def compute_sections(*, figures_only=False, scheme="figure1", quick=False) -> dict:
    """Run every section.

    ``figures_only`` skips the ones that only feed tables (architecture).
    ``quick`` (for tests): the numerics study on :data:`QUICK_NUMERICS` only,
    the network for 300 ms, no cross-simulator check (it starts NEST and Java).
    """
    s = {"meta": _machine(), "quick": bool(quick)}
    t_start = time.perf_counter()
    s["reference"] = _section("reference runs", section_reference_runs, scheme)
    if not s["reference"]["available"]:
        raise RuntimeError(s["reference"]["reason"])
    results = s["reference"]["results"]
    s["phase_planes"] = _section("phase planes", section_phase_planes, results)
    s["fi_curves"] = _section("f-I curves", section_fi_curves)
    s["validation"] = _section("validation", section_validation, results)
    s["numerics"] = _section("numerics", section_numerics, list(QUICK_NUMERICS) if quick else None)
    s["class_map"] = _section("class map", section_class_map, 0.5 if quick else 1.0)
    s["network"] = _section("network", section_network, 300.0 if quick else None)
    if quick:
        s["crosscheck"] = _skipped_section("skipped in a quick build (it runs NEST and jNeuroML)")
    else:
        s["crosscheck"] = _section("cross-check", section_crosscheck)
    s["speed"] = _section("speed", section_speed, s, quick)
    if not figures_only:
        s["architecture"] = _section("architecture", section_architecture)
        s["implementation"] = _section("implementation", section_implementation)
    s["meta"]["sections_s"] = time.perf_counter() - t_start
    return s


def _data_for_typst(s: dict, files: dict) -> dict:
    """The JSON the Typst source reads: plain values and preformatted table cells only."""
    import inspect

    from .model import SCHEMES, VARIANTS, make_neurons

    ref = s["reference"]
    data = {
        "meta": s["meta"],
        "schemes": list(SCHEMES),
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
    pp = s["phase_planes"]
    data["phase_planes"] = {"available": pp["available"], "table": pp.get("table"), "reason": pp.get("reason")}
    fi = s["fi_curves"]
    data["fi_curves"] = {k: fi.get(k) for k in ("available", "table", "reason", "simulate_s", "n_neurons",
                                                "duration_ms", "transient_ms")}
    for key in ("validation", "numerics", "crosscheck", "speed", "architecture", "class_map", "network"):
        sec = s.get(key, {})
        keep = {"available": bool(sec.get("available")), "reason": sec.get("reason")}
        for k in ("table", "n_ok", "n_total", "source", "ratio_many_over_one", "ratio_loop_over_many", "note",
                  "seconds", "breaks", "doc",
                  "n_breaks", "timings", "summary", "n_agree", "n_compared", "n_skipped"):
            if k in sec:
                keep[k] = sec[k]
        data[key] = keep
    impl = s.get("implementation", {})
    data["implementation"] = {k: impl.get(k) for k in ("available", "reason", "equations", "abstract_code")}
    data["quick"] = bool(s.get("quick"))
    return to_jsonable(data)


def build_pdf(out_dir, src_dir=None) -> Path:
    """Compile the Typst sources (copied into ``out_dir``, next to the data) into ``out_dir/izh_brian_report.pdf``."""
    import typst

    out = Path(out_dir)
    src = Path(src_dir) if src_dir is not None else report_sources_dir()
    for f in src.glob("*.typ"):
        if (out / f.name).resolve() != f.resolve():
            shutil.copyfile(f, out / f.name)
    pdf = out / REPORT_PDF
    typst.compile(str(out / REPORT_MAIN), output=str(pdf), root=str(out))
    return pdf


def build_outputs(out_dir="report/build", scheme="figure1", *, pdf=True, quick=False) -> dict:
    """Run everything the report shows, write the figures, the JSON and (``pdf=True``) the PDF.

    Returns
    -------
    dict
        ``out_dir``, ``files`` (names written), ``n_presets``, ``simulate_s``
        (the 28-preset run), ``pdf`` (path or None), ``sections`` (name ->
        available), ``build_s``.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    s = compute_sections(scheme=scheme, quick=quick)
    ref = s["reference"]
    (out / "spike_times.json").write_text(json.dumps([r.to_dict() for r in ref["results"]], indent=1))
    figs = make_figures(out, sections=s)
    s["architecture"]["doc"] = write_architecture_doc(out)
    data = _data_for_typst(s, figs)
    (out / REPORT_DATA).write_text(json.dumps(data, indent=1))
    files = ["spike_times.json", REPORT_DATA] + [Path(p).name for paths in figs.values() for p in paths]
    pdf_path = None
    if pdf:
        pdf_path = build_pdf(out)
        files.append(pdf_path.name)
    return {"out_dir": str(out), "files": files, "n_presets": ref["n_presets"], "simulate_s": ref["simulate_s"],
            "pdf": str(pdf_path) if pdf_path else None,
            "quick": bool(quick),
            "sections": {k: bool(v.get("available")) for k, v in s.items() if isinstance(v, dict) and k != "meta"},
            "reasons": {k: v.get("reason") for k, v in s.items() if isinstance(v, dict) and v.get("reason")},
            "build_s": time.perf_counter() - t0}
