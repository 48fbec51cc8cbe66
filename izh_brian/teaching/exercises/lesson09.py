"""Checks of lesson 09, "Fitting a neuron to its response" (``notebooks/09_fitting.ipynb``).

1. :func:`check_1`: the coincidence factor of two given spike trains,
   computed from its formula (Kistler et al. 1997; Jolivet et al. 2008),
   window 2 ms.
2. :func:`check_2`: parameters (a, b, c, d) whose response reproduces the
   spike train of a mystery neuron (:func:`mystery_neuron`, hidden
   parameters drawn from a seed the student chooses) with a coincidence
   factor of at least 0.9.
3. :func:`check_3`: the report of :func:`izh_brian.teaching.check.check` on the fitted
   neuron's response under the pattern's protocol, made with the fitted
   parameters (``params=``, so that it makes no comparison with the published
   cell's run): it must show the pattern and be the response of a neuron that
   reproduces the mystery train.
"""

from __future__ import annotations

import numpy as np

from izh_brian import get_preset
from izh_brian.analysis.validators import validate_result
from izh_brian.fitting.objective import Target, coincidence_factor
from izh_brian.limits import load_npz
from izh_brian.simulation import simulate
from izh_brian.teaching.check import CheckReport
from izh_brian.teaching.exercises import NotYet, as_float, as_seed, checker

__all__ = ["check_1", "check_2", "check_3", "mystery_neuron", "MysteryNeuron", "TRAIN_MODEL_MS", "TRAIN_DATA_MS",
           "TRAIN_DURATION_MS", "MYSTERY_PATTERNS", "save_mystery", "recorded_mystery_neuron",
           "RecordedMystery"]

LESSON = "09"

#: Exercise 1's trains (ms) and record length.
TRAIN_MODEL_MS = (12.0, 30.5, 47.0, 61.0, 95.5)
TRAIN_DATA_MS = (11.0, 33.0, 46.0, 62.5, 80.0, 96.0)
TRAIN_DURATION_MS = 100.0

#: The 2003 Fig. 2 cells a mystery neuron is drawn around (their step protocols, izhi2003.m).
MYSTERY_PATTERNS = ("RS", "IB", "CH", "FS")

_LAST: list = []


class MysteryNeuron:
    """A neuron near one of the 2003 cells, with hidden parameters.

    ``pattern`` names the cell (and the protocol it was recorded under);
    ``target`` is its recorded response, an :class:`izh_brian.fitting.objective.Target`
    (input ``I``, ``dt_ms``, ``spike_times_ms``, ``v_mV``, ``v0_mV``). Its
    a, b, c, d are not shown. The draw keeps parameters whose response still
    passes the pattern's validator but that the published parameters of the
    pattern do NOT reproduce (coincidence factor below 0.9): fitting is needed.
    """

    def __init__(self, seed: int):
        self.seed = int(seed)
        rng = np.random.default_rng([2009, self.seed])
        self.pattern = MYSTERY_PATTERNS[int(rng.integers(len(MYSTERY_PATTERNS)))]
        p = get_preset(self.pattern)
        published = simulate(p)
        chosen = None
        for _ in range(30):
            params = {"a": p.a * rng.uniform(0.75, 1.3), "b": p.b + rng.uniform(-0.02, 0.02),
                      "c": p.c + rng.uniform(-4.0, 4.0), "d": p.d * rng.uniform(0.6, 1.4)}
            r = simulate(p, **params)
            if validate_result(r).ok and coincidence_factor(published.spike_times_ms, r.spike_times_ms,
                                                            r.t_ms[-1] + p.dt) < 0.9:
                chosen = (params, r)
                break
        if chosen is None:  # pragma: no cover - every seed tried finds one within a few draws
            raise RuntimeError(f"no mystery neuron for seed {seed}; choose another seed")
        self._params, r = chosen
        self.target = Target(I=r.I.copy(), dt_ms=p.dt, spike_times_ms=r.spike_times_ms.copy(), v_mV=r.v_mV.copy(),
                             v0_mV=p.V0, name=f"mystery neuron (seed {self.seed})")

    def __repr__(self) -> str:
        return f"MysteryNeuron(seed={self.seed}, pattern={self.pattern!r})"


def mystery_neuron(seed: int) -> MysteryNeuron:
    """The mystery neuron of ``seed`` (a whole number you choose)."""
    m = MysteryNeuron(as_seed(seed))
    _LAST[:] = [m]
    return m


class RecordedMystery:
    """A class's mystery neuron as data: ``pattern`` and ``target`` as :class:`MysteryNeuron` has them,
    read from the file ``izh-brian course new`` wrote for one student (no parameters in it). The checks
    grade against its target, as the teacher's grader does against the student's own variant."""

    seed = None

    def __init__(self, pattern: str, target: Target):
        self.pattern, self.target = pattern, target

    def __repr__(self) -> str:
        return f"RecordedMystery(pattern={self.pattern!r})"


def save_mystery(seed: int, path) -> None:
    """Write the recorded response of the mystery neuron of ``seed`` to ``path`` (``.npz``: ``pattern``,
    ``I``, ``dt_ms``, ``spike_times_ms``, ``v_mV``, ``v0_mV``): what a student of a class receives."""
    m = MysteryNeuron(seed)
    t = m.target
    np.savez(path, pattern=np.array(m.pattern), I=t.I, dt_ms=np.array(t.dt_ms), spike_times_ms=t.spike_times_ms,
             v_mV=t.v_mV, v0_mV=np.array(t.v0_mV))


def recorded_mystery_neuron(path) -> RecordedMystery:
    """The mystery neuron of a class, from the ``.npz`` file your teacher gave you (:func:`save_mystery`)."""
    d = load_npz(path, what="mystery neuron file")
    try:
        pattern = str(d["pattern"])
        if pattern not in MYSTERY_PATTERNS:
            raise ValueError(f"pattern {pattern!r} is not one of {', '.join(MYSTERY_PATTERNS)}")
        target = Target(I=d["I"].astype(float), dt_ms=float(d["dt_ms"]), spike_times_ms=d["spike_times_ms"].astype(float),
                        v_mV=d["v_mV"].astype(float), v0_mV=float(d["v0_mV"]), name="your mystery neuron")
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a mystery neuron file of lesson 09 ({type(exc).__name__}: {exc})") from None
    m = RecordedMystery(pattern, target)
    _LAST[:] = [m]
    return m


def _mystery(seed):
    if seed is not None:
        return MysteryNeuron(seed)
    if not _LAST:
        raise NotYet("draw your neuron first: cell = lesson09.mystery_neuron(seed)")
    return _LAST[0]


@checker(LESSON, 1)
def check_1(answer):
    """The coincidence factor of :data:`TRAIN_MODEL_MS` against :data:`TRAIN_DATA_MS` (T = 100 ms, window 2 ms)."""

    x = as_float(answer, "the coincidence factor")
    truth = coincidence_factor(TRAIN_MODEL_MS, TRAIN_DATA_MS, TRAIN_DURATION_MS)
    if abs(x - truth) <= 1e-3:
        return f"Gamma = {truth:.4f}: the coincidences above chance, normalised so that identical trains give 1"
    nd, nm = len(TRAIN_DATA_MS), len(TRAIN_MODEL_MS)
    nc = sum(1 for d in TRAIN_DATA_MS if any(abs(d - m) <= 2.0 for m in TRAIN_MODEL_MS))
    if abs(x - nc / nd) <= 1e-3 or abs(x - nc / nm) <= 1e-3:
        raise NotYet(f"{x:g} is the fraction of coincident spikes; subtract the chance coincidences 2 nu Delta N_data "
                     "and normalise by (N_data + N_model)/2 and by 1 - 2 nu Delta")
    if not -1.5 <= x <= 1.0:
        raise NotYet(f"{x:g} is outside the range of a coincidence factor (at most 1)")
    raise NotYet(f"{x:g} is not it; count coincidences within 2 ms (each spike paired once), "
                 "nu = N_model / T in spikes per ms")


def _params(answer):
    if not isinstance(answer, dict):
        raise NotYet(f"give the parameters as a dict with keys a, b, c, d (e.g. res.params); got {type(answer).__name__}")
    missing = [k for k in "abcd" if k not in answer]
    if missing:
        raise NotYet(f"the dict needs the keys a, b, c, d; missing {', '.join(missing)}")
    return {k: as_float(answer[k], k) for k in "abcd"}


@checker(LESSON, 2)
def check_2(answer, seed=None):
    """Parameters whose response to the mystery neuron's protocol reproduces its train (gamma >= 0.9)."""

    m = _mystery(seed)
    params = _params(answer)
    try:
        r = simulate(m.pattern, **params)
    except Exception as exc:  # noqa: BLE001 - diverging parameters are a wrong answer
        raise NotYet(f"these parameters cannot be simulated ({str(exc).splitlines()[0]})") from None
    g = coincidence_factor(r.spike_times_ms, m.target.spike_times_ms, m.target.duration_ms)
    if g >= 0.9:
        return (f"your neuron reproduces the mystery train: Gamma = {g:.3f} (window 2 ms), "
                f"{r.n_spikes} spikes against {len(m.target.spike_times_ms)}")
    raise NotYet(f"Gamma = {g:.3f} < 0.9 ({r.n_spikes} spikes against {len(m.target.spike_times_ms)}); "
                 "fit the mystery neuron's target, e.g. fit(cell.target, budget=4096)")


@checker(LESSON, 3)
def check_3(answer, seed=None):
    """A CheckReport of the mystery neuron's pattern that shows it, for a response that reproduces the mystery train."""

    m = _mystery(seed)
    if not isinstance(answer, CheckReport):
        raise NotYet(f"give the report that check(...) returns; got {type(answer).__name__}")
    if answer.pattern != m.pattern:
        raise NotYet(f"this report checks {answer.pattern!r}; check your neuron against {m.pattern!r}")
    if answer.reference is not None:
        raise NotYet(f"this report compares your spikes with figure1.m's run of the published {m.pattern} cell, which is "
                     "not your fitted neuron: pass your parameters, check(..., params=answer_2), so it does not")
    if not answer.shows_pattern:
        failed = [c.name for c in answer.criteria if not c.ok]
        raise NotYet(f"the checked response does not show {m.pattern} (failed: {', '.join(failed)})")
    g = coincidence_factor(answer.spike_times_ms, m.target.spike_times_ms, m.target.duration_ms)
    if g < 0.9:
        raise NotYet(f"the report shows {m.pattern}, but its spikes are not the mystery train (Gamma = {g:.3f}); "
                     "check the response of your fitted neuron")
    return f"the fitted neuron shows {m.pattern} and reproduces the mystery train (Gamma = {g:.3f})"
