"""The old import path of the NeuroML/LEMS engine, kept for callers (notebooks, scripts): the engine is
:mod:`izh_brian.lems`, the export of presets :mod:`izh_brian.interop.export`, the jNeuroML runner
:mod:`izh_brian.interop.jneuroml`. See docs/neuroml.md.
"""

from __future__ import annotations

from izh_brian import lems as _lems
from izh_brian.interop import export as _export
from izh_brian.interop.export import *  # noqa: F403
from izh_brian.interop.jneuroml import run_lems_spikes
from izh_brian.lems import *  # noqa: F403

__all__ = [*_lems.__all__, *_export.__all__, "run_lems_spikes"]
