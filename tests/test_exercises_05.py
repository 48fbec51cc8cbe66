"""The checks of lesson 05 (numerics): right answers pass, plausible wrong ones and the placeholder fail,
and no answer makes a check raise.

Expected values come from figure1.m's rules and from the independent transcription in ``oracle.py``,
not from the package under test.
"""

from __future__ import annotations

import math

import oracle
import pytest

from izh_brian.teaching.exercises import Feedback, lesson05

#: Answers of the wrong type or shape: each must give NOT YET, never an exception.
JUNK = [..., None, "14", 3.5, float("nan"), [14, 29], {0.2: "x", 0.1: 1}, {"a": 1}, {0.2: 1}, {0.3: 1, 0.1: 2},
        {0.2: True, 0.1: False}, {0.2: float("inf"), 0.1: 1}, object()]


def strict_samples(dt, start=10.0, stop=13.0):
    """figure1.m's pulse ``t > 10 & t < 13`` sampled on ``t = k*dt`` (the program's grid, 0..100 ms)."""
    return sum(1 for k in range(int(round(100 / dt)) + 1) if start < k * dt < stop)


def oracle_latency(dt):
    spikes, _ = oracle.run_figure1("spike_latency", tau=dt)
    return spikes[0] - 10.0


def test_exercise_1_counts_the_strict_pulse_samples():
    """A strict 3 ms pulse lasts w/dt - 1 samples: 14 at 0.2 ms, 29 at 0.1 ms. The count of the
    simulated input passes; counting w/dt (15, 30), or one step off, does not."""
    right = {dt: strict_samples(dt) for dt in lesson05.LATENCY_DTS}
    assert right == {0.2: 14, 0.1: 29}
    assert lesson05.check_1(right).ok
    assert lesson05.check_1({"0.2": 14, "0.1": 29}).ok, "string keys name the same steps"
    assert not lesson05.check_1({0.2: 15, 0.1: 30}).ok, "w/dt samples ignores the strict inequalities"
    assert not lesson05.check_1({0.2: 14, 0.1: 30}).ok
    assert not lesson05.check_1({0.2: 14.5, 0.1: 29}).ok, "a count is a whole number"


def test_exercise_2_latencies_match_figure1m():
    """The latency from the pulse onset to the spike under figure1.m's loop (oracle): long at 0.2 ms,
    below the validator's minimum at 0.1 ms. The oracle's latencies pass; a latency one whole step off,
    the spike time instead of the latency, or the two steps swapped, fail."""
    right = {dt: oracle_latency(dt) for dt in lesson05.LATENCY_DTS}
    from izh_brian.analysis import TOL

    assert right[0.2] >= TOL.latency_min_ms > right[0.1]
    assert lesson05.check_2(right).ok
    assert not lesson05.check_2({0.2: right[0.2] + 0.2, 0.1: right[0.1]}).ok
    assert not lesson05.check_2({dt: x + 10.0 for dt, x in right.items()}).ok, "spike times, not latencies"
    assert not lesson05.check_2({0.2: right[0.1], 0.1: right[0.2]}).ok, "swapped"


def test_exercise_3_schemes_that_keep_panel_Q():
    """Panel Q keeps its single spike under figure1.m's loop and net.m's loop, and loses it under forward
    Euler (u from the old v), as the oracle's transcriptions of those loops show. The package's full set
    passes; sets that drop one right scheme, add a wrong one or name an unknown scheme fail."""
    assert len(oracle.run_figure1("depolarizing_after_potential")[0]) == 1
    assert len(oracle.run_net2003("depolarizing_after_potential")) == 1
    assert len(oracle.run_euler("depolarizing_after_potential")) > 1
    kept = lesson05.schemes_keeping()
    assert {"figure1", "net2003"} <= kept and "euler" not in kept
    assert lesson05.check_3(set(kept)).ok
    assert lesson05.check_3(sorted(s.upper() for s in kept)).ok, "a list, any case"
    assert not lesson05.check_3(set(kept) - {"net2003"}).ok
    assert not lesson05.check_3(set(kept) | {"euler"}).ok
    assert not lesson05.check_3(set(lesson05.SCHEMES)).ok
    assert not lesson05.check_3({"figure1", "rk5"}).ok


@pytest.mark.parametrize("check", [lesson05.check_1, lesson05.check_2, lesson05.check_3])
@pytest.mark.parametrize("answer", JUNK, ids=[f"{k}-{type(x).__name__}" for k, x in enumerate(JUNK)])
def test_checks_never_raise(check, answer):
    """Whatever the student types, a check returns NOT YET feedback with a reason (a lesson never stops)."""
    fb = check(answer)
    assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_placeholder_says_what_to_do():
    """The unsolved lesson's ``...`` is reported as the placeholder, by every check."""
    from izh_brian.teaching.exercises import PLACEHOLDER_HINT

    for check in (lesson05.check_1, lesson05.check_2, lesson05.check_3):
        assert check(...).message == PLACEHOLDER_HINT


def test_message_names_the_bad_value():
    """A NaN latency is named with the step it was given for."""
    msg = lesson05.check_2({0.2: 16.6, 0.1: math.nan}).message
    assert "nan" in msg and "0.1" in msg
