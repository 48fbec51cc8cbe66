"""Response features of a simulated neuron: epochs of the protocol, spike counts and rates per epoch,
ISIs, bursts, subthreshold oscillations, after-depolarisation, ramp onset."""

from __future__ import annotations

import math

import numpy as np

from izh_brian.analysis.spiketrains import cv_isi, isis_ms
from izh_brian.analysis.tolerances import TOL

__all__ = [
    "protocol_boundaries",
    "epochs",
    "isi_features",
    "adaptation_index",
    "detect_bursts",
    "subthreshold_oscillation",
    "after_depolarisation",
    "ramp_onset",
    "response_features",
    "result_features",
    "boundaries_from_current",
]


def protocol_boundaries(stimulus, duration_ms: float) -> list[float]:
    """Times (ms) where an input protocol changes from one epoch to the next.

    Parameters
    ----------
    stimulus : izh_brian.stimuli.Stimulus
        The protocol: a baseline and windows (:class:`~izh_brian.stimuli.Piece`).
    duration_ms : float
        Length of the record (ms); boundaries outside ``(0, duration_ms)`` are dropped.

    Returns
    -------
    list of float
        The finite window edges inside the record, sorted and unique. The
        epochs of the response are the intervals between ``0``, these times
        and ``duration_ms``.
    """
    edges = set()
    for p in stimulus.pieces:
        for e in (p.start, p.stop):
            if math.isfinite(e) and 0.0 < e < duration_ms:
                edges.add(float(e))
    return sorted(edges)


def boundaries_from_current(t_ms, I, jump: float | None = None) -> list[float]:
    """Epoch boundaries (ms) of a sampled input: the times where it jumps.

    A boundary is placed between samples ``k-1`` and ``k`` where
    ``|I[k] - I[k-1]| > jump``, at the midpoint of the two sample times.
    Ramps (small per-sample changes) do not make boundaries.

    Parameters
    ----------
    t_ms, I : array_like
        Grid (ms) and current samples.
    jump : float, optional
        Threshold (mV/ms); default :attr:`Tolerances.current_jump`.
    """
    t_ms = np.asarray(t_ms, dtype=float)
    I = np.asarray(I, dtype=float)
    jump = TOL.current_jump if jump is None else jump
    if len(I) < 2:
        return []
    k = np.flatnonzero(np.abs(np.diff(I)) > jump) + 1
    return [float(0.5 * (t_ms[i - 1] + t_ms[i])) for i in k]


def epochs(spike_times_ms, boundaries_ms, duration_ms: float, t_ms=None, I=None) -> list[dict]:
    """Spike count, rate and mean input in each epoch of a protocol.

    The epochs are ``[0, b_1), [b_1, b_2), ..., [b_n, duration]``.

    Parameters
    ----------
    spike_times_ms : array_like
    boundaries_ms : sequence of float
        From :func:`protocol_boundaries` or :func:`boundaries_from_current`.
    duration_ms : float
    t_ms, I : array_like, optional
        The sampled input, to report each epoch's mean, first and last current.

    Returns
    -------
    list of dict
        ``start_ms``, ``stop_ms``, ``n_spikes``, ``rate_hz`` (spikes per
        second of the epoch) and, with the input, ``I_mean``, ``I_first``,
        ``I_last``.
    """
    st = np.asarray(spike_times_ms, dtype=float)
    edges = [0.0] + [float(b) for b in boundaries_ms] + [float(duration_ms)]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        last = hi == edges[-1]
        m = (st >= lo) & ((st <= hi) if last else (st < hi))
        n = int(np.count_nonzero(m))
        e = {"start_ms": lo, "stop_ms": hi, "n_spikes": n,
             "rate_hz": 1000.0 * n / (hi - lo) if hi > lo else 0.0}
        if t_ms is not None and I is not None:
            tt = np.asarray(t_ms, dtype=float)
            ii = np.asarray(I, dtype=float)
            mm = (tt > lo) & (tt < hi) if hi > lo else np.zeros_like(tt, dtype=bool)
            if not np.any(mm):
                mm = (tt >= lo) & (tt <= hi)
            if np.any(mm):
                e["I_mean"] = float(np.mean(ii[mm]))
                e["I_first"] = float(ii[mm][0])
                e["I_last"] = float(ii[mm][-1])
        out.append(e)
    return out


def adaptation_index(isis_ms) -> float:
    """Mean normalised change of consecutive inter-spike intervals.

    .. math:: A = \\frac{1}{n-1} \\sum_k \\frac{ISI_{k+1} - ISI_k}{ISI_{k+1} + ISI_k}

    Positive when the intervals lengthen (the rate adapts), 0 for a regular
    train, negative when the rate accelerates. ``nan`` with fewer than two
    intervals.
    """
    x = np.asarray(isis_ms, dtype=float)
    if len(x) < 2:
        return float("nan")
    return float(np.mean((x[1:] - x[:-1]) / (x[1:] + x[:-1])))


def isi_features(spike_times_ms) -> dict:
    """Inter-spike-interval statistics of one train.

    Returns
    -------
    dict
        ``isis_ms`` (list), ``first_isi_ms``, ``last_isi_ms``, ``cv_isi``
        (:func:`izh_brian.analysis.spiketrains.cv_isi`: population SD / mean), ``late_cv_isi`` (the CV
        of the second half of the intervals, the steady state),
        ``adaptation_ratio`` (last / first interval), ``adaptation_index``
        (:func:`adaptation_index`), ``onset_rate_hz`` (1000 / first ISI) and
        ``late_rate_hz`` (1000 / mean of the last two intervals). Missing
        values are ``nan``.
    """
    isis = isis_ms(np.sort(np.asarray(spike_times_ms, dtype=float)))
    nan = float("nan")
    out = {"isis_ms": [float(x) for x in isis], "first_isi_ms": nan, "last_isi_ms": nan, "cv_isi": nan,
           "late_cv_isi": nan, "adaptation_ratio": nan, "adaptation_index": adaptation_index(isis),
           "onset_rate_hz": nan, "late_rate_hz": nan}
    if len(isis) >= 1:
        out["first_isi_ms"] = float(isis[0])
        out["last_isi_ms"] = float(isis[-1])
        out["onset_rate_hz"] = 1000.0 / float(isis[0]) if isis[0] > 0 else nan
        late = isis[-2:]
        out["late_rate_hz"] = 1000.0 / float(np.mean(late))
        out["adaptation_ratio"] = float(isis[-1] / isis[0]) if isis[0] > 0 else nan
    if len(isis) >= 2:
        out["cv_isi"] = cv_isi(isis)
        half = isis[len(isis) // 2:]
        out["late_cv_isi"] = cv_isi(half) if len(half) >= 2 else 0.0
    return out


def detect_bursts(spike_times_ms, end_ms: float, max_isi_ms: float | None = None,
                  gap_ratio: float | None = None, min_spikes: int | None = None) -> list[dict]:
    """Group a spike train into bursts.

    Consecutive spikes closer than ``max_isi_ms`` form a group. A group of at
    least ``min_spikes`` spikes is a *burst* when the silence that follows it
    (to the next spike, or to ``end_ms``) is at least ``gap_ratio`` times its
    longest intra-group interval: a burst is a cluster set apart by a pause,
    not the start of a fast regular train.

    Parameters
    ----------
    spike_times_ms : array_like
    end_ms : float
        End of the observation window (the silence after the last group is
        measured to it).
    max_isi_ms, gap_ratio, min_spikes : optional
        Default :attr:`Tolerances.burst_isi_ms`, ``burst_gap_ratio``,
        ``burst_min_spikes``.

    Returns
    -------
    list of dict
        One per burst: ``start_ms``, ``stop_ms``, ``n_spikes``,
        ``max_isi_ms``, ``gap_after_ms``.
    """
    max_isi_ms = TOL.burst_isi_ms if max_isi_ms is None else max_isi_ms
    gap_ratio = TOL.burst_gap_ratio if gap_ratio is None else gap_ratio
    min_spikes = TOL.burst_min_spikes if min_spikes is None else min_spikes
    st = np.sort(np.asarray(spike_times_ms, dtype=float))
    bursts = []
    i = 0
    n = len(st)
    while i < n:
        j = i
        while j + 1 < n and st[j + 1] - st[j] <= max_isi_ms:
            j += 1
        count = j - i + 1
        if count >= min_spikes:
            longest = float(np.max(np.diff(st[i:j + 1])))
            gap = float(st[j + 1] - st[j]) if j + 1 < n else float(end_ms - st[j])
            if gap >= gap_ratio * longest:
                bursts.append({"start_ms": float(st[i]), "stop_ms": float(st[j]), "n_spikes": int(count),
                               "max_isi_ms": longest, "gap_after_ms": gap})
        i = j + 1
    return bursts


def subthreshold_oscillation(t_ms, v_mV, start_ms: float, stop_ms: float,
                             min_amp_mV: float | None = None) -> dict:
    """Damped oscillation of the membrane potential in a window without spikes.

    The local extrema of v in ``[start_ms, stop_ms]`` are reduced to
    alternating peaks and troughs with a hysteresis of ``min_amp_mV``: a turn
    counts only once v has moved back by that much from the running peak or
    trough (numerical noise and plateaus do not count). The half-period is
    the mean time between alternating extrema.

    Returns
    -------
    dict
        ``n_extrema`` (alternating extrema after merging; an oscillation needs
        at least 3), ``frequency_hz`` (1000 / (2 x mean half-period), ``nan``
        with fewer than 2 extrema), ``amplitudes_mV`` (successive
        peak-to-trough swings) and ``damping`` (ratio of the last swing to the
        first: under 1 for a damped oscillation, ``nan`` with fewer than 2 swings).
    """
    min_amp_mV = TOL.osc_min_amp_mV if min_amp_mV is None else min_amp_mV
    t = np.asarray(t_ms, dtype=float)
    v = np.asarray(v_mV, dtype=float)
    m = (t >= start_ms) & (t <= stop_ms)
    t, v = t[m], v[m]
    nan = float("nan")
    empty = {"n_extrema": 0, "frequency_hz": nan, "amplitudes_mV": [], "damping": nan}
    if len(v) < 3:
        return empty
    dv = np.diff(v)
    sign = np.sign(dv)
    # carry the last non-zero slope through flat stretches
    last = np.maximum.accumulate(np.where(sign != 0, np.arange(len(sign)), 0))
    sign = sign[last]
    idx = np.flatnonzero(sign[1:] * sign[:-1] < 0) + 1
    # zigzag with hysteresis over the raw extrema: a turn counts only once v
    # has moved min_amp_mV back from the running peak (or trough); linear time.
    clean = []
    if len(idx):
        trend = 0
        hi = lo = int(idx[0])
        for k in idx[1:]:
            k = int(k)
            if trend == 0:
                if v[k] - v[lo] >= min_amp_mV:
                    clean.append(lo)
                    trend, hi = 1, k
                elif v[hi] - v[k] >= min_amp_mV:
                    clean.append(hi)
                    trend, lo = -1, k
                else:
                    hi = k if v[k] > v[hi] else hi
                    lo = k if v[k] < v[lo] else lo
            elif trend > 0:
                if v[k] > v[hi]:
                    hi = k
                elif v[hi] - v[k] >= min_amp_mV:
                    clean.append(hi)
                    trend, lo = -1, k
            else:
                if v[k] < v[lo]:
                    lo = k
                elif v[k] - v[lo] >= min_amp_mV:
                    clean.append(lo)
                    trend, hi = 1, k
        if trend > 0:
            clean.append(hi)
        elif trend < 0:
            clean.append(lo)
    clean = [(k, float(v[k]), 0) for k in clean]
    if not clean:
        return empty
    times = np.array([t[k] for k, _, _ in clean])
    vals = np.array([x for _, x, _ in clean])
    amps = np.abs(np.diff(vals))
    freq = 1000.0 / (2.0 * float(np.mean(np.diff(times)))) if len(times) >= 2 else nan
    damping = float(amps[-1] / amps[0]) if len(amps) >= 2 and amps[0] > 0 else nan
    return {"n_extrema": len(clean), "frequency_hz": freq, "amplitudes_mV": [float(a) for a in amps],
            "damping": damping}


def after_depolarisation(t_ms, v_mV, spike_time_ms: float, window_ms: float | None = None) -> float:
    """Rise of the membrane potential after a spike's reset (mV).

    The after-depolarisation (DAP) is ``max(v) - v_reset`` over the samples
    after the spike, within ``window_ms``, where ``v_reset`` is the first
    sample after the spike. A neuron whose potential only decays after the
    reset gives about 0 (or a negative value); a DAP gives a clearly positive
    rise.
    """
    window_ms = TOL.adp_window_ms if window_ms is None else window_ms
    t = np.asarray(t_ms, dtype=float)
    v = np.asarray(v_mV, dtype=float)
    k = int(np.searchsorted(t, spike_time_ms, side="right"))
    m = (t > spike_time_ms) & (t <= spike_time_ms + window_ms)
    if k >= len(t) or not np.any(m):
        return float("nan")
    return float(np.max(v[m]) - v[k])


def ramp_onset(spike_times_ms, t_ms, I) -> dict:
    """Current at the first spike and firing rates on a ramp.

    Returns
    -------
    dict
        ``current_at_first_spike`` (the input sample of the step of the first
        spike, mV/ms), ``onset_rate_hz`` (1000 / first ISI), ``final_rate_hz``
        (1000 / last ISI); ``nan`` where undefined.
    """
    st = np.sort(np.asarray(spike_times_ms, dtype=float))
    t = np.asarray(t_ms, dtype=float)
    I = np.asarray(I, dtype=float)
    nan = float("nan")
    out = {"current_at_first_spike": nan, "onset_rate_hz": nan, "final_rate_hz": nan}
    if len(st):
        k = min(int(np.searchsorted(t, st[0] - 1e-9)), len(I) - 1)
        out["current_at_first_spike"] = float(I[k])
    if len(st) >= 2:
        out["onset_rate_hz"] = 1000.0 / float(st[1] - st[0])
        out["final_rate_hz"] = 1000.0 / float(st[-1] - st[-2])
    return out


def response_features(spike_times_ms, t_ms, v_mV, I, boundaries_ms, duration_ms: float) -> dict:
    """All the features of one response to one protocol.

    Parameters
    ----------
    spike_times_ms : array_like
        Spike times (ms).
    t_ms, v_mV, I : array_like
        The grid (ms), the membrane potential (mV) and the input (mV/ms).
        ``v_mV`` may be ``None`` (spike times only): the oscillation and the
        after-depolarisation are then not measured (no extrema, ``nan``) and
        the private key ``_no_trace`` tells the validators so.
    boundaries_ms : sequence of float
        Epoch boundaries of the protocol (:func:`protocol_boundaries`).
    duration_ms : float

    Returns
    -------
    dict
        ``n_spikes``, ``spike_times_ms``, ``epochs`` (:func:`epochs`),
        ``onset_ms`` (first boundary, or ``nan``), ``latency_ms`` (first spike
        after onset minus onset), ``n_before_onset``, the ISI statistics of the
        spikes after onset (:func:`isi_features`), ``bursts``
        (:func:`detect_bursts` over the spikes after onset), ``n_bursts``,
        ``spikes_per_burst`` (mean), ``inter_burst_ms`` (mean interval between
        burst starts), ``rebounds`` (per inhibitory pulse: end, spikes in the
        rebound window, latency), the oscillation after the last event
        (:func:`subthreshold_oscillation`), ``adp_mV``
        (:func:`after_depolarisation` after the first spike) and the ramp
        features (:func:`ramp_onset`) of the spikes after onset.
    """
    st = np.sort(np.asarray(spike_times_ms, dtype=float))
    t = np.asarray(t_ms, dtype=float)
    no_trace = v_mV is None
    v = np.full(t.shape, np.nan) if no_trace else np.asarray(v_mV, dtype=float)
    I = np.asarray(I, dtype=float)
    bounds = [float(b) for b in boundaries_ms]
    ep = epochs(st, bounds, duration_ms, t, I)
    onset = bounds[0] if bounds else float("nan")
    f: dict = {"n_spikes": int(len(st)), "spike_times_ms": [float(x) for x in st], "duration_ms": float(duration_ms),
               "boundaries_ms": bounds, "epochs": ep, "onset_ms": onset}
    after = st[st >= onset] if bounds else st
    f["n_before_onset"] = int(len(st) - len(after))
    f["latency_ms"] = float(after[0] - onset) if (bounds and len(after)) else float("nan")
    f.update(isi_features(after))
    b = detect_bursts(after, duration_ms)
    f["bursts"] = b
    f["n_bursts"] = len(b)
    f["spikes_per_burst"] = float(np.mean([x["n_spikes"] for x in b])) if b else 0.0
    f["inter_burst_ms"] = float(np.mean(np.diff([x["start_ms"] for x in b]))) if len(b) >= 2 else float("nan")
    f["burst_spikes"] = int(sum(x["n_spikes"] for x in b))
    # rebounds after inhibitory windows (input below the level of the epoch before)
    reb = []
    for k in range(1, len(ep) - 1):
        e, prev, nxt = ep[k], ep[k - 1], ep[k + 1]
        if "I_mean" in e and "I_mean" in prev and e["I_mean"] < prev["I_mean"] - TOL.current_jump \
                and nxt.get("I_mean", -np.inf) > e["I_mean"] + TOL.current_jump:
            end = e["stop_ms"]
            w = st[(st >= end) & (st < end + TOL.rebound_window_ms)]
            reb.append({"end_ms": end, "n_spikes": int(len(w)),
                        "latency_ms": float(w[0] - end) if len(w) else float("nan"),
                        "max_isi_ms": float(np.max(np.diff(w))) if len(w) >= 2 else float("nan")})
    # the initial hyperpolarisation of a record that starts inhibited (TC_burst, RZ)
    if len(ep) >= 2 and "I_mean" in ep[0] and ep[0]["I_mean"] < ep[1].get("I_mean", -np.inf) - TOL.current_jump:
        end = ep[0]["stop_ms"]
        w = st[(st >= end) & (st < end + TOL.rebound_window_ms)]
        reb.insert(0, {"end_ms": end, "n_spikes": int(len(w)),
                       "latency_ms": float(w[0] - end) if len(w) else float("nan"),
                       "max_isi_ms": float(np.max(np.diff(w))) if len(w) >= 2 else float("nan")})
    f["rebounds"] = reb
    # oscillation after the last spike or the last boundary, whichever is later
    last_event = max([st[-1] if len(st) else 0.0] + bounds)
    if no_trace:
        f["_no_trace"] = True
        f["oscillation"] = _no_oscillation()
        f["adp_mV"] = float("nan")
    else:
        f["oscillation"] = subthreshold_oscillation(t, v, last_event, duration_ms)
        f["adp_mV"] = after_depolarisation(t, v, st[0]) if len(st) else float("nan")
    f.update({"ramp_" + k: x for k, x in ramp_onset(after, t, I).items()})
    return f


def result_features(result) -> dict:
    """:func:`response_features` of a :class:`~izh_brian.simulation.Result` (protocol from its preset)."""
    p = result.preset
    bounds = protocol_boundaries(p.stimulus, p.duration)
    return response_features(result.spike_times_ms, result.t_ms, result.v_mV, result.I, bounds, p.duration)


def _no_oscillation() -> dict:
    return {"n_extrema": 0, "frequency_hz": float("nan"), "amplitudes_mV": [], "damping": float("nan")}
