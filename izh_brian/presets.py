"""The reference presets: the 20 panels of Izhikevich (2004) Fig. 1 and the 8 classes of (2003) Fig. 2.

Each :class:`Preset` is one frozen record holding the neuron (a, b, c, d, the
equation variant), its initial state, the exact input protocol and the
integration grid of the program that drew the figure (figure1.m; for 2003
Fig. 2 the Open Source Brain reconstruction izhi2003.m). ``PRESETS`` maps the
canonical names to the records, in the papers' order.

The ``*_fine`` presets are the adjusted protocols other projects use at
dt = 0.01 ms (Open Source Brain's PyNN and NeuroML versions), for the panels
whose look depends on the published dt.

References
----------
E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural
Networks 14(6):1569-1572, 2003.
E. M. Izhikevich, "Which model to use for cortical spiking neurons?", IEEE
Trans. Neural Networks 15(5):1063-1070, 2004.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace

from izh_brian.model.equations import VARIANTS
from izh_brian.stimuli import Piece, Stimulus

__all__ = [
    "Preset",
    "PRESETS",
    "REFERENCE_PRESETS",
    "FINE_PRESETS",
    "UnknownPresetError",
    "get_preset",
    "preset_names",
    "OVERRIDABLE",
    "with_overrides",
]

INF = math.inf


class UnknownPresetError(KeyError, ValueError):
    """An unknown preset name; the message lists the closest names."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Preset:
    """One reference protocol: a neuron, its initial state, its input and its grid.

    Attributes
    ----------
    name : str
        Canonical name (``tonic_spiking``, ``RS``, ...).
    paper : str
        ``"2004"`` (Fig. 1) or ``"2003"`` (Fig. 2).
    panel : str
        Panel letter of 2004 Fig. 1 (A-T) or class label of 2003 Fig. 2.
    a, b, c, d : float
        Time scale of u (1/ms), sensitivity of u to v, reset of v (mV), reset
        increment of u (mV/ms).
    V0 : float
        Initial membrane potential (mV).
    u0 : float or None
        Initial recovery variable (mV/ms); ``None`` means ``b*V0``.
    dt : float
        Integration step (ms) of the paper's program (figure1.m: tau).
    duration : float
        Simulated time T (ms); the grid ``0:dt:T`` includes T.
    stimulus : Stimulus
        The input protocol I(t) (mV/ms).
    variant : str
        ``standard``, ``class1`` (4.1 V + 108) or ``accommodation`` (u' = a b (V + 65)).
    description : str
        The phenomenon in one line.
    """

    name: str
    paper: str
    panel: str
    a: float
    b: float
    c: float
    d: float
    V0: float
    dt: float
    duration: float
    stimulus: Stimulus
    description: str
    u0: float | None = None
    variant: str = "standard"
    title: str = field(default="", compare=False)

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; allowed: {', '.join(VARIANTS)}")

    @property
    def initial_u(self) -> float:
        """Initial u: ``u0`` if given, else ``b*V0``."""
        return self.b * self.V0 if self.u0 is None else self.u0

    # Unit-suffixed names (the convention of Result, NetworkSpec and the JSON outputs) for the
    # fields that keep the papers' symbols (dt, T as duration, V0).
    @property
    def dt_ms(self) -> float:
        """``dt`` (ms), the name used by Result, NetworkSpec and the JSON outputs."""
        return self.dt

    @property
    def duration_ms(self) -> float:
        """``duration`` (ms), as in the JSON outputs."""
        return self.duration

    @property
    def v0_mV(self) -> float:
        """``V0`` (mV)."""
        return self.V0

    @property
    def label(self) -> str:
        """Figure label, e.g. ``(A) tonic spiking``."""
        return f"({self.panel}) {self.title or self.name.replace('_', ' ')}"

    def to_dict(self) -> dict:
        """A JSON-ready summary."""
        return {
            "name": self.name,
            "paper": self.paper,
            "panel": self.panel,
            "a": self.a,
            "b": self.b,
            "c": self.c,
            "d": self.d,
            "V0": self.V0,
            "u0": self.initial_u,
            "dt_ms": self.dt,
            "duration_ms": self.duration,
            "variant": self.variant,
            "stimulus": self.stimulus.describe(),
            "description": self.description,
        }


def _step(amp, onset, baseline=0.0):
    return Stimulus(baseline, (Piece(onset, INF, amp),))


def _pulses(amp, starts, width, baseline=0.0):
    return Stimulus(baseline, tuple(Piece(s, s + width, amp) for s in starts))


_S_T = Stimulus(80.0, (Piece(50.0, 250.0, 75.0, closed_start=True, closed_stop=True),), "80 for t < 50 or t > 250, else 75")
_S_T_FINE = Stimulus(80.0, (Piece(50.0, 170.0, 75.0, closed_start=True, closed_stop=True),), "80 for t < 50 or t > 170, else 75")
_T1_L = 100.0 / 11.0

_FIG1 = [
    # name, panel, a, b, c, d, V0, dt, T, stimulus, description, extra
    ("tonic_spiking", "A", 0.02, 0.2, -65, 6, -70, 0.25, 100, _step(14.0, 10.0),
     "A sustained step makes the neuron fire a regular train of spikes for as long as the input lasts.", {}),
    ("phasic_spiking", "B", 0.02, 0.25, -65, 6, -64, 0.25, 200, _step(0.5, 20.0),
     "The neuron fires a single spike at the onset of the step and then stays quiet.", {}),
    ("tonic_bursting", "C", 0.02, 0.2, -50, 2, -70, 0.25, 220, _step(15.0, 22.0),
     "A step makes the neuron fire bursts of spikes periodically (chattering).", {}),
    ("phasic_bursting", "D", 0.02, 0.25, -55, 0.05, -64, 0.2, 200, _step(0.6, 20.0),
     "The neuron fires one burst at the onset of the step, then stays quiet.", {}),
    ("mixed_mode", "E", 0.02, 0.2, -55, 4, -70, 0.25, 160, _step(10.0, 16.0),
     "An initial burst at step onset is followed by tonic single spikes.", {}),
    ("spike_frequency_adaptation", "F", 0.01, 0.2, -65, 8, -70, 0.25, 85, _step(30.0, 8.5),
     "Tonic firing whose frequency decreases during the step.", {}),
    ("class_1_excitable", "G", 0.02, -0.1, -55, 6, -60, 0.25, 300,
     Stimulus(0.0, (Piece(30.0, INF, 0.0, gain=0.075),), "0.075 (t - 30) for t > 30, else 0"),
     "On a slow ramp the neuron starts firing at an arbitrarily low rate that grows with the current.",
     {"variant": "class1", "title": "Class 1 excitable"}),
    ("class_2_excitable", "H", 0.2, 0.26, -65, 0, -64, 0.25, 300,
     Stimulus(-0.5, (Piece(30.0, INF, -0.5, gain=0.015),), "-0.5 + 0.015 (t - 30) for t > 30, else -0.5"),
     "On a slow ramp the neuron starts firing at a clearly positive rate (40 Hz or more), not near zero.",
     {"title": "Class 2 excitable"}),
    ("spike_latency", "I", 0.02, 0.2, -65, 6, -70, 0.2, 100, _pulses(7.04, [10.0], 3.0),
     "A brief pulse just above threshold makes the neuron spike after a long delay.", {}),
    ("subthreshold_oscillations", "J", 0.05, 0.26, -60, 0, -62, 0.25, 200, _pulses(2.0, [20.0], 5.0),
     "A brief pulse makes the neuron spike and then show damped oscillations of its potential.", {}),
    ("resonator", "K", 0.1, 0.26, -60, -1, -62, 0.25, 400, _pulses(0.65, [40.0, 60.0, 280.0, 320.0], 4.0),
     "A pair of pulses spaced at the resonant period makes a spike; the same pulses further apart do not.", {}),
    ("integrator", "L", 0.02, -0.1, -55, 6, -60, 0.25, 100,
     _pulses(9.0, [_T1_L, _T1_L + 5.0, 70.0, 80.0], 2.0),
     "Two closely spaced pulses add up to a spike; the same pulses far apart do not.", {"variant": "class1"}),
    ("rebound_spike", "M", 0.03, 0.25, -60, 4, -64, 0.2, 200, _pulses(-15.0, [20.0], 5.0),
     "A neuron released from an inhibitory pulse fires one rebound spike.", {}),
    ("rebound_burst", "N", 0.03, 0.25, -52, 0, -64, 0.2, 200, _pulses(-15.0, [20.0], 5.0),
     "A neuron released from an inhibitory pulse fires a rebound burst.", {}),
    ("threshold_variability", "O", 0.03, 0.25, -60, 4, -64, 0.25, 100,
     Stimulus(0.0, (Piece(10.0, 15.0, 1.0), Piece(70.0, 75.0, -6.0), Piece(80.0, 85.0, 1.0)),
              "+1 for 10 < t < 15 and 80 < t < 85; -6 for 70 < t < 75"),
     "A pulse that is subthreshold at rest elicits a spike when it follows a brief inhibition.", {}),
    ("bistability", "P", 0.1, 0.26, -60, 0, -61, 0.25, 300,
     Stimulus(0.24, (Piece(37.5, 42.5, 1.24), Piece(216.0, 221.0, 1.24)), "0.24; 1.24 for 37.5 < t < 42.5 and 216 < t < 221"),
     "A pulse switches the neuron from rest to tonic firing; a second, well-timed pulse switches it back.", {}),
    ("depolarizing_after_potential", "Q", 1.0, 0.2, -60, -21, -70, 0.1, 50, _pulses(20.0, [9.0], 2.0),
     "After a spike the potential stays depolarised for a while (DAP) instead of resetting far below threshold.",
     {"title": "DAP"}),
    ("accommodation", "R", 0.02, 1.0, -55, 4, -65, 0.5, 400,
     Stimulus(0.0, (
         Piece(-INF, 200.0, 0.0, gain=1.0, divisor=25.0, origin=0.0),
         Piece(300.0, 312.5, 0.0, gain=4.0, divisor=12.5, closed_start=True),
     ), "t/25 for t < 200; 0 for 200 <= t < 300; 4 (t - 300)/12.5 for 300 <= t < 312.5; then 0"),
     "A slow ramp raises the threshold and causes no spike, while a fast ramp of smaller amplitude does.",
     {"u0": -16.0, "variant": "accommodation"}),
    ("inhibition_induced_spiking", "S", -0.02, -1, -60, 8, -63.8, 0.5, 350, _S_T,
     "The neuron is quiet at rest and fires tonic spikes only while it is hyperpolarised.", {}),
    ("inhibition_induced_bursting", "T", -0.026, -1, -45, -2, -63.8, 0.5, 350, _S_T,
     "The neuron is quiet at rest and fires bursts only while it is hyperpolarised.", {}),
]

_FIG2 = [
    ("RS", "RS", 0.02, 0.2, -65, 8, -63, 150, _step(14.0, 15.0),
     "Regular spiking: an initial short interval, then adapting tonic spikes (most excitatory cortical cells)."),
    ("IB", "IB", 0.02, 0.2, -55, 4, -70, 150, _step(11.0, 15.0),
     "Intrinsically bursting: a burst at onset, then repetitive single spikes."),
    ("CH", "CH", 0.02, 0.2, -50, 2, -70, 150, _step(10.0, 15.0),
     "Chattering: repetitive bursts of closely spaced spikes at high frequency."),
    ("FS", "FS", 0.1, 0.2, -65, 2, -70, 150, _step(10.0, 15.0),
     "Fast spiking: high-frequency tonic spikes with practically no adaptation (inhibitory interneurons)."),
    ("TC", "TC", 0.02, 0.25, -65, 0.05, -63, 150, _step(1.5, 30.0),
     "Thalamo-cortical, depolarised: tonic firing when stepped up from rest."),
    ("TC_burst", "TC", 0.02, 0.25, -65, 0.05, -87, 150,
     Stimulus(0.0, (Piece(-INF, 45.0, -25.0, closed_stop=True),), "-25 for t <= 45, then 0"),
     "Thalamo-cortical, from hyperpolarisation: a rebound burst when the inhibition ends."),
    ("RZ", "RZ", 0.1, 0.26, -65, 2, -70, 100,
     Stimulus(-0.5, (Piece(-INF, 10.0, -2.0, closed_stop=True), Piece(60.0, 65.0, 10.0)),
              "-2 for t <= 10, then -0.5; 10 for 60 < t < 65"),
     "Resonator: damped subthreshold oscillations; a brief pulse elicits a spike."),
    ("LTS", "LTS", 0.02, 0.25, -65, 2, -63, 250, _step(10.0, 25.0),
     "Low-threshold spiking: high-frequency spikes with clear adaptation; bursts rebound easily."),
]


def _build():
    table = {}
    for name, panel, a, b, c, d, V0, dt, T, stim, desc, extra in _FIG1:
        table[name] = Preset(name=name, paper="2004", panel=panel, a=a, b=b, c=c, d=d, V0=V0, dt=dt,
                             duration=T, stimulus=stim, description=desc, **extra)
    for name, panel, a, b, c, d, V0, T, stim, desc in _FIG2:
        table[name] = Preset(name=name, paper="2003", panel=panel, a=a, b=b, c=c, d=d, V0=V0, dt=0.25,
                             duration=T, stimulus=stim, description=desc, title=name)
    return table


#: The 28 reference presets, in the papers' order.
REFERENCE_PRESETS: dict[str, Preset] = _build()


def _fine_presets(ref):
    """Adjusted protocols for dt = 0.01 ms (reference section 2, Open Source Brain)."""
    f = {}
    f["spike_latency_fine"] = replace(ref["spike_latency"], name="spike_latency_fine", dt=0.01,
                                      stimulus=_pulses(6.71, [10.0], 3.0))
    p = ref["bistability"]
    f["bistability_fine"] = replace(p, name="bistability_fine", dt=0.01, stimulus=Stimulus(
        0.24, (Piece(37.5, 42.5, 1.24), Piece(208.0, 213.0, 1.24)), "0.24; 1.24 for 37.5 < t < 42.5 and 208 < t < 213"))
    f["depolarizing_after_potential_fine"] = replace(ref["depolarizing_after_potential"],
                                                     name="depolarizing_after_potential_fine", dt=0.01, b=0.18)
    f["inhibition_induced_spiking_fine"] = replace(ref["inhibition_induced_spiking"],
                                                   name="inhibition_induced_spiking_fine", dt=0.01, stimulus=_S_T_FINE)
    f["inhibition_induced_bursting_fine"] = replace(ref["inhibition_induced_bursting"],
                                                    name="inhibition_induced_bursting_fine", dt=0.01,
                                                    stimulus=_S_T_FINE, d=-0.7)
    return f


#: Fine-dt variants of the fragile panels (not part of the 28 reference protocols).
FINE_PRESETS: dict[str, Preset] = _fine_presets(REFERENCE_PRESETS)

#: Every preset by canonical name.
PRESETS: dict[str, Preset] = {**REFERENCE_PRESETS, **FINE_PRESETS}

_LOWER = {k.lower(): k for k in PRESETS}

#: Preset fields that ``--set`` / ``simulate(**overrides)`` may change.
OVERRIDABLE = ("a", "b", "c", "d", "V0", "u0", "dt", "duration")


def preset_names(include_fine: bool = False) -> list[str]:
    """Canonical names in the papers' order (the 28 reference presets by default)."""
    return list(PRESETS if include_fine else REFERENCE_PRESETS)


def get_preset(name) -> Preset:
    """Look a preset up by name, case-insensitively; a Preset is returned unchanged.

    Raises
    ------
    UnknownPresetError
        If no preset has that name; the message lists the closest names.

    Examples
    --------
    >>> get_preset("Tonic_Bursting").panel
    'C'
    """
    if isinstance(name, Preset):
        return name
    key = str(name).strip().lower()
    if key in _LOWER:
        return PRESETS[_LOWER[key]]
    close = difflib.get_close_matches(key, list(_LOWER), n=4, cutoff=0.4)
    hint = f"closest: {', '.join(_LOWER[c] for c in close)}" if close else "see `izh-brian list`"
    raise UnknownPresetError(f"unknown preset {name!r}; {hint}")


def with_overrides(preset: Preset, **overrides) -> Preset:
    """A copy of ``preset`` with some of :data:`OVERRIDABLE` changed.

    ``u0`` follows ``b*V0`` unless the preset fixes it or it is overridden.
    Values must be finite numbers; ``dt`` must satisfy ``0 < dt <= duration``.
    """
    clean = {}
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in OVERRIDABLE:
            raise ValueError(f"unknown parameter {key!r}; allowed: {', '.join(OVERRIDABLE)}")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a number, got {value!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"{key} must be a finite number, got {value!r}")
        clean[key] = value
    new = replace(preset, **clean) if clean else preset
    if not (new.dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {new.dt!r}")
    if not (new.duration > 0):
        raise ValueError(f"duration must be > 0 ms, got {new.duration!r}")
    if new.dt > new.duration:
        raise ValueError(f"dt must be at most the duration ({new.duration} ms), got {new.dt!r}")
    return new
