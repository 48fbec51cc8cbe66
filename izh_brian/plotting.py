"""Plot functions on arrays: each takes ``ax=``, returns the axes, never calls ``plt.show()``.

The figures follow the papers' look: the membrane potential with spikes drawn
to 30 mV, the input current drawn beneath it as a thin trace, panel letter and
title above.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_trace", "plot_results_grid", "save_results_figure", "new_axes"]


def new_axes(ax=None, figsize=(4, 2.5)):
    """Return ``ax`` or a fresh axes on a new figure (no pyplot state is shown)."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig.add_subplot(111)


def plot_trace(t_ms, v_mV, I=None, *, ax=None, title=None, stim_offset=-90.0, stim_height=10.0,
               color="k", stim_color="tab:blue", **kwargs):
    """Draw a voltage trace with the input current sketched beneath it, as 2004 Fig. 1 does.

    Parameters
    ----------
    t_ms, v_mV : array
        Time (ms) and membrane potential (mV).
    I : array, optional
        Input current on the same grid, drawn rescaled into the band
        ``[stim_offset, stim_offset + stim_height]`` mV beneath the trace.
    ax : matplotlib Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.plot`` for the voltage trace.

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax)
    t_ms = np.asarray(t_ms, float)
    ax.plot(t_ms, np.asarray(v_mV, float), color=color, lw=kwargs.pop("lw", 0.8), **kwargs)
    if I is not None:
        I = np.asarray(I, float)
        span = float(np.ptp(I)) if I.size else 0.0
        scaled = stim_offset + (stim_height * (I - I.min()) / span if span > 0 else np.zeros_like(I))
        ax.plot(t_ms, scaled, color=stim_color, lw=0.8)
    ax.set_xlim(t_ms[0], t_ms[-1])
    ax.set_ylim(min(stim_offset - 5, float(np.nanmin(v_mV)) - 5), 35)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("v (mV)")
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_results_grid(results, *, ncols=4, fig=None, panel_size=(3.0, 1.9)):
    """Draw one panel per :class:`~izh_brian.simulate.Result` (e.g. the 5 x 4 grid of 2004 Fig. 1).

    Returns
    -------
    list of Axes
    """
    from matplotlib.figure import Figure

    results = list(results)
    nrows = max(1, int(np.ceil(len(results) / ncols)))
    if fig is None:
        fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained")
    axes = []
    for k, r in enumerate(results):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        plot_trace(r.t_ms, r.v_mV, r.I, ax=ax, title=r.preset.label)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=6)
        axes.append(ax)
    return axes


def save_results_figure(results, path, **kwargs):
    """Save a grid of traces to ``path`` (PNG, PDF, SVG by extension); returns the path."""
    axes = plot_results_grid(results, ncols=min(4, max(1, len(results))), **kwargs)
    axes[0].figure.savefig(path, dpi=150)
    return path
