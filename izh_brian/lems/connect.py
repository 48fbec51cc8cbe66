"""Connecting the groups as jLEMS connects them: each cell's attachments (its synapses, gap junctions and
inputs, one state each, summed in jLEMS's order), the projections (zero-delay and delayed pathways), the gap
junctions' peers, and the inputs that fire a synapse of their own.

A group whose cells receive synapses gets a Brian2 ``Synapses`` object ``att_<group>`` from the group onto itself,
one row per attachment (:func:`~izh_brian.lems.plan.attachment_sequence`); Brian2's summed variable adds the
rows in order from 0, as jLEMS's ``PathDerivedVariable`` adds the attachments. See docs/neuroml.md,
"Floating-point arithmetic", "Gap junctions", "Poisson inputs" and "Timed synaptic inputs".
"""

from __future__ import annotations

import numpy as np

from izh_brian.lems.expr import _eval_si, lems_expr
from izh_brian.lems.model import FIRING_KINDS
from izh_brian.lems.plan import delay_pathways, firing_sources, group_slot
from izh_brian.lems.sources import _input_weight
from izh_brian.lems.types import _base_unit_str, _dimless, _values_of, translate_synapse
from izh_brian.model.neurons import make_stimulus_function

__all__ = ["attachments", "projection_synapses", "gap_peers"]


def _on_pre(st) -> str:
    """A synapse's OnEvent as Brian2 ``on_pre`` code acting on its attachment row (``_post`` variables)."""
    return "\n".join(
        f"{st.brian(var)}_post = "
        f"{lems_expr(expr, lambda n: st.brian(n) + ('_post' if n != 'weight' and n not in st.constants else ''))}"
        for var, expr in st.on_event)


def _constants(st) -> dict:
    return {st.brian(n): q for n, q in st.constants.items()}


def attachments(b, G, gi: int, ct, syn_plans: list, entries: list):
    """The Synapses object ``att_<group>`` (G onto itself): one row per attachment of G's cells in jLEMS's order
    (each connection's synapse, each gap junction, each input, a synapse-firing input with its own synapse),
    each with its own state, and the cells' summed input ``ISyn_in_ = 0 + i_1 + i_2 + ...`` in that order.

    Returns ``(att, {projection number: {connection number: row}}, {row: (peer group, peer column, own column)},
    [the firing inputs' SpikeGeneratorGroup and Synapses objects])``.
    """
    from brian2 import Synapses, ms

    B = group_slot(gi)
    gaps = [e for e in entries if e[0] == "gap"]
    plans, poisson_kind = _attachment_plans(b, syn_plans, entries)
    lines, ns, code, updates, select = _attachment_model(b, ct, gaps, plans, poisson_kind)
    rows, table, by_proj, peers, poisson_rows = _attachment_rows(b, entries, poisson_kind)
    if table:
        select.insert(0, "int(kind == -1) * izh_att_stim(t_in_timesteps, att_off, att_len)")
    if gaps:
        # gapJunction (Synapses.xml): i = weight * conductance * (vpeer - v).
        select.append("int(kind == -2) * (w_att * gcond * (vpeer - v_post))")
    flat = np.concatenate(table) if table else np.zeros(1)
    ns["izh_att_stim"] = make_stimulus_function(flat, unit=1 if _dimless(ct.input_unit) else ct.input_unit,
                                                name="izh_att_stim")
    code.append(f"i_att = {' + '.join(select) if select else '0'}")
    code += updates
    if poisson_kind:
        code.append("v_lag = v_post")
    A = Synapses(G, G, model="\n".join(lines), dt=b.dt_ms * ms, name=f"att_{b.tag(gi)}", namespace=ns, order=B - 2,
                 codeobj_class=b.codeobj_class)
    _set_attachment_rows(b, A, G, rows, plans, gaps, poisson_kind)
    A.run_regularly("\n".join(code), when="groups", order=B - 2, dt=b.dt_ms * ms, codeobj_class=b.codeobj_class)
    extra = _firing_inputs(b, A, G, gi, plans, poisson_kind, poisson_rows, rows) if poisson_rows else []
    return A, by_proj, peers, extra


def _attachment_plans(b, syn_plans: list, entries: list):
    """The synapses of the attachment rows: each projection's (kind = its number) and each firing input
    component's (poisson or timed; kind 1000 + n; its current is weight * the synapse's i, Inputs.xml), as
    ``[(SynapseType, synapse id, where, kind, firing input?)]``, and ``{input id: kind}``."""
    plans = [(st, proj.synapse, proj.where, k, False) for st, proj, k in syn_plans]
    poisson_kind = {}
    for e in entries:
        if e[0] == "input" and b.model.inputs[e[3]].kind in FIRING_KINDS and e[3] not in poisson_kind:
            spec = b.model.inputs[e[3]]
            poisson_kind[e[3]] = 1000 + len(poisson_kind)
            syn_id = spec.params["synapse"]
            st = translate_synapse(b.m, b.m.components[syn_id].type, f"_q{len(poisson_kind) - 1}")
            plans.append((st, syn_id, spec.where, poisson_kind[e[3]], True))
    return plans, poisson_kind


def _attachment_model(b, ct, gaps: list, plans: list, poisson_kind: dict):
    """``(lines, namespace, code, updates, select)`` of att_<group>: its equations, the synapses' derived
    variables and rates (their state advanced by ``updates``) and each kind's term of the row's current."""
    unit = _base_unit_str(ct.input_unit)
    lines = ["w_att : 1", "kind : integer (constant)", "att_off : integer (constant)", "att_len : integer (constant)",
             f"i_att : {unit}", f"ISyn_in__post = i_att : {unit} (summed)"]
    if gaps:
        # One vpeer_<group> per peer group (Brian2 lets one summed variable write a target variable); each row has
        # one peer, so the others are 0 and the sum is its peer's value exactly.
        peer_groups = sorted({b.locate[(e[5], e[6])][0] for e in gaps}, key=lambda t: int(t[1:]))
        lines += ["gcond : siemens (constant)"] + [f"vpeer_{t} : volt" for t in peer_groups]
        lines.append(f"vpeer = {' + '.join(f'vpeer_{t}' for t in peer_groups)} : volt")
    ns = {}
    code, updates, select = [], [], []
    vrename = {"v": "v_post", "weight": "w_att"}
    if poisson_kind:
        # A firing input's synapse is its child: it advances before the input copies the cell's v, so it
        # reads the copy of the step before (v_lag).
        lines.append("v_lag : volt")
    for st, _syn, _where, k, poisson in plans:
        for lname in st.param_names:
            lines.append(f"{st.brian(lname)} : {_base_unit_str(st.units[lname])} (constant)")
        for lname in st.state_names:
            lines.append(f"{st.brian(lname)} : {_base_unit_str(st.units[lname])}")
        for lname, q in st.constants.items():
            ns[st.brian(lname)] = q
        rn = (lambda s, vr: lambda n: vr.get(n, s.brian(n)))(st, {**vrename, "v": "v_lag"} if poisson else vrename)
        for dname, expr in st.derived:
            code.append(f"{st.brian(dname)} = {lems_expr(expr, rn)}")
        port = st.brian(ct.input_port if ct.input_port in [d for d, _ in st.derived] else "i")
        select.append(f"int(kind == {k}) * (w_att * {port})" if poisson else f"int(kind == {k}) * {port}")
        for sname in st.state_names:
            if sname in st.rates:
                code.append(f"_rate_{st.brian(sname)} = {lems_expr(st.rates[sname], rn)}")
                updates.append(f"{st.brian(sname)} = {st.brian(sname)} + dt * _rate_{st.brian(sname)}")
    return lines, ns, code, updates, select


def _attachment_rows(b, entries: list, poisson_kind: dict):
    """``(rows, table, by_proj, peers, poisson_rows)``: each row's kind, table offset and length, weight,
    conductance and cell; the inputs' table (each input a column of values at t_k+1, weight * I, the weight of
    an inputW inside, as jLEMS has it); the rows of each projection's connections; the gap junctions' peers;
    the synapse-firing inputs' rows."""
    model, m, locate = b.model, b.m, b.locate
    table, placed = [], {}
    rows = {"kind": [], "off": [], "len": [], "w": [], "gcond": [], "col": []}
    by_proj: dict = {}
    peers = {}
    poisson_rows = []
    for e in entries:
        rows["col"].append(locate[(e[1], e[2])][1])
        r = len(rows["kind"])
        kind, off, length, w, gcond = -1, 0, 0, None, 0.0
        if e[0] == "input" and e[3] in poisson_kind:
            kind = poisson_kind[e[3]]
            own = _input_weight(e[4])
            w = model.inputs[e[3]].params["weight"] if own is None else own
            poisson_rows.append((r, e))
        elif e[0] == "input":
            sig = (e[3], e[4])
            if sig not in placed:
                placed[sig] = sum(len(c) for c in table)
                table.append(np.asarray(model.inputs[e[3]].at_si(b.t_next, _input_weight(e[4])), dtype=float))
            off, length, w = placed[sig], b.n_steps, e[4]
        elif e[0] == "syn":
            kind, w = e[3], model.projections[e[3]].connections[e[4]][2]
            by_proj.setdefault(e[3], {})[e[4]] = r
        else:
            gj = m.components[model.electrical_projections[e[3]].synapse]
            kind, w = -2, e[7]
            gcond = float(m.get_numeric_value(gj.parameters["conductance"], "conductance"))
            peers[r] = (*locate[(e[5], e[6])], locate[(e[1], e[2])][1])
        for key, value in (("kind", kind), ("off", off), ("len", length), ("w", w), ("gcond", gcond)):
            rows[key].append(value)
    return rows, table, by_proj, peers, poisson_rows


def _set_attachment_rows(b, A, G, rows: dict, plans: list, gaps: list, poisson_kind: dict) -> None:
    """Connect att_<group>'s rows (each cell onto itself) and set their kinds, weights and synapse states
    (parameters in SI, then OnStart)."""
    from brian2 import Quantity, siemens

    cols = np.array(rows["col"], dtype=int)
    if not len(cols):
        return
    A.connect(i=cols, j=cols)
    A.kind = np.array(rows["kind"], dtype=int)
    A.att_off = np.array(rows["off"], dtype=int)
    A.att_len = np.array(rows["len"], dtype=int)
    A.w_att = np.array(rows["w"], dtype=float)
    if gaps:
        A.gcond = np.array(rows["gcond"], dtype=float) * siemens
    if poisson_kind:
        A.v_lag = G.v[:][cols]
    nrows = len(cols)
    for st, syn_id, where, _k, _p in plans:
        sv = _values_of(b.m, syn_id, st.flat.parameters, st.flat.derived_parameters, where)
        for lname in st.param_names:
            setattr(A, st.brian(lname), Quantity(np.full(nrows, sv[lname]), dim=getattr(st.units[lname], "dim",
                                                                                        None)))
        local = {**sv, **{s: 0.0 for s in st.state_names}}
        for var, expr in st.onstart:
            local[var] = _eval_si(expr, local)
            setattr(A, st.brian(var), Quantity(np.full(nrows, local[var]), dim=getattr(st.units[var], "dim",
                                                                                       None)))


def _firing_inputs(b, A, G, gi: int, plans: list, poisson_kind: dict, poisson_rows: list, rows: dict) -> list:
    """The synapse-firing inputs' events (:func:`~izh_brian.lems.plan.firing_sources`): fired at the end of step
    j - 1 -> j (after the synapse advanced), they act from step j on, so they are handed to the rows at the
    start of step j, before the groups. Returns the SpikeGeneratorGroup and Synapses objects."""
    from brian2 import SpikeGeneratorGroup, Synapses, ms

    B = group_slot(gi)
    idx, times, src_rows = firing_sources(b.model, poisson_rows, b.t_next, b.dt_ms)
    src = SpikeGeneratorGroup(len(src_rows), np.array(idx, dtype=int), np.array(times) * ms, dt=b.dt_ms * ms,
                              when="groups", order=-4, name=f"poisson_{b.tag(gi)}", codeobj_class=b.codeobj_class)
    by_plan = {}
    for s_i, (n, r) in enumerate(src_rows):
        by_plan.setdefault(poisson_kind[poisson_rows[n][1][3]], []).append((s_i, r))
    extra = []
    for st, _syn, _where, k, poisson in plans:
        if not poisson or k not in by_plan:
            continue
        on_pre = _on_pre(st)
        S = Synapses(src, A, model="w : 1", on_pre=on_pre, dt=b.dt_ms * ms, name=f"poissonsyn_{b.tag(gi)}_{k - 1000}",
                     namespace=_constants(st), codeobj_class=b.codeobj_class)
        pairs = by_plan[k]
        S.connect(i=np.array([n for n, _r in pairs], dtype=int), j=np.array([r for _n, r in pairs], dtype=int))
        S.w = 1.0  # the EventConnection to the synapse assigns no weight: its default, 1
        S.pre.when, S.pre.order = "groups", -3
        extra.append(S)
        own = [(rows["col"][r], r) for r, e in poisson_rows
               if poisson_kind[e[3]] == k and b.model.inputs[e[3]].kind == "timedSynapticInput"]
        if own:
            # jLEMS connects an input to its cell with an EventConnection from the cell to the input (Networks.xml
            # explicitInput / input), so the cell's spikes reach the input's port "in"; a timedSynapticInput's
            # OnEvent there (meant for its spike children) fires its synapse: each spike of the cell fires the
            # synapse too, at the end of the spike's step (after the synapse advanced), like the input's own.
            C = Synapses(G, A, model="w : 1", on_pre=on_pre, dt=b.dt_ms * ms, name=f"timedown_{b.tag(gi)}_{k - 1000}",
                         namespace=_constants(st), codeobj_class=b.codeobj_class)
            C.connect(i=np.array([c for c, _r in own], dtype=int), j=np.array([r for _c, r in own], dtype=int))
            C.w = 1.0
            C.pre.when, C.pre.order = "groups", B + 2
            extra.append(C)
    extra.append(src)
    return extra


def projection_synapses(b, net, groups: dict) -> None:
    """One Synapses object per projection (per pair of groups, for a population cut into several), from the
    pre-synaptic cells to the rows of att_<group> of its connections; zero-delay and delayed pathways apart."""
    for _tname, (_G, _plan, syn_plans, gi_post, att) in groups.items():
        for st, proj, k in syn_plans:
            rows = att[1].get(k, {})
            pairs = {(b.locate[(proj.post, c[1])][0], b.locate[(proj.pre, c[0])][0]) for c in proj.connections}
            for pre_t in sorted({b.locate[(proj.pre, proj.connections[c][0])][0] for c in rows},
                                key=lambda t: groups[t][3]):
                src, pre_gi = groups[pre_t][0], groups[pre_t][3]
                mine = {c for c in rows if b.locate[(proj.pre, proj.connections[c][0])][0] == pre_t}
                suffix = "" if len(pairs) == 1 else f"_{b.tag(gi_post)}_{b.tag(pre_gi)}"
                on_pre = _on_pre(st)
                conns = proj.connections
                zero = [n_ for n_, c in enumerate(conns) if c[3] == 0 and n_ in mine]
                later = [n_ for n_, c in enumerate(conns) if c[3] != 0 and n_ in mine]
                if zero:
                    net.add(_zero_delay_pathway(b, src, att[0], st, on_pre, proj, rows, zero, f"proj_{k}{suffix}",
                                                pre_gi))
                if later:
                    net.add(_delayed_pathways(b, src, att[0], st, on_pre, proj, rows, later, f"proj_{k}_d{suffix}"))


def _connect(b, S, proj, rows: dict, part: list) -> None:
    conns = proj.connections
    S.connect(i=np.array([b.locate[(proj.pre, conns[c][0])][1] for c in part], dtype=int),
              j=np.array([rows[c] for c in part], dtype=int))
    S.w = np.array([conns[c][2] for c in part], dtype=float)


def _zero_delay_pathway(b, src, A, st, on_pre: str, proj, rows: dict, part: list, name: str, pre_gi: int):
    """Zero-delay events act at once: after the pre-synaptic group's spikes, before the groups after it."""
    from brian2 import Synapses, ms

    S = Synapses(src, A, model="w : 1", on_pre=on_pre, dt=b.dt_ms * ms, name=name, namespace=_constants(st),
                 codeobj_class=b.codeobj_class)
    _connect(b, S, proj, rows, part)
    S.pre.when, S.pre.order = "groups", group_slot(pre_gi) + 2
    return S


def _delayed_pathways(b, src, A, st, on_pre: str, proj, rows: dict, part: list, name: str):
    """Delayed events go through jLEMS's event queue (:func:`~izh_brian.lems.plan.delay_pathways`): two
    pathways per projection (m - s = D and D + 1), each event taking the one its stamp decides. A pathway in a
    slot before the groups reads the spikes of step k at the start of step k + 1, so a Brian2 delay of L steps
    hands the event over at the start of step k + 1 + L."""
    from brian2 import Synapses, ms

    gate = "int(izh_delay_off(t_in_timesteps - {L}, d_off, d_len) == {L} + 1)"
    codes = {f"pre{p}": "\n".join(f"{line.split(' = ', 1)[0]} = {line.split(' = ', 1)[0]} + "
                                  f"{gate.format(L=L)} * (({line.split(' = ', 1)[1]}) - "
                                  f"{line.split(' = ', 1)[0]})"
                                  for line in on_pre.splitlines())
             for p, L in (("", "L_a"), ("_b", "L_b"))}
    S = Synapses(src, A, model="w : 1\nL_a : integer (constant)\nL_b : integer (constant)\n"
                               "d_off : integer (constant)\nd_len : integer (constant)",
                 on_pre=codes, dt=b.dt_ms * ms, name=name, namespace={**_constants(st), "izh_delay_off": None},
                 codeobj_class=b.codeobj_class)
    _connect(b, S, proj, rows, part)
    delays_s = np.array([proj.connections[c][3] for c in part], dtype=float) * 1e-3
    table, lo, didx, length = delay_pathways(delays_s, b.t_next, b.dt_s)
    S.namespace["izh_delay_off"] = make_stimulus_function(table, unit=1, name="izh_delay_off")
    S.d_off = didx * length
    S.d_len = length
    S.L_a = lo[didx] - 1
    S.L_b = lo[didx]
    S.pre.delay = (lo[didx] - 1) * b.dt_ms * ms
    S.pre_b.delay = lo[didx] * b.dt_ms * ms
    for path in (S.pre, S.pre_b):
        path.when, path.order = "groups", -2
    return S


def gap_peers(b, net, groups: dict) -> None:
    """Gap junctions: each attachment row reads its peer cell's v (a Synapses object per peer group)."""
    from brian2 import Synapses, ms

    for tname, (_G, _plan, _s, gi, att) in groups.items():
        if att is None or not att[2]:
            continue
        A = att[0]
        by_group: dict = {}
        own_col = {}
        for row, (peer_t, peer_col, col) in att[2].items():
            by_group.setdefault(peer_t, []).append((row, peer_col))
            own_col[row] = col
        for peer_t, pairs in by_group.items():
            # The peer's copy of this step (v_gapcopy) if jLEMS advanced the peer cell first (an earlier group, or an
            # earlier cell of this group) or if the peer's group has not advanced yet in this step (a later group,
            # whose v_gapcopy still holds the step before); v_gapprev for a later cell of the same group. The
            # 1.0 / 0.0 factors select exactly: 1.0 * x + 0.0 * y is x.
            P = Synapses(groups[peer_t][0], A, model="fresh : 1 (constant)\n"
                         f"vpeer_{peer_t}_post = fresh * v_gapcopy_pre + (1 - fresh) * v_gapprev_pre : volt (summed)",
                         dt=b.dt_ms * ms, name=f"gappeer_{b.tag(gi)}_{b.tag(groups[peer_t][3])}", codeobj_class=b.codeobj_class)
            P.connect(i=np.array([c for _r, c in pairs], dtype=int), j=np.array([r for r, _c in pairs], dtype=int))
            P.fresh = np.array([0.0 if peer_t == tname and c > own_col[r] else 1.0 for r, c in pairs])
            net.add(P)
