"""Checks for lesson 06, the explorer: move a, b, c, d and the input until the neuron does what you want.

Each check simulates the student's value with the package and asks the
pattern's validator (:func:`izh_brian.analysis.validators.validate`) or counts spikes:

1. :func:`check_1`: a d with which the regular-spiking neuron of 2003 Fig. 2,
   its reset raised to c = -50 mV, chatters (validator CH passes) under the CH
   protocol (I = 10 for t > 15 ms).
2. :func:`check_2`: the smallest a on the grid 0.02, 0.03, ..., 0.10 at which
   the neuron (b = 0.2, c = -65, d = 2) becomes fast spiking (validator FS
   passes) under the FS protocol.
3. :func:`check_3`: the rheobase of the RS neuron (a = 0.02, b = 0.2, c = -65,
   d = 8, starting at v = -65 mV): the smallest step of current, on a grid of
   0.1 mV/ms, that makes it fire within 200 ms.

A check never raises: a placeholder, a wrong type or a NaN gives NOT YET with
the reason.
"""

from __future__ import annotations

import math
from functools import lru_cache

from izh_brian import simulate_many
from izh_brian.analysis.phaseplane import step_preset
from izh_brian.analysis.validators import validate
from izh_brian.simulation import simulate
from izh_brian.teaching.exercises import NotYet, as_number, checker

__all__ = ["A_GRID", "I_GRID", "RHEOBASE_NEURON", "check_1", "check_2", "check_3", "chatters", "fs_threshold_a",
           "rheobase"]

LESSON = "06"

#: Exercise 2's grid of a (the explorer's slider moves in steps of 0.005; this grid in 0.01).
A_GRID = tuple(round(0.02 + 0.01 * k, 2) for k in range(9))
#: Exercise 3's grid of step currents (mV/ms).
I_GRID = tuple(round(0.1 * k, 1) for k in range(101))
#: Exercise 3's neuron: (a, b, c, d) of RS in 2003 Fig. 2, the explorer's step_preset (V0 = -65 mV, onset 10 ms).
RHEOBASE_NEURON = (0.02, 0.2, -65.0, 8.0)
#: Exercise 3's record length (ms).
RHEOBASE_DURATION_MS = 200.0
#: Accepted range of d in exercise 1 (mV/ms), wider than the slider's -2 .. 10.
D_RANGE = (-10.0, 30.0)


def _first_failure(verdict) -> str:
    failed = [r[len("FAILED: "):] for r in verdict.reasons if r.startswith("FAILED")]
    return failed[0] if failed else "the validator fails"


# --------------------------------------------------------------------------- what the package says


@lru_cache(maxsize=256)
def chatters(d: float) -> tuple:
    """(passes, first failed condition) of validator CH for the CH preset (RS's a, b; c = -50) with this d."""

    v = validate("CH", simulate("CH", d=float(d)))
    return bool(v.ok), ("" if v.ok else _first_failure(v))


@lru_cache(maxsize=1)
def _fs_grid() -> dict:
    rs = simulate_many(["FS"] * len(A_GRID), overrides=[{"a": a, "d": 2.0} for a in A_GRID])
    return {a: validate("FS", r) for a, r in zip(A_GRID, rs)}


def fs_threshold_a() -> float:
    """The smallest a of :data:`A_GRID` at which validator FS passes (b = 0.2, c = -65, d = 2, FS protocol)."""
    grid = _fs_grid()
    passing = [a for a in A_GRID if grid[a].ok]
    return passing[0] if passing else math.nan


@lru_cache(maxsize=1)
def _spike_counts() -> dict:
    a, b, c, d = RHEOBASE_NEURON
    presets = [step_preset(a, b, c, d, I, duration_ms=RHEOBASE_DURATION_MS) for I in I_GRID]
    return {I: r.n_spikes for I, r in zip(I_GRID, simulate_many(presets))}


def rheobase() -> float:
    """The smallest current of :data:`I_GRID` at which the RS neuron fires within 200 ms (simulated)."""
    counts = _spike_counts()
    firing = [I for I in I_GRID if counts[I] > 0]
    return firing[0] if firing else math.nan


# --------------------------------------------------------------------------- the checks


@checker(LESSON, 1)
def check_1(answer):
    """Exercise 1: a value of d that makes the RS neuron with c = -50 mV chatter (validator CH)."""
    d = as_number(answer, "d")
    if not D_RANGE[0] <= d <= D_RANGE[1]:
        raise NotYet(f"d = {d:g} is outside the accepted range {D_RANGE[0]:g} .. {D_RANGE[1]:g}")
    ok, why = chatters(d)
    if not ok:
        raise NotYet(f"with d = {d:g} the neuron does not chatter: {why}")
    return (f"d = {d:g} chatters: a small after-spike jump of u lets v, reset high at -50 mV, fire "
            "again at once, until u has grown enough to end the burst")


@checker(LESSON, 2)
def check_2(answer):
    """Exercise 2: the smallest a of :data:`A_GRID` at which validator FS passes."""
    a = as_number(answer, "a")
    on_grid = [g for g in A_GRID if abs(a - g) < 1e-9]
    if not on_grid:
        raise NotYet(f"a = {a:g} is not on the grid {', '.join(f'{g:g}' for g in A_GRID)}")
    a = on_grid[0]
    verdict = _fs_grid()[a]
    if not verdict.ok:
        raise NotYet(f"at a = {a:g} validator FS fails: {_first_failure(verdict)}; try a larger a")
    if a > fs_threshold_a():
        raise NotYet(f"FS passes at a = {a:g}, but also at a smaller value of the grid; go lower")
    return (f"a = {a:g} is the smallest value of the grid that gives fast spiking: u recovers fast "
            "enough that each spike's jump d has decayed before the next one, so the rate hardly adapts")


@checker(LESSON, 3)
def check_3(answer):
    """Exercise 3: the rheobase of the RS neuron on the 0.1 mV/ms grid (smallest step that makes it fire)."""
    I = as_number(answer, "the current")
    on_grid = [g for g in I_GRID if abs(I - g) < 1e-6]
    if not on_grid:
        raise NotYet(f"I = {I:g} is not on the grid 0, 0.1, ..., {I_GRID[-1]:g} mV/ms (round to one decimal)")
    I = on_grid[0]
    counts = _spike_counts()
    if counts[I] == 0:
        raise NotYet(f"at I = {I:g} the neuron does not fire within {RHEOBASE_DURATION_MS:g} ms; go higher")
    if I > rheobase():
        raise NotYet(f"at I = {I:g} it fires ({counts[I]} spikes), and it fires at I - 0.1 too; go lower")
    return f"I = {I:g} mV/ms is the rheobase on the grid: {counts[I]} spike(s), none at {I - 0.1:.1f}"
