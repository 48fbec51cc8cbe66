"""Figures of the 2003 cortical network, on plain arrays.

Each ``plot_*`` function takes arrays (times in ms, potentials in mV,
currents in mV/ms), accepts ``ax=`` and returns the axes; nothing calls
``plt.show()``. :func:`network_figure` assembles the four panels of the
paper's look: the raster with the excitatory neurons below the inhibitory
ones (as net.m's ``plot(firings(:,1), firings(:,2), '.')`` draws them), the
input currents as a heat map, v and u of example neurons, and the spectrum of
the population rate with the alpha and gamma bands shaded.
"""

from __future__ import annotations

import numpy as np

from izh_brian.network.analysis import (
    ALPHA_BAND_HZ,
    GAMMA_BAND_HZ,
    compute_population_rate,
    compute_spectrum,
    dominant_frequency,
)
from izh_brian.plotting.axes import EXC_COLOR, INH_COLOR, new_axes

__all__ = [
    "plot_raster",
    "plot_currents",
    "plot_example_neurons",
    "plot_spectrum",
    "plot_population_rate",
    "network_figure",
    "save_network_figure",
]



def plot_raster(spike_t_ms, spike_i, n_exc, n_inh=None, *, ax=None, markersize=1.0, separator=True, **kwargs):
    """Spike raster, excitatory neurons (0 .. n_exc-1) below the inhibitory ones, in two colours.

    Parameters
    ----------
    spike_t_ms, spike_i : array
        Spike times (ms) and neuron indices.
    n_exc : int
        Number of excitatory neurons; ``n_inh`` sets the y range.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    Axes
    """
    ax = new_axes(ax, figsize=(6, 3))
    t = np.asarray(spike_t_ms, float)
    i = np.asarray(spike_i)
    exc = i < n_exc
    kw = dict(ls="", marker=".", markersize=markersize)
    kw.update(kwargs)
    ax.plot(t[exc], i[exc], color=EXC_COLOR, label="excitatory", **kw)
    ax.plot(t[~exc], i[~exc], color=INH_COLOR, label="inhibitory", **kw)
    if separator and n_inh:
        ax.axhline(n_exc - 0.5, color="0.5", lw=0.5)
    if n_inh is not None:
        ax.set_ylim(-0.5, n_exc + n_inh - 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    return ax


def plot_population_rate(t_ms, rate_hz, *, ax=None, **kwargs):
    """The population rate (Hz) against time (ms)."""
    ax = new_axes(ax, figsize=(6, 3))
    ax.plot(t_ms, rate_hz, lw=0.7, color=kwargs.pop("color", "k"), **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    return ax


def plot_currents(t_ms, currents, *, neurons=None, n_exc=None, ax=None, cmap="RdBu_r", vmax=None, colorbar=True,
                  **kwargs):
    """Input currents (mV/ms, noise + synaptic) as a heat map: neurons (rows) against time.

    Parameters
    ----------
    t_ms : array, shape (n_steps,)
    currents : array, shape (n_neurons, n_steps)
    neurons : array, optional
        Neuron index of each row (default 0 .. n-1).
    n_exc : int, optional
        Draws a line between the populations.
    vmax : float, optional
        Symmetric colour limit (default: the 99th percentile of ``|I|``).
    """
    ax = new_axes(ax, figsize=(6, 3))
    cur = np.asarray(currents, float)
    t = np.asarray(t_ms, float)
    rows = np.arange(cur.shape[0]) if neurons is None else np.asarray(neurons)
    if vmax is None:
        vmax = float(np.percentile(np.abs(cur), 99)) if cur.size else 1.0
        vmax = vmax or 1.0
    dt = t[1] - t[0] if t.size > 1 else 1.0
    extent = (t[0] - dt / 2 if t.size else 0, t[-1] + dt / 2 if t.size else 1, rows[0] - 0.5 if rows.size else 0,
              rows[-1] + 0.5 if rows.size else 1)
    im = ax.imshow(cur, aspect="auto", origin="lower", cmap=cmap, vmin=-vmax, vmax=vmax, extent=extent,
                   interpolation="nearest", **kwargs)
    if n_exc is not None and rows.size and rows[0] < n_exc <= rows[-1]:
        ax.axhline(n_exc - 0.5, color="k", lw=0.5)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="I (mV/ms)")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    return ax


def plot_example_neurons(t_ms, v_mV, u=None, *, neurons=None, n_exc=None, ax=None, vpeak=30.0):
    """v (mV) of example neurons, with u (mV/ms) on a twin axis; spikes drawn to ``vpeak``.

    Parameters
    ----------
    t_ms : array, shape (n_steps,)
    v_mV, u : array, shape (n_examples, n_steps)
    neurons : array, optional
        Index of each example (labels; excitatory when below ``n_exc``).

    Returns
    -------
    Axes
        The v axes (the u axes is ``ax.u_axes`` when u is given).
    """
    ax = new_axes(ax, figsize=(6, 3))
    v = np.atleast_2d(np.asarray(v_mV, float))
    rows = np.arange(v.shape[0]) if neurons is None else np.asarray(neurons)
    colors = [EXC_COLOR if (n_exc is not None and k < n_exc) else INH_COLOR if n_exc is not None else None
              for k in rows]
    for row, k, col in zip(v, rows, colors):
        kind = "" if n_exc is None else (" (exc)" if k < n_exc else " (inh)")
        ax.plot(t_ms, np.minimum(row, vpeak), lw=0.7, color=col, label=f"v, neuron {k}{kind}")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("v (mV)")
    if u is not None:
        uu = np.atleast_2d(np.asarray(u, float))
        ax2 = ax.twinx()
        for row, k, col in zip(uu, rows, colors):
            ax2.plot(t_ms, row, lw=0.7, ls="--", color=col, alpha=0.7, label=f"u, neuron {k}")
        ax2.set_ylabel("u (mV/ms), dashed")
        ax.u_axes = ax2
    ax.legend(loc="upper right", fontsize="x-small")
    return ax


def plot_spectrum(f_hz, psd, *, peak_hz=None, ax=None, fmax=100.0, bands=True, **kwargs):
    """Power spectrum of the population rate, alpha (8-13 Hz) and gamma (30-50 Hz) bands shaded."""

    ax = new_axes(ax, figsize=(6, 3))
    f = np.asarray(f_hz, float)
    p = np.asarray(psd, float)
    m = f <= fmax
    ax.plot(f[m], p[m], color=kwargs.pop("color", "k"), lw=1, **kwargs)
    if bands:
        ax.axvspan(*ALPHA_BAND_HZ, color="tab:orange", alpha=0.2, label="alpha 8-13 Hz")
        ax.axvspan(*GAMMA_BAND_HZ, color="tab:green", alpha=0.2, label="gamma 30-50 Hz")
    if peak_hz:
        ax.axvline(peak_hz, color="0.3", ls=":", lw=1, label=f"peak {peak_hz:g} Hz")
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power (Hz$^2$/Hz)")
    ax.legend(fontsize="x-small")
    return ax


def network_figure(spike_t_ms, spike_i, n_exc, n_inh, duration_ms, *, t_ms=None, currents=None, current_rows=None,
                   v_mV=None, u=None, record_v=None, f_hz=None, psd=None, title=None, figsize=(10, 8)):
    """The four-panel network figure (raster, currents, example neurons, spectrum); returns the Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    axs = fig.subplots(2, 2)
    plot_raster(spike_t_ms, spike_i, n_exc, n_inh, ax=axs[0, 0])
    axs[0, 0].set_xlim(0, duration_ms)
    axs[0, 0].set_title("raster (excitatory below, inhibitory above)", fontsize="small")
    if currents is not None and t_ms is not None:
        plot_currents(t_ms, currents, neurons=current_rows, n_exc=n_exc, ax=axs[0, 1])
        axs[0, 1].set_title("input current (thalamic + synaptic)", fontsize="small")
    else:
        tb, rate = compute_population_rate(spike_t_ms, n_exc + n_inh, duration_ms)
        plot_population_rate(tb, rate, ax=axs[0, 1])
        axs[0, 1].set_title("population rate", fontsize="small")
    if v_mV is not None and t_ms is not None:
        plot_example_neurons(t_ms, v_mV, u, neurons=record_v, n_exc=n_exc, ax=axs[1, 0])
        axs[1, 0].set_title("example neurons", fontsize="small")
    else:
        axs[1, 0].set_axis_off()
    if f_hz is None or psd is None:
        _, rate = compute_population_rate(spike_t_ms, n_exc + n_inh, duration_ms)
        f_hz, psd = compute_spectrum(rate)
    plot_spectrum(f_hz, psd, peak_hz=dominant_frequency(f_hz, psd), ax=axs[1, 1])
    axs[1, 1].set_title("spectrum of the population rate", fontsize="small")
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig


def save_network_figure(path, *, dpi=120, **kwargs):
    """Draw :func:`network_figure` (``kwargs``) and save it to ``path`` (format from the extension)."""
    fig = network_figure(**kwargs)
    fig.savefig(path, dpi=dpi)
    return path
