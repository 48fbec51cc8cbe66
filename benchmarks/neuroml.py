"""Benchmark of a NeuroML network: jNeuroML against izh_brian (warm) on a 1000-cell izhikevich2007Cell network
with expOneSynapse projections, generated with libNeuroML (:func:`izh_brian.interop.neuroml_networks.make_network_files`)."""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from izh_brian.lems import read_model, run_model, write_outputs
from izh_brian.interop.neuroml_networks import _counts_from_events, make_network_files

__all__ = [
    "benchmark",
    "format_benchmark",
]


def benchmark(n_exc: int = 800, n_inh: int = 200, duration_ms: float = 1000.0, dt_ms: float = 0.025) -> dict:
    """Wall time of jNeuroML and of izh_brian (warm: compiled code cached, second run) on the same files."""
    from pyneuroml.pynml import run_lems_with_jneuroml

    n = n_exc + n_inh
    with tempfile.TemporaryDirectory(prefix="izh_nml_bench_") as tmp:
        lems, _nml = make_network_files(tmp, n_exc=n_exc, n_inh=n_inh, duration_ms=duration_ms, dt_ms=dt_ms)
        t0 = time.perf_counter()
        ok = run_lems_with_jneuroml(lems, nogui=True, load_saved_data=False, plot=False, exec_in_dir=tmp,
                                    max_memory="4G", verbose=False)
        jnml_s = time.perf_counter() - t0
        if not ok:
            raise RuntimeError("jNeuroML failed on the benchmark network")
        theirs = _counts_from_events(os.path.join(tmp, "bench.spikes"), n)
        model = read_model(lems)
        t0 = time.perf_counter()
        run_model(model)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        model = read_model(lems)
        run = run_model(model)
        out = os.path.join(tmp, "ours")
        write_outputs(model, run, out)
        warm_s = time.perf_counter() - t0
        ours = _counts_from_events(os.path.join(out, "bench.spikes"), n)
    same = ours == theirs
    return {"n_cells": n, "duration_ms": duration_ms, "dt_ms": dt_ms, "jnml_s": jnml_s, "izh_first_s": first_s,
            "izh_warm_s": warm_s, "ratio_warm_to_jnml": warm_s / jnml_s, "goal": 0.5,
            "goal_met": warm_s <= 0.5 * jnml_s, "same_count_fraction": float(np.mean(same)),
            "max_count_diff": int(np.max(np.abs(ours - theirs))), "spikes_ours": int(ours.sum()),
            "spikes_jnml": int(theirs.sum())}


def format_benchmark(r: dict) -> str:
    return (f"NeuroML network, {r['n_cells']} izhikevich2007Cells with expOneSynapse projections, "
            f"{r['duration_ms']:g} ms at {r['dt_ms']:g} ms: jNeuroML {r['jnml_s']:.1f} s, izh_brian warm "
            f"{r['izh_warm_s']:.1f} s (first run {r['izh_first_s']:.1f} s), warm / jNeuroML "
            f"{r['ratio_warm_to_jnml']:.2f} (goal <= {r['goal']:g}: {'met' if r['goal_met'] else 'NOT met'}); "
            f"{100 * r['same_count_fraction']:.1f}% of cells with jNeuroML's spike count (max difference "
            f"{r['max_count_diff']}; {r['spikes_ours']} vs {r['spikes_jnml']} spikes)")
