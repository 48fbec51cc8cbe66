"""Benchmark of the 2003 network as a cpp_standalone program rerun with new seeds."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import numpy as np

from izh_brian.network.netm import run_netm_seeded
from izh_brian.network.standalone import NOISE_MODES, StandaloneNetwork

__all__ = [
    "benchmark_network_standalone",
]


def benchmark_network_standalone(duration_ms=10000.0, *, seed=0, reruns=3, noise_modes=NOISE_MODES, fresh=True,
                                 numpy_s=None, ne=None, ni=None) -> dict:
    """Time the standalone ``paper`` network: build once, then reruns with new seeds, next to numpy net.m.

    For each noise mode a program is built (in a fresh temporary directory
    when ``fresh``, so the build is a real compilation; else in the cache)
    and rerun ``reruns`` times with seeds ``seed, seed+1, ...``. A rerun's
    time is what a user waits for from Python: drawing the cells and weights
    (and the noise table), writing them, the program, reading the spikes back.
    The ``program`` mode is built with Brian2's profiling on (a few ms), and
    its per-code-object seconds are returned.

    Returns
    -------
    dict
        ``standalone_build_once_s``, ``standalone_rerun_s`` (median),
        ``standalone_rerun_min_s``, ``standalone_program_s`` (median of the
        binary alone), ``standalone_profile``; the same with the prefix
        ``standalone_table_`` for the exact-noise mode; ``numpy_s`` (best of
        ``reruns`` unless given), ``ratio_standalone_rerun_to_numpy``,
        ``ratio_standalone_table_rerun_to_numpy``, ``standalone_recompiled``
        (binary changed during the reruns), the rates and spectral peak of the
        first rerun of each mode.
    """

    size = {k: v for k, v in (("ne", ne), ("ni", ni)) if v is not None}
    out = {"duration_ms": float(duration_ms)}
    for mode in noise_modes:
        tmp = tempfile.mkdtemp(prefix="izh_brian_netsa_") if fresh else None
        pre = "standalone_" if mode == "program" else f"standalone_{mode}_"
        try:
            with StandaloneNetwork("paper", noise=mode, profile=(mode == "program"), duration_ms=duration_ms,
                                   directory=tmp, **size) as sn:
                mtime = os.path.getmtime(sn.binary)
                runs = [sn.run(seed=seed + k) for k in range(max(1, int(reruns)))]
                recompiled = os.path.getmtime(sn.binary) != mtime
                out["n_neurons"] = sn.base.n
                out[pre + "build_once_s"] = sn.build_s
                out[pre + "was_cached"] = sn.was_cached
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        walls = [r.run_s for r in runs]
        out[pre + "rerun_s"] = float(np.median(walls))
        out[pre + "rerun_min_s"] = float(min(walls))
        out[pre + "program_s"] = float(np.median([r.timing["program_s"] for r in runs]))
        out[pre + "prepare_s"] = float(np.median([r.timing["prepare_s"] for r in runs]))
        out[pre + "recompiled"] = bool(recompiled)
        a = runs[0].analysis()
        out[pre + "rate_exc_hz"], out[pre + "rate_inh_hz"] = a["rate_exc_hz"], a["rate_inh_hz"]
        out[pre + "peak_hz"] = a["peak_hz"]
        out[pre + "spikes"] = int(runs[0].spike_i.size)
        if runs[-1].profile:
            out[pre + "profile"] = dict(sorted(runs[-1].profile.items(), key=lambda kv: -kv[1]))
    if numpy_s is None:
        ne_, ni_ = size.get("ne", 800), size.get("ni", 200)
        for _ in range(max(1, int(reruns))):
            t0 = time.perf_counter()
            run_netm_seeded(ne_, ni_, duration_ms, seed, we=0.5 * 800 / ne_, wi=1.0 * 200 / ni_)
            el = time.perf_counter() - t0
            numpy_s = el if numpy_s is None else min(numpy_s, el)
    out["numpy_s"] = float(numpy_s)
    for mode in noise_modes:
        pre = "standalone_" if mode == "program" else f"standalone_{mode}_"
        key = "ratio_standalone_rerun_to_numpy" if mode == "program" else f"ratio_standalone_{mode}_rerun_to_numpy"
        out[key] = out[pre + "rerun_s"] / numpy_s
    return out
