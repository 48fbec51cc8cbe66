r"""LEMS ComponentTypes translated to Brian2: cells, synapses and gap junctions, integrated as jLEMS does.

PyLEMS (``lems``, installed with pyNeuroML) parses the model: the NeuroML2
core ComponentTypes (``Cells.xml``, ``Synapses.xml``, ..., read from the
jNeuroML jar that pyNeuroML bundles) and any ``ComponentType`` a file defines
itself (e.g. ``generalizedIzhikevichCell``). The files have already been read
by :mod:`izh_brian.interop.neuroml` with defusedxml, which refuses DTDs,
entities and external references before PyLEMS sees a byte.

Translation
-----------
A point cell's type (its ``extends`` chain merged: Parameters, Constants,
DerivedParameters, Dynamics) becomes one Brian2 ``NeuronGroup`` per
ComponentType with every Parameter a per-neuron variable in SI units and its
Brian2 unit (from the LEMS Dimension). Expressions are grouped as jLEMS's
parser groups them (:func:`lems_expr`: ``/`` binds tighter than ``*`` and
``-`` tighter than ``+``, so ``a + b - c`` is ``a + (b - c)``) and compiled
without ``-ffast-math`` and without fused multiply-adds
(:func:`strict_float_codegen`), so that every floating-point operation is the
one Java does. The ``DerivedVariable`` with ``select="synapses[*]/X"
reduce="add"`` is the sum of the cell's attachments: a cell that receives
synapses or gap junctions has one row per attachment in the Brian2
``Synapses`` object ``att_<group>`` (its inputs' values, each connection's
synapse state, each gap junction), and the sum is Brian2's summed variable,
which adds the rows in order from 0, as jLEMS's ``PathDerivedVariable`` adds
the attachments (:func:`attachment_sequence`). Each projection is one Brian2
``Synapses`` object from the pre-synaptic cells to the rows of its
connections, whose ``on_pre`` is the synapse's ``OnEvent``. A cell with no
synapses sums its inputs' values directly.

Time stepping (jLEMS, forward Euler)
------------------------------------
In the step from :math:`t_k` to :math:`t_{k+1}`:

1. the generators take their value at :math:`t_{k+1}` (jLEMS updates a
   cell's inputs before the cell; its time is a running sum of the step);
2. every DerivedVariable is computed from the old state (synaptic currents
   ``g (erev - v)`` with the old ``g`` and ``v``), then every TimeDerivative;
3. all state variables advance together, ``x += dt * x'``;
4. the ``OnCondition`` that emits ``spike`` is tested on the new state; if it
   holds, its assignments run and the spike is stamped at :math:`t_{k+1}`;
5. jLEMS advances the populations in the file's order and hands a zero-delay
   spike to its synapses at once: a post-synaptic population after the
   pre-synaptic one feels it in the same step, one before it in the next.
   Each group's update, spikes, zero-delay deliveries and reset are scheduled
   in that order (a population that receives a zero-delay projection from the
   group before it starts a new group; a population with zero-delay
   connections onto itself is cut into groups so that no cell of a group
   sends one to a later cell of the same group);
6. a delayed event is due at ``T[s] + delay``, with ``T`` the running-sum clock
   and ``T[s]`` the spike's stamp (jLEMS's ``EventManager`` queues it at its
   time, which is the time of the step being computed), and handed over at the
   start of the first step that computes a time ``T[m] >= due``; ``m - s``
   takes one of two values per delay, so a delayed projection has two pathways
   and each event takes the one its spike's stamp decides.

Within the step, each connection's synapse computes its current from the old
state (``g (erev - v)`` with the old ``g`` and ``v``) and advances, as jLEMS
advances a cell's attachments before the cell. A gap junction
(``gapJunction``: ``i = weight * conductance * (vpeer - v)``) copies its
cell's v when it advances and reads its peer's copy: the peer's v at the start
of this step when jLEMS advanced the peer cell first (its population comes
first in the file, or it is an earlier cell of the same population), at the
start of the step before otherwise (``v_gapcopy``, ``v_gapprev``). A
``poissonFiringSynapse`` or ``transientPoissonFiringSynapse`` is an attachment
whose current is ``weight`` times its own synapse's; its events
(:func:`poisson_input_steps`) fire at the end of a step, after the synapse
advanced, and the synapse reads the input's copy of v from the step before. A
``timedSynapticInput`` is the same with the steps of its ``spike`` children
(:func:`timed_input_steps`, one event per spike) and, as in jLEMS, also fires
its synapse at the end of every step in which its cell spikes (the cell's
spikes reach the input's port ``in`` through the EventConnection that attaches
the input). Spike sources (:func:`source_steps`) are ``SpikeGeneratorGroup`` s
emitting in their population's turn; the random ones follow Inputs.xml's
ideal-time rule with numpy's generator seeded
``[SOURCE_SEED, population number, cell]``.

``izh-brian crosscheck`` and the tests compare these spike times with
jNeuroML's own, step for step.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass, field

import numpy as np

from izh_brian.interop.jneuroml import JNeuroMLError, find_jar
from izh_brian.model.neurons import make_stimulus_function

__all__ = ["LEMSTypeError", "load_lems", "flatten_type", "CellType", "translate_cell", "core_types_dir",
           "lems_expr", "SynapseType", "translate_synapse"]

#: Brian2 names a LEMS identifier must not take (they are renamed with a trailing underscore).
_RESERVED = {"i", "j", "t", "dt", "N", "xi", "lastspike", "not_refractory", "t_in_timesteps", "True", "False",
             "and", "or", "not", "int", "exp", "log", "sin", "cos", "tan", "sqrt", "abs", "floor", "ceil",
             "rand", "randn", "sign", "clip", "w"}


class LEMSTypeError(ValueError):
    """A LEMS ComponentType (or use of one) that this translator does not support; the message says why."""


_CORE_DIR = None


def core_types_dir() -> str:
    """The NeuroML2 core ComponentType files, extracted once per process from the jNeuroML jar that pyNeuroML
    bundles (``NeuroML2CoreTypes/`` in the jar) into a temporary folder."""
    global _CORE_DIR
    if _CORE_DIR is None or not os.path.isdir(_CORE_DIR):
        import zipfile

        try:
            jar = find_jar()
        except JNeuroMLError as exc:
            raise LEMSTypeError(f"running NeuroML/LEMS models needs the NeuroML2 core types from pyNeuroML's "
                                f"jNeuroML jar: {exc}") from None
        dest = tempfile.mkdtemp(prefix="izh_nml2core_")
        with zipfile.ZipFile(jar) as zf:
            for name in zf.namelist():
                if name.startswith("NeuroML2CoreTypes/") and name.endswith(".xml"):
                    zf.extract(name, dest)
        _CORE_DIR = os.path.join(dest, "NeuroML2CoreTypes")
    return _CORE_DIR


def load_lems(path: str, bare_neuroml: bool = False):
    """Parse ``path`` (already checked by the defusedxml reader) and its includes with PyLEMS."""
    from lems.model.model import Model

    core = core_types_dir()
    m = Model(include_includes=True, fail_on_missing_includes=True)
    m.add_include_directory(core)
    m.add_include_directory(os.path.dirname(core))
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink):
            if bare_neuroml:
                m.include_file("NeuroML2CoreTypes.xml", [core])
            m.import_from_file(os.fspath(path))
    except Exception as exc:  # PyLEMS raises bare Exceptions / its own ParseError
        raise LEMSTypeError(f"{path}: PyLEMS could not read the model: {exc}") from None
    return m


# ----------------------------------------------------------------------------- type flattening

@dataclass
class FlatType:
    """A ComponentType with its ``extends`` chain merged."""

    name: str
    chain: list
    parameters: dict  # name -> dimension
    properties: dict  # name -> (dimension, default)
    constants: dict  # name -> (dimension, value string)
    derived_parameters: list  # (name, dimension, expr)
    requirements: dict
    exposures: dict
    attachments: dict  # name -> type
    dynamics: object
    children: list
    structure_used: bool

    def is_a(self, base: str) -> bool:
        return base in self.chain


def flatten_type(m, name: str) -> FlatType:
    """Merge the Parameters, Constants, ... of ``name`` and its ancestors; the Dynamics are the nearest ones."""
    if name not in m.component_types:
        raise LEMSTypeError(f"unknown ComponentType {name!r}")
    chain = []
    ct = m.component_types[name]
    while ct is not None:
        chain.append(ct)
        ct = m.component_types[ct.extends] if ct.extends else None
    ft = FlatType(name, [c.name for c in chain], {}, {}, {}, [], {}, {}, {}, None, [], False)
    for c in reversed(chain):
        ft.parameters.update({p.name: p.dimension for p in c.parameters})
        ft.properties.update({p.name: (p.dimension, p.default_value) for p in getattr(c, "properties", [])})
        ft.constants.update({k.name: (k.dimension, k.value) for k in c.constants})
        ft.derived_parameters += [(d.name, d.dimension, d.value) for d in c.derived_parameters]
        ft.requirements.update({r.name: r.dimension for r in c.requirements})
        ft.exposures.update({e.name: e.dimension for e in c.exposures})
        ft.attachments.update({a.name: a.type for a in c.attachments})
        ft.children += [ch for ch in c.children if ch.name not in ("notes", "annotation", "property")]
        d = c.dynamics
        if d is not None and (d.state_variables or d.derived_variables or d.time_derivatives or d.event_handlers
                              or getattr(d, "conditional_derived_variables", None)):
            ft.dynamics = d
        s = c.structure
        if s is not None and (s.child_instances or s.multi_instantiates or s.event_connections or s.withs
                              or getattr(s, "for_eachs", None)):
            ft.structure_used = True
    return ft


def _unit(m, dimension):
    """The Brian2 unit of a LEMS dimension name (1 for ``none``)."""
    from brian2.units.fundamentalunits import get_or_create_dimension, get_unit

    if dimension in (None, "none", "", "*"):
        return 1
    if dimension not in m.dimensions:
        raise LEMSTypeError(f"unknown dimension {dimension!r}")
    d = m.dimensions[dimension]
    dim = get_or_create_dimension(length=d.l, mass=d.m, time=d.t, current=d.i, temperature=d.k, substance=d.n,
                                  luminosity=d.j)
    return get_unit(dim)


def _dimless(u) -> bool:
    return not hasattr(u, "dim") or u.dim.is_dimensionless


def _base_unit_str(u) -> str:
    """The unit in SI base units as Brian2 equations write it (``1`` for none)."""
    if _dimless(u):
        return "1"
    dim = u.dim
    parts = []
    for name, exp in zip(("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela"), dim._dims):
        if exp:
            parts.append(name if exp == 1 else f"{name}**{exp:g}")
    return "*".join(parts) or "1"


_IDENT = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?!\w)")


#: jLEMS's operator precedence (``org.lemsml.jlems.core.expression``: ``getPrecedence()`` of each node; the
#: parser sorts the operators by it, stably, and each claims its neighbours): a lower number binds tighter and
#: equal ones group from the left. So ``/`` binds tighter than ``*`` and ``-`` tighter than ``+``:
#: ``a + b - c`` is ``a + (b - c)`` and ``a * b / c`` is ``a * (b / c)``, which round differently from the
#: usual left-to-right reading.
_JLEMS_LEVELS = (("^",), ("/",), ("*",), ("-",), ("+",), (".gt.", ".geq.", ".lt.", ".leq.", ".eq.", ".neq."),
                 (".and.", ".or."))
_BRIAN_OP = {"^": "**", ".gt.": ">", ".geq.": ">=", ".lt.": "<", ".leq.": "<=", ".eq.": "==", ".neq.": "!=",
             ".and.": "and", ".or.": "or"}
_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
                    r"|(?P<dot>\.(?:gt|geq|lt|leq|eq|neq|and|or)\.)|(?P<op>[-+*/^(),]))")
_WORD_OPS = {"AND": ".and.", "OR": ".or."}


def _tokens(expr: str) -> list:
    out, pos, s = [], 0, str(expr).strip()
    while pos < len(s):
        mt = _TOKEN.match(s, pos)
        if not mt or mt.end() == pos:
            raise LEMSTypeError(f"cannot parse the LEMS expression {expr!r} at {s[pos:]!r}")
        pos = mt.end()
        kind = mt.lastgroup
        text = mt.group(kind)
        if kind == "name" and text in _WORD_OPS:
            kind, text = "dot", _WORD_OPS[text]
        if kind == "op" and text == "-" and out and (out[-1][0] == "dot" or out[-1][1] in "+-*/^"):
            kind = "uminus"  # jLEMS: a minus after an operator is a UnaryMinusNode (binds tightest)
        out.append((kind, text))
    return out


def lems_expr(expr: str, rename) -> str:
    """A LEMS expression as Brian2 abstract code, grouped as jLEMS groups it (``_JLEMS_LEVELS``) and written
    with every group in parentheses, so that Brian2's generated code does the same floating-point operations
    in the same order; ``.gt.`` -> ``>``, ``^`` -> ``**``, identifiers renamed (functions kept)."""
    toks = _tokens(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else (None, None)

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        kind, text = take() if pos < len(toks) else (None, None)
        if kind == "uminus":
            return f"(-{primary()})"
        if kind == "num":
            return text
        if kind == "name":
            if peek()[1] == "(":
                take()
                args = [level(len(_JLEMS_LEVELS) - 1)]
                while peek()[1] == ",":
                    take()
                    args.append(level(len(_JLEMS_LEVELS) - 1))
                if take()[1] != ")":
                    raise LEMSTypeError(f"unbalanced parentheses in the LEMS expression {expr!r}")
                return f"{'log' if text == 'ln' else text}({', '.join(args)})"
            if text in ("and", "or", "not"):
                return text
            return rename(text)
        if text == "(":
            inner = level(len(_JLEMS_LEVELS) - 1)
            if take()[1] != ")":
                raise LEMSTypeError(f"unbalanced parentheses in the LEMS expression {expr!r}")
            return inner
        raise LEMSTypeError(f"cannot parse the LEMS expression {expr!r}")

    def level(i):
        if i < 0:
            return primary()
        ops = _JLEMS_LEVELS[i]
        if ops == ("-",) and peek() == ("op", "-"):
            # A minus with nothing on its left (start, after '(' or ','): jLEMS's MinusNode, at its precedence.
            take()
            left = f"(-{level(i - 1)})"
        else:
            left = level(i - 1)
        while peek()[1] in ops:
            op = take()[1]
            right = level(i - 1)
            left = f"({left} {_BRIAN_OP.get(op, op)} {right})"
        return left

    out = level(len(_JLEMS_LEVELS) - 1)
    if pos != len(toks):
        raise LEMSTypeError(f"cannot parse the LEMS expression {expr!r} (unexpected {toks[pos][1]!r})")
    return out


def _eval_si(expr: str, values: dict) -> float:
    """A LEMS expression of parameters evaluated on SI floats (derived parameters, OnStart)."""
    code = lems_expr(expr, lambda n: n)
    ns = {"exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan, "sqrt": math.sqrt,
          "abs": abs, "floor": math.floor, "ceil": math.ceil, "tanh": math.tanh, "sinh": math.sinh,
          "cosh": math.cosh, "H": lambda x: 1.0 if x > 0 else 0.0}
    try:
        return float(eval(code, {"__builtins__": {}}, {**ns, **values}))  # noqa: S307 - names restricted
    except NameError as exc:
        raise LEMSTypeError(f"cannot evaluate {expr!r}: {exc}") from None


# ----------------------------------------------------------------------------- cells

@dataclass
class CellType:
    """A point-cell ComponentType translated to Brian2 (see the module docstring)."""

    name: str
    flat: FlatType
    units: dict  # Brian name -> unit (parameters, derived parameters, state variables)
    param_names: list  # LEMS names of the per-neuron constants (parameters + derived parameters)
    state_names: list
    input_var: str | None  # LEMS name of the select/reduce DerivedVariable
    input_port: str | None  # the attached quantity it sums ('I' or 'i')
    input_unit: object
    derived: list  # (LEMS name, expr) in order, without the input variable
    rates: dict  # LEMS state name -> expr
    onstart: list  # (var, expr)
    spike_test: str | None
    spike_actions: list  # (var, expr)
    other_conditions: list  # (test, [(var, expr)])
    constants: dict  # LEMS name -> Quantity
    rename: dict = field(default_factory=dict)

    def brian(self, name: str) -> str:
        return self.rename.get(name, name)


def _bname(name: str) -> str:
    return name + "_" if name in _RESERVED else name


def translate_cell(m, type_name: str) -> CellType:
    """Translate a point-cell ComponentType; refuses what has no point-cell form here."""
    from brian2 import Quantity

    ft = flatten_type(m, type_name)
    if not ft.is_a("baseCell"):
        raise LEMSTypeError(f"ComponentType {type_name!r} is not a cell (it does not extend baseCell)")
    d = ft.dynamics
    if d is None:
        raise LEMSTypeError(f"ComponentType {type_name!r} has no Dynamics (multi-compartment cells and cells "
                            "built from children are not supported; point cells with Dynamics are)")
    if d.regimes or d.kinetic_schemes or getattr(d, "conditional_derived_variables", None):
        raise LEMSTypeError(f"ComponentType {type_name!r}: Regimes, KineticSchemes and ConditionalDerivedVariables "
                            "are not supported")
    if ft.children or ft.structure_used:
        raise LEMSTypeError(f"ComponentType {type_name!r}: Children and Structure are not supported in cells")
    ct = CellType(type_name, ft, {}, [], [], None, None, 1, [], {}, [], None, [], [], {})
    for p, dim in ft.parameters.items():
        ct.param_names.append(p)
        ct.units[_bname(p)] = _unit(m, dim)
    for p, dim, _expr in ft.derived_parameters:
        ct.param_names.append(p)
        ct.units[_bname(p)] = _unit(m, dim)
    for name, (dim, value) in ft.constants.items():
        ct.constants[name] = Quantity(m.get_numeric_value(value, dim), dim=getattr(_unit(m, dim), "dim", None))
    for sv in d.state_variables:
        ct.state_names.append(sv.name)
        ct.units[_bname(sv.name)] = _unit(m, sv.dimension)
    for dv in d.derived_variables:
        if dv.select:
            mt = re.fullmatch(r"\s*(\w+)\[\*\]/(\w+)\s*", dv.select)
            if not mt or mt.group(1) not in ft.attachments or (dv.reduce or "add") != "add":
                raise LEMSTypeError(f"ComponentType {type_name!r}: DerivedVariable {dv.name!r} select="
                                    f"{dv.select!r} reduce={dv.reduce!r}; supported: 'ATTACHMENTS[*]/X' with "
                                    "reduce='add' over the cell's Attachments")
            if ct.input_var is not None:
                raise LEMSTypeError(f"ComponentType {type_name!r}: more than one select over attachments")
            ct.input_var, ct.input_port = dv.name, mt.group(2)
            ct.input_unit = _unit(m, dv.dimension)
        else:
            ct.derived.append((dv.name, dv.value))
            ct.units[_bname(dv.name)] = _unit(m, dv.dimension)
    for td in d.time_derivatives:
        ct.rates[td.variable] = td.value
    for eh in d.event_handlers:
        kind = type(eh).__name__
        assigns = [(a.variable, a.value) for a in eh.actions if type(a).__name__ == "StateAssignment"]
        outs = [a for a in eh.actions if type(a).__name__ == "EventOut"]
        others = [type(a).__name__ for a in eh.actions if type(a).__name__ not in ("StateAssignment", "EventOut")]
        if others:
            raise LEMSTypeError(f"ComponentType {type_name!r}: {', '.join(others)} in {kind} is not supported")
        if kind == "OnStart":
            ct.onstart += assigns
        elif kind == "OnCondition":
            if outs:
                if ct.spike_test is not None:
                    raise LEMSTypeError(f"ComponentType {type_name!r}: more than one OnCondition emits events")
                ct.spike_test, ct.spike_actions = eh.test, assigns
            else:
                ct.other_conditions.append((eh.test, assigns))
        elif kind == "OnEvent":
            if assigns or outs:
                raise LEMSTypeError(f"ComponentType {type_name!r}: OnEvent in a cell is not supported")
        else:
            raise LEMSTypeError(f"ComponentType {type_name!r}: {kind} is not supported")
    if ct.spike_test is None:
        raise LEMSTypeError(f"ComponentType {type_name!r} emits no spike (no OnCondition with EventOut)")
    ct.rename = {n: _bname(n) for n in ct.param_names + ct.state_names + [dn for dn, _ in ct.derived]}
    if ct.input_var:
        ct.rename[ct.input_var] = "ISyn_in_"
    for name in ct.constants:
        ct.rename[name] = "K_" + name
    return ct


# ----------------------------------------------------------------------------- synapses

@dataclass
class SynapseType:
    """A synapse ComponentType translated for one projection (suffix ``_pN``)."""

    name: str
    flat: FlatType
    suffix: str
    units: dict
    param_names: list
    state_names: list
    derived: list  # (LEMS name, expr)
    current: str  # LEMS name of the exposed current
    rates: dict
    onstart: list
    on_event: list  # (var, expr)
    constants: dict
    needs_v: bool

    def brian(self, name: str) -> str:
        if name == "weight":
            return "w"
        if name == "v":
            return "v"
        if name in self.constants:
            return f"K_{name}{self.suffix}"
        return f"{name}{self.suffix}"


def translate_synapse(m, type_name: str, suffix: str) -> SynapseType:
    """Translate a synapse ComponentType (state per post-synaptic cell; events add to it)."""
    from brian2 import Quantity

    ft = flatten_type(m, type_name)
    if not ft.is_a("baseSynapse"):
        raise LEMSTypeError(f"ComponentType {type_name!r} is not a synapse (it does not extend baseSynapse)")
    d = ft.dynamics
    if d is None or d.regimes or d.kinetic_schemes or ft.children or ft.structure_used:
        raise LEMSTypeError(f"synapse ComponentType {type_name!r}: only synapses with plain Dynamics "
                            "(expOneSynapse, expTwoSynapse, alphaSynapse and the like) are supported")
    st = SynapseType(type_name, ft, suffix, {}, [], [], [], "i", {}, [], [], {}, "v" in ft.requirements)
    for p, dim in ft.parameters.items():
        st.param_names.append(p)
        st.units[p] = _unit(m, dim)
    for p, dim, _e in ft.derived_parameters:
        st.param_names.append(p)
        st.units[p] = _unit(m, dim)
    for name, (dim, value) in ft.constants.items():
        st.constants[name] = Quantity(m.get_numeric_value(value, dim), dim=getattr(_unit(m, dim), "dim", None))
    for sv in d.state_variables:
        st.state_names.append(sv.name)
        st.units[sv.name] = _unit(m, sv.dimension)
    for dv in d.derived_variables:
        if dv.select:
            raise LEMSTypeError(f"synapse ComponentType {type_name!r}: select in DerivedVariable is not supported")
        st.derived.append((dv.name, dv.value))
    for td in d.time_derivatives:
        st.rates[td.variable] = td.value
    for eh in d.event_handlers:
        kind = type(eh).__name__
        assigns = [(a.variable, a.value) for a in eh.actions if type(a).__name__ == "StateAssignment"]
        if kind == "OnStart":
            st.onstart += assigns
        elif kind == "OnEvent":
            st.on_event += assigns
        else:
            raise LEMSTypeError(f"synapse ComponentType {type_name!r}: {kind} is not supported")
        if any(type(a).__name__ != "StateAssignment" for a in eh.actions):
            raise LEMSTypeError(f"synapse ComponentType {type_name!r}: only StateAssignments in {kind}")
    if "i" not in [n for n, _ in st.derived]:
        raise LEMSTypeError(f"synapse ComponentType {type_name!r} exposes no current 'i' as a DerivedVariable")
    return st


# ----------------------------------------------------------------------------- building and running

def _const_rhs(code: str, unit) -> str:
    """A right-hand side without identifiers gets the variable's unit (``u = 0`` for a current)."""
    if not _dimless(unit) and not _IDENT.search(re.sub(r"\d[eE][-+]?\d", "", code)):
        return f"({code}) * {_base_unit_str(unit)}"
    return code


_SOURCE_KINDS = ("spikeArray", "spikeGenerator", "spikeGeneratorPoisson", "spikeGeneratorRefPoisson",
                 "spikeGeneratorRandom")
#: Seeds of the random sources and inputs: ``numpy.random.default_rng([SOURCE_SEED, population, cell])`` and
#: ``numpy.random.default_rng([INPUT_SEED, input])`` (module docstring).
SOURCE_SEED = 10000
INPUT_SEED = 20000


def _ideal_time_steps(t_next, first, draw) -> list:
    """Steps j (stamped at t_j, ``t_next[j - 1]``) of a train whose ideal times accumulate intervals, by jLEMS's
    rule for the random sources of Inputs.xml: the event fires on the first step whose time is past the next
    ideal time (``t .gt. tnext`` / ``t .gt. tnextUsed``), or on the step after the last event when that time has
    already passed, so at most one event per step. ``first`` is the first ideal time, ``draw()`` the next
    interval; ideal times accumulate the intervals (``tnext + isi``), not the event steps."""
    out = []
    ideal, last, n = first, 0, len(t_next)
    while True:
        j = max(int(np.searchsorted(t_next, ideal, side="right")) + 1, last + 1)  # first step with t_j > ideal
        if j > n:
            break
        out.append(j)
        last = j
        ideal = ideal + draw()
    return out


def source_steps(spec, t_next, seed=0) -> list:
    """Steps j (spike stamped at t_j, ``t_next[j - 1]``) of a spike source, on jLEMS's running-sum clock.

    ``spikeArray``: the first step with ``t >= time`` for each spike (Inputs.xml ``spike``);
    ``spikeGenerator``: ``tnext - t < 1e-9 ms`` with ``tnext`` starting at ``period`` and advancing by it.
    The random sources follow their ComponentTypes in Inputs.xml with :func:`_ideal_time_steps` (ideal times
    accumulate the intervals; an event on the first step past the next ideal time, at most one per step):

    ``spikeGeneratorPoisson``: intervals ``-log(U) / averageRate``;
    ``spikeGeneratorRefPoisson``: intervals ``minimumISI - (averageIsi - minimumISI) log(U)``, ``averageIsi =
    1 / averageRate``: at least minimumISI, mean averageIsi;
    ``spikeGeneratorRandom``: intervals ``minISI + MSEC (((maxISI - minISI) / MSEC) U)`` with MSEC = 1 ms,
    uniform on [minISI, maxISI) (jLEMS's ``random(x)`` is ``x * U``), tested ``t > tnext``.

    U comes from ``numpy.random.default_rng(seed)`` (``1 - random()``, in (0, 1], where jLEMS draws
    ``Random.nextDouble()`` in [0, 1)): jNeuroML draws its own numbers, so the statistics are jNeuroML's, not the
    spikes. With ``averageIsi == minimumISI`` or ``minISI == maxISI`` the intervals do not depend on U, and the
    steps are jNeuroML's.
    """
    p = spec.params
    if spec.kind == "spikeArray":
        out = []
        for tau in p["times_s"]:
            j = int(np.searchsorted(t_next, tau, side="left"))
            if j < len(t_next):
                out.append(j + 1)
        return sorted(set(out))
    if spec.kind == "spikeGenerator":
        out = []
        period, tnext = p["period_s"], p["period_s"]
        for j, t in enumerate(t_next):
            if tnext - t < 1e-12:
                out.append(j + 1)
                tnext += period
        return out
    rng = np.random.default_rng(seed)

    def u():
        return 1.0 - rng.random()

    if spec.kind == "spikeGeneratorPoisson":
        rate = p["rate_hz"]
        if not rate > 0:
            return []
        return _ideal_time_steps(t_next, (-1 * math.log(u())) / rate, lambda: (-1 * math.log(u())) / rate)
    if spec.kind == "spikeGeneratorRefPoisson":
        rate, m = p["rate_hz"], p["min_isi_s"]
        if not rate > 0:
            return []
        mean = 1 / rate  # DerivedParameter averageIsi

        def isi():
            # minimumISI - (averageIsi-minimumISI) * log(random(1)), grouped as jLEMS groups it
            return m - ((mean - m) * math.log(u()))

        return _ideal_time_steps(t_next, isi(), isi)
    if spec.kind == "spikeGeneratorRandom":
        lo, hi, msec = p["min_isi_s"], p["max_isi_s"], 1e-3

        def isi():
            # minISI + MSEC * random((maxISI - minISI) / MSEC), random(x) = x * U
            return lo + (msec * (((hi - lo) / msec) * u()))

        return _ideal_time_steps(t_next, isi(), isi)
    raise LEMSTypeError(f"unknown spike source kind {spec.kind!r}")


@dataclass
class GroupPlan:
    """One NeuronGroup: the cells of one ComponentType, in population order."""

    ct: CellType
    members: list  # (population id, index, component id)
    pops: set = field(default_factory=set)


def _values_of(m, comp_id: str, names_dims: dict, derived: list, where: str) -> dict:
    """SI values of a component's parameters (and derived parameters) read by PyLEMS."""
    comp = m.components[comp_id]
    out = {}
    for name, dim in names_dims.items():
        raw = comp.parameters.get(name)
        if raw is None:
            raise LEMSTypeError(f"component {comp_id!r} ({where}) has no value for parameter {name!r}")
        try:
            out[name] = float(m.get_numeric_value(raw, dim))
        except Exception as exc:
            raise LEMSTypeError(f"component {comp_id!r} ({where}): {name}={raw!r}: {exc}") from None
    consts = {}
    for name, dim, expr in derived:
        out[name] = _eval_si(expr, {**out, **consts})
    return out


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


POISSON_KINDS = ("poissonFiringSynapse", "transientPoissonFiringSynapse")
#: Inputs that fire a synapse of their own (Inputs.xml): the current is weight * the synapse's i.
FIRING_KINDS = POISSON_KINDS + ("timedSynapticInput",)


def poisson_input_steps(spec, t_next, seed) -> np.ndarray:
    """Steps j (event stamped at t_j, ``t_next[j - 1]``) at which a ``poissonFiringSynapse`` or
    ``transientPoissonFiringSynapse`` fires its synapse, by the rule of Inputs.xml on jLEMS's running-sum clock.

    Intervals are exponential with mean ``averageIsi = 1 / averageRate`` (``-averageIsi log(1 - U)``, U uniform
    on [0, 1), from ``numpy.random.default_rng(seed)``; jNeuroML draws its own numbers, so the statistics are
    jNeuroML's, not the spikes). The ideal times accumulate the intervals; an event fires on the first step
    whose end time is past the next ideal time, or on the step after the last event if that time has already
    passed (``tnextUsed = t + SMALL_TIME``): at most one event per step. The transient form starts at
    ``delay`` and stops once the step's time plus the next interval passes ``delay + duration``.
    """
    rate = spec.params["rate_hz"]
    mean = 1 / rate
    rng = np.random.default_rng(seed)
    transient = spec.kind.startswith("transient")
    end = spec.params["delay_s"] + spec.params["duration_s"] if transient else math.inf
    ideal = (-mean * math.log(1 - rng.random()) + spec.params["delay_s"]) if transient else \
        -mean * math.log(rng.random() or 1e-300)
    out = []
    last = 0
    while True:
        j = max(int(np.searchsorted(t_next, ideal, side="right")) + 1, last + 1)  # first step with t_j > ideal
        if j > len(t_next):
            break
        out.append(j)
        last = j
        isi = -mean * math.log(1 - rng.random())
        if transient and (t_next[j - 1] + isi) - end > 0:
            break
        ideal = ideal + isi
    return np.array(out, dtype=np.int64)


def _input_start_si(spec, weight) -> float:
    """An input's current when the run starts, as jLEMS initialises it (Inputs.xml): the pulse and sine
    generators' ``i`` is a StateVariable set by their OnConditions, 0 at the start; the ramp's OnStart sets
    ``baselineAmplitude`` (without weight); a compoundInput's is ``weight * (0 + its children's)``; the poisson
    inputs' synapses start with no conductance."""
    if spec.kind.startswith("ramp"):
        return float(spec.params_si["baselineAmplitude"])
    if spec.kind.startswith("compound"):
        w = spec.params_si.get("weight", 1.0) if weight is None else weight
        return w * sum((_input_start_si(c, None) for c in spec.children), 0.0)
    return 0.0


def timed_input_steps(spec, t_next) -> np.ndarray:
    """Steps j (event stamped at t_j, ``t_next[j - 1]``) at which a ``timedSynapticInput`` fires its synapse:
    for each ``spike`` child, the first step whose running-sum time reaches its time (Inputs.xml ``spike``:
    ``(t .geq. time) .and. (spiked .eq. 0)``), one event per spike, so two spikes in one step fire the synapse
    twice. Spikes after the last step never fire."""
    times = np.asarray(spec.params["times_s"], dtype=float)
    j = np.searchsorted(t_next, times, side="left") + 1
    return np.sort(j[j <= len(t_next)]).astype(np.int64)


def firing_input_steps(spec, t_next, seed) -> np.ndarray:
    """The event steps of an input that fires a synapse of its own (:data:`FIRING_KINDS`)."""
    if spec.kind == "timedSynapticInput":
        return timed_input_steps(spec, t_next)
    return poisson_input_steps(spec, t_next, seed)


def _input_weight(w):
    """The weight an input's instance computes with: an ``inputW``'s (jLEMS assigns it to the instance's
    ``weight`` property), else the component's own (None)."""
    return None if w == 1.0 else w


def _attachments(G, gi, B, ct, syn_plans, entries, model, m, locate, t_next, dt_ms, codeobj_class,
                 make_stimulus_function):
    """The Synapses object ``att_<gi>`` (G onto itself): one row per attachment of G's cells in jLEMS's order
    (:func:`attachment_sequence`: each connection's synapse, each gap junction, each input, a poisson input
    with its own synapse), each with its own state, and the cells' summed input ``ISyn_in_ = 0 + i_1 + i_2 +
    ...`` in that order (Brian2 sums a summed variable in synapse order).

    Returns ``(att, {projection number: {connection number: row}}, {row: (peer group, peer column, own column)},
    [the poisson inputs' SpikeGeneratorGroup and Synapses objects])``.
    """
    from brian2 import Quantity, Synapses, ms, siemens

    unit = _base_unit_str(ct.input_unit)
    lines = ["w_att : 1", "kind : integer (constant)", "att_off : integer (constant)", "att_len : integer (constant)",
             f"i_att : {unit}", f"ISyn_in__post = i_att : {unit} (summed)"]
    gaps = [e for e in entries if e[0] == "gap"]
    if gaps:
        # One vpeer_<group> per peer group (Brian2 lets one summed variable write a target variable); each row has
        # one peer, so the others are 0 and the sum is its peer's value exactly.
        peer_groups = sorted({locate[(e[5], e[6])][0] for e in gaps}, key=lambda t: int(t[1:]))
        lines += ["gcond : siemens (constant)"] + [f"vpeer_{t} : volt" for t in peer_groups]
        lines.append(f"vpeer = {' + '.join(f'vpeer_{t}' for t in peer_groups)} : volt")
    ns = {}
    code, updates, select = [], [], []
    vrename = {"v": "v_post", "weight": "w_att"}
    # The synapses: each projection's (kind = its number) and each firing input component's (poisson or timed;
    # kind 1000 + n; its current is weight * the synapse's i, Inputs.xml).
    plans = [(st, proj.synapse, proj.where, k, False) for st, proj, k in syn_plans]
    poisson_kind = {}
    for e in entries:
        if e[0] == "input" and model.inputs[e[3]].kind in FIRING_KINDS and e[3] not in poisson_kind:
            spec = model.inputs[e[3]]
            poisson_kind[e[3]] = 1000 + len(poisson_kind)
            syn_id = spec.params["synapse"]
            st = translate_synapse(m, m.components[syn_id].type, f"_q{len(poisson_kind) - 1}")
            plans.append((st, syn_id, spec.where, poisson_kind[e[3]], True))
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
    # Inputs: each its own column of values at t_k+1 (weight * I, the weight of an inputW inside, as jLEMS has it).
    table, placed = [], {}
    rows = {"kind": [], "off": [], "len": [], "w": [], "gcond": [], "col": []}
    by_proj: dict = {}
    peers = {}
    poisson_rows = []
    n_steps = len(t_next)
    for e in entries:
        col = locate[(e[1], e[2])][1]
        rows["col"].append(col)
        r = len(rows["kind"])
        if e[0] == "input" and e[3] in poisson_kind:
            rows["kind"].append(poisson_kind[e[3]])
            rows["off"].append(0)
            rows["len"].append(0)
            w = _input_weight(e[4])
            rows["w"].append(model.inputs[e[3]].params["weight"] if w is None else w)
            rows["gcond"].append(0.0)
            poisson_rows.append((r, e))
        elif e[0] == "input":
            sig = (e[3], e[4])
            if sig not in placed:
                placed[sig] = sum(len(c) for c in table)
                table.append(np.asarray(model.inputs[e[3]].at_si(t_next, _input_weight(e[4])), dtype=float))
            rows["kind"].append(-1)
            rows["off"].append(placed[sig])
            rows["len"].append(n_steps)
            rows["w"].append(e[4])
            rows["gcond"].append(0.0)
        elif e[0] == "syn":
            rows["kind"].append(e[3])
            rows["off"].append(0)
            rows["len"].append(0)
            rows["w"].append(model.projections[e[3]].connections[e[4]][2])
            rows["gcond"].append(0.0)
            by_proj.setdefault(e[3], {})[e[4]] = r
        else:
            ep = model.electrical_projections[e[3]]
            gj = m.components[ep.synapse]
            rows["kind"].append(-2)
            rows["off"].append(0)
            rows["len"].append(0)
            rows["w"].append(e[7])
            rows["gcond"].append(float(m.get_numeric_value(gj.parameters["conductance"], "conductance")))
            peers[r] = (*locate[(e[5], e[6])], locate[(e[1], e[2])][1])
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
    A = Synapses(G, G, model="\n".join(lines), dt=dt_ms * ms, name=f"att_{gi}", namespace=ns, order=B - 2,
                 codeobj_class=codeobj_class)
    cols = np.array(rows["col"], dtype=int)
    if len(cols):
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
            sv = _values_of(m, syn_id, st.flat.parameters, st.flat.derived_parameters, where)
            for lname in st.param_names:
                setattr(A, st.brian(lname), Quantity(np.full(nrows, sv[lname]), dim=getattr(st.units[lname], "dim",
                                                                                            None)))
            local = {**sv, **{s: 0.0 for s in st.state_names}}
            for var, expr in st.onstart:
                local[var] = _eval_si(expr, local)
                setattr(A, st.brian(var), Quantity(np.full(nrows, local[var]), dim=getattr(st.units[var], "dim",
                                                                                           None)))
    A.run_regularly("\n".join(code), when="groups", order=B - 2, dt=dt_ms * ms, codeobj_class=codeobj_class)
    extra = []
    if poisson_rows:
        # The firing inputs' events: fired at the end of step j - 1 -> j (after the synapse advanced), they act
        # from step j on, so they are handed to the rows at the start of step j, before the groups. A
        # timedSynapticInput may fire several events in one step (one per spike): the k-th event of a row in a
        # step comes from the row's k-th source neuron, so each one reaches the synapse.
        from brian2 import SpikeGeneratorGroup

        idx, times, src_rows = [], [], []  # src_rows[s]: (row number n, attachment row r) of source neuron s
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
        src = SpikeGeneratorGroup(len(src_rows), np.array(idx, dtype=int), np.array(times) * ms, dt=dt_ms * ms,
                                  when="groups", order=-4, name=f"poisson_{gi}", codeobj_class=codeobj_class)
        by_plan = {}
        for s_i, (n, r) in enumerate(src_rows):
            by_plan.setdefault(poisson_kind[poisson_rows[n][1][3]], []).append((s_i, r))
        for st, _syn, _where, k, poisson in plans:
            if not poisson or k not in by_plan:
                continue
            on_pre = "\n".join(
                f"{st.brian(var)}_post = "
                f"{lems_expr(expr, lambda n: st.brian(n) + ('_post' if n != 'weight' and n not in st.constants else ''))}"
                for var, expr in st.on_event)
            S = Synapses(src, A, model="w : 1", on_pre=on_pre, dt=dt_ms * ms, name=f"poissonsyn_{gi}_{k - 1000}",
                         namespace={st.brian(n): q for n, q in st.constants.items()}, codeobj_class=codeobj_class)
            pairs = by_plan[k]
            S.connect(i=np.array([n for n, _r in pairs], dtype=int), j=np.array([r for _n, r in pairs], dtype=int))
            S.w = 1.0  # the EventConnection to the synapse assigns no weight: its default, 1
            S.pre.when, S.pre.order = "groups", -3
            extra.append(S)
            own = [(rows["col"][r], r) for r, e in poisson_rows
                   if poisson_kind[e[3]] == k and model.inputs[e[3]].kind == "timedSynapticInput"]
            if own:
                # jLEMS connects an input to its cell with an EventConnection from the cell to the input (Networks.xml
                # explicitInput / input), so the cell's spikes reach the input's port "in"; a timedSynapticInput's
                # OnEvent there (meant for its spike children) fires its synapse: each spike of the cell fires the
                # synapse too, at the end of the spike's step (after the synapse advanced), like the input's own.
                C = Synapses(G, A, model="w : 1", on_pre=on_pre, dt=dt_ms * ms, name=f"timedown_{gi}_{k - 1000}",
                             namespace={st.brian(n): q for n, q in st.constants.items()},
                             codeobj_class=codeobj_class)
                C.connect(i=np.array([c for c, _r in own], dtype=int), j=np.array([r for _c, r in own], dtype=int))
                C.w = 1.0
                C.pre.when, C.pre.order = "groups", B + 2
                extra.append(C)
        extra.append(src)
    return A, by_proj, peers, extra


#: Compiler flags for these runs: Brian2's defaults (``-ffast-math``, ``-march=native``) let the compiler
#: reassociate sums and fuse ``x + dt * r`` into one fused multiply-add (one rounding instead of two), which
#: Java never does (jLEMS computes in IEEE doubles, each operation rounded).
STRICT_GCC_ARGS = ["-w", "-O3", "-ffp-contract=off", "-fno-fast-math", "-std=c++17"]
#: The same for Microsoft's compiler (Windows): Brian2's defaults there are ``/Ox /w <arch> /MP``; ``/fp:strict``
#: forbids contractions into fused multiply-adds and reassociation, as ``-ffp-contract=off -fno-fast-math`` do.
STRICT_MSVC_ARGS = ["/O2", "/w", "/fp:strict", "/MP"]


@contextlib.contextmanager
def strict_float_codegen():
    """Brian2 preferences under which generated code does jLEMS's floating-point arithmetic, restored after.

    Expressions are evaluated as written: no loop-invariant optimisation (Brian2 would rewrite them with sympy,
    another order of operations) and C++ compiled without ``-ffast-math`` and with ``-ffp-contract=off`` (no
    reassociation, no fused multiply-add). Brian2's Cython cache keys modules by their code, not by the
    flags, so these modules are cached in their own folder (``<Brian2's cache>_ieee``).
    """
    from brian2 import prefs
    from brian2.codegen.runtime.cython_rt.extension_manager import get_cython_cache_dir

    saved = (prefs.codegen.loop_invariant_optimisations, prefs.codegen.cpp.extra_compile_args_gcc,
             prefs.codegen.runtime.cython.cache_dir, prefs.codegen.cpp.extra_compile_args,
             prefs.codegen.cpp.extra_compile_args_msvc)
    cache = saved[2] if saved[2] is not None else get_cython_cache_dir()
    prefs.codegen.loop_invariant_optimisations = False
    prefs.codegen.cpp.extra_compile_args_gcc = list(STRICT_GCC_ARGS)
    prefs.codegen.cpp.extra_compile_args_msvc = list(STRICT_MSVC_ARGS)
    prefs.codegen.cpp.extra_compile_args = None  # a value here would replace the gcc flags
    prefs.codegen.runtime.cython.cache_dir = os.fspath(cache).rstrip(os.sep) + "_ieee"
    try:
        yield
    finally:
        (prefs.codegen.loop_invariant_optimisations, prefs.codegen.cpp.extra_compile_args_gcc,
         prefs.codegen.runtime.cython.cache_dir, prefs.codegen.cpp.extra_compile_args,
         prefs.codegen.cpp.extra_compile_args_msvc) = saved


def run_network(model, m, *, T_ms: float, dt_ms: float, dt_s: float, codeobj_class=None,
                record=None, optional_record=None):
    """Build the Brian2 network of ``model`` (read by :func:`~izh_brian.interop.neuroml.read_model`) from the
    PyLEMS model ``m`` and run it; return ``(spikes, traces)``.

    ``spikes``: ``{population: [array of spike steps (int, stamped at the step's end) per cell]}``.
    ``traces``: ``{(population, index, variable): array of SI values at t_1 .. t_n}`` for ``record``, a
    list of such keys.
    """
    from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, ms, second
    from brian2.units.fundamentalunits import Quantity

    n_steps = int(round(T_ms / dt_ms))
    t_next = np.cumsum(np.full(n_steps, dt_s))

    # Groups of consecutive populations of one ComponentType, in the file's order. jLEMS advances the
    # populations in that order and hands a spike to a synapse at once: a zero-delay projection from an
    # earlier population acts in the same step, so its post-synaptic population starts a new group that is
    # updated after the pre-synaptic group's spikes are delivered.
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
        # (module docstring): populations joined by gap junctions are kept in separate groups.
        zero_delay.setdefault(ep.post, set()).add(ep.pre)
        zero_delay.setdefault(ep.pre, set()).add(ep.post)
    plans: dict[str, GroupPlan] = {}
    where_of = {}
    cell_types = {}
    current = None
    sources = {}
    for pop in model.populations.values():
        spec = model.cells.get(pop.component)
        if spec is not None and spec.kind in _SOURCE_KINDS:
            current = GroupPlan(None, [(pop.id, i, pop.component) for i in range(pop.size)], {pop.id})
            plans[f"g{len(plans)}"] = current
            sources[pop.id] = spec
            where_of[pop.id] = pop.where
            current = None
            continue
        comp = m.components.get(pop.component)
        if comp is None:
            raise LEMSTypeError(f"population {pop.id!r}: component {pop.component!r} not found by PyLEMS")
        if comp.type not in cell_types:
            try:
                cell_types[comp.type] = translate_cell(m, comp.type)
            except LEMSTypeError as exc:
                raise LEMSTypeError(f"<population> in {pop.where}: {exc}") from None
        split = current is None or current.ct is None or current.ct.name != comp.type or bool(zero_delay.get(pop.id, set()) & current.pops)
        if split:
            current = GroupPlan(cell_types[comp.type], [])
            plans[f"g{len(plans)}"] = current
        current.pops.add(pop.id)
        start = 0  # this population's first cell in the current group
        for i in range(pop.size):
            if any(src >= start for src in forward.get(pop.id, {}).get(i, ())):
                current = GroupPlan(cell_types[comp.type], [], {pop.id})
                plans[f"g{len(plans)}"] = current
                start = i
            current.members.append((pop.id, i, pop.component))
        where_of[pop.id] = pop.where
    for proj in model.projections:
        if proj.post in sources:
            raise LEMSTypeError(f"<projection> {proj.id!r} in {proj.where}: its postsynaptic population "
                                f"{proj.post!r} holds spike sources, which take no synapses")
    locate = {}
    for tname, plan in plans.items():
        for col, (pid, i, _c) in enumerate(plan.members):
            locate[(pid, i)] = (tname, col)

    # Inputs: time-only generators, sampled at t_k+1, summed per cell; cells with the same inputs share a column.
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
    cache = {}

    def column(key):
        sig = tuple(per_cell.get(key, ()))
        if sig not in cache:
            cache[sig] = sum(model.inputs[inp].at_si(t_next, _input_weight(w)) for inp, w in sig) if sig else None
        return sig, cache[sig]

    # DerivedVariables asked for by an OutputFile become stored variables of their group (computed in the step as
    # before, kept for the StateMonitor); the others stay temporaries of the step's code.
    recorded_vars: dict = {}
    for pid, _idx, var in list(record or ()) + list(optional_record or ()):
        recorded_vars.setdefault(pid, set()).add(var)

    sequence = attachment_sequence(model)
    pop_number = {pid: k for k, pid in enumerate(model.populations)}  # the random sources' seeds
    net = Network()
    groups = {}
    monitors = {}
    for gi, (tname, plan) in enumerate(plans.items()):
        ct = plan.ct
        n = len(plan.members)
        if ct is None:
            # Spike sources: their spikes, computed on jLEMS's clock, emitted in their population's turn.
            idx, times = [], []
            for col, (pid, i, _c) in enumerate(plan.members):
                for j in source_steps(sources[pid], t_next, seed=[SOURCE_SEED, pop_number[pid], i]):
                    idx.append(col)
                    times.append((j - 1) * dt_ms)
            G = SpikeGeneratorGroup(n, np.array(idx, dtype=int), np.array(times) * ms, dt=dt_ms * ms,
                                    when="groups", order=10 * gi + 5 + 1, name=f"lems_{gi}_source",
                                    codeobj_class=codeobj_class)
            mon = SpikeMonitor(G, record=True, when="end")
            net.add(G, mon)
            groups[tname] = (G, plan, [], gi, None)
            monitors[tname] = mon
            continue
        lines = []
        for lname in ct.param_names:
            lines.append(f"{ct.brian(lname)} : {_base_unit_str(ct.units[ct.brian(lname)])} (constant)")
        for lname in ct.state_names:
            lines.append(f"{ct.brian(lname)} : {_base_unit_str(ct.units[ct.brian(lname)])}")
        lines += ["stim_offset : integer (constant)", "stim_len : integer (constant)"]
        # Synapses of the projections onto this group.
        syn_plans = []
        for k, proj in enumerate(model.projections):
            if tname not in {locate[(proj.post, j)][0] for j in range(model.populations[proj.post].size)}:
                continue
            comp = m.components[proj.synapse]
            st = translate_synapse(m, comp.type, f"_p{k}")
            if st.needs_v and "v" not in ct.state_names:
                raise LEMSTypeError(f"projection {proj.id!r}: synapse {proj.synapse!r} needs the cell's v")
            syn_plans.append((st, proj, k))
        entries = [e for e in sequence if locate[(e[1], e[2])][0] == tname]
        gap_rows = [e for e in entries if e[0] == "gap"]
        # Attachment mode (module docstring): a cell that receives synapses or gap junctions keeps one state per
        # attachment in the Synapses object att_<gi>, summed in jLEMS's attachment order.
        attach = bool(syn_plans or gap_rows) or any(e[0] == "input" and model.inputs[e[3]].kind in FIRING_KINDS
                                                    for e in entries)
        if attach and ct.input_var is None:
            raise LEMSTypeError(f"cells of ComponentType {tname!r} receive synapses but sum none (no select over "
                                "Attachments)")
        kept = set().union(*(recorded_vars.get(pid, set()) for pid in plan.pops))
        kept_derived = [d for d, _e in ct.derived if d in kept]
        lines += [f"{ct.brian(d)} : {_base_unit_str(ct.units[ct.brian(d)])}" for d in kept_derived]
        if attach or (ct.input_var is not None and (ct.input_var in kept or kept_derived)):
            lines.append(f"ISyn_in_ : {_base_unit_str(ct.input_unit)}")
        if gap_rows:
            if "v" not in ct.state_names:
                raise LEMSTypeError(f"gap junctions onto cells of ComponentType {tname!r}: the cells have no v")
            for e in gap_rows:
                if (e[1], e[2]) == (e[5], e[6]):
                    ep = model.electrical_projections[e[3]]
                    raise LEMSTypeError(f"<electricalProjection> {ep.id!r} in {ep.where}: a gap junction from cell "
                                        f"{e[1]}[{e[2]}] to itself; supported: gap junctions between two cells")
            # jLEMS: a gap junction copies its cell's v when it advances (before the cell), and reads its peer's
            # copy: the peer's v at the start of this step if jLEMS advanced the peer cell first (an earlier
            # population, or an earlier cell of the same population), of the step before otherwise. v_gapcopy is
            # the copy of this step (taken before the group's attachments advance), v_gapprev the one before.
            lines.append("v_gapcopy : volt")
            lines.append("v_gapprev : volt")
        eqs = "\n".join(lines)
        ns = {"izh_lems_stim": None}
        # Input table: without attachments, the sum of the cell's inputs per cell (cells with the same inputs
        # share a column); with attachments each input is a row of att_<gi> with its own column.
        cols, offsets, lengths, table = [], np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32), []
        placed = {}
        if not attach:
            for col, (pid, i, _c) in enumerate(plan.members):
                sig, values = column((pid, i))
                if values is None:
                    continue
                if sig not in placed:
                    placed[sig] = sum(len(c) for c in table)
                    table.append(np.asarray(values, dtype=float))
                offsets[col], lengths[col] = placed[sig], n_steps
        flat = np.concatenate(table) if table else np.zeros(1)
        if ct.input_var is None and table:
            raise LEMSTypeError(f"cells of ComponentType {tname!r} take no inputs (no select over Attachments)")
        in_unit = 1 if _dimless(ct.input_unit) else ct.input_unit
        ns["izh_lems_stim"] = make_stimulus_function(flat, unit=in_unit, name="izh_lems_stim")
        for lname, q in ct.constants.items():
            ns[ct.brian(lname)] = q
        # The step, in jLEMS's order (module docstring).
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
        # Group gi in the 'groups' slot (B = 10 gi + 5): gap-junction peers' v copied (B - 3), attachments
        # advanced (B - 2), their sum (Brian2 puts summed variables at the group's order - 1), the cells' update
        # (B), spikes (B + 1), zero-delay deliveries (B + 2), reset (B + 3).
        B = 10 * gi + 5
        G = NeuronGroup(n, eqs, threshold=threshold, reset=reset, method="euler", dt=dt_ms * ms,
                        namespace=ns, name=f"lems_{gi}_{re.sub(r'[^A-Za-z0-9]', '_', ct.name)}",
                        order=B, codeobj_class=codeobj_class)
        G.run_regularly("\n".join(code), when="groups", order=B, dt=dt_ms * ms, codeobj_class=codeobj_class)
        if gap_rows:
            G.run_regularly("v_gapprev = v_gapcopy\nv_gapcopy = v", when="groups", order=B - 4, dt=dt_ms * ms,
                            codeobj_class=codeobj_class)
        G.thresholder["spike"].when, G.thresholder["spike"].order = "groups", B + 1
        G.resetter["spike"].when, G.resetter["spike"].order = "groups", B + 3
        G.stim_offset = offsets
        G.stim_len = lengths
        # Parameters and OnStart, per cell, in SI.
        values = [_values_of(m, comp_id, ct.flat.parameters, ct.flat.derived_parameters, where_of[pid])
                  for pid, _i, comp_id in plan.members]
        for lname in ct.param_names:
            setattr(G, ct.brian(lname), Quantity(np.array([v[lname] for v in values]),
                                                 dim=getattr(ct.units[ct.brian(lname)], "dim", None)))
        start = {s: np.zeros(n) for s in ct.state_names}
        for col, v in enumerate(values):
            local = {**v, **{k: float(q) for k, q in ct.constants.items()}}
            local.update({s: 0.0 for s in ct.state_names})
            for var, expr in ct.onstart:
                local[var] = _eval_si(expr, local)
                start[var][col] = local[var]
        for s in ct.state_names:
            setattr(G, ct.brian(s), Quantity(start[s], dim=getattr(ct.units[ct.brian(s)], "dim", None)))
        if kept_derived or (ct.input_var is not None and ct.input_var in kept):
            # jLEMS evaluates the DerivedVariables once at the start, with each input's current at its start value
            # (_input_start_si); an OutputFile's first row shows them. Brian2 overwrites them in every step.
            isyn0 = np.array([sum((_input_start_si(model.inputs[inp], _input_weight(w))
                                   for inp, w in per_cell.get((pid, i), ())), 0.0)
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
        if gap_rows:
            G.v_gapcopy = G.v[:]
            G.v_gapprev = G.v[:]
        mon = SpikeMonitor(G, record=True, when="end")
        net.add(G, mon)
        att = None
        if attach:
            att = _attachments(G, gi, B, ct, syn_plans, entries, model, m, locate, t_next, dt_ms, codeobj_class,
                               make_stimulus_function)
            net.add(att[0], *att[3])
        groups[tname] = (G, plan, syn_plans, gi, att)
        monitors[tname] = mon

    # One Synapses object per projection, from the pre-synaptic cells to the rows of att_<gi> of its connections.
    for tname, (G, plan, syn_plans, gi_post, att) in groups.items():
        for st, proj, k in syn_plans:
            rows = att[1].get(k, {})
            # One Synapses object per projection; a population cut into several groups (zero-delay connections
            # onto itself) gets one per pair of groups, each named with the pair.
            pairs = {(locate[(proj.post, c[1])][0], locate[(proj.pre, c[0])][0]) for c in proj.connections}
            for pre_t in sorted({locate[(proj.pre, proj.connections[c][0])][0] for c in rows},
                                key=lambda t: groups[t][3]):
                src, pre_gi = groups[pre_t][0], groups[pre_t][3]
                A = att[0]
                mine = {c for c in rows if locate[(proj.pre, proj.connections[c][0])][0] == pre_t}
                suffix = "" if len(pairs) == 1 else f"_g{gi_post}_{pre_gi}"
                on_pre = "\n".join(
                    f"{st.brian(var)}_post = {lems_expr(expr, lambda n: st.brian(n) + ('_post' if n not in ('weight',) and n not in st.constants else ''))}"
                    for var, expr in st.on_event)
                # Zero-delay events act at once (after the pre-synaptic group's spikes, before the groups after it);
                # delayed ones go through jLEMS's event queue: due at T[s] + delay (T the running-sum time, T[s] the
                # spike's stamp: EventManager.advance(T[s]) runs before the step that computes T[s]), handed over
                # when the first step computing a T[m] >= due starts. Float rounding makes m - s one of two values
                # per delay, so the projection has two pathways (m - s = D and D + 1) and each event takes the one
                # its stamp decides (off[s] below).
                conns = proj.connections
                zero = [n_ for n_, c in enumerate(conns) if c[3] == 0 and n_ in mine]
                later = [n_ for n_, c in enumerate(conns) if c[3] != 0 and n_ in mine]
                for tag, part in (("", zero), ("_d", later)):
                    if not part:
                        continue
                    name = f"proj_{k}{tag}{suffix}"
                    if tag == "":
                        S = Synapses(src, A, model="w : 1", on_pre=on_pre, dt=dt_ms * ms, name=name,
                                     namespace={st.brian(n): q for n, q in st.constants.items()},
                                     codeobj_class=codeobj_class)
                    else:
                        # A pathway in a slot before the groups reads the spikes of step k at the start of step k + 1,
                        # so a Brian2 delay of L steps hands the event over at the start of step k + 1 + L.
                        gate = "int(izh_delay_off(t_in_timesteps - {L}, d_off, d_len) == {L} + 1)"
                        codes = {f"pre{b}": "\n".join(f"{line.split(' = ', 1)[0]} = {line.split(' = ', 1)[0]} + "
                                                       f"{gate.format(L=L)} * (({line.split(' = ', 1)[1]}) - "
                                                       f"{line.split(' = ', 1)[0]})"
                                                       for line in on_pre.splitlines())
                                 for b, L in (("", "L_a"), ("_b", "L_b"))}
                        S = Synapses(src, A, model="w : 1\nL_a : integer (constant)\nL_b : integer (constant)\n"
                                                   "d_off : integer (constant)\nd_len : integer (constant)",
                                     on_pre=codes, dt=dt_ms * ms, name=name,
                                     namespace={**{st.brian(n): q for n, q in st.constants.items()},
                                                "izh_delay_off": None}, codeobj_class=codeobj_class)
                    S.connect(i=np.array([locate[(proj.pre, conns[c][0])][1] for c in part], dtype=int),
                              j=np.array([rows[c] for c in part], dtype=int))
                    S.w = np.array([conns[c][2] for c in part], dtype=float)
                    if tag == "":
                        S.pre.when, S.pre.order = "groups", 10 * pre_gi + 5 + 2
                    else:
                        delays_s = np.array([conns[c][3] for c in part], dtype=float) * 1e-3
                        values, didx = np.unique(delays_s, return_inverse=True)
                        T = np.concatenate([[0.0], t_next])
                        table, lo = [], []
                        for d in values:
                            due = T + d
                            m_first = np.searchsorted(T, due, side="left")  # first m with T[m] >= due
                            off = (m_first - np.arange(len(T))).astype(float)
                            D = int(np.min(off[: max(1, n_steps - int(d / dt_s) - 2)]))
                            table.append(off)
                            lo.append(D)
                        lo = np.array(lo)
                        S.namespace["izh_delay_off"] = make_stimulus_function(np.concatenate(table), unit=1,
                                                                              name="izh_delay_off")
                        S.d_off = didx * len(T)
                        S.d_len = len(T)
                        S.L_a = lo[didx] - 1
                        S.L_b = lo[didx]
                        S.pre.delay = (lo[didx] - 1) * dt_ms * ms
                        S.pre_b.delay = lo[didx] * dt_ms * ms
                        for path in (S.pre, S.pre_b):
                            path.when, path.order = "groups", -2
                    net.add(S)
    # Gap junctions: each attachment row reads its peer cell's v (a Synapses object per peer group).
    for tname, (G, plan, _s, gi, att) in groups.items():
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
                         dt=dt_ms * ms, name=f"gappeer_{gi}_{groups[peer_t][3]}", codeobj_class=codeobj_class)
            P.connect(i=np.array([c for _r, c in pairs], dtype=int), j=np.array([r for r, _c in pairs], dtype=int))
            P.fresh = np.array([0.0 if peer_t == tname and c > own_col[r] else 1.0 for r, c in pairs])
            net.add(P)

    # One StateMonitor per group and variable; a row per step (after it), the initial value in front.
    wanted: dict = {}
    optional = set(optional_record or ()) - set(record or ())
    for key in list(record or ()) + sorted(optional):
        pid, idx, var = key
        if (pid, idx) not in locate:
            raise LEMSTypeError(f"cannot record {pid}[{idx}]: no such cell")
        tname, col = locate[(pid, idx)]
        ct = groups[tname][1].ct
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
    state_mons = []
    for (tname, var), keys in wanted.items():
        G = groups[tname][0]
        bname = groups[tname][1].ct.brian(var)
        cols = sorted({c for _k, c in keys})
        init = np.array(G.variables[bname].get_value(), dtype=float)[cols]
        smon = StateMonitor(G, bname, record=cols, when="end", dt=dt_ms * ms)
        net.add(smon)
        state_mons.append((keys, cols, smon, bname, init))
    with strict_float_codegen():
        net.run(n_steps * dt_ms * ms, namespace={})

    spikes = {pid: [np.zeros(0, dtype=np.int64) for _ in range(pop.size)] for pid, pop in model.populations.items()}
    for tname, (G, plan, _s, _gi, _a) in groups.items():
        mon = monitors[tname]
        steps = np.rint(np.asarray(mon.t / second) / (dt_ms * 1e-3)).astype(np.int64) + 1
        idx = np.asarray(mon.i[:])
        for col, (pid, i, _c) in enumerate(plan.members):
            spikes[pid][i] = np.sort(steps[idx == col])
    traces = {}
    for keys, cols, smon, bname, init in state_mons:
        values = np.asarray(getattr(smon, bname + "_"), dtype=float)  # SI values (unitless access)
        for key, col in keys:
            traces[key] = np.concatenate([[init[cols.index(col)]], values[cols.index(col)]])
    return spikes, traces
