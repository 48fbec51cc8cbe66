"""The neuron model: equations (:mod:`.equations`), the scheme registry (:mod:`.schemes`) and the
builders of a NeuronGroup in both forms (:mod:`.neurons`)."""

from izh_brian.model import equations as _equations
from izh_brian.model import neurons as _neurons
from izh_brian.model import schemes as _schemes
from izh_brian.model.equations import *  # noqa: F403
from izh_brian.model.neurons import *  # noqa: F403
from izh_brian.model.schemes import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [*_equations.__all__, *_neurons.__all__, *_schemes.__all__]

