"""Presets written as NeuroML2 + LEMS that jNeuroML runs: :func:`export_presets` and :func:`as_2007_form`.

Presets of the standard form become ``izhikevichCell`` s with dimensionless generators, class-1 presets
(4.1 v + 108) the equal ``izhikevich2007Cell`` (C = 1 pF) with generators in pA; the accommodation preset has no
NeuroML core form. Each keeps its grid: pulse edges sit half a step between grid points. The document is
written with libNeuroML, the LEMS file with pyNeuroML's ``LEMSSimulation``. See docs/neuroml.md, "Export".
"""

from __future__ import annotations

import contextlib
import io
import math
import os

import numpy as np

from izh_brian.model.equations import VARIANTS
from izh_brian.presets import get_preset
from izh_brian.stimuli import n_steps, time_grid_ms

__all__ = ["export_presets", "as_2007_form"]


def _fmt(x: float) -> str:
    x = float(x)
    return repr(0.0 if x == 0 else x)


def _grid_inputs(p, n: int):
    """NeuroML generators reproducing the preset's sampled protocol on its grid ``t_j = j dt``.

    Windows are the runs of grid samples inside each piece; their edges sit
    half a step between grid points.
    """

    dt = p.dt
    t = time_grid_ms(dt, p.duration)
    gens = []
    base = p.stimulus.baseline
    end = (n + 1) * dt  # beyond the last sample the file's Simulation asks for
    if base != 0:
        gens.append(("pulseGeneratorDL", {"delay": 0.0, "duration": end + dt, "amplitude": base}))
    for piece in p.stimulus.pieces:
        on = np.flatnonzero(piece.mask(t))
        if on.size == 0:
            continue
        if np.any(np.diff(on) != 1):
            raise ValueError(f"preset {p.name!r}: a window of its protocol is not contiguous on the grid")
        j0, j1 = int(on[0]), int(on[-1]) + 1
        delay = (j0 - 0.5) * dt
        stop = (j1 - 0.5) * dt if j1 < len(t) else end
        duration = stop - delay
        if piece.gain == 0:
            gens.append(("pulseGeneratorDL", {"delay": delay, "duration": duration, "amplitude": piece.value - base}))
        else:
            gens.append(("rampGeneratorDL", {
                "delay": delay, "duration": duration,
                "startAmplitude": float(piece.values(np.array([delay]))[0]) - base,
                "finishAmplitude": float(piece.values(np.array([stop]))[0]) - base,
                "baselineAmplitude": 0.0,
            }))
    return gens


def as_2007_form(p) -> dict:
    r"""The ``izhikevich2007Cell`` that is exactly preset ``p`` (book units: pF, nS/mV, mV, 1/ms, nS, pA).

    With :math:`C` = 1 pF a current of 1 pA moves v by 1 mV/ms, so the
    paper's implicit units carry over. The 2003 form
    :math:`v' = k_2 v^2 + k_1 v + k_0 - u + I,\ u' = a (b v - u)` equals the
    2007 form :math:`C v' = k (v - v_r)(v - v_t) - u_7 + I,    u_7' = a (b (v - v_r) - u_7)` with :math:`k = k_2`,
    :math:`u_7 = u - b v_r`, and :math:`v_r, v_t` the roots of

    .. math::

        k_2 v_r^2 + (k_1 - b) v_r + k_0 = 0, \qquad v_t = -k_1/k_2 - v_r.

    NeuroML's cell starts at :math:`u_7 = 0`, so the root must be
    :math:`v_r = V_0` when :math:`u_0 = b V_0`: this holds for the class-1
    presets (V0 = -60 mV, :math:`v_r` = -60, :math:`v_t` = -42.5 mV).

    Raises
    ------
    ValueError
        The variant has no ``-u`` in u' (accommodation), the roots are not
        real, or no root makes the initial state expressible.
    """

    k2, k1, k0, v_u, g_u = VARIANTS[p.variant]
    if g_u != 1.0 or v_u != 0.0:
        raise ValueError(f"preset {p.name!r} uses the {p.variant!r} equation variant (u' = a b (v + 65), no -u "
                         "term), which neither izhikevichCell nor izhikevich2007Cell can express")
    disc = (k1 - p.b) ** 2 - 4 * k2 * k0
    if disc < 0:
        raise ValueError(f"preset {p.name!r}: its equations have no real rest/threshold pair (vr, vt)")
    u0 = p.initial_u
    for root in sorted(((-(k1 - p.b) + sgn * math.sqrt(disc)) / (2 * k2) for sgn in (1, -1)),
                       key=lambda r: abs(u0 - p.b * r)):
        vr = round(root, 9)
        vt = round(-k1 / k2 - vr, 9)
        ok_poly = abs(k2 * vr * vt - (k0 - p.b * vr)) < 1e-9 and abs(-k2 * (vr + vt) - k1) < 1e-9
        if ok_poly and abs(u0 - p.b * vr) < 1e-12:
            return {"v0": p.V0, "C": 1.0, "k": k2, "vr": vr, "vt": vt, "vpeak": 30.0, "a": p.a, "b": p.b,
                    "c": p.c, "d": p.d}
    raise ValueError(f"preset {p.name!r}: izhikevich2007Cell starts at u = 0, which is not this preset's "
                     f"initial state u0 = {u0:g} in the 2007 form")


_2007_UNITS = {"v0": "mV", "C": "pF", "k": "nS_per_mV", "vr": "mV", "vt": "mV", "vpeak": "mV", "a": "per_ms",
               "b": "nS", "c": "mV", "d": "pA"}


def export_presets(names, path, *, network_id: str = "net", include_events: bool = True) -> tuple[str, str]:
    """Write presets as a NeuroML2 document and a LEMS simulation file that jNeuroML runs.

    Each preset of the standard form becomes an ``izhikevichCell`` (v0,
    thresh = 30 mV, a, b, c, d) driven by ``pulseGeneratorDL`` /
    ``rampGeneratorDL`` inputs; a class-1 preset (4.1 v + 108) becomes the
    equal ``izhikevich2007Cell`` of :func:`as_2007_form` (C = 1 pF) driven by
    ``pulseGenerator`` / ``rampGenerator`` in pA. Each gets a population
    ``pop_<name>`` of one cell; its inputs reproduce its protocol sample for
    sample on its grid (a baseline is one long pulse; a piece adds
    ``value - baseline``).
    The Simulation runs ``length = `` the longest duration at the presets'
    common ``step = dt``.

    Parameters
    ----------
    names : iterable of str
        Presets sharing one dt (any but accommodation).
    path : str
        The LEMS file to write; the NeuroML2 document goes beside it as
        ``<stem>.net.nml``.
    include_events : bool
        Add an EventOutputFile recording every cell's spikes
        (``<stem>.spikes.dat``, format TIME_ID, ids in population order).

    Returns
    -------
    (lems_path, nml_path)

    Raises
    ------
    ValueError
        Unknown preset; the accommodation preset (``u' = a b (v + 65)`` has no
        NeuroML core cell); presets of different dt; a preset whose initial u
        the cell types cannot start from.
    """
    presets, forms, dt, length, n = _export_plan(names)
    path = os.fspath(path)
    folder, stem = _export_names(path)
    nml_name = f"{stem}.net.nml"
    _write_document(presets, forms, n, stem, network_id, os.path.join(folder, nml_name))
    _write_lems(presets, path, folder, stem, nml_name, network_id, length, dt, include_events)
    return path, os.path.join(folder, nml_name)


def _export_plan(names):
    """The presets, their 2007 forms (None: izhikevichCell), the common dt, the length and the number of steps;
    refuses what one export cannot hold."""
    presets = [get_preset(n) for n in names]
    if not presets:
        raise ValueError("give at least one preset to export")
    forms = {}
    for p in presets:
        if p.variant == "standard" and (p.u0 is None or p.u0 == p.b * p.V0):
            forms[p.name] = None
        else:
            forms[p.name] = as_2007_form(p)  # raises for what neither cell type can hold
    dts = sorted({p.dt for p in presets})
    if len(dts) > 1:
        groups = {dt: [p.name for p in presets if p.dt == dt] for dt in dts}
        raise ValueError("one export holds one Simulation step; these presets have different dt: "
                         + "; ".join(f"dt={dt:g} ms: {', '.join(ns)}" for dt, ns in groups.items()))
    if len({p.name for p in presets}) != len(presets):
        raise ValueError("a preset is named twice")
    dt = dts[0]
    length = max(p.duration for p in presets)
    n = max(n_steps(p.dt, p.duration) for p in presets)
    return presets, forms, dt, length, n


def _export_names(path: str) -> tuple[str, str]:
    """The folder of the LEMS file (created) and the stem of its name (``LEMS_``, ``.xml``/``.lems`` removed)."""
    stem = os.path.basename(path)
    for suffix in (".xml", ".lems"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem.startswith("LEMS_"):
        stem = stem[5:]
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    return folder, stem


def _write_document(presets, forms, n: int, stem: str, network_id: str, nml_path: str) -> None:
    """The NeuroML2 document with libNeuroML: per preset one cell, a population ``pop_<name>`` of one cell and
    the generators of its protocol (:func:`_grid_inputs`)."""
    import neuroml
    from neuroml.writers import NeuroMLWriter

    doc = neuroml.NeuroMLDocument(id=stem, notes="Izhikevich presets exported by izh_brian "
                                                 "(figure1.m / izhi2003.m protocols).")
    net = neuroml.Network(id=network_id)
    make_input = {"pulseGeneratorDL": (neuroml.PulseGeneratorDL, doc.pulse_generator_dls),
                  "rampGeneratorDL": (neuroml.RampGeneratorDL, doc.ramp_generator_dls),
                  "pulseGenerator": (neuroml.PulseGenerator, doc.pulse_generators),
                  "rampGenerator": (neuroml.RampGenerator, doc.ramp_generators)}
    snake = {"startAmplitude": "start_amplitude", "finishAmplitude": "finish_amplitude",
             "baselineAmplitude": "baseline_amplitude"}
    for p in presets:
        form = forms[p.name]
        if form is None:
            doc.izhikevich_cells.append(neuroml.IzhikevichCell(
                id=p.name, v0=f"{_fmt(p.V0)}mV", thresh="30mV", a=_fmt(p.a), b=_fmt(p.b), c=_fmt(p.c), d=_fmt(p.d)))
        else:
            doc.izhikevich2007_cells.append(neuroml.Izhikevich2007Cell(
                id=p.name, **{key: f"{_fmt(form[key])}{unit}" for key, unit in _2007_UNITS.items()}))
        net.populations.append(neuroml.Population(id=f"pop_{p.name}", component=p.name, size=1))
        for j, (kind, params) in enumerate(_grid_inputs(p, n)):
            gid = f"{p.name}_in{j}"
            unit = "" if form is None else "pA"
            if form is not None:
                kind = kind[:-2]  # pA generators for the 2007 form (C = 1 pF: 1 pA ~ 1 mV/ms)
            attrs = {snake.get(key, key): (f"{_fmt(value)}ms" if key in ("delay", "duration") else f"{_fmt(value)}{unit}")
                     for key, value in params.items()}
            cls, where = make_input[kind]
            where.append(cls(id=gid, **attrs))
            net.explicit_inputs.append(neuroml.ExplicitInput(target=f"pop_{p.name}[0]", input=gid,
                                                             destination="synapses"))
    doc.networks.append(net)
    NeuroMLWriter.write(doc, nml_path)


def _write_lems(presets, path: str, folder: str, stem: str, nml_name: str, network_id: str, length: float,
                dt: float, include_events: bool) -> None:
    """The LEMS simulation file with pyNeuroML's LEMSSimulation, including the document."""
    from pyneuroml.lems import LEMSSimulation

    sim = LEMSSimulation("sim", length, dt, target=network_id)
    sim.include_neuroml2_file(nml_name, include_included=False, relative_to_dir=folder)
    if include_events:
        sim.create_event_output_file("spikes", f"{stem}.spikes.dat", format="TIME_ID")
        for i, p in enumerate(presets):
            sim.add_selection_to_event_output_file("spikes", i, f"pop_{p.name}[0]", "spike")
    with contextlib.redirect_stdout(io.StringIO()):
        sim.save_to_file(file_name=path)
