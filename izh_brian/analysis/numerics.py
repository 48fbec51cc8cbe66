"""Numerics study: which firing patterns survive a change of step size or integration scheme.

figure1.m integrates with a forward-Euler-like scheme at coarse steps
(0.2-0.5 ms); several panels of 2004 Fig. 1 owe their look to that step. This
module validates every pattern (:mod:`izh_brian.analysis`) under

- ``figure1`` at each preset's published dt, at 0.1, 0.05 and 0.01 ms;
- Brian2's ``euler`` and ``rk4`` at 0.01 ms;

and, for the fragile panels, the adjusted ``*_fine`` protocols (Open Source
Brain's dt = 0.01 ms versions) under the same configurations. Each
configuration is one :func:`~izh_brian.simulation.simulate_many` call (one
network). A run whose v or u becomes inf/NaN is reported as
``breaks: diverges``.
"""

from __future__ import annotations

import time

import numpy as np

from izh_brian.analysis.validators import validate_result
from izh_brian.presets import FINE_PRESETS, get_preset, preset_names
from izh_brian.simulation import simulate_many

__all__ = ["CONFIGS", "numerics_table", "format_numerics_table", "run_config"]

#: A mean rate over the whole record above this (Hz) is reported as a runaway.
RUNAWAY_RATE_HZ = 500.0

#: The configurations of the study: (column key, scheme, dt in ms or None for the published dt).
CONFIGS = (
    ("figure1@published", "figure1", None),
    ("figure1@0.1", "figure1", 0.1),
    ("figure1@0.05", "figure1", 0.05),
    ("figure1@0.01", "figure1", 0.01),
    ("euler@0.01", "euler", 0.01),
    ("rk4@0.01", "rk4", 0.01),
)


def run_config(names, scheme: str, dt) -> tuple[list[dict], float]:
    """Simulate and validate presets under one (scheme, dt) in one network.

    Parameters
    ----------
    names : list of str
        Preset names.
    scheme : str
    dt : float or None
        Step for all presets (ms); None keeps each preset's own.

    Returns
    -------
    cells : list of dict
        Per preset: ``ok`` (bool), ``n_spikes`` (int, ``None`` if the run
        diverged), ``status`` (``"ok"``, ``"breaks: <first failed condition>"``
        or ``"breaks: diverges"``) and ``dt_ms``.
    seconds : float
        Wall time of the simulation.
    """

    t0 = time.perf_counter()
    results = simulate_many(list(names), scheme=scheme, dt=dt, check_finite=False)
    seconds = time.perf_counter() - t0
    cells = []
    for r in results:
        if not (np.all(np.isfinite(r.v_mV)) and np.all(np.isfinite(r.u))):
            cells.append({"ok": False, "n_spikes": None, "status": "breaks: diverges", "dt_ms": r.dt_ms})
            continue
        v = validate_result(r)
        failed = [x[len("FAILED: "):] for x in v.reasons if x.startswith("FAILED")]
        status = "ok" if v.ok else "breaks: " + failed[0]
        rate = 1000.0 * r.n_spikes / r.duration_ms
        if not v.ok and rate >= RUNAWAY_RATE_HZ:
            status = f"breaks: runaway ({r.n_spikes} spikes, {rate:.0f} Hz on average); " + failed[0]
        cells.append({"ok": bool(v.ok), "n_spikes": r.n_spikes, "status": status, "dt_ms": r.dt_ms})
    return cells, seconds


def numerics_table(names=None, include_fine: bool = True, configs=CONFIGS, timings: dict | None = None) -> list[dict]:
    """Validate every pattern under each configuration of :data:`CONFIGS`.

    Parameters
    ----------
    names : list of str, optional
        Presets (default: the 28 reference presets and, with
        ``include_fine``, the ``*_fine`` variants).
    include_fine : bool
        Add the fine-dt variants of the fragile panels.
    configs : sequence of (key, scheme, dt)
        Default :data:`CONFIGS`.
    timings : dict, optional
        If given, filled with the wall time (s) of each configuration's run.

    Returns
    -------
    list of dict
        One row per preset: ``name``, ``published_dt_ms`` and, per
        configuration key, ``{"ok", "n_spikes", "status", "dt_ms"}``.
    """

    if names is None:
        names = preset_names() + (list(FINE_PRESETS) if include_fine else [])
    names = [get_preset(n).name for n in names]
    rows = [{"name": n, "published_dt_ms": get_preset(n).dt} for n in names]
    for key, scheme, dt in configs:
        cells, secs = run_config(names, scheme, dt)
        if timings is not None:
            timings[key] = secs
        for row, cell in zip(rows, cells):
            row[key] = cell
    return rows


def format_numerics_table(rows, configs=CONFIGS, reasons: bool = True) -> str:
    """The study as a text table: spike count per configuration, ``!`` where the pattern breaks.

    Below the table, with ``reasons``, each break with its first failed condition.
    """
    keys = [k for k, _, _ in configs]
    width = max([len(r["name"]) for r in rows] + [4])
    head = f"{'name':{width}s} " + " ".join(f"{k:>17s}" for k in keys)
    lines = [head, "-" * len(head)]
    notes = []
    for r in rows:
        cells = []
        for k in keys:
            c = r[k]
            n = "div" if c["n_spikes"] is None else str(c["n_spikes"])
            cells.append(f"{(n + ' ok') if c['ok'] else (n + ' !'):>17s}")
            if not c["ok"]:
                notes.append(f"{r['name']} @ {k}: {c['status']}")
        lines.append(f"{r['name']:{width}s} " + " ".join(cells))
    lines.append("")
    lines.append("cells: spike count, then 'ok' (the pattern's validator passes) or '!' (it breaks); "
                 "'div' = the run diverged")
    if reasons and notes:
        lines.append("")
        lines.extend(notes)
    return "\n".join(lines)
