"""The Simulation's outputs: its ``OutputFile`` s and ``EventOutputFile`` s written as jnml writes them (only
inside the output folder), and its ``Display`` s drawn.

:func:`output_paths` refuses, before anything runs, a file name that would leave the output folder (absolute,
``..``, links); :func:`write_outputs` writes numbers as Java's ``Float.toString``. See docs/neuroml.md,
"Outputs".
"""

from __future__ import annotations

import os
import re

import numpy as np

from izh_brian.lems.model import NeuroMLError, NeuroMLModel, NeuroMLRun, OutputSpec
from izh_brian.lems.read import _parse_target, _unsupported
from izh_brian.lems.xml import _QUANTITY, _UNITS, _children, _require, _tag, _where

__all__ = ["read_outputs", "output_paths", "write_outputs", "read_displays", "plot_displays"]

_QTY_BRACKET = re.compile(r"^\s*([A-Za-z_][\w.-]*)\[(\d+)\]/(\w+)\s*$")
_QTY_PATH = re.compile(r"^\s*([A-Za-z_][\w.-]*)/(\d+)/[\w.-]+/(\w+)\s*$")


def read_outputs(model: NeuroMLModel) -> list:
    """The Simulation's OutputFiles and EventOutputFiles (quantities ``pop[i]/var`` or ``pop/i/cell/var``).

    Raises
    ------
    NeuroMLError
        A quantity of another form (e.g. an input's current ``pop[0]/input/I``), an unknown population or
        index, or an EventOutputFile format other than TIME_ID / ID_TIME.
    """
    outs = []
    sim = model.simulation
    if sim is None:
        return outs
    for elem in _children(sim):
        tag = _tag(elem)
        if tag == "OutputFile":
            spec = OutputSpec(_require(elem, "id"), _require(elem, "fileName"), tag, [], where=_where(elem))
            for col in _children(elem):
                if _tag(col) != "OutputColumn":
                    raise _unsupported(col, elem)
                q = _require(col, "quantity")
                mt = _QTY_BRACKET.match(q) or _QTY_PATH.match(q)
                if not mt:
                    raise NeuroMLError(f"<OutputColumn> in {_where(col)}: quantity {q!r} is not a cell's state "
                                       "variable ('pop[i]/var' or 'pop/i/cell/var'); inputs' and synapses' "
                                       "quantities are not recorded")
                pop, idx, var = mt.group(1), int(mt.group(2)), mt.group(3)
                _check_cell(model, col, pop, idx)
                spec.columns.append((_require(col, "id"), pop, idx, var))
            outs.append(spec)
        elif tag == "EventOutputFile":
            fmt = elem.get("format", "TIME_ID")
            if fmt not in ("TIME_ID", "ID_TIME"):
                raise NeuroMLError(f"<EventOutputFile> in {_where(elem)}: format={fmt!r}; allowed: TIME_ID, ID_TIME")
            spec = OutputSpec(_require(elem, "id"), _require(elem, "fileName"), tag, [], fmt, _where(elem))
            for sel in _children(elem):
                if _tag(sel) != "EventSelection":
                    raise _unsupported(sel, elem)
                if sel.get("eventPort", "spike") != "spike":
                    raise NeuroMLError(f"<EventSelection> in {_where(sel)}: eventPort={sel.get('eventPort')!r}; "
                                       "only 'spike' is recorded")
                pop, idx = _parse_target(sel, _require(sel, "select"))
                _check_cell(model, sel, pop, idx)
                spec.columns.append((_require(sel, "id"), pop, idx))
            outs.append(spec)
    return outs


def _check_cell(model, elem, pop, idx):
    if pop not in model.populations:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: unknown population {pop!r}; populations: "
                           f"{', '.join(model.populations) or 'none'}")
    if not 0 <= idx < model.populations[pop].size:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: cell index {idx} out of range for population "
                           f"{pop!r} of size {model.populations[pop].size}")


def _java_float(x: float) -> str:
    """``x`` as jLEMS writes output values: Java's ``Float.toString`` of the single-precision number
    (shortest digits that give the float back; ``E`` notation below 1e-3 and from 1e7): 0.0, -0.057716597,
    2.5E-5."""
    v = np.float32(x)
    if v == 0:
        return "-0.0" if np.signbit(v) else "0.0"
    if 1e-3 <= abs(v) < 1e7:
        s = np.format_float_positional(v, unique=True, trim="0")
        return s if not s.endswith(".") else s + "0"
    mant, exp = np.format_float_scientific(v, unique=True, trim="0").split("e")
    if mant.endswith("."):
        mant += "0"
    if "." not in mant:
        mant += ".0"
    return f"{mant}E{int(exp)}"


def output_paths(model: NeuroMLModel, folder: str, outputs=None) -> list:
    """``[(spec, path)]`` of the Simulation's output files, each checked to lie inside ``folder``.

    A model file is often someone else's: its ``fileName`` attributes must not write anywhere else. An
    absolute name, a name with ``..`` that leaves the folder, or a name whose existing folders or file are
    links leading out of it is refused (:class:`NeuroMLError` naming the element, the file and the line)
    before anything runs or is written.
    """
    root = os.path.realpath(folder)
    out = []
    for spec in outputs if outputs is not None else read_outputs(model):
        name = spec.file_name
        what = f"<{spec.kind} id={spec.id!r}> in {spec.where}: fileName {name!r}"
        if not name or os.path.isabs(name) or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            raise NeuroMLError(f"{what} is not a relative file name; output files are written only inside the "
                               f"output folder ({folder})")
        path = os.path.join(root, name)
        real = os.path.realpath(path)
        if real == root or os.path.commonpath([real, root]) != root:
            raise NeuroMLError(f"{what} leaves the output folder ({folder}); give a name inside it")
        out.append((spec, path))
    return out


def write_outputs(model: NeuroMLModel, run: "NeuroMLRun", folder: str) -> list:
    """Write the Simulation's OutputFiles and EventOutputFiles as jNeuroML does, under ``folder``.

    OutputFile: one row per step from t = 0, ``time<TAB>value<TAB>...<TAB>`` in SI units.
    EventOutputFile: one line per spike, ``time<TAB>id`` (TIME_ID) or ``id<TAB>time`` (ID_TIME), seconds,
    in time order. Every name is checked (:func:`output_paths`) before the first file is written.
    Returns the paths written.
    """
    written = []
    outs = getattr(run, "outputs", None) or read_outputs(model)
    dt_s = run.dt_s
    for spec, path in output_paths(model, folder, outs):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        if spec.kind == "OutputFile":
            cols = [run.traces[(pop, idx, var)] for _cid, pop, idx, var in spec.columns]
            n = len(cols[0]) if cols else 0
            with open(path, "w") as fh:
                for k in range(n):
                    t = _java_float(round(k * dt_s, 12))
                    fh.write(t + "\t" + "".join(_java_float(c[k]) + "\t" for c in cols) + "\n")
        else:
            events = []
            for eid, pop, idx in spec.columns:
                for step in run.spike_steps[pop][idx]:
                    events.append((int(step), eid))
            events.sort(key=lambda e: e[0])
            with open(path, "w") as fh:
                for step, eid in events:
                    t = _java_float(round(step * dt_s, 12))
                    fh.write(f"{t}\t{eid}\n" if spec.format == "TIME_ID" else f"{eid}\t{t}\n")
        written.append(path)
    return written


def read_displays(model: NeuroMLModel) -> list:
    """The Simulation's Displays: ``[(id, title, [(line id, pop, index, variable, scale, color)])]``.

    Lines whose quantity is not ``pop[i]/var`` or ``pop/i/cell/var`` (e.g. an input's current) are left out.
    """
    out = []
    sim = model.simulation
    if sim is None:
        return out
    for elem in _children(sim):
        if _tag(elem) != "Display":
            continue
        lines = []
        for line in _children(elem):
            if _tag(line) != "Line":
                continue
            mt = _QTY_BRACKET.match(line.get("quantity", "")) or _QTY_PATH.match(line.get("quantity", ""))
            if not mt or mt.group(1) not in model.populations:
                continue
            m = _QUANTITY.match(line.get("scale", "1"))
            unit = m.group(2) if m else ""
            scale = float(m.group(1)) * _UNITS.get(unit, (1.0, ""))[0] if m else 1.0
            lines.append((line.get("id", ""), mt.group(1), int(mt.group(2)), mt.group(3), scale or 1.0,
                          line.get("color")))
        out.append((elem.get("id", ""), elem.get("title", elem.get("id", "")), lines))
    return out


def plot_displays(model: NeuroMLModel, run: "NeuroMLRun", path: str) -> str:
    """Draw the Simulation's Displays (one panel each; each Line in its ``scale`` against time in ms) to
    ``path``; lines of quantities that are not cell state variables are not drawn."""
    from matplotlib.figure import Figure

    displays = [d for d in read_displays(model) if any((p, i, v) in run.traces for _l, p, i, v, _s, _c in d[2])]
    if not displays:
        raise NeuroMLError(f"{model.path}: the Simulation has no Display with a line of a cell's state variable "
                           "to plot")
    fig = Figure(figsize=(8, 2.2 * len(displays)), layout="constrained")
    axes = fig.subplots(len(displays), 1, squeeze=False)[:, 0]
    t_ms = np.arange(round(run.duration_ms / run.dt_ms) + 1) * run.dt_ms
    for ax, (_did, title, lines) in zip(axes, displays):
        for lid, pop, idx, var, scale, color in lines:
            y = run.traces.get((pop, idx, var))
            if y is None:
                continue
            ax.plot(t_ms[: len(y)], np.asarray(y) / scale, lw=0.8, label=lid or f"{pop}[{idx}]/{var}",
                    color=color if color and color.startswith("#") else None)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("t (ms)")
    fig.savefig(path, dpi=110)
    return path

