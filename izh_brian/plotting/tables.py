"""Tables and matrices drawn as figures: validation matrix, numerics table, speed."""

from __future__ import annotations

import numpy as np

from izh_brian.plotting.axes import new_axes

__all__ = [
    "plot_validation_matrix",
    "plot_numerics_table",
    "plot_table",
    "plot_speed",
]


def _rows_and_columns(rows, columns) -> tuple[list, list]:
    """The rows as a list (at least one) and the columns to show (default: the first row's keys)."""
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to draw")
    return rows, list(columns or rows[0].keys())


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
    rows, columns = _rows_and_columns(rows, columns)

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
    :func:`izh_brian.analysis.numerics.numerics_table` returns) show the spike count, or
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
    rows, columns = _rows_and_columns(rows, columns)
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
