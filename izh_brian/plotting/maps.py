"""Class maps over parameter grids."""

from __future__ import annotations

import numpy as np

from izh_brian.plotting.axes import new_axes

__all__ = [
    "plot_class_map",
]


def plot_class_map(x, y, classes, *, class_names=None, ax=None, xlabel="a", ylabel="b", title=None,
                   points=None):
    """A map of cell classes over a parameter grid (e.g. the (a, b) or (c, d) plane of 2003 Fig. 2).

    The one class map of the package: the report, the lessons and ``izh-brian atlas --plot`` draw with it.

    Parameters
    ----------
    x, y : 1-D arrays
        Grid coordinates (columns and rows of ``classes``); ``y=None`` for a 1-D grid along x.
    classes : 2-D array, shape (len(y), len(x)), or 1-D of len(x) when ``y`` is None
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
    cl = np.asarray(classes)
    one_d = y is None
    if one_d:
        if cl.ndim != 1:
            raise ValueError(f"with y=None, classes must be 1-D of len(x) = {x.size}, got shape {cl.shape}")
        y, cl = np.array([0.0]), cl[None, :]
        ylabel = ""
    y = np.asarray(y, float)
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
    if one_d:
        ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax
