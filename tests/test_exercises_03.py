"""Lesson 03 checks: the mystery neuron, a chattering point of the (c, d) plane, RS made FS.

Right answers pass, plausible wrong ones and the placeholder fail, nothing raises. The mystery
neuron's class is hidden: the lesson never shows a, b, c, d, yet its step response must let the
classifier (and so the student) find the class.
"""

import pytest

from izh_brian.analysis import classify_features, step_response_features
from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback
from izh_brian.teaching.exercises import lesson03 as L

SEEDS = (0, 1, 2, 5)


def test_placeholder_and_odd_answers_fail_without_raising():
    """The placeholder and answers of the wrong type give NOT YET with a message."""
    L.mystery_neuron(0)
    for check in (L.check_1, L.check_2, L.check_3):
        fb = check(...)
        assert isinstance(fb, Feedback) and not fb.ok and PLACEHOLDER_HINT in fb.message
        for answer in (None, 3, object(), float("nan"), [1, "x"], {"a": "x"}):
            fb = check(answer)
            assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_check_1_asks_for_a_neuron_first():
    """Before any mystery neuron is drawn, exercise 1 says how to draw one."""
    L._LAST.clear()
    fb = L.check_1("RS")
    assert not fb.ok and "mystery_neuron" in fb.message


@pytest.mark.parametrize("seed", SEEDS)
def test_exercise_1_the_class_can_be_read_from_the_response(seed):
    """The classifier applied to the mystery neuron's step response finds its class; that answer
    passes, every other class fails, and the neuron's repr does not show its parameters."""
    m = L.mystery_neuron(seed)
    r = m.step_response()
    label, _ = classify_features(step_response_features(r.spike_times_ms, r.onset_ms, r.stop_ms, r.v_mV, r.t_ms))
    assert L.check_1(label).ok
    assert L.check_1(label.lower()).ok
    assert L.check_1(label, seed=seed).ok
    for other in L.MYSTERY_CLASSES:
        if other != label:
            assert not L.check_1(other).ok
    assert repr(m) == f"MysteryNeuron(seed={seed})"


def test_mystery_neurons_differ_between_seeds():
    """Different students get different classes: the seeds above cover at least three of the five."""
    assert len({L.MysteryNeuron(s)._label for s in SEEDS}) >= 3


def test_mystery_neuron_refuses_a_bad_seed():
    """A seed is a whole number >= 0; anything else is a clear ValueError."""
    for bad in (-1, "x", None):
        with pytest.raises(ValueError, match="seed"):
            L.mystery_neuron(bad)


def test_exercise_2_a_chattering_point():
    """(c, d) = (-48, 2) lies in the CH region of the (c, d) map (a = 0.02, b = 0.2); the 2003 CH cell
    itself is refused, RS's and IB's points are other classes."""
    assert L.check_2((-48, 2)).ok
    own = L.check_2((-50, 2))
    assert not own.ok and "itself" in own.message
    rs = L.check_2((-65, 8))
    assert not rs.ok and "RS" in rs.message
    assert not L.check_2((-55, 4)).ok
    assert not L.check_2((-500, 2)).ok


def test_exercise_3_RS_made_fast_spiking():
    """A fast recovery (a = 0.1, as FS) removes RS's adaptation: FS. A small d gives adapting fast
    firing (LTS), not FS; two changes are refused."""
    assert L.check_3({"a": 0.1}).ok
    lts = L.check_3({"d": 1})
    assert not lts.ok and "LTS" in lts.message
    assert not L.check_3({"a": 0.1, "d": 2}).ok
    assert not L.check_3({"c": -50}).ok
