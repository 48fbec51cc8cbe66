"""The NeuroML2/LEMS engine: read a NeuroML2 document or a LEMS file, run it in Brian2 as jNeuroML (jLEMS)
runs it, and write its outputs as jnml writes them. docs/neuroml.md says what is read and how each step of
jLEMS is reproduced.

- :mod:`~izh_brian.lems.xml`: the safe parser (defusedxml) and attribute values with units;
- :mod:`~izh_brian.lems.model`: the records (:class:`NeuroMLModel`, :class:`NeuroMLRun`, ...) and errors;
- :mod:`~izh_brian.lems.read`: :func:`read_model` (includes only from the model's folder, references checked);
- :mod:`~izh_brian.lems.expr`, :mod:`~izh_brian.lems.types`: LEMS expressions and ComponentTypes (PyLEMS);
- :mod:`~izh_brian.lems.sources`: spike sources and synapse-firing inputs on jLEMS's clock;
- :mod:`~izh_brian.lems.plan`: groups, order, attachments, delays (no Brian2);
- :mod:`~izh_brian.lems.build`, :mod:`~izh_brian.lems.connect`: the Brian2 objects;
- :mod:`~izh_brian.lems.run`: :func:`run_model`, :func:`run_file`;
- :mod:`~izh_brian.lems.outputs`: :func:`write_outputs` (only inside the output folder), displays.

Exporting presets and running jNeuroML itself are :mod:`izh_brian.interop`'s (``export``, ``jneuroml``).
"""

from izh_brian.lems import expr as _expr
from izh_brian.lems import model as _model
from izh_brian.lems import outputs as _outputs
from izh_brian.lems import read as _read
from izh_brian.lems import run as _run
from izh_brian.lems import sources as _sources
from izh_brian.lems import types as _types
from izh_brian.lems.expr import *  # noqa: F403
from izh_brian.lems.model import *  # noqa: F403
from izh_brian.lems.outputs import *  # noqa: F403
from izh_brian.lems.read import *  # noqa: F403
from izh_brian.lems.run import *  # noqa: F403
from izh_brian.lems.sources import *  # noqa: F403
from izh_brian.lems.types import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [
    *_expr.__all__,
    *_model.__all__,
    *_outputs.__all__,
    *_read.__all__,
    *_run.__all__,
    *_sources.__all__,
    *_types.__all__,
]

