"""Benchmark: a 1000-cell izhikevich2007Cell network in NeuroML, run by izh_brian and by jNeuroML.

:func:`make_network_files` writes the network with libNeuroML (cells, expOneSynapse synapses, populations,
projections of ``connectionWD`` s, an ``inputList`` of weighted pulse inputs) and the LEMS simulation with
pyNeuroML's ``LEMSSimulation`` (an EventOutputFile of every cell). :func:`benchmark` runs it in jNeuroML
(through pyNeuroML's runner) and in izh_brian (once to compile, then timed warm) and prints both wall times
and whether every cell has the same number of spikes.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = [
    "make_network_files",
]


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
