"""The 2003 network of net.m: building and running it (:mod:`.build`) and its rhythms (:mod:`.analysis`).
The numpy transcription of net.m (:mod:`.netm`) and the cpp_standalone runner (:mod:`.standalone`) are
imported from their modules."""

from izh_brian.network import analysis as _analysis
from izh_brian.network import build as _build
from izh_brian.network.analysis import *  # noqa: F403
from izh_brian.network.build import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [*_analysis.__all__, *_build.__all__]

