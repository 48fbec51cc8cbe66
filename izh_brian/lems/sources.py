"""Inputs and spike sources on jLEMS's running-sum clock: the steps at which spike sources and synapse-firing
inputs fire, and the generators' start values. Pure numpy.

``t_next`` is the running-sum time (s) at the end of each step, ``numpy.cumsum`` of the step: step j is stamped
``t_next[j - 1]``. The random ones draw from numpy's generator seeded ``[SOURCE_SEED, population, cell]`` and
``[INPUT_SEED, input]``: jNeuroML's statistics, not its spikes. See docs/neuroml.md, "Random spike sources",
"Poisson inputs" and "Timed synaptic inputs".
"""

from __future__ import annotations

import math

import numpy as np

from izh_brian.lems.model import LEMSTypeError

__all__ = ["SOURCE_SEED", "INPUT_SEED", "source_steps", "poisson_input_steps", "timed_input_steps",
           "firing_input_steps"]

#: Seeds of the random sources and inputs: ``numpy.random.default_rng([SOURCE_SEED, population, cell])`` and
#: ``numpy.random.default_rng([INPUT_SEED, input])`` (module docstring).
SOURCE_SEED = 10000
INPUT_SEED = 20000


def _ideal_time_steps(t_next, first, draw) -> list:
    """Steps j (stamped at t_j, ``t_next[j - 1]``) of a train whose ideal times accumulate intervals, by jLEMS's
    rule for the random sources of Inputs.xml: the event fires on the first step whose time is past the next
    ideal time (``t .gt. tnext`` / ``t .gt. tnextUsed``), or on the step after the last event when that time has
    already passed, so at most one event per step. ``first`` is the first ideal time, ``draw()`` the next
    interval; ideal times accumulate the intervals (``tnext + isi``), not the event steps."""
    out = []
    ideal, last, n = first, 0, len(t_next)
    while True:
        j = max(int(np.searchsorted(t_next, ideal, side="right")) + 1, last + 1)  # first step with t_j > ideal
        if j > n:
            break
        out.append(j)
        last = j
        ideal = ideal + draw()
    return out


def source_steps(spec, t_next, seed=0) -> list:
    """Steps j (spike stamped at t_j, ``t_next[j - 1]``) of a spike source, on jLEMS's running-sum clock.

    ``spikeArray``: the first step with ``t >= time`` for each spike (Inputs.xml ``spike``);
    ``spikeGenerator``: ``tnext - t < 1e-9 ms`` with ``tnext`` starting at ``period`` and advancing by it.
    The random sources follow their ComponentTypes in Inputs.xml with :func:`_ideal_time_steps` (ideal times
    accumulate the intervals; an event on the first step past the next ideal time, at most one per step):

    ``spikeGeneratorPoisson``: intervals ``-log(U) / averageRate``;
    ``spikeGeneratorRefPoisson``: intervals ``minimumISI - (averageIsi - minimumISI) log(U)``, ``averageIsi =
    1 / averageRate``: at least minimumISI, mean averageIsi;
    ``spikeGeneratorRandom``: intervals ``minISI + MSEC (((maxISI - minISI) / MSEC) U)`` with MSEC = 1 ms,
    uniform on [minISI, maxISI) (jLEMS's ``random(x)`` is ``x * U``), tested ``t > tnext``.

    U comes from ``numpy.random.default_rng(seed)`` (``1 - random()``, in (0, 1], where jLEMS draws
    ``Random.nextDouble()`` in [0, 1)): jNeuroML draws its own numbers, so the statistics are jNeuroML's, not the
    spikes. With ``averageIsi == minimumISI`` or ``minISI == maxISI`` the intervals do not depend on U, and the
    steps are jNeuroML's.
    """
    p = spec.params
    if spec.kind == "spikeArray":
        out = []
        for tau in p["times_s"]:
            j = int(np.searchsorted(t_next, tau, side="left"))
            if j < len(t_next):
                out.append(j + 1)
        return sorted(set(out))
    if spec.kind == "spikeGenerator":
        out = []
        period, tnext = p["period_s"], p["period_s"]
        for j, t in enumerate(t_next):
            if tnext - t < 1e-12:
                out.append(j + 1)
                tnext += period
        return out
    rng = np.random.default_rng(seed)

    def u():
        return 1.0 - rng.random()

    if spec.kind == "spikeGeneratorPoisson":
        rate = p["rate_hz"]
        if not rate > 0:
            return []
        return _ideal_time_steps(t_next, (-1 * math.log(u())) / rate, lambda: (-1 * math.log(u())) / rate)
    if spec.kind == "spikeGeneratorRefPoisson":
        rate, m = p["rate_hz"], p["min_isi_s"]
        if not rate > 0:
            return []
        mean = 1 / rate  # DerivedParameter averageIsi

        def isi():
            # minimumISI - (averageIsi-minimumISI) * log(random(1)), grouped as jLEMS groups it
            return m - ((mean - m) * math.log(u()))

        return _ideal_time_steps(t_next, isi(), isi)
    if spec.kind == "spikeGeneratorRandom":
        lo, hi, msec = p["min_isi_s"], p["max_isi_s"], 1e-3

        def isi():
            # minISI + MSEC * random((maxISI - minISI) / MSEC), random(x) = x * U
            return lo + (msec * (((hi - lo) / msec) * u()))

        return _ideal_time_steps(t_next, isi(), isi)
    raise LEMSTypeError(f"unknown spike source kind {spec.kind!r}")


def poisson_input_steps(spec, t_next, seed) -> np.ndarray:
    """Steps j (event stamped at t_j, ``t_next[j - 1]``) at which a ``poissonFiringSynapse`` or
    ``transientPoissonFiringSynapse`` fires its synapse, by the rule of Inputs.xml on jLEMS's running-sum clock.

    Intervals are exponential with mean ``averageIsi = 1 / averageRate`` (``-averageIsi log(1 - U)``, U uniform
    on [0, 1), from ``numpy.random.default_rng(seed)``; jNeuroML draws its own numbers, so the statistics are
    jNeuroML's, not the spikes). The ideal times accumulate the intervals; an event fires on the first step
    whose end time is past the next ideal time, or on the step after the last event if that time has already
    passed (``tnextUsed = t + SMALL_TIME``): at most one event per step. The transient form starts at
    ``delay`` and stops once the step's time plus the next interval passes ``delay + duration``.
    """
    rate = spec.params["rate_hz"]
    mean = 1 / rate
    rng = np.random.default_rng(seed)
    transient = spec.kind.startswith("transient")
    end = spec.params["delay_s"] + spec.params["duration_s"] if transient else math.inf
    ideal = (-mean * math.log(1 - rng.random()) + spec.params["delay_s"]) if transient else \
        -mean * math.log(rng.random() or 1e-300)
    out = []
    last = 0
    while True:
        j = max(int(np.searchsorted(t_next, ideal, side="right")) + 1, last + 1)  # first step with t_j > ideal
        if j > len(t_next):
            break
        out.append(j)
        last = j
        isi = -mean * math.log(1 - rng.random())
        if transient and (t_next[j - 1] + isi) - end > 0:
            break
        ideal = ideal + isi
    return np.array(out, dtype=np.int64)


def _input_start_si(spec, weight) -> float:
    """An input's current when the run starts, as jLEMS initialises it (Inputs.xml): the pulse and sine
    generators' ``i`` is a StateVariable set by their OnConditions, 0 at the start; the ramp's OnStart sets
    ``baselineAmplitude`` (without weight); a compoundInput's is ``weight * (0 + its children's)``; the poisson
    inputs' synapses start with no conductance."""
    if spec.kind.startswith("ramp"):
        return float(spec.params_si["baselineAmplitude"])
    if spec.kind.startswith("compound"):
        w = spec.params_si.get("weight", 1.0) if weight is None else weight
        return w * sum((_input_start_si(c, None) for c in spec.children), 0.0)
    return 0.0


def timed_input_steps(spec, t_next) -> np.ndarray:
    """Steps j (event stamped at t_j, ``t_next[j - 1]``) at which a ``timedSynapticInput`` fires its synapse:
    for each ``spike`` child, the first step whose running-sum time reaches its time (Inputs.xml ``spike``:
    ``(t .geq. time) .and. (spiked .eq. 0)``), one event per spike, so two spikes in one step fire the synapse
    twice. Spikes after the last step never fire."""
    times = np.asarray(spec.params["times_s"], dtype=float)
    j = np.searchsorted(t_next, times, side="left") + 1
    return np.sort(j[j <= len(t_next)]).astype(np.int64)


def firing_input_steps(spec, t_next, seed) -> np.ndarray:
    """The event steps of an input that fires a synapse of its own (:data:`izh_brian.lems.model.FIRING_KINDS`)."""
    if spec.kind == "timedSynapticInput":
        return timed_input_steps(spec, t_next)
    return poisson_input_steps(spec, t_next, seed)


def _input_weight(w):
    """The weight an input's instance computes with: an ``inputW``'s (jLEMS assigns it to the instance's
    ``weight`` property), else the component's own (None)."""
    return None if w == 1.0 else w
