"""The core: presets, stimuli, the NeuronGroup builder and the schemes reproduce the reference programs."""

import numpy as np
import oracle
import pytest
from brian2 import Network, SpikeMonitor, ms, mV
from tolerances import SPIKE_TIME_ATOL_MS

import izh_brian
from izh_brian import PRESETS, REFERENCE_PRESETS, get_preset, make_neurons, simulate, simulate_many
from izh_brian.presets import UnknownPresetError, with_overrides
from izh_brian.simulation import DivergenceError
from izh_brian.stimuli import Piece, Stimulus, n_steps, pulses, step, time_grid_ms


@pytest.fixture(scope="module")
def figure1_results():
    return {r.name: r for r in simulate_many(list(REFERENCE_PRESETS))}


# --- presets -----------------------------------------------------------------------------------


def test_there_are_28_reference_presets_with_the_canonical_names():
    """2004 Fig. 1 has 20 panels (A-T) and 2003 Fig. 2 has 8 classes; the oracle names all 28."""
    assert len(REFERENCE_PRESETS) == 28
    assert list(REFERENCE_PRESETS) == list(oracle.PROTOCOLS)
    panels = [p.panel for p in REFERENCE_PRESETS.values() if p.paper == "2004"]
    assert panels == [chr(ord("A") + k) for k in range(20)]


def test_presets_are_frozen_records():
    """A preset is data: changing it in place is refused (use with_overrides)."""
    import dataclasses

    p = get_preset("tonic_spiking")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.a = 0.1  # type: ignore[misc]
    assert get_preset("tonic_spiking").a == 0.02


def test_lookup_is_case_insensitive_and_unknown_names_list_close_ones():
    """`TONIC_Bursting` finds tonic_bursting; a typo names the closest presets."""
    assert get_preset("TONIC_Bursting").name == "tonic_bursting"
    assert get_preset("rs").name == "RS"
    with pytest.raises(UnknownPresetError) as info:
        get_preset("tonic_burstng")
    assert "tonic_bursting" in str(info.value) and "tonic_burstng" in str(info.value)


def test_variants_follow_the_reference():
    """G and L use 4.1 V + 108; R uses u' = a b (V + 65) and u0 = -16; all others are standard."""
    special = {n: p.variant for n, p in REFERENCE_PRESETS.items() if p.variant != "standard"}
    assert special == {"class_1_excitable": "class1", "integrator": "class1", "accommodation": "accommodation"}
    assert get_preset("accommodation").initial_u == -16
    assert get_preset("tonic_spiking").initial_u == pytest.approx(0.2 * -70)


def test_overrides_recompute_u0_and_reject_bad_values():
    """Changing b or V0 moves u0 = b V0 along; unknown keys, non-numbers and bad dt are refused by name."""
    p = with_overrides(get_preset("tonic_spiking"), b=0.25, V0=-60)
    assert p.initial_u == pytest.approx(-15.0)
    with pytest.raises(ValueError, match="unknown parameter 'q'"):
        with_overrides(p, q=1)
    with pytest.raises(ValueError, match="a must be a number"):
        with_overrides(p, a="x")
    with pytest.raises(ValueError, match="dt must be > 0"):
        with_overrides(p, dt=0)
    with pytest.raises(ValueError, match="at most the duration"):
        with_overrides(p, dt=101)


# --- stimuli -----------------------------------------------------------------------------------


def test_pulse_with_strict_inequalities_lasts_w_over_tau_minus_one_samples():
    """figure1.m's pulse `T1 < t < T1 + w` covers w/tau - 1 grid samples."""
    s = pulses(7.04, [10.0], 3.0).sample(0.2, 100)
    assert np.count_nonzero(s) == round(3.0 / 0.2) - 1
    s = step(14, 10).sample(0.25, 100)
    assert s[40] == 0 and s[41] == 14  # t = 10 is not > 10


def test_grid_includes_the_end_time():
    """`0:tau:T` includes T: 100 ms at 0.25 ms is 401 samples."""
    assert n_steps(0.25, 100) == 401
    assert time_grid_ms(0.25, 100)[-1] == 100
    assert n_steps(0.1, 0.3) == 4  # 0.3/0.1 is 2.9999999999999996 in floats: still 0, 0.1, 0.2, 0.3
    with pytest.raises(ValueError, match="dt must be a positive number of ms, got 0"):
        n_steps(0, 100)


@pytest.mark.parametrize("name", list(REFERENCE_PRESETS))
def test_every_protocol_samples_like_the_reference(name):
    """Each preset's stimulus equals the oracle's I(t) at every sample of its grid, bit for bit."""
    p = get_preset(name)
    I_ref = oracle.PROTOCOLS[name][8]
    t = time_grid_ms(p.dt, p.duration)
    expected = np.array([I_ref(x) for x in t])
    assert np.array_equal(p.stimulus.at(t), expected)


def test_closed_and_open_window_edges():
    """Closed edges include the boundary sample, open ones exclude it."""
    t = np.array([49.5, 50.0, 50.5, 250.0, 250.5])
    s = Stimulus(80.0, (Piece(50.0, 250.0, 75.0, closed_start=True, closed_stop=True),))
    assert s.at(t).tolist() == [80, 75, 75, 75, 80]
    s = Stimulus(80.0, (Piece(50.0, 250.0, 75.0),))
    assert s.at(t).tolist() == [80, 80, 75, 80, 80]


# --- exact reproduction ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(REFERENCE_PRESETS))
def test_figure1_scheme_gives_the_reference_spike_times(figure1_results, name):
    """Under the default scheme and dt, every preset spikes at exactly the reference program's steps."""
    spikes, _ = oracle.run_figure1(name)
    r = figure1_results[name]
    assert r.scheme == "figure1" and r.dt_ms == oracle.PROTOCOLS[name][6]
    assert r.n_spikes == len(spikes) > 0  # every reference response spikes
    np.testing.assert_allclose(r.spike_times_ms, spikes, atol=SPIKE_TIME_ATOL_MS, rtol=0)


@pytest.mark.parametrize("name", ["tonic_bursting", "class_1_excitable", "accommodation", "bistability"])
def test_traces_follow_the_reference_and_draw_apexes_at_30(figure1_results, name):
    """The voltage trace is figure1.m's VV: the reference samples, spikes drawn at exactly 30 mV."""
    _, trace = oracle.run_figure1(name)
    r = figure1_results[name]
    trace = np.asarray(trace)
    assert r.v_mV.shape == trace.shape == r.t_ms.shape == r.I.shape
    assert np.all(r.v_mV[r.spike_steps] == 30.0)
    assert np.max(r.v_mV) <= 30.0
    # Brian2 stores SI units, so rounding differs in the last bits (measured: below 1e-8 mV at every
    # sample); every sample, spikes and upswings included, must agree.
    assert np.max(np.abs(r.v_mV - trace)) < 1e-6


def test_results_carry_brian2_quantities_and_plain_arrays(figure1_results):
    """t, v, spike_times are Brian2 quantities; *_ms / _mV arrays are plain floats in those units;
    the JSON record carries figure1.m's spike times (from the oracle, not from the code under test)."""
    r = figure1_results["tonic_spiking"]
    assert float(r.t[-1] / ms) == 100.0
    np.testing.assert_array_equal(np.asarray(r.v / mV), r.v_mV)
    np.testing.assert_array_equal(np.asarray(r.t / ms), np.arange(401) * 0.25)
    assert np.allclose(r.spike_times / ms, r.spike_times_ms)
    d = r.to_dict()
    assert d["spike_times_ms"] == oracle.run_figure1("tonic_spiking")[0]
    assert d["n_spikes"] == len(d["spike_times_ms"]) and d["params"]["d"] == 6 and d["params"]["u0"] == -14


def test_one_network_equals_one_run_per_preset(figure1_results):
    """Running presets side by side in one network gives the same spikes as running each alone."""
    for name in ["tonic_spiking", "phasic_bursting", "depolarizing_after_potential", "accommodation", "RZ"]:
        alone = simulate(name)
        np.testing.assert_array_equal(alone.spike_steps, figure1_results[name].spike_steps)
        np.testing.assert_array_equal(alone.v_mV, figure1_results[name].v_mV)


def test_all_28_presets_run_in_one_group(figure1_results):
    """The four published steps (0.1, 0.2, 0.25, 0.5 ms) share one NeuronGroup ticking at 0.05 ms."""
    groups = {r.extra["group"] for r in figure1_results.values()}
    assert len(groups) == 1
    assert {r.extra["tick_ms"] for r in figure1_results.values()} == {0.05}


def _generated_code(**kwargs):
    G = make_neurons(2, name="izh_code_probe", **kwargs)
    net = Network(G)
    net.run(1 * ms)
    codes = (G.state_updater.codeobj.code, G.thresholder["spike"].codeobj.code, G.resetter["spike"].codeobj.code)
    del net, G
    return codes


def test_presets_share_compiled_code():
    """Parameters, variants, steps and inputs are data: two different neurons generate identical code."""
    import gc

    one = _generated_code(a=[0.02, 0.1], b=0.2, c=-65, d=[6, 2], dt=0.25, stimulus=np.zeros((10, 2)))
    gc.collect()
    two = _generated_code(a=1.0, b=0.2, c=-60, d=-21, dt=0.05, steps=[0.1, 0.5], variant="accommodation",
                          stimulus=np.ones(5))
    assert one == two


# --- other schemes -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tonic_bursting", "rebound_burst", "inhibition_induced_bursting"])
def test_euler_is_forward_euler_and_differs_from_figure1(figure1_results, name):
    """Brian2's euler updates u from the old V; figure1.m from the new one. The bursts change in count."""
    r = simulate(name, scheme="euler")
    expected = oracle.run_euler(name)
    np.testing.assert_allclose(r.spike_times_ms, expected, atol=SPIKE_TIME_ATOL_MS, rtol=0)
    assert r.n_spikes != figure1_results[name].n_spikes


def test_rk4_converges_as_dt_shrinks():
    """With rk4 the spike times approach a limit: the error against a fine run falls as dt shrinks.

    Spikes are found on the grid, so the error falls like dt (about 0.4 ms at 0.1 ms, 0.06 ms at 0.01 ms),
    not like dt^4; the later spikes accumulate it.
    """
    ref = simulate("tonic_spiking", scheme="rk4", dt=0.0025).spike_times_ms
    errors = []
    for dt in (0.1, 0.04, 0.01):
        t = simulate("tonic_spiking", scheme="rk4", dt=dt).spike_times_ms
        assert len(t) == len(ref)
        errors.append(np.max(np.abs(t - ref)))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] <= 0.1


@pytest.mark.parametrize("name", ["tonic_spiking", "RS", "FS", "CH"])
def test_net2003_scheme_follows_net_m(name):
    """net2003 detects spikes at the start of the next step and integrates v in two half steps."""
    r = simulate(name, scheme="net2003", dt=1.0)
    expected = oracle.run_net2003(name, 1.0)
    assert len(expected) > 1
    np.testing.assert_allclose(r.spike_times_ms, expected, atol=SPIKE_TIME_ATOL_MS, rtol=0)


# --- the builder -------------------------------------------------------------------------------


def test_builder_takes_brian2_quantities_and_plain_numbers_alike():
    """c = -65*mV and c = -65 build the same neuron; a current in the wrong units is refused by name."""
    G1 = make_neurons(1, c=-65 * mV, d=8 * mV / ms, v0=-70 * mV, dt=0.25 * ms)
    G2 = make_neurons(1, c=-65, d=8, v0=-70, dt=0.25)
    assert float(G1.c[0] / mV) == float(G2.c[0] / mV) == -65
    assert float(G1.u[0] / (mV / ms)) == pytest.approx(-14)
    with pytest.raises(ValueError, match="c has the wrong units"):
        make_neurons(1, c=-65 * ms)
    with pytest.raises(ValueError, match="dt must be a time"):
        make_neurons(1, dt=0.25 * mV)
    with pytest.raises(ValueError, match="unknown scheme 'rk5'"):
        make_neurons(1, scheme="rk5")
    with pytest.raises(ValueError, match="unknown equation variant"):
        make_neurons(1, variant="quadratic")
    with pytest.raises(ValueError, match="stimulus must have shape"):
        make_neurons(2, stimulus=np.zeros((5, 3)))


def test_builder_neuron_driven_by_I_ext_fires_like_the_reference():
    """A neuron built by hand with a constant I_ext of 14 from t = 0 fires like the oracle's constant drive."""
    G = make_neurons(1, a=0.02, b=0.2, c=-65, d=6, v0=-70, dt=0.25)
    G.I_ext = 14 * mV / ms
    M = SpikeMonitor(G)
    Network(G, M).run(100.25 * ms)
    V, u, spikes = -70.0, 0.2 * -70.0, []
    for k in range(401):
        V = V + 0.25 * (0.04 * V * V + 5 * V + 140 - u + 14)
        u = u + 0.25 * 0.02 * (0.2 * V - u)
        if V > 30:
            spikes.append(k * 0.25)
            V, u = -65, u + 6
    np.testing.assert_allclose(np.asarray(M.t / ms), spikes, atol=1e-9)


def test_divergent_dynamics_raise_a_clear_error():
    """rk4 at dt = 2 ms blows up (v becomes inf/NaN): the error names the preset, scheme and dt."""
    with pytest.raises(DivergenceError, match=r"tonic_spiking.*rk4.*dt = 2 ms"):
        simulate("tonic_spiking", scheme="rk4", dt=2.0)


def test_fine_presets_are_separate_from_the_28():
    """The *_fine presets (adjusted protocols at 0.01 ms) exist but are not reference presets."""
    fine = [n for n in PRESETS if n.endswith("_fine")]
    assert fine and all(n not in REFERENCE_PRESETS for n in fine)
    assert all(PRESETS[n].dt == 0.01 for n in fine)


def test_package_exports():
    """The documented entry points are exported at the top level, and are the package's own objects."""
    import sys

    from izh_brian import model, presets

    S = sys.modules["izh_brian.simulation"]
    assert izh_brian.PRESETS is presets.PRESETS and izh_brian.make_neurons is model.make_neurons
    assert izh_brian.simulate is S.simulate and izh_brian.simulate_many is S.simulate_many


def test_numpy_target_gives_the_same_spikes_as_cython():
    """Without a compiler Brian2 falls back to numpy code; the neuron must not change with the target."""
    from brian2 import NumpyCodeObject

    r = simulate("tonic_spiking", codeobj_class=NumpyCodeObject)
    assert r.spike_times_ms.tolist() == oracle.run_figure1("tonic_spiking")[0]


def test_vpeak_is_the_cut_off_of_the_spike():
    """The spike cut-off vpeak (30 mV in Izhikevich 2003/2004) is settable: a lower cut-off ends each
    upstroke earlier, so every spike comes earlier, and the drawn apex sits at the new cut-off."""
    from izh_brian import simulate

    r30 = simulate("tonic_spiking", dt=0.05)
    r20 = simulate("tonic_spiking", dt=0.05, vpeak=-20)
    assert r30.n_spikes == r20.n_spikes > 0
    assert np.all(r20.spike_times_ms < r30.spike_times_ms)
    assert r20.v_mV.max() == -20.0 and r30.v_mV.max() == 30.0


def test_v_min_bounds_v_under_nest_only():
    """NEST's V_min bounds v from below under the nest schemes; elsewhere it is refused, naming the
    schemes that take it, rather than silently ignored."""
    from izh_brian import simulate

    free = simulate("inhibition_induced_spiking", scheme="nest")
    bounded = simulate("inhibition_induced_spiking", scheme="nest", v_min=-70)
    assert free.v_mV.min() < -70
    assert bounded.v_mV.min() == pytest.approx(-70.0)
    with pytest.raises(ValueError, match="nest"):
        simulate("inhibition_induced_spiking", v_min=-70)
    with pytest.raises(ValueError, match="vpeak"):
        simulate("tonic_spiking", vpeak=float("nan"))


def test_a_scheme_is_one_record(monkeypatch):
    """Every rule in which the schemes differ lives in one registry record, read by the builder and the
    runner: a new record made of euler's update plus NEST's end-of-step spike stamp and one-step input
    delay runs without any other change, and gives exactly what those rules imply."""
    from izh_brian.model import SCHEME_REGISTRY, Scheme

    monkeypatch.setitem(SCHEME_REGISTRY, "euler_late", Scheme("euler_late", "euler", stamp_offset_steps=1))
    plain = simulate("tonic_spiking", scheme="euler")
    late = simulate("tonic_spiking", scheme="euler_late")
    np.testing.assert_array_equal(late.spike_steps, plain.spike_steps + 1)
    np.testing.assert_array_equal(late.v_mV, plain.v_mV)

    monkeypatch.setitem(SCHEME_REGISTRY, "euler_delayed", Scheme("euler_delayed", "euler", input_delay_steps=1))
    delayed = simulate("tonic_spiking", scheme="euler_delayed")
    # the step current now acts one step later, so the first spike comes later, and I is shifted
    assert delayed.spike_times_ms[0] > plain.spike_times_ms[0]
    np.testing.assert_array_equal(delayed.I[1:], plain.I[:-1])
    with pytest.raises(ValueError, match="euler_late"):
        simulate("tonic_spiking", scheme="no_such_scheme")


def test_preset_unit_suffixed_names_match_the_json():
    """A preset's plain-float fields have the unit-suffixed names of Result and the JSON outputs."""
    p = get_preset("tonic_bursting")
    d = p.to_dict()
    assert (p.dt_ms, p.duration_ms, p.v0_mV) == (p.dt, p.duration, p.V0) == (d["dt_ms"], d["duration_ms"], d["V0"])
    assert simulate("tonic_spiking").dt_ms == get_preset("tonic_spiking").dt_ms == 0.25
