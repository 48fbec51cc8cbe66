r"""Read, run and write NeuroML2 / LEMS models of Izhikevich cells.

Reading
-------
:func:`read_model` parses a NeuroML2 document or a LEMS file (the form
jNeuroML runs): cells (``izhikevichCell``, ``izhikevich2007Cell`` and
components of point-cell ComponentTypes the files define), the inputs
``pulseGenerator``, ``rampGenerator``, ``sineGenerator`` (and their DL forms)
and ``compoundInput(DL)``, inputs that fire a synapse of their own
(``poissonFiringSynapse``, ``transientPoissonFiringSynapse``, ``timedSynapticInput``), spike sources
(``spikeArray``, ``spikeGenerator``, ``spikeGeneratorPoisson``, ``spikeGeneratorRefPoisson``,
``spikeGeneratorRandom``), synapses (``expOneSynapse``, ``expTwoSynapse``,
``alphaSynapse``, ``gapJunction``), a ``network`` of ``population`` s (``size``
or ``populationList`` with ``instance`` s), ``explicitInput`` s,
``inputList`` s, ``projection`` s and ``electricalProjection`` s, and a
``Simulation`` (length, step, outputs, displays). ``Include`` s of the NeuroML
core types are known; other included files are read too. Parsing is safe:
defusedxml forbids DTDs, entity declarations and external references. An
element this module does not support, a missing attribute or a malformed value
raises :class:`NeuroMLError`, a ValueError whose message names the element, the
file and the line.

Running
-------
:func:`run_model` translates the model with PyLEMS into Brian2
(:mod:`izh_brian.interop.lems_brian`: one NeuronGroup per run of populations
of one ComponentType, one Synapses object per projection) and integrates it as
jNeuroML does (jLEMS, forward Euler): in the step from :math:`t_k` to
:math:`t_{k+1}` the inputs take their value at :math:`t_{k+1}`, every state
variable advances from the old values, and the spike condition on the new
state is a spike at :math:`t_{k+1}`, which resets. The inputs of NeuroML are
``delay <= t < delay + duration`` windows; inputs on one cell add up. Events
follow jLEMS's order (see :mod:`izh_brian.interop.lems_brian`).

Spikes follow the rules of Inputs.xml on jLEMS's running-sum clock. A
``timedSynapticInput`` fires its synapse at the end of the first step whose
time reaches each ``spike`` child's time (once per spike), and also at the end
of every step in which its cell spikes: jLEMS connects an input to its cell by
an EventConnection from the cell, so the cell's spikes reach the input's port
``in``, whose OnEvent fires the synapse. The random sources keep an ideal next
time that accumulates the intervals and fire on the first step past it (the
next step when it has passed; at most one spike per step):
``spikeGeneratorPoisson`` intervals ``-log(U) / averageRate``,
``spikeGeneratorRefPoisson`` ``minimumISI - (averageIsi - minimumISI) log(U)``,
``spikeGeneratorRandom`` ``minISI + MSEC (((maxISI - minISI) / MSEC) U)``. U is
``1 - numpy.random.default_rng([10000, p, i]).random()``, p the population's
position in the network (file order), i the cell; the poisson inputs use
``default_rng([20000, n])``, n the input's position among the model's inputs.
jNeuroML draws its own numbers: the statistics are its, not the spikes (the
spikes are, when the intervals do not depend on U: ``minISI == maxISI``,
``averageRate == 1 / minimumISI``). ``voltageClamp`` and ``voltageClampTriple``
are refused.
:func:`write_outputs` writes the Simulation's ``OutputFile`` s and
``EventOutputFile`` s as jnml does; :func:`plot_displays` draws its
``Display`` s.

Writing
-------
:func:`export_presets` writes presets as a NeuroML2 document and a LEMS
simulation file that includes it (the document with libNeuroML, the LEMS file
with pyNeuroML's ``LEMSSimulation``): presets of the standard form as
``izhikevichCell`` s with dimensionless generators, class-1 presets
(4.1 v + 108) as the equal ``izhikevich2007Cell`` (:func:`as_2007_form`) with
generators in pA. The accommodation preset (``u' = a b (v + 65)``) has no
NeuroML core form. Each preset keeps its grid: the pulse edges sit half a step
between grid points, so that the same samples are on as in the preset's
protocol whatever the rounding of ``t``.

References
----------
NeuroML2 core types: ``NeuroML2CoreTypes/Cells.xml`` and ``Inputs.xml``
(shipped in the jNeuroML jar). Cannon et al., "LEMS: a language for expressing
complex biological models in concise and hierarchical form and its use in
underpinning NeuroML 2", Front. Neuroinform. 8:79, 2014.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

from izh_brian.interop.jneuroml import DEFAULT_TIMEOUT_S, JNeuroMLError, run_jneuroml
from izh_brian.interop.lems_brian import LEMSTypeError, load_lems, run_network
from izh_brian.limits import check_file_size, check_work, grid_steps
from izh_brian.model.equations import VARIANTS
from izh_brian.presets import get_preset
from izh_brian.stimuli import n_steps, time_grid_ms

__all__ = [
    "run_lems_spikes",
    "NeuroMLError",
    "CellSpec",
    "InputSpec",
    "PopulationSpec",
    "NeuroMLModel",
    "NeuroMLRun",
    "read_model",
    "output_paths",
    "run_model",
    "run_file",
    "export_presets",
    "as_2007_form",
    "CORE_INCLUDES",
    "SUPPORTED_ELEMENTS",
]

NEUROML_NS = "http://www.neuroml.org/schema/neuroml2"

#: Includes of the NeuroML2 core ComponentType files: known, not read.
CORE_INCLUDES = frozenset({
    "Cells.xml", "Networks.xml", "Inputs.xml", "Simulation.xml", "Synapses.xml", "Channels.xml",
    "NeuroMLCoreDimensions.xml", "NeuroMLCoreCompTypes.xml", "PyNN.xml",
})

_CELLS = ("izhikevichCell", "izhikevich2007Cell")
_INPUTS = ("pulseGeneratorDL", "rampGeneratorDL", "pulseGenerator", "rampGenerator", "sineGeneratorDL",
           "sineGenerator", "compoundInputDL", "compoundInput")
_SYNAPSES = ("expOneSynapse", "expTwoSynapse", "alphaSynapse", "gapJunction")
#: Spike sources a population can hold (they drive projections).
_SOURCES = ("spikeArray", "spikeGenerator", "spikeGeneratorPoisson", "spikeGeneratorRefPoisson",
            "spikeGeneratorRandom")
#: Inputs that fire a synapse of their own at random (Inputs.xml): the current is weight * the synapse's i.
_POISSON_INPUTS = ("poissonFiringSynapse", "transientPoissonFiringSynapse")
#: Inputs that fire a synapse of their own: at random, or at the times of their ``spike`` children.
_FIRING_INPUTS = _POISSON_INPUTS + ("timedSynapticInput",)
_IGNORED = ("notes", "annotation", "property", "Dimension", "Unit", "Display", "Line", "OutputFile",
            "OutputColumn", "EventOutputFile", "EventSelection", "Meta", "Target", "DefaultRun")
#: Elements read (or knowingly ignored: displays, outputs, notes, unit definitions).
SUPPORTED_ELEMENTS = ("Lems", "neuroml", "Include", "include", "network", "population", "instance", "location",
                      "explicitInput", "inputList", "input", "inputW", "projection", "connection", "connectionWD",
                      "electricalProjection", "electricalConnection", "electricalConnectionInstance",
                      "electricalConnectionInstanceW", "ComponentType", "Simulation", "spike") + _CELLS + _INPUTS \
    + _SYNAPSES + _SOURCES + _FIRING_INPUTS + _IGNORED


class NeuroMLError(ValueError):
    """A NeuroML/LEMS file this module cannot read: the message names element, file and line."""


# ----------------------------------------------------------------------------- units

#: SI factor and dimension of the unit symbols NeuroML uses for these models.
_UNITS = {
    "": (1.0, "none"),
    "s": (1.0, "time"), "ms": (1e-3, "time"), "us": (1e-6, "time"),
    "V": (1.0, "voltage"), "mV": (1e-3, "voltage"),
    "A": (1.0, "current"), "mA": (1e-3, "current"), "uA": (1e-6, "current"), "nA": (1e-9, "current"),
    "pA": (1e-12, "current"),
    "F": (1.0, "capacitance"), "uF": (1e-6, "capacitance"), "nF": (1e-9, "capacitance"),
    "pF": (1e-12, "capacitance"),
    "S": (1.0, "conductance"), "mS": (1e-3, "conductance"), "uS": (1e-6, "conductance"),
    "nS": (1e-9, "conductance"), "pS": (1e-12, "conductance"),
    "per_s": (1.0, "per_time"), "per_ms": (1e3, "per_time"), "Hz": (1.0, "per_time"),
    "S_per_V": (1.0, "conductance_per_voltage"), "nS_per_mV": (1e-6, "conductance_per_voltage"),
    "uS_per_mV": (1e-3, "conductance_per_voltage"), "mS_per_V": (1e-3, "conductance_per_voltage"),
}
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z_]*)\s*$")

#: The book units the builders take, per dimension (SI factor).
_BOOK = {"none": 1.0, "time": 1e-3, "voltage": 1e-3, "current": 1e-12, "capacitance": 1e-12,
         "conductance": 1e-9, "per_time": 1e3, "conductance_per_voltage": 1e-6}


def _where(elem) -> str:
    return f"{elem.get('_file', '?')}, line {elem.get('_line', '?')}"


def _quantity(elem, attr: str, dimension: str, default=None, si: bool = False) -> float:
    """The attribute ``attr`` of ``elem`` in the book unit of ``dimension`` (ms, mV, pA, pF, nS, 1/ms).

    With ``si=True``, in SI units, converted as jLEMS converts (value times
    the unit's power of ten).
    """
    raw = elem.get(attr)
    if raw is None:
        if default is not None:
            return default
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: missing attribute {attr!r}")
    m = _QUANTITY.match(raw)
    if not m:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} is not a number with a unit")
    value, unit = float(m.group(1)), m.group(2)
    if unit not in _UNITS:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} has an unknown unit {unit!r}; "
                           f"allowed: {', '.join(u for u, (_, d) in _UNITS.items() if d == dimension) or 'none'}")
    factor, dim = _UNITS[unit]
    if dim != dimension:
        allowed = ", ".join(repr(u) for u, (_, d) in _UNITS.items() if d == dimension)
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} must be a {dimension} "
                           f"({allowed}), not a {dim}")
    if si:
        return value * factor
    out = value * factor / _BOOK[dimension]
    if not math.isfinite(out):
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} is not finite")
    # Undo the round trip through SI where the unit already is the book's.
    return value if factor == _BOOK[dimension] else out


def _tag(elem) -> str:
    tag = elem.tag
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


# ----------------------------------------------------------------------------- safe parsing

class _LineTreeBuilder(ET.TreeBuilder):
    """A TreeBuilder that stamps every element with its file and line (as ``_file``/``_line``)."""

    def __init__(self, filename):
        super().__init__()
        self.filename = filename
        self.parser = None
        self.open = []  # (tag, line) of the elements not yet closed

    def start(self, tag, attrs):
        elem = super().start(tag, attrs)
        line = self.parser.CurrentLineNumber if self.parser is not None else "?"
        elem.set("_file", self.filename)
        elem.set("_line", str(line))
        self.open.append((_tag(elem), line))
        return elem

    def end(self, tag):
        if self.open:
            self.open.pop()
        return super().end(tag)


def _parse_xml(path: str):
    try:
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import DefusedXMLParser
    except ImportError:
        raise NeuroMLError("reading NeuroML/LEMS needs defusedxml to parse XML safely: "
                           "pip install defusedxml (or izh_brian[neuroml])") from None

    try:
        check_file_size(path, what="NeuroML/LEMS file")  # before reading: a model file is often someone else's
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FileNotFoundError(f"cannot read NeuroML/LEMS file {path!r}: {exc.strerror or exc}") from None
    builder = _LineTreeBuilder(path)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser.parser
    try:
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as exc:
        raise NeuroMLError(f"{path}: refused unsafe XML ({type(exc).__name__}: {exc}); "
                           "DTDs, entities and external references are not allowed") from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        inside = ""
        if builder.open:
            tag, opened = builder.open[-1]
            inside = f" inside <{tag}> opened at line {opened}"
        raise NeuroMLError(f"{path}, line {line}: malformed XML{inside}: {exc}") from None


# ----------------------------------------------------------------------------- model records

@dataclass
class CellSpec:
    """A cell component: ``kind`` is ``izhikevichCell`` or ``izhikevich2007Cell``; ``params`` in book units."""

    id: str
    kind: str
    params: dict
    where: str = ""


@dataclass
class InputSpec:
    """An input component (a generator).

    ``params`` holds the values in ms and in mV/ms (DL) or pA; ``params_si``
    the same in SI units (s, A), as jLEMS computes with them.
    """

    id: str
    kind: str
    params: dict
    where: str = ""
    params_si: dict = field(default_factory=dict)
    children: list = field(default_factory=list)

    @property
    def dimensionless(self) -> bool:
        return self.kind.endswith("DL")

    def at(self, t_ms: np.ndarray) -> np.ndarray:
        """The current (mV/ms or pA) at times ``t_ms`` (NeuroML's windows: ``delay <= t < delay + duration``)."""
        return self._at(np.asarray(t_ms, dtype=float), self.params)

    def at_si(self, t_s: np.ndarray, weight: float | None = None) -> np.ndarray:
        """The current (dimensionless or A) at times ``t_s`` in seconds, in jLEMS's SI arithmetic.

        ``weight`` is the weight an ``inputW`` assigns to this input's instance (jLEMS's ``weight``
        property; the component's own weight, 1 by default, otherwise). Each expression is grouped as jLEMS
        parses the one in Inputs.xml ('/' before '*', '-' before '+'), so the values are Java's to the bit.
        """
        return self._at(np.asarray(t_s, dtype=float), self.params_si, weight)

    def _at(self, t, p, weight=None):
        w = p.get("weight", 1.0) if weight is None else weight
        if self.kind.startswith("compound"):
            # compoundInput: weight * i_total, i_total = 0 + the children's currents in order.
            parts = [c._at(t, c.params if p is self.params else c.params_si) for c in self.children]
            total = np.zeros_like(t)
            for part in parts:
                total = total + part
            return w * total
        inside = (t >= p["delay"]) & (t < p["duration"] + p["delay"])
        if self.kind.startswith("sine"):
            # weight * amplitude * sin(phase + (2 * 3.14159265 * (t-delay)/period)) (Inputs.xml writes pi as
            # 3.14159265), grouped as jLEMS groups it.
            wave = (w * p["amplitude"]) * np.sin(p["phase"] + ((2 * 3.14159265) * ((t - p["delay"]) / p["period"])))
            return np.where(inside, wave, 0.0)
        if self.kind.startswith("pulse"):
            return np.where(inside, w * p["amplitude"], 0.0)
        ramp = p["startAmplitude"] + ((p["finishAmplitude"] - p["startAmplitude"]) * ((t - p["delay"]) / p["duration"]))
        return np.where(inside, w * ramp, w * p["baselineAmplitude"])


@dataclass
class PopulationSpec:
    """A population: ``size`` cells of component ``component``; ``locations`` (x, y, z) of a populationList."""

    id: str
    component: str
    size: int
    where: str = ""
    locations: list = field(default_factory=list)


@dataclass
class ProjectionSpec:
    """A projection (``electrical`` for an electricalProjection of gap junctions).

    ``connections``: (pre index, post index, weight, delay in ms) per connection.
    """

    id: str
    pre: str
    post: str
    synapse: str
    connections: list = field(default_factory=list)
    where: str = ""


@dataclass
class NeuroMLModel:
    """What :func:`read_model` found: components, the network and the simulation settings."""

    path: str
    cells: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    populations: dict = field(default_factory=dict)
    #: (population id, cell index, input id, weight, "<element> in FILE, line N")
    explicit_inputs: list = field(default_factory=list)
    network_id: str | None = None
    #: synapse components (expOneSynapse, expTwoSynapse, alphaSynapse, gapJunction): id -> CellSpec-like record
    synapses: dict = field(default_factory=dict)
    projections: list = field(default_factory=list)
    electrical_projections: list = field(default_factory=list)
    #: ComponentTypes the files define (translated by PyLEMS at run time)
    component_types: dict = field(default_factory=dict)
    #: the Simulation element (outputs and displays are read from it)
    simulation: object = None
    root_tag: str | None = None
    duration_ms: float | None = None
    dt_ms: float | None = None
    dt_s: float | None = None
    target: str | None = None
    #: the Simulation's id and the component a LEMS ``<Target>`` names (with where it stands)
    simulation_id: str | None = None
    run_target: tuple | None = None


@dataclass
class NeuroMLRun:
    """Spikes of a run: per population, one array of spike times (ms) per cell."""

    duration_ms: float
    dt_ms: float
    spike_times_ms: dict
    sizes: dict

    def to_dict(self) -> dict:
        """The ``izh-brian neuroml run --json`` record."""
        return {
            "duration_ms": self.duration_ms,
            "dt_ms": self.dt_ms,
            "populations": {
                pop: {"size": self.sizes[pop], "spike_times_ms": [[float(t) for t in cell] for cell in cells]}
                for pop, cells in self.spike_times_ms.items()
            },
        }


# ----------------------------------------------------------------------------- reading

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
                        f"{', '.join(_CELLS + _INPUTS + _FIRING_INPUTS + _SOURCES + _SYNAPSES)}, "
                        "network/population/explicitInput/inputList/projection and Simulation")


def _require(elem, attr):
    value = elem.get(attr)
    if value is None or not value.strip():
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: missing attribute {attr!r}")
    return value.strip()


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
    for elem in root:
        if not isinstance(elem.tag, str):  # comments, processing instructions
            continue
        tag = _tag(elem)
        if tag in ("Include", "include"):
            name = _require(elem, "file" if tag == "Include" else "href")
            if os.path.basename(name) in CORE_INCLUDES and not os.path.exists(os.path.join(base, name)):
                continue
            inc = _include_path(elem, tag, name, base, top)
            if not os.path.exists(inc):
                raise NeuroMLError(f"<{tag}> in {_where(elem)}: included file {name!r} not found "
                                   f"(looked for {inc})")
            _read_into(model, inc, seen, top)
        elif tag == "ComponentType":
            model.component_types[_require(elem, "name")] = _where(elem)
        elif tag in _CELLS:
            spec = CellSpec(_require(elem, "id"), tag, {a: _quantity(elem, a, d) for a, d in _CELL_ATTRS[tag].items()},
                            _where(elem))
            _add_unique(model.cells, spec, elem, model)
        elif tag in model.component_types:
            # A component of a ComponentType the files define: PyLEMS translates it at run time.
            attrs = {k: v for k, v in elem.attrib.items() if not k.startswith("_") and k != "id"}
            _add_unique(model.cells, CellSpec(_require(elem, "id"), tag, attrs, _where(elem)), elem, model)
        elif tag in _FIRING_INPUTS:
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
            _add_unique(model.inputs, InputSpec(_require(elem, "id"), tag, params, _where(elem), dict(params)), elem,
                        model)
        elif tag in _INPUTS:
            _add_unique(model.inputs, _read_input(elem, tag), elem, model)
        elif tag in _SOURCES:
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
            _add_unique(model.cells, CellSpec(_require(elem, "id"), tag, params, _where(elem)), elem, model)
        elif tag in _SYNAPSES:
            attrs = {k: v for k, v in elem.attrib.items() if not k.startswith("_") and k != "id"}
            _add_unique(model.synapses, CellSpec(_require(elem, "id"), tag, attrs, _where(elem)), elem, model)
        elif tag == "network":
            if model.network_id is not None:
                raise NeuroMLError(f"<network> in {_where(elem)}: only one network per model is supported "
                                   f"(already have {model.network_id!r})")
            model.network_id = _require(elem, "id")
            _read_network(model, elem)
        elif tag == "Simulation":
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
        elif tag == "Target":
            model.run_target = (_require(elem, "component"), _where(elem))
        elif tag in _IGNORED:
            continue
        else:
            raise _unsupported(elem, root)


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


def _children(elem):
    return [c for c in elem if isinstance(c.tag, str)]


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


def _int_attr(elem, attr):
    try:
        return int(_require(elem, attr))
    except ValueError:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={elem.get(attr)!r} is not an integer") from None


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
        if model.inputs[inp].kind in _FIRING_INPUTS:
            syn = model.inputs[inp].params["synapse"]
            if syn not in model.synapses or model.synapses[syn].kind == "gapJunction":
                raise NeuroMLError(f"{where}: {model.inputs[inp].kind} {inp!r} fires synapse {syn!r}, which is not a "
                                   f"chemical synapse of this model; synapses: {', '.join(model.synapses) or 'none'}")
        cell = model.cells[model.populations[pop].component]
        dl = model.inputs[inp].dimensionless
        if cell.kind in _CELLS and dl != (cell.kind == "izhikevichCell"):
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
                               f"{', '.join(_SYNAPSES)})")
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

def _check_run_size(model: NeuroMLModel, dt: float, T: float) -> None:
    """Refuse, before Brian2 builds anything, a run past :mod:`izh_brian.limits`: cells x steps, and the
    state arrays plus the traces the outputs and displays record (8 bytes a value)."""
    steps = grid_steps(dt, T)
    if steps is None:
        return  # the Simulation's own check names a bad step or length
    n = float(sum(pop.size for pop in model.populations.values()))
    columns = 0
    if model.simulation is not None:
        columns = sum(1 for e in model.simulation.iter() if isinstance(e.tag, str) and _tag(e) in ("OutputColumn", "Line"))
    check_work(what=f"{model.path}", n_neurons=n, n_steps=steps, bytes_estimate=8.0 * (32 * n + columns * steps),
               bytes_detail=f"{n:.6g} cells' state and {columns} recorded columns x {steps:.6g} steps")


def run_model(model: NeuroMLModel, *, duration_ms=None, dt_ms=None, codeobj_class=None, record=None) -> NeuroMLRun:
    """Simulate a model read by :func:`read_model` with Brian2, as jNeuroML integrates it.

    Parameters
    ----------
    model : NeuroMLModel
    duration_ms, dt_ms : float, optional
        Override the file's Simulation length and step (required when the
        file has no Simulation).

    Returns
    -------
    NeuroMLRun
        Spike times (ms) per population and cell.

    Raises
    ------
    NeuroMLError
        No Simulation settings, or no populations.
    """

    T = model.duration_ms if duration_ms is None else float(duration_ms)
    dt = model.dt_ms if dt_ms is None else float(dt_ms)
    if T is None or dt is None:
        raise NeuroMLError(f"{model.path}: no <Simulation> with length and step; give duration_ms and dt_ms")
    if not model.populations:
        raise NeuroMLError(f"{model.path}: no <population> to simulate")
    _check_run_size(model, dt, T)
    # jLEMS keeps time in seconds as a running sum of the step, so an input
    # edge that falls on the grid switches on the step that sum decides.
    dt_s = model.dt_s if (dt_ms is None and model.dt_s is not None) else dt * 1e-3
    try:
        lems_model = load_lems(model.path, bare_neuroml=model.root_tag == "neuroml")
        outputs = read_outputs(model)
        wanted = list(record or [])
        for spec in outputs:
            if spec.kind == "OutputFile":
                wanted += [(pop, idx, var) for _cid, pop, idx, var in spec.columns if (pop, idx, var) not in wanted]
        shown = [(pop, idx, var) for _d, _t, lines in read_displays(model) for _l, pop, idx, var, _s, _c in lines]
        steps, traces = run_network(model, lems_model, T_ms=T, dt_ms=dt, dt_s=dt_s, codeobj_class=codeobj_class,
                                    record=wanted, optional_record=shown)
    except LEMSTypeError as exc:
        raise NeuroMLError(f"{model.path}: {exc}") from None
    sizes = {pid: pop.size for pid, pop in model.populations.items()}
    run = NeuroMLRun(T, dt, {pid: [np.asarray(c, dtype=float) * dt for c in cells] for pid, cells in steps.items()},
                     sizes)
    run.spike_steps = steps
    run.traces = traces
    run.outputs = outputs
    run.dt_s = dt_s
    return run


def run_file(path, **kwargs) -> NeuroMLRun:
    """:func:`read_model` then :func:`run_model`."""
    return run_model(read_model(path), **kwargs)


# ----------------------------------------------------------------------------- writing

def _fmt(x: float) -> str:
    x = float(x)
    return repr(0.0 if x == 0 else x)


def _grid_inputs(p, n: int):
    """NeuroML generators reproducing the preset's sampled protocol on its grid ``t_j = j dt``.

    Windows are the runs of grid samples inside each piece; their edges sit
    half a step between grid points.
    """

    dt = p.dt
    t = time_grid_ms(dt, p.duration)
    gens = []
    base = p.stimulus.baseline
    end = (n + 1) * dt  # beyond the last sample the file's Simulation asks for
    if base != 0:
        gens.append(("pulseGeneratorDL", {"delay": 0.0, "duration": end + dt, "amplitude": base}))
    for piece in p.stimulus.pieces:
        on = np.flatnonzero(piece.mask(t))
        if on.size == 0:
            continue
        if np.any(np.diff(on) != 1):
            raise ValueError(f"preset {p.name!r}: a window of its protocol is not contiguous on the grid")
        j0, j1 = int(on[0]), int(on[-1]) + 1
        delay = (j0 - 0.5) * dt
        stop = (j1 - 0.5) * dt if j1 < len(t) else end
        duration = stop - delay
        if piece.gain == 0:
            gens.append(("pulseGeneratorDL", {"delay": delay, "duration": duration, "amplitude": piece.value - base}))
        else:
            gens.append(("rampGeneratorDL", {
                "delay": delay, "duration": duration,
                "startAmplitude": float(piece.values(np.array([delay]))[0]) - base,
                "finishAmplitude": float(piece.values(np.array([stop]))[0]) - base,
                "baselineAmplitude": 0.0,
            }))
    return gens


def as_2007_form(p) -> dict:
    r"""The ``izhikevich2007Cell`` that is exactly preset ``p`` (book units: pF, nS/mV, mV, 1/ms, nS, pA).

    With :math:`C` = 1 pF a current of 1 pA moves v by 1 mV/ms, so the
    paper's implicit units carry over. The 2003 form
    :math:`v' = k_2 v^2 + k_1 v + k_0 - u + I,\ u' = a (b v - u)` equals the
    2007 form :math:`C v' = k (v - v_r)(v - v_t) - u_7 + I,    u_7' = a (b (v - v_r) - u_7)` with :math:`k = k_2`,
    :math:`u_7 = u - b v_r`, and :math:`v_r, v_t` the roots of

    .. math::

        k_2 v_r^2 + (k_1 - b) v_r + k_0 = 0, \qquad v_t = -k_1/k_2 - v_r.

    NeuroML's cell starts at :math:`u_7 = 0`, so the root must be
    :math:`v_r = V_0` when :math:`u_0 = b V_0`: this holds for the class-1
    presets (V0 = -60 mV, :math:`v_r` = -60, :math:`v_t` = -42.5 mV).

    Raises
    ------
    ValueError
        The variant has no ``-u`` in u' (accommodation), the roots are not
        real, or no root makes the initial state expressible.
    """

    k2, k1, k0, v_u, g_u = VARIANTS[p.variant]
    if g_u != 1.0 or v_u != 0.0:
        raise ValueError(f"preset {p.name!r} uses the {p.variant!r} equation variant (u' = a b (v + 65), no -u "
                         "term), which neither izhikevichCell nor izhikevich2007Cell can express")
    disc = (k1 - p.b) ** 2 - 4 * k2 * k0
    if disc < 0:
        raise ValueError(f"preset {p.name!r}: its equations have no real rest/threshold pair (vr, vt)")
    u0 = p.initial_u
    for root in sorted(((-(k1 - p.b) + sgn * math.sqrt(disc)) / (2 * k2) for sgn in (1, -1)),
                       key=lambda r: abs(u0 - p.b * r)):
        vr = round(root, 9)
        vt = round(-k1 / k2 - vr, 9)
        ok_poly = abs(k2 * vr * vt - (k0 - p.b * vr)) < 1e-9 and abs(-k2 * (vr + vt) - k1) < 1e-9
        if ok_poly and abs(u0 - p.b * vr) < 1e-12:
            return {"v0": p.V0, "C": 1.0, "k": k2, "vr": vr, "vt": vt, "vpeak": 30.0, "a": p.a, "b": p.b,
                    "c": p.c, "d": p.d}
    raise ValueError(f"preset {p.name!r}: izhikevich2007Cell starts at u = 0, which is not this preset's "
                     f"initial state u0 = {u0:g} in the 2007 form")


_2007_UNITS = {"v0": "mV", "C": "pF", "k": "nS_per_mV", "vr": "mV", "vt": "mV", "vpeak": "mV", "a": "per_ms",
               "b": "nS", "c": "mV", "d": "pA"}
_CELL_ORDER = ("izhikevichCell", "izhikevich2007Cell")
_INPUT_ORDER = ("pulseGenerator", "pulseGeneratorDL", "rampGenerator", "rampGeneratorDL")


def export_presets(names, path, *, network_id: str = "net", include_events: bool = True) -> tuple[str, str]:
    """Write presets as a NeuroML2 document and a LEMS simulation file that jNeuroML runs.

    Each preset of the standard form becomes an ``izhikevichCell`` (v0,
    thresh = 30 mV, a, b, c, d) driven by ``pulseGeneratorDL`` /
    ``rampGeneratorDL`` inputs; a class-1 preset (4.1 v + 108) becomes the
    equal ``izhikevich2007Cell`` of :func:`as_2007_form` (C = 1 pF) driven by
    ``pulseGenerator`` / ``rampGenerator`` in pA. Each gets a population
    ``pop_<name>`` of one cell; its inputs reproduce its protocol sample for
    sample on its grid (a baseline is one long pulse; a piece adds
    ``value - baseline``).
    The Simulation runs ``length = `` the longest duration at the presets'
    common ``step = dt``.

    Parameters
    ----------
    names : iterable of str
        Presets sharing one dt (any but accommodation).
    path : str
        The LEMS file to write; the NeuroML2 document goes beside it as
        ``<stem>.net.nml``.
    include_events : bool
        Add an EventOutputFile recording every cell's spikes
        (``<stem>.spikes.dat``, format TIME_ID, ids in population order).

    Returns
    -------
    (lems_path, nml_path)

    Raises
    ------
    ValueError
        Unknown preset; the accommodation preset (``u' = a b (v + 65)`` has no
        NeuroML core cell); presets of different dt; a preset whose initial u
        the cell types cannot start from.
    """

    presets = [get_preset(n) for n in names]
    if not presets:
        raise ValueError("give at least one preset to export")
    forms = {}
    for p in presets:
        if p.variant == "standard" and (p.u0 is None or p.u0 == p.b * p.V0):
            forms[p.name] = None
        else:
            forms[p.name] = as_2007_form(p)  # raises for what neither cell type can hold
    dts = sorted({p.dt for p in presets})
    if len(dts) > 1:
        groups = {dt: [p.name for p in presets if p.dt == dt] for dt in dts}
        raise ValueError("one export holds one Simulation step; these presets have different dt: "
                         + "; ".join(f"dt={dt:g} ms: {', '.join(ns)}" for dt, ns in groups.items()))
    if len({p.name for p in presets}) != len(presets):
        raise ValueError("a preset is named twice")
    dt = dts[0]
    length = max(p.duration for p in presets)
    n = max(n_steps(p.dt, p.duration) for p in presets)

    path = os.fspath(path)
    stem = os.path.basename(path)
    for suffix in (".xml", ".lems"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem.startswith("LEMS_"):
        stem = stem[5:]
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    nml_name = f"{stem}.net.nml"

    # The NeuroML2 document with libNeuroML, the LEMS file with pyNeuroML's LEMSSimulation.
    import neuroml
    from neuroml.writers import NeuroMLWriter
    from pyneuroml.lems import LEMSSimulation

    doc = neuroml.NeuroMLDocument(id=stem, notes="Izhikevich presets exported by izh_brian "
                                                 "(figure1.m / izhi2003.m protocols).")
    net = neuroml.Network(id=network_id)
    make_input = {"pulseGeneratorDL": (neuroml.PulseGeneratorDL, doc.pulse_generator_dls),
                  "rampGeneratorDL": (neuroml.RampGeneratorDL, doc.ramp_generator_dls),
                  "pulseGenerator": (neuroml.PulseGenerator, doc.pulse_generators),
                  "rampGenerator": (neuroml.RampGenerator, doc.ramp_generators)}
    snake = {"startAmplitude": "start_amplitude", "finishAmplitude": "finish_amplitude",
             "baselineAmplitude": "baseline_amplitude"}
    for p in presets:
        form = forms[p.name]
        if form is None:
            doc.izhikevich_cells.append(neuroml.IzhikevichCell(
                id=p.name, v0=f"{_fmt(p.V0)}mV", thresh="30mV", a=_fmt(p.a), b=_fmt(p.b), c=_fmt(p.c), d=_fmt(p.d)))
        else:
            doc.izhikevich2007_cells.append(neuroml.Izhikevich2007Cell(
                id=p.name, **{key: f"{_fmt(form[key])}{unit}" for key, unit in _2007_UNITS.items()}))
        net.populations.append(neuroml.Population(id=f"pop_{p.name}", component=p.name, size=1))
        for j, (kind, params) in enumerate(_grid_inputs(p, n)):
            gid = f"{p.name}_in{j}"
            unit = "" if form is None else "pA"
            if form is not None:
                kind = kind[:-2]  # pA generators for the 2007 form (C = 1 pF: 1 pA ~ 1 mV/ms)
            attrs = {snake.get(key, key): (f"{_fmt(value)}ms" if key in ("delay", "duration") else f"{_fmt(value)}{unit}")
                     for key, value in params.items()}
            cls, where = make_input[kind]
            where.append(cls(id=gid, **attrs))
            net.explicit_inputs.append(neuroml.ExplicitInput(target=f"pop_{p.name}[0]", input=gid,
                                                             destination="synapses"))
    doc.networks.append(net)
    NeuroMLWriter.write(doc, os.path.join(folder, nml_name))

    sim = LEMSSimulation("sim", length, dt, target=network_id)
    sim.include_neuroml2_file(nml_name, include_included=False, relative_to_dir=folder)
    if include_events:
        sim.create_event_output_file("spikes", f"{stem}.spikes.dat", format="TIME_ID")
        for i, p in enumerate(presets):
            sim.add_selection_to_event_output_file("spikes", i, f"pop_{p.name}[0]", "spike")
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        sim.save_to_file(file_name=path)
    return path, os.path.join(folder, nml_name)


# ----------------------------------------------------------------------------- outputs as jnml writes them

_QTY_BRACKET = re.compile(r"^\s*([A-Za-z_][\w.-]*)\[(\d+)\]/(\w+)\s*$")
_QTY_PATH = re.compile(r"^\s*([A-Za-z_][\w.-]*)/(\d+)/[\w.-]+/(\w+)\s*$")


@dataclass
class OutputSpec:
    """An ``OutputFile`` (columns of state variables) or ``EventOutputFile`` (spikes) of the Simulation."""

    id: str
    file_name: str
    kind: str  # "OutputFile" or "EventOutputFile"
    columns: list  # OutputFile: (column id, pop, index, variable); EventOutputFile: (event id, pop, index)
    format: str = "TIME_ID"
    where: str = ""


def read_outputs(model: NeuroMLModel) -> list:
    """The Simulation's OutputFiles and EventOutputFiles (quantities ``pop[i]/var`` or ``pop/i/cell/var``).

    Raises
    ------
    NeuroMLError
        A quantity of another form (e.g. an input's current ``pop[0]/input/I``), an unknown population or
        index, or an EventOutputFile format other than TIME_ID / ID_TIME.
    """
    outs = []
    sim = model.simulation
    if sim is None:
        return outs
    for elem in _children(sim):
        tag = _tag(elem)
        if tag == "OutputFile":
            spec = OutputSpec(_require(elem, "id"), _require(elem, "fileName"), tag, [], where=_where(elem))
            for col in _children(elem):
                if _tag(col) != "OutputColumn":
                    raise _unsupported(col, elem)
                q = _require(col, "quantity")
                mt = _QTY_BRACKET.match(q) or _QTY_PATH.match(q)
                if not mt:
                    raise NeuroMLError(f"<OutputColumn> in {_where(col)}: quantity {q!r} is not a cell's state "
                                       "variable ('pop[i]/var' or 'pop/i/cell/var'); inputs' and synapses' "
                                       "quantities are not recorded")
                pop, idx, var = mt.group(1), int(mt.group(2)), mt.group(3)
                _check_cell(model, col, pop, idx)
                spec.columns.append((_require(col, "id"), pop, idx, var))
            outs.append(spec)
        elif tag == "EventOutputFile":
            fmt = elem.get("format", "TIME_ID")
            if fmt not in ("TIME_ID", "ID_TIME"):
                raise NeuroMLError(f"<EventOutputFile> in {_where(elem)}: format={fmt!r}; allowed: TIME_ID, ID_TIME")
            spec = OutputSpec(_require(elem, "id"), _require(elem, "fileName"), tag, [], fmt, _where(elem))
            for sel in _children(elem):
                if _tag(sel) != "EventSelection":
                    raise _unsupported(sel, elem)
                if sel.get("eventPort", "spike") != "spike":
                    raise NeuroMLError(f"<EventSelection> in {_where(sel)}: eventPort={sel.get('eventPort')!r}; "
                                       "only 'spike' is recorded")
                pop, idx = _parse_target(sel, _require(sel, "select"))
                _check_cell(model, sel, pop, idx)
                spec.columns.append((_require(sel, "id"), pop, idx))
            outs.append(spec)
    return outs


def _check_cell(model, elem, pop, idx):
    if pop not in model.populations:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: unknown population {pop!r}; populations: "
                           f"{', '.join(model.populations) or 'none'}")
    if not 0 <= idx < model.populations[pop].size:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: cell index {idx} out of range for population "
                           f"{pop!r} of size {model.populations[pop].size}")


def _java_float(x: float) -> str:
    """``x`` as jLEMS writes output values: Java's ``Float.toString`` of the single-precision number
    (shortest digits that give the float back; ``E`` notation below 1e-3 and from 1e7): 0.0, -0.057716597,
    2.5E-5."""
    v = np.float32(x)
    if v == 0:
        return "-0.0" if np.signbit(v) else "0.0"
    if 1e-3 <= abs(v) < 1e7:
        s = np.format_float_positional(v, unique=True, trim="0")
        return s if not s.endswith(".") else s + "0"
    mant, exp = np.format_float_scientific(v, unique=True, trim="0").split("e")
    if mant.endswith("."):
        mant += "0"
    if "." not in mant:
        mant += ".0"
    return f"{mant}E{int(exp)}"


def output_paths(model: NeuroMLModel, folder: str, outputs=None) -> list:
    """``[(spec, path)]`` of the Simulation's output files, each checked to lie inside ``folder``.

    A model file is often someone else's: its ``fileName`` attributes must not write anywhere else. An
    absolute name, a name with ``..`` that leaves the folder, or a name whose existing folders or file are
    links leading out of it is refused (:class:`NeuroMLError` naming the element, the file and the line)
    before anything runs or is written.
    """
    root = os.path.realpath(folder)
    out = []
    for spec in outputs if outputs is not None else read_outputs(model):
        name = spec.file_name
        what = f"<{spec.kind} id={spec.id!r}> in {spec.where}: fileName {name!r}"
        if not name or os.path.isabs(name) or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            raise NeuroMLError(f"{what} is not a relative file name; output files are written only inside the "
                               f"output folder ({folder})")
        path = os.path.join(root, name)
        real = os.path.realpath(path)
        if real == root or os.path.commonpath([real, root]) != root:
            raise NeuroMLError(f"{what} leaves the output folder ({folder}); give a name inside it")
        out.append((spec, path))
    return out


def write_outputs(model: NeuroMLModel, run: "NeuroMLRun", folder: str) -> list:
    """Write the Simulation's OutputFiles and EventOutputFiles as jNeuroML does, under ``folder``.

    OutputFile: one row per step from t = 0, ``time<TAB>value<TAB>...<TAB>`` in SI units.
    EventOutputFile: one line per spike, ``time<TAB>id`` (TIME_ID) or ``id<TAB>time`` (ID_TIME), seconds,
    in time order. Every name is checked (:func:`output_paths`) before the first file is written.
    Returns the paths written.
    """
    written = []
    outs = getattr(run, "outputs", None) or read_outputs(model)
    dt_s = run.dt_s
    for spec, path in output_paths(model, folder, outs):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        if spec.kind == "OutputFile":
            cols = [run.traces[(pop, idx, var)] for _cid, pop, idx, var in spec.columns]
            n = len(cols[0]) if cols else 0
            with open(path, "w") as fh:
                for k in range(n):
                    t = _java_float(round(k * dt_s, 12))
                    fh.write(t + "\t" + "".join(_java_float(c[k]) + "\t" for c in cols) + "\n")
        else:
            events = []
            for eid, pop, idx in spec.columns:
                for step in run.spike_steps[pop][idx]:
                    events.append((int(step), eid))
            events.sort(key=lambda e: e[0])
            with open(path, "w") as fh:
                for step, eid in events:
                    t = _java_float(round(step * dt_s, 12))
                    fh.write(f"{t}\t{eid}\n" if spec.format == "TIME_ID" else f"{eid}\t{t}\n")
        written.append(path)
    return written


def read_displays(model: NeuroMLModel) -> list:
    """The Simulation's Displays: ``[(id, title, [(line id, pop, index, variable, scale, color)])]``.

    Lines whose quantity is not ``pop[i]/var`` or ``pop/i/cell/var`` (e.g. an input's current) are left out.
    """
    out = []
    sim = model.simulation
    if sim is None:
        return out
    for elem in _children(sim):
        if _tag(elem) != "Display":
            continue
        lines = []
        for line in _children(elem):
            if _tag(line) != "Line":
                continue
            mt = _QTY_BRACKET.match(line.get("quantity", "")) or _QTY_PATH.match(line.get("quantity", ""))
            if not mt or mt.group(1) not in model.populations:
                continue
            m = _QUANTITY.match(line.get("scale", "1"))
            unit = m.group(2) if m else ""
            scale = float(m.group(1)) * _UNITS.get(unit, (1.0, ""))[0] if m else 1.0
            lines.append((line.get("id", ""), mt.group(1), int(mt.group(2)), mt.group(3), scale or 1.0,
                          line.get("color")))
        out.append((elem.get("id", ""), elem.get("title", elem.get("id", "")), lines))
    return out


def plot_displays(model: NeuroMLModel, run: "NeuroMLRun", path: str) -> str:
    """Draw the Simulation's Displays (one panel each; each Line in its ``scale`` against time in ms) to
    ``path``; lines of quantities that are not cell state variables are not drawn."""
    from matplotlib.figure import Figure

    displays = [d for d in read_displays(model) if any((p, i, v) in run.traces for _l, p, i, v, _s, _c in d[2])]
    if not displays:
        raise NeuroMLError(f"{model.path}: the Simulation has no Display with a line of a cell's state variable "
                           "to plot")
    fig = Figure(figsize=(8, 2.2 * len(displays)), layout="constrained")
    axes = fig.subplots(len(displays), 1, squeeze=False)[:, 0]
    t_ms = np.arange(round(run.duration_ms / run.dt_ms) + 1) * run.dt_ms
    for ax, (did, title, lines) in zip(axes, displays):
        for lid, pop, idx, var, scale, color in lines:
            y = run.traces.get((pop, idx, var))
            if y is None:
                continue
            ax.plot(t_ms[: len(y)], np.asarray(y) / scale, lw=0.8, label=lid or f"{pop}[{idx}]/{var}",
                    color=color if color and color.startswith("#") else None)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("t (ms)")
    fig.savefig(path, dpi=110)
    return path


_SIM_SELF_CLOSING = re.compile(r"<Simulation\b([^>]*?)/>", re.S)


def run_lems_spikes(lems_path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> dict:
    """Run a LEMS file in jNeuroML and return every cell's spike times.

    Returns
    -------
    dict
        ``{population id: [array of spike times in ms, one per cell]}``.

    Raises
    ------
    JNeuroMLError, NeuroMLError
    """
    lems_path = os.path.abspath(os.fspath(lems_path))
    model = read_model(lems_path)  # checks the file, lists the populations
    cells = [(pid, i) for pid, pop in model.populations.items() for i in range(pop.size)]
    base = os.path.dirname(lems_path)
    with open(lems_path, encoding="utf-8") as fh:
        text = fh.read()
    with tempfile.TemporaryDirectory(prefix="izh_jnml_") as tmp:
        output_paths(model, tmp)  # jnml writes the model's own output files: only inside tmp
        events = os.path.join(tmp, "izh_spikes.dat")
        # populationList populations are addressed as pop/i/component, the others as pop[i].
        def path(pid, i):
            pop = model.populations[pid]
            return f"{pid}/{i}/{pop.component}" if pop.locations else f"{pid}[{i}]"

        sel = "".join(f'\n  <EventSelection id="{k}" select="{path(pid, i)}" eventPort="spike"/>'
                      for k, (pid, i) in enumerate(cells))
        block = f'<EventOutputFile id="izh_brian_spikes" fileName="{events}" format="TIME_ID">{sel}\n</EventOutputFile>\n'

        def absolute(m):
            name = m.group(3)
            if os.path.basename(name) in CORE_INCLUDES and not os.path.exists(os.path.join(base, name)):
                return m.group(0)
            return f"{m.group(1)}{m.group(2)}{os.path.join(base, name)}{m.group(2)}"

        text = re.sub(r"""(<Include\s+file\s*=\s*)(["'])(.+?)\2""", absolute, text)
        text = _SIM_SELF_CLOSING.sub(lambda m: f"<Simulation{m.group(1)}></Simulation>", text, count=1)
        at = text.rfind("</Simulation>")
        if at < 0:
            raise JNeuroMLError(f"{lems_path}: no <Simulation> element to run")
        text = text[:at] + block + text[at:]
        # The file's own outputs are written in the temporary folder: create their sub-folders.
        for out in (model.simulation if model.simulation is not None else []):
            name = out.get("fileName") if isinstance(out.tag, str) else None
            if name and not os.path.isabs(name) and os.path.dirname(name):
                os.makedirs(os.path.join(tmp, os.path.dirname(name)), exist_ok=True)
        copy = os.path.join(tmp, os.path.basename(lems_path))
        with open(copy, "w", encoding="utf-8") as fh:
            fh.write(text)
        run_jneuroml(copy, timeout_s=timeout_s, cwd=tmp)
        if not os.path.exists(events):
            raise JNeuroMLError(f"jNeuroML wrote no spike file for {lems_path}")
        data = np.loadtxt(events, ndmin=2) if os.path.getsize(events) else np.zeros((0, 2))
    out = {pid: [np.zeros(0) for _ in range(pop.size)] for pid, pop in model.populations.items()}
    for k, (pid, i) in enumerate(cells):
        out[pid][i] = np.sort(data[data[:, 1] == k, 0]) * 1e3 if len(data) else np.zeros(0)
    return out
