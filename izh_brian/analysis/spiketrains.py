r"""Spike-train statistics: one definition of each, used by the validators, the classifier and the atlas.

All times are plain floats in ms, spike trains sorted. The conventions, fixed here once:

- **Window.** A step switched on at ``onset`` acts from the first sample *after* it (figure1.m's steps are
  ``t > T/10``; :func:`izh_brian.stimuli.step`), so the spikes of a response are those with
  ``onset < t <= stop``: the half-open window ``(onset, stop]``. A spike stamped at ``onset`` itself
  preceded the input.
- **Coefficient of variation.** ``CV = SD / mean`` of the inter-spike intervals, with the *population*
  standard deviation (``ddof = 0``), as ``scipy.stats.variation`` and ``elephant.statistics.cv`` define
  it; NaN with fewer than two intervals.
- **Rate.** Either the count in a window over its length (:func:`window_rate_hz`), or the reciprocal of the
  mean interval (:func:`isi_rate_hz`), which ignores the time before the first spike and after the last.

>>> st = [12.0, 20.0, 30.0, 42.0]
>>> isis_ms(st).tolist()
[8.0, 10.0, 12.0]
>>> round(cv_isi(isis_ms(st)), 4)
0.1633
>>> in_window(st, 12.0, 30.0).tolist()
[20.0, 30.0]
>>> window_rate_hz(st, 0.0, 100.0)
40.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["isis_ms", "cv_isi", "in_window", "window_rate_hz", "isi_rate_hz", "CV_DDOF"]

#: Degrees of freedom of the standard deviation in :func:`cv_isi` (population SD).
CV_DDOF = 0


def _train(spike_times_ms) -> np.ndarray:
    return np.asarray(spike_times_ms, dtype=float).ravel()


def isis_ms(spike_times_ms) -> np.ndarray:
    """Inter-spike intervals (ms) of a sorted train: ``t[k+1] - t[k]``."""
    return np.diff(_train(spike_times_ms))


def cv_isi(isis) -> float:
    r"""Coefficient of variation of intervals, :math:`\sigma/\mu` with ``ddof = 0``; NaN for fewer than 2.

    0 for a perfectly regular train, about 1 for a Poisson train.
    """
    isis = np.asarray(isis, dtype=float).ravel()
    if isis.size < 2:
        return float("nan")
    return float(np.std(isis, ddof=CV_DDOF) / np.mean(isis))


def in_window(spike_times_ms, onset_ms: float, stop_ms: float) -> np.ndarray:
    """The spikes with ``onset_ms < t <= stop_ms`` (the half-open response window)."""
    st = _train(spike_times_ms)
    return st[(st > onset_ms) & (st <= stop_ms)]


def window_rate_hz(spike_times_ms, onset_ms: float, stop_ms: float) -> float:
    """Spikes in ``(onset_ms, stop_ms]`` per second of that window."""
    if not stop_ms > onset_ms:
        raise ValueError(f"the window must have stop > onset, got ({onset_ms}, {stop_ms}]")
    return float(in_window(spike_times_ms, onset_ms, stop_ms).size / ((stop_ms - onset_ms) / 1000.0))


def isi_rate_hz(isis) -> float:
    """``1000 / mean interval`` (Hz); NaN without an interval."""
    isis = np.asarray(isis, dtype=float).ravel()
    return float(1000.0 / np.mean(isis)) if isis.size else float("nan")
