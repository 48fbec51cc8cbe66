"""``izh-brian crosscheck``: izh_brian against NEST and jNeuroML, preset by preset and population by population.

Per preset and simulator, the spike counts, the largest spike-time difference and whether the two agree step
for step (:func:`crosscheck`); for jNeuroML also its Ex2 example, a generated network and the example models
shipped with izh_brian (:func:`population_row`). Nothing here imports NEST or starts Java until a function is
called.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np

from izh_brian.interop.export import as_2007_form, export_presets
from izh_brian.interop.jneuroml import extract_example, jneuroml_available, run_lems_spikes
from izh_brian.interop.nest import compare_with_nest, nest_available, spike_row
from izh_brian.interop.neuroml_examples import EXAMPLES, examples_dir, get_example
from izh_brian.interop.neuroml_networks import make_network_files
from izh_brian.lems import run_file
from izh_brian.presets import REFERENCE_PRESETS, get_preset

__all__ = ["crosscheck", "population_row", "SIMULATORS", "ROW_KEYS"]

#: Simulators :func:`crosscheck` knows.
SIMULATORS = ("nest", "jneuroml")

#: Keys of every crosscheck row (``reason`` is added when a row is skipped).
ROW_KEYS = ("name", "simulator", "n_spikes_ours", "n_spikes_theirs", "max_dt_ms", "agree")


def _skipped(name, simulator, reason) -> dict:
    return {"name": name, "simulator": simulator, "n_spikes_ours": None, "n_spikes_theirs": None,
            "max_dt_ms": None, "agree": None, "reason": reason}


def crosscheck(simulators=("nest", "jneuroml"), presets=None, *, ex2: bool = True, network: bool = True,
               files=True) -> list[dict]:
    """Compare izh_brian with NEST and jNeuroML, preset by preset.

    ``nest``: every preset of the standard form runs in NEST 3 (``izhikevich``,
    ``consistent_integration`` true and false) and in izh_brian's ``nest`` and
    ``nest_published`` schemes; the rows' ``simulator`` is the scheme.
    ``jneuroml``: the presets are exported to NeuroML2 + LEMS (one file per
    dt; class-1 presets as ``izhikevich2007Cell``, accommodation has no NeuroML
    form), run by jNeuroML and by izh_brian's NeuroML runner; with ``ex2`` the
    four cells of jNeuroML's own ``LEMS_NML2_Ex2_Izh.xml`` are compared too
    (rows named ``Ex2/<population>``); with ``network`` a 50-cell izhikevich2007Cell network (150 ms) written with
    libNeuroML (expOneSynapse projections with 1 ms delays, weighted pulse inputs; see
    :mod:`izh_brian.interop.neuroml_networks`) is compared population by population (rows named
    ``network/<population>``; they agree when every cell fires on jNeuroML's steps); with ``files`` the example
    models shipped with izh_brian (:mod:`izh_brian.interop.neuroml_examples`: the NeuroML shapes the runner reads,
    and OpenSourceBrain's IzhikevichModel files) are compared population by population in the same way (rows
    named ``<example>/<population>``; jNeuroML runs a temporary copy of the examples folder).

    Agreement means the same number of spikes on the same steps of the grid.

    Parameters
    ----------
    simulators : iterable of str
        Any of ``'nest'``, ``'jneuroml'``.
    presets : iterable of str, optional
        Default: the 28 reference presets.
    ex2 : bool
        Include jNeuroML's Ex2 example.
    network : bool
        Include the generated network (rows ``network/<population>``).
    files : bool or iterable of str
        Include the example files: ``True`` all of them, ``False`` none, or the names of the examples to
        include (keys of :data:`izh_brian.interop.neuroml_examples.EXAMPLES`).

    Returns
    -------
    list of dict
        Rows with keys ``name``, ``simulator``, ``n_spikes_ours``,
        ``n_spikes_theirs``, ``max_dt_ms`` (largest spike-time difference in
        ms; ``None`` when the counts differ), ``agree`` (bool), and ``reason``
        when the comparison was skipped (tool missing, or a preset the other
        simulator's model cannot express); skipped rows hold ``None`` values.

    Raises
    ------
    ValueError
        Unknown simulator name, preset or example.
    """

    simulators = list(simulators)
    for s in simulators:
        if s not in SIMULATORS:
            raise ValueError(f"unknown simulator {s!r}; allowed: {', '.join(SIMULATORS)}")
    names = [get_preset(p).name for p in (presets if presets is not None else REFERENCE_PRESETS)]
    examples = _example_names(files)
    presets_ = [get_preset(n) for n in names]
    standard = [p.name for p in presets_ if _izhikevich_cell_form(p)]
    rows: list[dict] = []
    if "nest" in simulators:
        rows += _crosscheck_nest(presets_, standard)
    if "jneuroml" in simulators:
        rows += _crosscheck_jneuroml(presets_, ex2, network, examples)
    return rows


def _example_names(files) -> list[str]:
    """The examples ``files`` selects (``True``: all, ``False``/``None``: none, else names), checked."""

    if files is True:
        return list(EXAMPLES)
    if files is False or files is None:
        return []
    if isinstance(files, str):
        files = [files]
    return [get_example(name).name for name in files]


def _izhikevich_cell_form(p) -> bool:
    """Whether preset ``p`` goes out as an ``izhikevichCell`` (else as an ``izhikevich2007Cell``)."""
    return p.variant == "standard" and (p.u0 is None or p.u0 == p.b * p.V0)


def _export_refusal(p):
    """None if preset ``p`` can be exported to NeuroML, else the reason."""

    if _izhikevich_cell_form(p):
        return None
    try:
        as_2007_form(p)
    except ValueError as exc:
        return str(exc)
    return None


def _crosscheck_nest(presets_, standard) -> list[dict]:
    schemes = ("nest", "nest_published")
    ok, why = nest_available()
    rows = []
    if not ok:
        return [_skipped(p.name, s, why) for s in schemes for p in presets_]
    found = {(r["name"], r["simulator"]): r for r in compare_with_nest(standard, schemes=schemes)} if standard else {}
    for s in schemes:
        for p in presets_:
            rows.append(found.get((p.name, s)) or _skipped(
                p.name, s, f"the {p.variant!r} variant is not expressible in NEST's izhikevich model"))
    return rows


def _crosscheck_jneuroml(presets_, ex2, network=False, examples=()) -> list[dict]:
    ok, why = jneuroml_available()
    if not ok:
        rows = [_skipped(p.name, "jneuroml", why) for p in presets_]
        if ex2:
            rows.append(_skipped("Ex2", "jneuroml", why))
        if network:
            rows.append(_skipped("network", "jneuroml", why))
        rows += [_skipped(name, "jneuroml", why) for name in examples]
        return rows
    found = {}
    rows = []
    refused = {p.name: _export_refusal(p) for p in presets_}
    with tempfile.TemporaryDirectory(prefix="izh_crosscheck_") as tmp:
        by_dt: dict[float, list[str]] = {}
        # izhikevichCell populations first, then the izhikevich2007Cell ones: the runner puts consecutive
        # populations of one ComponentType in one NeuronGroup, so each file holds two groups, not one per change
        # of type, and every file's groups compile to the same code (unconnected cells: jLEMS's order of the
        # populations does not change their spikes).
        for p in sorted(presets_, key=lambda q: not _izhikevich_cell_form(q)):
            if refused[p.name] is None:
                by_dt.setdefault(p.dt, []).append(p.name)
        for k, (dt, names) in enumerate(sorted(by_dt.items())):
            lems, _nml = export_presets(names, os.path.join(tmp, f"LEMS_izh_dt{k}.xml"), include_events=False)
            ours = run_file(lems)
            theirs = run_lems_spikes(lems)
            for name in names:
                pop = f"pop_{name}"
                p = next(q for q in presets_ if q.name == name)
                a = ours.spike_times_ms[pop][0]
                b = theirs[pop][0]
                # Each preset keeps the spikes of its own span 0..T.
                found[name] = spike_row(name, "jneuroml", a[a <= p.duration + 1e-9], b[b <= p.duration + 1e-9], dt)
        for p in presets_:
            rows.append(found.get(p.name) or _skipped(p.name, "jneuroml", refused[p.name]))
        if ex2:
            path = extract_example(dest=tmp)
            ours = run_file(path)
            theirs = run_lems_spikes(path)
            for pop, cells in ours.spike_times_ms.items():
                rows.append(spike_row(f"Ex2/{pop}", "jneuroml", cells[0], theirs[pop][0], ours.dt_ms))
        if network:
            rows += _network_rows(tmp)
        if examples:
            rows += _file_rows(tmp, examples)
    return rows


def population_row(name, ours_cells, theirs_cells, dt_ms, span_ms, cells=None) -> dict:
    """One crosscheck row for a population: every cell's spike times (ms), cell ``i`` shifted by ``i * span_ms``
    and all concatenated, so that the row agrees only if every cell fires on the other simulator's steps
    (a spike moved from one cell to another, or to another step, makes it disagree).

    ``ours_cells`` and ``theirs_cells`` hold one spike-time array per cell; ``span_ms`` must exceed the run's
    length; ``cells`` (optional) the indices of the cells to compare, default all. Returns a
    :func:`izh_brian.interop.nest.spike_row` record.
    """

    if len(ours_cells) != len(theirs_cells):
        raise ValueError(f"{name}: {len(ours_cells)} cells against {len(theirs_cells)}")
    idx = range(len(ours_cells)) if cells is None else cells
    a = [np.asarray(ours_cells[i], dtype=float) + i * span_ms for i in idx]
    b = [np.asarray(theirs_cells[i], dtype=float) + i * span_ms for i in idx]
    return spike_row(name, "jneuroml", np.concatenate(a) if a else np.zeros(0),
                     np.concatenate(b) if b else np.zeros(0), dt_ms)


def _network_rows(tmp) -> list[dict]:
    """One row per population of a small generated network: all cells' spikes, each cell shifted by its
    index times the run's length so that the row agrees only if every cell fires on jNeuroML's steps."""

    folder = os.path.join(tmp, "network")
    os.makedirs(folder, exist_ok=True)
    # 300 ms of a busy network (15 synapses per cell, sustained firing): one synapse state per connection,
    # summed in jLEMS's attachment order, keeps it on jNeuroML's steps (docs/neuroml.md).
    lems, _nml = make_network_files(folder, n_exc=40, n_inh=10, duration_ms=300.0, dt_ms=0.025, k_exc=10, k_inh=5)
    ours = run_file(lems)
    theirs = run_lems_spikes(lems)
    span = ours.duration_ms + 1000.0
    return [population_row(f"network/{pop}", cells, theirs[pop], ours.dt_ms, span)
            for pop, cells in ours.spike_times_ms.items()]


def _file_rows(tmp, examples) -> list[dict]:
    """One row per population of each example file (:func:`population_row`), izh_brian's NeuroML runner
    against jNeuroML, both on a copy of the examples folder in ``tmp`` (jnml writes its outputs beside the
    LEMS file; nothing is written into the installed package)."""

    folder = os.path.join(tmp, "examples")
    shutil.copytree(examples_dir(), folder, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    rows = []
    for name in examples:
        ex = get_example(name)
        lems = os.path.join(folder, *ex.file.split("/"))
        ours = run_file(lems)
        theirs = run_lems_spikes(lems)
        span = ours.duration_ms + 1000.0
        for pop, cells in ours.spike_times_ms.items():
            rows.append(population_row(f"{name}/{pop}", cells, theirs[pop], ours.dt_ms, span, ex.cells.get(pop)))
    return rows
