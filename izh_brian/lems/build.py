"""Building the Brian2 objects of a planned run (:mod:`izh_brian.lems.plan`): one NeuronGroup per group of
cells (its equations, its step in jLEMS's order, its schedule and initial state), the spike sources' groups
and the monitors. Attachments, projections and gap junctions are :mod:`izh_brian.lems.connect`'s.

Group gi takes the places around ``B = 10 gi + 5`` in Brian2's 'groups' slot (:func:`~izh_brian.lems.plan.
group_slot`), so that the groups advance, spike, deliver and reset in the file's order. See docs/neuroml.md,
"jNeuroML's step, reproduced".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from izh_brian.lems.connect import attachments
from izh_brian.lems.expr import _eval_si, lems_expr
from izh_brian.lems.model import LEMSTypeError
from izh_brian.lems.plan import group_slot, needs_attachments
from izh_brian.lems.sources import SOURCE_SEED, _input_start_si, _input_weight, source_steps
from izh_brian.lems.types import _base_unit_str, _dimless, _values_of, translate_synapse
from izh_brian.model.neurons import make_stimulus_function

__all__ = ["Build", "build_groups", "state_monitors", "collect_spikes", "collect_traces"]

_IDENT = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?!\w)")


@dataclass
class Build:
    """What each step of building one run reads: the model, PyLEMS's model ``m``, the clock and the plan.

    ``t_next``: the running-sum time (s) at the end of each step; ``sequence``: every attachment in jLEMS's
    order (:func:`~izh_brian.lems.plan.attachment_sequence`); ``pop_number``: each population's place in the
    file (the random sources' seeds).
    """

    model: object
    m: object
    t_next: np.ndarray
    dt_ms: float
    dt_s: float
    codeobj_class: object
    plans: dict
    sources: dict
    where_of: dict
    locate: dict
    per_cell: dict
    recorded_vars: dict
    sequence: list
    pop_number: dict
    _columns: dict = field(default_factory=dict)
    _tags: list = field(default_factory=list)

    def tag(self, gi: int) -> str:
        """Group ``gi``'s part of its Brian2 objects' names: its ComponentType (``source`` for spike sources),
        with ``_2``, ``_3``, ... for later groups of the same type.

        Brian2 writes an object's name into its generated code, and its Cython cache keys a module by that code:
        names that do not depend on the group's place in the file let every file whose first group of a type is
        built alike reuse one compiled module (with ``lems_<gi>_...`` each file compiled its own).
        """
        if not self._tags:
            seen: dict = {}
            for plan in self.plans.values():
                base = "source" if plan.ct is None else re.sub(r"[^A-Za-z0-9]", "_", plan.ct.name)
                seen[base] = seen.get(base, 0) + 1
                self._tags.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
        return self._tags[gi]

    @property
    def n_steps(self) -> int:
        return len(self.t_next)

    def column(self, key):
        """The summed inputs of cell ``key`` at t_1 .. t_n (None without inputs); cells with the same inputs
        share one column."""
        sig = tuple(self.per_cell.get(key, ()))
        if sig not in self._columns:
            self._columns[sig] = sum(self.model.inputs[inp].at_si(self.t_next, _input_weight(w))
                                     for inp, w in sig) if sig else None
        return sig, self._columns[sig]


def _const_rhs(code: str, unit) -> str:
    """A right-hand side without identifiers gets the variable's unit (``u = 0`` for a current)."""
    if not _dimless(unit) and not _IDENT.search(re.sub(r"\d[eE][-+]?\d", "", code)):
        return f"({code}) * {_base_unit_str(unit)}"
    return code


def build_groups(b: Build, net) -> tuple[dict, dict]:
    """Every group's Brian2 objects, added to ``net``: ``(groups, spike monitors)``, ``groups[name] = (G, plan,
    synapse plans, gi, attachments or None)``."""
    from brian2 import SpikeMonitor

    groups, monitors = {}, {}
    for gi, (tname, plan) in enumerate(b.plans.items()):
        att, syn_plans = None, []
        if plan.ct is None:
            G = source_group(b, gi, plan)
        else:
            G, syn_plans, entries, attach = cell_group(b, gi, tname, plan)
        mon = SpikeMonitor(G, record=True, when="end")
        net.add(G, mon)
        if plan.ct is not None and attach:
            att = attachments(b, G, gi, plan.ct, syn_plans, entries)
            net.add(att[0], *att[3])
        groups[tname] = (G, plan, syn_plans, gi, att)
        monitors[tname] = mon
    return groups, monitors


def source_group(b: Build, gi: int, plan):
    """Spike sources: their spikes, computed on jLEMS's clock, emitted in their population's turn."""
    from brian2 import SpikeGeneratorGroup, ms

    idx, times = [], []
    for col, (pid, i, _c) in enumerate(plan.members):
        for j in source_steps(b.sources[pid], b.t_next, seed=[SOURCE_SEED, b.pop_number[pid], i]):
            idx.append(col)
            times.append((j - 1) * b.dt_ms)
    return SpikeGeneratorGroup(len(plan.members), np.array(idx, dtype=int), np.array(times) * ms, dt=b.dt_ms * ms,
                               when="groups", order=group_slot(gi) + 1, name=f"lems_{b.tag(gi)}",
                               codeobj_class=b.codeobj_class)


def _synapse_plans(b: Build, tname: str, ct) -> list:
    """``[(SynapseType, projection, projection number)]`` of the projections onto group ``tname``."""
    syn_plans = []
    for k, proj in enumerate(b.model.projections):
        if tname not in {b.locate[(proj.post, j)][0] for j in range(b.model.populations[proj.post].size)}:
            continue
        comp = b.m.components[proj.synapse]
        st = translate_synapse(b.m, comp.type, f"_p{k}")
        if st.needs_v and "v" not in ct.state_names:
            raise LEMSTypeError(f"projection {proj.id!r}: synapse {proj.synapse!r} needs the cell's v")
        syn_plans.append((st, proj, k))
    return syn_plans


def cell_group(b: Build, gi: int, tname: str, plan):
    """The NeuronGroup of a group of cells, scheduled and initialised: ``(G, synapse plans, attachment entries,
    attach)``; with ``attach`` its cells keep one state per attachment (:mod:`izh_brian.lems.connect`)."""
    from brian2 import NeuronGroup, ms

    ct = plan.ct
    syn_plans = _synapse_plans(b, tname, ct)
    entries = [e for e in b.sequence if b.locate[(e[1], e[2])][0] == tname]
    gap_rows = [e for e in entries if e[0] == "gap"]
    # Attachment mode: a cell that receives synapses or gap junctions keeps one state per attachment in the
    # Synapses object att_<group>, summed in jLEMS's attachment order.
    attach = needs_attachments(b.model, syn_plans, entries)
    if attach and ct.input_var is None:
        raise LEMSTypeError(f"cells of ComponentType {tname!r} receive synapses but sum none (no select over "
                            "Attachments)")
    kept = set().union(*(b.recorded_vars.get(pid, set()) for pid in plan.pops))
    kept_derived = [d for d, _e in ct.derived if d in kept]
    eqs = _cell_equations(b, ct, tname, kept, kept_derived, attach, gap_rows)
    offsets, lengths, table = _input_table(b, plan, attach)
    if ct.input_var is None and table:
        raise LEMSTypeError(f"cells of ComponentType {tname!r} take no inputs (no select over Attachments)")
    flat = np.concatenate(table) if table else np.zeros(1)
    ns = {"izh_lems_stim": make_stimulus_function(flat, unit=1 if _dimless(ct.input_unit) else ct.input_unit,
                                                  name="izh_lems_stim")}
    for lname, q in ct.constants.items():
        ns[ct.brian(lname)] = q
    code, threshold, reset = _cell_step_code(ct, attach)
    B = group_slot(gi)
    G = NeuronGroup(len(plan.members), eqs, threshold=threshold, reset=reset, method="euler", dt=b.dt_ms * ms,
                    namespace=ns, name=f"lems_{b.tag(gi)}",
                    order=B, codeobj_class=b.codeobj_class)
    G.run_regularly("\n".join(code), when="groups", order=B, dt=b.dt_ms * ms, codeobj_class=b.codeobj_class)
    if gap_rows:
        G.run_regularly("v_gapprev = v_gapcopy\nv_gapcopy = v", when="groups", order=B - 4, dt=b.dt_ms * ms,
                        codeobj_class=b.codeobj_class)
    G.thresholder["spike"].when, G.thresholder["spike"].order = "groups", B + 1
    G.resetter["spike"].when, G.resetter["spike"].order = "groups", B + 3
    G.stim_offset = offsets
    G.stim_len = lengths
    _set_initial_state(b, G, plan, kept, kept_derived)
    if gap_rows:
        G.v_gapcopy = G.v[:]
        G.v_gapprev = G.v[:]
    return G, syn_plans, entries, attach


def _cell_equations(b: Build, ct, tname: str, kept: set, kept_derived: list, attach: bool, gap_rows: list) -> str:
    """The NeuronGroup's equations: parameters (constant), state variables, the input table's offset and length,
    the recorded DerivedVariables, the summed input and the gap junctions' copies of v."""
    lines = []
    for lname in ct.param_names:
        lines.append(f"{ct.brian(lname)} : {_base_unit_str(ct.units[ct.brian(lname)])} (constant)")
    for lname in ct.state_names:
        lines.append(f"{ct.brian(lname)} : {_base_unit_str(ct.units[ct.brian(lname)])}")
    lines += ["stim_offset : integer (constant)", "stim_len : integer (constant)"]
    # DerivedVariables asked for by an OutputFile become stored variables of their group (computed in the step
    # as before, kept for the StateMonitor); the others stay temporaries of the step's code.
    lines += [f"{ct.brian(d)} : {_base_unit_str(ct.units[ct.brian(d)])}" for d in kept_derived]
    if attach or (ct.input_var is not None and (ct.input_var in kept or kept_derived)):
        lines.append(f"ISyn_in_ : {_base_unit_str(ct.input_unit)}")
    if gap_rows:
        if "v" not in ct.state_names:
            raise LEMSTypeError(f"gap junctions onto cells of ComponentType {tname!r}: the cells have no v")
        for e in gap_rows:
            if (e[1], e[2]) == (e[5], e[6]):
                ep = b.model.electrical_projections[e[3]]
                raise LEMSTypeError(f"<electricalProjection> {ep.id!r} in {ep.where}: a gap junction from cell "
                                    f"{e[1]}[{e[2]}] to itself; supported: gap junctions between two cells")
        # jLEMS: a gap junction copies its cell's v when it advances (before the cell), and reads its peer's
        # copy: the peer's v at the start of this step if jLEMS advanced the peer cell first (an earlier
        # population, or an earlier cell of the same population), of the step before otherwise. v_gapcopy is
        # the copy of this step (taken before the group's attachments advance), v_gapprev the one before.
        lines.append("v_gapcopy : volt")
        lines.append("v_gapprev : volt")
    return "\n".join(lines)


def _input_table(b: Build, plan, attach: bool):
    """``(offsets, lengths, table)``: without attachments, the sum of each cell's inputs in a column of the
    table (cells with the same inputs share a column); with attachments each input is a row of att_<group>."""
    n = len(plan.members)
    offsets, lengths, table = np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32), []
    placed = {}
    if not attach:
        for col, (pid, i, _c) in enumerate(plan.members):
            sig, values = b.column((pid, i))
            if values is None:
                continue
            if sig not in placed:
                placed[sig] = sum(len(c) for c in table)
                table.append(np.asarray(values, dtype=float))
            offsets[col], lengths[col] = placed[sig], b.n_steps
    return offsets, lengths, table


def _cell_step_code(ct, attach: bool):
    """``(code, threshold, reset)`` of one step in jLEMS's order: the inputs at t_k+1, every DerivedVariable
    and TimeDerivative from the old state, all state variables advanced together, the other OnConditions; the
    spike condition on the new state and its assignments."""
    code = []
    rn = ct.brian
    if ct.input_var and not attach:
        code.append("ISyn_in_ = izh_lems_stim(t_in_timesteps, stim_offset, stim_len)")  # table[k]: at t_k+1
    for dname, expr in ct.derived:
        code.append(f"{rn(dname)} = {lems_expr(expr, rn)}")
    updates = []
    for sname in ct.state_names:
        if sname in ct.rates:
            code.append(f"_rate_{rn(sname)} = {lems_expr(ct.rates[sname], rn)}")
            updates.append(f"{rn(sname)} = {rn(sname)} + dt * _rate_{rn(sname)}")
    code += updates
    for test, assigns in ct.other_conditions:
        cond = lems_expr(test, rn)
        for var, expr in assigns:
            rhs = _const_rhs(lems_expr(expr, rn), ct.units[rn(var)])
            code.append(f"{rn(var)} = int({cond}) * ({rhs}) + (1 - int({cond})) * {rn(var)}")
    threshold = lems_expr(ct.spike_test, rn)
    reset = "\n".join(f"{rn(v)} = {_const_rhs(lems_expr(e, rn), ct.units[rn(v)])}" for v, e in ct.spike_actions)
    return code, threshold, reset


def _set_initial_state(b: Build, G, plan, kept: set, kept_derived: list) -> None:
    """Parameters and OnStart, per cell, in SI; the recorded DerivedVariables' start values."""
    from brian2.units.fundamentalunits import Quantity

    ct = plan.ct
    values = [_values_of(b.m, comp_id, ct.flat.parameters, ct.flat.derived_parameters, b.where_of[pid])
              for pid, _i, comp_id in plan.members]
    for lname in ct.param_names:
        setattr(G, ct.brian(lname), Quantity(np.array([v[lname] for v in values]),
                                             dim=getattr(ct.units[ct.brian(lname)], "dim", None)))
    start = {s: np.zeros(len(plan.members)) for s in ct.state_names}
    for col, v in enumerate(values):
        local = {**v, **{k: float(q) for k, q in ct.constants.items()}}
        local.update({s: 0.0 for s in ct.state_names})
        for var, expr in ct.onstart:
            local[var] = _eval_si(expr, local)
            start[var][col] = local[var]
    for s in ct.state_names:
        setattr(G, ct.brian(s), Quantity(start[s], dim=getattr(ct.units[ct.brian(s)], "dim", None)))
    if kept_derived or (ct.input_var is not None and ct.input_var in kept):
        _set_derived_start(b, G, plan, values, start, kept_derived)


def _set_derived_start(b: Build, G, plan, values: list, start: dict, kept_derived: list) -> None:
    """jLEMS evaluates the DerivedVariables once at the start, with each input's current at its start value
    (:func:`~izh_brian.lems.sources._input_start_si`); an OutputFile's first row shows them. Brian2 overwrites
    them in every step."""
    from brian2.units.fundamentalunits import Quantity

    ct = plan.ct
    isyn0 = np.array([sum((_input_start_si(b.model.inputs[inp], _input_weight(w))
                           for inp, w in b.per_cell.get((pid, i), ())), 0.0)
                      for pid, i, _c in plan.members])
    G.ISyn_in__ = isyn0  # SI values (a trailing '_' is Brian2's unitless access)
    for d in kept_derived:
        col0 = []
        for col, v in enumerate(values):
            local = {**v, **{k: float(q) for k, q in ct.constants.items()},
                     **{s: start[s][col] for s in ct.state_names}, ct.input_var: isyn0[col]}
            for dn, expr in ct.derived:
                local[dn] = _eval_si(expr, local)
            col0.append(local[d])
        setattr(G, ct.brian(d), Quantity(np.array(col0), dim=getattr(ct.units[ct.brian(d)], "dim", None)))


def state_monitors(b: Build, net, groups: dict, wanted: dict) -> list:
    """One StateMonitor per group and variable of :func:`~izh_brian.lems.plan.record_plan`; a row per step
    (after it), the initial value kept to put in front."""
    from brian2 import StateMonitor, ms

    state_mons = []
    for (tname, var), keys in wanted.items():
        G = groups[tname][0]
        bname = groups[tname][1].ct.brian(var)
        cols = sorted({c for _k, c in keys})
        init = np.array(G.variables[bname].get_value(), dtype=float)[cols]
        smon = StateMonitor(G, bname, record=cols, when="end", dt=b.dt_ms * ms)
        net.add(smon)
        state_mons.append((keys, cols, smon, bname, init))
    return state_mons


def collect_spikes(model, groups: dict, monitors: dict, dt_ms: float) -> dict:
    """``{population: [array of spike steps (int, stamped at the step's end) per cell]}``."""
    from brian2 import second

    spikes = {pid: [np.zeros(0, dtype=np.int64) for _ in range(pop.size)] for pid, pop in model.populations.items()}
    for tname, (_G, plan, _s, _gi, _a) in groups.items():
        mon = monitors[tname]
        steps = np.rint(np.asarray(mon.t / second) / (dt_ms * 1e-3)).astype(np.int64) + 1
        idx = np.asarray(mon.i[:])
        for col, (pid, i, _c) in enumerate(plan.members):
            spikes[pid][i] = np.sort(steps[idx == col])
    return spikes


def collect_traces(state_mons: list) -> dict:
    """``{(population, index, variable): array of SI values at t_0 .. t_n}``."""
    traces = {}
    for keys, cols, smon, bname, init in state_mons:
        values = np.asarray(getattr(smon, bname + "_"), dtype=float)  # SI values (unitless access)
        for key, col in keys:
            traces[key] = np.concatenate([[init[cols.index(col)]], values[cols.index(col)]])
    return traces
