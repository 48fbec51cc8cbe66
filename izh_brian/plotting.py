"""Plot functions on arrays: each takes ``ax=``, returns the axes, never calls ``plt.show()``.

The figures follow the papers' look: the membrane potential with spikes drawn
to 30 mV, the input current drawn beneath it as a thin trace, panel letter and
title above, scale bars instead of axes in the paper grids.

Every function here takes plain arrays (or :class:`~izh_brian.simulate.Result`
records, which hold plain arrays) and draws on a matplotlib ``Axes``; when no
axes are given a new :class:`matplotlib.figure.Figure` is made without
touching pyplot's global state, so the library never opens a window. A
notebook shows a returned figure by leaving ``ax.figure`` as the last
expression of a cell.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "new_axes",
    "plot_trace",
    "plot_results_grid",
    "save_results_figure",
    "plot_paper_grid",
    "plot_parameter_sweep",
    "add_scale_bars",
    "plot_phase_plane",
    "plot_fi_curves",
    "plot_validation_matrix",
    "plot_numerics_table",
    "plot_table",
    "plot_class_map",
    "plot_raster",
    "plot_speed",
    "save_figure",
]

#: Colours of fixed points by stability.
_FP_STYLE = {True: dict(marker="o", mfc="k", mec="k"), False: dict(marker="o", mfc="w", mec="k")}


def new_axes(ax=None, figsize=(4, 2.5)):
    """Return ``ax`` or a fresh axes on a new figure (no pyplot state is touched)."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot(111)


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
    """Draw one panel per :class:`~izh_brian.simulate.Result` with axes (time and voltage ticks).

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


def _nice(x):
    """The largest of 1, 2, 5 x 10^k not above ``x``."""
    if not (x > 0):
        return 1.0
    k = np.floor(np.log10(x))
    for m in (5, 2, 1):
        if m * 10**k <= x:
            return float(m * 10**k)
    return float(10**k)


def add_scale_bars(ax, t_ms_len, mV_len=20.0, *, x0=None, y0=None, fontsize=6):
    """Draw a time bar of ``t_ms_len`` ms and a voltage bar of ``mV_len`` mV on ``ax``.

    By default the time bar lies at the bottom right, beneath the stimulus
    band, and the voltage bar just right of the data (the x-limits are
    widened by 5 % to make room), from -20 mV upwards, so neither covers the
    trace. ``x0``/``y0`` place the corner of an L-shaped bar instead.

    Returns
    -------
    matplotlib Axes
    """
    xl, yl = ax.get_xlim(), ax.get_ylim()
    span = xl[1] - xl[0]
    if x0 is not None or y0 is not None:
        xs = xl[0] + 0.05 * span if x0 is None else x0
        yb = yl[0] + 5 if y0 is None else y0
        ax.plot([xs, xs + t_ms_len], [yb, yb], color="k", lw=1.2, solid_capstyle="butt")
        ax.plot([xs + t_ms_len] * 2, [yb, yb + mV_len], color="k", lw=1.2, solid_capstyle="butt")
        ax.text(xs + t_ms_len / 2, yb - 2, f"{t_ms_len:g} ms", ha="center", va="top", fontsize=fontsize)
        ax.text(xs + t_ms_len + 0.01 * span, yb + mV_len / 2, f"{mV_len:g} mV", ha="left", va="center",
                fontsize=fontsize, rotation=90)
        return ax
    x_right = xl[1] + 0.05 * span
    ybot = yl[0] - 12.0
    ax.plot([xl[1] - t_ms_len, xl[1]], [ybot + 4, ybot + 4], color="k", lw=1.2, solid_capstyle="butt")
    ax.text(xl[1] - t_ms_len / 2, ybot + 3, f"{t_ms_len:g} ms", ha="center", va="top", fontsize=fontsize)
    xv = xl[1] + 0.025 * span
    ax.plot([xv, xv], [-20.0, -20.0 + mV_len], color="k", lw=1.2, solid_capstyle="butt")
    ax.text(xv + 0.005 * span, -20.0 + mV_len / 2, f"{mV_len:g} mV", ha="left", va="center", fontsize=fontsize,
            rotation=90)
    ax.set_xlim(xl[0], x_right + 0.03 * span)
    ax.set_ylim(ybot - 6, yl[1])
    return ax


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


def plot_validation_matrix(matrix, names, col_names=None, *, ax=None, title=None, xlabel="response",
                           ylabel="validator"):
    """A pass/fail matrix, e.g. every pattern validator (row) applied to every response (column).

    A specific set of validators gives a green diagonal (each response passes
    its own pattern's check) and few green cells off it.

    Parameters
    ----------
    matrix : bool array, shape (n_rows, n_cols) or (n_rows,)
        ``matrix[i, j]`` is True if check ``i`` accepts response ``j``. A 1-D
        array is drawn as one column.
    names : sequence of str
        Row labels.
    col_names : sequence of str, optional
        Column labels (default ``names`` for a square matrix).
    xlabel, ylabel : str

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.colors import ListedColormap

    m = np.asarray(matrix, dtype=bool)
    if m.ndim == 1:
        m = m[:, None]
        col_names = col_names or ["ok"]
    names = list(names)
    if m.shape[0] != len(names):
        raise ValueError(f"matrix has {m.shape[0]} rows but {len(names)} names")
    if col_names is None:
        col_names = names if m.shape[1] == len(names) else [str(j) for j in range(m.shape[1])]
    col_names = list(col_names)
    if m.shape[1] != len(col_names):
        raise ValueError(f"matrix has {m.shape[1]} columns but {len(col_names)} column names")
    ax = new_axes(ax, figsize=(max(3, 0.28 * m.shape[1] + 2.5), max(2.5, 0.25 * m.shape[0] + 1.5)))
    ax.imshow(m.astype(int), cmap=ListedColormap(["#f2f2f2", "#2a9d4b"]), vmin=0, vmax=1, aspect="auto",
              interpolation="nearest")
    ax.set_yticks(range(len(names)), names, fontsize=6)
    ax.set_xticks(range(len(col_names)), col_names, fontsize=6, rotation=90)
    ax.set_xticks(np.arange(-0.5, m.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, m.shape[0]), minor=True)
    ax.grid(which="minor", color="w", lw=0.8)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_table(rows, columns=None, *, ax=None, title=None, fmt="{:.4g}", highlight=None, fontsize=6):
    """Draw a list of records as a table (an ``Axes`` holding a matplotlib table).

    Parameters
    ----------
    rows : list of dict
        One record per row.
    columns : sequence of str, optional
        Keys to show, in order (default: the keys of the first row).
    highlight : callable, optional
        ``highlight(row) -> colour or None`` to tint a row.

    Returns
    -------
    matplotlib Axes
    """
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to draw")
    columns = list(columns or rows[0].keys())

    def cell(x):
        if isinstance(x, bool) or x is None:
            return str(x)
        if isinstance(x, (int, np.integer)):
            return str(int(x))
        if isinstance(x, (float, np.floating)):
            return fmt.format(float(x))
        if isinstance(x, (list, tuple)):
            return ", ".join(cell(y) for y in x)
        return str(x)

    text = [[cell(r.get(c)) for c in columns] for r in rows]
    ax = new_axes(ax, figsize=(max(4, 1.0 * len(columns)), 0.25 * (len(rows) + 2)))
    ax.set_axis_off()
    colours = None
    if highlight is not None:
        colours = [[highlight(r) or "w"] * len(columns) for r in rows]
    tab = ax.table(cellText=text, colLabels=columns, cellColours=colours, loc="upper center", cellLoc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(fontsize)
    tab.scale(1.0, 1.2)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_numerics_table(rows, columns=None, *, ax=None, title=None, fontsize=6):
    """The numerics table: for each preset (row) and configuration (column), the spike count.

    Cells that are records ``{"ok": bool, "n_spikes": int or None, ...}`` (as
    :func:`izh_brian.numerics.numerics_table` returns) show the spike count, or
    ``diverges``; cells where the pattern breaks are tinted red and marked ``!``.
    Plain values are shown as they are.

    Parameters
    ----------
    rows : list of dict
    columns : sequence of str, optional
        Keys to show (default: the keys of the first row).

    Returns
    -------
    matplotlib Axes
    """
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to draw")
    columns = list(columns or rows[0].keys())
    text, colours = [], []
    for r in rows:
        trow, crow = [], []
        for c in columns:
            x = r.get(c)
            if isinstance(x, dict) and "ok" in x:
                n = "diverges" if x.get("n_spikes") is None else str(x["n_spikes"])
                trow.append(n if x["ok"] else n + " !")
                crow.append("#dff0d8" if x["ok"] else "#f8d0c8")
            else:
                trow.append(f"{x:.4g}" if isinstance(x, (float, np.floating)) else str(x))
                crow.append("w")
        text.append(trow)
        colours.append(crow)
    ax = new_axes(ax, figsize=(max(4, 1.1 * len(columns)), 0.2 * (len(rows) + 2)))
    ax.set_axis_off()
    tab = ax.table(cellText=text, colLabels=columns, cellColours=colours, loc="upper center", cellLoc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(fontsize)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_class_map(x, y, classes, *, class_names=None, ax=None, xlabel="a", ylabel="b", title=None,
                   points=None):
    """A map of cell classes over a 2-D parameter plane (e.g. the (a, b) or (c, d) plane of 2003 Fig. 2).

    Parameters
    ----------
    x, y : 1-D arrays
        Grid coordinates (columns and rows of ``classes``).
    classes : 2-D array, shape (len(y), len(x))
        Class labels (strings) or integer codes at each grid point.
    class_names : sequence of str, optional
        Names for integer codes (index = code).
    points : dict, optional
        ``{label: (x, y)}`` reference cells to mark (e.g. the presets).

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    cl = np.asarray(classes)
    if cl.shape != (y.size, x.size):
        raise ValueError(f"classes must have shape (len(y), len(x)) = {(y.size, x.size)}, got {cl.shape}")
    if cl.dtype.kind in "iu":
        names = list(class_names) if class_names is not None else [str(k) for k in range(int(cl.max()) + 1)]
        codes = cl.astype(int)
    else:
        names = sorted({str(s) for s in cl.ravel()})
        lookup = {n: k for k, n in enumerate(names)}
        codes = np.vectorize(lambda s: lookup[str(s)])(cl)
    base = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
            "#9c755f", "#bab0ac", "#1f77b4", "#17becf"]
    cmap = ListedColormap([base[k % len(base)] for k in range(max(len(names), 1))])
    ax = new_axes(ax, figsize=(4.5, 3.5))
    dx = (x[1] - x[0]) / 2 if x.size > 1 else 0.5
    dy = (y[1] - y[0]) / 2 if y.size > 1 else 0.5
    ax.imshow(codes, origin="lower", aspect="auto", cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5,
              extent=(x[0] - dx, x[-1] + dx, y[0] - dy, y[-1] + dy), interpolation="nearest")
    present = sorted(set(np.unique(codes).tolist()))
    ax.legend(handles=[Patch(color=cmap(k), label=names[k]) for k in present], fontsize=6, frameon=False,
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for lab, (px, py) in (points or {}).items():
        ax.plot([px], [py], marker="o", mfc="w", mec="k", ms=4)
        ax.annotate(lab, (px, py), xytext=(3, 3), textcoords="offset points", fontsize=6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_raster(spike_times_ms, spike_indices, *, ax=None, n_excitatory=None, title=None, ms_=1.0):
    """A spike raster (time vs neuron index); indices at or above ``n_excitatory`` drawn in red.

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(6, 3))
    t = np.asarray(spike_times_ms, float)
    i = np.asarray(spike_indices)
    if n_excitatory is None:
        ax.plot(t, i, ls="none", marker=".", ms=ms_, color="k")
    else:
        ex = i < n_excitatory
        ax.plot(t[ex], i[ex], ls="none", marker=".", ms=ms_, color="k", label="excitatory")
        ax.plot(t[~ex], i[~ex], ls="none", marker=".", ms=ms_, color="tab:red", label="inhibitory")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_speed(labels, seconds, *, ax=None, title=None, unit="s"):
    """A horizontal bar chart of measured wall times (one bar per configuration), values printed.

    Returns
    -------
    matplotlib Axes
    """
    labels = list(labels)
    s = np.asarray(seconds, float)
    if s.shape != (len(labels),):
        raise ValueError(f"give one time per label: {len(labels)} labels, {s.shape} times")
    ax = new_axes(ax, figsize=(5, 0.35 * len(labels) + 1.0))
    y = np.arange(len(labels))
    ax.barh(y, s, color="tab:blue")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    for k, val in enumerate(s):
        ax.text(val, k, f" {val:.3g} {unit}", va="center", fontsize=6)
    ax.set_xlabel(f"wall time ({unit})")
    ax.set_xlim(0, float(np.nanmax(s)) * 1.3 if s.size and np.nanmax(s) > 0 else 1)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def save_figure(fig_or_ax, out_dir, stem, formats=("png", "pdf"), dpi=150) -> list[str]:
    """Save a figure (or the figure of an axes / list of axes) as ``out_dir/stem.<ext>``; return the paths."""
    fig = fig_or_ax
    if isinstance(fig, (list, tuple)):
        fig = fig[0]
    if hasattr(fig, "figure") and not hasattr(fig, "savefig"):
        fig = fig.figure
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in formats:
        path = out / f"{stem}.{ext}"
        fig.savefig(path, dpi=dpi)
        paths.append(str(path))
    return paths
