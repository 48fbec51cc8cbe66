"""Lesson 09's checks: the coincidence factor by its formula, a fit of a seeded mystery neuron, and the check
report of the fitted neuron; right answers pass, plausible wrong ones and the placeholder fail, nothing raises."""

import numpy as np
import pytest

from izh_brian import get_preset, simulate
from izh_brian.fitting import coincidence_factor, fit
from izh_brian.teaching.check import check
from izh_brian.teaching.exercises import lesson09


def test_check_1_accepts_the_formula_and_rejects_the_raw_fraction():
    """Model and data trains share 4 coincidences within 2 ms (30.5 vs 33 is 2.5 ms apart); nu = 5/100 per ms:
    Gamma = (4 - 2*0.05*2*6) / (0.5*11*(1 - 0.2)) = 2.8/4.4. The raw fraction 4/6 and a wrong number fail."""
    assert lesson09.check_1(2.8 / 4.4).ok
    assert not lesson09.check_1(4 / 6).ok
    assert "fraction of coincident spikes" in lesson09.check_1(4 / 6).message
    assert not lesson09.check_1(0.5).ok
    assert not lesson09.check_1(...).ok
    assert not lesson09.check_1("0.63").ok
    assert not lesson09.check_1(float("nan")).ok


@pytest.fixture(scope="module")
def mystery():
    cell = lesson09.MysteryNeuron(5)
    res = fit(cell.target, budget=2048, seed=0)
    return cell, res


def test_mystery_neuron_is_seeded_hidden_and_not_the_published_cell(mystery):
    """The same seed gives the same neuron; the published parameters of its pattern do not reproduce its
    train (so the exercise needs a fit); its parameters are not in its repr."""
    cell, _ = mystery
    again = lesson09.MysteryNeuron(5)
    np.testing.assert_array_equal(again.target.spike_times_ms, cell.target.spike_times_ms)
    p = get_preset(cell.pattern)
    published = simulate(p)
    assert coincidence_factor(published.spike_times_ms, cell.target.spike_times_ms, cell.target.duration_ms) < 0.9
    assert "a=" not in repr(cell) and "0.0" not in repr(cell)


def test_check_2_passes_a_fit_and_fails_the_published_parameters(mystery):
    """A fit of the mystery target passes; the published cell's parameters, a dict missing d, a list and the
    placeholder do not; parameters that diverge give NOT YET, not an exception."""
    cell, res = mystery
    assert res.gamma >= 0.9
    assert lesson09.check_2(res.params, seed=5).ok
    p = get_preset(cell.pattern)
    assert not lesson09.check_2({"a": p.a, "b": p.b, "c": p.c, "d": p.d}, seed=5).ok
    assert not lesson09.check_2({"a": 0.02, "b": 0.2, "c": -65}, seed=5).ok
    assert not lesson09.check_2([0.02, 0.2, -65, 8], seed=5).ok
    assert not lesson09.check_2(..., seed=5).ok
    assert not lesson09.check_2({"a": 0.02, "b": 0.2, "c": -65, "d": ...}, seed=5).ok
    assert not lesson09.check_2({"a": 5.0, "b": 50.0, "c": -65, "d": 1e6}, seed=5).ok


def test_check_3_needs_a_report_of_the_fitted_neuron(mystery):
    """The check report of the fitted neuron's response, made with its parameters, passes; the same report
    without them (whose reference line compares the fitted neuron with the published cell's run, which says
    nothing) fails saying so; a report of the published cell (right pattern, wrong train), of another
    pattern, and a non-report fail."""
    cell, res = mystery
    r = simulate(cell.pattern, **res.params)
    fitted = check(cell.pattern, r.spike_times_ms, t_ms=r.t_ms, v_mV=r.v_mV, I=r.I, params=res.params)
    assert fitted.reference is None and "parameters" in fitted.reference_reason
    fb = lesson09.check_3(fitted, seed=5)
    assert fb.ok, fb.message
    no_params = lesson09.check_3(check(cell.pattern, r.spike_times_ms, t_ms=r.t_ms, v_mV=r.v_mV, I=r.I), seed=5)
    assert not no_params.ok and "params=answer_2" in no_params.message
    published = simulate(cell.pattern)
    assert not lesson09.check_3(check(cell.pattern, published.spike_times_ms), seed=5).ok
    other = "tonic_spiking"
    o = simulate(other)
    assert not lesson09.check_3(check(other, o.spike_times_ms), seed=5).ok
    assert not lesson09.check_3(r.spike_times_ms, seed=5).ok
    assert not lesson09.check_3(..., seed=5).ok


def test_checks_without_a_drawn_neuron_say_so():
    """Before any neuron is drawn, check 2 says to draw one first (it never raises)."""
    lesson09._LAST.clear()
    fb = lesson09.check_2({"a": 0.02, "b": 0.2, "c": -65, "d": 8})
    assert not fb.ok and "mystery_neuron" in fb.message
    with pytest.raises(ValueError, match="seed"):
        lesson09.mystery_neuron(-1)
