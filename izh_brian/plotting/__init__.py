"""Figures from arrays: one axes helper and colour convention (:mod:`.axes`), single neurons
(:mod:`.neurons`), networks (:mod:`.network`), tables (:mod:`.tables`) and class maps (:mod:`.maps`).
Every function returns matplotlib axes and never calls ``plt.show()``."""

from izh_brian.plotting.axes import (
    EXC_COLOR,
    INH_COLOR,
    add_scale_bars,
    new_axes,
    save_figure,
)
from izh_brian.plotting.maps import (
    plot_class_map,
)
from izh_brian.plotting.network import (
    network_figure,
    plot_currents,
    plot_example_neurons,
    plot_population_rate,
    plot_raster,
    plot_spectrum,
    save_network_figure,
)
from izh_brian.plotting.neurons import (
    plot_fi_curves,
    plot_paper_grid,
    plot_parameter_sweep,
    plot_phase_plane,
    plot_results_grid,
    plot_trace,
    save_results_figure,
)
from izh_brian.plotting.tables import (
    plot_numerics_table,
    plot_speed,
    plot_table,
    plot_validation_matrix,
)

__all__ = [
    "EXC_COLOR",
    "INH_COLOR",
    "new_axes",
    "add_scale_bars",
    "save_figure",
    "plot_trace",
    "plot_results_grid",
    "save_results_figure",
    "plot_paper_grid",
    "plot_parameter_sweep",
    "plot_phase_plane",
    "plot_fi_curves",
    "plot_raster",
    "plot_currents",
    "plot_example_neurons",
    "plot_spectrum",
    "plot_population_rate",
    "network_figure",
    "save_network_figure",
    "plot_validation_matrix",
    "plot_numerics_table",
    "plot_table",
    "plot_speed",
    "plot_class_map",
]
