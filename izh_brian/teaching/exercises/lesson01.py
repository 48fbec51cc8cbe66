"""Checks of lesson 01, "Getting started" (``notebooks/01_getting_started.ipynb``).

1. :func:`check_1`: the time of the first spike of the regular-spiking (RS)
   neuron of Izhikevich (2003) Fig. 2 under its own protocol.
2. :func:`check_2`: change one parameter of tonic bursting (2004 Fig. 1 C) so
   that the neuron keeps firing but no longer bursts.
3. :func:`check_3`: spike counts of three fast-spiking neurons built with
   :func:`izh_brian.make_neurons` and driven by constant currents.

Every check computes its expected value with the package when it is called;
no result is stored here.
"""

from __future__ import annotations

import numpy as np
from brian2 import Network, SpikeMonitor, ms, mV

from izh_brian import get_preset, make_neurons
from izh_brian.analysis.features import detect_bursts
from izh_brian.analysis.tolerances import TOL
from izh_brian.analysis.validators import validate_result
from izh_brian.simulation import simulate
from izh_brian.teaching.exercises import NotYet, as_float, checker, one_parameter_change

__all__ = ["check_1", "check_2", "check_3", "FS_CURRENTS", "FS_DURATION_MS"]

LESSON = "01"

#: Exercise 3: the constant currents (mV/ms) of the three FS neurons, and the run length.
FS_CURRENTS = (5.0, 10.0, 20.0)
FS_DURATION_MS = 200.0


@checker(LESSON, 1)
def check_1(answer):
    """The first spike of ``simulate("RS")``, in ms, within half a time step.

    A plain number is read in ms; a Brian2 time quantity is converted.
    """

    r = simulate("RS")
    t = as_float(answer, "the first spike time", unit="ms")
    want = float(r.spike_times_ms[0])
    tol = r.dt_ms / 2
    if abs(t - want) <= tol:
        return f"the RS neuron first fires at t = {want:g} ms, {want - 15:g} ms after its step starts (t > 15 ms)"
    if abs(t - want / r.dt_ms) < 0.5:
        raise NotYet(f"{t:g} looks like a step index; multiply by dt = {r.dt_ms:g} ms (or use spike_times_ms)")
    if any(abs(t - s) <= tol for s in r.spike_times_ms[1:]):
        raise NotYet(f"{t:g} ms is a later spike of the RS neuron, not its first")
    raise NotYet(f"{t:g} ms is not the first spike time of simulate('RS'); read r.spike_times_ms")


@checker(LESSON, 2)
def check_2(answer):
    """A dict changing exactly one of a, b, c, d of ``tonic_bursting`` so that the neuron
    still rests before the step, fires at least 3 spikes during it, and shows fewer than
    two bursts there (the tonic_bursting validator of :mod:`izh_brian.analysis` then rejects it)."""

    p = get_preset("tonic_bursting")
    key, value = one_parameter_change(answer, p)
    r = simulate("tonic_bursting", **{key: value})
    onset = 22.0  # 2004 Fig. 1 C: I = 15 for t > 22 ms (figure1.m)
    st = r.spike_times_ms
    before = int(np.count_nonzero(st <= onset))
    during = st[st > onset]
    if not np.all(np.isfinite(r.v_mV)):
        raise NotYet(f"with {key} = {value:g} the dynamics diverge; choose a milder change")
    if before:
        raise NotYet(f"with {key} = {value:g} the neuron fires {before} spikes before the step: it no longer rests")
    if len(during) < TOL.tonic_min_spikes:
        raise NotYet(f"with {key} = {value:g} the neuron fires {len(during)} spikes during the step: "
                     f"it should keep firing (at least {TOL.tonic_min_spikes}), just not in bursts")
    bursts = detect_bursts(during, r.duration_ms)
    verdict = validate_result(r)
    if len(bursts) >= 2 or verdict.ok:
        raise NotYet(f"with {key} = {value:g} the neuron still fires {len(bursts)} bursts "
                     f"({len(during)} spikes): change the parameter further or pick another")
    return (f"with {key} = {value:g} instead of {getattr(p, key):g} the neuron fires {len(during)} spikes "
            f"in {len(bursts)} burst(s); the tonic_bursting validator says: "
            f"{next(x for x in verdict.reasons if x.startswith('FAILED'))}")


def fs_spike_counts(currents=FS_CURRENTS, duration_ms=FS_DURATION_MS) -> list[int]:
    """Spike counts of FS neurons (2003 Fig. 2: a=0.1, b=0.2, c=-65, d=2), v0 = -70 mV,
    dt = 0.25 ms, ``figure1`` scheme, one neuron per constant current ``I_ext`` (mV/ms)."""

    G = make_neurons(len(currents), a=0.1, b=0.2, c=-65, d=2, v0=-70, dt=0.25)
    G.I_ext = np.asarray(currents, float) * mV / ms
    mon = SpikeMonitor(G)
    Network(G, mon).run(duration_ms * ms, namespace={})
    return [int(x) for x in mon.count[:]]


@checker(LESSON, 3)
def check_3(answer):
    """Three spike counts, one per current of :data:`FS_CURRENTS`, in that order, equal to
    :func:`fs_spike_counts` (exact: a spike count is an integer)."""
    try:
        counts = [x for x in answer]
    except TypeError:
        raise NotYet(f"give a list of {len(FS_CURRENTS)} spike counts, got {type(answer).__name__}") from None
    if len(counts) != len(FS_CURRENTS):
        raise NotYet(f"give {len(FS_CURRENTS)} spike counts (one per current {list(FS_CURRENTS)}), got {len(counts)}")
    got = []
    for x in counts:
        v = as_float(x, "a spike count")
        if v != int(v) or v < 0:
            raise NotYet(f"a spike count is a whole number >= 0, got {x!r}")
        got.append(int(v))
    want = fs_spike_counts()
    if got == want:
        return f"FS neurons at I = {list(FS_CURRENTS)} mV/ms fire {want} spikes in {FS_DURATION_MS:g} ms"
    wrong = [f"I = {i:g}: {g}" for i, g, w in zip(FS_CURRENTS, got, want) if g != w]
    if got == sorted(got, reverse=True) and got != sorted(got):
        raise NotYet("more current should not give fewer spikes; check the order of your neurons")
    raise NotYet(f"not the counts of this run ({', '.join(wrong)}); check a, b, c, d, v0, dt and the duration")
