"""Run LEMS files with jNeuroML, the NeuroML reference simulator, and read its spike times.

pyNeuroML (``pip install izh_brian[neuroml]``) bundles the jNeuroML jar (:func:`find_jar`, from
:mod:`izh_brian.lems.jar`); this module runs it as ``java -jar jNeuroML.jar FILE -nogui`` in a subprocess with a
timeout. To get spikes from any LEMS file, :func:`run_lems_spikes` writes a copy in a temporary folder with one
``EventOutputFile`` recording every cell of every population (non-core includes are pointed back at the
original files), runs it, and reads the events (TIME_ID, seconds). :mod:`izh_brian.lems` reproduces jNeuroML's
step (docs/neuroml.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile

import numpy as np

from izh_brian.lems import CORE_INCLUDES, output_paths, read_model
from izh_brian.lems.jar import JNeuroMLError, find_jar

__all__ = [
    "JNeuroMLError",
    "find_jar",
    "jneuroml_available",
    "run_jneuroml",
    "extract_example",
    "run_lems_spikes",
    "DEFAULT_TIMEOUT_S",
]

#: Seconds a jNeuroML run may take before it is stopped.
DEFAULT_TIMEOUT_S = 300


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


_SIM_SELF_CLOSING = re.compile(r"<Simulation\b([^>]*?)/>", re.S)


def run_lems_spikes(lems_path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> dict:
    """Run a LEMS file in jNeuroML and return every cell's spike times.

    Returns
    -------
    dict
        ``{population id: [array of spike times in ms, one per cell]}``.

    Raises
    ------
    JNeuroMLError, NeuroMLError
    """
    lems_path = os.path.abspath(os.fspath(lems_path))
    model = read_model(lems_path)  # checks the file, lists the populations
    cells = [(pid, i) for pid, pop in model.populations.items() for i in range(pop.size)]
    base = os.path.dirname(lems_path)
    with open(lems_path, encoding="utf-8") as fh:
        text = fh.read()
    with tempfile.TemporaryDirectory(prefix="izh_jnml_") as tmp:
        output_paths(model, tmp)  # jnml writes the model's own output files: only inside tmp
        events = os.path.join(tmp, "izh_spikes.dat")
        # populationList populations are addressed as pop/i/component, the others as pop[i].
        def path(pid, i):
            pop = model.populations[pid]
            return f"{pid}/{i}/{pop.component}" if pop.locations else f"{pid}[{i}]"

        sel = "".join(f'\n  <EventSelection id="{k}" select="{path(pid, i)}" eventPort="spike"/>'
                      for k, (pid, i) in enumerate(cells))
        block = f'<EventOutputFile id="izh_brian_spikes" fileName="{events}" format="TIME_ID">{sel}\n</EventOutputFile>\n'

        def absolute(m):
            name = m.group(3)
            if os.path.basename(name) in CORE_INCLUDES and not os.path.exists(os.path.join(base, name)):
                return m.group(0)
            return f"{m.group(1)}{m.group(2)}{os.path.join(base, name)}{m.group(2)}"

        text = re.sub(r"""(<Include\s+file\s*=\s*)(["'])(.+?)\2""", absolute, text)
        text = _SIM_SELF_CLOSING.sub(lambda m: f"<Simulation{m.group(1)}></Simulation>", text, count=1)
        at = text.rfind("</Simulation>")
        if at < 0:
            raise JNeuroMLError(f"{lems_path}: no <Simulation> element to run")
        text = text[:at] + block + text[at:]
        # The file's own outputs are written in the temporary folder: create their sub-folders.
        for out in (model.simulation if model.simulation is not None else []):
            name = out.get("fileName") if isinstance(out.tag, str) else None
            if name and not os.path.isabs(name) and os.path.dirname(name):
                os.makedirs(os.path.join(tmp, os.path.dirname(name)), exist_ok=True)
        copy = os.path.join(tmp, os.path.basename(lems_path))
        with open(copy, "w", encoding="utf-8") as fh:
            fh.write(text)
        run_jneuroml(copy, timeout_s=timeout_s, cwd=tmp)
        if not os.path.exists(events):
            raise JNeuroMLError(f"jNeuroML wrote no spike file for {lems_path}")
        data = np.loadtxt(events, ndmin=2) if os.path.getsize(events) else np.zeros((0, 2))
    out = {pid: [np.zeros(0) for _ in range(pop.size)] for pid, pop in model.populations.items()}
    for k, (pid, i) in enumerate(cells):
        out[pid][i] = np.sort(data[data[:, 1] == k, 0]) * 1e3 if len(data) else np.zeros(0)
    return out
