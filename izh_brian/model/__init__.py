"""The neuron model: equations (:mod:`.equations`), the scheme registry (:mod:`.schemes`) and the
builders of a NeuronGroup in both forms (:mod:`.neurons`)."""

from izh_brian.model.equations import (
    EQUATIONS,
    VARIANTS,
)
from izh_brian.model.neurons import (
    make_neurons,
    make_neurons_2007,
    make_stimulus_function,
)
from izh_brian.model.schemes import (
    CUSTOM_SCHEMES,
    NEST_SCHEMES,
    SCHEME_REGISTRY,
    SCHEMES,
    Scheme,
    check_scheme,
    get_scheme,
    scheme_stateupdater,
)

__all__ = [
    "VARIANTS",
    "EQUATIONS",
    "SCHEMES",
    "Scheme",
    "SCHEME_REGISTRY",
    "get_scheme",
    "CUSTOM_SCHEMES",
    "check_scheme",
    "NEST_SCHEMES",
    "scheme_stateupdater",
    "make_neurons",
    "make_neurons_2007",
    "make_stimulus_function",
]
