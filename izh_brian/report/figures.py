"""The report's figures, drawn from the sections' data."""

from __future__ import annotations

import time


def _fig(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _draw(files, timings, key, sec, func):
    """Draw one figure; record its drawing time; a figure that fails marks its section unavailable with why."""
    t0 = time.perf_counter()
    try:
        paths = func()
        if paths:
            files[key] = paths
    except Exception as exc:  # a figure that fails must not take the report down: record why
        if isinstance(sec, dict):
            sec.update(available=False, reason=f"{key} figure failed: {type(exc).__name__}: {exc}")
    timings[key] = time.perf_counter() - t0


#: The section each figure is drawn from (for the per-figure timing line).
FIGURE_SECTIONS = {"fig1_2004": "reference", "fig2_2003": "reference", "parameters": "parameters",
                   "phase_planes": "phase_planes", "fi_curves": "fi_curves", "validation_matrix": "validation",
                   "numerics_table": "numerics", "class_map": "class_map", "network_raster": "network",
                   "speed": "speed"}


#: Figures drawn from the sections of the main process (while the second process still runs).
MAIN_FIGURES = ("fig1_2004", "fig2_2003", "parameters", "phase_planes", "fi_curves", "validation_matrix", "class_map")


#: Presets of the numerics study in a quick build.
QUICK_NUMERICS = ("tonic_spiking", "phasic_bursting", "class_2_excitable", "inhibition_induced_bursting")


#: Durations (ms) of the network runs in a quick build: the paper's network and each scenario.
QUICK_NETWORK_MS = 300.0


QUICK_SCENARIO_MS = 200.0


def _skipped_section(why):
    return {"available": False, "reason": why, "seconds": 0.0, "modules_compiled": 0}
