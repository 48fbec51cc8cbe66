"""Fitting a, b, c, d to a response: the target and objective (:mod:`.objective`), the CMA-ES search over
one NeuronGroup per generation (:mod:`.search`) and parameter recovery (:mod:`.recovery`)."""

from izh_brian.fitting import objective as _objective
from izh_brian.fitting import recovery as _recovery
from izh_brian.fitting import search as _search
from izh_brian.fitting.objective import *  # noqa: F403
from izh_brian.fitting.recovery import *  # noqa: F403
from izh_brian.fitting.search import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [*_objective.__all__, *_recovery.__all__, *_search.__all__]

