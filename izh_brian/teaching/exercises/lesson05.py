"""Checks for lesson 05, numerics: why the time step and the update order matter.

Every expected value is computed here with the package at check time (never
typed in), so a check agrees with whatever the simulator does:

1. :func:`check_1`: how many samples of the grid the 3 ms pulse of 2004
   Fig. 1 (I), spike latency (``7.04 for 10 < t < 13`` in figure1.m), is on at
   dt = 0.2 ms and at dt = 0.1 ms.
2. :func:`check_2`: the latency of the spike after the pulse onset at both
   steps (to within half a step), the numbers that explain why the validator
   accepts panel I at 0.2 ms and rejects it at 0.1 ms.
3. :func:`check_3`: which of six schemes keep panel Q, the
   depolarising after-potential, at its published dt = 0.1 ms.

A check never raises: a placeholder, a wrong type or a NaN gives NOT YET with
the reason.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from izh_brian import get_preset
from izh_brian.analysis.tolerances import TOL
from izh_brian.analysis.validators import validate
from izh_brian.simulation import simulate
from izh_brian.teaching.exercises import NotYet, as_number, checker

__all__ = ["LATENCY_DTS", "SCHEMES", "SCHEME_PATTERN", "check_1", "check_2", "check_3",
           "pulse_samples", "latency_ms", "schemes_keeping"]

LESSON = "05"

#: The steps compared in exercises 1 and 2 (ms): figure1.m's 0.2 ms for panel I, and 0.1 ms.
LATENCY_DTS = (0.2, 0.1)
#: The schemes of exercise 3 (the names ``izh_brian.simulate`` takes).
SCHEMES = ("figure1", "euler", "rk4", "net2003", "nest", "nest_published")
#: The pattern of exercise 3: 2004 Fig. 1 (Q), integrated by figure1.m at dt = 0.1 ms.
SCHEME_PATTERN = "depolarizing_after_potential"


def _per_dt(answer, what: str) -> dict:
    """``{0.2: x, 0.1: y}`` (keys may be numbers or strings such as ``"0.2"``) -> {dt: float}."""
    if not isinstance(answer, dict):
        raise NotYet(f"the answer should be a dict {{0.2: ..., 0.1: ...}} of {what}, got {type(answer).__name__}")
    out = {}
    for key, val in answer.items():
        try:
            k = float(key)
        except (TypeError, ValueError):
            raise NotYet(f"the keys should be the steps 0.2 and 0.1 (ms), got {key!r}") from None
        match = [dt for dt in LATENCY_DTS if abs(k - dt) < 1e-9]
        if not match:
            raise NotYet(f"the keys should be the steps 0.2 and 0.1 (ms), got {key!r}")
        out[match[0]] = as_number(val, f"the {what} at dt = {match[0]:g} ms")
    missing = [dt for dt in LATENCY_DTS if dt not in out]
    if missing:
        raise NotYet(f"give a value for dt = {' and '.join(f'{m:g}' for m in missing)} ms as well")
    return out


# --------------------------------------------------------------------------- what the package says


@lru_cache(maxsize=None)
def _latency_run(dt: float) -> tuple:
    r = simulate("spike_latency", dt=dt)
    onset = min(piece.start for piece in get_preset("spike_latency").stimulus.pieces)
    first = float(r.spike_times_ms[0]) if r.n_spikes else math.nan
    verdict = validate("spike_latency", r)
    return int(np.count_nonzero(r.I > 0)), first - onset, bool(verdict.ok)


def pulse_samples(dt: float) -> int:
    """Samples of the grid ``k*dt`` on which panel I's pulse is on (simulated, from ``Result.I``)."""
    return _latency_run(float(dt))[0]


def latency_ms(dt: float) -> float:
    """Time (ms) from panel I's pulse onset to its first spike at step ``dt`` under figure1."""
    return _latency_run(float(dt))[1]


@lru_cache(maxsize=None)
def schemes_keeping(pattern: str = SCHEME_PATTERN, dt: float | None = None) -> frozenset:
    """The schemes of :data:`SCHEMES` under which ``pattern``'s validator passes (dt None: the published one)."""

    kept = set()
    for scheme in SCHEMES:
        try:
            r = simulate(pattern, scheme=scheme, dt=dt)
        except Exception:  # a diverging run does not keep the pattern
            continue
        if validate(pattern, r).ok:
            kept.add(scheme)
    return frozenset(kept)


# --------------------------------------------------------------------------- the checks


@checker(LESSON, 1)
def check_1(answer):
    """Exercise 1: ``{0.2: n, 0.1: m}``, the number of samples panel I's 3 ms pulse is on at each step."""
    got = _per_dt(answer, "sample counts")
    wrong = []
    for dt in LATENCY_DTS:
        if got[dt] != int(got[dt]):
            raise NotYet(f"a number of samples is a whole number, got {got[dt]:g} at dt = {dt:g} ms")
        if int(got[dt]) != pulse_samples(dt):
            wrong.append(dt)
    if wrong:
        raise NotYet("not the simulated count at dt = " + " and ".join(f"{dt:g}" for dt in wrong)
                     + " ms: count the samples with r.I > 0, and remember that figure1.m's pulse is "
                     "10 < t < 13 with strict inequalities, so the samples at t = 10 and t = 13 are off")
    n = {dt: pulse_samples(dt) for dt in LATENCY_DTS}
    return (f"{n[0.2]} samples at 0.2 ms ({n[0.2] * 0.2:g} ms of input) and {n[0.1]} at 0.1 ms "
            f"({n[0.1] * 0.1:g} ms): a strict pulse of width w lasts w/dt - 1 samples, so the finer "
            "grid delivers more charge")


@checker(LESSON, 2)
def check_2(answer):
    """Exercise 2: ``{0.2: latency, 0.1: latency}`` in ms from the pulse onset (10 ms) to the spike."""
    got = _per_dt(answer, "latencies (ms)")
    wrong = []
    for dt in LATENCY_DTS:
        expected = latency_ms(dt)
        if not math.isfinite(expected) or abs(got[dt] - expected) > dt / 2 + 1e-9:
            wrong.append(dt)
    if wrong:
        raise NotYet("not the simulated latency at dt = " + " and ".join(f"{dt:g}" for dt in wrong)
                     + " ms: simulate spike_latency at that dt and subtract the pulse onset (10 ms) "
                     "from the first spike time")
    lat = {dt: latency_ms(dt) for dt in LATENCY_DTS}
    return (f"latency {lat[0.2]:g} ms at 0.2 ms and {lat[0.1]:g} ms at 0.1 ms; the validator asks "
            f"for at least {TOL.latency_min_ms:g} ms; near threshold the latency falls steeply as the "
            "input grows, and the finer grid's pulse carries more charge")


@checker(LESSON, 3)
def check_3(answer):
    """Exercise 3: the set of schemes (names from :data:`SCHEMES`) that keep panel Q at its published dt."""
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, (set, frozenset, list, tuple)):
        raise NotYet(f"the answer should be a set of scheme names such as {{'figure1', 'rk4'}}, "
                     f"got {type(answer).__name__}")
    names = set()
    for s in answer:
        if not isinstance(s, str) or s.lower() not in SCHEMES:
            raise NotYet(f"unknown scheme {s!r}; allowed: {', '.join(SCHEMES)}")
        names.add(s.lower())
    kept = schemes_keeping()
    extra, missing = names - kept, kept - names
    if extra or missing:
        parts = []
        if extra:
            parts.append(f"{', '.join(sorted(extra))} lose{'s' if len(extra) == 1 else ''} the pattern")
        if missing:
            parts.append(f"{len(missing)} scheme{'s' if len(missing) != 1 else ''} that keep{'s' if len(missing) == 1 else ''} it "
                         f"{'is' if len(missing) == 1 else 'are'} missing")
        raise NotYet("; ".join(parts) + ": run each scheme and ask validate()")
    return (f"{', '.join(sorted(kept))} keep the after-depolarisation: look at where each of them "
            "takes u from (the new v or the old one)")
