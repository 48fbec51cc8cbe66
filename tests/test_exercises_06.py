"""The checks of lesson 06 (explorer): right answers pass, plausible wrong ones and the placeholder fail,
and no answer makes a check raise.

Published values (2003 Fig. 2: CH has d = 2, RS d = 8, FS a = 0.1) and an independent figure1.m loop for
the rheobase give the expected answers.
"""

from __future__ import annotations

import pytest

from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback, lesson06

JUNK = [..., None, "2", [2], {"d": 2}, float("nan"), float("inf"), True, 1e9, -1e9, object()]


def figure1_step_spikes(a, b, c, d, I, V0=-65.0, onset=10.0, T=200.0, tau=0.25):
    """figure1.m's loop for a step ``I`` at ``t > onset``, typed independently of the package."""
    V, u, n = V0, b * V0, 0
    for k in range(int(round(T / tau)) + 1):
        t = k * tau
        V = V + tau * (0.04 * V * V + 5 * V + 140 - u + (I if t > onset else 0.0))
        u = u + tau * a * (b * V - u)
        if V > 30:
            n += 1
            V, u = c, u + d
    return n


def test_exercise_1_chattering_needs_a_small_d():
    """With c = -50 mV, the published chattering value d = 2 (2003 Fig. 2) passes validator CH; RS's d = 8
    does not chatter, so it fails."""
    assert lesson06.check_1(2).ok
    assert lesson06.check_1(2.0).ok
    fb = lesson06.check_1(8)
    assert not fb.ok and "does not chatter" in fb.message


def test_exercise_2_smallest_a_of_fast_spiking():
    """The smallest a of the grid at which validator FS passes is the right answer; the published
    a = 0.1 passes FS but is not the smallest, RS's a = 0.02 fails FS, and a value off the grid is refused."""
    from izh_brian import simulate
    from izh_brian.analysis import validate

    a_star = lesson06.fs_threshold_a()
    below = [a for a in lesson06.A_GRID if a < a_star]
    assert below, "the threshold should lie above RS's a = 0.02"
    assert validate("FS", simulate("FS", a=a_star)).ok
    assert not validate("FS", simulate("FS", a=below[-1])).ok
    assert lesson06.check_2(a_star).ok
    assert not lesson06.check_2(0.1).ok, "the published FS value is not the smallest"
    assert not lesson06.check_2(0.02).ok
    assert not lesson06.check_2(a_star + 0.005).ok, "off the grid"


def test_exercise_3_rheobase_agrees_with_figure1m():
    """The rheobase of the RS neuron on the 0.1 grid, computed with an independent figure1.m loop, passes;
    one grid step below (no spike) and one above (not the smallest) fail."""
    a, b, c, d = lesson06.RHEOBASE_NEURON
    rheo = next(I for I in lesson06.I_GRID if figure1_step_spikes(a, b, c, d, I) > 0)
    assert lesson06.rheobase() == pytest.approx(rheo)
    assert lesson06.check_3(rheo).ok
    assert not lesson06.check_3(round(rheo - 0.1, 1)).ok
    assert not lesson06.check_3(round(rheo + 0.1, 1)).ok
    assert not lesson06.check_3(4.0).ok, "the saddle-node current of (0.02, 0.2), 4 mV/ms, is not the simulated rheobase"


@pytest.mark.parametrize("check", [lesson06.check_1, lesson06.check_2, lesson06.check_3])
@pytest.mark.parametrize("answer", JUNK, ids=[f"{k}-{type(x).__name__}" for k, x in enumerate(JUNK)])
def test_checks_never_raise(check, answer):
    """Whatever the student types, a check returns NOT YET feedback with a reason."""
    fb = check(answer)
    assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_placeholder_and_bad_value_messages():
    """The placeholder is named as such; an out-of-range d is named with the allowed range."""
    assert lesson06.check_1(...).message == PLACEHOLDER_HINT
    msg = lesson06.check_1(1e9).message
    assert "1e+09" in msg and "-10" in msg and "30" in msg
