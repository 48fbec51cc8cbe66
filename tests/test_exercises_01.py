"""Lesson 01 checks: read a result, stop tonic bursting with one change, count spikes of a group.

Right answers pass, plausible wrong ones and the placeholder fail, nothing raises. The expected
values are recomputed by the checks; here they are derived independently where that is cheap.
"""

import numpy as np
import pytest
from brian2 import ms

import izh_brian
from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback
from izh_brian.teaching.exercises import lesson01 as L

WEIRD = [None, "abc", [1, 2, "x"], {"a": "x"}, object(), float("nan"), {"z": 1.0}]


@pytest.mark.parametrize("check", [L.check_1, L.check_2, L.check_3], ids=["1", "2", "3"])
def test_placeholder_and_odd_answers_fail_without_raising(check):
    """The placeholder and answers of the wrong type give NOT YET with a message."""
    fb = check(...)
    assert isinstance(fb, Feedback) and not fb.ok and PLACEHOLDER_HINT in fb.message
    for answer in WEIRD:
        fb = check(answer)
        assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_exercise_1_first_spike_of_RS():
    """The RS cell's first spike comes a few ms after its step (t > 15 ms, izhi2003.m), at a grid
    time k*dt; the number or a Brian2 time passes, the step index, the onset or a later spike fail."""
    st = izh_brian.simulate("RS").spike_times_ms
    assert 15 < st[0] < 30
    assert L.check_1(st[0]).ok
    assert L.check_1(st[0] * ms).ok
    index = L.check_1(st[0] / 0.25)
    assert not index.ok and "step index" in index.message
    later = L.check_1(st[1])
    assert not later.ok and "later spike" in later.message
    assert not L.check_1(15.0).ok
    assert not L.check_1(st[0] * 1000).ok


def test_exercise_2_one_change_that_stops_the_bursts():
    """d = 8 (the RS value) leaves one onset burst and then single spikes: accepted. c = -55 still bursts,
    b = 0.25 fires before the step, b = -1 falls silent, two changes or no change are refused."""
    assert L.check_2({"d": 8}).ok
    assert L.check_2({"c": -65}).ok
    still = L.check_2({"c": -55})
    assert not still.ok and "still" in still.message
    early = L.check_2({"b": 0.25})
    assert not early.ok and "before the step" in early.message
    silent = L.check_2({"b": -1})
    assert not silent.ok and "keep firing" in silent.message
    assert not L.check_2({"c": -65, "d": 8}).ok
    assert not L.check_2({"d": 2}).ok


def test_exercise_3_spike_counts_of_a_make_neurons_group():
    """More current, more spikes: the counts grow with I; the right list passes, one count off, the
    reversed order or the RS neuron's counts fail."""
    want = L.fs_spike_counts()
    assert want == sorted(want) and want[0] < want[-1]
    assert L.check_3(want).ok
    assert L.check_3(np.array(want)).ok
    off = list(want)
    off[1] += 1
    assert not L.check_3(off).ok
    assert not L.check_3(want[::-1]).ok
    assert not L.check_3(want[:2]).ok
    assert not L.check_3([float(x) + 0.5 for x in want]).ok
