"""The plan of a run, before Brian2 builds anything: which cells share a NeuronGroup and in what order the
groups advance, where each cell sits, every cell's attachments in jLEMS's order, the inputs per cell, the
delayed events' pathways and what is recorded. Pure Python and numpy: no Brian2.

jLEMS advances the populations in the file's order and hands a zero-delay spike over at once, so a population
that receives a zero-delay projection from the group before it starts a new group, and a population with
zero-delay connections onto itself is cut into groups. See docs/neuroml.md, "jNeuroML's step, reproduced".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from izh_brian.lems.model import FIRING_KINDS, SOURCE_KINDS, LEMSTypeError
from izh_brian.lems.sources import INPUT_SEED, firing_input_steps
from izh_brian.lems.types import CellType, _dimless

__all__ = ["GroupPlan", "attachment_sequence", "zero_delay_links", "plan_groups", "locate_cells",
           "inputs_per_cell", "recorded_variables", "record_plan", "delay_pathways", "firing_sources",
           "group_slot", "needs_attachments"]


@dataclass
class GroupPlan:
    """One NeuronGroup: the cells of one ComponentType, in population order (``ct`` None: spike sources)."""

    ct: CellType | None
    members: list  # (population id, index, component id)
    pops: set = field(default_factory=set)


def group_slot(gi: int) -> int:
    """Group ``gi``'s place B in Brian2's 'groups' slot: gap-junction peers' v copied (B - 4), the gap copies
    read, attachments advanced (B - 2), their sum (B - 1), the cells' update (B), spikes (B + 1), zero-delay
    deliveries (B + 2), reset (B + 3); group gi + 1 starts after them."""
    return 10 * gi + 5


def _line_of(where: str) -> int:
    mt = re.search(r"line (\d+)", where or "")
    return int(mt.group(1)) if mt else 0


def attachment_sequence(model) -> list:
    """Every attachment of every cell, in the order jLEMS attaches them (and so sums their currents).

    Entries: ``("input", pop, idx, input id, weight, position among the model's inputs)``, ``("syn", pop, idx,
    projection number, connection number)``, ``("gap", pop, idx, electrical projection number, connection
    number, peer pop, peer idx, weight)``. A cell's DerivedVariable ``select="synapses[*]/i" reduce="add"`` is,
    in jLEMS (``PathDerivedVariable.eval``), ``0 + a_1 + a_2 + ...`` over its attachments in the order they
    were attached: the network's projections, electrical projections and inputs in the file's order (each
    projection's connections in order; a gap junction attaches to its pre-synaptic cell, then to its
    post-synaptic one). Measured against jNeuroML on the generated network with its inputLists after and
    before its projections (docs/neuroml.md).
    """
    blocks = []  # (line, rank, entries): the network's elements in the file's order
    for n, (pop, idx, inp, w, where) in enumerate(model.explicit_inputs):
        blocks.append((_line_of(where), len(blocks), [("input", pop, idx, inp, w, n)]))
    for k, proj in enumerate(model.projections):
        blocks.append((_line_of(proj.where), len(blocks),
                       [("syn", proj.post, conn[1], k, c) for c, conn in enumerate(proj.connections)]))
    for k, ep in enumerate(model.electrical_projections):
        part = []
        for c, conn in enumerate(ep.connections):
            part.append(("gap", ep.pre, conn[0], k, c, ep.post, conn[1], conn[2]))
            part.append(("gap", ep.post, conn[1], k, c, ep.pre, conn[0], conn[2]))
        blocks.append((_line_of(ep.where), len(blocks), part))
    return [e for _line, _rank, part in sorted(blocks, key=lambda b: (b[0], b[1])) for e in part]


def zero_delay_links(model) -> tuple[dict, dict]:
    """``(zero_delay, forward)``: per population the populations that reach it within the step (zero-delay
    projections from another population, gap junctions either way), and per population with zero-delay
    connections onto itself ``{j: cells i < j with a zero-delay connection i -> j}``."""
    zero_delay = {}
    forward = {}  # population -> {j: cells i < j with a zero-delay connection i -> j}
    for proj in model.projections:
        if any(c[3] == 0 for c in proj.connections):
            if proj.pre == proj.post:
                # jLEMS advances the cells one by one and hands a zero-delay spike over at once: a cell after
                # the spiking one feels it in this step (and may then spike and pass it on within the step), a
                # cell before it in the next. A group's cells advance together, so the population is cut into
                # groups (advanced in order) with no such connection from a cell to a later one of its group.
                for c in proj.connections:
                    if c[3] == 0 and c[1] > c[0]:
                        forward.setdefault(proj.pre, {}).setdefault(c[1], set()).add(c[0])
            else:
                zero_delay.setdefault(proj.post, set()).add(proj.pre)
    for ep in model.electrical_projections:
        # A gap junction reads its peer's copy of v, which depends on which population jLEMS advances first
        # (docs/neuroml.md): populations joined by gap junctions are kept in separate groups.
        zero_delay.setdefault(ep.post, set()).add(ep.pre)
        zero_delay.setdefault(ep.pre, set()).add(ep.post)
    return zero_delay, forward


def plan_groups(model, cell_type) -> tuple[dict, dict, dict]:
    """``(plans, sources, where_of)``: the groups ``{"g0": GroupPlan, ...}`` in the order they advance, the
    spike sources ``{population: CellSpec}`` and where each population stands in its file.

    Groups are runs of consecutive populations of one ComponentType in the file's order; a population that a
    population of the current group reaches within the step (:func:`zero_delay_links`) starts a new group, and
    so does a cell that receives a zero-delay connection from an earlier cell of its group. ``cell_type(pop)``
    is the population's translated :class:`~izh_brian.lems.types.CellType`.
    """
    zero_delay, forward = zero_delay_links(model)
    plans: dict[str, GroupPlan] = {}
    where_of = {}
    sources = {}
    current = None
    for pop in model.populations.values():
        spec = model.cells.get(pop.component)
        where_of[pop.id] = pop.where
        if spec is not None and spec.kind in SOURCE_KINDS:
            plans[f"g{len(plans)}"] = GroupPlan(None, [(pop.id, i, pop.component) for i in range(pop.size)], {pop.id})
            sources[pop.id] = spec
            current = None
            continue
        ct = cell_type(pop)
        if current is None or current.ct is None or current.ct.name != ct.name \
                or bool(zero_delay.get(pop.id, set()) & current.pops):
            current = GroupPlan(ct, [])
            plans[f"g{len(plans)}"] = current
        current.pops.add(pop.id)
        start = 0  # this population's first cell in the current group
        for i in range(pop.size):
            if any(src >= start for src in forward.get(pop.id, {}).get(i, ())):
                current = GroupPlan(ct, [], {pop.id})
                plans[f"g{len(plans)}"] = current
                start = i
            current.members.append((pop.id, i, pop.component))
    for proj in model.projections:
        if proj.post in sources:
            raise LEMSTypeError(f"<projection> {proj.id!r} in {proj.where}: its postsynaptic population "
                                f"{proj.post!r} holds spike sources, which take no synapses")
    return plans, sources, where_of


def locate_cells(plans: dict) -> dict:
    """``{(population, index): (group name, column)}``."""
    locate = {}
    for tname, plan in plans.items():
        for col, (pid, i, _c) in enumerate(plan.members):
            locate[(pid, i)] = (tname, col)
    return locate


def inputs_per_cell(model, plans: dict, locate: dict) -> dict:
    """``{(population, index): [(input id, weight), ...]}`` in the file's order, each input checked against
    the cell it drives."""
    per_cell: dict = {}
    for pop, idx, inp, w, where in model.explicit_inputs:
        ct = plans[locate[(pop, idx)][0]].ct
        if ct is None:
            raise LEMSTypeError(f"{where}: {pop!r} holds spike sources, which take no inputs")
        dl = model.inputs[inp].dimensionless
        if ct.input_var is None or dl != _dimless(ct.input_unit):
            takes = ("no inputs" if ct.input_var is None else
                     "dimensionless *DL generators" if _dimless(ct.input_unit) else "generators in amperes")
            raise LEMSTypeError(f"{where}: {model.inputs[inp].kind} {inp!r} cannot drive a {ct.name} (its cells "
                                f"take {takes})")
        per_cell.setdefault((pop, idx), []).append((inp, w))
    return per_cell


def recorded_variables(record, optional_record) -> dict:
    """``{population: {variable, ...}}`` of the keys ``(population, index, variable)`` asked for."""
    recorded_vars: dict = {}
    for pid, _idx, var in list(record or ()) + list(optional_record or ()):
        recorded_vars.setdefault(pid, set()).add(var)
    return recorded_vars


def record_plan(record, optional_record, locate: dict, plans: dict) -> dict:
    """``{(group name, variable): [(key, column), ...]}``: what each StateMonitor records. ``record`` keys
    must be recordable; ``optional_record`` keys (a Display's lines) that are not are left out."""
    wanted: dict = {}
    optional = set(optional_record or ()) - set(record or ())
    for key in list(record or ()) + sorted(optional):
        pid, idx, var = key
        if (pid, idx) not in locate:
            raise LEMSTypeError(f"cannot record {pid}[{idx}]: no such cell")
        tname, col = locate[(pid, idx)]
        ct = plans[tname].ct
        if ct is None:
            if key in optional:
                continue
            raise LEMSTypeError(f"cannot record {pid}[{idx}]/{var}: {pid!r} holds spike sources")
        recordable = ct.state_names + [d for d, _e in ct.derived] + ([ct.input_var] if ct.input_var else [])
        if var not in recordable and key in optional:
            continue
        if (tname, var) in wanted and key in [k for k, _c in wanted[(tname, var)]]:
            continue
        if var not in recordable:
            raise LEMSTypeError(f"cannot record {pid}[{idx}]/{var}: {var!r} is not a state variable or "
                                f"DerivedVariable of {ct.name} (recordable: {', '.join(recordable)})")
        wanted.setdefault((tname, var), []).append((key, col))
    return wanted


def delay_pathways(delays_s, t_next, dt_s: float):
    """The two pathways of delayed events on jLEMS's queue: ``(table, lo, didx, length)``.

    A delayed event is due at ``T[s] + delay`` (``T`` the running-sum time, ``T[s]`` the spike's stamp) and is
    handed over when the first step computing a ``T[m] >= due`` starts. Float rounding makes ``m - s`` one of
    two values per delay: ``lo[k]`` is the smaller for the k-th distinct delay, ``table[k * length + s]`` the
    value for stamp s; ``didx`` maps each connection to its delay.
    """
    n_steps = len(t_next)
    values, didx = np.unique(np.asarray(delays_s, dtype=float), return_inverse=True)
    T = np.concatenate([[0.0], t_next])
    table, lo = [], []
    for d in values:
        due = T + d
        m_first = np.searchsorted(T, due, side="left")  # first m with T[m] >= due
        off = (m_first - np.arange(len(T))).astype(float)
        D = int(np.min(off[: max(1, n_steps - int(d / dt_s) - 2)]))
        table.append(off)
        lo.append(D)
    return np.concatenate(table), np.array(lo), didx, len(T)


def firing_sources(model, poisson_rows, t_next, dt_ms: float):
    """The source neurons of the synapse-firing inputs' events: ``(idx, times_ms, src_rows)``.

    ``poisson_rows`` holds ``(attachment row, attachment entry)`` of each such input. A timedSynapticInput may
    fire several events in one step (one per spike): the k-th event of a row in a step comes from the row's k-th
    source neuron, so that each one reaches the synapse. ``src_rows[s]`` is ``(n, row)`` of source neuron s (n
    the input's place in ``poisson_rows``); every input keeps at least one source neuron.
    """
    idx, times, src_rows = [], [], []
    layers: dict = {}  # (n, layer) -> source neuron
    for n, (r, e) in enumerate(poisson_rows):
        steps_n = firing_input_steps(model.inputs[e[3]], t_next, seed=[INPUT_SEED, e[5]])
        layer = np.zeros(len(steps_n), dtype=int)
        if len(steps_n) > 1:
            same = np.concatenate([[False], steps_n[1:] == steps_n[:-1]])
            for q in range(1, len(steps_n)):
                layer[q] = layer[q - 1] + 1 if same[q] else 0
        for j, lay in zip(steps_n, layer):
            if (n, lay) not in layers:
                layers[(n, lay)] = len(src_rows)
                src_rows.append((n, r))
            idx.append(layers[(n, lay)])
            times.append(j * dt_ms)
        if (n, 0) not in layers:  # an input without events keeps a source neuron (and its Synapses row)
            layers[(n, 0)] = len(src_rows)
            src_rows.append((n, r))
    return idx, times, src_rows


def needs_attachments(model, syn_plans, entries) -> bool:
    """Whether a group's cells keep one state per attachment (synapses, gap junctions, synapse-firing inputs)."""
    return bool(syn_plans or [e for e in entries if e[0] == "gap"]) or any(
        e[0] == "input" and model.inputs[e[3]].kind in FIRING_KINDS for e in entries)
