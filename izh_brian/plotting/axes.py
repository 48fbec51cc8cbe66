"""One axes helper, one colour convention and scale bars, shared by every figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "EXC_COLOR",
    "INH_COLOR",
    "new_axes",
    "add_scale_bars",
    "save_figure",
]


#: The one colour convention of populations: excitatory red, inhibitory blue (rasters, currents, legends).
EXC_COLOR = "tab:red"
INH_COLOR = "tab:blue"

#: Colours of fixed points by stability.
_FP_STYLE = {True: dict(marker="o", mfc="k", mec="k"), False: dict(marker="o", mfc="w", mec="k")}


def new_axes(ax=None, figsize=(4, 2.5)):
    """Return ``ax`` or a fresh axes on a new figure (no pyplot state is touched)."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot(111)


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
