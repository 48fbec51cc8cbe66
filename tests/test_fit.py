"""Fitting (a, b, c, d) to a response: the coincidence factor, the one-group evaluation, recovery of presets
from targets made by an independent NumPy loop, the pattern search, and the `izh-brian fit` command."""

import json

import numpy as np
import pytest

from izh_brian import get_preset, simulate
from izh_brian.analysis import validate_result
from izh_brian.parallel import compiled_modules
from izh_brian.cli import main
from izh_brian.fitting import (
    DELTA_MS,
    PopulationRunner,
    coincidence_factor,
    fit,
    fit_pattern,
    load_target,
    target_from_arrays,
    timing_distance,
)

# --------------------------------------------------------------------------- an independent model loop

VARIANT_COEFFS = {  # k2, k1, k0, v_u, g_u (Izhikevich 2004, figure1.m; panels G, L and R)
    "standard": (0.04, 5.0, 140.0, 0.0, 1.0),
    "class1": (0.04, 4.1, 108.0, 0.0, 1.0),
    "accommodation": (0.04, 5.0, 140.0, -65.0, 0.0),
}


def izh_loop(a, b, c, d, V0, u0, I, dt, variant="standard", scheme="figure1"):
    """Plain NumPy transcription: figure1.m's order (v first, then u from the NEW v, then v > 30 is a spike at
    this step's t and resets), or forward Euler (u from the OLD v). Returns spike times and the trace."""
    k2, k1, k0, vu, gu = VARIANT_COEFFS[variant]
    v, u = float(V0), float(u0)
    spikes, trace = [], np.empty(len(I))
    for k, Ik in enumerate(I):
        dv = k2 * v * v + k1 * v + k0 - u + Ik
        if scheme == "figure1":
            v = v + dt * dv
            u = u + dt * a * (b * (v - vu) - gu * u)
        else:
            du = a * (b * (v - vu) - gu * u)
            v, u = v + dt * dv, u + dt * du
        if v > 30.0:
            trace[k] = 30.0
            spikes.append(k * dt)
            v, u = c, u + d
        else:
            trace[k] = v
    return np.array(spikes), trace


def grid(dt, T):
    return np.arange(int(round(T / dt)) + 1) * dt


# The protocols, written out from Izhikevich (2004) Fig. 1 / figure1.m and izhi2003.m (not read from the package).
def protocol(name):
    if name == "tonic_spiking":
        t = grid(0.25, 100)
        return dict(a=0.02, b=0.2, c=-65, d=6, V0=-70, u0=0.2 * -70, dt=0.25, I=np.where(t > 10, 14.0, 0.0))
    if name == "class_1_excitable":
        t = grid(0.25, 300)
        return dict(a=0.02, b=-0.1, c=-55, d=6, V0=-60, u0=-0.1 * -60, dt=0.25, variant="class1",
                    I=np.where(t > 30, 0.075 * (t - 30), 0.0))
    if name == "accommodation":
        t = grid(0.5, 400)
        I = np.where(t < 200, t / 25, 0.0)
        I = np.where((t >= 300) & (t < 312.5), 4 * (t - 300) / 12.5, I)
        return dict(a=0.02, b=1.0, c=-55, d=4, V0=-65, u0=-16.0, dt=0.5, variant="accommodation", I=I)
    if name == "RS":
        t = grid(0.25, 150)
        return dict(a=0.02, b=0.2, c=-65, d=8, V0=-63, u0=0.2 * -63, dt=0.25, I=np.where(t > 15, 14.0, 0.0))
    if name == "rebound_burst":
        t = grid(0.2, 200)
        return dict(a=0.03, b=0.25, c=-52, d=0, V0=-64, u0=0.25 * -64, dt=0.2,
                    I=np.where((t > 20) & (t < 25), -15.0, 0.0))
    raise KeyError(name)


def independent_target(name, scheme="figure1", trace=False, give_v0=True):
    p = protocol(name)
    variant = p.get("variant", "standard")
    st, v = izh_loop(p["a"], p["b"], p["c"], p["d"], p["V0"], p["u0"], p["I"], p["dt"], variant, scheme)
    target = target_from_arrays(p["I"], p["dt"], st, v if trace else None, v0_mV=p["V0"] if give_v0 else None,
                                u0=p["u0"] if name == "accommodation" else None, variant=variant, name=name)
    return p, target


# --------------------------------------------------------------------------- the coincidence factor


def test_coincidence_factor_identical_trains_give_one():
    """Identical trains coincide spike for spike: Gamma = 1 (the normalisation 1 - 2 nu Delta makes it so)."""
    train = [12.0, 30.5, 31.75, 80.0, 140.25]
    assert coincidence_factor(train, train, 150.0) == pytest.approx(1.0, abs=1e-12)


def test_coincidence_factor_hand_computed_case():
    """Model [10, 50], data [10, 52.5, 80], T = 100 ms, Delta = 2 ms: one coincidence (52.5 is 2.5 ms from 50);
    nu = 0.02/ms, so Gamma = (1 - 2*0.02*2*3) / (0.5*5*(1 - 2*0.02*2)) = 0.76/2.3."""
    assert coincidence_factor([10.0, 50.0], [10.0, 52.5, 80.0], 100.0) == pytest.approx(0.76 / 2.3, rel=1e-12)


def test_coincidence_window_is_two_ms_inclusive_and_one_to_one():
    """A model spike exactly Delta = 2 ms away coincides, 2.25 ms away does not; one model spike pairs with
    at most one data spike (two data spikes around it count once)."""
    assert DELTA_MS == 2.0
    assert coincidence_factor([12.0], [10.0], 100.0) == pytest.approx(1.0)
    assert coincidence_factor([12.25], [10.0], 100.0) < 0
    # one model spike at 10 between data spikes at 9 and 11: one coincidence, not two
    g = coincidence_factor([10.0], [9.0, 11.0], 100.0)
    nu = 1 / 100.0
    assert g == pytest.approx((1 - 2 * nu * 2 * 2) / (0.5 * 3 * (1 - 2 * nu * 2)))


def test_coincidence_factor_of_a_shifted_train_is_about_zero():
    """The same train shifted by more than Delta has no coincidences: Gamma = -2 nu Delta/(1 - 2 nu Delta) < 0,
    close to 0 at a modest rate; the unshifted train scores 1."""
    rng = np.random.default_rng(1)
    data = np.sort(rng.uniform(0, 1000, 20))
    data = data[np.concatenate([[True], np.diff(data) > 8])]  # spikes at least 8 ms apart
    shifted = data + 3.0
    g = coincidence_factor(shifted, data, 1000.0)
    nu = len(data) / 1000.0
    assert g == pytest.approx(-2 * nu * 2 / (1 - 2 * nu * 2), abs=1e-12)
    assert -0.1 < g < 0


def test_coincidence_factor_against_poisson_trains_of_the_same_rate_is_about_zero():
    """A Poisson train of the data's rate meets it only by chance: Gamma averages to 0 (within 0.05 over 200
    seeds), as the subtraction of the expected chance coincidences 2 nu Delta N_data intends."""
    rng = np.random.default_rng(7)
    T, rate = 2000.0, 0.03  # 30 Hz
    data = np.sort(rng.uniform(0, T, rng.poisson(rate * T)))
    gs = [coincidence_factor(np.sort(rng.uniform(0, T, rng.poisson(rate * T))), data, T) for _ in range(200)]
    assert abs(np.mean(gs)) < 0.05
    assert max(gs) < 0.3


def test_coincidence_factor_edge_cases():
    """Two silent trains agree (1); silence against spikes scores 0; a model at 250 Hz or faster scores 0."""
    assert coincidence_factor([], [], 100.0) == 1.0
    assert coincidence_factor([], [10.0], 100.0) == 0.0
    assert coincidence_factor(np.arange(0, 100, 4.0), [10.0], 100.0) == 0.0
    with pytest.raises(ValueError, match="duration_ms"):
        coincidence_factor([1.0], [1.0], 0.0)


def test_timing_distance_slopes_where_gamma_is_flat():
    """Spikes 10 ms and 5 ms away both have Gamma below 0, but the timing term is smaller for the nearer one."""
    data = [20.0, 60.0]
    far, near = [30.0, 70.0], [25.0, 65.0]
    assert coincidence_factor(far, data, 100.0) == coincidence_factor(near, data, 100.0)
    assert timing_distance(near, data) < timing_distance(far, data)
    assert timing_distance(data, data) == 0.0
    assert timing_distance([], data) == 1.0


# --------------------------------------------------------------------------- one group, many candidates


def test_independent_loop_agrees_with_the_package():
    """The test's NumPy loop and izh_brian.simulate give the same spikes for the published neurons (within
    one step of rounding), so targets from the loop are the model's responses, not the package's."""
    for name in ("tonic_spiking", "class_1_excitable", "accommodation", "RS", "rebound_burst"):
        p = protocol(name)
        st, _ = izh_loop(p["a"], p["b"], p["c"], p["d"], p["V0"], p["u0"], p["I"], p["dt"], p.get("variant", "standard"))
        r = simulate(name)
        assert len(st) == r.n_spikes > 0
        assert np.max(np.abs(st - r.spike_times_ms)) <= p["dt"]


def test_one_group_evaluates_each_candidate_as_its_own_run():
    """Several parameter sets run as neurons of one group give each the spike train a run of its own gives;
    a second call on the same group (new parameters, state restored) is just as exact and runs the same
    compiled modules."""
    p = get_preset("tonic_spiking")
    I = p.stimulus.sample(p.dt, p.duration)
    runner = PopulationRunner(I, p.dt, 8)
    sets = [(0.02, 0.2, -65, 6), (0.02, 0.2, -50, 2), (0.1, 0.2, -65, 2)]
    modules = []
    for call in range(2):
        params = sets if call == 0 else sets[::-1]
        cols = np.array(params, dtype=float).T
        out = runner.run(cols[0], cols[1], cols[2], cols[3], np.full(3, p.V0))
        for k, (a, b, c, d) in enumerate(params):
            own = simulate(p, a=a, b=b, c=c, d=d)
            np.testing.assert_array_equal(out["spike_times_ms"][k], own.spike_times_ms)
        modules.append(sorted(compiled_modules(runner.net)))
    assert runner.runs == 2
    # both generations ran the same compiled extension modules (nothing regenerated for new parameters)
    assert modules[0] and modules[0] == modules[1]


# --------------------------------------------------------------------------- recovery from independent targets


def _recovered(name, scheme, res):
    r = simulate(name, scheme=scheme, **{k: v for k, v in res.params.items() if k in "abcd"})
    return validate_result(r).ok


@pytest.mark.parametrize("name,scheme", [
    ("tonic_spiking", "figure1"),      # standard equations
    ("class_1_excitable", "figure1"),  # 4.1 v + 108
    ("accommodation", "figure1"),      # u' = a b (v + 65), fixed u0
    ("RS", "euler"),                   # Brian2's forward Euler: u from the old v
])
def test_recovery_from_an_independent_target(name, scheme):
    """Refit from the spike train of the independent loop, with the true parameter set left out of the atlas
    start: the fitted neuron reproduces the train (Gamma >= 0.9, Delta = 2 ms) and shows the preset's pattern."""
    p, target = independent_target(name, scheme=scheme)
    res = fit(target, scheme=scheme, budget=4096, seed=0, exclude=[(p["a"], p["b"], p["c"], p["d"])])
    assert res.gamma >= 0.9 and res.matched
    # the answer's gamma is recomputed here, from an independent run of the fitted neuron
    st, _ = izh_loop(res.params["a"], res.params["b"], res.params["c"], res.params["d"], p["V0"],
                     p["u0"] if name == "accommodation" else res.params["b"] * p["V0"], p["I"], p["dt"],
                     p.get("variant", "standard"), scheme)
    assert coincidence_factor(st, target.spikes, target.duration_ms) >= 0.9
    assert _recovered(name, scheme, res)
    assert res.evaluations <= 4096


def test_fit_to_a_trace_with_unknown_v0_reports_the_trace_error():
    """With a membrane-potential trace and no V0, V0 is fitted too; the trace pins what the spike train leaves
    loose: the fit reproduces the train, its trace error falls below 2 mV, and the reset c and V0 come out
    within 1.5 mV of the truth (-65, -70)."""
    p, target = independent_target("tonic_spiking", trace=True, give_v0=False)
    res = fit(target, budget=16384, seed=1, exclude=[(p["a"], p["b"], p["c"], p["d"])])
    assert set(res.params) == {"a", "b", "c", "d", "V0"}
    assert res.gamma >= 0.9
    assert res.v_rmse_mV is not None and res.v_rmse_mV < 2.0
    assert abs(res.params["c"] - p["c"]) < 1.5 and abs(res.params["V0"] - p["V0"]) < 1.5


def test_a_knife_edge_burst_is_recovered_from_its_trace():
    """The rebound burst of 2004 Fig. 1 (N) holds its spike train only within about 0.001 of b. From the
    independent loop's spikes and trace, the trace before the first spike (it depends on a, b and V0 only)
    leads the search there: the fit reproduces the burst (Gamma >= 0.9) and passes the validator, with b
    within 0.01 of 0.25."""
    p, target = independent_target("rebound_burst", trace=True)
    assert len(target.spikes) >= 5
    res = fit(target, budget=8192, seed=0, exclude=[(p["a"], p["b"], p["c"], p["d"])])
    assert res.gamma >= 0.9
    assert abs(res.params["b"] - p["b"]) < 0.01
    assert _recovered("rebound_burst", "figure1", res)


def test_same_seed_same_fit():
    """The search is seeded: the same target, budget and seed give the same parameters."""
    p, target = independent_target("tonic_spiking")
    kw = dict(budget=512, seed=3, exclude=[(p["a"], p["b"], p["c"], p["d"])], stop_early=False)
    assert fit(target, **kw).params == fit(target, **kw).params


# --------------------------------------------------------------------------- pattern search


def test_pattern_search_moves_a_regular_spiker_to_bursting():
    """Starting from the regular-spiking neuron (d = 8, c = -65), which does not burst, the search finds a
    nearby neuron that passes the tonic-bursting validator under that protocol."""
    assert not validate_result(simulate("tonic_bursting", a=0.02, b=0.2, c=-65, d=8)).ok
    res = fit_pattern("tonic_bursting", {"a": 0.02, "b": 0.2, "c": -65, "d": 8}, budget=2048, seed=0)
    assert res.matched and res.extra["validator_ok"]
    assert res.extra["distance"] > 0
    assert validate_result(simulate("tonic_bursting", **res.params)).ok


def test_pattern_search_keeps_a_start_that_already_passes():
    """A start that already shows the pattern is its own nearest answer: distance 0, one generation."""
    res = fit_pattern("tonic_bursting", {"a": 0.02, "b": 0.2, "c": -50, "d": 2}, budget=512)
    assert res.matched and res.extra["distance"] == 0.0
    assert res.params == {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0}


# --------------------------------------------------------------------------- targets and the command


def _save_npz(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


def test_cli_fit_json_contract_and_exit_status(tmp_path, capsys):
    """`fit TARGET --json` prints params, gamma, n_spikes, n_target, v_rmse_mV, evaluations, seconds, scheme;
    exit 0 on a match, 1 when a one-generation budget finds no match for an irregular train."""
    p, target = independent_target("tonic_spiking", trace=True)
    path = _save_npz(tmp_path / "cell.npz", t_ms=target.t_ms, I=target.I, dt_ms=target.dt_ms,
                     spike_times_ms=target.spikes, v_mV=target.v_mV, v0_mV=p["V0"])
    code = main(["fit", path, "--json", "--budget", "4096"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"params", "gamma", "n_spikes", "n_target", "v_rmse_mV", "evaluations", "seconds", "scheme"} <= set(out)
    assert set(out["params"]) == {"a", "b", "c", "d"} and out["gamma"] >= 0.9 and out["n_target"] == len(target.spikes)
    # irregular spikes under a constant input: no Izhikevich neuron fires like that
    rng = np.random.default_rng(0)
    spikes = np.sort(rng.choice(np.arange(40, 390) * 0.25, 9, replace=False))
    path = _save_npz(tmp_path / "hard.npz", I=np.full(401, 10.0), dt_ms=0.25, spike_times_ms=spikes, v0_mV=-65.0)
    code = main(["fit", path, "--budget", "128", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["matched"] is False and out["evaluations"] == 128


def test_csv_target_reads_like_the_npz(tmp_path):
    """A CSV target (columns t_ms, I, spike) holds the same input and spikes as the arrays it was written from."""
    _, target = independent_target("tonic_spiking")
    spike = np.isin(np.rint(target.t_ms / target.dt_ms), np.rint(target.spikes / target.dt_ms)).astype(int)
    path = tmp_path / "cell.csv"
    with open(path, "w") as fh:
        fh.write("t_ms,I,spike\n")
        for t, i, s in zip(target.t_ms, target.I, spike):
            fh.write(f"{t},{i},{s}\n")
    got = load_target(path)
    np.testing.assert_array_equal(got.I, target.I)
    np.testing.assert_allclose(got.spikes, target.spikes)
    assert got.dt_ms == target.dt_ms


@pytest.mark.parametrize("arrays,message", [
    (dict(dt_ms=0.25, spike_times_ms=[1.0]), "no input"),
    (dict(I=np.zeros(10), dt_ms=0.25), "no response"),
    (dict(I=np.zeros(10), dt_ms=0.25, v_mV=np.zeros(9)), "'v_mV' has 9 values"),
    (dict(I=np.zeros(10), t_ms=np.arange(11) * 0.25, dt_ms=0.25, spike_times_ms=[1.0]), "'t_ms' has 11"),
    (dict(I=np.r_[np.zeros(5), np.nan, np.zeros(4)], dt_ms=0.25, spike_times_ms=[1.0]), "NaN"),
    (dict(I=np.zeros(10), dt_ms=0.25, spike_times_ms=[2.0, 1.0]), "sorted"),
    (dict(I=np.zeros(10), dt_ms=-0.25, spike_times_ms=[1.0]), "dt_ms must be a positive"),
    (dict(I=np.zeros(10), dt_ms=0.25, spike_times_ms=[5.0]), r"\[0, 2.5\)"),
])
def test_cli_bad_targets_exit_2_with_one_line(tmp_path, capsys, arrays, message):
    """A target without input or response, with mismatched lengths, NaN, unsorted or out-of-record spikes, or a
    bad dt is refused before any simulation: exit 2, one line on stderr naming the problem, no traceback."""
    path = _save_npz(tmp_path / "bad.npz", **arrays)
    code = main(["fit", path])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "bad.npz" in err
    import re

    assert re.search(message, err), err


def test_cli_empty_and_unreadable_files_exit_2(tmp_path, capsys):
    """An empty file, a file that is not an archive, an unknown extension and a missing file: exit 2, one line."""
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip")
    other = tmp_path / "cell.txt"
    other.write_text("1 2 3")
    for path, message in ((empty, "empty"), (junk, "not a readable"), (other, "unknown target format"),
                          (tmp_path / "missing.npz", "no target file")):
        code = main(["fit", str(path)])
        _, err = capsys.readouterr()
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_cli_bad_options_exit_2(capsys, tmp_path):
    """No mode, two modes, an unknown pattern or scheme, a budget below one generation: exit 2, one line."""
    for argv, message in ((["fit"], "exactly one"),
                          (["fit", "--pattern", "tonic_spiking", "--recover", "RS"], "exactly one"),
                          (["fit", "--pattern", "tonic_spikin"], "unknown preset"),
                          (["fit", "--recover", "RS", "--scheme", "rk9"], "unknown scheme"),
                          (["fit", "--recover", "RS", "--budget", "10"], "--budget must be >= 128"),
                          (["fit", "--pattern", "RS", "--set", "e=1"], "unknown --set key")):
        code = main(argv)
        _, err = capsys.readouterr()
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_cli_recover_reports_true_and_fitted_parameters(capsys):
    """`fit --recover spike_latency --json` refits panel I from its own one-spike train: a match, the true and the
    fitted parameters side by side, and the one-parameter scans; c and d are not pinned (the reset acts only
    after the one spike), a is."""
    code = main(["fit", "--recover", "spike_latency", "--spikes-only", "--budget", "256", "--json"])
    row = json.loads(capsys.readouterr().out)
    assert code == 0 and row["matched"] and row["gamma"] >= 0.9 and row["validator_ok"]
    assert row["true"] == {"a": 0.02, "b": 0.2, "c": -65.0, "d": 6.0}
    assert set(row["fitted"]) == {"a", "b", "c", "d"}
    assert row["spread"]["c"]["fraction"] > 0.2 and row["spread"]["d"]["fraction"] > 0.2
    assert "a" in row["pinned"]


@pytest.mark.slow
def test_many_targets_on_a_dask_cluster_give_the_serial_results():
    """`fit_many(..., scheduler='local')` runs one target per task on a two-worker LocalCluster (the
    atlas's Dask path) and, the seeds being fixed, returns exactly the rows of the serial run, in order."""
    pytest.importorskip("distributed", reason="the dask extra is needed")
    from izh_brian.fitting import fit_many

    names = ["tonic_spiking", "RS"]
    serial = fit_many(names, kind="recover", budget=512, attempts=1)
    remote = fit_many(names, kind="recover", budget=512, attempts=1, scheduler="local", n_workers=2)
    assert [r["name"] for r in remote] == names
    for a, b in zip(serial, remote):
        assert a["fitted"] == b["fitted"] and a["gamma"] == b["gamma"]
