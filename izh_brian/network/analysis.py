"""Rhythm analysis of a network's spikes: rates, population rate, spectrum, band powers, synchrony."""

from __future__ import annotations

import numpy as np
from scipy.signal import welch

__all__ = [
    "compute_rates",
    "compute_population_rate",
    "compute_spectrum",
    "compute_band_powers",
    "dominant_frequency",
    "compute_synchrony",
    "analyze_spikes",
    "ALPHA_BAND_HZ",
    "GAMMA_BAND_HZ",
]


#: The alpha band (Hz).
ALPHA_BAND_HZ = (8.0, 13.0)


#: The gamma band (Hz).
GAMMA_BAND_HZ = (30.0, 50.0)


def compute_rates(spike_i, n_exc, n_inh, duration_ms) -> dict:
    """Mean firing rates (Hz): all neurons, excitatory (0..n_exc-1), inhibitory."""
    spike_i = np.asarray(spike_i)
    T = float(duration_ms) / 1000.0
    n_e = int(np.count_nonzero(spike_i < n_exc))
    n_i = int(spike_i.size - n_e)
    n = n_exc + n_inh
    return {
        "rate_hz": spike_i.size / (n * T) if n else 0.0,
        "rate_exc_hz": n_e / (n_exc * T) if n_exc else 0.0,
        "rate_inh_hz": n_i / (n_inh * T) if n_inh else 0.0,
    }


def compute_population_rate(spike_t_ms, n, duration_ms, bin_ms=1.0):
    """The population rate: spikes per neuron per second in bins of ``bin_ms``.

    Returns
    -------
    t_ms : ndarray
        Left edges of the bins.
    rate_hz : ndarray
        Its time average equals the mean rate of :func:`compute_rates`.
    """
    nb = int(round(float(duration_ms) / bin_ms))
    k = np.floor(np.asarray(spike_t_ms, float) / bin_ms + 1e-9).astype(np.int64)
    k = k[(k >= 0) & (k < nb)]
    counts = np.bincount(k, minlength=nb).astype(float)
    return np.arange(nb) * bin_ms, counts / (n * bin_ms / 1000.0)


def compute_spectrum(rate_hz, bin_ms=1.0, segment_ms=500.0):
    """Welch power spectrum of the population rate (mean removed).

    Segments of ``segment_ms`` (Hann window, half overlap): 2 Hz resolution by
    default.

    Returns
    -------
    f_hz, psd : ndarray
        Frequencies (Hz) and power spectral density (Hz^2/Hz).
    """

    x = np.asarray(rate_hz, float)
    fs = 1000.0 / bin_ms
    nper = max(8, min(x.size, int(round(segment_ms / bin_ms))))
    return welch(x - x.mean(), fs=fs, nperseg=nper, detrend=False)


def _band_power(f, psd, lo, hi):
    m = (f >= lo) & (f <= hi)
    if not np.any(m):
        return 0.0
    df = f[1] - f[0] if f.size > 1 else 1.0
    return float(np.sum(psd[m]) * df)


def compute_band_powers(f_hz, psd, total_band=(1.0, 100.0)) -> dict:
    """Alpha (8-13 Hz) and gamma (30-50 Hz) band powers and their shares of the 1-100 Hz power."""
    alpha = _band_power(f_hz, psd, *ALPHA_BAND_HZ)
    gamma = _band_power(f_hz, psd, *GAMMA_BAND_HZ)
    total = _band_power(f_hz, psd, *total_band)
    return {
        "alpha_power": alpha,
        "gamma_power": gamma,
        "alpha_fraction": alpha / total if total > 0 else 0.0,
        "gamma_fraction": gamma / total if total > 0 else 0.0,
    }


def dominant_frequency(f_hz, psd, fmin=2.0, fmax=100.0) -> float:
    """The frequency (Hz) of the spectral peak between ``fmin`` and ``fmax``."""
    f_hz = np.asarray(f_hz)
    m = (f_hz >= fmin) & (f_hz <= fmax)
    if not np.any(m) or not np.any(np.asarray(psd)[m] > 0):
        return 0.0
    return float(f_hz[m][int(np.argmax(np.asarray(psd)[m]))])


def compute_synchrony(spike_i, spike_t_ms, n, duration_ms, bin_ms=5.0) -> float:
    r"""Golomb's synchrony measure :math:`\chi` on spike counts in bins of ``bin_ms``.

    .. math::

        \chi^2 = \frac{\operatorname{Var}_t\big(\tfrac1N \sum_i x_i(t)\big)}
                      {\tfrac1N \sum_i \operatorname{Var}_t\big(x_i(t)\big)}

    :math:`\chi = 1` when all neurons fire together, about :math:`1/\sqrt N`
    when they fire independently.
    """
    spike_i = np.asarray(spike_i, np.int64)
    nb = int(round(float(duration_ms) / bin_ms))
    if spike_i.size == 0 or nb < 2:
        return 0.0
    k = np.clip(np.floor(np.asarray(spike_t_ms, float) / bin_ms + 1e-9).astype(np.int64), 0, nb - 1)
    pop = np.bincount(k, minlength=nb) / n
    var_pop = pop.var()
    # per-neuron variance from sums of x and x^2 over the occupied (neuron, bin) cells
    cell, counts = np.unique(spike_i * nb + k, return_counts=True)
    owner = cell // nb
    s1 = np.bincount(owner, weights=counts, minlength=n)
    s2 = np.bincount(owner, weights=counts.astype(float) ** 2, minlength=n)
    var_i = s2 / nb - (s1 / nb) ** 2
    mean_var = var_i.sum() / n
    if mean_var <= 0:
        return 0.0
    return float(np.sqrt(var_pop / mean_var))


def analyze_spikes(spike_t_ms, spike_i, n_exc, n_inh, duration_ms, bin_ms=1.0) -> dict:
    """Rates, the dominant frequency, band powers and synchrony of a raster (one dict)."""
    out = compute_rates(spike_i, n_exc, n_inh, duration_ms)
    n = n_exc + n_inh
    _, rate = compute_population_rate(spike_t_ms, n, duration_ms, bin_ms)
    f, psd = compute_spectrum(rate, bin_ms)
    out["peak_hz"] = dominant_frequency(f, psd)
    out.update(compute_band_powers(f, psd))
    out["synchrony"] = compute_synchrony(spike_i, spike_t_ms, n, duration_ms)
    return out
