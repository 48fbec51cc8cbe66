"""Lesson 04 checks: rest and threshold from the nullclines, integrator or resonator, class-1 threshold current.

Right answers pass, plausible wrong ones and the placeholder fail, nothing raises. Expected values
are derived here by hand from the model (Izhikevich 2003, eq. 1) where that is possible.
"""

import math

import pytest

from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback
from izh_brian.teaching.exercises import lesson04 as L

WEIRD = [None, "abc", object(), float("nan"), [1, "x"], {"RS": 1}]


@pytest.mark.parametrize("check", [L.check_1, L.check_2, L.check_3], ids=["1", "2", "3"])
def test_placeholder_and_odd_answers_fail_without_raising(check):
    """The placeholder and answers of the wrong type give NOT YET with a message."""
    fb = check(...)
    assert isinstance(fb, Feedback) and not fb.ok and PLACEHOLDER_HINT in fb.message
    for answer in WEIRD:
        fb = check(answer)
        assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_exercise_1_rest_and_saddle_at_I_3():
    """0.04 v^2 + 5 v + 140 + 3 = 0.2 v has the roots -65 and -55 mV: rest and threshold. The I = 0
    crossings (-70, -50), the swapped pair and a value 1 mV off fail, each with its reason."""
    A, B, C = 0.04, 5 - 0.2, 140 + L.EX1_CURRENT
    s = math.sqrt(B * B - 4 * A * C)
    rest, saddle = (-B - s) / (2 * A), (-B + s) / (2 * A)
    assert L.check_1((rest, saddle)).ok
    assert L.check_1([rest + 0.3, saddle - 0.3]).ok
    swapped = L.check_1((saddle, rest))
    assert not swapped.ok and "order" in swapped.message
    at0 = L.check_1((-70, -50))
    assert not at0.ok and "I = 0" in at0.message
    assert not L.check_1((rest - 1, saddle)).ok
    assert not L.check_1((rest,)).ok


def test_exercise_2_integrator_or_resonator():
    """At I = 0, RS and FS (b = 0.2) rest at a stable node (integrators); LTS (b = 0.25) and RZ
    (b = 0.26) at a stable focus (resonators). The right dict passes; one flipped cell, a missing
    cell or a word other than the two fail."""
    right = {"RS": "integrator", "FS": "integrator", "LTS": "resonator", "RZ": "resonator"}
    assert {c: L.rest_kind(c) for c in L.EX2_CELLS} == right
    assert L.check_2(right).ok
    assert L.check_2({k: v.upper() for k, v in right.items()}).ok
    for cell in L.EX2_CELLS:
        flipped = dict(right, **{cell: "resonator" if right[cell] == "integrator" else "integrator"})
        fb = L.check_2(flipped)
        assert not fb.ok and cell in fb.message
    assert not L.check_2({k: right[k] for k in ("RS", "FS", "LTS")}).ok
    assert not L.check_2(dict(right, RS="node")).ok
    assert not L.check_2({c: "integrator" for c in L.EX2_CELLS}).ok


def test_exercise_3_class_1_threshold_current():
    """The class-1 neuron (4.1 v + 108, b = -0.1) loses its rest at the saddle-node
    I = (4.1 + 0.1)^2 / (4 * 0.04) - 108 = 2.25 mV/ms; simulated for 1000 ms it first fires just above
    that. The saddle-node value and the simulated one pass; half of it, or the current at which the
    f-I curve of 600 ms first shows a rate, fail."""
    I_sn = (4.1 + 0.1) ** 2 / (4 * 0.04) - 108
    sim = L.firing_threshold()
    assert I_sn <= sim <= I_sn + L.THRESHOLD_TOL
    assert L.check_3(I_sn).ok
    assert L.check_3(sim).ok
    low = L.check_3(I_sn / 2)
    assert not low.ok and "does not fire" in low.message
    high = L.check_3(I_sn + 0.25)
    assert not high.ok and "smaller current" in high.message
