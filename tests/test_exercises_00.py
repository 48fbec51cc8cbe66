"""Lesson 00 checks: the unit of 0.04, tonic bursting from the student's model, figure1.m's spike times.

Each check must pass the right answer, fail plausible wrong ones with a message saying what is
wrong, fail the placeholder ``...``, and never raise (a raising check would stop the lesson).
The spike trains of a student's model are stood in for by the package's runs of the same
protocol: ``scheme="euler"`` is what ``method="euler"`` gives (the lesson's own model), and
``figure1`` is figure1.m's loop (Izhikevich 2004, Fig. 1).
"""

import numpy as np
import pytest
from brian2 import Network, SpikeMonitor, ms, mV, second, volt

import izh_brian
from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback
from izh_brian.teaching.exercises import lesson00 as L

WEIRD = [None, "abc", 3, [1, 2, "x"], {"a": 1}, object(), float("nan"), np.array([[1.0, 2.0]])]


def test_placeholder_fails_every_check():
    """The unsolved lesson holds ``...``: every check says so, and none passes."""
    for check in (L.check_1, L.check_2, L.check_3):
        fb = check(...)
        assert isinstance(fb, Feedback) and not fb.ok and PLACEHOLDER_HINT in fb.message


@pytest.mark.parametrize("answer", WEIRD, ids=[f"{k}-{type(x).__name__}" for k, x in enumerate(WEIRD)])
def test_checks_never_raise_on_odd_answers(answer):
    """Wrong types, NaN and shapes give NOT YET with a message, never an exception."""
    for check in (L.check_1, L.check_2, L.check_3):
        fb = check(answer)
        assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_exercise_1_the_coefficient_needs_one_over_mV():
    """k v^2 must be a voltage for v in volts, with the paper's value for v in mV (2003 eq. 1): k = 0.04/mV.
    The same quantity written in other units passes; a plain 0.04, a wrong unit or a value off by the
    mV/V factor fails, saying which."""
    assert L.check_1(0.04 / mV).ok
    assert L.check_1(40 / volt).ok
    plain = L.check_1(0.04)
    assert not plain.ok and "mV**2" in plain.message
    assert not L.check_1(0.04 * mV).ok
    assert not L.check_1(0.04 / mV / ms).ok
    per_volt = L.check_1(0.04 / volt)
    assert not per_volt.ok and "per mV" in per_volt.message
    assert not L.check_1(0.05 / mV).ok


def _bursting_run(scheme="euler", *, onset=22.0, T=220.0, I=15.0, c=-50.0, dt=0.25):
    """The lesson's run_model for 2004 Fig. 1 C, with the package's group: I = 0 on the grid points
    t <= onset, then I; the run ends at T + dt (the grid 0:dt:T). Returns the SpikeMonitor."""
    G = izh_brian.make_neurons(1, a=0.02, b=0.2, c=c, d=2, v0=-70, dt=dt, scheme=scheme)
    mon = SpikeMonitor(G)
    net = Network(G, mon)
    net.run((onset + dt) * ms, namespace={})
    G.I_ext = I * mV / ms
    net.run((T - onset) * ms, namespace={})
    return mon


def test_exercise_2_tonic_bursting_passes_from_a_euler_model_on_the_panels_protocol():
    """A forward-Euler model of 2004 Fig. 1 C run on the panel's protocol bursts (the pattern, not
    figure1.m's exact times, is graded), and so does figure1.m's order."""
    fb = L.check_2(_bursting_run("euler"))
    assert fb.ok, fb.message
    assert "2004 Fig. 1 C" in fb.message
    assert L.check_2(_bursting_run("figure1")).ok


def test_exercise_2_fails_the_wrong_protocol_naming_what_differs():
    """The same neuron on another protocol shows bursts too, so the pattern alone cannot grade it:
    T = 200 ms with the input from 20 ms (the issue's example), the onset alone moved by 2 ms (the first
    spike comes 2 ms early), another amplitude, another step, another reset each fail, naming the value."""
    wrong = {
        "T = 200, onset 20": (dict(T=200.0, onset=20.0), "200.25 ms"),
        "onset 20": (dict(onset=20.0), "first spike is at 23 ms"),
        "onset 24": (dict(onset=24.0), "first spike is at 27 ms"),
        "I = 14": (dict(I=14.0), "I_ext = 14"),
        "dt = 0.5": (dict(dt=0.5), "dt = 0.5 ms"),
        "c = -55": (dict(c=-55.0), "your c is -55"),
    }
    for label, (kwargs, phrase) in wrong.items():
        fb = L.check_2(_bursting_run("euler", **kwargs))
        assert not fb.ok and phrase in fb.message, (label, fb.message)


def test_exercise_2_wants_the_spike_monitor_and_other_patterns_fail():
    """Spike times alone carry no protocol: the check asks for the SpikeMonitor. A tonic-spiking neuron
    on panel C's protocol (c = -65, d = 6 would be panel A's neuron) is refused by its parameters."""
    times = L.check_2(izh_brian.simulate("tonic_bursting").spike_times_ms)
    assert not times.ok and "SpikeMonitor" in times.message
    assert not L.check_2(izh_brian.simulate("tonic_bursting").spike_times_ms * ms).ok
    G = izh_brian.make_neurons(1, a=0.02, b=0.2, c=-65, d=6, v0=-70, dt=0.25, scheme="euler")
    mon = SpikeMonitor(G)
    net = Network(G, mon)
    net.run(22.25 * ms, namespace={})
    G.I_ext = 15 * mV / ms
    net.run(198 * ms, namespace={})
    spiking = L.check_2(mon)
    assert not spiking.ok and "your c is -65" in spiking.message


def test_exercise_3_needs_figure1_spike_times_to_the_step():
    """figure1.m's loop (u from the new v) passes; forward Euler (u from the old v) has the same pattern
    but spikes that drift from the third on, and fails naming where they part; one spike moved by a
    step fails too."""
    fig1 = izh_brian.simulate("tonic_spiking").spike_times_ms
    assert L.check_3(fig1).ok
    euler = L.check_3(izh_brian.simulate("tonic_spiking", scheme="euler").spike_times_ms)
    assert not euler.ok and "first difference" in euler.message and "euler" in euler.message
    moved = fig1.copy()
    moved[-1] += 0.25
    assert not L.check_3(moved).ok
    assert not L.check_3(fig1[:-1]).ok


def test_exercise_3_reads_a_spike_monitor_of_a_brian2_group():
    """The lesson passes a SpikeMonitor: a group stepped in figure1.m's order and run on panel A's
    protocol (10.25 ms without input, then 90 ms at 14 mV/ms) gives figure1.m's spikes."""
    G = izh_brian.make_neurons(1, a=0.02, b=0.2, c=-65, d=6, v0=-70, dt=0.25, scheme="figure1")
    mon = SpikeMonitor(G)
    net = Network(G, mon)
    net.run(10.25 * ms, namespace={})
    G.I_ext = 14 * mV / ms
    net.run(90 * ms, namespace={})
    assert L.check_3(mon).ok
    np.testing.assert_allclose(L.spike_times_of(mon), izh_brian.simulate("tonic_spiking").spike_times_ms)


def test_as_float_converts_quantities_and_refuses_the_wrong_dimension():
    """Plain numbers are read in the stated unit, Brian2 quantities converted, others refused."""
    assert L.as_float(18.25, "t", unit="ms") == 18.25
    assert L.as_float(0.01825 * second, "t", unit="ms") == pytest.approx(18.25)
    for bad in (3 * mV, True, "1", [1, 2]):
        with pytest.raises(L.NotYet):
            L.as_float(bad, "t", unit="ms")
