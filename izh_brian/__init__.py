"""izh_brian: the Izhikevich spiking neuron model on Brian2.

Every firing pattern of Izhikevich (2003) Fig. 2 and (2004) Fig. 1, with the
papers' own input protocols and numerical schemes, simulated side by side in
one Brian2 network.

>>> import izh_brian
>>> r = izh_brian.simulate("tonic_spiking")
>>> r.n_spikes
5
"""

from izh_brian.model.neurons import make_neurons
from izh_brian.model.schemes import SCHEMES
from izh_brian.presets import PRESETS, REFERENCE_PRESETS, Preset, UnknownPresetError, get_preset
from izh_brian.simulation import DivergenceError, Result, simulate, simulate_many
from izh_brian.stimuli import Piece, Stimulus

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "REFERENCE_PRESETS",
    "SCHEMES",
    "Preset",
    "Piece",
    "Stimulus",
    "Result",
    "DivergenceError",
    "UnknownPresetError",
    "get_preset",
    "make_neurons",
    "simulate",
    "simulate_many",
]
