"""LEMS ComponentTypes read by PyLEMS and translated for Brian2: point cells and synapses.

PyLEMS (``lems``, installed with pyNeuroML) parses the model, the NeuroML2 core ComponentTypes included
(extracted once per process from the jNeuroML jar); a type's ``extends`` chain is merged (:func:`flatten_type`)
and translated into a :class:`CellType` or :class:`SynapseType` whose expressions :mod:`izh_brian.lems.expr`
writes for Brian2. What has no point-cell form here raises :class:`LEMSTypeError`. See docs/neuroml.md, "Cells
defined in LEMS".
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from dataclasses import dataclass, field

from izh_brian.lems.expr import _eval_si
from izh_brian.lems.jar import JNeuroMLError, find_jar
from izh_brian.lems.model import LEMSTypeError

__all__ = ["load_lems", "flatten_type", "FlatType", "CellType", "translate_cell",
           "core_types_dir", "SynapseType", "translate_synapse"]

#: Brian2 names a LEMS identifier must not take (they are renamed with a trailing underscore).
_RESERVED = {"i", "j", "t", "dt", "N", "xi", "lastspike", "not_refractory", "t_in_timesteps", "True", "False",
             "and", "or", "not", "int", "exp", "log", "sin", "cos", "tan", "sqrt", "abs", "floor", "ceil",
             "rand", "randn", "sign", "clip", "w"}


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


# ----------------------------------------------------------------------------- component values

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
    for name, _dim, expr in derived:
        out[name] = _eval_si(expr, {**out, **consts})
    return out

