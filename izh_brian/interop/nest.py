r"""Run presets in NEST's ``izhikevich`` model and compare them with izh_brian's ``nest`` schemes.

NEST (models/izhikevich.cpp) advances one step of resolution :math:`h` as

.. math::

    v \leftarrow v + h\,(0.04 v^2 + 5 v + 140 - u + I + I_e), \qquad
    u \leftarrow u + h\,a\,(b\,v_\text{old} - u_\text{old})

with ``consistent_integration = True`` (both from the old values); with
``False`` v takes two half steps and u uses the new v (net.m). Then
``v = max(v, V_min)``, and ``v >= V_th`` is a spike stamped at the end of the
step. Currents from devices (here a ``step_current_generator``) land in a ring
buffer and act one step after the device emits them; ``I_e`` acts at once.

The runner gives NEST exactly the protocol izh_brian samples: the first sample
becomes ``I_e`` (a device cannot change its current at t = 0) and the
generator carries the rest, ``I(t_j) - I(t_0)``, switched at ``t_j = j h``, so
that step ``k`` sees ``I(t_{k-1})``, as the ``nest`` schemes of
:mod:`izh_brian.model` define it. Spike times are then compared step by step.
Input spikes (``spikes_in``) come from a ``spike_generator`` through a ``static_synapse`` of weight 1, a
``dc`` from a ``dc_generator``, both with the connection delay ``delay_ms`` (default one step), as
:func:`izh_brian.simulate` takes them.

NEST is optional (``pip install izh_brian[nest]``); nothing is imported until a
function here runs.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass

import numpy as np

from izh_brian.analysis.spiketrains import compare_trains
from izh_brian.model.schemes import SCHEME_REGISTRY
from izh_brian.presets import REFERENCE_PRESETS, get_preset
from izh_brian.simulation import simulate_many
from izh_brian.stimuli import n_steps

__all__ = ["NestRun", "nest_available", "run_nest", "compare_with_nest", "spike_row", "NEST_SCHEME_FLAGS"]

#: izh_brian scheme -> NEST's ``consistent_integration`` (from the scheme registry).
NEST_SCHEME_FLAGS = {n: sc.nest_consistent_integration for n, sc in SCHEME_REGISTRY.items()
                     if sc.nest_consistent_integration is not None}


@dataclass
class NestRun:
    """Spikes of one preset simulated by NEST.

    Attributes
    ----------
    name : str
        Preset name.
    scheme : str
        ``nest`` or ``nest_published``.
    dt_ms : float
        NEST resolution (ms), the preset's dt.
    spike_steps : ndarray of int
        ``round(t/dt)`` of each spike time NEST reports (end of the step).
    v_mV, u : ndarray or None
        With ``record=True``: NEST's ``V_m`` and ``U_m`` after each step (a multimeter at interval dt;
        sample k is the state at the end of step k, after a reset), else None.
    """

    name: str
    scheme: str
    dt_ms: float
    spike_steps: np.ndarray
    v_mV: np.ndarray | None = None
    u: np.ndarray | None = None

    @property
    def spike_times_ms(self) -> np.ndarray:
        return self.spike_steps.astype(float) * self.dt_ms

    @property
    def n_spikes(self) -> int:
        return int(len(self.spike_steps))


def _import_nest():
    os.environ.setdefault("PYNEST_QUIET", "1")
    with contextlib.redirect_stdout(io.StringIO()):
        import nest  # noqa: PLC0415
    return nest


def nest_available() -> tuple[bool, str]:
    """Whether PyNEST imports, and if not, why (one line)."""
    try:
        nest = _import_nest()
    except Exception as exc:  # ImportError, or a broken installation
        return False, f"NEST is not available ({type(exc).__name__}: {exc}); pip install nest-simulator"
    version = getattr(nest, "__version__", "?")
    return True, f"NEST {version}"


def _quiet(nest):
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:  # NEST < 3.9
        nest.set_verbosity("M_ERROR")


def _check_nestable(p) -> None:
    if p.variant != "standard":
        raise ValueError(
            f"preset {p.name!r} uses the {p.variant!r} equation variant, which NEST's izhikevich model "
            "(0.04 v^2 + 5 v + 140, u' = a (b v - u)) cannot express; allowed: presets of the standard form"
        )


def run_nest(presets, *, scheme: str = "nest", spikes_in=None, dc=None, delay_ms=None,
             record: bool = False) -> list[NestRun]:
    """Simulate presets in NEST, each with its own protocol, dt and duration.

    Presets sharing a dt run in one NEST kernel (one neuron and one
    generator each); each is simulated for ``n_steps * dt`` ms, the span of
    izh_brian's grid ``0:dt:T``.

    Parameters
    ----------
    presets : iterable of str or Preset
        Presets of the standard equation form.
    scheme : str
        ``'nest'`` (``consistent_integration = True``) or ``'nest_published'``.
    spikes_in, dc : list, optional
        One entry per preset (``None`` for none): ``(times_ms, weights_mV[, multiplicities])`` for a
        ``spike_generator``, ``(amplitude, start_ms, stop_ms)`` for a ``dc_generator``.
    delay_ms : float, optional
        Delay of both connections (default the preset's step).
    record : bool
        Also record ``V_m`` and ``U_m`` after every step (:attr:`NestRun.v_mV`, :attr:`NestRun.u`).

    Returns
    -------
    list of NestRun, in the order given.

    Raises
    ------
    ValueError
        Unknown scheme, or a preset NEST's model cannot express.
    ImportError
        NEST is not installed.
    """

    if scheme not in NEST_SCHEME_FLAGS:
        raise ValueError(f"unknown NEST scheme {scheme!r}; allowed: {', '.join(NEST_SCHEME_FLAGS)}")
    prepared = [get_preset(p) for p in presets]
    for p in prepared:
        _check_nestable(p)
    spikes_in = [None] * len(prepared) if spikes_in is None else list(spikes_in)
    dc = [None] * len(prepared) if dc is None else list(dc)
    if len(spikes_in) != len(prepared) or len(dc) != len(prepared):
        raise ValueError("give one spikes_in and one dc (or None) per preset")
    nest = _import_nest()
    groups: dict[float, list[int]] = {}
    for i, p in enumerate(prepared):
        groups.setdefault(p.dt, []).append(i)
    out: list[NestRun | None] = [None] * len(prepared)
    for dt, members in groups.items():
        nest.ResetKernel()
        _quiet(nest)
        nest.local_num_threads = 1
        nest.resolution = dt
        handles = []
        n_max = 0
        for i in members:
            p = prepared[i]
            n = n_steps(p.dt, p.duration)
            n_max = max(n_max, n)
            stim = p.stimulus.sample(p.dt, p.duration)
            neuron = nest.Create("izhikevich", params={
                "a": p.a, "b": p.b, "c": p.c, "d": p.d, "V_m": p.V0, "U_m": p.initial_u,
                "V_th": 30.0, "I_e": float(stim[0]),
                "consistent_integration": NEST_SCHEME_FLAGS[scheme],
            })
            rel = stim - stim[0]
            change = np.flatnonzero(np.diff(rel) != 0) + 1  # samples where the current changes
            if change.size:
                gen = nest.Create("step_current_generator", params={
                    "amplitude_times": [round(float(j) * dt, 9) for j in change],
                    "amplitude_values": [float(rel[j]) for j in change],
                })
                nest.Connect(gen, neuron, syn_spec={"delay": dt})
            delay = dt if delay_ms is None else float(delay_ms)
            if spikes_in[i] is not None:
                sp = {"spike_times": [float(t) for t in spikes_in[i][0]],
                      "spike_weights": [float(w) for w in spikes_in[i][1]]}
                if len(spikes_in[i]) > 2:
                    sp["spike_multiplicities"] = [int(m) for m in spikes_in[i][2]]
                sg = nest.Create("spike_generator", params=sp)
                nest.Connect(sg, neuron, syn_spec={"synapse_model": "static_synapse", "weight": 1.0, "delay": delay})
            if dc[i] is not None:
                amp, start, stop = (float(x) for x in dc[i])
                dcg = nest.Create("dc_generator", params={"amplitude": amp, "start": start, "stop": stop})
                nest.Connect(dcg, neuron, syn_spec={"delay": delay})
            rec = nest.Create("spike_recorder")
            nest.Connect(neuron, rec)
            mm = None
            if record:
                mm = nest.Create("multimeter", params={"record_from": ["V_m", "U_m"], "interval": dt})
                nest.Connect(mm, neuron)
            handles.append((i, n, rec, mm))
        nest.Simulate(n_max * dt)
        for i, n, rec, mm in handles:
            times = np.asarray(rec.get("events")["times"], dtype=float)
            steps = np.sort(np.rint(times / dt).astype(np.int64))
            run = NestRun(prepared[i].name, scheme, dt, steps[steps <= n])
            if mm is not None:
                ev = mm.get("events")
                order = np.argsort(np.asarray(ev["times"]), kind="stable")
                run.v_mV = np.asarray(ev["V_m"], dtype=float)[order][:n]
                run.u = np.asarray(ev["U_m"], dtype=float)[order][:n]
            out[i] = run
    return out  # type: ignore[return-value]


def compare_with_nest(presets=None, *, schemes=("nest",)) -> list[dict]:
    """Spike steps of izh_brian's NEST schemes against NEST itself, per preset.

    Parameters
    ----------
    presets : iterable of str, optional
        Default: the reference presets of the standard form.
    schemes : iterable of str
        ``'nest'`` and/or ``'nest_published'``.

    Returns
    -------
    list of dict
        One row per preset and scheme: ``name``, ``simulator`` (the scheme:
        ``'nest'`` or ``'nest_published'``), spike
        counts ``n_spikes_ours`` / ``n_spikes_theirs``, ``max_dt_ms`` (largest
        difference of paired spike times; ``None`` when the counts differ)
        and ``agree`` (same spike steps).
    """

    if presets is None:
        presets = [p.name for p in REFERENCE_PRESETS.values() if p.variant == "standard"]
    names = [get_preset(p).name for p in presets]
    rows = []
    for scheme in schemes:
        ours = simulate_many(names, scheme=scheme)
        theirs = run_nest(names, scheme=scheme)
        for r, t in zip(ours, theirs):
            rows.append(spike_row(r.name, scheme, r.spike_times_ms, t.spike_times_ms, r.dt_ms))
    return rows


def spike_row(name, simulator, ours_ms, theirs_ms, dt_ms) -> dict:
    """One agreement record: equal when both spike trains fall on the same steps of ``dt_ms``
    (:func:`izh_brian.analysis.spiketrains.compare_trains`); ``max_dt_ms`` is None when the counts differ."""
    c = compare_trains(ours_ms, theirs_ms, dt_ms=dt_ms)
    max_dt = (c.max_abs_dt_ms or 0.0) if c.same_count else None
    agree = c.same_steps
    return {
        "name": name,
        "simulator": simulator,
        "n_spikes_ours": c.n_a,
        "n_spikes_theirs": c.n_b,
        "max_dt_ms": max_dt,
        "agree": agree,
    }
