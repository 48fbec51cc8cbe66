"""Benchmark: a 1000-cell izhikevich2007Cell network in NeuroML, run by izh_brian and by jNeuroML.

:func:`make_network_files` writes the network with libNeuroML (cells, expOneSynapse synapses, populations,
projections of ``connectionWD`` s, an ``inputList`` of weighted pulse inputs) and the LEMS simulation with
pyNeuroML's ``LEMSSimulation`` (an EventOutputFile of every cell). :func:`benchmark` runs it in jNeuroML
(through pyNeuroML's runner) and in izh_brian (once to compile, then timed warm) and prints both wall times
and whether every cell has the same number of spikes.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
from izh_brian.interop.neuroml import read_model, run_model, write_outputs

__all__ = ["make_network_files", "benchmark", "format_benchmark"]


def make_network_files(folder, *, n_exc: int = 800, n_inh: int = 200, duration_ms: float = 1000.0,
                       dt_ms: float = 0.025, k_exc: int = 20, k_inh: int = 10, seed: int = 1) -> tuple[str, str]:
    """Write ``bench.net.nml`` (libNeuroML) and ``LEMS_bench.xml`` (pyNeuroML's LEMSSimulation) in ``folder``.

    Every cell gets ``k_exc`` excitatory and ``k_inh`` inhibitory inputs from random cells (numpy seed
    ``seed``) through expOneSynapse projections with 1 ms delays, and a 100 pA pulse for the whole run with
    a weight drawn from U(0.5, 1.5). Returns ``(lems_path, nml_path)``.
    """
    import neuroml
    from neuroml.writers import NeuroMLWriter
    from pyneuroml.lems import LEMSSimulation

    rng = np.random.default_rng(seed)
    doc = neuroml.NeuroMLDocument(id="bench")
    doc.izhikevich2007_cells.append(neuroml.Izhikevich2007Cell(
        id="RS", v0="-60mV", C="100pF", k="0.7nS_per_mV", vr="-60mV", vt="-40mV", vpeak="35mV", a="0.03per_ms",
        b="-2nS", c="-50mV", d="100pA"))
    doc.izhikevich2007_cells.append(neuroml.Izhikevich2007Cell(
        id="FS", v0="-55mV", C="20pF", k="1nS_per_mV", vr="-55mV", vt="-40mV", vpeak="25mV", a="0.2per_ms",
        b="-2nS", c="-45mV", d="0pA"))
    doc.exp_one_synapses.append(neuroml.ExpOneSynapse(id="ampa", gbase="0.3nS", erev="0mV", tau_decay="3ms"))
    doc.exp_one_synapses.append(neuroml.ExpOneSynapse(id="gaba", gbase="0.6nS", erev="-80mV", tau_decay="6ms"))
    doc.pulse_generators.append(neuroml.PulseGenerator(id="drive", delay="0ms", duration=f"{duration_ms}ms",
                                                       amplitude="100pA"))
    net = neuroml.Network(id="net")
    doc.networks.append(net)
    pops = {"exc": ("RS", n_exc), "inh": ("FS", n_inh)}
    for pid, (cell, size) in pops.items():
        net.populations.append(neuroml.Population(id=pid, component=cell, size=size))
    for pre, syn, k in (("exc", "ampa", k_exc), ("inh", "gaba", k_inh)):
        for post in pops:
            proj = neuroml.Projection(id=f"{pre}_{post}", presynaptic_population=pre, postsynaptic_population=post,
                                      synapse=syn)
            cid = 0
            for j in range(pops[post][1]):
                for i in rng.choice(pops[pre][1], size=k, replace=False):
                    proj.connection_wds.append(neuroml.ConnectionWD(
                        id=cid, pre_cell_id=f"../{pre}[{i}]", post_cell_id=f"../{post}[{j}]", weight=1.0,
                        delay="1ms"))
                    cid += 1
            net.projections.append(proj)
    for pid, (_cell, size) in pops.items():
        il = neuroml.InputList(id=f"drive_{pid}", component="drive", populations=pid)
        for j, w in enumerate(rng.uniform(0.5, 1.5, size)):
            il.input_ws.append(neuroml.InputW(id=j, target=f"../{pid}[{j}]", destination="synapses",
                                              weight=round(float(w), 4)))
        net.input_lists.append(il)
    nml = os.path.join(folder, "bench.net.nml")
    NeuroMLWriter.write(doc, nml)

    sim = LEMSSimulation("sim_bench", duration_ms, dt_ms, target="net")
    sim.include_neuroml2_file(os.path.basename(nml), relative_to_dir=folder)
    sim.create_event_output_file("spikes", "bench.spikes", format="ID_TIME")
    k = 0
    for pid, (_cell, size) in pops.items():
        for j in range(size):
            sim.add_selection_to_event_output_file("spikes", k, f"{pid}[{j}]", "spike")
            k += 1
    lems = os.path.join(folder, "LEMS_bench.xml")
    sim.save_to_file(file_name=lems)
    return lems, nml


def _counts_from_events(path, n):
    counts = np.zeros(n, dtype=int)
    if os.path.getsize(path):
        data = np.loadtxt(path, ndmin=2)
        ids = data[:, 0].astype(int)
        np.add.at(counts, ids, 1)
    return counts


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
