"""The records of a NeuroML/LEMS model: what :func:`izh_brian.lems.read_model` finds and what a run returns.

Also the two errors (:class:`NeuroMLError` for a file, :class:`LEMSTypeError` for a ComponentType) and the
element kinds the engine knows, named once. See docs/neuroml.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["NeuroMLError", "LEMSTypeError", "CellSpec", "InputSpec", "PopulationSpec", "ProjectionSpec",
           "NeuroMLModel", "NeuroMLRun", "OutputSpec", "CELL_KINDS", "INPUT_KINDS", "SYNAPSE_KINDS",
           "SOURCE_KINDS", "POISSON_KINDS", "FIRING_KINDS"]


class NeuroMLError(ValueError):
    """A NeuroML/LEMS file this module cannot read: the message names element, file and line."""


class LEMSTypeError(ValueError):
    """A LEMS ComponentType (or use of one) that this translator does not support; the message says why."""


#: The NeuroML core cells read directly (other cells are components of ComponentTypes the files define).
CELL_KINDS = ("izhikevichCell", "izhikevich2007Cell")
#: Generators: time-only currents.
INPUT_KINDS = ("pulseGeneratorDL", "rampGeneratorDL", "pulseGenerator", "rampGenerator", "sineGeneratorDL",
               "sineGenerator", "compoundInputDL", "compoundInput")
SYNAPSE_KINDS = ("expOneSynapse", "expTwoSynapse", "alphaSynapse", "gapJunction")
#: Spike sources a population can hold (they drive projections).
SOURCE_KINDS = ("spikeArray", "spikeGenerator", "spikeGeneratorPoisson", "spikeGeneratorRefPoisson",
                "spikeGeneratorRandom")
#: Inputs that fire a synapse of their own at random (Inputs.xml): the current is weight * the synapse's i.
POISSON_KINDS = ("poissonFiringSynapse", "transientPoissonFiringSynapse")
#: Inputs that fire a synapse of their own: at random, or at the times of their ``spike`` children.
FIRING_KINDS = POISSON_KINDS + ("timedSynapticInput",)


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
    """What :func:`~izh_brian.lems.read_model` found: components, the network and the simulation settings."""

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


@dataclass
class OutputSpec:
    """An ``OutputFile`` (columns of state variables) or ``EventOutputFile`` (spikes) of the Simulation."""

    id: str
    file_name: str
    kind: str  # "OutputFile" or "EventOutputFile"
    columns: list  # OutputFile: (column id, pop, index, variable); EventOutputFile: (event id, pop, index)
    format: str = "TIME_ID"
    where: str = ""
