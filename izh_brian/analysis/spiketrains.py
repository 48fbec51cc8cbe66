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
- **Two trains.** :func:`compare_trains` pairs the k-th spike of one train with the k-th of the other; two
  spikes are on the same step of ``dt`` when at most ``dt/2`` apart (edge included). The coincidence factor
  (:func:`coincidence_factor`) instead pairs each spike with one of the other train at most ``window_ms``
  away (edge included), whatever their order.

>>> st = [12.0, 20.0, 30.0, 42.0]
>>> isis_ms(st).tolist()
[8.0, 10.0, 12.0]
>>> round(cv_isi(isis_ms(st)), 4)
0.1633
>>> in_window(st, 12.0, 30.0).tolist()
[20.0, 30.0]
>>> window_rate_hz(st, 0.0, 100.0)
40.0
>>> c = compare_trains([13.0, 17.0, 31.5], [13.0, 17.25, 31.5, 45.0], dt_ms=0.25)
>>> c.same_count, c.max_abs_dt_ms, c.first_index, c.first_difference_ms
(False, 0.25, 1, 17.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["isis_ms", "cv_isi", "in_window", "window_rate_hz", "isi_rate_hz", "CV_DDOF", "COINCIDENCE_WINDOW_MS",
           "n_coincident", "coincidence_factor", "TrainComparison", "compare_trains"]

#: Degrees of freedom of the standard deviation in :func:`cv_isi` (population SD).
CV_DDOF = 0

#: Coincidence window Delta (ms) of :func:`coincidence_factor`.
COINCIDENCE_WINDOW_MS = 2.0

#: Slack (ms) added to half a step in :func:`compare_trains`, for times written as ``k * dt`` in floats.
STEP_SLACK_MS = 1e-9


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


def n_coincident(a_ms, b_ms, window_ms: float = COINCIDENCE_WINDOW_MS) -> int:
    """Number of one-to-one pairs (a spike, b spike) at most ``window_ms`` apart, edge included (greedy in
    time over sorted trains)."""
    data, model = np.sort(_train(b_ms)), np.sort(_train(a_ms))
    i = j = n = 0
    while i < len(data) and j < len(model):
        if model[j] < data[i] - window_ms:
            j += 1
        elif model[j] > data[i] + window_ms:
            i += 1
        else:
            n += 1
            i += 1
            j += 1
    return n


def coincidence_factor(model_ms, data_ms, duration_ms: float, window_ms: float = COINCIDENCE_WINDOW_MS) -> float:
    r"""The coincidence factor :math:`\Gamma` of a model spike train against a data train.

    .. math::

        \Gamma = \frac{N_\mathrm{coinc} - 2 \nu \Delta N_\mathrm{data}}
                      {\tfrac12 (N_\mathrm{data} + N_\mathrm{model})}
                 \cdot \frac{1}{1 - 2 \nu \Delta}

    :math:`N_\mathrm{coinc}` counts the data spikes that have a model spike within :math:`\pm\Delta`
    (:func:`n_coincident`, each spike paired at most once); :math:`2\nu\Delta N_\mathrm{data}` is the number
    of coincidences a Poisson train of the model's rate :math:`\nu = N_\mathrm{model}/T` would give by
    chance, and :math:`1 - 2\nu\Delta` normalises :math:`\Gamma` to 1 for identical trains. :math:`\Gamma`
    is about 0 for a train unrelated to the data and negative for one that avoids it.

    Edge cases: two empty trains agree perfectly (1); one empty train against a non-empty one gives 0; a model
    firing at a mean rate of :math:`1/(2\Delta)` or more gives 0, since it would meet any data spike by chance.

    References: Kistler, Gerstner, van Hemmen, Neural Comput. 9:1015 (1997); Jolivet et al.,
    J. Neurosci. Methods 169:417 (2008).

    >>> coincidence_factor([10.0, 50.0], [10.0, 50.0], 100.0)
    1.0
    >>> round(coincidence_factor([15.0, 55.0], [10.0, 50.0], 100.0), 4)  # shifted by 5 ms: below chance
    -0.087
    """
    if not (duration_ms > 0):
        raise ValueError(f"duration_ms must be > 0, got {duration_ms!r}")
    if not (window_ms > 0):
        raise ValueError(f"the coincidence window must be > 0 ms, got {window_ms!r}")
    nm, nd = _train(model_ms).size, _train(data_ms).size
    if nm == 0 and nd == 0:
        return 1.0
    if nm == 0 or nd == 0:
        return 0.0
    rate = nm / float(duration_ms)
    norm = 1.0 - 2.0 * rate * window_ms
    if norm <= 0:
        return 0.0
    nc = n_coincident(model_ms, data_ms, window_ms)
    return float((nc - 2.0 * rate * window_ms * nd) / (0.5 * (nd + nm) * norm))


@dataclass(frozen=True)
class TrainComparison:
    """Train ``a`` against train ``b`` (:func:`compare_trains`); the k-th spikes of the two are a pair.

    Attributes
    ----------
    n_a, n_b : int
        Spikes of each train.
    exact : bool
        Same count and every pair at the same time.
    dt_ms : float or None
        The step the trains are compared on; None compares exact times.
    same_steps : bool
        Same count and every pair at most ``dt_ms / 2`` apart (edge included): on the same step of a grid.
        Without ``dt_ms``, :attr:`exact`.
    n_off : int
        Pairs further apart than ``dt_ms / 2`` (not equal without ``dt_ms``).
    max_abs_dt_ms : float or None
        Largest ``|a_k - b_k|`` over the pairs; None without a pair.
    first_index : int or None
        The first pair off, else (counts differing) the first unpaired spike ``min(n_a, n_b)``; None when
        :attr:`same_steps`.
    first_a_ms, first_b_ms : float or None
        The two times at :attr:`first_index` (None for the train that has no spike there).
    window_ms : float
        Coincidence window; :attr:`n_coincident` spikes are paired within it (edge included).
    coincidence_factor : float or None
        :func:`coincidence_factor` of ``a`` (model) against ``b`` (data); None without a duration.
    """

    n_a: int
    n_b: int
    exact: bool
    dt_ms: float | None
    same_steps: bool
    n_off: int
    max_abs_dt_ms: float | None
    first_index: int | None
    first_a_ms: float | None
    first_b_ms: float | None
    window_ms: float
    n_coincident: int
    coincidence_factor: float | None

    @property
    def same_count(self) -> bool:
        return self.n_a == self.n_b

    @property
    def first_difference_ms(self) -> float | None:
        """The earlier time at :attr:`first_index` (None when the trains agree to the step)."""
        times = [t for t in (self.first_a_ms, self.first_b_ms) if t is not None]
        return min(times) if times else None


def compare_trains(a_ms, b_ms, *, dt_ms: float | None = None, window_ms: float = COINCIDENCE_WINDOW_MS,
                   duration_ms: float | None = None) -> TrainComparison:
    """Do two spike trains agree? Pairs the k-th spikes in the order given (no sorting), see
    :class:`TrainComparison`.

    ``dt_ms`` compares on a step (two spikes at most ``dt_ms / 2`` apart fall on the same step of a grid one
    of them lies on); ``duration_ms`` (the record's length) adds the coincidence factor with ``window_ms``.
    """
    a, b = _train(a_ms), _train(b_ms)
    if dt_ms is not None and not (dt_ms > 0):
        raise ValueError(f"dt_ms must be > 0, got {dt_ms!r}")
    n = min(a.size, b.size)
    d = np.abs(a[:n] - b[:n])
    tol = 0.0 if dt_ms is None else 0.5 * float(dt_ms) + STEP_SLACK_MS
    off = np.flatnonzero(d > tol)
    same = a.size == b.size
    first = int(off[0]) if off.size else (None if same else n)
    return TrainComparison(
        n_a=int(a.size), n_b=int(b.size), exact=bool(same and not np.any(d)),
        dt_ms=None if dt_ms is None else float(dt_ms), same_steps=bool(same and not off.size), n_off=int(off.size),
        max_abs_dt_ms=float(d.max()) if n else None, first_index=first,
        first_a_ms=float(a[first]) if first is not None and first < a.size else None,
        first_b_ms=float(b[first]) if first is not None and first < b.size else None,
        window_ms=float(window_ms), n_coincident=n_coincident(a, b, window_ms),
        coincidence_factor=None if duration_ms is None else coincidence_factor(a, b, duration_ms, window_ms))
