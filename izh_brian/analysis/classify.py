"""The step-response classifier of Izhikevich (2003, Fig. 2) cell classes for arbitrary (a, b, c, d)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from izh_brian.analysis.features import detect_bursts, isi_features, subthreshold_oscillation
from izh_brian.analysis.spiketrains import in_window
from izh_brian.analysis.tolerances import TOL
from izh_brian.analysis.validators import _fmt, _late_period
from izh_brian.jsonutil import to_jsonable
from izh_brian.presets import REFERENCE_PRESETS
from izh_brian.simulation import simulate_many
from izh_brian.stimuli import step

__all__ = [
    "Classification",
    "CLASS_LABELS",
    "step_response_features",
    "classify_features",
    "classify",
    "class_map",
    "resting_potential",
]


#: Labels the classifier may return.
CLASS_LABELS = ("RS", "IB", "CH", "FS", "LTS", "TC", "RZ-like", "silent", "other")


@dataclass
class Classification:
    """A classifier's answer: the label, the features that decided and the reasons."""

    label: str
    features: dict
    reasons: list

    def to_dict(self) -> dict:
        return {"label": self.label, "reasons": list(self.reasons), "features": to_jsonable(self.features)}


def step_response_features(spike_times_ms, onset_ms: float, stop_ms: float, v_mV=None, t_ms=None) -> dict:
    """Features of the response to a current step, for the classifier.

    A pure function on arrays: it needs only the spike times and the step's
    window; the voltage trace, when given, adds the subthreshold oscillation
    (for the resonator label).

    Parameters
    ----------
    spike_times_ms : array_like
        Spike times (ms).
    onset_ms, stop_ms : float
        The step is on for ``onset_ms < t <= stop_ms`` (the response window of
        :mod:`izh_brian.analysis.spiketrains`).
    v_mV, t_ms : array_like, optional
        The membrane potential and its grid.

    Returns
    -------
    dict
        ``n_before`` (spikes before the onset), ``n_spikes`` (during the
        step), ``latency_ms``, ``first_isi_ms``, ``late_rate_hz``,
        ``adaptation_ratio``, ``adaptation_index``, ``late_cv_isi``,
        ``n_bursts``, ``burst_fraction`` (spikes in bursts / spikes),
        ``onset_burst_spikes`` (spikes of a burst that opens the response,
        0 if none), ``onset_burst_gap_ratio`` (pause after that burst over its
        longest ISI), ``sustained`` (1 if firing goes on to the end of the step,
        as in :class:`Tolerances`), ``silence_end_ms`` and, with ``v_mV``,
        ``osc_extrema``, ``osc_frequency_hz``, ``osc_damping`` of the potential
        during the step before the first spike (the whole step if silent).
    """
    st = np.sort(np.asarray(spike_times_ms, dtype=float))
    onset_ms, stop_ms = float(onset_ms), float(stop_ms)
    during = in_window(st, onset_ms, stop_ms)  # (onset, stop]: see izh_brian.analysis.spiketrains
    nan = float("nan")
    f = {"n_before": int(np.count_nonzero(st <= onset_ms)), "n_spikes": int(len(during)),
         "latency_ms": float(during[0] - onset_ms) if len(during) else nan}
    isi = isi_features(during)
    for k in ("first_isi_ms", "late_rate_hz", "adaptation_ratio", "adaptation_index", "late_cv_isi"):
        f[k] = isi[k]
    bursts = detect_bursts(during, stop_ms)
    f["n_bursts"] = len(bursts)
    f["burst_fraction"] = (sum(b["n_spikes"] for b in bursts) / len(during)) if len(during) else 0.0
    opens = bool(bursts) and bursts[0]["start_ms"] == (during[0] if len(during) else None)
    f["onset_burst_spikes"] = int(bursts[0]["n_spikes"]) if opens else 0
    f["onset_burst_gap_ratio"] = (bursts[0]["gap_after_ms"] / bursts[0]["max_isi_ms"]) if opens else nan
    silence = stop_ms - during[-1] if len(during) else stop_ms - onset_ms
    f["silence_end_ms"] = float(silence)
    if len(during) >= 2:
        if len(bursts) >= 2:
            period = float(np.mean(np.diff([b["start_ms"] for b in bursts])))
        else:
            period = _late_period(during)
        f["sustained"] = int(silence < TOL.sustain_factor * period)
    else:
        f["sustained"] = 0
    if v_mV is not None and t_ms is not None:
        end = during[0] if len(during) else stop_ms
        osc = subthreshold_oscillation(t_ms, v_mV, onset_ms, end)
        f["osc_extrema"] = osc["n_extrema"]
        f["osc_frequency_hz"] = osc["frequency_hz"]
        f["osc_damping"] = osc["damping"]
    return f


def classify_features(features: dict):
    """Label a step response with a 2003 cell class, from :func:`step_response_features`.

    The rules, in order (thresholds from :data:`TOL`):

    1. spikes before the step: ``other`` (the neuron is not at rest);
    2. no spike: ``RZ-like`` if the potential shows a damped oscillation
       (at least ``osc_min_extrema`` extrema, needs the voltage trace), else ``silent``;
    3. firing that stops before the end of the step, or fewer than
       ``tonic_min_spikes`` spikes: ``other`` (phasic);
    4. at least two bursts holding most spikes: ``CH``;
    5. a burst that opens the response, set apart by ``mixed_gap_ratio``,
       then single spikes: ``IB``;
    6. tonic firing with a steady rate of at least ``high_rate_hz``: ``LTS``
       if last / first ISI is at least ``adaptation_ratio_min``, else ``FS``;
    7. slower tonic firing: ``RS`` if last / first ISI is at least
       ``rs_adaptation_min``, else ``TC`` (slow, non-adapting tonic firing).

    A step alone cannot tell every class apart: the thalamo-cortical
    neuron's signature is its rebound burst from hyperpolarisation and the
    resonator's its subthreshold oscillation, so under a strong step both
    fire fast and are labelled ``FS``; ``docs/patterns.md`` lists the labels
    the 2003 parameter sets get.

    Returns
    -------
    label : str
        One of :data:`CLASS_LABELS`.
    reasons : list of str
        The rule that decided, with the measured values.
    """
    f = features
    if f.get("n_before", 0) > 0:
        return "other", [f"{f['n_before']} spikes before the step: not at rest"]
    n = f.get("n_spikes", 0)
    if n == 0:
        ext = f.get("osc_extrema")
        damp = f.get("osc_damping", float("nan"))
        if ext is not None and ext >= TOL.osc_min_extrema and damp == damp and damp < 1:
            return "RZ-like", [f"no spike; damped subthreshold oscillation ({ext} extrema, "
                               f"{_fmt(f.get('osc_frequency_hz'))} Hz, damping {_fmt(damp)})"]
        return "silent", ["no spike during the step"]
    if n < TOL.tonic_min_spikes or not f.get("sustained", 0):
        return "other", [f"phasic: {n} spikes, firing stops {_fmt(f.get('silence_end_ms'))} ms before the end"]
    if f.get("n_bursts", 0) >= 2 and f.get("burst_fraction", 0.0) >= 0.5:
        return "CH", [f"{f['n_bursts']} bursts holding {_fmt(100 * f['burst_fraction'])}% of {n} spikes"]
    obs = f.get("onset_burst_spikes", 0)
    ratio = f.get("onset_burst_gap_ratio", float("nan"))
    if obs >= TOL.burst_min_spikes and ratio >= TOL.mixed_gap_ratio and f.get("n_bursts", 0) == 1:
        return "IB", [f"onset burst of {obs} spikes, pause {_fmt(ratio)} x its longest ISI, then single spikes"]
    rate = f.get("late_rate_hz", float("nan"))
    adapt = f.get("adaptation_ratio", float("nan"))
    if rate >= TOL.high_rate_hz:
        if adapt >= TOL.adaptation_ratio_min:
            return "LTS", [f"fast tonic ({_fmt(rate)} Hz >= {TOL.high_rate_hz:g}) with adaptation "
                           f"(last/first ISI {_fmt(adapt)} >= {TOL.adaptation_ratio_min:g})"]
        return "FS", [f"fast tonic ({_fmt(rate)} Hz >= {TOL.high_rate_hz:g}), little adaptation "
                      f"(last/first ISI {_fmt(adapt)} < {TOL.adaptation_ratio_min:g})"]
    if rate < TOL.low_rate_hz:
        if adapt >= TOL.rs_adaptation_min:
            return "RS", [f"regular tonic ({_fmt(rate)} Hz < {TOL.low_rate_hz:g}) with adaptation "
                          f"(last/first ISI {_fmt(adapt)} >= {TOL.rs_adaptation_min:g})"]
        return "TC", [f"slow tonic ({_fmt(rate)} Hz < {TOL.low_rate_hz:g}) without adaptation "
                      f"(last/first ISI {_fmt(adapt)} < {TOL.rs_adaptation_min:g})"]
    return "other", [f"no rule matched (rate {_fmt(rate)} Hz, last/first ISI {_fmt(adapt)})"]


#: The step protocol of the classifier: onset (ms) and duration (ms) at dt = 0.25 ms.
CLASSIFY_ONSET_MS = 20.0


CLASSIFY_DURATION_MS = 300.0


CLASSIFY_DT_MS = 0.25


def resting_potential(b: float) -> float:
    """The stable resting potential (mV) of the standard model without input, ``nan`` if there is none.

    The rest state solves :math:`0.04 v^2 + 5 v + 140 - b v = 0` (with
    :math:`u = b v`); the lower root is the stable one. With
    :math:`(5 - b)^2 < 22.4` (b above about 0.267) there is no rest state and
    the neuron fires without input.

    Examples
    --------
    >>> round(resting_potential(0.2), 6)
    -70.0
    """
    disc = (5.0 - b) ** 2 - 4 * 0.04 * 140.0
    if disc < 0:
        return float("nan")
    return float((-(5.0 - b) - math.sqrt(disc)) / (2 * 0.04))


def _classify_presets(params: list[dict], current: float, V0, duration: float, onset: float, dt: float):
    template = REFERENCE_PRESETS["RS"]
    stim = step(float(current), float(onset))
    out = []
    for i, p in enumerate(params):
        for k in ("a", "b", "c", "d"):
            x = p[k]
            if not isinstance(x, (int, float, np.integer, np.floating)) or not math.isfinite(float(x)):
                raise ValueError(f"{k} must be a finite number, got {x!r}")
        v0 = V0
        if v0 is None:
            v0 = resting_potential(float(p["b"]))
            v0 = -65.0 if not math.isfinite(v0) else v0
        out.append(replace(template, name=f"classify_{i}", paper="", panel="", a=float(p["a"]), b=float(p["b"]),
                           c=float(p["c"]), d=float(p["d"]), V0=float(v0), u0=None, dt=float(dt),
                           duration=float(duration), stimulus=stim, variant="standard",
                           description="step response for the classifier", title=""))
    return out


def _check_protocol(current, V0, duration, onset, dt):
    for name, x in (("current", current), ("V0", V0), ("duration", duration), ("onset", onset), ("dt", dt)):
        if name == "V0" and x is None:
            continue
        try:
            x = float(x)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number, got {x!r}") from None
        if not math.isfinite(x):
            raise ValueError(f"{name} must be a finite number, got {x!r}")
    if not (0 <= onset < duration):
        raise ValueError(f"onset must be in [0, duration) ms, got {onset!r}")
    if not (0 < dt < duration - onset):
        raise ValueError(f"dt must be a positive number of ms smaller than the step, got {dt!r}")


def classify(a, b, c, d, current: float = 10.0, *, V0: float | None = None, duration: float = CLASSIFY_DURATION_MS,
             onset: float = CLASSIFY_ONSET_MS, dt: float = CLASSIFY_DT_MS, scheme: str = "figure1") -> Classification:
    """Simulate a step response of (a, b, c, d) and label it with a 2003 class.

    The neuron starts at ``V0`` with ``u0 = b V0`` (default: its resting
    potential, :func:`resting_potential`; -65 mV where it has none) and gets a
    step of ``current`` (mV/ms) from ``onset`` to the end of ``duration``.

    Returns
    -------
    Classification
        ``label`` (one of :data:`CLASS_LABELS`), ``features``
        (:func:`step_response_features`) and ``reasons`` (:func:`classify_features`).

    Examples
    --------
    >>> classify(0.02, 0.2, -50, 2).label
    'CH'
    """

    _check_protocol(current, V0, duration, onset, dt)
    p = _classify_presets([{"a": a, "b": b, "c": c, "d": d}], current, V0, duration, onset, dt)
    r = simulate_many(p, scheme=scheme, check_finite=False)[0]
    f = step_response_features(r.spike_times_ms, onset, duration, r.v_mV, r.t_ms)
    label, reasons = classify_features(f)
    return Classification(label, f, reasons)


def class_map(x_name: str, x_values, y_name: str, y_values, fixed: dict | None = None, current: float = 10.0, *,
              V0: float | None = None, duration: float = CLASSIFY_DURATION_MS, onset: float = CLASSIFY_ONSET_MS,
              dt: float = CLASSIFY_DT_MS, scheme: str = "figure1") -> dict:
    """Classify every point of a parameter plane, all simulated in one NeuronGroup.

    Parameters
    ----------
    x_name, y_name : str
        Two of ``a``, ``b``, ``c``, ``d``.
    x_values, y_values : array_like
        The grid along each axis.
    fixed : dict, optional
        Values of the other two parameters (default ``a = 0.02, b = 0.2,
        c = -65, d = 8``, the RS neuron), as in the parameter plane of 2003 Fig. 2.
    current : float
        Step amplitude (mV/ms).
    V0 : float, optional
        Initial v (mV); default each neuron's resting potential.

    Returns
    -------
    dict
        ``x_name``, ``y_name``, ``x_values``, ``y_values`` (arrays),
        ``labels`` (array of str, shape ``(len(y_values), len(x_values))``),
        ``codes`` (indices into ``label_names``), ``label_names``
        (:data:`CLASS_LABELS`), ``n_spikes`` and ``late_rate_hz`` (arrays of
        the same shape) and ``current``.

    Examples
    --------
    The RS, IB and CH neurons of 2003 Fig. 2 lie on the diagonal:

    >>> m = class_map("c", [-65, -55, -50], "d", [8, 4, 2], fixed={"a": 0.02, "b": 0.2})
    >>> m["labels"].diagonal().tolist()
    ['RS', 'IB', 'CH']
    """

    allowed = ("a", "b", "c", "d")
    for nm in (x_name, y_name):
        if nm not in allowed:
            raise ValueError(f"unknown parameter {nm!r}; allowed: {', '.join(allowed)}")
    if x_name == y_name:
        raise ValueError(f"the two axes must differ, got {x_name!r} twice")
    base = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}
    for k, v in (fixed or {}).items():
        if k not in allowed:
            raise ValueError(f"unknown fixed parameter {k!r}; allowed: {', '.join(allowed)}")
        base[k] = v
    xs = np.atleast_1d(np.asarray(x_values, dtype=float))
    ys = np.atleast_1d(np.asarray(y_values, dtype=float))
    if xs.ndim != 1 or ys.ndim != 1 or not len(xs) or not len(ys):
        raise ValueError("x_values and y_values must be non-empty 1-D sequences")
    _check_protocol(current, V0, duration, onset, dt)
    params = []
    for y in ys:
        for x in xs:
            params.append({**base, x_name: float(x), y_name: float(y)})
    presets = _classify_presets(params, current, V0, duration, onset, dt)
    results = simulate_many(presets, scheme=scheme, check_finite=False)
    labels = np.empty((len(ys), len(xs)), dtype=object)
    n_sp = np.zeros((len(ys), len(xs)), dtype=int)
    rate = np.full((len(ys), len(xs)), np.nan)
    for idx, r in enumerate(results):
        i, j = divmod(idx, len(xs))
        f = step_response_features(r.spike_times_ms, onset, duration, r.v_mV, r.t_ms)
        labels[i, j] = classify_features(f)[0]
        n_sp[i, j] = f["n_spikes"]
        rate[i, j] = f["late_rate_hz"]
    labels = labels.astype(str)
    codes = np.vectorize(CLASS_LABELS.index)(labels) if labels.size else np.zeros(labels.shape, dtype=int)
    return {"x_name": x_name, "y_name": y_name, "x_values": xs, "y_values": ys, "labels": labels,
            "codes": np.asarray(codes, dtype=int), "label_names": CLASS_LABELS, "n_spikes": n_sp,
            "late_rate_hz": rate, "current": float(current), "fixed": {k: v for k, v in base.items()
                                                                      if k not in (x_name, y_name)}}
