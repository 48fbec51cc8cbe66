"""cpp_standalone runs of single neurons (benchmarks.standalone): build once, rerun with new parameters, Brian2's device confined."""

import os
import shutil

import numpy as np
import pytest

from benchmarks.standalone import StandaloneRunner, run_runtime, spikes_agree

pytestmark = pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None,
                                reason="cpp_standalone needs a C++ compiler (g++)")


def test_build_once_rerun_with_new_parameters():
    """A standalone program is compiled once; rerunning it with new per-neuron parameters
    (run_args) does not rebuild the binary and gives the neurons those parameters: it
    reproduces the Cython runtime's spike trains for the same parameters (to within one
    step, the two are compiled separately), a zero input leaves every neuron silent, and
    the caller's Brian2 device stays the runtime device throughout."""
    import brian2
    from brian2.devices.device import RuntimeDevice

    n, T = 20, 100.0
    rng = np.random.default_rng(1)
    p1 = {"a": rng.uniform(0.01, 0.1, n), "d": rng.uniform(2.0, 8.0, n), "I": rng.uniform(5.0, 15.0, n)}
    ref = run_runtime(n, T, **p1)
    brian2.start_scope()
    assert set(np.asarray(ref["spike_index"]).tolist()) == set(range(n))  # every neuron fires under these inputs
    with StandaloneRunner(n, T) as sa:
        assert isinstance(brian2.get_device(), RuntimeDevice)
        mtime = os.path.getmtime(sa.binary)
        first = sa.run(**p1)
        silent = sa.run(**dict(p1, I=0.0))
        again = sa.run(**p1)
        assert os.path.getmtime(sa.binary) == mtime
        assert max(first["wall_s"], silent["wall_s"]) < sa.build_s
    assert spikes_agree(first, ref, dt_ms=0.25)
    assert len(silent["spike_index"]) == 0
    np.testing.assert_array_equal(again["spike_times_ms"], first["spike_times_ms"])
    assert isinstance(brian2.get_device(), RuntimeDevice)


def test_spikes_agree_is_strict_beyond_one_step():
    """The agreement test allows one step of jitter (separately compiled float code) and
    nothing more: a spike moved by two steps or a missing spike is a disagreement."""
    x = {"spike_index": np.array([0, 0, 1]), "spike_times_ms": np.array([1.0, 5.0, 2.0])}
    assert spikes_agree(x, {"spike_index": x["spike_index"], "spike_times_ms": np.array([1.25, 5.0, 2.0])}, 0.25)
    assert not spikes_agree(x, {"spike_index": x["spike_index"], "spike_times_ms": np.array([1.5, 5.0, 2.0])}, 0.25)
    assert not spikes_agree(x, {"spike_index": np.array([0, 0]), "spike_times_ms": np.array([1.0, 5.0])}, 0.25)


def test_bad_parameters_are_refused():
    """Unknown parameter names are refused before anything is built or run."""
    from benchmarks.standalone import _params

    with pytest.raises(ValueError, match="allowed: a, b, c, d, V0, u0, I"):
        _params(3, {"q": 1.0})
    with pytest.raises(ValueError, match="unknown scheme"):
        StandaloneRunner(3, 10.0, scheme="leapfrog")
