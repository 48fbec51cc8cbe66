"""Concurrency: two `izh-brian` processes started at once with an empty Cython cache both succeed."""

import json
import os
import shutil
import subprocess
import sys

import oracle


def _command():
    exe = os.path.join(os.path.dirname(sys.executable), "izh-brian")
    if os.path.exists(exe):
        return [exe]
    found = shutil.which("izh-brian")
    return [found] if found else [sys.executable, "-m", "izh_brian.cli"]


def test_two_processes_with_an_empty_cache(tmp_path):
    """Two processes that start together on the same empty Cython cache (a temporary one,
    via CYTHON_CACHE_DIR) both compile-or-wait on Brian2's file locks, exit 0 and print the
    same spike train -- figure1.m's (the independent oracle's) for the preset."""
    env = dict(os.environ, CYTHON_CACHE_DIR=str(tmp_path / "cython"))
    cmd = _command() + ["run", "tonic_spiking", "--json"]
    procs = [subprocess.Popen(cmd, env=env, cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
    runs = [json.loads(out)[0] for out, _ in outs]
    expected = oracle.run_figure1("tonic_spiking")[0]
    assert runs[0]["spike_times_ms"] == runs[1]["spike_times_ms"] == expected
    compiled = [f for f in os.listdir(tmp_path / "cython" / "brian_extensions") if f.endswith(".so")]
    assert len(compiled) >= 4  # the cache really was empty: both processes needed these modules
