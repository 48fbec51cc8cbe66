"""Where the jNeuroML jar is: pyNeuroML bundles it, and it holds the NeuroML2 core ComponentTypes the engine
reads (:func:`izh_brian.lems.types.core_types_dir`). Running the jar is :mod:`izh_brian.interop.jneuroml`'s
job; this module only finds it, without importing pyNeuroML. See docs/neuroml.md.
"""

from __future__ import annotations

import glob
import importlib.util
import os

__all__ = ["JNeuroMLError", "find_jar"]


class JNeuroMLError(RuntimeError):
    """jNeuroML or Java is missing, failed, or timed out."""


def find_jar() -> str:
    """Path of the jNeuroML jar bundled in pyNeuroML.

    Raises
    ------
    JNeuroMLError
        pyNeuroML is not installed or holds no jar.
    """
    env = os.environ.get("JNML_JAR")
    if env:
        if not os.path.isfile(env):
            raise JNeuroMLError(f"JNML_JAR={env!r} is not a file")
        return env
    spec = importlib.util.find_spec("pyneuroml")
    if spec is None or not spec.submodule_search_locations:
        raise JNeuroMLError("pyNeuroML is not installed (pip install pyneuroml); it bundles the jNeuroML jar")
    for folder in spec.submodule_search_locations:
        jars = sorted(glob.glob(os.path.join(folder, "lib", "jNeuroML-*-jar-with-dependencies.jar")))
        if jars:
            return jars[-1]
    raise JNeuroMLError("pyNeuroML is installed but its lib/ folder holds no jNeuroML jar")

