"""Checks for lesson 07, the 2003 cortical network (Izhikevich 2003, net.m).

The lesson's network is :data:`NETWORK`: net.m's 800 excitatory and 200
inhibitory neurons, seed 1, 1000 ms. Each check runs the package's network
(:func:`izh_brian.network.build.simulate_network`) and computes the expected value
from its raster and its random draws (:func:`izh_brian.network.build.draw_network`):

1. :func:`check_1`: net.m's coupling rule, ``I = I + sum(S(:, fired), 2)``:
   the synaptic input neuron 0 receives at the step in which most neurons
   fire (the sum of ``S[0, j]`` over the neurons j that fired in that step).
2. :func:`check_2`: the fraction of all spikes fired by excitatory neurons
   in the weakly coupled scenario S4 (:data:`FRACTION_NETWORK`).
3. :func:`check_3`: weight scales ``{"we": ..., "wi": ...}`` that make the
   network oscillate in the gamma band: the peak of the population rate's
   spectrum lies in :data:`izh_brian.network.analysis.GAMMA_BAND_HZ` for seeds 1 and 2.

A check never raises: a placeholder, a wrong type or a NaN gives NOT YET with
the reason.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from izh_brian.network.analysis import GAMMA_BAND_HZ
from izh_brian.network.build import draw_network, make_spec, simulate_network
from izh_brian.teaching.exercises import NotYet, as_number, checker

__all__ = ["NETWORK", "FRACTION_NETWORK", "GAMMA_SEEDS", "WEIGHT_RANGE", "check_1", "check_2", "check_3", "excitatory_fraction",
           "busiest_step", "synaptic_input", "total_input", "peak_frequencies"]

LESSON = "07"

#: The network of the lesson (arguments of :func:`izh_brian.network.build.simulate_network`).
NETWORK = {"scenario": "paper", "seed": 1, "duration_ms": 1000.0}
#: Exercise 2's network: scenario S4 (weights 0.1 rand and -0.1 rand), seed 1, 1000 ms.
FRACTION_NETWORK = {"scenario": "S4", "seed": 1, "duration_ms": 1000.0}
#: Exercise 3's seeds: the rhythm must not be the luck of one draw.
GAMMA_SEEDS = (1, 2)
#: Accepted weight scales in exercise 3 (mV/ms), (we range, wi range).
WEIGHT_RANGE = {"we": (0.0, 1.5), "wi": (0.0, 4.0)}


# --------------------------------------------------------------------------- what the package says


@lru_cache(maxsize=2)
def _run(which: str = "NETWORK"):
    spec = FRACTION_NETWORK if which == "FRACTION_NETWORK" else NETWORK
    return simulate_network(record_v=(), progress=False, **spec)


@lru_cache(maxsize=1)
def _draws():
    return draw_network(make_spec(**NETWORK))


def excitatory_fraction() -> float:
    """Spikes of neurons ``0 .. n_exc - 1`` over all spikes of :data:`FRACTION_NETWORK`."""
    r = _run("FRACTION_NETWORK")
    return float(np.count_nonzero(r.spike_i < r.spec.n_exc) / r.spike_i.size)


def busiest_step() -> tuple:
    """(step k, the neurons that fired in it) for the step of the lesson's network with the most spikes."""
    r = _run()
    k = int(np.argmax(np.bincount(r.spike_steps)))
    return k, np.sort(r.spike_i[r.spike_steps == k])


def synaptic_input(neuron: int = 0) -> float:
    """net.m's synaptic input to ``neuron`` in the busiest step: ``sum(S[neuron, fired])`` (mV/ms)."""
    _, fired = busiest_step()
    S_row = _row(neuron)
    return float(S_row[fired].sum())


def total_input(neuron: int = 0) -> float:
    """Thalamic noise plus synaptic input to ``neuron`` in the busiest step (mV/ms)."""
    k, _ = busiest_step()
    return float(_draws().noise[k, neuron]) + synaptic_input(neuron)


def _row(neuron: int) -> np.ndarray:
    """Row ``S[neuron, :]`` of net.m's weight matrix (weights onto ``neuron``)."""
    dr = _draws()
    row = np.zeros(_run().spec.n)
    np.add.at(row, dr.pre[dr.post == neuron], dr.w[dr.post == neuron])
    return row


def _column(neuron: int) -> np.ndarray:
    """Column ``S[:, neuron]`` (weights from ``neuron`` onto every neuron)."""
    dr = _draws()
    col = np.zeros(_run().spec.n)
    np.add.at(col, dr.post[dr.pre == neuron], dr.w[dr.pre == neuron])
    return col


@lru_cache(maxsize=64)
def peak_frequencies(we: float, wi: float) -> tuple:
    """The spectral peak (Hz) of the population rate for each of :data:`GAMMA_SEEDS`, weights ``we``, ``wi``."""

    out = []
    for seed in GAMMA_SEEDS:
        r = simulate_network("paper", we=we, wi=wi, seed=seed, duration_ms=NETWORK["duration_ms"], record_v=(),
                             progress=False)
        out.append(float(r.analysis()["peak_hz"]))
    return tuple(out)


# --------------------------------------------------------------------------- the checks


@checker(LESSON, 1)
def check_1(answer):
    """Exercise 1: the synaptic input (mV/ms) neuron 0 receives in the busiest step, by net.m's rule."""
    x = as_number(answer, "the synaptic input")
    right = synaptic_input(0)
    if abs(x - right) <= 1e-6 * max(1.0, abs(right)):
        k, fired = busiest_step()
        return (f"{right:.4f} mV/ms: the weights S[0, j] of the {fired.size} neurons that fired at "
                f"step {k}, added once in that step")
    k, fired = busiest_step()
    if abs(x - total_input(0)) <= 1e-6 * max(1.0, abs(x)):
        raise NotYet("that includes the thalamic noise of the step; give the synaptic part only")
    if abs(x - float(_column(0)[fired].sum())) <= 1e-6 * max(1.0, abs(x)):
        raise NotYet("that sums S[j, 0], the weights FROM neuron 0; S[i, j] is the weight from j onto i, "
                     "so neuron 0 receives row 0")
    if abs(x - float(_row(0).sum())) <= 1e-6 * max(1.0, abs(x)):
        raise NotYet("that sums the weights of all 1000 neurons; only those that fired in the step count")
    raise NotYet(f"not the sum of S[0, j] over the neurons j that fired at step {k} "
                 "(find them with res.spike_i[res.spike_steps == k])")


@checker(LESSON, 2)
def check_2(answer):
    """Exercise 2: the fraction (0..1) of the spikes of scenario S4 fired by excitatory neurons."""
    x = as_number(answer, "the fraction")
    if not 0.0 <= x <= 1.0:
        raise NotYet(f"a fraction lies between 0 and 1, got {x:g}")
    right = excitatory_fraction()
    if abs(x - right) > 0.005:
        if abs(x - 0.8) < 1e-9:
            raise NotYet("0.8 is the fraction of excitatory neurons, not of spikes: count the spikes "
                         "with spike_i < 800")
        raise NotYet(f"{x:g} is not the fraction of the S4 network's spikes fired by neurons 0..799 "
                     "(to within 0.005)")
    return (f"{right:.3f} of the spikes are excitatory, against 0.8 of the neurons: with weak "
            "coupling the thalamic noise drives the cells, and net.m gives the excitatory ones the stronger "
            "noise (5 randn against 2 randn)")


@checker(LESSON, 3)
def check_3(answer):
    """Exercise 3: ``{"we": ..., "wi": ...}`` whose network peaks in the gamma band for seeds 1 and 2."""
    if not isinstance(answer, dict):
        raise NotYet(f"the answer should be a dict {{'we': ..., 'wi': ...}}, got {type(answer).__name__}")
    unknown = set(answer) - set(WEIGHT_RANGE)
    if unknown:
        raise NotYet(f"unknown key(s) {', '.join(map(repr, sorted(map(str, unknown))))}; allowed: we, wi")
    w = {}
    for key, (lo, hi) in WEIGHT_RANGE.items():
        if key not in answer:
            raise NotYet(f"give {key!r} as well")
        w[key] = as_number(answer[key], key)
        if not lo <= w[key] <= hi:
            raise NotYet(f"{key} = {w[key]:g} is outside {lo:g} .. {hi:g} mV/ms")
    peaks = peak_frequencies(w["we"], w["wi"])
    lo, hi = GAMMA_BAND_HZ
    text = ", ".join(f"seed {s}: {p:g} Hz" for s, p in zip(GAMMA_SEEDS, peaks))
    if all(lo <= p <= hi for p in peaks):
        return f"peaks in the gamma band ({lo:g}-{hi:g} Hz) for both seeds ({text})"
    raise NotYet(f"the peak must lie in {lo:g}-{hi:g} Hz for both seeds; got {text}")
