"""Parameter atlases (izh_brian.atlas): grid points as neurons of one group, features, classes, chunks, Dask."""

import json
import os

import numpy as np
import oracle
import pytest

from izh_brian.atlas import GRID_KEYS, make_spec, parse_grid, run_atlas, spike_features
from izh_brian.cli import main
from izh_brian.simulation import simulate


def _same_atlas(x, y):
    for k in x.features:
        np.testing.assert_array_equal(x.features[k], y.features[k], err_msg=k)
    np.testing.assert_array_equal(x.labels, y.labels)
    np.testing.assert_array_equal(x.spike_index, y.spike_index)
    np.testing.assert_array_equal(x.spike_times_ms, y.spike_times_ms)


def test_atlas_point_is_the_preset_neuron():
    """A grid point holding a preset's parameters, under that preset's protocol and grid,
    is the same neuron as the preset's own run: its spike train is exactly simulate()'s and
    figure1.m's (the independent oracle's), while the neighbouring point (another d) fires
    differently."""
    ref = simulate("tonic_spiking")  # d = 6 in 2004 Fig. 1A
    atlas = run_atlas({"d": [6.0, 1.0]}, stimulus="tonic_spiking", classify=False)
    np.testing.assert_array_equal(atlas.spikes_of(0), ref.spike_times_ms)
    expected = oracle.run_figure1("tonic_spiking")[0]
    assert len(expected) >= 3
    np.testing.assert_allclose(atlas.spikes_of(0), expected, rtol=0, atol=1e-9)
    assert not np.array_equal(atlas.spikes_of(1), ref.spike_times_ms)


def test_grid_order_features_and_f_I_curve():
    """Points are laid out in C order over the axes; each point is an independent neuron
    (a point run alone gives the same spikes as inside the grid). For a regular-spiking
    neuron the rate grows and the first-spike latency shrinks with the step amplitude I,
    and without input it stays silent."""
    amps = [0.0, 5.0, 10.0, 20.0]
    atlas = run_atlas({"a": [0.02, 0.1], "I": amps}, classify=False)
    assert atlas.shape == (2, 4)
    alone = run_atlas({"a": [0.1], "I": [10.0]}, classify=False)
    np.testing.assert_array_equal(atlas.spikes_of(1, 2), alone.spikes_of(0, 0))
    rate = atlas.features["rate_hz"]
    lat = atlas.features["latency_ms"]
    for row in range(2):
        assert rate[row, 0] == 0 and np.isnan(lat[row, 0])
        assert np.all(np.diff(rate[row, 1:]) > 0), rate[row]
        assert np.all(np.diff(lat[row, 1:]) < 0), lat[row]
    # features agree with the recorded spikes
    counts = np.bincount(atlas.spike_index, minlength=atlas.spec.size).reshape(atlas.shape)
    np.testing.assert_array_equal(atlas.features["n_spikes"], counts)
    st = atlas.spikes_of(0, 3)
    on = st[st > atlas.spec.onset_ms]
    assert lat[0, 3] == pytest.approx(on[0] - atlas.spec.onset_ms)
    assert atlas.features["mean_isi_ms"][0, 3] == pytest.approx(np.mean(np.diff(on)))


def test_spike_features_by_hand():
    """Rates count the spikes inside (onset, stop]; latency is measured from onset; the ISI
    statistics use the spikes after onset; a point with one spike has no ISI (NaN); the CV uses the
    population SD (ddof=0), the one definition of izh_brian.analysis.spiketrains shared with the validators."""
    idx = np.array([0, 0, 0, 0, 2])
    t = np.array([5.0, 20.0, 30.0, 50.0, 40.0])
    f = spike_features(idx, t, 3, onset_ms=10.0, stop_ms=110.0)
    np.testing.assert_array_equal(f["n_spikes"], [4, 0, 1])
    np.testing.assert_array_equal(f["n_spikes_input"], [3, 0, 1])
    np.testing.assert_allclose(f["rate_hz"], [30.0, 0.0, 10.0])
    np.testing.assert_allclose(f["latency_ms"], [10.0, np.nan, 30.0])
    np.testing.assert_allclose(f["mean_isi_ms"], [15.0, np.nan, np.nan])
    isi = np.array([10.0, 20.0])
    np.testing.assert_allclose(f["cv_isi"][0], np.std(isi, ddof=0) / isi.mean())  # 5/15, not 7.07/15


def test_classes_of_the_2003_parameter_sets():
    """Under a 10 mV/ms step the classifier of izh_brian.analysis labels the 2003 parameter
    sets at their grid points: RS (a=0.02, c=-65, d=8), FS (a=0.1, d=2), CH (c=-50, d=2);
    the labels are exactly what the classifier says about each point's spike train; a
    point whose dynamics run away (a huge negative input) is labelled 'diverged'."""
    from izh_brian import analysis as patterns  # part of the package under test: never skipped
    atlas = run_atlas({"a": [0.02, 0.1], "c": [-65.0, -50.0], "d": [8.0, 2.0]}, current=10.0)
    assert atlas.labels[0, 0, 0] == "RS"
    assert atlas.labels[1, 0, 1] == "FS"
    assert atlas.labels[0, 1, 1] == "CH"
    for index in np.ndindex(atlas.shape):
        feats = patterns.step_response_features(atlas.spikes_of(*index), atlas.spec.onset_ms, atlas.spec.stop_ms)
        assert atlas.labels[index] == patterns.classify_features(feats)[0]
    wild = run_atlas({"I": [-1e6, 0.0]}, current=10.0)
    assert wild.labels.tolist() == ["diverged", "silent"]
    assert wild.features["diverged"].tolist() == [True, False]


def test_chunks_merge_to_the_single_run():
    """Cutting the grid into chunks (one NeuronGroup each) changes nothing: every point's
    spikes, features and class are identical to the single-group run."""
    grid = {"a": np.linspace(0.01, 0.1, 5), "d": np.linspace(0.0, 8.0, 7)}
    whole = run_atlas(grid, current=12.0)
    parts = run_atlas(grid, current=12.0, chunk_size=6)
    assert parts.timing["chunks"] == 6 and whole.timing["chunks"] == 1
    _same_atlas(whole, parts)


def test_dask_cluster_by_address_two_workers(tmp_path):
    """On a real Dask LocalCluster of two worker processes, reached by its scheduler's
    address (as `--scheduler ADDRESS`), the chunks run as tasks, each worker with its own
    Cython cache directory, and the merged atlas is identical to the single-process run."""
    distributed = pytest.importorskip("distributed", reason="Dask's distributed is the dask extra")
    grid = {"a": np.linspace(0.01, 0.1, 20), "d": np.linspace(0.0, 8.0, 20)}
    here = run_atlas(grid, current=10.0)
    base = tmp_path / "workers"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        there = run_atlas(grid, current=10.0, scheduler=cluster.scheduler_address, chunk_size=200,
                          worker_cache_base=str(base))
    _same_atlas(here, there)
    dirs = [c["cache_dir"] for c in there.chunks]
    assert len(dirs) == 2 and all(d.startswith(str(base)) for d in dirs)
    assert sorted(os.listdir(base)) == ["worker-0", "worker-1"]
    assert all(c["cache_dir"] is None for c in here.chunks)


def test_cli_atlas_on_a_local_cluster_matches_one_process(tmp_path, capsys):
    """`izh-brian atlas --scheduler local` starts its own two-worker LocalCluster; the JSON
    it prints holds the same labels and features as the single-process command."""
    pytest.importorskip("distributed", reason="Dask's distributed is the dask extra")
    args = ["atlas", "--grid", "a=0.02:0.1:2", "--grid", "d=2:8:2", "--json"]
    assert main(args) == 0
    alone = json.loads(capsys.readouterr().out)
    assert main(args + ["--scheduler", "local", "--workers", "2", "--chunk-size", "2"]) == 0
    spread = json.loads(capsys.readouterr().out)
    assert spread["labels"] == alone["labels"] and spread["features"] == alone["features"]
    assert spread["timing_s"]["chunks"] == 2 and alone["timing_s"]["chunks"] == 1


def test_bad_grids_are_refused_with_the_allowed_values():
    """Unknown keys, malformed ranges, N < 1 and an amplitude grid under a preset's own
    protocol are errors that name the value and what is allowed."""
    assert parse_grid("V0=-70:-60:3")[1].tolist() == [-70.0, -65.0, -60.0]
    with pytest.raises(ValueError, match="allowed: " + ", ".join(GRID_KEYS)):
        parse_grid("q=0:1:3")
    with pytest.raises(ValueError, match="LO:HI:N"):
        parse_grid("a=0:1")
    with pytest.raises(ValueError, match="N must be >= 1"):
        parse_grid("a=0:1:0")
    with pytest.raises(ValueError, match="needs --current"):
        make_spec({"I": [1.0]}, stimulus="tonic_spiking")
    with pytest.raises(ValueError, match="unknown preset|closest|tonic"):
        make_spec({"a": [0.02]}, stimulus="tonik_spiking")


def test_cli_atlas_json_plot_and_errors(tmp_path, capsys):
    """`izh-brian atlas` prints the atlas as JSON (grid, shape, one label and feature value
    per point in C order), saves the same arrays as .npz and draws the class map; a bad
    grid exits with status 2 and one line."""
    out_png, out_npz = tmp_path / "map.png", tmp_path / "atlas.npz"
    rc = main(["atlas", "--grid", "a=0.02:0.1:2", "--grid", "I=0:10:2", "--json", "--plot", str(out_png),
               "--save", str(out_npz)])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    saved = np.load(out_npz)
    assert saved["labels"].shape == (2, 2) and saved["labels"].ravel().tolist() == d["labels"]
    assert saved["axis_I"].tolist() == [0.0, 10.0]
    assert saved["feature_n_spikes"].ravel().tolist() == d["features"]["n_spikes"]
    assert d["shape"] == [2, 2] and d["keys"] == ["a", "I"] and d["n_points"] == 4
    assert d["grid"]["I"] == [0.0, 10.0]
    assert len(d["labels"]) == 4 and d["labels"][0] == "silent" and d["labels"][2] == "silent"
    assert d["features"]["n_spikes"][0] == 0 and d["features"]["n_spikes"][1] > 0
    assert out_png.stat().st_size > 1000
    rc = main(["atlas", "--grid", "z=0:1:2"])
    err = capsys.readouterr().err
    assert rc == 2 and "unknown grid key 'z'" in err and err.count("\n") == 1
