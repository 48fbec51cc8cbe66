"""Cross-simulator validation and interoperability: NEST, NeuroML2/LEMS and jNeuroML.

- :mod:`izh_brian.interop.nest`: run presets in NEST's ``izhikevich`` model and
  compare them with izh_brian's ``nest`` / ``nest_published`` schemes.
- :mod:`izh_brian.interop.neuroml`: read NeuroML2/LEMS files of Izhikevich
  cells and run them in Brian2 as jNeuroML does; export presets.
- :mod:`izh_brian.interop.jneuroml`: run LEMS files with the jNeuroML jar that
  pyNeuroML bundles (Java).

:func:`crosscheck` puts them together: per preset and simulator, the spike
counts, the largest spike-time difference and whether the two agree step for
step. Nothing here imports NEST or starts Java until a function is called.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from izh_brian.interop.jneuroml import extract_example, jneuroml_available
from izh_brian.interop.nest import compare_with_nest, nest_available, spike_row
from izh_brian.interop.neuroml import as_2007_form, export_presets, run_file, run_lems_spikes
from izh_brian.interop.neuroml_networks import make_network_files
from izh_brian.presets import REFERENCE_PRESETS, get_preset

__all__ = ["crosscheck", "SIMULATORS", "ROW_KEYS"]

#: Simulators :func:`crosscheck` knows.
SIMULATORS = ("nest", "jneuroml")

#: Keys of every crosscheck row (``reason`` is added when a row is skipped).
ROW_KEYS = ("name", "simulator", "n_spikes_ours", "n_spikes_theirs", "max_dt_ms", "agree")


def _skipped(name, simulator, reason) -> dict:
    return {"name": name, "simulator": simulator, "n_spikes_ours": None, "n_spikes_theirs": None,
            "max_dt_ms": None, "agree": None, "reason": reason}


def crosscheck(simulators=("nest", "jneuroml"), presets=None, *, ex2: bool = True, network: bool = True) -> list[dict]:
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
    ``network/<population>``; they agree when every cell fires on jNeuroML's steps).

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
        Unknown simulator name or preset.
    """

    simulators = list(simulators)
    for s in simulators:
        if s not in SIMULATORS:
            raise ValueError(f"unknown simulator {s!r}; allowed: {', '.join(SIMULATORS)}")
    names = [get_preset(p).name for p in (presets if presets is not None else REFERENCE_PRESETS)]
    presets_ = [get_preset(n) for n in names]
    standard = [p.name for p in presets_ if p.variant == "standard" and (p.u0 is None or p.u0 == p.b * p.V0)]
    rows: list[dict] = []
    if "nest" in simulators:
        rows += _crosscheck_nest(presets_, standard)
    if "jneuroml" in simulators:
        rows += _crosscheck_jneuroml(presets_, ex2, network)
    return rows


def _export_refusal(p):
    """None if preset ``p`` can be exported to NeuroML, else the reason."""

    if p.variant == "standard" and (p.u0 is None or p.u0 == p.b * p.V0):
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


def _crosscheck_jneuroml(presets_, ex2, network=False) -> list[dict]:
    ok, why = jneuroml_available()
    if not ok:
        rows = [_skipped(p.name, "jneuroml", why) for p in presets_]
        if ex2:
            rows.append(_skipped("Ex2", "jneuroml", why))
        if network:
            rows.append(_skipped("network", "jneuroml", why))
        return rows
    found = {}
    rows = []
    refused = {p.name: _export_refusal(p) for p in presets_}
    with tempfile.TemporaryDirectory(prefix="izh_crosscheck_") as tmp:
        by_dt: dict[float, list[str]] = {}
        for p in presets_:
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
    return rows


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
    rows = []
    span = ours.duration_ms + 1000.0
    for pop, cells in ours.spike_times_ms.items():
        a = [c + i * span for i, c in enumerate(cells)]
        b = [c + i * span for i, c in enumerate(theirs[pop])]
        rows.append(spike_row(f"network/{pop}", "jneuroml", np.concatenate(a), np.concatenate(b), ours.dt_ms))
    return rows
