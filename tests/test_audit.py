"""Behaviours the other test files left open: the spike test's inequality per scheme, and the
per-neuron step (``make_neurons(steps=...)``, used by ``simulate_many``) under every kind of scheme.

The science: figure1.m tests ``V > 30`` (strict), net.m and NEST ``v >= 30`` (reference sections 1,
4 and 5). A neuron with its own step ``h = stride * tick`` in a group ticking at ``tick`` must be
the same neuron as one in a group ticking at ``h``: same spike steps, same trace, same input
samples, whatever the scheme (custom or a Brian2 method).
"""

import numpy as np
import oracle
import pytest
from brian2 import Network, SpikeMonitor, StateMonitor, ms, mV
from tolerances import SPIKE_TIME_ATOL_MS

from izh_brian import make_neurons, simulate, simulate_many

#: Presets of four different published steps (0.25, 0.2, 0.1, 0.5 ms): in one group they tick at
#: 0.05 ms with strides 5, 4, 2 and 10. All are of the standard form and fire under every scheme.
MIXED = ["tonic_spiking", "phasic_bursting", "depolarizing_after_potential", "inhibition_induced_spiking"]


@pytest.mark.parametrize("scheme, spikes_at_cutoff", [
    ("figure1", False), ("euler", False), ("rk4", False),
    ("net2003", True), ("nest", True), ("nest_published", True),
])
def test_spike_test_is_strict_only_where_the_reference_is(scheme, spikes_at_cutoff):
    """A neuron held exactly at the cut-off (v = 30 mV with a zero vector field) is no spike under
    figure1.m's ``V > 30`` (and the Brian2 methods, which follow it), but is one under net.m's and
    NEST's ``v >= 30``. A neuron a hair above the cut-off spikes under every scheme, so the silent
    case is the inequality, not a neuron that cannot fire."""
    G = make_neurons(2, a=0.0, b=0.0, c=-65, d=0, v0=[30.0, 30.000001], scheme=scheme, dt=0.25)
    G.k2, G.k1, G.k0 = 0.0, 0.0, 0.0  # v' = -u + I = 0 and u' = 0: v stays where it starts
    spikes = SpikeMonitor(G)
    Network(G, spikes).run(1 * ms, namespace={})
    assert spikes.count[1] == 1
    assert spikes.count[0] == (1 if spikes_at_cutoff else 0)


@pytest.mark.parametrize("scheme", ["net2003", "euler", "rk4", "nest_published"])
def test_per_neuron_steps_equal_a_group_at_each_presets_own_dt(scheme):
    """simulate_many runs the four presets in one group ticking at 0.05 ms, each neuron advancing
    by its own step on its own ticks; each must equal the preset simulated alone (a group ticking
    at its own dt, stride 1): the same spike steps, bit-identical traces and the same input."""
    many = simulate_many(MIXED, scheme=scheme)
    assert {r.extra["tick_ms"] for r in many} == {0.05} and len({r.extra["group"] for r in many}) == 1
    for r in many:
        alone = simulate(r.name, scheme=scheme)
        assert alone.extra["tick_ms"] == r.dt_ms
        assert r.n_spikes > 0, r.name
        np.testing.assert_array_equal(r.spike_steps, alone.spike_steps, err_msg=f"{r.name} under {scheme}")
        np.testing.assert_array_equal(r.v_mV, alone.v_mV, err_msg=f"{r.name} under {scheme}")
        np.testing.assert_array_equal(r.I, alone.I, err_msg=f"{r.name} under {scheme}")


@pytest.mark.parametrize("scheme, reference", [("net2003", oracle.run_net2003), ("euler", oracle.run_euler)])
def test_mixed_steps_follow_the_programs_at_each_presets_dt(scheme, reference):
    """Under simulate_many with mixed steps, net2003 is net.m's loop and euler is forward Euler,
    each at the preset's own published dt (independent transcriptions in tests/oracle.py)."""
    for r in simulate_many(MIXED, scheme=scheme):
        expected = reference(r.name)
        assert len(expected) > 0, r.name
        assert r.n_spikes == len(expected), (r.name, r.spike_times_ms, expected)
        np.testing.assert_allclose(r.spike_times_ms, expected, atol=SPIKE_TIME_ATOL_MS, rtol=0, err_msg=r.name)


def test_make_neurons_steps_read_their_own_input_sample():
    """At the builder level: a neuron with ``steps = 0.5`` in a group at dt = 0.1 reads sample
    ``tick // 5`` of its stimulus column and advances only on ticks 0, 5, 10, ...; its v after each
    of its steps equals a neuron of a group at dt = 0.5 fed the same column."""
    n = 200
    col = np.where(np.arange(n) * 0.5 > 10, 14.0, 0.0)
    fine = make_neurons(2, a=0.02, b=0.2, c=-65, d=6, v0=-70, dt=0.1, steps=[0.5, 0.1],
                        stimulus=np.column_stack([col, np.zeros(n)]))
    coarse = make_neurons(1, a=0.02, b=0.2, c=-65, d=6, v0=-70, dt=0.5, stimulus=col)
    mf = StateMonitor(fine, "v", record=True, when="end")
    mc = StateMonitor(coarse, "v", record=True, when="end")
    sf, sc = SpikeMonitor(fine), SpikeMonitor(coarse)
    Network(fine, coarse, mf, mc, sf, sc).run(n * 0.5 * ms, namespace={})
    v_fine = np.asarray(mf.v[0] / mV)
    v_coarse = np.asarray(mc.v[0] / mV)
    np.testing.assert_array_equal(v_fine[::5], v_coarse)
    # between its own ticks the neuron holds still
    np.testing.assert_array_equal(v_fine.reshape(-1, 5), np.repeat(v_fine[::5, None], 5, axis=1))
    t_fine = np.asarray(sf.t[sf.i == 0] / ms)
    assert len(t_fine) > 2
    np.testing.assert_allclose(t_fine, np.asarray(sc.t / ms), atol=1e-9)
    # the neighbour without input (step 0.1) stays at rest (-70 mV is a fixed point at I = 0)
    assert sf.count[1] == 0 and np.allclose(np.asarray(mf.v[1] / mV), -70.0)


@pytest.mark.parametrize("scheme", ["figure1", "net2003", "nest", "nest_published"])
def test_nest_device_input_acts_one_step_late_and_I_ext_at_once(scheme):
    """NEST's device currents pass a ring buffer: step k sees the sample k - 1 (step 0 the first
    sample, which NEST carries as I_e); ``I_ext`` acts at once, like NEST's I_e. figure1.m and
    net.m read the sample of the step itself. With v' = I (k2 = k1 = k0 = 0, u = 0) the trace is the
    running sum of the input each step saw, so the delay shows sample by sample."""
    stim = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    G = make_neurons(2, a=0.0, b=0.0, c=-65, d=0, v0=-70, scheme=scheme, dt=0.25,
                     stimulus=np.column_stack([stim, np.zeros_like(stim)]))
    G.k2, G.k1, G.k0 = 0.0, 0.0, 0.0
    G.I_ext = [0.0, 3.0] * mV / ms
    mon = StateMonitor(G, "v", record=True, when="end")
    Network(G, mon).run(len(stim) * 0.25 * ms, namespace={})
    seen = np.r_[stim[:1], stim[:-1]] if scheme.startswith("nest") else stim
    np.testing.assert_allclose(np.asarray(mon.v[0] / mV), -70 + 0.25 * np.cumsum(seen), rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(mon.v[1] / mV), -70 + 0.25 * 3.0 * np.arange(1, len(stim) + 1),
                               rtol=0, atol=1e-9)
