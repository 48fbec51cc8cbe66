"""The 2003 cortical network (net.m) on Brian2: exactness, statistics, scenarios, scale, analysis.

Networks are kept small or short (1000 neurons for at most 1 s) so that the
whole file runs in well under a minute once Brian2's code cache is warm.
"""

import numpy as np
import pytest
from netm_oracle import netm_firings, netm_paper_draws

from benchmarks.network import benchmark_network, run_nest_network
from izh_brian.network import (
    NetworkTooLargeError,
    analyze_spikes,
    check_memory,
    compute_band_powers,
    compute_population_rate,
    compute_rates,
    compute_spectrum,
    compute_synchrony,
    dominant_frequency,
    draw_network,
    get_scenario,
    make_spec,
    simulate_network,
)
from izh_brian.network import build as nw

#: Exactness window (ms): the Brian2 raster equals the oracle's at least this long
#: for the seeds below (measured: 910-1000 ms over seeds 0-5 at 1000 ms; SI units
#: round differently at the last bit, and a single flipped threshold crossing then spreads).
EXACT_MS = 300
EXACT_SEEDS = (0, 1, 2)
#: Relative tolerance of rates once rasters may differ in the last bits.
RATE_RTOL = 0.02


def _pairs(steps, neurons):
    return sorted(zip(np.asarray(steps).tolist(), np.asarray(neurons).tolist()))


def _oracle(seed, T, **kw):
    a, b, c, d, S, I = netm_paper_draws(seed, T=T, **kw)
    f = netm_firings(a, b, c, d, S, I)
    return f[:, 0] - 1, f[:, 1]  # 1-based ms t -> step k = t - 1


@pytest.mark.parametrize("seed", EXACT_SEEDS)
def test_net2003_raster_identical_to_netm_oracle(seed):
    """Fed the same draws (re, ri, S, thalamic input), the Brian2 net2003 network fires exactly
    the spikes of net.m (oracle), same step and same neuron, over the first 300 ms."""
    r = simulate_network("paper", duration_ms=EXACT_MS, seed=seed, progress=False, record_v=())
    k, i = _oracle(seed, EXACT_MS)
    assert len(k) > 1000  # a living network: ~8 Hz x 1000 neurons x 0.3 s
    assert _pairs(r.spike_steps, r.spike_i) == _pairs(k, i)


def test_spike_times_ms_is_one_train_per_neuron_as_everywhere():
    """One name, one meaning: ``spike_times_ms`` is a neuron's own train (as in Result and a NeuroML run), and
    ``spike_t_ms``/``spike_i`` is the raster. Every raster spike sits in its neuron's train, in time order."""
    r = simulate_network("paper", duration_ms=100.0, seed=0, progress=False, record_v=())
    trains = r.spike_times_ms
    assert len(trains) == r.spec.n
    assert sum(len(x) for x in trains) == r.spike_t_ms.size > 100
    for i in (0, 5, r.spec.n_exc, r.spec.n - 1):
        assert np.array_equal(trains[i], np.sort(r.spike_t_ms[r.spike_i == i]))
    busy = int(np.bincount(r.spike_i).argmax())
    assert np.all(np.diff(trains[busy]) > 0) and trains[busy].size >= 2


def test_statistics_agree_with_oracle_over_two_seconds():
    """Over 2 s, well past the point where last-bit rounding makes the rasters drift apart
    (870-1360 ms for seeds 0-9; seeds 0 and 9 part first), rates per population agree within 2 %,
    the spectra of the population rate have the same shape (correlation > 0.8 over 2-100 Hz; each
    one's peak frequency carries at least half of the other's peak power) and alpha and gamma
    shares within 0.08."""
    T = 2000
    for seed in (0, 9):
        r = simulate_network("paper", duration_ms=T, seed=seed, progress=False, record_v=())
        k, i = _oracle(seed, T)
        a = r.analysis()
        o = analyze_spikes(k.astype(float), i, 800, 200, T)
        for key in ("rate_exc_hz", "rate_inh_hz"):
            assert a[key] == pytest.approx(o[key], rel=RATE_RTOL)
        f, p_ours = r.spectrum()
        _, rate = compute_population_rate(k.astype(float), 1000, T)
        _, p_theirs = compute_spectrum(rate)
        m = (f >= 2) & (f <= 100)
        assert np.corrcoef(p_ours[m], p_theirs[m])[0, 1] > 0.8
        assert p_theirs[f == a["peak_hz"]][0] >= 0.5 * p_theirs[m].max()
        assert p_ours[f == o["peak_hz"]][0] >= 0.5 * p_ours[m].max()
        assert abs(a["alpha_fraction"] - o["alpha_fraction"]) < 0.08
        assert abs(a["gamma_fraction"] - o["gamma_fraction"]) < 0.08
        assert _pairs(r.spike_steps, r.spike_i) != _pairs(k, i)  # the rasters did part


def test_brian2_noise_reproduces_netm_rhythms_statistically():
    """With Brian2's own randn() for the thalamic input (the large-network mode), the network is
    statistically net.m's: over 3 seeds of 1 s, mean rates within 10 % of the oracle's (about
    7.6 Hz), and the rhythm is in the same place: alpha + gamma hold a third or more of the
    1-100 Hz power in both."""
    T = 1000
    ours, theirs = [], []
    for seed in (0, 1, 2):
        r = simulate_network("paper", duration_ms=T, seed=seed, noise="brian2", progress=False, record_v=())
        ours.append(r.analysis())
        k, i = _oracle(seed + 100, T)
        theirs.append(analyze_spikes(k.astype(float), i, 800, 200, T))
    for key in ("rate_exc_hz", "rate_inh_hz"):
        m_ours = np.mean([x[key] for x in ours])
        m_theirs = np.mean([x[key] for x in theirs])
        assert m_ours == pytest.approx(m_theirs, rel=0.10)
    for group in (ours, theirs):
        share = np.mean([x["alpha_fraction"] + x["gamma_fraction"] for x in group])
        assert share > 0.33


def test_same_seed_same_raster_other_seed_other_raster():
    """A seed fixes the network and its input: the same seed gives the same raster (also with
    Brian2's noise), another seed another raster."""
    kw = dict(duration_ms=100, progress=False, record_v=())
    a = simulate_network("paper", seed=4, **kw)
    b = simulate_network("paper", seed=4, **kw)
    c = simulate_network("paper", seed=5, **kw)
    assert _pairs(a.spike_steps, a.spike_i) == _pairs(b.spike_steps, b.spike_i)
    assert _pairs(a.spike_steps, a.spike_i) != _pairs(c.spike_steps, c.spike_i)
    d = simulate_network("paper", seed=4, noise="brian2", **kw)
    e = simulate_network("paper", seed=4, noise="brian2", **kw)
    assert _pairs(d.spike_steps, d.spike_i) == _pairs(e.spike_steps, e.spike_i)


def test_spikes_act_in_the_step_they_are_detected():
    """net.m adds the weights of the neurons that fire at step k to the input of step k: the
    recorded input current of every neuron at step k is its thalamic draw plus the sum of the
    weights from the neurons firing at step k (not k - 1)."""
    T = 60
    spec = make_spec("paper", ne=40, ni=10, we=5.0, wi=5.0, duration_ms=T, seed=3)
    built = nw.build_network(spec, record_currents=True, record_v=())
    dr = draw_network(spec)  # the same draws again (the built network has released its copies)
    r = nw.run_network(built, progress=False)
    S = np.zeros((spec.n, spec.n))
    pre = np.repeat(np.arange(spec.n), spec.n)
    post = np.tile(np.arange(spec.n), spec.n)
    S[post, pre] = dr.w  # dense, presynaptic-major order
    expected = dr.noise.T.copy()
    for k in range(T):
        fired = r.spike_i[r.spike_steps == k]
        expected[:, k] += S[:, fired].sum(axis=1)
    assert len(r.spike_i) > 20
    np.testing.assert_allclose(r.currents, expected, rtol=1e-12, atol=1e-9)
    # and it would not match with a one-step delay
    delayed = dr.noise.T.copy()
    for k in range(1, T):
        fired = r.spike_i[r.spike_steps == k - 1]
        delayed[:, k] += S[:, fired].sum(axis=1)
    assert not np.allclose(r.currents, delayed)


def test_paper_parameters_are_netm_formulas():
    """The paper scenario's cells are net.m's: a = 0.02, b = 0.2, c = -65 + 15 re^2, d = 8 - 6 re^2
    (excitatory); a = 0.02 + 0.08 ri, b = 0.25 - 0.05 ri, c = -65, d = 2 (inhibitory); weights
    0.5 rand (exc) and -rand (inh); thalamic input with SD 5 (exc) and 2 (inh)."""
    spec = make_spec("paper", duration_ms=1000, seed=7)
    d = draw_network(spec)
    a, b, c, dd, S, I = netm_paper_draws(7, T=1000)
    np.testing.assert_array_equal(d.a, a)
    np.testing.assert_array_equal(d.b, b)
    np.testing.assert_array_equal(d.c, c)
    np.testing.assert_array_equal(d.d, dd)
    np.testing.assert_array_equal(d.noise, I)
    np.testing.assert_array_equal(d.dense_weights(spec.n), S)
    assert 4.8 < d.noise[:, :800].std() < 5.2 and 1.9 < d.noise[:, 800:].std() < 2.1


@pytest.mark.parametrize("name", list(nw.SCENARIOS))
def test_every_scenario_builds_its_types_and_runs(name):
    """Each scenario uses its preset types with net.m's spread (c, d spread for excitatory, a, b for
    inhibitory cells) and its weight scales, and runs (small: 100 + 25 neurons, 100 ms)."""
    from izh_brian.presets import get_preset

    sc = get_scenario(name)
    spec = make_spec(name, ne=100, ni=25, duration_ms=100, seed=1)
    d = draw_network(spec)
    pe, pi = get_preset(sc.exc), get_preset(sc.inh)
    np.testing.assert_allclose(d.c[:100], pe.c + 15 * d.re ** 2)
    np.testing.assert_allclose(d.d[:100], pe.d - 6 * d.re ** 2)
    np.testing.assert_allclose(d.a[100:], pi.a + 0.08 * d.ri)
    np.testing.assert_allclose(d.b[100:], pi.b - 0.05 * d.ri)
    S = d.dense_weights(spec.n)
    scale_e = nw.PAPER_NE / 100
    scale_i = nw.PAPER_NI / 25
    assert 0 <= S[:, :100].min() and S[:, :100].max() <= sc.we * scale_e
    assert S[:, :100].max() > 0.9 * sc.we * scale_e
    assert S[:, 100:].max() <= 0 and S[:, 100:].min() >= -sc.wi * scale_i
    r = simulate_network(name, ne=100, ni=25, duration_ms=100, seed=1, progress=False, record_v=())
    assert r.spike_i.size > 0 and r.spike_i.max() < 125


def test_weight_scenarios_change_the_rhythm():
    """The seed blog post's weight scales move the rhythm (1 s, 1000 neurons): strong inhibition
    (S1: 0.6, 1.6) makes a gamma rhythm (gamma share > 2 x alpha share), S5 (0.3, 0.2) an alpha
    rhythm (alpha share > 2 x gamma share); weak inhibition (S2: 0.6, 0.6) locks the network into
    synchronous volleys (chi > 0.8) at high rates, weak coupling (S4: 0.1, 0.1) leaves it
    asynchronous (chi < 0.1)."""
    out = {n: simulate_network(n, duration_ms=1000, seed=1, progress=False, record_v=()).analysis()
           for n in ("S1", "S2", "S4", "S5")}
    assert out["S1"]["gamma_fraction"] > 2 * out["S1"]["alpha_fraction"]
    assert 30 <= out["S1"]["peak_hz"] <= 50
    assert out["S5"]["alpha_fraction"] > 2 * out["S5"]["gamma_fraction"]
    assert out["S2"]["synchrony"] > 0.8 and out["S2"]["rate_hz"] > 30
    assert out["S4"]["synchrony"] < 0.1


def test_brian2_method_scheme_runs_and_stays_close():
    """Under a Brian2 method (euler: one full step, spikes act on the next step's update) the
    network is a different discretisation but the same network: rates within a factor 1.5 of net.m's."""
    r = simulate_network("paper", duration_ms=500, seed=0, scheme="euler", progress=False, record_v=())
    k, i = _oracle(0, 500)
    ours = r.rates()["rate_hz"]
    theirs = i.size / 1000 / 0.5
    assert theirs / 1.5 < ours < theirs * 1.5
    assert _pairs(r.spike_steps, r.spike_i) != _pairs(k, i)


def test_nest_published_scheme_is_netm_with_one_step_delay():
    """NEST's izhikevich with consistent_integration = False integrates as net.m does; only the
    spikes reach their targets one step later (NEST's minimal delay) and are stamped at the end of
    their step. Same draws: rates within 5 % of net.m's, but not the same raster."""
    r = simulate_network("paper", duration_ms=500, seed=1, scheme="nest_published", progress=False, record_v=())
    k, i = _oracle(1, 500)
    assert r.rates()["rate_hz"] == pytest.approx(i.size / 1000 / 0.5, rel=0.05)
    assert r.spike_steps.min() >= 1
    assert _pairs(r.spike_steps, r.spike_i) != _pairs(k, i)


def test_fixed_indegree_connectivity():
    """Fixed in-degree: every neuron receives exactly K inputs, split 80/20 between the
    populations, and the weights are scaled by 800/K_e and 200/K_i so the mean summed input is
    the paper network's."""
    spec = make_spec("paper", ne=400, ni=100, connectivity="fixed_indegree", indegree=50, duration_ms=10, seed=2)
    d = draw_network(spec)
    assert spec.k_exc == 40 and spec.k_inh == 10
    counts = np.bincount(d.post, minlength=spec.n)
    assert np.all(counts == 50)
    exc_in = np.bincount(d.post[d.pre < 400], minlength=spec.n)
    assert np.all(exc_in == 40)
    assert np.all(d.w[d.pre < 400] >= 0) and np.all(d.w[d.pre >= 400] <= 0)
    # mean summed excitatory weight per neuron ~ 800 * 0.25 = 200 (as in net.m)
    summed = np.bincount(d.post, weights=np.where(d.pre < 400, d.w, 0.0), minlength=spec.n)
    assert summed.mean() == pytest.approx(800 * 0.5 * 0.5, rel=0.05)
    r = simulate_network("paper", ne=400, ni=100, connectivity="fixed_indegree", indegree=50, duration_ms=300,
                         seed=2, progress=False, record_v=())
    assert 2 < r.rates()["rate_hz"] < 30


def test_memory_estimate_refuses_networks_that_do_not_fit():
    """Before building, the memory is estimated and a network that does not fit is refused with a
    message giving the estimate and the limit; 10^5 neurons with in-degree 100 fit in 24 GiB."""
    big = make_spec("paper", ne=80_000, ni=20_000, connectivity="dense", duration_ms=10, noise="brian2")
    with pytest.raises(NetworkTooLargeError) as exc:
        check_memory(big, limit_bytes=20 * 1024**3)
    msg = str(exc.value)
    assert "GiB" in msg and "limit of 20.00 GiB" in msg and "10000000000 synapses" in msg
    ok = make_spec("paper", ne=80_000, ni=20_000, indegree=100, duration_ms=10_000)
    assert ok.connectivity == "fixed_indegree" and ok.noise == "brian2"
    est = check_memory(ok, limit_bytes=20 * 1024**3)
    assert est["total"] < 20 * 1024**3
    with pytest.raises(NetworkTooLargeError):
        simulate_network("paper", duration_ms=10, memory_limit=10 * 1024**2, progress=False)


def test_bad_input_is_named():
    """Unknown names and bad numbers raise a ValueError naming the value and what is allowed."""
    with pytest.raises(ValueError, match="unknown scenario 'S9'.*paper"):
        make_spec("S9")
    with pytest.raises(ValueError, match="Unknown|unknown"):
        make_spec("paper", exc="XYZ")
    with pytest.raises(ValueError, match="figure1"):
        make_spec("paper", scheme="figure1")
    with pytest.raises(ValueError, match="dt"):
        make_spec("paper", dt=-1)
    with pytest.raises(ValueError, match="multiple of dt"):
        make_spec("paper", duration_ms=10.5)
    with pytest.raises(ValueError, match="connectivity"):
        make_spec("paper", connectivity="sparse")
    with pytest.raises(ValueError, match="noise"):
        make_spec("paper", noise="white")


# ----------------------------------------------------------------------------- analysis


def test_population_rate_integrates_to_the_mean_rate():
    """The population rate's time average is the mean firing rate (spike count / N / T)."""
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 1000, 5000))
    i = rng.integers(0, 100, 5000)
    tb, rate = compute_population_rate(t, 100, 1000, bin_ms=1.0)
    assert rate.mean() == pytest.approx(compute_rates(i, 80, 20, 1000)["rate_hz"]) == pytest.approx(50.0)


def test_spectrum_finds_the_rhythm_and_its_band():
    """A population rate modulated at 10 Hz peaks at 10 Hz with its power in the alpha band;
    at 40 Hz in the gamma band."""
    t = np.arange(2000) * 1.0
    for f0, band in ((10.0, "alpha_fraction"), (40.0, "gamma_fraction")):
        rate = 10 + 8 * np.sin(2 * np.pi * f0 * t / 1000)
        f, p = compute_spectrum(rate, 1.0)
        assert dominant_frequency(f, p) == pytest.approx(f0, abs=1.0)
        assert compute_band_powers(f, p)[band] > 0.8


def test_synchrony_is_one_for_volleys_and_small_for_independent_spikes():
    """Golomb's chi is 1 when all neurons fire in the same bins and about 1/sqrt(N) when they fire
    independently."""
    n, T = 200, 1000
    volleys = np.arange(10, T, 50.0)
    t = np.repeat(volleys, n)
    i = np.tile(np.arange(n), volleys.size)
    assert compute_synchrony(i, t, n, T) == pytest.approx(1.0, abs=1e-9)
    rng = np.random.default_rng(1)
    t2 = rng.uniform(0, T, 4000)
    i2 = rng.integers(0, n, 4000)
    assert compute_synchrony(i2, t2, n, T) < 3 / np.sqrt(n)


# ----------------------------------------------------------------------------- figures and benchmark


def test_plots_take_arrays_and_return_axes():
    """The plot functions draw from arrays on a given axes and return it: the raster puts each
    population in its own colour (every excitatory spike in the first line, every inhibitory in
    the second), the heat map has one row per neuron, the spectrum marks the peak."""
    from matplotlib.figure import Figure

    from izh_brian.plotting import network as pn

    rng = np.random.default_rng(0)
    t = rng.uniform(0, 100, 300)
    i = rng.integers(0, 50, 300)
    ax = Figure().add_subplot(111)
    assert pn.plot_raster(t, i, 40, 10, ax=ax) is ax
    exc_line, inh_line = ax.lines[:2]
    assert len(exc_line.get_xdata()) == np.sum(i < 40) and len(inh_line.get_xdata()) == np.sum(i >= 40)
    assert np.all(np.asarray(inh_line.get_ydata()) >= 40)
    cur = rng.normal(size=(50, 100))
    ax2 = pn.plot_currents(np.arange(100.0), cur, n_exc=40, ax=Figure().add_subplot(111))
    assert ax2.images[0].get_array().shape == (50, 100)
    f = np.arange(0, 101, 2.0)
    p = np.exp(-((f - 40) / 4) ** 2)
    ax3 = pn.plot_spectrum(f, p, peak_hz=40.0, ax=Figure().add_subplot(111))
    assert any(np.allclose(line.get_xdata(), 40.0) for line in ax3.lines[1:])
    ax4 = pn.plot_example_neurons(np.arange(100.0), rng.normal(-65, 5, (2, 100)), rng.normal(-13, 1, (2, 100)),
                                  neurons=[0, 45], n_exc=40, ax=Figure().add_subplot(111))
    assert len(ax4.lines) == 2 and len(ax4.u_axes.lines) == 2
    fig = pn.network_figure(t, i, 40, 10, 100.0, t_ms=np.arange(100.0), currents=cur)
    assert len(fig.axes) >= 4


def test_benchmark_returns_timings_and_ratios():
    """benchmark_network times Brian2 and the numpy net.m in one run and reports their ratio
    (tiny duration here: the speed itself is measured by the benchmark, not by a test)."""
    out = benchmark_network(duration_ms=50, include_nest=False, warmup=False)
    assert out["brian2_s"] == pytest.approx(out["brian2_build_s"] + out["brian2_run_s"])
    assert out["ratio_brian2_to_numpy"] == pytest.approx(out["brian2_s"] / out["numpy_s"])
    assert out["brian2_spikes"] > 0 and out["numpy_spikes"] > 0
    assert out["goal_half_numpy_met"] == (out["brian2_s"] <= 0.5 * out["numpy_s"])
    # Same seed and table noise: the two programs simulate the same network, spike for spike.
    assert out["brian2_spikes"] == out["numpy_spikes"]


def test_numpy_baseline_is_netm():
    """The benchmark's baseline (izh_brian.network.netm, net.m in numpy drawing its own numbers) is net.m:
    the oracle fed the same seed's draws fires the same spikes over 1 s, and run_netm on given
    draws agrees with it."""
    from izh_brian.network.netm import run_netm, run_netm_seeded

    k, i = run_netm_seeded(800, 200, 1000, seed=6)
    ko, io = _oracle(6, 1000)
    assert _pairs(k, i) == _pairs(ko, io)
    a, b, c, d, S, I = netm_paper_draws(6, T=300)
    k2, i2 = run_netm(a, b, c, d, S, I)
    assert _pairs(k2, i2) == [p for p in _pairs(ko, io) if p[0] < 300]


def test_nest_network_fires_like_netm():
    """NEST's izhikevich with consistent_integration = False, given the same cells and weights (its
    own noise, one-step delays), fires at net.m's rate: within 10 % of the oracle's over 1 s."""
    pytest.importorskip("nest", reason="NEST is not installed (pip install izh_brian[nest])")
    out = run_nest_network(make_spec("paper", duration_ms=1000, seed=1))
    k, i = _oracle(1, 1000)
    assert out["rate_hz"] == pytest.approx(i.size / 1000, rel=0.10)
