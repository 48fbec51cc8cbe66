"""Figures from arrays: one axes helper and colour convention (:mod:`.axes`), single neurons
(:mod:`.neurons`), networks (:mod:`.network`), tables (:mod:`.tables`) and class maps (:mod:`.maps`).
Every function returns matplotlib axes and never calls ``plt.show()``."""

from izh_brian.plotting import axes as _axes
from izh_brian.plotting import maps as _maps
from izh_brian.plotting import network as _network
from izh_brian.plotting import neurons as _neurons
from izh_brian.plotting import tables as _tables
from izh_brian.plotting.axes import *  # noqa: F403
from izh_brian.plotting.maps import *  # noqa: F403
from izh_brian.plotting.network import *  # noqa: F403
from izh_brian.plotting.neurons import *  # noqa: F403
from izh_brian.plotting.tables import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [*_axes.__all__, *_maps.__all__, *_network.__all__, *_neurons.__all__, *_tables.__all__]

