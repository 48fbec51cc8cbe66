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
- ``crosscheck.json`` (with ``full_crosscheck``): every row of the cross-simulator check, which later
  default builds of the same folder show again while the izh_brian version and the sources it depends on
  are unchanged; without it a default build runs a quick cross-check and names the rows it left out;
- ``lessons/*.html`` (with ``lessons=True``, ``izh-brian report --lessons``): the notebooks of
  ``notebooks/``, executed (:func:`render_lessons`), and the report's appendix listing them; left out by
  default, since executing the ten lessons costs more than the rest of a cold build (they run under
  ``make test``);
- ``izh_brian_report.pdf``: the report, compiled offline by Typst from the
  sources in the checkout's top-level ``report/`` (what a student edits to
  write their own), read as the package folder ``izh_brian/report/templates``
  with :mod:`importlib.resources`: in the checkout that folder is a link to
  ``report/``, so an edit shows in the next build; a wheel carries the files
  themselves as package data, so an installed wheel builds the report too.
- ``BUILD_INCOMPLETE.txt`` (:data:`BUILD_INCOMPLETE`), only while a build runs or after one that did not
  finish (interrupted, or failed): written first, it says when the build started and that the folder's
  files are partial; it is removed once the last file (the PDF, when asked) is written, and a build that
  finds a stale one overwrites it.

Each section comes from one small function here that calls the module that
owns it. When such a module or tool is missing or fails, the section records
why and the report says so instead of showing stale numbers; nothing is typed
in by hand. Every section also records its wall time and the number of Cython
modules it compiled, so a slow first build shows where the time went.

The network sections and the numerics study run in a second process, the
cross-simulator check in a third, while this one runs the other sections and
draws their figures: on a cold Cython cache the processes compile their code
objects in parallel. With ``lessons`` the lessons start executing (two kernels at a time) as
soon as this process has done its share, while the side processes finish.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import importlib.resources
import importlib.util
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path
import numpy as np
from izh_brian.jsonutil import to_jsonable
from izh_brian import __version__
from izh_brian import plotting as P
from izh_brian.plotting import network as PN
from izh_brian.model.equations import VARIANTS
from izh_brian.model.neurons import make_neurons
from izh_brian.report.figures import FIGURE_SECTIONS, MAIN_FIGURES, QUICK_NETWORK_MS, QUICK_NUMERICS, QUICK_SCENARIO_MS, _draw, _fig, _skipped_section
from izh_brian.report.sections import _section, _table, crosscheck_reusable, cython_cache_dir, section_agreement, section_class_map, section_crosscheck, section_fi_curves, section_identifiability, section_implementation, section_network, section_network_scenarios, section_numerics, section_parameters, section_phase_planes, section_reference_runs, section_speed, section_validation
import brian2
from brian2 import prefs
import tempfile
import concurrent.futures as cf
import multiprocessing as mp
import inspect

__all__ = [
    "build_outputs",
    "make_figures",
    "compute_sections",
    "build_pdf",
    "templates",
    "render_lessons",
    "find_notebooks",
    "REPORT_PDF",
    "REPORT_DATA",
    "BUILD_INCOMPLETE",
]


#: Name of the compiled report and of its data file inside ``out_dir``.
REPORT_PDF = "izh_brian_report.pdf"


REPORT_DATA = "report_data.json"


#: The marker of a build that has not finished, inside ``out_dir`` (:func:`_marked_partial`).
BUILD_INCOMPLETE = "BUILD_INCOMPLETE.txt"


REPORT_MAIN = "izh_brian_report.typ"


#: Package folder of the Typst sources: ``izh_brian/report/templates``, in the checkout a link to the top-level
#: ``report/`` (the one copy in git), in a wheel the files (setup.cfg's package data ``templates/*.typ``).
TEMPLATES_PACKAGE = "izh_brian.report"


TEMPLATES_FOLDER = "templates"


#: The identifiability refit of a quick build (the tests'): one preset, one small fit.
QUICK_BUILD_RECOVERY = {"names": ("tonic_spiking",), "budget": 256, "attempts": 1}


def _machine() -> dict:
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
    """The report's Typst sources (a :class:`importlib.resources` traversable folder).

    In a checkout (an editable install) ``izh_brian/report/templates`` is a link to the top-level ``report/``,
    so this reads the files a student edits; in an installed wheel it holds copies made from ``report/``.

    A checkout made without symbolic links (``core.symlinks`` false, as Git for Windows makes them) has a
    plain file where the link is; the checkout's ``report/`` is read then.

    Raises
    ------
    FileNotFoundError
        The package was installed without its ``templates`` data.
    """
    folder = importlib.resources.files(TEMPLATES_PACKAGE) / TEMPLATES_FOLDER
    if not (folder / REPORT_MAIN).is_file():
        # A checkout made without symbolic links (Git for Windows' default) holds a plain file where the
        # link is: the checkout's report/ itself is then read.
        checkout = Path(__file__).resolve().parents[2] / "report"
        if folder.is_file() and (checkout / REPORT_MAIN).is_file():
            return checkout
        raise FileNotFoundError(f"the report templates are missing: expected "
                                f"{TEMPLATES_PACKAGE.replace('.', '/')}/{TEMPLATES_FOLDER}/{REPORT_MAIN} (reinstall izh_brian "
                                f"with its package data; in a checkout that folder is a link to report/)")
    return folder


def _draw_paper(stem, paper):
    def draw(s, out, formats):
        rs = [r for r in s["reference"]["results"] if r.preset.paper == paper]
        return P.save_figure(P.plot_paper_grid(rs, ncols=4)[0].figure, out, stem, formats, dpi=200)
    return draw


def _draw_parameters(s, out, formats):
    return P.save_figure(P.plot_parameter_sweep(s["parameters"]["sweep"])[0][0].figure, out, "parameters", formats,
                         dpi=200)


def _draw_phase_planes(s, out, formats):
    fig = _fig((10, 6))
    for k, pp in enumerate(s["phase_planes"]["planes"]):
        ax = fig.add_subplot(2, 3, k + 1)
        P.plot_phase_plane(pp["v"], pp["u_v"], pp["u_u"], v_u_line=pp.get("v_u_line"), traj_v=pp["trajectory_v"],
                           traj_u=pp["trajectory_u"], fixed_points=pp["fixed_points"], c=pp["c"], ax=ax,
                           title=f"{pp['label']}, I = {pp['I']:.3g}")
    return P.save_figure(fig, out, "phase_planes", formats)


def _draw_fi_curves(s, out, formats):
    f = s["fi_curves"]["fi"]
    ax = P.plot_fi_curves(f["currents"], f["rates_hz"], f["labels"],
                          thresholds=[t["I_threshold"] if t else None for t in f["threshold"]],
                          title="f-I curves: class 1 (G) and class 2 (H), one NeuronGroup")
    return P.save_figure(ax.figure, out, "fi_curves", formats)


def _draw_validation(s, out, formats):
    val = s["validation"]
    if "matrix" in val:
        # patterns.validation_matrix: matrix[i, j] = validator names[i] accepts response names[j]
        ax = P.plot_validation_matrix(np.asarray(val["matrix"], dtype=bool), val["matrix_names"],
                                      val["matrix_names"], title="validators (rows) x responses (columns)")
    else:
        ax = P.plot_validation_matrix([r["ok"] for r in val["rows"]], [r["name"] for r in val["rows"]],
                                      title="validation")
    return P.save_figure(ax.figure, out, "validation_matrix", formats)


def _draw_numerics(s, out, formats):
    ax = P.plot_numerics_table(s["numerics"]["rows"], title="numerics: spike counts across dt and schemes")
    return P.save_figure(ax.figure, out, "numerics_table", formats)


def _draw_class_map(s, out, formats):
    maps = s["class_map"]["maps"]
    fig = _fig((10, 3.8))
    for k, d in enumerate(maps):
        ax = fig.add_subplot(1, len(maps), k + 1)
        fixed = ", ".join(f"{a} = {b:g}" for a, b in d["fixed"].items())
        P.plot_class_map(d["x_values"], d["y_values"], d["codes"], class_names=d["label_names"],
                         xlabel=d["x_name"], ylabel=d["y_name"], points=d["points"], ax=ax,
                         title=f"({d['x_name']}, {d['y_name']}) plane, {fixed}")
    return P.save_figure(fig, out, "class_map", formats)


def _draw_network(s, out, formats):
    res = s["network"]["result"]
    ne, ni = res.spec.n_exc, res.spec.n_inh
    fig = PN.network_figure(res.spike_t_ms, res.spike_i, ne, ni, res.spec.duration_ms,
                            t_ms=res.t_ms if res.v_mV is not None else None, v_mV=res.v_mV, u=res.u,
                            record_v=res.record_v, figsize=(10, 7),
                            title=f"2003 network: {ne} excitatory + {ni} inhibitory neurons")
    return P.save_figure(fig, out, "network_raster", formats, dpi=200)


def _draw_speed(s, out, formats):
    rows = [r for r in s["speed"]["build_rows"] if r["seconds"] > 0]
    ax = P.plot_speed([f"{r['section']} ({r['modules compiled']} modules)" for r in rows],
                      [r["seconds"] for r in rows],
                      title=f"this build, per section ({s['meta']['cpu']}, {s['meta']['n_cpus']} CPUs)")
    return P.save_figure(ax.figure, out, "speed", formats)


#: Each figure of the report: its key, the section it draws, what that section must hold, how it is drawn.
_FIGURES = (
    ("fig1_2004", "reference", (), _draw_paper("fig1_2004", "2004")),
    ("fig2_2003", "reference", (), _draw_paper("fig2_2003", "2003")),
    ("parameters", "parameters", (), _draw_parameters),
    ("phase_planes", "phase_planes", (), _draw_phase_planes),
    ("fi_curves", "fi_curves", (), _draw_fi_curves),
    ("validation_matrix", "validation", (), _draw_validation),
    ("numerics_table", "numerics", ("rows",), _draw_numerics),
    ("class_map", "class_map", (), _draw_class_map),
    ("network_raster", "network", ("result",), _draw_network),
    ("speed", "speed", ("build_rows",), _draw_speed),
)


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
    files: dict = {}
    dts: dict = {}
    for key, sec_key, needs, func in _FIGURES:
        sec = s.get(sec_key, {})
        if (keys is None or key in keys) and (sec_key == "reference" or sec.get("available")) \
                and all(sec.get(n) for n in needs):
            _draw(files, dts, key, sec, lambda func=func: func(s, out, formats))
    if progress is not None:
        for key, secs in dts.items():
            progress(f"  draw {key:<18s} {secs:6.1f} s")
    if draw_timings is not None:
        draw_timings.update(dts)
    return files


def _side_sections(quick: bool, figures_only: bool, part: str, progress=None, out_dir=None,
                   full_crosscheck: bool = False) -> dict:
    """The sections run outside the main process, as picklable values (the network result is arrays).

    ``part`` ``"network"``: the 2003 network, the numerics study and the
    network scenarios; ``"crosscheck"``: the cross-simulator check (NEST and
    jNeuroML, in a process of its own since it takes longest: quick, or every
    row with ``full_crosscheck``, saved in ``out_dir``).
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
        out["crosscheck"] = _section("cross-check", section_crosscheck, out_dir, full_crosscheck, progress=progress)
    else:
        raise ValueError(f"unknown part {part!r}; allowed: network, crosscheck")
    return out


def _side_worker(quick: bool, figures_only: bool, part: str, cache_dir, out_dir=None,
                 full_crosscheck: bool = False) -> dict:
    """Entry point of a side process: same Cython cache as the parent; prints go to stderr, lines come back."""
    sys.stdout.flush()
    os.dup2(2, 1)  # NEST and jNeuroML print banners: keep the parent's stdout (maybe JSON) clean
    if cache_dir:
        prefs.codegen.runtime.cython.cache_dir = str(cache_dir)
    lines: list = []
    out = _side_sections(quick, figures_only, part, progress=lines.append, out_dir=out_dir,
                         full_crosscheck=full_crosscheck)
    for sec in out.values():
        sec["process"] = part
    out["_lines"] = lines
    return out


def compute_sections(*, figures_only=False, scheme="figure1", quick=False, progress=None, parallel=True,
                     while_waiting=None, out_dir=None, full_crosscheck=False) -> dict:
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
    out_dir : path, optional
        The output folder: a full cross-check saved there (:data:`~izh_brian.report.sections.CROSSCHECK_RESULTS`)
        is shown again when current; else a quick one runs (:func:`~izh_brian.report.sections.section_crosscheck`).
    full_crosscheck : bool
        Run every row of the cross-check (the generated network and the example files too) and save them in
        ``out_dir`` for the next builds.
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
    elif not full_crosscheck and crosscheck_reusable(out_dir):  # read here: no simulator runs
        s["crosscheck"] = _section("cross-check", section_crosscheck, out_dir, progress=progress)
    else:
        parts.append("crosscheck")
    futures, pool = {}, None
    if parallel:
        try:
            import concurrent.futures as cf
            import multiprocessing as mp

            pool = cf.ProcessPoolExecutor(max_workers=len(parts), mp_context=mp.get_context("spawn"))
            futures = {part: pool.submit(_side_worker, bool(quick), bool(figures_only), part, cython_cache_dir(),
                                         None if out_dir is None else str(out_dir), bool(full_crosscheck))
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
        # Saved benchmark results in out_dir, else a quick refit of a few presets (while the side processes run).
        s["identifiability"] = _section("identifiability", section_identifiability, out_dir,
                                        QUICK_BUILD_RECOVERY if quick else None, progress=progress)
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
            side = _side_sections(quick, figures_only, part, progress=progress, out_dir=out_dir,
                                  full_crosscheck=full_crosscheck)
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
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            lessons = list(pool.map(_execute_lesson, *zip(*jobs)))
    else:
        lessons = [_execute_lesson(*j) for j in jobs]
    return {"available": True, "lessons": lessons, "n_ok": sum(x["ok"] for x in lessons), "n_total": len(lessons),
            "folder": str(folder), "seconds": time.perf_counter() - t0}


def _data_for_typst(s: dict, files: dict) -> dict:
    """The JSON the Typst source reads: plain values and preformatted table cells only."""

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
                 "lessons", "folder", "process", "n_excitatory", "summary_table", "left_out", "full_flag", "parts",
                 "ignored_note", "saved_file", "saved_version", "budget", "attempts", "presets", "n_presets_all",
                 "fit_s", "full_budget", "full_attempts", "omitted")
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

    ``src_dir`` (a folder, e.g. an edited copy of ``report/``) replaces the sources of :func:`templates`.
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


@contextlib.contextmanager
def _marked_partial(out_dir):
    """Mark ``out_dir`` as partial (:data:`BUILD_INCOMPLETE`, overwriting a stale marker) while the body runs;
    remove the marker only when the body finishes: an exception, KeyboardInterrupt included, leaves it."""
    marker = Path(out_dir) / BUILD_INCOMPLETE
    started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    marker.write_text(f"izh-brian report started {started}; this folder's files are partial until the build "
                      f"finishes (this file is removed then).\n"
                      f"If no build is running, run izh-brian report --out {out_dir} again.\n")
    yield marker
    marker.unlink(missing_ok=True)


def build_outputs(out_dir="report/build", scheme="figure1", *, pdf=True, quick=False, lessons=False,
                  notebooks_dir=None, progress=None, parallel=True, full_crosscheck=False) -> dict:
    """Run everything the report shows, write the figures, the JSON, the lessons (``lessons=True``: executed
    into ``out_dir/lessons/`` with an appendix listing them; without it the report has no lessons appendix)
    and (``pdf=True``) the PDF.

    The cross-check is the one saved in ``out_dir`` by an earlier ``full_crosscheck`` build when it is
    current, else a quick one that lists the rows it left out; ``full_crosscheck`` runs every row and saves
    them there (``crosscheck.json``) for the next builds.

    The first file written is ``out_dir/BUILD_INCOMPLETE.txt`` (:data:`BUILD_INCOMPLETE`: when the build
    started, and that the folder's files are partial); it is removed only after the last file (the PDF when
    ``pdf``) was written, so a build that is interrupted (KeyboardInterrupt) or fails leaves it beside the
    partial files, and the next build overwrites it.

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
    with _marked_partial(out):
        draw: dict = {}
        figs: dict = {}
        lesson_job: dict = {}

        def start_lessons():  # the lessons' kernels run while the side processes finish (a thread: its own pool)
            if lessons and "thread" not in lesson_job:
                def run():
                    lesson_job["section"] = _section("lessons", render_lessons, out, notebooks_dir, progress=progress)

                lesson_job["thread"] = threading.Thread(target=run, name="izh-report-lessons", daemon=True)
                lesson_job["thread"].start()

        def early(sec):  # the main process's figures, drawn while the second process finishes
            start_lessons()
            figs.update(make_figures(out, sections=sec, progress=progress, draw_timings=draw, keys=MAIN_FIGURES))

        s = compute_sections(scheme=scheme, quick=quick, progress=progress, parallel=parallel, while_waiting=early,
                             out_dir=out, full_crosscheck=full_crosscheck)
        ref = s["reference"]
        (out / "spike_times.json").write_text(json.dumps([r.to_dict() for r in ref["results"]], indent=1))
        s["speed"] = _section("speed", section_speed, s, out, progress=progress)
        rest = [k for k in FIGURE_SECTIONS if k not in MAIN_FIGURES]
        figs.update(make_figures(out, sections=s, progress=progress, draw_timings=draw, keys=rest))
        figs = {k: figs[k] for k in FIGURE_SECTIONS if k in figs}
        if lessons:
            start_lessons()
            lesson_job["thread"].join()
            s["lessons"] = lesson_job.get("section") or {"available": False, "reason": "the lessons' thread failed",
                                                          "seconds": 0.0, "modules_compiled": 0}
        else:
            s["lessons"] = dict(_skipped_section("lessons not executed (izh-brian report --lessons executes them)"),
                            omitted=True)
        data = _data_for_typst(s, figs)
        data["draw_s"] = draw
        (out / REPORT_DATA).write_text(json.dumps(data, indent=1))
        files = ["spike_times.json", REPORT_DATA] + [Path(p).name for paths in figs.values() for p in paths]
        files += [f"lessons/{x['html']}" for x in s["lessons"].get("lessons", [])]
        pdf_path = None
        if pdf:
            pdf_path = build_pdf(out)
            files.append(pdf_path.name)
        summary = {"out_dir": str(out), "files": files, "n_presets": ref["n_presets"], "simulate_s": ref["simulate_s"],
                "pdf": str(pdf_path) if pdf_path else None, "quick": bool(quick),
                "sections": {k: bool(v.get("available")) for k, v in s.items() if isinstance(v, dict) and k != "meta"},
                "reasons": {k: v.get("reason") for k, v in s.items() if isinstance(v, dict) and v.get("reason")},
                "timings": {k: {"seconds": v["seconds"], "modules_compiled": v.get("modules_compiled")}
                            for k, v in s.items() if isinstance(v, dict) and "seconds" in v},
                "lessons": [{k: x[k] for k in ("name", "ok", "error", "seconds")} for x in s["lessons"].get("lessons", [])],
                "partial": _partial_lines(s), "build_s": time.perf_counter() - t0}
    return summary


def _partial_lines(s: dict) -> list[str]:
    """What a build showed in part or reused, one line each (the quick cross-check and identifiability)."""
    lines = []
    cc = s.get("crosscheck", {})
    if cc.get("ignored_note"):
        lines.append(f"cross-check: {cc['ignored_note']}")
    if cc.get("available") and cc.get("source") == "saved":
        lines.append(f"cross-check: shown from {cc.get('saved_file')} (saved {cc.get('saved_utc')}); "
                     f"{cc.get('full_flag')} runs it again")
    if cc.get("available") and cc.get("left_out"):
        lines.append(f"cross-check: {cc.get('source')}, {cc.get('n_compared')} comparisons; left out: "
                     f"{'; '.join(cc['left_out'])} ({cc.get('full_flag')} runs them)")
    idf = s.get("identifiability", {})
    if idf.get("available") and idf.get("source") == "quick":
        lines.append(f"identifiability: quick refit of {idf['n_total']} of {idf['n_presets_all']} presets "
                     f"(budget {idf['budget']}, {idf['attempts']} attempt); `make bench` saves the full table")
    return lines
