"""The 2003 network as a cached cpp_standalone program (izh_brian.network.standalone).

The program is compiled once per network shape; reruns pass the seed's cells,
weights and noise amplitudes through Brian2's ``run_args``. Small networks
(160 + 40 neurons) keep the two compilations of this module (program noise,
table noise) to about 10-20 s each.
"""

import os

import numpy as np
import pytest

from izh_brian.network import simulate_network
from izh_brian.network.standalone import StandaloneNetwork

NE, NI = 160, 40
SEEDS = range(6)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A private program cache for this module (the CLI test finds the fixture's program there)."""
    with pytest.MonkeyPatch.context() as mp:
        path = str(tmp_path_factory.mktemp("netsa_cache"))
        mp.setenv("IZH_BRIAN_STANDALONE_CACHE", path)
        yield path


@pytest.fixture(scope="module")
def program_net(cache):
    with StandaloneNetwork(ne=NE, ni=NI, duration_ms=1000.0) as sn:
        yield sn


@pytest.fixture(scope="module")
def program_dir(program_net):
    return program_net.directory


def _raster(r):
    return np.stack([r.spike_steps, r.spike_i])


def test_reruns_reuse_one_binary_and_the_seed_fixes_the_raster(program_net, program_dir):
    """A rerun with a new seed executes the same compiled program (its file is not rewritten), and
    the raster is a function of the seed: seed 1 twice gives the same raster, seed 2 another one,
    also from a second process that finds the program in the cache."""
    assert not program_net.was_cached
    mtime = os.path.getmtime(program_net.binary)
    r1 = program_net.run(seed=1)
    r2 = program_net.run(seed=2)
    r1b = program_net.run(seed=1)
    assert os.path.getmtime(program_net.binary) == mtime
    assert r1.spike_i.size > 0
    assert np.array_equal(_raster(r1), _raster(r1b))
    assert not (r1.spike_i.size == r2.spike_i.size and np.array_equal(_raster(r1), _raster(r2)))
    with StandaloneNetwork(ne=NE, ni=NI, duration_ms=1000.0, directory=program_dir) as again:
        assert again.was_cached
        r1c = again.run(seed=1)
    assert os.path.getmtime(program_net.binary) == mtime
    assert np.array_equal(_raster(r1), _raster(r1c))
    # the reruns leave no value files behind in the cache
    assert not [f for f in os.listdir(os.path.join(program_dir, "static_arrays")) if f.startswith("init_")]


def test_the_caller_keeps_the_runtime_device(program_net):
    """cpp_standalone lives in the child process: this process still simulates with Brian2's runtime."""
    from brian2.devices.device import get_device

    assert type(get_device()).__name__ == "RuntimeDevice"


def test_statistics_agree_with_the_runtime_network(program_net):
    """With its own (Brian2 randn) thalamic noise the standalone program is net.m in distribution:
    over six seeds its median excitatory and inhibitory rates are within 20 % of the runtime
    net2003 network's (numpy noise), and the median spectral peak of both lies in the
    alpha/theta range (4-14 Hz) within 4 Hz of each other. (A small network switches between a
    quiet and a bursting state, so single seeds can differ; the median is robust to that.)"""
    import brian2

    sa, rt = [], []
    for s in SEEDS:
        sa.append(program_net.run(seed=s).analysis())
        r = simulate_network("paper", ne=NE, ni=NI, duration_ms=1000.0, seed=s, record_v=(), progress=False)
        brian2.start_scope()
        rt.append(r.analysis())
    for key in ("rate_exc_hz", "rate_inh_hz"):
        a = np.median([x[key] for x in sa])
        b = np.median([x[key] for x in rt])
        assert a > 2.0 and abs(a - b) <= 0.2 * b, (key, a, b)
    pa = np.median([x["peak_hz"] for x in sa])
    pb = np.median([x["peak_hz"] for x in rt])
    assert 4.0 <= pa <= 14.0 and 4.0 <= pb <= 14.0 and abs(pa - pb) <= 4.0, (pa, pb)


def test_new_weights_reach_the_program_without_rebuilding(program_net):
    """Weights are run_args values: with the excitatory weights scaled to zero (we=0) and the same
    seed, the network loses its recurrent excitation and fires less than with the paper's 0.5."""
    mtime = os.path.getmtime(program_net.binary)
    paper = program_net.run(seed=3).rates()["rate_exc_hz"]
    no_exc = program_net.run(seed=3, we=0.0).rates()["rate_exc_hz"]
    assert no_exc < 0.8 * paper
    assert os.path.getmtime(program_net.binary) == mtime


def test_table_noise_reproduces_the_runtime_raster(tmp_path):
    """With numpy's noise table passed as run_args, the program is the runtime net2003 network with
    the same draws: its raster is spike for spike the runtime's for (at least) the first 200 ms,
    and its spike count over 300 ms within 2 %, for two seeds run by one binary."""
    import brian2

    with StandaloneNetwork(ne=NE, ni=NI, duration_ms=300.0, noise="table", directory=str(tmp_path / "t")) as sn:
        for seed in (4, 5):
            a = sn.run(seed=seed)
            b = simulate_network("paper", ne=NE, ni=NI, duration_ms=300.0, seed=seed, noise="table", record_v=(),
                                 progress=False)
            brian2.start_scope()
            early_a = _raster(a)[:, a.spike_steps < 200]
            early_b = _raster(b)[:, b.spike_steps < 200]
            assert early_a.shape[1] > 50
            assert np.array_equal(early_a, early_b)
            assert abs(a.spike_i.size - b.spike_i.size) <= 0.02 * b.spike_i.size


@pytest.mark.parametrize("kw, words", [
    ({"connectivity": "fixed_indegree"}, "dense"),
    ({"noise": "gauss"}, "program, table"),
    ({"scheme": "euler"}, "net2003"),
    ({"seed": 1}, "allowed"),
])
def test_shapes_it_cannot_build_are_refused_before_any_build(kw, words):
    """Only dense net2003 programs exist; a wrong shape or argument is a ValueError naming what is allowed."""
    with pytest.raises(ValueError, match=words):
        StandaloneNetwork(ne=NE, ni=NI, duration_ms=100.0, **kw)


def test_shape_arguments_are_refused_on_a_rerun(program_net):
    """The size and duration are compiled in: asking a rerun for another size is a ValueError."""
    with pytest.raises(ValueError, match="shape"):
        program_net.run(seed=1, ne=10)


def test_the_command_line_reruns_the_cached_program(program_net, capsys):
    """``izh-brian network --standalone --json`` finds the program of its shape in the cache (no new
    compilation: the binary's time stamp stays), prints the public JSON fields, and gives the same
    raster as the library for the same seed."""
    import json

    from izh_brian.cli import main

    mtime = os.path.getmtime(program_net.binary)
    assert main(["network", "--standalone", "--ne", str(NE), "--ni", str(NI), "--duration", "1000", "--seed", "7",
                 "--json", "--raster"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert os.path.getmtime(program_net.binary) == mtime
    for key in ("n_exc", "n_inh", "duration_ms", "scheme", "seed", "rate_hz", "rate_exc_hz", "rate_inh_hz",
                "peak_hz", "build_s", "run_s"):
        assert key in out
    lib = program_net.run(seed=7)
    assert out["spike_i"] == lib.spike_i.tolist()
    assert out["spike_t_ms"] == lib.spike_t_ms.tolist()
