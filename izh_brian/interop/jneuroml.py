"""Run LEMS files with jNeuroML, the NeuroML reference simulator, and read its spike times.

pyNeuroML (``pip install izh_brian[neuroml]``) bundles the jNeuroML jar; this
module finds it without importing pyNeuroML and runs it as
``java -jar jNeuroML.jar FILE -nogui`` in a subprocess with a timeout. To get
spikes from any LEMS file, :func:`izh_brian.interop.neuroml.run_lems_spikes` writes a copy beside a
temporary folder with one ``EventOutputFile`` recording every cell of every
population (non-core includes are pointed back at the original files), runs
it, and reads the events (TIME_ID, seconds).

jNeuroML (jLEMS) integrates with forward Euler at the Simulation's step; in
each step the inputs are updated first, at the step's end time, then v and u
advance from their old values, then ``v > thresh`` is tested: a spike is
stamped at the end of the step. :mod:`izh_brian.interop.neuroml` reproduces
this.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import subprocess
import tempfile
import zipfile

__all__ = [
    "JNeuroMLError",
    "find_jar",
    "jneuroml_available",
    "run_jneuroml",
    "extract_example",
    "DEFAULT_TIMEOUT_S",
]

#: Seconds a jNeuroML run may take before it is stopped.
DEFAULT_TIMEOUT_S = 300


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


def jneuroml_available() -> tuple[bool, str]:
    """Whether Java and the jNeuroML jar are both present, and if not, why (one line)."""
    java = shutil.which("java")
    if java is None:
        return False, "Java is not installed (no `java` on PATH); jNeuroML needs Java 8 or newer"
    try:
        jar = find_jar()
    except JNeuroMLError as exc:
        return False, str(exc)
    return True, f"jNeuroML {os.path.basename(jar)} with {java}"


def run_jneuroml(lems_path, *, timeout_s: float = DEFAULT_TIMEOUT_S, cwd=None) -> str:
    """Run ``java -jar jNeuroML.jar LEMS_FILE -nogui``; return its output.

    Raises
    ------
    JNeuroMLError
        No Java or jar; non-zero exit (the message carries the last lines of
        the output); or more than ``timeout_s`` seconds.
    """
    ok, why = jneuroml_available()
    if not ok:
        raise JNeuroMLError(why)
    cmd = ["java", "-Xmx1G", "-Djava.awt.headless=true", "-jar", find_jar(), os.fspath(lems_path), "-nogui"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                              cwd=cwd or os.path.dirname(os.path.abspath(lems_path)))
    except subprocess.TimeoutExpired:
        raise JNeuroMLError(f"jNeuroML did not finish {lems_path} within {timeout_s:g} s") from None
    out = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0 or "Exception" in out and "Finished" not in out:
        lines = [line.strip() for line in out.strip().splitlines() if line.strip()]
        errors = [line for line in lines if ("Exception" in line or "Error" in line) and not line.startswith("at ")]
        why = errors[0] if errors else " | ".join(lines[-3:])
        raise JNeuroMLError(f"jNeuroML failed on {lems_path} (exit {proc.returncode}): {why}")
    return out


def extract_example(name: str = "LEMS_NML2_Ex2_Izh.xml", dest=None) -> str:
    """Copy a LEMS example out of the jNeuroML jar (``LEMSexamples/NAME``); return its path.

    Parameters
    ----------
    name : str
        File name under ``LEMSexamples/`` in the jar.
    dest : str, optional
        Folder to write to (default: a new temporary folder).
    """
    jar = find_jar()
    member = f"LEMSexamples/{name}"
    with zipfile.ZipFile(jar) as zf:
        try:
            data = zf.read(member)
        except KeyError:
            raise JNeuroMLError(f"{member} is not in {os.path.basename(jar)}") from None
    dest = dest or tempfile.mkdtemp(prefix="izh_lems_")
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path
