"""Cross-simulator validation and interoperability: NEST, NeuroML2/LEMS and jNeuroML.

- :mod:`izh_brian.interop.nest`: run presets in NEST's ``izhikevich`` model and
  compare them with izh_brian's ``nest`` / ``nest_published`` schemes.
- :mod:`izh_brian.interop.export`: write presets as NeuroML2 + LEMS (:func:`export_presets`).
- :mod:`izh_brian.interop.jneuroml`: run LEMS files with the jNeuroML jar that
  pyNeuroML bundles (Java).
- :mod:`izh_brian.interop.neuroml_examples`: the runnable NeuroML example models
  shipped as package data; :mod:`izh_brian.interop.neuroml_networks`: generated NeuroML networks.
- :mod:`izh_brian.interop.crosscheck`: :func:`crosscheck` puts them together.
- :mod:`izh_brian.interop.neuroml`: the old import path of the NeuroML/LEMS engine, which lives in
  :mod:`izh_brian.lems` (reading, running, outputs).
"""

from __future__ import annotations

from izh_brian.interop import crosscheck as _crosscheck
from izh_brian.interop.crosscheck import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [*_crosscheck.__all__]
