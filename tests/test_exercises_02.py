"""Lesson 02 checks: read the specificity matrix, turn phasic into tonic spiking, panels that need their own step.

Right answers pass, plausible wrong ones and the placeholder fail, nothing raises.
"""

import pytest

from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback
from izh_brian.teaching.exercises import lesson02 as L

WEIRD = [None, 3, "abc", object(), float("nan"), {"d": "x"}]


@pytest.mark.parametrize("check", [L.check_1, L.check_2, L.check_3], ids=["1", "2", "3"])
def test_placeholder_and_odd_answers_fail_without_raising(check):
    """The placeholder and answers of the wrong type give NOT YET with a message."""
    fb = check(...)
    assert isinstance(fb, Feedback) and not fb.ok and PLACEHOLDER_HINT in fb.message
    for answer in WEIRD:
        fb = check(answer)
        assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_there_are_twenty_panels():
    """2004 Fig. 1 has panels A to T."""
    assert len(L.panels_2004()) == 20


def test_exercise_1_an_off_diagonal_green_cell():
    """Every accepted off-diagonal pair passes (in any letter case); the transposed pair, a diagonal
    cell, a rejected pair and a 2003 name fail."""
    pairs = L.off_diagonal_2004()
    assert pairs, "the 20 x 20 matrix has accepted cells off its diagonal"
    for val, resp in pairs:
        assert L.check_1((val, resp)).ok
        assert L.check_1([val.upper(), resp]).ok
        if (resp, val) not in pairs:
            swapped = L.check_1((resp, val))
            assert not swapped.ok and "rows are validators" in swapped.message
    diag = L.check_1(("tonic_spiking", "tonic_spiking"))
    assert not diag.ok and "diagonal" in diag.message
    assert ("phasic_spiking", "tonic_bursting") not in pairs
    assert not L.check_1(("phasic_spiking", "tonic_bursting")).ok
    assert not L.check_1(("RS", "tonic_spiking")).ok


def test_exercise_2_phasic_to_tonic():
    """A negative d makes each spike lower u, so the weak step sustains firing: tonic. A larger c gives
    a few spikes that stop; a large b fires before the step; no change is refused."""
    assert L.check_2({"d": -2}).ok
    few = L.check_2({"c": -30})
    assert not few.ok and "tonic_spiking validator" in few.message
    assert not L.check_2({"b": 0.3}).ok
    assert not L.check_2({"d": 6}).ok
    assert not L.check_2({"d": -2, "c": -60}).ok


def test_exercise_3_panels_that_fail_at_a_finer_step():
    """Some, not all, panels lose their pattern at dt = 0.1 ms (the published parameters belong to
    figure1.m's own steps); the exact set passes, a subset, a superset or one name fails."""
    want = L.failing_at()
    assert 0 < len(want) < 20
    assert L.check_3(set(want)).ok
    assert L.check_3([w.upper() for w in want]).ok
    if len(want) > 1:
        short = L.check_3(want[:-1])
        assert not short.ok and "more panel" in short.message
    extra = next(n for n in L.panels_2004() if n not in want)
    more = L.check_3(list(want) + [extra])
    assert not more.ok and extra in more.message
    assert not L.check_3(want[0]).ok
    assert not L.check_3([]).ok
