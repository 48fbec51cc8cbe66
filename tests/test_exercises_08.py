"""The checks of lesson 08 (cross-simulator conventions): right answers pass, plausible wrong ones and the
placeholder fail, and no answer makes a check raise. None of this needs NEST or Java.

Expected values: unit arithmetic (1 pA / 1 pF = 1 mV/ms; NEST's I_e is read with R = 1), the roots of the
2003 polynomial, and NEST's update loop (models/izhikevich.cpp, consistent_integration = true) typed here.
"""

from __future__ import annotations

import numpy as np
import pytest

from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback, lesson08

JUNK = [..., None, 14, "nest", [14, 0.14], {"nest": 14}, {"nest": "14", "nml2007": 0.14}, {"k": float("nan"), "vr": 1,
        "vt": 2}, {"scheme": 3, "first_spike_ms": 1}, {"scheme": "nest", "first_spike_ms": None}, {"bogus": 1},
        object()]


def nest_consistent_first_spike(a=0.02, b=0.2, c=-50.0, d=2.0, V0=-70.0, h=0.25, T=220.0, amp=15.0, onset=22.0):
    """NEST's izhikevich update with consistent_integration = true, transcribed from izhikevich.cpp: forward
    Euler from the old v and u; the step-current device's value reaches the neuron one step late (the first
    sample is NEST's I_e, present from the start); a spike is stamped at the end of its step."""
    def current(t):
        return amp if t > onset else 0.0

    v, u = V0, b * V0
    for k in range(int(round(T / h)) + 1):
        i_k = current((k - 1) * h) if k else current(0.0)
        v, u = v + h * (0.04 * v * v + 5 * v + 140 - u + i_k), u + h * a * (b * v - u)
        if v >= 30:
            return (k + 1) * h
    return None


def test_exercise_1_currents_across_conventions():
    """NEST reads I_e = 14 pA as 14 mV/ms (R = 1); an izhikevich2007Cell of 100 pF gets 14 pA / 100 pF =
    0.14 mV/ms. These pass; amperes (14e-12), I/C in the wrong order (100/14) and the 2003 number for the
    2007 cell fail."""
    assert lesson08.check_1({"nest": 14, "nml2007": 0.14}).ok
    assert lesson08.check_1({"nest": 14.0, "nml2007": 14 / 100}).ok
    assert not lesson08.check_1({"nest": 14e-12, "nml2007": 0.14}).ok
    assert not lesson08.check_1({"nest": 14, "nml2007": 100 / 14}).ok
    assert not lesson08.check_1({"nest": 14, "nml2007": 14}).ok


def test_exercise_2_the_2007_form_of_RS():
    """With b = 0.2, vr is a root of 0.04 v^2 + 4.8 v + 140 (-70 and -50 mV), the lower one the rest, and
    vr + vt = -125: (0.04, -70, -55) passes. The other root pair (algebraically equal but vr not the rest),
    the roots of 0.04 v^2 + 5 v + 140 (b forgotten) and the book's RS k = 0.7 fail, each with its reason."""
    roots = np.sort(np.roots([0.04, 5 - 0.2, 140]).real)
    vr = roots[0]
    assert lesson08.check_2({"k": 0.04, "vr": vr, "vt": -125 - vr}).ok
    fb = lesson08.check_2({"k": 0.04, "vr": roots[1], "vt": -125 - roots[1]})
    assert not fb.ok and "resting" in fb.message
    nob = np.sort(np.roots([0.04, 5, 140]).real)
    fb = lesson08.check_2({"k": 0.04, "vr": nob[0], "vt": nob[1]})
    assert not fb.ok and "b vr" in fb.message
    assert not lesson08.check_2({"k": 0.7, "vr": vr, "vt": -125 - vr}).ok
    assert not lesson08.check_2({"k": 0.04, "vr": -70, "vt": -50}).ok, "both roots of the same quadratic"


def test_exercise_3_nest_default_is_the_nest_scheme():
    """NEST's default izhikevich (consistent integration) reports tonic bursting's first spike one step after
    figure1.m would: the transcribed NEST loop's time with scheme 'nest' passes; figure1's time, the
    published-numerics scheme and a time one step off fail."""
    t = nest_consistent_first_spike()
    assert t is not None
    assert lesson08.check_3({"scheme": "nest", "first_spike_ms": t}).ok
    assert lesson08.check_3({"scheme": "NEST", "first_spike_ms": t}).ok, "scheme names are case-insensitive"
    fig1 = lesson08.nest_prediction()["figure1_first_spike_ms"]
    assert fig1 != t
    fb = lesson08.check_3({"scheme": "nest", "first_spike_ms": fig1})
    assert not fb.ok and "END" in fb.message
    assert not lesson08.check_3({"scheme": "nest_published", "first_spike_ms": t}).ok
    assert not lesson08.check_3({"scheme": "nest", "first_spike_ms": t + 0.25}).ok


@pytest.mark.parametrize("check", [lesson08.check_1, lesson08.check_2, lesson08.check_3])
@pytest.mark.parametrize("answer", JUNK, ids=[f"{k}-{type(x).__name__}" for k, x in enumerate(JUNK)])
def test_checks_never_raise(check, answer):
    """Whatever the student types, a check returns NOT YET feedback with a reason."""
    fb = check(answer)
    assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_placeholder_and_unknown_scheme_messages():
    """The placeholder is named; an unknown scheme is named with the allowed ones."""
    assert lesson08.check_2(...).message == PLACEHOLDER_HINT
    msg = lesson08.check_3({"scheme": "rk5", "first_spike_ms": 1.0}).message
    assert "'rk5'" in msg and "nest_published" in msg
