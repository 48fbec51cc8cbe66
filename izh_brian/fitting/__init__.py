"""Fitting a, b, c, d to a response: the target and objective (:mod:`.objective`), the CMA-ES search over
one NeuronGroup per generation (:mod:`.search`) and parameter recovery (:mod:`.recovery`)."""

from izh_brian.fitting.objective import (
    DELTA_MS,
    W_COUNT,
    W_TRACE,
    Target,
    coincidence_factor,
    load_target,
    target_from_arrays,
    target_from_preset,
    timing_distance,
)
from izh_brian.fitting.recovery import (
    fit_many,
    format_recovery_table,
    recover,
    recovery_table,
)
from izh_brian.fitting.search import (
    BOUNDS,
    N_STARTS,
    POPULATION,
    FitResult,
    PopulationRunner,
    fit,
    fit_pattern,
    plot_fit,
)

__all__ = [
    "DELTA_MS",
    "BOUNDS",
    "POPULATION",
    "N_STARTS",
    "W_COUNT",
    "W_TRACE",
    "coincidence_factor",
    "timing_distance",
    "Target",
    "load_target",
    "target_from_arrays",
    "target_from_preset",
    "PopulationRunner",
    "FitResult",
    "fit",
    "fit_pattern",
    "plot_fit",
    "fit_many",
    "recover",
    "recovery_table",
    "format_recovery_table",
]
