"""Reading a NeuroML2 document or a LEMS file into a :class:`~izh_brian.lems.model.NeuroMLModel`.

:func:`read_model` reads the file and the non-core files it includes (only from the model's folder and below),
refuses what it does not support (naming the element, the file and the line) and checks every reference
(populations, components, cell indices, synapses) before anything runs. See docs/neuroml.md, "What is read".
"""

from __future__ import annotations

import os
import re

import numpy as np

from izh_brian.lems.model import (CELL_KINDS, FIRING_KINDS, INPUT_KINDS, SOURCE_KINDS, SYNAPSE_KINDS, CellSpec,
                                  InputSpec, NeuroMLError, NeuroMLModel, PopulationSpec, ProjectionSpec)
from izh_brian.lems.xml import _children, _int_attr, _parse_xml, _quantity, _require, _tag, _where

__all__ = ["read_model", "CORE_INCLUDES", "SUPPORTED_ELEMENTS"]

#: Includes of the NeuroML2 core ComponentType files: known, not read.
CORE_INCLUDES = frozenset({
    "Cells.xml", "Networks.xml", "Inputs.xml", "Simulation.xml", "Synapses.xml", "Channels.xml",
    "NeuroMLCoreDimensions.xml", "NeuroMLCoreCompTypes.xml", "PyNN.xml",
})

_IGNORED = ("notes", "annotation", "property", "Dimension", "Unit", "Display", "Line", "OutputFile",
            "OutputColumn", "EventOutputFile", "EventSelection", "Meta", "Target", "DefaultRun")
#: Elements read (or knowingly ignored: displays, outputs, notes, unit definitions).
SUPPORTED_ELEMENTS = ("Lems", "neuroml", "Include", "include", "network", "population", "instance", "location",
                      "explicitInput", "inputList", "input", "inputW", "projection", "connection", "connectionWD",
                      "electricalProjection", "electricalConnection", "electricalConnectionInstance",
                      "electricalConnectionInstanceW", "ComponentType", "Simulation", "spike") + CELL_KINDS \
    + INPUT_KINDS + SYNAPSE_KINDS + SOURCE_KINDS + FIRING_KINDS + _IGNORED

_CELL_ATTRS = {
    "izhikevichCell": {"v0": "voltage", "thresh": "voltage", "a": "none", "b": "none", "c": "none", "d": "none"},
    "izhikevich2007Cell": {"v0": "voltage", "C": "capacitance", "k": "conductance_per_voltage", "vr": "voltage",
                           "vt": "voltage", "vpeak": "voltage", "a": "per_time", "b": "conductance",
                           "c": "voltage", "d": "current"},
}
_INPUT_ATTRS = {
    "pulseGeneratorDL": {"delay": "time", "duration": "time", "amplitude": "none"},
    "pulseGenerator": {"delay": "time", "duration": "time", "amplitude": "current"},
    "rampGeneratorDL": {"delay": "time", "duration": "time", "startAmplitude": "none", "finishAmplitude": "none",
                        "baselineAmplitude": "none"},
    "rampGenerator": {"delay": "time", "duration": "time", "startAmplitude": "current",
                      "finishAmplitude": "current", "baselineAmplitude": "current"},
    "sineGeneratorDL": {"delay": "time", "duration": "time", "amplitude": "none", "period": "time",
                        "phase": "none"},
    "sineGenerator": {"delay": "time", "duration": "time", "amplitude": "current", "period": "time",
                      "phase": "none"},
    "compoundInputDL": {},
    "compoundInput": {},
}
_TARGET_BRACKET = re.compile(r"^\s*(?:\.\./)?([A-Za-z_][\w.-]*)\[(\d+)\]\s*$")
_TARGET_PATH = re.compile(r"^\s*(?:\.\./)?([A-Za-z_][\w.-]*)/(\d+)/[\w.-]+\s*$")


def _unsupported(elem, parent=None) -> NeuroMLError:
    ctx = f" inside <{_tag(parent)}>" if parent is not None else ""
    return NeuroMLError(f"unsupported element <{_tag(elem)}>{ctx} in {_where(elem)}; this reader handles "
                        f"{', '.join(CELL_KINDS + INPUT_KINDS + FIRING_KINDS + SOURCE_KINDS + SYNAPSE_KINDS)}, "
                        "network/population/explicitInput/inputList/projection and Simulation")


def read_model(path) -> NeuroMLModel:
    """Read a NeuroML2 or LEMS file (and the non-core files it includes).

    Parameters
    ----------
    path : str or path-like
        A ``.nml`` NeuroML2 document or a LEMS ``.xml`` file.

    Returns
    -------
    NeuroMLModel

    Raises
    ------
    NeuroMLError
        Unsupported or malformed element (the message names element, file and
        line), unsafe XML, an unknown component, or a duplicate id.
    FileNotFoundError
        The file (or an included one) does not exist.
    """
    path = os.fspath(path)
    model = NeuroMLModel(path=path)
    _read_into(model, path, seen=set(), top=os.path.dirname(os.path.realpath(path)))
    _check_references(model)
    return model


def _include_path(elem, tag: str, name: str, base: str, root: str) -> str:
    """The path of an included file, refused unless it lies inside ``root`` (the folder of the file the user
    named): a model file is often someone else's, and an include must not read the rest of the machine."""
    what = f"<{tag}> in {_where(elem)}: included file {name!r}"
    if os.path.isabs(name) or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise NeuroMLError(f"{what} is not a relative file name; includes are read only from the model's folder "
                           f"({root}) and below")
    inc = os.path.join(base, name)
    real = os.path.realpath(inc)
    if os.path.commonpath([real, root]) != root:
        raise NeuroMLError(f"{what} leaves the model's folder ({root}); includes are read only from there "
                           f"and below")
    return inc


def _read_into(model: NeuroMLModel, path: str, seen: set, top: str) -> None:
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    root = _parse_xml(path)
    if _tag(root) not in ("Lems", "neuroml"):
        raise NeuroMLError(f"<{_tag(root)}> in {_where(root)}: the root element must be <Lems> or <neuroml>")
    if model.root_tag is None:
        model.root_tag = _tag(root)
    base = os.path.dirname(os.path.abspath(path))
    for elem in _children(root):  # comments and processing instructions left out
        _read_element(model, elem, root, base, seen, top)


def _read_element(model: NeuroMLModel, elem, root, base: str, seen: set, top: str) -> None:
    """One top-level element of a file: an include, a ComponentType, a component, the network or the
    Simulation."""
    tag = _tag(elem)
    if tag in ("Include", "include"):
        _read_include(model, elem, tag, base, seen, top)
    elif tag == "ComponentType":
        model.component_types[_require(elem, "name")] = _where(elem)
    elif tag in CELL_KINDS:
        spec = CellSpec(_require(elem, "id"), tag, {a: _quantity(elem, a, d) for a, d in _CELL_ATTRS[tag].items()},
                        _where(elem))
        _add_unique(model.cells, spec, elem, model)
    elif tag in model.component_types:
        # A component of a ComponentType the files define: PyLEMS translates it at run time.
        attrs = {k: v for k, v in elem.attrib.items() if not k.startswith("_") and k != "id"}
        _add_unique(model.cells, CellSpec(_require(elem, "id"), tag, attrs, _where(elem)), elem, model)
    elif tag in FIRING_KINDS:
        _add_unique(model.inputs, _read_firing_input(elem, tag), elem, model)
    elif tag in INPUT_KINDS:
        _add_unique(model.inputs, _read_input(elem, tag), elem, model)
    elif tag in SOURCE_KINDS:
        _add_unique(model.cells, _read_source(elem, tag), elem, model)
    elif tag in SYNAPSE_KINDS:
        attrs = {k: v for k, v in elem.attrib.items() if not k.startswith("_") and k != "id"}
        _add_unique(model.synapses, CellSpec(_require(elem, "id"), tag, attrs, _where(elem)), elem, model)
    elif tag == "network":
        if model.network_id is not None:
            raise NeuroMLError(f"<network> in {_where(elem)}: only one network per model is supported "
                               f"(already have {model.network_id!r})")
        model.network_id = _require(elem, "id")
        _read_network(model, elem)
    elif tag == "Simulation":
        _read_simulation(model, elem)
    elif tag == "Target":
        model.run_target = (_require(elem, "component"), _where(elem))
    elif tag not in _IGNORED:
        raise _unsupported(elem, root)


def _read_include(model: NeuroMLModel, elem, tag: str, base: str, seen: set, top: str) -> None:
    name = _require(elem, "file" if tag == "Include" else "href")
    if os.path.basename(name) in CORE_INCLUDES and not os.path.exists(os.path.join(base, name)):
        return
    inc = _include_path(elem, tag, name, base, top)
    if not os.path.exists(inc):
        raise NeuroMLError(f"<{tag}> in {_where(elem)}: included file {name!r} not found "
                           f"(looked for {inc})")
    _read_into(model, inc, seen, top)


def _read_firing_input(elem, tag) -> InputSpec:
    """An input that fires a synapse of its own (poisson or timed)."""
    params = {"synapse": _require(elem, "synapse"), "weight": _quantity(elem, "weight", "none", default=1.0)}
    if tag == "timedSynapticInput":
        params["times_s"] = _spike_times(elem)
    else:
        params["rate_hz"] = _quantity(elem, "averageRate", "per_time", si=True)
        if not params["rate_hz"] > 0:
            raise NeuroMLError(f"<{tag}> in {_where(elem)}: averageRate must be > 0")
    target = elem.get("spikeTarget", f"./{params['synapse']}").strip()
    if target.lstrip("./") != params["synapse"]:
        raise NeuroMLError(f"<{tag}> in {_where(elem)}: spikeTarget={target!r} must name its own synapse "
                           f"('./{params['synapse']}')")
    if tag.startswith("transient"):
        params["delay_s"] = _quantity(elem, "delay", "time", si=True)
        params["duration_s"] = _quantity(elem, "duration", "time", si=True)
        if not params["duration_s"] > 0:
            raise NeuroMLError(f"<{tag}> in {_where(elem)}: duration must be > 0")
    return InputSpec(_require(elem, "id"), tag, params, _where(elem), dict(params))


def _read_source(elem, tag) -> CellSpec:
    """A spike source (a population's component), its parameters in SI."""
    params = {}
    if tag == "spikeArray":
        params["times_s"] = _spike_times(elem)
    elif tag == "spikeGenerator":
        params["period_s"] = _quantity(elem, "period", "time", si=True)
        if not params["period_s"] > 0:
            raise NeuroMLError(f"<{tag}> in {_where(elem)}: period must be > 0")
    elif tag == "spikeGeneratorRandom":
        params["min_isi_s"] = _quantity(elem, "minISI", "time", si=True)
        params["max_isi_s"] = _quantity(elem, "maxISI", "time", si=True)
        if not 0 <= params["min_isi_s"] <= params["max_isi_s"]:
            raise NeuroMLError(f"<{tag}> in {_where(elem)}: need 0 <= minISI <= maxISI, got "
                               f"minISI={elem.get('minISI')!r}, maxISI={elem.get('maxISI')!r}")
    elif tag == "spikeGeneratorRefPoisson":
        params["rate_hz"] = _quantity(elem, "averageRate", "per_time", si=True)
        params["min_isi_s"] = _quantity(elem, "minimumISI", "time", si=True)
        if not params["rate_hz"] > 0 or not params["min_isi_s"] >= 0 \
                or not 1 / params["rate_hz"] >= params["min_isi_s"]:
            raise NeuroMLError(f"<{tag}> in {_where(elem)}: need averageRate > 0 and 0 <= minimumISI <= "
                               f"1 / averageRate, got averageRate={elem.get('averageRate')!r}, "
                               f"minimumISI={elem.get('minimumISI')!r}")
    else:
        params["rate_hz"] = _quantity(elem, "averageRate", "per_time", si=True)
        if not params["rate_hz"] >= 0:
            raise NeuroMLError(f"<{tag}> in {_where(elem)}: averageRate must be >= 0")
    return CellSpec(_require(elem, "id"), tag, params, _where(elem))


def _read_simulation(model: NeuroMLModel, elem) -> None:
    if model.dt_ms is not None:
        raise NeuroMLError(f"<Simulation> in {_where(elem)}: only one Simulation per model is supported")
    model.duration_ms = _quantity(elem, "length", "time")
    model.dt_ms = _quantity(elem, "step", "time")
    model.dt_s = _quantity(elem, "step", "time", si=True)
    model.target = _require(elem, "target")
    model.simulation_id = elem.get("id")
    model.simulation = elem
    if not (model.dt_ms > 0) or not (model.duration_ms >= model.dt_ms):
        raise NeuroMLError(f"<Simulation> in {_where(elem)}: need step > 0 and length >= step, "
                           f"got step={elem.get('step')!r}, length={elem.get('length')!r}")
    for child in elem:
        if isinstance(child.tag, str) and _tag(child) not in _IGNORED:
            raise _unsupported(child, elem)


def _spike_times(elem) -> list:
    """The times (s, as jLEMS converts them) of the ``spike`` children of a spikeArray or timedSynapticInput."""
    times = []
    for child in _children(elem):
        if _tag(child) != "spike":
            raise _unsupported(child, elem)
        times.append(_quantity(child, "time", "time", si=True))
    return sorted(times)


def _read_input(elem, tag) -> InputSpec:
    params = {a: _quantity(elem, a, d) for a, d in _INPUT_ATTRS[tag].items()}
    params["weight"] = _quantity(elem, "weight", "none", default=1.0)
    if "duration" in params and params["duration"] < 0:
        raise NeuroMLError(f"<{tag}> in {_where(elem)}: duration must be >= 0")
    if tag.startswith("ramp") and params["duration"] == 0:
        raise NeuroMLError(f"<{tag}> in {_where(elem)}: a ramp's duration must be > 0")
    if tag.startswith("sine") and not params["period"] > 0:
        raise NeuroMLError(f"<{tag}> in {_where(elem)}: a sine's period must be > 0")
    params_si = {a: _quantity(elem, a, d, si=True) for a, d in _INPUT_ATTRS[tag].items()}
    params_si["weight"] = params["weight"]
    spec = InputSpec(_require(elem, "id"), tag, params, _where(elem), params_si)
    if tag.startswith("compound"):
        allowed = ("pulseGeneratorDL", "sineGeneratorDL", "rampGeneratorDL") if tag.endswith("DL") else \
            ("pulseGenerator", "sineGenerator", "rampGenerator")
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            ctag = _tag(child)
            if ctag not in allowed:
                raise NeuroMLError(f"unsupported element <{ctag}> inside <{tag}> in {_where(child)}; "
                                   f"a {tag} holds {', '.join(allowed)}")
            spec.children.append(_read_input(child, ctag))
    return spec


def _add_unique(table, spec, elem, model):
    if spec.id in model.cells or spec.id in model.inputs or spec.id in model.synapses:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: duplicate id {spec.id!r}")
    table[spec.id] = spec


def _read_population(model, elem) -> None:
    pid = _require(elem, "id")
    instances = [c for c in _children(elem) if _tag(c) == "instance"]
    for c in _children(elem):
        if _tag(c) not in ("instance", "property", "notes", "annotation", "layout"):
            raise _unsupported(c, elem)
    size_raw = elem.get("size")
    if size_raw is None and not instances:
        raise NeuroMLError(f"<population> in {_where(elem)}: missing attribute 'size' (or <instance> elements)")
    try:
        size = int(size_raw) if size_raw is not None else len(instances)
    except ValueError:
        raise NeuroMLError(f"<population> in {_where(elem)}: size={size_raw!r} is not an integer") from None
    locations = []
    if instances:
        ids = []
        for inst in instances:
            try:
                ids.append(int(_require(inst, "id")))
            except ValueError:
                raise NeuroMLError(f"<instance> in {_where(inst)}: id={inst.get('id')!r} is not an integer") from None
            loc = [c for c in _children(inst) if _tag(c) == "location"]
            for c in _children(inst):
                if _tag(c) != "location":
                    raise _unsupported(c, inst)
            if loc:
                try:
                    locations.append(tuple(float(loc[0].get(k, "0")) for k in ("x", "y", "z")))
                except ValueError:
                    raise NeuroMLError(f"<location> in {_where(loc[0])}: x, y, z must be numbers") from None
            else:
                locations.append(None)
        if sorted(ids) != list(range(len(ids))):
            raise NeuroMLError(f"<population> in {_where(elem)}: instance ids must be 0..{len(ids) - 1}, got "
                               f"{sorted(ids)[:5]}{'...' if len(ids) > 5 else ''}")
        if size_raw is not None and size != len(instances):
            raise NeuroMLError(f"<population> in {_where(elem)}: size={size} but {len(instances)} <instance> "
                               "elements")
        order = np.argsort(ids)
        locations = [locations[k] for k in order]
    if size < 1:
        raise NeuroMLError(f"<population> in {_where(elem)}: size must be >= 1, got {size}")
    if pid in model.populations:
        raise NeuroMLError(f"<population> in {_where(elem)}: duplicate population id {pid!r}")
    model.populations[pid] = PopulationSpec(pid, _require(elem, "component"), size, _where(elem), locations)


def _cell_index(elem, attr, pop_expected=None):
    """The population and index of a cell reference: ``../pop/3/comp``, ``../pop[3]`` or ``pop[3]``."""
    pop, idx = _parse_target(elem, _require(elem, attr))
    if pop_expected is not None and pop != pop_expected:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={elem.get(attr)!r} is not in population "
                           f"{pop_expected!r}")
    return pop, idx


def _read_projection(model, elem, electrical: bool) -> None:
    tag = _tag(elem)
    pre, post = _require(elem, "presynapticPopulation"), _require(elem, "postsynapticPopulation")
    proj = ProjectionSpec(_require(elem, "id"), pre, post, None if electrical else _require(elem, "synapse"),
                          [], _where(elem))
    allowed = (("electricalConnection", "electricalConnectionInstance", "electricalConnectionInstanceW")
               if electrical else ("connection", "connectionWD"))
    for c in _children(elem):
        ctag = _tag(c)
        if ctag in ("notes", "annotation", "property"):
            continue
        if ctag not in allowed:
            raise NeuroMLError(f"unsupported element <{ctag}> inside <{tag}> in {_where(c)}; a {tag} holds "
                               f"{', '.join(allowed)}")
        if ctag in ("connection", "connectionWD", "electricalConnectionInstance", "electricalConnectionInstanceW"):
            _pp, i = _cell_index(c, "preCell" if "Instance" in ctag or ctag == "connectionWD" and c.get("preCell")
                                 else "preCellId", pre)
            _qp, j = _cell_index(c, "postCell" if "Instance" in ctag or ctag == "connectionWD" and c.get("postCell")
                                 else "postCellId", post)
        else:
            i, j = _int_attr(c, "preCell"), _int_attr(c, "postCell")
        w = _quantity(c, "weight", "none", default=1.0) if ctag in ("connectionWD",
                                                                     "electricalConnectionInstanceW") else 1.0
        delay = _quantity(c, "delay", "time", default=0.0) if ctag == "connectionWD" else 0.0
        if electrical:
            syn = _require(c, "synapse")
            if proj.synapse is not None and syn != proj.synapse:
                raise NeuroMLError(f"<{ctag}> in {_where(c)}: all connections of one electricalProjection must use "
                                   f"one gap junction (have {proj.synapse!r}, got {syn!r})")
            proj.synapse = syn
        for attr in ("preSegmentId", "postSegmentId", "preSegment", "postSegment"):
            if c.get(attr) not in (None, "0"):
                raise NeuroMLError(f"<{ctag}> in {_where(c)}: {attr}={c.get(attr)!r}; point cells have segment 0 only")
        proj.connections.append((i, j, w, delay, f"<{ctag}> in {_where(c)}"))
    (model.electrical_projections if electrical else model.projections).append(proj)


def _read_network(model, net) -> None:
    for elem in _children(net):
        tag = _tag(elem)
        if tag == "population":
            _read_population(model, elem)
        elif tag == "explicitInput":
            pop, idx = _parse_target(elem, _require(elem, "target"))
            model.explicit_inputs.append((pop, idx, _require(elem, "input"), 1.0, f"<{tag}> in {_where(elem)}"))
        elif tag == "inputList":
            comp = _require(elem, "component")
            population = elem.get("population")
            for child in _children(elem):
                if _tag(child) not in ("input", "inputW"):
                    raise _unsupported(child, elem)
                pop, idx = _parse_target(child, _require(child, "target"))
                if population is not None and pop != population:
                    raise NeuroMLError(f"<{_tag(child)}> in {_where(child)}: target {child.get('target')!r} is not "
                                       f"in the inputList's population {population!r}")
                if child.get("segmentId") not in (None, "0"):
                    raise NeuroMLError(f"<{_tag(child)}> in {_where(child)}: segmentId={child.get('segmentId')!r}; "
                                       "point cells have segment 0 only")
                w = _quantity(child, "weight", "none", default=1.0)
                model.explicit_inputs.append((pop, idx, comp, w, f"<{_tag(child)}> in {_where(child)}"))
        elif tag == "projection":
            _read_projection(model, elem, electrical=False)
        elif tag == "electricalProjection":
            _read_projection(model, elem, electrical=True)
        elif tag in _IGNORED:
            continue
        else:
            raise _unsupported(elem, net)


def _parse_target(elem, target):
    m = _TARGET_BRACKET.match(target) or _TARGET_PATH.match(target)
    if not m:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: target {target!r} is not of the form "
                           "'pop[i]', '../pop[i]' or '../pop/i/cell'")
    return m.group(1), int(m.group(2))


def _check_references(model: NeuroMLModel) -> None:
    if model.run_target is not None:
        comp, where = model.run_target
        if comp != model.simulation_id:
            sim = f"the Simulation is {model.simulation_id!r}" if model.simulation_id else "the model has no Simulation"
            raise NeuroMLError(f"<Target> in {where}: component {comp!r} is not a Simulation of this model ({sim})")
    for pop in model.populations.values():
        if pop.component not in model.cells:
            raise NeuroMLError(f"<population> in {pop.where}: component {pop.component!r} is not a cell of this "
                               f"model; cells: {', '.join(model.cells) or 'none'}")
    for pop, idx, inp, _w, where in model.explicit_inputs:
        if pop not in model.populations:
            raise NeuroMLError(f"{where}: unknown population {pop!r}; populations: "
                               f"{', '.join(model.populations) or 'none'}")
        if not (0 <= idx < model.populations[pop].size):
            raise NeuroMLError(f"{where}: cell index {idx} out of range for population {pop!r} "
                               f"of size {model.populations[pop].size}")
        if inp not in model.inputs:
            raise NeuroMLError(f"{where}: unknown input {inp!r}; inputs: {', '.join(model.inputs) or 'none'}")
        if model.inputs[inp].kind in FIRING_KINDS:
            syn = model.inputs[inp].params["synapse"]
            if syn not in model.synapses or model.synapses[syn].kind == "gapJunction":
                raise NeuroMLError(f"{where}: {model.inputs[inp].kind} {inp!r} fires synapse {syn!r}, which is not a "
                                   f"chemical synapse of this model; synapses: {', '.join(model.synapses) or 'none'}")
        cell = model.cells[model.populations[pop].component]
        dl = model.inputs[inp].dimensionless
        if cell.kind in CELL_KINDS and dl != (cell.kind == "izhikevichCell"):
            raise NeuroMLError(f"{where}: {model.inputs[inp].kind} {inp!r} cannot drive {cell.kind} "
                               f"{cell.id!r} (izhikevichCell takes the dimensionless *DL generators, "
                               "izhikevich2007Cell the dimensional ones)")
    for proj in model.projections + model.electrical_projections:
        for role, pop in (("presynapticPopulation", proj.pre), ("postsynapticPopulation", proj.post)):
            if pop not in model.populations:
                raise NeuroMLError(f"<projection> {proj.id!r} in {proj.where}: {role} {pop!r} is not a population; "
                                   f"populations: {', '.join(model.populations) or 'none'}")
        if proj.synapse is not None and proj.synapse not in model.synapses:
            raise NeuroMLError(f"<projection> {proj.id!r} in {proj.where}: synapse {proj.synapse!r} is not a synapse "
                               f"of this model; synapses: {', '.join(model.synapses) or 'none'} (supported types: "
                               f"{', '.join(SYNAPSE_KINDS)})")
        gap = proj in model.electrical_projections
        if proj.synapse is not None and (model.synapses[proj.synapse].kind == "gapJunction") != gap:
            raise NeuroMLError(f"<projection> {proj.id!r} in {proj.where}: a gapJunction belongs in an "
                               "electricalProjection, a chemical synapse in a projection")
        for i, j, _w, delay, where in proj.connections:
            for pop, idx in ((proj.pre, i), (proj.post, j)):
                if not (0 <= idx < model.populations[pop].size):
                    raise NeuroMLError(f"{where}: cell index {idx} out of range for population {pop!r} "
                                       f"of size {model.populations[pop].size}")
            if delay < 0:
                raise NeuroMLError(f"{where}: delay must be >= 0")
    if model.target is not None and model.network_id is not None and model.target != model.network_id:
        raise NeuroMLError(f"Simulation target {model.target!r} is not the network {model.network_id!r}")


# ----------------------------------------------------------------------------- running
