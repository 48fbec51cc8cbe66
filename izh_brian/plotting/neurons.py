"""Plot functions on arrays: each takes ``ax=``, returns the axes, never calls ``plt.show()``.

The figures follow the papers' look: the membrane potential with spikes drawn
to 30 mV, the input current drawn beneath it as a thin trace, panel letter and
title above, scale bars instead of axes in the paper grids.

Every function here takes plain arrays (or :class:`~izh_brian.simulation.Result`
records, which hold plain arrays) and draws on a matplotlib ``Axes``; when no
axes are given a new :class:`matplotlib.figure.Figure` is made without
touching pyplot's global state, so the library never opens a window. A
notebook shows a returned figure by leaving ``ax.figure`` as the last
expression of a cell.
"""

from __future__ import annotations

import numpy as np

from izh_brian.plotting.axes import _FP_STYLE, _nice, add_scale_bars, new_axes

__all__ = [
    "plot_trace",
    "plot_results_grid",
    "save_results_figure",
    "plot_paper_grid",
    "plot_parameter_sweep",
    "plot_phase_plane",
    "plot_fi_curves",
]


def _stim_band(I, offset, height):
    I = np.asarray(I, float)
    span = float(np.ptp(I)) if I.size else 0.0
    return offset + (height * (I - I.min()) / span if span > 0 else np.zeros_like(I))


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
        ax.plot(t_ms, _stim_band(I, stim_offset, stim_height), color=stim_color, lw=0.8)
    ax.set_xlim(t_ms[0], t_ms[-1])
    ax.set_ylim(min(stim_offset - 5, float(np.nanmin(v_mV)) - 5), 35)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("v (mV)")
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_results_grid(results, *, ncols=4, fig=None, panel_size=(3.0, 1.9)):
    """Draw one panel per :class:`~izh_brian.simulation.Result` with axes (time and voltage ticks).

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


def plot_paper_grid(results, *, ncols=4, fig=None, panel_size=(2.6, 1.55), scale_bars=True, letters=True):
    """The papers' grid: one panel per response, panel letter and title, stimulus beneath, scale bars.

    Reproduces the layout of 2004 Fig. 1 (5 x 4 panels A-T) and 2003 Fig. 2:
    the voltage trace in black (spikes drawn to the 30 mV cut-off), the input
    current as a blue trace rescaled into a band beneath it, the panel letter
    in bold with the feature's name, and a per-panel scale bar (time in ms,
    20 mV) instead of axes, since the panels have different durations.

    Parameters
    ----------
    results : sequence of Result
    ncols : int
    fig : matplotlib Figure, optional
    panel_size : (float, float)
        Inches per panel.
    scale_bars : bool
    letters : bool
        Bold panel letter before the title (the preset's ``panel``).

    Returns
    -------
    list of Axes
    """
    from matplotlib.figure import Figure

    results = list(results)
    if not results:
        raise ValueError("plot_paper_grid needs at least one result")
    nrows = int(np.ceil(len(results) / ncols))
    if fig is None:
        fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained")
    axes = []
    for k, r in enumerate(results):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        t = np.asarray(r.t_ms, float)
        v = np.asarray(r.v_mV, float)
        ax.plot(t, v, color="k", lw=0.7)
        ax.plot(t, _stim_band(r.I, -95.0, 10.0), color="tab:blue", lw=0.7)
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(min(-100.0, float(np.nanmin(v)) - 3), 36)
        p = r.preset
        name = p.title or p.name.replace("_", " ")
        if letters and len(p.panel) == 1 and p.panel.isalpha():
            ax.set_title(f"$\\bf{{({p.panel})}}$ {name}", fontsize=7, loc="left", pad=2)
        else:
            ax.set_title(name, fontsize=7, loc="left", pad=2, fontweight="bold")
        ax.set_axis_off()
        if scale_bars:
            add_scale_bars(ax, _nice(0.2 * (t[-1] - t[0])), 20.0)
        axes.append(ax)
    return axes


def plot_parameter_sweep(sweep, *, fig=None, panel_size=(2.5, 1.25), scale_bars=True):
    """One row per parameter, one panel per value: how each of a, b, c, d changes one neuron's response.

    Parameters
    ----------
    sweep : sequence of (str, sequence of dict)
        ``(parameter, panels)``; each panel is a dict with ``value``, ``t_ms``,
        ``v_mV``, ``I`` (arrays) and ``base`` (True for the unchanged neuron,
        whose title is set in bold).
    fig : matplotlib Figure, optional
    panel_size : (float, float)
        Inches per panel.
    scale_bars : bool

    Returns
    -------
    list of list of Axes
        ``axes[row][col]``, in the order of ``sweep``.

    Raises
    ------
    ValueError
        An empty sweep, or a panel without its arrays.
    """
    from matplotlib.figure import Figure

    sweep = [(str(name), list(panels)) for name, panels in sweep]
    if not sweep or not all(panels for _, panels in sweep):
        raise ValueError("plot_parameter_sweep needs at least one parameter with at least one value")
    nrows, ncols = len(sweep), max(len(panels) for _, panels in sweep)
    if fig is None:
        fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained")
    axes = []
    for r, (name, panels) in enumerate(sweep):
        row = []
        for k, p in enumerate(panels):
            missing = [key for key in ("value", "t_ms", "v_mV", "I") if key not in p]
            if missing:
                raise ValueError(f"panel {k} of parameter {name!r} lacks {', '.join(missing)}")
            ax = fig.add_subplot(nrows, ncols, r * ncols + k + 1)
            t = np.asarray(p["t_ms"], float)
            v = np.asarray(p["v_mV"], float)
            ax.plot(t, v, color="k", lw=0.6)
            ax.plot(t, _stim_band(p["I"], -95.0, 8.0), color="tab:blue", lw=0.6)
            ax.set_xlim(t[0], t[-1])
            ax.set_ylim(min(-100.0, float(np.nanmin(v)) - 3), 36)
            ax.set_title(f"{name} = {p['value']:g}" + (" (RS)" if p.get("base") else ""), fontsize=7, loc="left",
                         pad=2, fontweight="bold" if p.get("base") else "normal")
            ax.set_axis_off()
            if scale_bars and k == 0:
                add_scale_bars(ax, _nice(0.2 * (t[-1] - t[0])), 20.0)
            row.append(ax)
        axes.append(row)
    return axes


def plot_phase_plane(v, u_v, u_u=None, *, v_u_line=None, traj_v=None, traj_u=None, fixed_points=None,
                     c=None, ax=None, title=None, u_range=None):
    """The (v, u) phase plane: nullclines, fixed points, a trajectory and the reset line.

    Parameters
    ----------
    v : array
        Voltage grid (mV).
    u_v : array
        The v-nullcline ``u = f(v) + I`` on ``v`` (a parabola).
    u_u : array, optional
        The u-nullcline on ``v`` (a line); NaN where undefined.
    v_u_line : float, optional
        A vertical u-nullcline at this voltage (accommodation variant).
    traj_v, traj_u : array, optional
        A simulated trajectory; spikes appear as jumps from the 30 mV cut-off
        to the reset ``v = c``.
    fixed_points : sequence of dict or FixedPoint, optional
        Each with ``v``, ``u`` and ``stable`` (filled if stable, open otherwise)
        and ``kind`` (legend).
    c : float, optional
        Reset voltage, drawn as a dotted vertical line.
    ax : Axes, optional
    title : str, optional
    u_range : (float, float), optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(4, 3))
    v = np.asarray(v, float)
    ax.plot(v, np.asarray(u_v, float), color="tab:red", lw=1.2, label="v-nullcline")
    if u_u is not None and np.any(np.isfinite(u_u)):
        ax.plot(v, np.asarray(u_u, float), color="tab:green", lw=1.2, label="u-nullcline")
    if v_u_line is not None:
        ax.axvline(float(v_u_line), color="tab:green", lw=1.2, label="u-nullcline")
    if traj_v is not None and traj_u is not None:
        tv, tu = _break_at_resets(traj_v, traj_u)
        ax.plot(tv, tu, color="k", lw=0.7, label="trajectory")
        ax.plot([traj_v[0]], [traj_u[0]], marker=">", color="k", ms=5, ls="none")
    if c is not None:
        ax.axvline(float(c), color="0.5", lw=0.8, ls=":", label=f"reset c = {c:g} mV")
    seen = set()
    for fp in fixed_points or []:
        d = fp if isinstance(fp, dict) else fp.to_dict()
        style = _FP_STYLE[bool(d["stable"])]
        lab = d.get("kind", "fixed point")
        ax.plot([d["v"]], [d["u"]], ls="none", ms=6, label=None if lab in seen else lab, zorder=5, **style)
        seen.add(lab)
    ax.set_xlim(v[0], v[-1])
    if u_range is None:
        # Frame the trajectory, the fixed points and the bottom of the parabola.
        pts = [np.atleast_1d(np.nanmin(np.asarray(u_v, float)))]
        if traj_u is not None:
            pts.append(np.asarray(traj_u, float))
        for fp in fixed_points or []:
            d = fp if isinstance(fp, dict) else fp.to_dict()
            pts.append(np.atleast_1d(float(d["u"])))
        pts = np.concatenate([p[np.isfinite(p)] for p in pts])
        if pts.size:
            lo, hi = float(np.min(pts)), float(np.max(pts))
            pad = 0.15 * max(hi - lo, 1.0)
            u_range = (lo - pad, hi + pad)
    if u_range is not None:
        ax.set_ylim(*u_range)
    ax.set_xlabel("v (mV)")
    ax.set_ylabel("u (mV/ms)")
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    ax.legend(fontsize=6, loc="best", frameon=False)
    return ax


def _break_at_resets(v, u, drop_mV=20.0):
    """Insert NaN between samples where v drops by more than ``drop_mV`` (a spike's reset), so no line is drawn back."""
    v = np.asarray(v, float)
    u = np.asarray(u, float)
    cut = np.flatnonzero(np.diff(v) < -drop_mV) + 1
    return np.insert(v, cut, np.nan), np.insert(u, cut, np.nan)


def plot_fi_curves(currents, rates_hz, labels=None, *, ax=None, thresholds=None, title=None):
    """Firing rate versus constant input current for several neuron types.

    A class 1 curve starts at (nearly) zero rate and rises continuously; a
    class 2 curve jumps from zero to a positive rate at threshold.

    Parameters
    ----------
    currents : sequence of arrays
        One array of currents (mV/ms) per neuron type (or one 1-D array shared by all).
    rates_hz : sequence of arrays
        Steady firing rates (Hz), same shapes.
    labels : sequence of str, optional
    ax : Axes, optional
    thresholds : sequence of float, optional
        Theoretical thresholds (e.g. the bifurcation currents), drawn as dashed lines.

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(4, 3))
    rates = [np.asarray(r, float) for r in rates_hz]
    if np.ndim(currents[0]) == 0:
        currents = [np.asarray(currents, float)] * len(rates)
    labels = list(labels) if labels is not None else [None] * len(rates)
    for k, (c, r) in enumerate(zip(currents, rates)):
        line, = ax.plot(np.asarray(c, float), r, marker=".", ms=4, lw=1, label=labels[k])
        if thresholds is not None and thresholds[k] is not None:
            ax.axvline(float(thresholds[k]), color=line.get_color(), ls="--", lw=0.8)
    ax.set_xlabel("I (mV/ms)")
    ax.set_ylabel("steady rate (Hz)")
    if any(lab for lab in labels):
        ax.legend(fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax
