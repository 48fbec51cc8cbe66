"""Firing patterns in words and in code: one validator per pattern (the features they read are in
:mod:`izh_brian.analysis.features`, the classifier in :mod:`izh_brian.analysis.classify`).

Izhikevich (2004, Fig. 1) names twenty "neuro-computational features"; this
module says what each of them *is*, as a predicate on the measurable features
of a simulated response (:func:`~izh_brian.analysis.features.response_features`:
spike counts and rates per stimulus epoch, latency, inter-spike intervals,
adaptation, bursts, rebound spikes, subthreshold oscillations, ramps):

1. **Validators**, one per preset (:data:`VALIDATORS`). Each one's docstring
   states the phenomenon; its code is a predicate on the features, with every
   threshold read from :data:`~izh_brian.analysis.tolerances.TOL`. Each
   returns a :class:`Verdict`: ok, the reasons (every condition, with the value
   measured), the features and the same conditions as :class:`Criterion`
   records (a stable name, the value, the required range and a hint for a
   student), which :mod:`izh_brian.teaching.check` reports for a student's own model.
2. **Specificity**: :func:`validation_matrix` applies every validator to every
   reference response (28 x 28); ``docs/patterns.md`` lists each off-diagonal
   acceptance with its reason. :data:`COUNTER_EXAMPLES` holds, per validator,
   parameter changes that remove the defining feature; the validator must
   reject them.

The eight cell classes of 2003 Fig. 2 and the classifier for arbitrary
(a, b, c, d) are :mod:`izh_brian.analysis.classify`'s.

Times are in ms, potentials in mV, currents in the paper's units (mV/ms).

References
----------
E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural
Networks 14(6):1569-1572, 2003.
E. M. Izhikevich, "Which model to use for cortical spiking neurons?", IEEE
Trans. Neural Networks 15(5):1063-1070, 2004.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from izh_brian.analysis.features import (
    _no_oscillation,
    detect_bursts,
    isi_features,
    protocol_boundaries,
    ramp_onset,
    response_features,
    subthreshold_oscillation,
)
from izh_brian.analysis.tolerances import TOL
from izh_brian.jsonutil import to_jsonable
from izh_brian.presets import preset_names
from izh_brian.simulation import simulate_many

__all__ = [
    "Verdict",
    "Criterion",
    "NEEDS_TRACE_HINT",
    "train_features",
    "validate_features",
    "VALIDATORS",
    "COUNTER_EXAMPLES",
    "validator_for",
    "validate",
    "validate_result",
    "validate_all",
    "validation_matrix",
]


#: The hint of a criterion that cannot be measured from spike times alone.
NEEDS_TRACE_HINT = "this criterion needs the voltage trace: pass t_ms and v_mV (or a StateMonitor)"


@dataclass(frozen=True)
class Criterion:
    """One condition of a validator, structured for a student.

    Attributes
    ----------
    name : str
        Stable snake_case name (``spikes_after_onset``, ``quiet_before_onset``,
        ``adaptation_ratio``, ...); the same name means the same measurement in
        every validator.
    value : float, int, bool or None
        What was measured (``None`` when it could not be measured, e.g. a
        criterion on the voltage trace when only spike times were given).
    required : str
        The range the value must lie in, as a short string (``">= 3"``,
        ``"== 0"``, ``"< 2 x 9.5 ms"``).
    ok : bool
        Whether the condition held.
    hint : str
        What to change when it failed, in one line; empty when it held.
    text : str
        The condition in words with the measured value (the verdict's reason, without the ``ok:`` prefix).
    """

    name: str
    value: object
    required: str
    ok: bool
    hint: str = ""
    text: str = ""

    def to_dict(self) -> dict:
        """``{"name", "value", "required", "ok", "hint"}``, JSON-ready."""
        return {"name": self.name, "value": to_jsonable(self.value), "required": self.required, "ok": bool(self.ok),
                "hint": self.hint}


@dataclass
class Verdict:
    """The outcome of one validator on one response.

    Attributes
    ----------
    pattern : str
        Name of the validator (the preset whose phenomenon it checks).
    ok : bool
        Whether every condition held.
    reasons : list of str
        Each condition, whether it held, and the measured value.
    features : dict
        The features the decision used (JSON-ready).
    criteria : list of Criterion
        The same conditions, structured: name, measured value, required
        range, ok and a hint for a student (not part of :meth:`to_dict`,
        whose fields are a released interface).
    """

    pattern: str
    ok: bool
    reasons: list = field(default_factory=list)
    features: dict = field(default_factory=dict)
    criteria: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """``{"pattern", "ok", "reasons", "features"}``, JSON-ready (``nan`` becomes ``None``)."""
        return {"pattern": self.pattern, "ok": bool(self.ok), "reasons": list(self.reasons),
                "features": to_jsonable(self.features)}


class _Checks:
    """Collects conditions: each adds a reason naming what was measured, and a :class:`Criterion`."""

    def __init__(self):
        self.reasons: list[str] = []
        self.criteria: list[Criterion] = []
        self.ok = True

    def require(self, cond, text: str, *, name: str | None = None, value=None, required: str = "",
                hint: str = ""):
        """Record one condition.

        ``name``, ``value`` and ``required`` describe it for :class:`Criterion`;
        ``hint`` (a string, or a callable of the value) is kept only when it fails.
        """
        cond = bool(cond)
        self.reasons.append(f"{'ok' if cond else 'FAILED'}: {text}")
        self.ok = self.ok and cond
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating,)):
            value = float(value)
        if callable(hint):
            hint = hint(value)
        self.criteria.append(Criterion(name=name or f"condition_{len(self.criteria) + 1}", value=value,
                                       required=required, ok=cond, hint="" if cond else str(hint), text=text))
        return cond


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def _step_epoch(f):
    """The depolarising step held to the end of the record, or None.

    The protocol must be: a rest epoch from t = 0, then a higher constant
    current from the onset to the end (figure1.m's steps).
    """
    ep = f["epochs"]
    if len(ep) != 2 or "I_mean" not in ep[0]:
        return None
    rest, step = ep
    if not (step["I_mean"] > rest["I_mean"] + TOL.current_jump and step["I_mean"] > 0
            and abs(step["I_last"] - step["I_first"]) < 1e-9):
        return None
    return step


def _spikes_in(f, lo, hi):
    st = np.asarray(f["spike_times_ms"], dtype=float)
    return st[(st >= lo) & (st <= hi)]


_PROTOCOL_HINT = ("the input is not this pattern's protocol: run the preset's own I(t), "
                  "izh_brian.get_preset(NAME).stimulus.at(t_ms), on the grid t = k*dt")


_FEW_SPIKES_HINT = "not measured: it needs at least 3 spikes after the onset"


def _spikes(n) -> str:
    return f"{n} spike" if n == 1 else f"{n} spikes"


def _adapt_hint(value) -> str:
    if value is None:
        return _FEW_SPIKES_HINT
    return ("the intervals do not lengthen enough: adaptation comes from u building up at each spike; "
            "a larger d or a slower u (smaller a) adapts more")


def _slow_hint(value) -> str:
    if value is None:
        return _FEW_SPIKES_HINT
    return "the steady rate is too high: a larger d (reset increment of u) slows the late firing"


def _fast_hint(value) -> str:
    if value is None:
        return _FEW_SPIKES_HINT
    return "the steady rate is too low: a fast u (a = 0.1) or a smaller d lets the neuron fire fast"


def _no_spike_hint(n) -> str:
    return ("no spike after the onset: check that I(t) reaches the neuron (the protocol's step) and the signs "
            "in dv/dt; more current or a smaller b makes it fire")


def _too_few_spikes(n) -> str:
    if not n:
        return _no_spike_hint(n)
    return (f"only {_spikes(n)} after the onset: firing stops early; a smaller d (reset increment of u) or "
            "more current keeps it going")


def _require_step(c, f):
    step = _step_epoch(f)
    c.require(step is not None, "protocol is a step up to a positive current held to the end "
              f"(epochs: {len(f['epochs'])})", name="step_protocol", value=len(f["epochs"]),
              required="2 epochs: rest, then a step held to the end", hint=_PROTOCOL_HINT)
    return step


def _train_in_step(f, step):
    st = _spikes_in(f, step["start_ms"], step["stop_ms"])
    isi = isi_features(st)
    bursts = detect_bursts(st, step["stop_ms"])
    return st, isi, bursts


def _late_period(st) -> float:
    """The longest of the last three inter-spike intervals: the period of the late pattern."""
    isis = np.diff(np.asarray(st, dtype=float))
    return float(np.max(isis[-3:])) if len(isis) else float("nan")


def _sustained(c, st, step, bursts=None):
    """Firing continues to the end of the step."""
    if len(st) < 2:
        return c.require(False, f"sustained firing needs at least 2 spikes in the step, got {len(st)}",
                         name="sustained_firing", value=None, required="firing up to the end of the step",
                         hint="fewer than 2 spikes during the step, so no sustained firing: more current "
                              "or a smaller b makes the neuron fire")
    silence = step["stop_ms"] - st[-1]
    if bursts and len(bursts) >= 2:
        period = float(np.mean(np.diff([b["start_ms"] for b in bursts])))
        return c.require(silence < TOL.sustain_factor * period,
                         f"bursting continues to the end of the step: silence at the end {_fmt(silence)} ms "
                         f"< {TOL.sustain_factor:g} x inter-burst period {_fmt(period)} ms",
                         name="sustained_bursting", value=float(silence),
                         required=f"< {TOL.sustain_factor:g} x {_fmt(period)} ms",
                         hint="bursting stops before the end of the step: u builds up too much; a smaller d "
                              "(reset increment of u) keeps it going")
    period = _late_period(st)
    return c.require(silence < TOL.sustain_factor * period,
                     f"firing continues to the end of the step: silence at the end {_fmt(silence)} ms "
                     f"< {TOL.sustain_factor:g} x late period {_fmt(period)} ms",
                     name="sustained_firing", value=float(silence),
                     required=f"< {TOL.sustain_factor:g} x {_fmt(period)} ms",
                     hint="firing stops before the end of the step: u builds up too much; a smaller d "
                          "(reset increment of u) or more current keeps it going")


def _quiet_before(c, f, t_ms, what="onset", name="quiet_before_onset"):
    n = len(_spikes_in(f, 0.0, t_ms - 1e-9))
    c.require(n == 0, f"no spike before the {what} at {_fmt(t_ms)} ms (got {n})", name=name, value=n,
              required="== 0", hint=f"{_spikes(n)} before the {what} at {_fmt(t_ms)} ms: the neuron is not at rest "
              "there; start from the preset's V0 with u0 = b*V0 and apply the protocol's current only in its window")
    return n == 0


def _tonic_core(c, f, *, allow_onset_burst=False):
    """Sustained regular firing during a step; returns (spikes, isi) or None."""
    step = _require_step(c, f)
    if step is None:
        return None
    _quiet_before(c, f, step["start_ms"], "step onset")
    st, isi, bursts = _train_in_step(f, step)
    c.require(len(st) >= TOL.tonic_min_spikes, f"at least {TOL.tonic_min_spikes} spikes during the step (got {len(st)})",
              name="spikes_after_onset", value=len(st), required=f">= {TOL.tonic_min_spikes}",
              hint=_too_few_spikes)
    _sustained(c, st, step)
    if not allow_onset_burst:
        c.require(len(bursts) == 0, f"no burst of >= {TOL.burst_min_spikes} spikes (got {len(bursts)})",
                  name="no_bursts", value=len(bursts), required="== 0",
                  hint="spikes come in bursts: a deeper reset (c about -65 mV) or a larger d gives single spikes")
    return st, isi, bursts, step


def tonic_spiking(f, c):
    """(A) Tonic spiking: while the input is on, the neuron continues to fire a train of spikes.

    Conditions: a step protocol; no spike before the step; at least
    ``tonic_min_spikes`` spikes during it; firing continues to the end of the
    step; the late intervals are regular (CV under ``regular_cv_max``); no
    bursts.
    """
    r = _tonic_core(c, f)
    if r is None:
        return
    st, isi, _, _ = r
    c.require(isi["late_cv_isi"] <= TOL.regular_cv_max if len(st) >= 4 else False,
              f"late ISIs regular: CV {_fmt(isi['late_cv_isi'])} <= {TOL.regular_cv_max:g}",
              name="late_isi_cv", value=isi["late_cv_isi"] if len(st) >= 4 else None,
              required=f"<= {TOL.regular_cv_max:g} (at least 4 spikes)",
              hint="the late intervals are not regular (or there are fewer than 4 spikes): tonic spiking "
                   "settles to a steady rhythm")


def phasic_spiking(f, c):
    """(B) Phasic spiking: the neuron fires a single spike at the onset of the input and remains quiescent afterwards.

    Conditions: a step protocol; no spike before it; exactly one spike during
    the step; it leaves at least ``phasic_quiet_fraction`` of the step silent.
    """
    step = _require_step(c, f)
    if step is None:
        return
    _quiet_before(c, f, step["start_ms"], "step onset")
    st = _spikes_in(f, step["start_ms"], step["stop_ms"])
    c.require(len(st) == 1, f"exactly one spike during the step (got {len(st)})", name="spikes_after_onset",
              value=len(st), required="== 1",
              hint=lambda n: _no_spike_hint(n) if n == 0 else
              f"{n} spikes where one is expected: after the first spike u must hold the neuron below threshold "
              "(Izhikevich 2004 Fig. 1B: b = 0.25 and a weak step of 0.5)")
    if len(st):
        quiet = (step["stop_ms"] - st[-1]) / (step["stop_ms"] - step["start_ms"])
        c.require(quiet >= TOL.phasic_quiet_fraction,
                  f"quiet after the spike for {_fmt(quiet)} of the step >= {TOL.phasic_quiet_fraction:g}",
                  name="quiet_after_response", value=float(quiet), required=f">= {TOL.phasic_quiet_fraction:g} of the step",
                  hint="the response comes late in the step: a phasic spike comes at the onset, then silence")


def _repetitive_bursts(c, f):
    step = _require_step(c, f)
    if step is None:
        return None
    _quiet_before(c, f, step["start_ms"], "step onset")
    st, isi, bursts = _train_in_step(f, step)
    c.require(len(bursts) >= 2, f"at least 2 bursts of >= {TOL.burst_min_spikes} spikes during the step (got {len(bursts)})",
              name="bursts_after_onset", value=len(bursts), required=">= 2",
              hint=lambda n: _no_spike_hint(0) if len(st) == 0 else
              f"{n} burst{'' if n == 1 else 's'}: a high reset (c about -50 mV) and a small d (about 2) make the neuron fire "
              "repeated bursts (Izhikevich 2004 Fig. 1C)")
    in_bursts = sum(b["n_spikes"] for b in bursts)
    # a burst still in progress when the step ends counts as a burst
    tail = st[st > bursts[-1]["stop_ms"]] if bursts else st
    if len(tail) and np.all(np.diff(tail) <= TOL.burst_isi_ms) and bursts:
        in_bursts += len(tail)
    c.require(in_bursts == len(st) and len(st) > 0,
              f"every spike belongs to a burst, or to one cut off by the end of the step ({in_bursts} of {len(st)})",
              name="spikes_outside_bursts", value=len(st) - in_bursts if len(st) else None, required="== 0",
              hint="single spikes between the bursts (or no spikes): every spike of a burster is part of a burst")
    _sustained(c, st, step, bursts)
    return bursts


def tonic_bursting(f, c):
    """(C) Tonic bursting: the neuron fires periodic bursts of spikes when stimulated (chattering).

    Conditions: a step protocol; no spike before it; at least two bursts;
    every spike in a burst (no single spikes between them); bursting
    continues to the end of the step.
    """
    _repetitive_bursts(c, f)


def phasic_bursting(f, c):
    """(D) Phasic bursting: the neuron transmits a single burst of spikes at the onset of the input and stays quiet.

    Conditions: a step protocol; no spike before it; exactly one burst, which
    is the first spike of the step; every spike of the step is in it; the
    rest of the step (at least ``phasic_quiet_fraction``) is silent.
    """
    step = _require_step(c, f)
    if step is None:
        return
    _quiet_before(c, f, step["start_ms"], "step onset")
    st, isi, bursts = _train_in_step(f, step)
    c.require(len(bursts) == 1, f"exactly one burst of >= {TOL.burst_min_spikes} spikes (got {len(bursts)})",
              name="bursts_after_onset", value=len(bursts), required="== 1",
              hint=lambda n: (_no_spike_hint(0) if len(st) == 0 else
                              f"no burst ({_spikes(len(st))}): a higher reset (c about -55 mV) and d near 0 let the "
                              "first spikes cluster (Izhikevich 2004 Fig. 1D)") if n == 0 else
              f"{n} bursts where one is expected: after the onset burst the neuron must stay quiet")
    if bursts:
        c.require(bursts[0]["n_spikes"] == len(st), f"all {len(st)} spikes of the step are in the burst "
                  f"({bursts[0]['n_spikes']})", name="spikes_outside_bursts", value=len(st) - bursts[0]["n_spikes"],
                  required="== 0", hint="spikes outside the onset burst: a phasic burster fires only its burst")
        quiet = (step["stop_ms"] - st[-1]) / (step["stop_ms"] - step["start_ms"])
        c.require(quiet >= TOL.phasic_quiet_fraction,
                  f"quiet after the burst for {_fmt(quiet)} of the step >= {TOL.phasic_quiet_fraction:g}",
                  name="quiet_after_response", value=float(quiet), required=f">= {TOL.phasic_quiet_fraction:g} of the step",
                  hint="firing goes on late into the step: a phasic burst comes at the onset, then silence")


def _burst_then_tonic(c, f):
    step = _require_step(c, f)
    if step is None:
        return
    _quiet_before(c, f, step["start_ms"], "step onset")
    st, isi, bursts = _train_in_step(f, step)
    first = bursts[0] if bursts else None
    c.require(first is not None and first["start_ms"] == (st[0] if len(st) else None),
              f"the response starts with a burst of >= {TOL.burst_min_spikes} spikes "
              f"(first burst: {first['n_spikes'] if first else 0} spikes)",
              name="onset_burst", value=first["n_spikes"] if first else 0,
              required=f">= {TOL.burst_min_spikes} spikes, opening the response",
              hint=_no_spike_hint(0) if not len(st) else
              "the response does not open with a burst: a higher reset (c about -55 mV) lets the first spikes "
              "cluster (Izhikevich 2004 Fig. 1E, 2003 Fig. 2 IB)")
    if first is None:
        return
    tail = st[st > first["stop_ms"]]
    c.require(len(bursts) == 1, f"only the onset is a burst (bursts: {len(bursts)})", name="bursts_after_onset",
              value=len(bursts), required="== 1",
              hint="bursts keep repeating: after the first burst u must be high enough for single spikes; "
                   "a larger d (about 4) or a lower c")
    c.require(len(tail) >= 2, f"at least 2 single spikes follow the burst (got {len(tail)})",
              name="spikes_after_burst", value=len(tail), required=">= 2",
              hint="firing stops after the burst: tonic spikes must follow it; a smaller d or more current")
    gap = first["gap_after_ms"]
    c.require(gap >= TOL.mixed_gap_ratio * first["max_isi_ms"],
              f"the burst stands apart: gap after it {_fmt(gap)} ms >= {TOL.mixed_gap_ratio:g} x its longest ISI "
              f"{_fmt(first['max_isi_ms'])} ms", name="burst_gap_ratio",
              value=float(gap / first["max_isi_ms"]) if first["max_isi_ms"] > 0 else None,
              required=f">= {TOL.mixed_gap_ratio:g}",
              hint="the pause after the onset burst is too short: the burst must stand apart from the tonic spikes")
    if len(tail) >= 2:
        _sustained(c, tail, step)


def mixed_mode(f, c):
    """(E) Mixed mode: the neuron fires a phasic burst at the onset of stimulation and then switches to tonic spiking.

    Conditions: a step protocol; no spike before it; the first spikes form a
    burst set apart by a gap of at least ``mixed_gap_ratio`` times its longest
    interval; no other burst; at least two single spikes follow, continuing
    to the end of the step.
    """
    _burst_then_tonic(c, f)


def spike_frequency_adaptation(f, c):
    """(F) Spike frequency adaptation: the neuron fires tonic spikes with decreasing frequency.

    Conditions: a step protocol; no spike before it; at least
    ``tonic_min_spikes`` spikes, continuing to the end of the step; the
    intervals lengthen: last / first ISI at least ``adaptation_ratio_min`` and
    a positive adaptation index.
    """
    r = _tonic_core(c, f, allow_onset_burst=True)
    if r is None:
        return
    st, isi, bursts, _ = r
    c.require(len(bursts) <= 1, f"no repetitive bursting (bursts: {len(bursts)})", name="bursts_after_onset",
              value=len(bursts), required="<= 1",
              hint="repeated bursts: a deep reset (c = -65 mV) gives single, adapting spikes")
    if bursts:
        b = bursts[0]
        c.require(b["gap_after_ms"] < TOL.mixed_gap_ratio * b["max_isi_ms"],
                  f"the rate slows gradually, no switch from a burst to tonic spiking: pause after the first "
                  f"{b['n_spikes']} spikes {_fmt(b['gap_after_ms'])} ms < {TOL.mixed_gap_ratio:g} x "
                  f"{_fmt(b['max_isi_ms'])} ms", name="burst_gap_ratio",
                  value=float(b["gap_after_ms"] / b["max_isi_ms"]) if b["max_isi_ms"] > 0 else None,
                  required=f"< {TOL.mixed_gap_ratio:g}",
                  hint="a burst, then a long pause: that is mixed mode; adaptation slows the rate gradually")
    c.require(isi["adaptation_ratio"] >= TOL.adaptation_ratio_min if len(st) >= 3 else False,
              f"intervals lengthen: last/first ISI {_fmt(isi['adaptation_ratio'])} >= {TOL.adaptation_ratio_min:g}",
              name="adaptation_ratio", value=isi["adaptation_ratio"] if len(st) >= 3 else None,
              required=f">= {TOL.adaptation_ratio_min:g}", hint=_adapt_hint)
    c.require(isi["adaptation_index"] > 0 if len(st) >= 3 else False,
              f"adaptation index {_fmt(isi['adaptation_index'])} > 0", name="adaptation_index",
              value=isi["adaptation_index"] if len(st) >= 3 else None, required="> 0", hint=_adapt_hint)


def _ramp_epoch(f):
    ep = f["epochs"]
    if len(ep) != 2 or "I_first" not in ep[1]:
        return None
    r = ep[1]
    return r if r["I_last"] > r["I_first"] + TOL.current_jump else None


def _ramp_core(c, f):
    r = _ramp_epoch(f)
    c.require(r is not None, "protocol is a rising ramp from a flat start", name="ramp_protocol",
              value=len(f["epochs"]), required="2 epochs: flat, then a rising ramp", hint=_PROTOCOL_HINT)
    if r is None:
        return None
    _quiet_before(c, f, r["start_ms"], "ramp onset")
    st = _spikes_in(f, r["start_ms"], r["stop_ms"])
    c.require(len(st) >= TOL.tonic_min_spikes, f"at least {TOL.tonic_min_spikes} spikes on the ramp (got {len(st)})",
              name="spikes_after_onset", value=len(st), required=f">= {TOL.tonic_min_spikes}",
              hint=lambda n: "no spike on the ramp: check that the rising current reaches the neuron" if n == 0 else
              f"only {_spikes(n)} on the ramp: the neuron must keep firing as the current grows")
    return st


def class_1_excitable(f, c):
    """(G) Class 1 excitable: on a slowly rising current the neuron starts to fire at a low frequency, which increases with the input.

    Conditions: a ramp protocol; no spike before it; at least
    ``tonic_min_spikes`` spikes; the rate at onset (1000 / first ISI) is below
    ``class_boundary_hz``; the final rate is at least ``rate_growth_min``
    times the onset rate.
    """
    st = _ramp_core(c, f)
    if st is None or len(st) < 2:
        return
    ro = ramp_onset(st, [0.0], [0.0])
    c.require(ro["onset_rate_hz"] < TOL.class_boundary_hz,
              f"onset rate {_fmt(ro['onset_rate_hz'])} Hz < {TOL.class_boundary_hz:g} Hz (starts near 0 Hz)",
              name="onset_rate_hz", value=ro["onset_rate_hz"], required=f"< {TOL.class_boundary_hz:g}",
              hint="firing starts at a high rate: a class-1 neuron starts near 0 Hz (Izhikevich 2004 Fig. 1G: "
                   "4.1 v + 108 in dv/dt, b = -0.1)")
    growth = ro["final_rate_hz"] / ro["onset_rate_hz"] if ro["onset_rate_hz"] > 0 else None
    c.require(ro["final_rate_hz"] >= TOL.rate_growth_min * ro["onset_rate_hz"],
              f"rate grows with the current: final {_fmt(ro['final_rate_hz'])} Hz >= {TOL.rate_growth_min:g} x onset",
              name="rate_growth", value=growth, required=f">= {TOL.rate_growth_min:g}",
              hint="the rate does not grow with the current: the last interval must be much shorter than the first")


def class_2_excitable(f, c):
    """(H) Class 2 excitable: on a slowly rising current the neuron starts firing at a relatively high frequency (40 Hz or more).

    Conditions: a ramp protocol; no spike before it; at least
    ``tonic_min_spikes`` spikes; the rate at onset is at least
    ``class_boundary_hz``.
    """
    st = _ramp_core(c, f)
    if st is None or len(st) < 2:
        return
    ro = ramp_onset(st, [0.0], [0.0])
    c.require(ro["onset_rate_hz"] >= TOL.class_boundary_hz,
              f"onset rate {_fmt(ro['onset_rate_hz'])} Hz >= {TOL.class_boundary_hz:g} Hz (clearly positive)",
              name="onset_rate_hz", value=ro["onset_rate_hz"], required=f">= {TOL.class_boundary_hz:g}",
              hint="firing starts slowly: a class-2 neuron starts at 40 Hz or more (Izhikevich 2004 Fig. 1H: a fast "
                   "u, a = 0.2, b = 0.26)")


def _pulses(f, sign=+1):
    """Epochs of the pulses (above the baseline for sign +1, below for -1) of a pulse protocol."""
    ep = f["epochs"]
    if not ep or "I_mean" not in ep[0]:
        return []
    base = ep[0]["I_mean"]
    return [e for e in ep[1:] if sign * (e.get("I_mean", base) - base) > TOL.current_jump]


def _single_pulse(c, f, sign=+1):
    pulses = _pulses(f, sign)
    others = _pulses(f, -sign)
    kind = "excitatory" if sign > 0 else "inhibitory"
    ok = len(pulses) == 1 and not others and pulses[0] is not f["epochs"][-1]
    c.require(ok, f"protocol is one brief {kind} pulse ({len(pulses)} {kind}, {len(others)} opposite)",
              name="pulse_protocol", value=len(pulses), required=f"1 {kind} pulse", hint=_PROTOCOL_HINT)
    return pulses[0] if ok else None


def spike_latency(f, c):
    """(I) Spike latency: the neuron fires a spike with a latency that depends on the strength of the input.

    A pulse just above threshold makes the spike come long after it.
    Conditions: a single brief excitatory pulse; no spike before it; exactly
    one spike; it comes after the pulse has ended and at least
    ``latency_min_ms`` after its onset.
    """
    p = _single_pulse(c, f, +1)
    if p is None:
        return
    _quiet_before(c, f, p["start_ms"], "pulse")
    st = _spikes_in(f, p["start_ms"], f["duration_ms"])
    c.require(len(st) == 1, f"exactly one spike (got {len(st)})", name="spikes_after_onset", value=len(st),
              required="== 1",
              hint=lambda n: "no spike: the pulse stays subthreshold; start at the preset's V0 and use its pulse "
              "amplitude and width exactly" if n == 0 else f"{n} spikes where one is expected")
    if len(st):
        lat = st[0] - p["start_ms"]
        c.require(st[0] >= p["stop_ms"], f"the spike comes after the pulse ended ({_fmt(st[0])} >= {_fmt(p['stop_ms'])} ms)",
                  name="spike_after_pulse_end_ms", value=float(st[0]), required=f">= {_fmt(p['stop_ms'])}",
                  hint="the spike comes during the pulse: the input is well above threshold; spike latency needs a "
                       "pulse just above it")
        c.require(lat >= TOL.latency_min_ms, f"latency {_fmt(lat)} ms >= {TOL.latency_min_ms:g} ms",
                  name="latency_ms", value=float(lat), required=f">= {TOL.latency_min_ms:g}",
                  hint="the spike comes too soon after the pulse: near threshold the neuron takes long to fire")


def _oscillates(c, osc, what, no_trace=False):
    if no_trace:
        c.require(False, f"{what}: not measured, no voltage trace", name="oscillation_extrema", value=None,
                  required=f">= {TOL.osc_min_extrema}", hint=NEEDS_TRACE_HINT)
        c.require(False, f"{what} is damped: not measured, no voltage trace", name="oscillation_damping",
                  value=None, required="< 1", hint=NEEDS_TRACE_HINT)
        return
    c.require(osc["n_extrema"] >= TOL.osc_min_extrema,
              f"{what}: {osc['n_extrema']} alternating extrema >= {TOL.osc_min_extrema} "
              f"(frequency {_fmt(osc['frequency_hz'])} Hz)",
              name="oscillation_extrema", value=osc["n_extrema"], required=f">= {TOL.osc_min_extrema}",
              hint="the potential relaxes without oscillating: a resonator needs a fast u (larger a) "
                   "and b near 0.26")
    c.require(osc["damping"] < 1.0 if osc["n_extrema"] >= 3 else False,
              f"{what} is damped: last/first swing {_fmt(osc['damping'])} < 1",
              name="oscillation_damping", value=osc["damping"], required="< 1",
              hint="the oscillation does not die out (or there is none): check a and b against the preset's")


def subthreshold_oscillations(f, c):
    """(J) Subthreshold oscillations: the neuron's potential oscillates in a damped way after a brief input (here after the spike it evokes).

    Conditions: a single brief excitatory pulse; no spike before it; at most
    one spike; after the last spike or pulse the potential shows at least
    ``osc_min_extrema`` alternating extrema of decreasing swing.
    """
    p = _single_pulse(c, f, +1)
    if p is None:
        return
    _quiet_before(c, f, p["start_ms"], "pulse")
    n = f["n_spikes"]
    c.require(n <= 1, f"at most one spike (got {n})", name="spikes_total", value=n, required="<= 1",
              hint="repetitive firing: after the pulse the potential should oscillate below threshold")
    _oscillates(c, f["oscillation"], "potential oscillates after the response", f.get("_no_trace", False))


def resonator(f, c):
    """(K) Resonator: the neuron responds to a pair of pulses only when their spacing matches its resonant period.

    In figure1.m the pulses of the second pair (280 and 320 ms) evoke a spike,
    those of the first pair (40 and 60 ms), identical but at another spacing,
    do not. Conditions: a protocol of four equal excitatory pulses in two
    pairs; no spike before the second pair; at least one spike after it.
    """
    ps = _pulses(f, +1)
    ok = len(ps) == 4 and not _pulses(f, -1)
    c.require(ok, f"protocol is four excitatory pulses in two pairs ({len(ps)} pulses)", name="pulse_protocol",
              value=len(ps), required="4 excitatory pulses", hint=_PROTOCOL_HINT)
    if not ok:
        return
    gaps = (ps[1]["start_ms"] - ps[0]["start_ms"], ps[3]["start_ms"] - ps[2]["start_ms"])
    first = _spikes_in(f, 0.0, ps[2]["start_ms"] - 1e-9)
    second = _spikes_in(f, ps[2]["start_ms"], f["duration_ms"])
    c.require(len(first) == 0, f"no spike for the pair spaced {_fmt(gaps[0])} ms (got {len(first)})",
              name="spikes_first_pair", value=len(first), required="== 0",
              hint="the first pair already makes the neuron fire: a resonator answers only the pair spaced at its "
                   "resonant period")
    c.require(len(second) >= 1, f"a spike for the pair spaced {_fmt(gaps[1])} ms (got {len(second)})",
              name="spikes_second_pair", value=len(second), required=">= 1",
              hint="the resonant pair evokes no spike: a resonator needs a fast u (Izhikevich 2004 Fig. 1K: a = 0.1, "
                   "b = 0.26)")
    c.require(len(second) <= 2, f"a response, not sustained firing, after the second pair ({len(second)} spikes <= 2)",
              name="response_spikes", value=len(second), required="<= 2",
              hint="the neuron keeps firing after the second pair: a brief response is expected")


def integrator(f, c):
    """(L) Integrator: the neuron sums inputs, so closely spaced pulses evoke a spike and distant ones do not.

    Conditions: four equal excitatory pulses in two pairs, the first pair
    closer than the second; a spike after the close pair (before the second
    pair); no spike after the distant pair.
    """
    ps = _pulses(f, +1)
    ok = len(ps) == 4 and not _pulses(f, -1)
    c.require(ok, f"protocol is four excitatory pulses in two pairs ({len(ps)} pulses)", name="pulse_protocol",
              value=len(ps), required="4 excitatory pulses", hint=_PROTOCOL_HINT)
    if not ok:
        return
    g1 = ps[1]["start_ms"] - ps[0]["start_ms"]
    g2 = ps[3]["start_ms"] - ps[2]["start_ms"]
    c.require(g1 < g2, f"the first pair is the close one ({_fmt(g1)} ms < {_fmt(g2)} ms)", name="close_pair_first_ms",
              value=float(g1), required=f"< {_fmt(g2)}", hint=_PROTOCOL_HINT)
    _quiet_before(c, f, ps[0]["start_ms"], "first pulse")
    first = _spikes_in(f, ps[0]["start_ms"], ps[2]["start_ms"] - 1e-9)
    second = _spikes_in(f, ps[2]["start_ms"], f["duration_ms"])
    c.require(len(first) == 1, f"one spike for the close pair (got {len(first)})", name="spikes_first_pair",
              value=len(first), required="== 1",
              hint="the close pair does not add up to one spike: an integrator sums inputs that come close together "
                   "(Izhikevich 2004 Fig. 1L: 4.1 v + 108 in dv/dt, b = -0.1, V0 = -60)")
    c.require(len(second) == 0, f"no spike for the distant pair (got {len(second)})", name="spikes_second_pair",
              value=len(second), required="== 0",
              hint="the distant pair evokes a spike: an integrator forgets an input before the next one comes")


def _rebound(c, f):
    p = _single_pulse(c, f, -1)
    if p is None:
        return None, None
    _quiet_before(c, f, p["stop_ms"], "end of the inhibitory pulse", name="quiet_before_release")
    st = _spikes_in(f, p["stop_ms"], p["stop_ms"] + TOL.rebound_window_ms)
    late = _spikes_in(f, p["stop_ms"] + TOL.rebound_window_ms + 1e-9, f["duration_ms"])
    c.require(len(late) == 0, f"no firing later than {TOL.rebound_window_ms:g} ms after the release (got {len(late)})",
              name="late_spikes", value=len(late), required="== 0",
              hint="the neuron keeps firing long after the release: the rebound is a brief response")
    return p, st


def _rebound_cluster(c, st, end_ms):
    """A rebound burst: >= burst_min_spikes spikes that start at high frequency, then silence."""
    n = len(st)
    c.require(n >= TOL.burst_min_spikes, f"at least {TOL.burst_min_spikes} rebound spikes (got {n})",
              name="rebound_spikes", value=n, required=f">= {TOL.burst_min_spikes}",
              hint=lambda k: "no rebound spike after the release: the recovery variable u must drop during the "
              "inhibition (a positive b, as b = 0.25)" if k == 0 else
              f"{_spikes(k)} after the release: a rebound burst needs a higher reset (c about -52 mV) and d near 0")
    if n < TOL.burst_min_spikes:
        return
    isis = np.diff(st)
    c.require(np.all(isis[:2] <= TOL.burst_isi_ms),
              f"they start at high frequency: first ISIs {', '.join(_fmt(float(x)) for x in isis[:2])} ms "
              f"<= {TOL.burst_isi_ms:g} ms", name="rebound_first_isi_ms", value=float(np.max(isis[:2])),
              required=f"<= {TOL.burst_isi_ms:g}",
              hint="the rebound spikes are too far apart to form a burst")
    silence = end_ms - st[-1]
    c.require(silence >= TOL.burst_gap_ratio * float(np.max(isis)),
              f"then silence: {_fmt(silence)} ms >= {TOL.burst_gap_ratio:g} x longest ISI {_fmt(float(np.max(isis)))} ms",
              name="silence_after_burst_ms", value=float(silence),
              required=f">= {TOL.burst_gap_ratio:g} x {_fmt(float(np.max(isis)))} ms",
              hint="firing goes on after the rebound burst: it should end in silence")


def rebound_spike(f, c):
    """(M) Rebound spike: when the neuron is released from inhibition it fires a post-inhibitory spike.

    Conditions: one inhibitory pulse; no spike before its end; exactly one
    spike within ``rebound_window_ms`` after it ends; no later firing.
    """
    p, st = _rebound(c, f)
    if p is None:
        return
    c.require(len(st) == 1, f"exactly one rebound spike (got {len(st)})", name="rebound_spikes", value=len(st),
              required="== 1",
              hint=lambda n: "no rebound spike after the release: the recovery variable u must drop during the "
              "inhibition (a positive b, as b = 0.25)" if n == 0 else
              f"{n} rebound spikes where one is expected: a deeper reset (c = -60 mV) and a larger d (4) stop it "
              "after one (Izhikevich 2004 Fig. 1M)")


def rebound_burst(f, c):
    """(N) Rebound burst: released from inhibition, the neuron fires a post-inhibitory burst.

    Conditions: one inhibitory pulse; no spike before its end; within
    ``rebound_window_ms`` after it at least ``burst_min_spikes`` spikes, the
    first intervals at most ``burst_isi_ms``, then silence of at least
    ``burst_gap_ratio`` times the longest interval; no later firing.
    """
    p, st = _rebound(c, f)
    if p is None:
        return
    _rebound_cluster(c, st, f["duration_ms"])


def threshold_variability(f, c):
    """(O) Threshold variability: a pulse that is subthreshold at rest evokes a spike when preceded by a brief inhibition.

    Conditions: two equal excitatory pulses and, just before the second, an
    inhibitory one; no spike before the inhibition (the first pulse fails);
    a spike in response to the inhibition-and-pulse pair.
    """
    ex = _pulses(f, +1)
    inh = _pulses(f, -1)
    ok = len(ex) == 2 and len(inh) == 1 and ex[0]["stop_ms"] <= inh[0]["start_ms"] <= ex[1]["start_ms"]
    c.require(ok, f"protocol is excitatory pulse, inhibitory pulse, excitatory pulse ({len(ex)} exc., {len(inh)} inh.)",
              name="pulse_protocol", value=len(ex) + len(inh), required="excitatory, inhibitory, excitatory pulse",
              hint=_PROTOCOL_HINT)
    if not ok:
        return
    _quiet_before(c, f, inh[0]["start_ms"], "inhibitory pulse (the first pulse is subthreshold)",
                  name="quiet_before_inhibition")
    st = _spikes_in(f, inh[0]["start_ms"], f["duration_ms"])
    c.require(len(st) == 1, f"one spike after the inhibition-and-pulse pair (got {len(st)})",
              name="spikes_after_inhibition", value=len(st), required="== 1",
              hint=lambda n: "no spike after the inhibition-and-pulse pair: the brief inhibition must lower the "
              "threshold (u drops), so that the same pulse now fires the neuron" if n == 0 else
              f"{n} spikes where one is expected")


def bistability(f, c):
    """(P) Bistability: a pulse switches the neuron between rest and tonic spiking; a well-timed second pulse switches it back.

    Conditions: two excitatory pulses on a baseline; no spike before the
    first; at least ``tonic_min_spikes`` spikes between the pulses, firing
    sustained up to the second pulse; no spike later than
    ``switch_off_margin_ms`` after the second pulse ends.
    """
    ps = _pulses(f, +1)
    ok = len(ps) == 2 and not _pulses(f, -1)
    c.require(ok, f"protocol is two excitatory pulses on a baseline ({len(ps)} pulses)", name="pulse_protocol",
              value=len(ps), required="2 excitatory pulses", hint=_PROTOCOL_HINT)
    if not ok:
        return
    _quiet_before(c, f, ps[0]["start_ms"], "first pulse")
    mid = _spikes_in(f, ps[0]["start_ms"], ps[1]["stop_ms"])
    c.require(len(mid) >= TOL.tonic_min_spikes,
              f"tonic firing after the first pulse: {len(mid)} spikes >= {TOL.tonic_min_spikes}",
              name="spikes_between_pulses", value=len(mid), required=f">= {TOL.tonic_min_spikes}",
              hint="the first pulse does not switch tonic firing on: a bistable neuron (Izhikevich 2004 Fig. 1P: "
                   "a = 0.1, b = 0.26, d = 0) keeps firing after it")
    if len(mid) >= 2:
        silence = ps[1]["start_ms"] - mid[-1]
        last_isi = mid[-1] - mid[-2]
        c.require(silence < TOL.sustain_factor * last_isi,
                  f"firing persists up to the second pulse (silence {_fmt(silence)} ms < {TOL.sustain_factor:g} x "
                  f"{_fmt(last_isi)} ms)", name="sustained_firing", value=float(silence),
                  required=f"< {TOL.sustain_factor:g} x {_fmt(last_isi)} ms",
                  hint="firing stops on its own before the second pulse: it should persist until switched off")
    late = _spikes_in(f, ps[1]["stop_ms"] + TOL.switch_off_margin_ms, f["duration_ms"])
    c.require(len(late) == 0, f"the second pulse switches firing off: {len(late)} spikes after it",
              name="spikes_after_second_pulse", value=len(late), required="== 0",
              hint="the second pulse does not stop the firing: its timing relative to the spikes matters, and the "
                   "time step changes it (Izhikevich 2004 Fig. 1P at dt = 0.25 ms)")


def depolarizing_after_potential(f, c):
    """(Q) Depolarizing after-potential: after firing a spike the potential shows a prolonged after-depolarisation (DAP).

    Conditions: a single excitatory pulse; no spike before it; exactly one
    spike; after its reset the potential rises by at least ``adp_min_mV``
    within ``adp_window_ms``.
    """
    p = _single_pulse(c, f, +1)
    if p is None:
        return
    _quiet_before(c, f, p["start_ms"], "pulse")
    c.require(f["n_spikes"] == 1, f"exactly one spike (got {f['n_spikes']})", name="spikes_total",
              value=f["n_spikes"], required="== 1",
              hint=lambda n: "no spike: the pulse must be strong enough to fire the neuron once" if n == 0 else
              f"{n} spikes where one is expected")
    if f.get("_no_trace"):
        c.require(False, "after-depolarisation: not measured, no voltage trace", name="after_depolarisation",
                  value=None, required=f">= {TOL.adp_min_mV:g} mV", hint=NEEDS_TRACE_HINT)
        return
    c.require(f["adp_mV"] >= TOL.adp_min_mV if f["n_spikes"] else False,
              f"after-depolarisation {_fmt(f['adp_mV'])} mV >= {TOL.adp_min_mV:g} mV",
              name="after_depolarisation", value=f["adp_mV"], required=f">= {TOL.adp_min_mV:g} mV",
              hint="the potential only decays after the reset: a DAP needs a fast u (a = 1) and a negative d")


def accommodation(f, c):
    """(R) Accommodation: a slowly rising input does not make the neuron fire, a fast ramp of lower amplitude does.

    Conditions: a slow ramp, a pause and a fast ramp; no spike on the slow
    ramp; at least one spike during (or right after) the fast ramp, at a
    current below ``ramp_current_ratio_max`` times the slow ramp's largest.
    """
    ep = f["epochs"]
    ok = len(ep) >= 3 and "I_last" in ep[0] and ep[0]["I_last"] > ep[0]["I_first"] + TOL.current_jump
    fast = None
    if ok:
        fast = next((e for e in ep[1:] if e.get("I_last", 0) > e.get("I_first", 0) + TOL.current_jump), None)
        ok = fast is not None
    c.require(ok, "protocol is a slow ramp followed by a fast ramp", name="ramp_protocol", value=len(ep),
              required="a slow ramp, then a fast ramp", hint=_PROTOCOL_HINT)
    if not ok:
        return
    slow = ep[0]
    n_slow = len(_spikes_in(f, slow["start_ms"], fast["start_ms"] - 1e-9))
    c.require(n_slow == 0, f"no spike on the slow ramp up to {_fmt(slow['I_last'])} (got {n_slow})",
              name="spikes_on_slow_ramp", value=n_slow, required="== 0",
              hint="the slow ramp makes the neuron fire: accommodation needs u to follow v closely (Izhikevich 2004 "
                   "Fig. 1R: u' = a b (v + 65), b = 1)")
    st = _spikes_in(f, fast["start_ms"], fast["stop_ms"] + TOL.latency_min_ms)
    c.require(len(st) >= 1, f"a spike on the fast ramp (got {len(st)})", name="spikes_on_fast_ramp", value=len(st),
              required=">= 1", hint="the fast ramp evokes no spike: u must be too slow to follow a fast rise (a = 0.02)")
    if len(st):
        ratio = fast["I_last"] / slow["I_last"]
        c.require(ratio < TOL.ramp_current_ratio_max,
                  f"the fast ramp is smaller: {_fmt(fast['I_last'])} / {_fmt(slow['I_last'])} = {_fmt(ratio)} "
                  f"< {TOL.ramp_current_ratio_max:g}", name="fast_ramp_ratio", value=float(ratio),
                  required=f"< {TOL.ramp_current_ratio_max:g}", hint=_PROTOCOL_HINT)


def _inhibition_window(c, f):
    ep = f["epochs"]
    ok = (len(ep) == 3 and all("I_mean" in e for e in ep)
          and ep[1]["I_mean"] < ep[0]["I_mean"] - TOL.current_jump
          and ep[1]["I_mean"] < ep[2]["I_mean"] - TOL.current_jump)
    c.require(ok, "protocol is a steady input with one window of lower (inhibitory) input", name="inhibition_protocol",
              value=len(ep), required="3 epochs: steady, lower, steady", hint=_PROTOCOL_HINT)
    if not ok:
        return None, None
    w = ep[1]
    _quiet_before(c, f, w["start_ms"], "inhibition", name="quiet_before_inhibition")
    st = _spikes_in(f, w["start_ms"], w["stop_ms"])
    return w, st


def inhibition_induced_spiking(f, c):
    """(S) Inhibition-induced spiking: the neuron is quiescent without input and fires tonic spikes while hyperpolarised.

    Conditions: a steady input with a window of lower input; no spike before
    the window; at least 2 spikes in it, none a burst; firing stops with the
    window (at most one spike after its end, the cycle already under way,
    within ``sustain_factor`` periods of the last spike).
    """
    w, st = _inhibition_window(c, f)
    if w is None:
        return
    c.require(len(st) >= 2, f"tonic firing during the inhibition: {len(st)} spikes >= 2",
              name="spikes_during_inhibition", value=len(st), required=">= 2",
              hint="no tonic firing while the input is lowered: inhibition-induced spiking needs a negative a and b "
                   "(Izhikevich 2004 Fig. 1S: a = -0.02, b = -1)")
    b = detect_bursts(st, w["stop_ms"])
    c.require(len(b) == 0, f"single spikes, no bursts (bursts: {len(b)})", name="no_bursts", value=len(b),
              required="== 0", hint="spikes come in bursts: a deeper reset (c = -60 mV) and a larger d (8) give "
                                    "single spikes")
    after = _spikes_in(f, w["stop_ms"] + 1e-9, f["duration_ms"])
    c.require(len(after) <= 1, f"firing stops with the inhibition: at most the cycle in progress "
              f"completes ({len(after)} spikes after its end <= 1)", name="spikes_after_inhibition",
              value=len(after), required="<= 1", hint="firing goes on after the inhibition ends")
    if len(st) >= 2 and len(after) == 1:
        period = float(st[-1] - st[-2])
        c.require(after[0] - st[-1] <= TOL.sustain_factor * period,
                  f"the spike after the end completes the last cycle ({_fmt(after[0] - st[-1])} ms after the last "
                  f"spike <= {TOL.sustain_factor:g} x period {_fmt(period)} ms)", name="last_cycle_ms",
                  value=float(after[0] - st[-1]), required=f"<= {TOL.sustain_factor:g} x {_fmt(period)} ms",
                  hint="a spike long after the inhibition ended: firing should stop with it")


def inhibition_induced_bursting(f, c):
    """(T) Inhibition-induced bursting: the neuron is quiescent without input and fires bursts while hyperpolarised.

    Conditions: a steady input with a window of lower input; no spike before
    the window; at least one burst in it; no spike later than the window end
    plus one inter-burst period.
    """
    w, st = _inhibition_window(c, f)
    if w is None:
        return
    b = detect_bursts(st, w["stop_ms"])
    c.require(len(b) >= 1, f"bursts of >= {TOL.burst_min_spikes} spikes during the inhibition (got {len(b)})",
              name="bursts_during_inhibition", value=len(b), required=">= 1",
              hint="no burst while the input is lowered: inhibition-induced bursting needs a high reset (c = -45 mV) "
                   "and a negative d (Izhikevich 2004 Fig. 1T)")
    if b:
        period = (float(np.mean(np.diff([x["start_ms"] for x in b]))) if len(b) >= 2
                  else w["stop_ms"] - b[0]["start_ms"])
        late = _spikes_in(f, w["stop_ms"] + period, f["duration_ms"])
        c.require(len(late) == 0, f"bursting stops after the inhibition (spikes after {_fmt(w['stop_ms'] + period)} ms: "
                  f"{len(late)})", name="spikes_after_inhibition", value=len(late), required="== 0",
                  hint="bursting goes on after the inhibition ends")


def RS(f, c):
    """RS, regular spiking: tonic spikes with adaptation, a short first interval then a low steady rate.

    Conditions: a step; no spike before it; at least ``tonic_min_spikes``
    spikes, sustained; no burst; intervals lengthen (last / first ISI at least
    ``adaptation_ratio_min``); steady rate under ``low_rate_hz``.
    """
    r = _tonic_core(c, f)
    if r is None:
        return
    st, isi, _, _ = r
    c.require(isi["adaptation_ratio"] >= TOL.adaptation_ratio_min if len(st) >= 3 else False,
              f"adapting: last/first ISI {_fmt(isi['adaptation_ratio'])} >= {TOL.adaptation_ratio_min:g}",
              name="adaptation_ratio", value=isi["adaptation_ratio"] if len(st) >= 3 else None,
              required=f">= {TOL.adaptation_ratio_min:g}", hint=_adapt_hint)
    c.require(isi["late_rate_hz"] < TOL.low_rate_hz if len(st) >= 3 else False,
              f"steady rate {_fmt(isi['late_rate_hz'])} Hz < {TOL.low_rate_hz:g} Hz",
              name="late_rate_hz", value=isi["late_rate_hz"] if len(st) >= 3 else None,
              required=f"< {TOL.low_rate_hz:g}", hint=_slow_hint)


def IB(f, c):
    """IB, intrinsically bursting: a stereotypical burst at the onset of the step, then repetitive single spikes.

    Same conditions as mixed mode (E), which is the same neuron.
    """
    _burst_then_tonic(c, f)


def CH(f, c):
    """CH, chattering: repetitive bursts of closely spaced spikes, with a high intra-burst frequency.

    Same conditions as tonic bursting (C), which is the same neuron.
    """
    _repetitive_bursts(c, f)


def FS(f, c):
    """FS, fast spiking: periodic trains of spikes at a high frequency with practically no adaptation.

    Conditions: a step; no spike before it; sustained tonic spikes, no burst;
    steady rate at least ``high_rate_hz``; last / first ISI at most
    ``fs_adaptation_max``.
    """
    r = _tonic_core(c, f)
    if r is None:
        return
    st, isi, _, _ = r
    c.require(isi["late_rate_hz"] >= TOL.high_rate_hz if len(st) >= 3 else False,
              f"steady rate {_fmt(isi['late_rate_hz'])} Hz >= {TOL.high_rate_hz:g} Hz",
              name="late_rate_hz", value=isi["late_rate_hz"] if len(st) >= 3 else None,
              required=f">= {TOL.high_rate_hz:g}", hint=_fast_hint)
    c.require(isi["adaptation_ratio"] <= TOL.fs_adaptation_max if len(st) >= 3 else False,
              f"practically no adaptation: last/first ISI {_fmt(isi['adaptation_ratio'])} <= {TOL.fs_adaptation_max:g}",
              name="adaptation_ratio", value=isi["adaptation_ratio"] if len(st) >= 3 else None,
              required=f"<= {TOL.fs_adaptation_max:g}",
              hint="the intervals lengthen: a fast-spiking neuron hardly adapts; a fast u (a = 0.1) recovers quickly")


def LTS(f, c):
    """LTS, low-threshold spiking: high-frequency trains of spikes with a noticeable adaptation.

    Conditions: a step; no spike before it; sustained tonic spikes, no burst;
    steady rate at least ``high_rate_hz``; last / first ISI at least
    ``adaptation_ratio_min``.
    """
    r = _tonic_core(c, f)
    if r is None:
        return
    st, isi, _, _ = r
    c.require(isi["late_rate_hz"] >= TOL.high_rate_hz if len(st) >= 3 else False,
              f"steady rate {_fmt(isi['late_rate_hz'])} Hz >= {TOL.high_rate_hz:g} Hz",
              name="late_rate_hz", value=isi["late_rate_hz"] if len(st) >= 3 else None,
              required=f">= {TOL.high_rate_hz:g}", hint=_fast_hint)
    c.require(isi["adaptation_ratio"] >= TOL.adaptation_ratio_min if len(st) >= 3 else False,
              f"adapting: last/first ISI {_fmt(isi['adaptation_ratio'])} >= {TOL.adaptation_ratio_min:g}",
              name="adaptation_ratio", value=isi["adaptation_ratio"] if len(st) >= 3 else None,
              required=f">= {TOL.adaptation_ratio_min:g}", hint=_adapt_hint)


def TC(f, c):
    """TC, thalamo-cortical, depolarised: from a depolarised rest a step evokes tonic firing.

    Conditions: a step; no spike before it; at least ``tonic_min_spikes``
    spikes, sustained; no burst; steady rate under ``low_rate_hz``; the first
    interval is no onset doublet (at least ``doublet_isi_ms``).
    """
    r = _tonic_core(c, f)
    if r is None:
        return
    st, isi, _, _ = r
    c.require(isi["late_rate_hz"] < TOL.low_rate_hz if len(st) >= 3 else False,
              f"steady rate {_fmt(isi['late_rate_hz'])} Hz < {TOL.low_rate_hz:g} Hz",
              name="late_rate_hz", value=isi["late_rate_hz"] if len(st) >= 3 else None,
              required=f"< {TOL.low_rate_hz:g}", hint=_slow_hint)
    c.require(isi["first_isi_ms"] >= TOL.doublet_isi_ms if len(st) >= 2 else False,
              f"no onset doublet: first ISI {_fmt(isi['first_isi_ms'])} ms >= {TOL.doublet_isi_ms:g} ms",
              name="first_isi_ms", value=isi["first_isi_ms"] if len(st) >= 2 else None,
              required=f">= {TOL.doublet_isi_ms:g}",
              hint="the first two spikes form a fast doublet: from a depolarised rest the TC neuron fires evenly")


def TC_burst(f, c):
    """TC from hyperpolarisation: when a hyperpolarising input ends, the neuron fires a rebound burst.

    Conditions: the record starts under an inhibitory input that is then
    released; no spike during the inhibition; after the release at least
    ``burst_min_spikes`` spikes, the first intervals at most ``burst_isi_ms``,
    then silence of at least ``burst_gap_ratio`` times the longest interval.
    """
    ep = f["epochs"]
    ok = (len(ep) == 2 and "I_mean" in ep[0] and ep[0]["I_mean"] < ep[1]["I_mean"] - TOL.current_jump
          and ep[0]["I_mean"] < 0)
    c.require(ok, "protocol is an inhibitory input from t = 0, then released", name="inhibition_protocol",
              value=len(ep), required="2 epochs: inhibited from t = 0, then released", hint=_PROTOCOL_HINT)
    if not ok:
        return
    end = ep[0]["stop_ms"]
    _quiet_before(c, f, end, "release", name="quiet_before_release")
    st = _spikes_in(f, end, f["duration_ms"])
    _rebound_cluster(c, st, f["duration_ms"])


def RZ(f, c):
    """RZ, resonator: damped subthreshold oscillations of the potential; a brief pulse makes it fire.

    Conditions: the record starts under a stronger inhibitory input, released
    to a weaker one, then a brief excitatory pulse; no spike before the pulse;
    the potential shows a damped oscillation after the release (at least
    ``osc_min_extrema`` extrema before the pulse); at least one spike for the
    pulse.
    """
    ep = f["epochs"]
    ok = (len(ep) == 4 and all("I_mean" in e for e in ep) and ep[0]["I_mean"] < ep[1]["I_mean"] - TOL.current_jump
          and ep[2]["I_mean"] > ep[1]["I_mean"] + TOL.current_jump)
    c.require(ok, "protocol is a release from inhibition, then a brief excitatory pulse", name="pulse_protocol",
              value=len(ep), required="4 epochs: inhibited, released, a pulse, after", hint=_PROTOCOL_HINT)
    if not ok:
        return
    pulse = ep[2]
    _quiet_before(c, f, pulse["start_ms"], "pulse")
    osc = f.get("_osc_release")
    _oscillates(c, osc, "potential oscillates after the release", f.get("_no_trace", False))
    st = _spikes_in(f, pulse["start_ms"], f["duration_ms"])
    c.require(len(st) >= 1, f"the pulse evokes a spike (got {len(st)})", name="spikes_after_pulse", value=len(st),
              required=">= 1", hint="the pulse evokes no spike: check its amplitude and the neuron's excitability")


#: One validator per reference preset, by preset name.
VALIDATORS = {
    "tonic_spiking": tonic_spiking,
    "phasic_spiking": phasic_spiking,
    "tonic_bursting": tonic_bursting,
    "phasic_bursting": phasic_bursting,
    "mixed_mode": mixed_mode,
    "spike_frequency_adaptation": spike_frequency_adaptation,
    "class_1_excitable": class_1_excitable,
    "class_2_excitable": class_2_excitable,
    "spike_latency": spike_latency,
    "subthreshold_oscillations": subthreshold_oscillations,
    "resonator": resonator,
    "integrator": integrator,
    "rebound_spike": rebound_spike,
    "rebound_burst": rebound_burst,
    "threshold_variability": threshold_variability,
    "bistability": bistability,
    "depolarizing_after_potential": depolarizing_after_potential,
    "accommodation": accommodation,
    "inhibition_induced_spiking": inhibition_induced_spiking,
    "inhibition_induced_bursting": inhibition_induced_bursting,
    "RS": RS,
    "IB": IB,
    "CH": CH,
    "FS": FS,
    "TC": TC,
    "TC_burst": TC_burst,
    "RZ": RZ,
    "LTS": LTS,
}


def validator_for(name: str) -> str:
    """The validator name for a preset name: ``<name>_fine`` uses ``<name>``'s; case-insensitive.

    Raises
    ------
    ValueError
        If no validator matches; the message lists the allowed names.
    """
    key = str(name)
    if key.endswith("_fine"):
        key = key[: -len("_fine")]
    lower = {k.lower(): k for k in VALIDATORS}
    if key.lower() in lower:
        return lower[key.lower()]
    raise ValueError(f"no validator for {name!r}; allowed: {', '.join(VALIDATORS)} (and their *_fine presets)")


def train_features(spike_times_ms, t_ms, v_mV, I, boundaries_ms, duration_ms: float) -> dict:
    """The features every validator reads, from plain arrays (a student's own model, say).

    :func:`response_features` plus the oscillation in the window between the
    first two boundaries (the release from inhibition of RZ). ``v_mV`` may be
    ``None``: the criteria on the voltage trace then fail with
    :data:`NEEDS_TRACE_HINT`. Use :func:`validate_features` to apply a validator.
    """
    f = response_features(spike_times_ms, t_ms, v_mV, I, boundaries_ms, duration_ms)
    # the release window of protocols that start inhibited (RZ): oscillation before the next boundary
    b = f["boundaries_ms"]
    if len(b) >= 2 and v_mV is not None:
        f["_osc_release"] = subthreshold_oscillation(t_ms, v_mV, b[0], b[1])
    else:
        f["_osc_release"] = _no_oscillation()
    return f


def _features_for(result) -> dict:
    p = result.preset
    return train_features(result.spike_times_ms, result.t_ms, result.v_mV, result.I,
                          protocol_boundaries(p.stimulus, p.duration), p.duration)


def validate_features(pattern_name: str, features: dict) -> Verdict:
    """Apply the validator of ``pattern_name`` to features from :func:`train_features`.

    Returns
    -------
    Verdict
        With ``criteria``, one :class:`Criterion` per condition.
    """
    return _run(validator_for(pattern_name), features)


def _public(f: dict) -> dict:
    out = {k: v for k, v in f.items() if not k.startswith("_") and k not in ("isis_ms",)}
    out["release_oscillation"] = f.get("_osc_release")
    return to_jsonable(out)


def _run(pattern: str, f: dict) -> Verdict:
    c = _Checks()
    VALIDATORS[pattern](f, c)
    return Verdict(pattern=pattern, ok=c.ok, reasons=c.reasons, features=_public(f), criteria=c.criteria)


def _diverged(result) -> bool:
    return not (np.all(np.isfinite(result.v_mV)) and np.all(np.isfinite(result.u)))


def validate(pattern_name: str, result) -> Verdict:
    """Apply the validator of ``pattern_name`` to any simulated response.

    Parameters
    ----------
    pattern_name : str
        A validator name (a reference preset name; ``*_fine`` uses the base one).
    result : izh_brian.simulation.Result
        Any response, with its protocol (the preset it carries).

    Returns
    -------
    Verdict
    """
    pattern = validator_for(pattern_name)
    if _diverged(result):
        bad = int(np.argmax(~(np.isfinite(result.v_mV) & np.isfinite(result.u))))
        text = f"dynamics diverged (v or u became inf/NaN at t = {result.t_ms[bad]:g} ms)"
        crit = Criterion("finite_dynamics", float(result.t_ms[bad]), "no inf/NaN", False,
                         "v or u ran away to inf/NaN: use a smaller dt or check the equations", text)
        return Verdict(pattern=pattern, ok=False, features={"n_spikes": int(result.n_spikes)},
                       reasons=[f"FAILED: {text}"], criteria=[crit])
    return _run(pattern, _features_for(result))


def validate_result(result) -> Verdict:
    """Validate a response against its own pattern, chosen by ``result.preset.name``.

    Parameter overrides keep the preset's name, so a changed neuron is checked
    against the pattern it was meant to show.

    Examples
    --------
    >>> from izh_brian import simulate
    >>> validate_result(simulate("tonic_bursting")).ok
    True
    >>> validate_result(simulate("tonic_bursting", d=8)).ok
    False
    """
    return validate(result.preset.name, result)


def validate_all(scheme: str = "figure1", dt=None, names=None) -> list[Verdict]:
    """Simulate the reference presets in one network and validate each against its own pattern.

    Parameters
    ----------
    scheme : str
    dt : float, optional
        One step (ms) for all presets; default each preset's own.
    names : list of str, optional
        Presets to run (default the 28 reference presets).

    Returns
    -------
    list of Verdict, in the presets' order. A run whose v or u became
    inf/NaN fails with the reason ``dynamics diverged``.
    """

    names = list(names) if names is not None else preset_names()
    results = simulate_many(names, scheme=scheme, dt=dt, check_finite=False)
    return [validate_result(r) for r in results]


def validation_matrix(results=None):
    """Every validator applied to every reference response: the specificity matrix.

    Parameters
    ----------
    results : list of Result, optional
        The responses (default: the 28 reference presets simulated in one
        network under ``figure1`` at their own dt). Features are computed
        once per response; the validators are predicates on them.

    Returns
    -------
    names : list of str
        Response names (rows' validators are the same names, in order).
    matrix : ndarray of bool, shape (n, n)
        ``matrix[i, j]``: validator ``names[i]`` accepts response ``names[j]``.
    """
    if results is None:
        results = simulate_many(preset_names())
    names = [r.preset.name for r in results]
    feats = [_features_for(r) for r in results]
    pats = [validator_for(n) for n in names]
    m = np.zeros((len(names), len(names)), dtype=bool)
    for i, p in enumerate(pats):
        for j, f in enumerate(feats):
            c = _Checks()
            VALIDATORS[p](f, c)
            m[i, j] = c.ok
    return names, m


#: Counter-examples: per validator, parameter changes of its own preset that
#: remove the defining feature, with what the changed neuron does instead.
#: Every validator must reject every one of them (tests/test_patterns.py).
COUNTER_EXAMPLES: dict[str, list[tuple[dict, str]]] = {
    "tonic_spiking": [
        ({"d": 100.0}, "a huge reset increment of u: a single spike, then silence"),
        ({"c": -50.0, "d": 2.0}, "the chattering neuron (C): bursts, not a regular train"),
    ],
    "phasic_spiking": [
        ({"b": 0.2}, "a less sensitive u: the weak step stays subthreshold, silent"),
        ({"c": -55.0, "d": 0.05}, "the phasic-bursting reset: a burst of 5 spikes instead of one"),
    ],
    "tonic_bursting": [
        ({"d": 8.0}, "the regular-spiking reset increment: single spikes after a doublet, no repeated bursts"),
        ({"c": -65.0}, "a deep reset: a tonic train without bursts"),
    ],
    "phasic_bursting": [
        ({"c": -65.0, "d": 6.0}, "the phasic-spiking reset: a single spike where a burst is needed"),
        ({"b": 0.2}, "a less sensitive u: silent"),
    ],
    "mixed_mode": [
        ({"c": -65.0, "d": 8.0}, "the RS reset: tonic spikes without an onset burst"),
        ({"c": -50.0, "d": 2.0}, "the chattering reset: bursts keep repeating, no switch to single spikes"),
    ],
    "spike_frequency_adaptation": [
        ({"d": 0.0}, "no reset increment of u: a fast train whose rate barely slows"),
        ({"a": 0.1}, "a fast recovery: little adaptation (last/first ISI about 2)"),
    ],
    "class_1_excitable": [
        ({"a": 0.2}, "a fast u: on the ramp firing starts at about 60 Hz, not near 0 Hz"),
        ({"b": 0.2}, "a positive b: the neuron fires before the ramp begins"),
    ],
    "class_2_excitable": [
        ({"a": 0.02}, "a slow u: firing starts at about 26 Hz, near 0 Hz as in class 1"),
        ({"a": 0.02, "b": -0.1, "c": -55.0, "d": 6.0}, "the class-1 parameters in the standard model: silent on this ramp"),
    ],
    "spike_latency": [
        ({"b": 0.25}, "a more excitable neuron: it fires during the pulse, 1.6 ms after its onset"),
        ({"V0": -65.0}, "a lower starting potential: the pulse is subthreshold, no spike"),
    ],
    "subthreshold_oscillations": [
        ({"a": 0.02, "b": 0.2}, "the RS-like u: no spike and a monotonic relaxation, no oscillation"),
        ({"a": 0.005}, "a very slow u: two spikes and no damped oscillation"),
    ],
    "resonator": [
        ({"a": 0.02, "b": 0.2}, "an integrator-like neuron: neither pair evokes a spike"),
        ({"a": 0.05}, "a slower resonance: the first, 20 ms pair evokes a spike too"),
    ],
    "integrator": [
        ({"V0": -65.0}, "a lower starting potential: the close pair no longer adds up to a spike"),
        ({"b": -0.05}, "a weaker negative feedback: the distant pair evokes a spike too"),
    ],
    "rebound_spike": [
        ({"c": -52.0, "d": 0.0}, "the rebound-burst reset: a burst where a single rebound spike is expected"),
        ({"b": 0.2}, "a less sensitive u: no rebound, silent"),
    ],
    "rebound_burst": [
        ({"c": -60.0, "d": 4.0}, "the rebound-spike reset: a single spike where a rebound burst is expected"),
        ({"b": 0.2}, "a less sensitive u: no rebound, silent"),
    ],
    "threshold_variability": [
        ({"b": 0.26}, "a more excitable neuron: the first pulse already evokes a spike"),
        ({"b": 0.2}, "a less sensitive u: no spike at all"),
    ],
    "bistability": [
        ({"d": 2.0}, "a positive reset increment: the second pulse does not stop the firing"),
        ({"b": 0.2}, "a less sensitive u: the first pulse does not switch firing on"),
    ],
    "depolarizing_after_potential": [
        ({"d": 6.0}, "a positive reset increment: the potential decays after the reset, no DAP"),
        ({"a": 0.02}, "a slow u: hundreds of spikes instead of one spike and a DAP"),
    ],
    "accommodation": [
        ({"b": 0.2}, "weak accommodation: the slow ramp makes the neuron fire, the fast ramp does not"),
        ({"a": 0.2}, "fast accommodation: even the fast ramp evokes no spike"),
    ],
    "inhibition_induced_spiking": [
        ({"a": 0.02}, "a positive a: the neuron fires before the inhibition, not during it"),
        ({"c": -45.0, "d": -2.0}, "the inhibition-induced-bursting reset: bursts that go on after the inhibition ends"),
    ],
    "inhibition_induced_bursting": [
        ({"c": -60.0, "d": 8.0}, "the inhibition-induced-spiking reset: single spikes where bursts are expected"),
        ({"b": 1.0}, "a positive b: firing from t = 0, where firing should only start under inhibition"),
    ],
    "RS": [
        ({"d": 2.0}, "a small reset increment: the steady rate is about 75 Hz, fast rather than regular"),
        ({"c": -50.0, "d": 2.0}, "the chattering neuron: bursts instead of single spikes"),
    ],
    "IB": [
        ({"c": -65.0, "d": 8.0}, "the RS neuron: no onset burst"),
        ({"c": -50.0, "d": 2.0}, "the chattering neuron: bursts keep repeating"),
    ],
    "CH": [
        ({"c": -65.0, "d": 8.0}, "the RS neuron: single spikes, no bursts"),
        ({"c": -55.0, "d": 4.0}, "the IB neuron: one onset burst, then single spikes"),
    ],
    "FS": [
        ({"a": 0.02}, "the slow u of RS: a strongly adapting, slower train"),
        ({"a": 0.02, "d": 8.0}, "the RS neuron: about 20 Hz"),
    ],
    "TC": [
        ({"c": -55.0}, "a higher reset: an onset burst instead of tonic firing"),
        ({"d": 8.0}, "a large reset increment: only two spikes"),
    ],
    "TC_burst": [
        ({"c": -65.0, "d": 4.0}, "a larger reset increment: a single rebound spike where a burst is expected"),
        ({"b": 0.2}, "a less sensitive u: a single late rebound spike"),
    ],
    "RZ": [
        ({"b": 0.2}, "a less sensitive u: the potential relaxes without oscillating"),
        ({"a": 0.02}, "a slow u: the neuron fires on the release, before the pulse"),
    ],
    "LTS": [
        ({"a": 0.1}, "the fast u of FS: practically no adaptation"),
        ({"d": 8.0}, "the RS reset increment: a low steady rate (about 29 Hz)"),
    ],
}
