"""Grade a student's own Izhikevich model: does its output show a named firing pattern?

A student writes the model (plain Brian2, a NumPy loop, anything) and runs it
on a preset's protocol. :func:`check` takes the spike times (and, optionally,
the voltage trace and the input), applies the same validator as
:mod:`izh_brian.analysis` (the one ``izh-brian validate`` uses on the package's
own runs) and reports each criterion: its name, the measured value, the
required range, whether it holds and, when it fails, a hint.

When the submission ran the preset's own protocol (no input given, or an input
equal to the preset's I(t) on the same grid), its spike times are also
compared with the preset's response under figure1.m's loop (Izhikevich 2004,
Fig. 1, figure1.m), and the numerical scheme the submission resembles most
is named among ``figure1`` (figure1.m's order: v first, then u from the new v,
then the ``v > 30`` test), ``euler`` (forward Euler, u from the old v, as
Brian2's ``method="euler"``), ``rk2``, ``rk4``, ``heun`` (Brian2's other
methods), ``net2003`` (net.m's order, Izhikevich 2003: the spike test first,
two half steps of v) and ``nest`` (NEST's ``izhikevich`` model). The reference
runs are cached in the process, so a second check of the same pattern does not
simulate again.

>>> import izh_brian
>>> from izh_brian.teaching.check import check
>>> rep = check("tonic_spiking", izh_brian.simulate("tonic_spiking").spike_times_ms)
>>> rep.shows_pattern, rep.reference["matches"], rep.reference["closest_scheme"]
(True, True, 'figure1')

Times are in ms, potentials in mV and currents in the paper's units (mV/ms).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import operator
import os
import re
import zipfile
from dataclasses import dataclass, field

import brian2
import numpy as np
from brian2 import ms, mV
from brian2.units.fundamentalunits import DIMENSIONLESS

from izh_brian import __version__
from izh_brian.analysis import spiketrains
from izh_brian.analysis.features import boundaries_from_current, protocol_boundaries
from izh_brian.analysis.validators import Criterion, train_features, validate_features
from izh_brian.jsonutil import to_jsonable
from izh_brian.limits import ResourceLimitError, check_file_size, check_work, load_npz
from izh_brian.presets import get_preset
from izh_brian.simulation import DivergenceError, simulate_many
from izh_brian.stimuli import time_grid_ms

__all__ = [
    "COMPARED_SCHEMES",
    "SPIKE_CUTOFF_MV",
    "CheckReport",
    "Criterion",
    "check",
    "check_file",
    "clear_cache",
    "compare_trains",
    "load_submission",
]

#: The schemes a submission is compared with, in the order ties are broken.
COMPARED_SCHEMES = ("figure1", "euler", "rk2", "rk4", "heun", "net2003", "nest")

#: The spike cut-off of the papers' programs (mV): traces are clipped here, as figure1.m draws them.
SPIKE_CUTOFF_MV = 30.0

#: A one-sample fall of v larger than this (mV) is a reset, when spikes are read off a trace.
RESET_DROP_MV = 30.0

# (preset record, dt, scheme) -> spike times (ms), or an error string
_REFERENCE_CACHE: dict = {}

#: Environment variable naming the folder of the on-disk cache of reference runs ("off" disables it);
#: by default ``$XDG_CACHE_HOME/izh_brian`` or ``~/.cache/izh_brian``.
DISK_CACHE_ENV = "IZH_BRIAN_CACHE"


def clear_cache(disk: bool = False) -> None:
    """Forget the cached reference runs (in this process; with ``disk``, the on-disk cache too)."""
    _REFERENCE_CACHE.clear()
    path = _disk_cache_file()
    if disk and path is not None and os.path.exists(path):
        os.remove(path)


def _disk_cache_file():
    """The JSON file of reference spike trains shared by separate ``izh-brian check`` runs, or None."""
    folder = os.environ.get(DISK_CACHE_ENV)
    if folder == "off":
        return None
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "izh_brian")
    return os.path.join(folder, "check_reference_runs.json")


def _disk_key(preset, dt: float, scheme: str) -> str:
    """Everything a reference run depends on: the whole preset record (parameters, protocol), the step,
    the scheme and the versions of izh_brian and Brian2, hashed."""


    text = repr((preset, round(float(dt), 12), scheme, __version__, brian2.__version__))
    return hashlib.sha256(text.encode()).hexdigest()


def _disk_read(key: str):
    path = _disk_cache_file()
    try:
        with open(path) as fh:
            value = json.load(fh).get(key)
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(x, (int, float)) for x in value):
        return np.asarray(value, dtype=float)
    return None


def _disk_write(key: str, value) -> None:
    """Add one entry, atomically (a concurrent writer may win; the cache only saves time)."""
    path = _disk_cache_file()
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            with open(path) as fh:
                data = json.load(fh)
            data = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            data = {}
        data[key] = value if isinstance(value, str) else [float(x) for x in value]
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        pass


# --------------------------------------------------------------------------- the report


@dataclass
class CheckReport:
    """The outcome of :func:`check`.

    Attributes
    ----------
    pattern : str
        The preset whose pattern was checked (canonical name).
    shows_pattern : bool
        Whether every criterion holds.
    criteria : list of Criterion
        ``.name``, ``.value``, ``.required``, ``.ok``, ``.hint`` (empty when ok).
    reference : dict or None
        With the preset's protocol: ``matches`` (same spike count as figure1.m
        and every paired spike within dt/2), ``n_spikes``, ``n_reference``,
        ``max_abs_dt_ms`` (largest difference over spikes paired in order;
        ``None`` without a pair), ``first_difference_ms`` (the earlier time of
        the first pair further apart than dt/2, or of the first unpaired spike;
        ``None`` when they match) and ``closest_scheme``. ``None`` with another input.
    spike_times_ms : ndarray
        The submission's spike times as read.
    dt_ms : float
        The grid step used.
    protocol : str
        ``"preset"`` (the preset's I(t)) or ``"submission"`` (the input given).
    schemes : dict
        Per compared scheme: :func:`compare_trains`'s result (or ``error``
        when that scheme could not run the protocol). Only ``figure1`` when
        the submission matches figure1.m: the others are not simulated then.
    notes : list of str
        What was assumed (protocol, clipping of spike peaks, spikes read off the trace).
    """

    pattern: str
    shows_pattern: bool
    criteria: list
    reference: dict | None
    spike_times_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dt_ms: float = float("nan")
    protocol: str = "preset"
    schemes: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    reference_reason: str | None = None

    def to_dict(self) -> dict:
        """``{"pattern", "shows_pattern", "criteria": [{"name", "value", "required", "ok", "hint"}], "reference"}``."""
        return {"pattern": self.pattern, "shows_pattern": bool(self.shows_pattern),
                "criteria": [c.to_dict() for c in self.criteria],
                "reference": None if self.reference is None else to_jsonable(self.reference),
                "reference_reason": self.reference_reason}

    @property
    def failed(self) -> list:
        """The criteria that do not hold."""
        return [c for c in self.criteria if not c.ok]

    def _rows(self):
        return [(c.name, _fmt_value(c.value), c.required, "yes" if c.ok else "NO", c.hint) for c in self.criteria]

    def reference_line(self) -> str:
        """The comparison with figure1.m in one line."""
        r = self.reference
        if r is None:
            return f"reference: not compared with figure1.m ({self.reference_reason or 'see the notes'})"
        dt = ("no spikes to pair" if r["max_abs_dt_ms"] is None
              else f"largest |dt| {_fmt_value(r['max_abs_dt_ms'])} ms")
        if r["matches"]:
            how = f"matches figure1.m: {r['n_spikes']} spikes, {dt}"
        else:
            how = (f"differs from figure1.m: {r['n_spikes']} spikes vs {r['n_reference']}, {dt}, "
                   f"first difference at {_fmt_value(r['first_difference_ms'])} ms")
        return f"reference: {how}; closest scheme: {r['closest_scheme']}"

    def __str__(self) -> str:
        head = f"{self.pattern}: {'shows the pattern' if self.shows_pattern else 'does NOT show the pattern'}"
        cols = ("criterion", "value", "required", "ok", "hint")
        rows = self._rows()
        w = [max([len(cols[i])] + [len(r[i]) for r in rows]) for i in range(4)]
        lines = [head, "  ".join(cols[i].ljust(w[i]) for i in range(4)) + "  " + cols[4]]
        for r in rows:
            lines.append(("  ".join(r[i].ljust(w[i]) for i in range(4)) + "  " + r[4]).rstrip())
        lines.append(self.reference_line())
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        e = html.escape
        verdict = "shows the pattern" if self.shows_pattern else "does NOT show the pattern"
        out = [f"<p><b>{e(self.pattern)}</b>: {e(verdict)}</p>", "<table>",
               "<tr><th>criterion</th><th>value</th><th>required</th><th>ok</th><th>hint</th></tr>"]
        for name, value, req, ok, hint in self._rows():
            colour = "green" if ok == "yes" else "red"
            out.append(f"<tr><td><code>{e(name)}</code></td><td>{e(value)}</td><td>{e(req)}</td>"
                       f"<td style=\"color:{colour}\">{e(ok)}</td><td>{e(hint)}</td></tr>")
        out.append("</table>")
        out.append(f"<p>{e(self.reference_line())}</p>")
        out.extend(f"<p><i>note: {e(n)}</i></p>" for n in self.notes)
        return "\n".join(out)


def _fmt_value(x) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (float, np.floating)):
        return "n/a" if not math.isfinite(float(x)) else f"{float(x):.4g}"
    return str(x)


# --------------------------------------------------------------------------- reading a submission


def load_submission(path) -> dict:
    """Read a submission file.

    Parameters
    ----------
    path : str or Path
        A ``.npz`` archive with the key ``spike_times_ms`` and optionally
        ``spike_indices`` (the neuron of each spike, as a SpikeMonitor's
        ``i``), ``n_neurons``, ``t_ms``, ``v_mV`` (one row per neuron if 2-D),
        ``I`` (mV/ms) and ``dt_ms``; or a ``.csv`` (or ``.txt``) file with one
        spike time (ms) per line, or ``neuron index, time`` pairs. The first
        line is a header only if it holds no number. A CSV with only a header
        holds no spikes (a silent neuron); a file with nothing in it is an error.

    Returns
    -------
    dict
        ``spike_times_ms`` (ndarray) and ``spike_indices``, ``n_neurons``,
        ``t_ms``, ``v_mV``, ``I``, ``dt_ms`` (``None`` where absent).

    Raises
    ------
    ValueError
        A missing, empty, too large, unreadable or malformed file; decimal
        commas; a number with a unit (``13.0ms``): the reason in one line.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"no such file: {path!r}")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".npz", ".csv", ".txt"):
        raise ValueError(f"cannot read {path!r}: unsupported file type {ext or '(none)'!r}; allowed: .npz, .csv, .txt")
    if check_file_size(path, what="spike file") == 0:
        raise ValueError(f"{path!r} is empty: it holds no spike times")
    out = dict.fromkeys(("spike_times_ms", "spike_indices", "n_neurons", "t_ms", "v_mV", "I", "dt_ms"))
    if ext == ".npz":
        return _read_npz(path, out)
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path!r} as text: {type(exc).__name__}") from None
    rows = _text_rows(path, lines)
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise ValueError(f"{path!r} mixes lines of one and two columns; use one spike time per line, "
                         "or 'index, time' on every line")
    if widths == {2}:
        arr = np.asarray(rows, dtype=float)
        idx = arr[:, 0]
        if np.any(idx != np.round(idx)) or np.any(idx < 0):
            raise ValueError(f"{path!r}: the first column holds neuron indices (0, 1, ...), got {idx[0]:g}")
        out["spike_indices"] = idx.astype(int)
        out["spike_times_ms"] = arr[:, 1]
    else:
        out["spike_times_ms"] = np.asarray([r[0] for r in rows], dtype=float)
    return out


def _read_npz(path: str, out: dict) -> dict:
    """The arrays of a ``.npz`` submission, loaded only after their declared sizes are checked."""
    try:
        arrays = load_npz(path, what="spike file")
    except ResourceLimitError:
        raise
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise ValueError(f"cannot read {path!r} as a NumPy .npz archive: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if "spike_times_ms" not in arrays:
        raise ValueError(f"{path!r} has no array 'spike_times_ms' (keys: {', '.join(arrays) or 'none'})")
    for k in out:
        if k in arrays:
            out[k] = np.asarray(arrays[k])
    for k in ("t_ms", "v_mV", "I", "spike_times_ms", "spike_indices"):
        if out[k] is not None and out[k].dtype.kind not in "iuf":
            raise ValueError(f"{path!r}: array {k!r} must hold numbers, got dtype {out[k].dtype}")
    for k in ("dt_ms", "n_neurons"):
        if out[k] is not None:
            if out[k].size != 1 or out[k].dtype.kind not in "iuf":
                raise ValueError(f"{path!r}: {k!r} must be one number, got an array of shape {out[k].shape}")
            out[k] = float(out[k].ravel()[0])
    if out["n_neurons"] is not None:
        n = out["n_neurons"]
        if not (math.isfinite(n) and n >= 1 and n == int(n)):
            raise ValueError(f"{path!r}: 'n_neurons' must be a whole number >= 1, got {n:g}")
        out["n_neurons"] = int(n)
    return out


# a number in a field: "13", "-1.5", ".5", "1e-3"
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# a decimal comma: digits, one comma, digits, nothing else ("13,0"); "0, 13.0" (a space) is a pair
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def _text_rows(path: str, lines: list) -> list:
    """The numbers of a CSV, one tuple per line; refuses decimal commas and numbers with a unit."""
    if not any("." in line for line in lines):
        for no, line in enumerate(lines, 1):
            text = line.strip()
            if _DECIMAL_COMMA.fullmatch(text) or any(_DECIMAL_COMMA.fullmatch(x.strip()) for x in text.split(";")
                                                     if ";" in text):
                raise ValueError(f"{path!r} line {no}: {text[:40]!r} has a decimal comma (or 'index,time' with "
                                 "no decimal point anywhere, which reads the same): write times with a decimal "
                                 "point (13.0), and pairs as 'index, time' with a time like 13.0")
    rows, seen_content = [], False
    for no, line in enumerate(lines, 1):
        text = line.strip().rstrip(",").strip()
        if not text:
            continue
        fields = [x.strip() for x in text.replace(";", ",").split(",")]
        try:
            if len(fields) > 2:
                raise ValueError
            rows.append(tuple(float(x) for x in fields))
        except ValueError:
            unit = next((x for x in fields if _NUMBER.match(x) and not _NUMBER.fullmatch(x)), None)
            if unit is not None:
                raise ValueError(f"{path!r} line {no}: {unit[:40]!r} is a number with a unit: give plain numbers "
                                 "of ms, one per line (13.0)") from None
            if not seen_content and not any(_NUMBER.fullmatch(x) for x in fields):  # the header: no number
                seen_content = True
                continue
            raise ValueError(f"{path!r} line {no}: {line.strip()[:40]!r} is not a spike time (one number in ms "
                             "per line, or 'index, time'; a header line, holding no number, allowed)") from None
        seen_content = True
    if not seen_content:
        raise ValueError(f"{path!r} is empty: it holds no spike times")
    return rows


def _is_quantity(x) -> bool:
    return hasattr(x, "dim") and hasattr(x, "has_same_dimensions")


def _as_quantity(x):
    """A Brian2 ``VariableView`` (``spikemon.t``: it has ``.dim`` but is no Quantity) as its values with
    their unit; anything else unchanged."""
    if hasattr(x, "dim") and not _is_quantity(x):
        try:
            return x[:]
        except Exception as exc:  # a view Brian2 cannot read (a Network not run): say which
            raise ValueError(f"cannot read the Brian2 variable {getattr(x, 'name', x)!r}: {exc}") from None
    return x


def _to_ms(x, what: str) -> np.ndarray:
    """Plain numbers are ms; a Brian2 quantity (or VariableView) must be a time and is read in its unit."""
    x = _as_quantity(x)
    if _is_quantity(x):
        if x.dim is DIMENSIONLESS:
            return np.asarray(x, dtype=float)
        if not x.has_same_dimensions(ms):
            raise ValueError(f"{what} must be times (ms or a Brian2 time quantity), got units {x.dim}")
        return np.asarray(x / ms, dtype=float)
    return _as_float_array(x, what)


def _as_float_array(x, what: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {type(x).__name__}") from None
    return a


def _to_unit(x, unit_name: str, what: str) -> np.ndarray:
    x = _as_quantity(x)
    if _is_quantity(x):
        if x.dim is DIMENSIONLESS:
            return np.asarray(x, dtype=float)
        # an input written as a potential (dv/dt = (... - u + I)/ms) is in mV, like the paper's mV/ms
        units = (mV,) if unit_name == "mV" else (mV / ms, mV)
        for unit in units:
            if x.has_same_dimensions(unit):
                return np.asarray(x / unit, dtype=float)
        allowed = "mV" if unit_name == "mV" else "mV/ms, or mV for an I added inside (...)/ms"
        raise ValueError(f"{what} must be in {allowed} (or plain numbers), got units {x.dim}")
    return _as_float_array(x, what)


def _spikes_from(spikes, index: int):
    """Spike times (ms) of one neuron from any accepted form, extra arrays from a file, and whether the
    times were plain numbers (read as ms, so open to the seconds test)."""
    if isinstance(spikes, (str, os.PathLike)):
        return (*_spikes_from_file(os.fspath(spikes), index), True)
    if type(spikes).__name__ == "SpikeMonitor" or all(hasattr(spikes, k) for k in ("i", "t", "source")):
        i = np.asarray(spikes.i[:])
        t = _to_ms(spikes.t[:], "SpikeMonitor times")
        n = len(spikes.source)
        if not (0 <= index < n):
            raise ValueError(f"index {index} is not a neuron of the monitored group (0 .. {n - 1})")
        return t[i == index], {}, False
    return _to_ms(spikes, "spike times"), {}, not _is_quantity(_as_quantity(spikes))


def _spikes_from_file(path: str, index: int):
    extra = load_submission(path)
    st = _to_ms(extra.pop("spike_times_ms"), "spike times")
    idx = extra.pop("spike_indices")
    n = extra.pop("n_neurons")
    v = extra.get("v_mV")
    if idx is not None:
        idx = np.asarray(idx).ravel()
        if idx.shape != st.ravel().shape:
            raise ValueError(f"{path!r}: spike_indices ({idx.size}) and spike_times_ms ({st.size}) differ in length")
        if n is None:  # the neurons the file shows: those with a spike, or the rows of v_mV
            n = max(int(idx.max()) + 1 if idx.size else 1, v.shape[0] if v is not None and np.ndim(v) == 2 else 0)
        if not (0 <= index < n):
            raise ValueError(f"index {index} is not a neuron of {path!r} (0 .. {n - 1}; a .npz may say "
                             "n_neurons)")
        st = st.ravel()[idx == index]
    elif index != 0:
        raise ValueError(f"index {index}: {path!r} holds one neuron's spike times (no spike_indices); use index 0")
    if v is not None and np.ndim(v) == 2:
        if not (0 <= index < v.shape[0]):
            raise ValueError(f"index {index} is not a row of v_mV (0 .. {v.shape[0] - 1})")
        extra["v_mV"] = v[index]
    return st, extra


def _seconds_limit_ms(duration: float) -> float:
    """Plain times that all lie at or before this (ms) are taken for seconds: a train (or a record) of
    ``duration`` ms written in seconds ends by ``duration / 1000``; no preset's own response has its
    last spike before 11 ms, so the floor of 1 ms refuses no right answer."""
    return max(float(duration) / 1000.0, 1.0)


def _refuse_seconds(x: np.ndarray, what: str, duration: float, fix: str) -> None:
    """One line refusing plain numbers that look like seconds (see :func:`_seconds_limit_ms`)."""
    lim = _seconds_limit_ms(duration)
    if x.size and 0 < float(np.max(x)) <= lim:
        raise ValueError(f"{what} all lie at or before {lim:g} ms (the last is {float(np.max(x)):g}) in a "
                         f"{duration:g} ms protocol: they look like seconds, and plain numbers are read as ms; "
                         f"{fix}")


#: How to give ms, for the seconds refusal.
_FIX_SPIKES = "pass spikemon.t itself (with its unit) or spikemon.t/ms, or write the file in ms (times * 1000)"
_FIX_TRACE = "pass the StateMonitor itself, or statemon.t/ms, or write t_ms in ms (times * 1000)"


def _check_times(st: np.ndarray, what="spike times") -> np.ndarray:
    if st.ndim == 0:
        st = st.reshape(1)
    if st.ndim != 1:
        raise ValueError(f"{what} must be a 1-D sequence of ms, got an array of shape {st.shape}")
    bad = np.flatnonzero(~np.isfinite(st))
    if len(bad):
        raise ValueError(f"{what} must be finite numbers of ms: {st[bad[0]]} at position {bad[0]}")
    neg = np.flatnonzero(st < 0)
    if len(neg):
        raise ValueError(f"{what} must be >= 0 ms (from the start of the run): {st[neg[0]]:g} at position {neg[0]}")
    back = np.flatnonzero(np.diff(st) <= 0)
    if len(back):
        k = int(back[0]) + 1
        raise ValueError(f"{what} must be increasing: {st[k]:g} ms at position {k} follows {st[k - 1]:g} ms")
    return st


def _trace_from(trace, index: int):
    """t_ms, v_mV and I (or None) of one neuron of a StateMonitor."""
    names = list(getattr(trace, "record_variables", []))
    if "v" not in names:
        raise ValueError(f"the StateMonitor must record 'v' (it records: {', '.join(names) or 'nothing'})")
    try:
        view = trace[index]
    except (IndexError, KeyError, TypeError) as exc:
        raise ValueError(f"neuron {index} is not recorded by the StateMonitor ({exc})") from None
    t = _to_ms(trace.t[:], "StateMonitor times")
    v = _to_unit(view.v, "mV", "the recorded v")
    I = _to_unit(view.I, "mV/ms", "the recorded I") if "I" in names else None
    return t, v, I


def _spikes_from_trace(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Spikes read off a trace: samples at or above the cut-off, or followed by a fall of more than 30 mV (a reset)."""
    peak = v >= SPIKE_CUTOFF_MV
    drop = np.zeros_like(peak)
    drop[:-1] = (v[:-1] - v[1:]) > RESET_DROP_MV
    k = np.flatnonzero(peak | drop)
    # one spike per crossing: a peak sample followed by its reset is counted once
    keep = np.ones(len(k), dtype=bool)
    keep[1:] = np.diff(k) > 1
    return t[k[keep]]


# --------------------------------------------------------------------------- the reference runs


def _reference_train(preset, dt: float, scheme: str):
    """The preset's spike times (ms) under ``scheme`` at step ``dt``, or an error string; cached."""
    key = (repr(preset), round(float(dt), 12), scheme)  # the whole record: a changed preset is another key
    if key not in _REFERENCE_CACHE:
        dkey = _disk_key(preset, dt, scheme) if _disk_cache_file() is not None else None
        cached = _disk_read(dkey) if dkey else None
        if cached is not None:
            _REFERENCE_CACHE[key] = cached
            return cached

        try:
            r = simulate_many([preset], scheme=scheme, dt=None if dt == preset.dt else dt)[0]
            _REFERENCE_CACHE[key] = np.asarray(r.spike_times_ms, dtype=float)
        except (DivergenceError, ValueError, NotImplementedError) as exc:
            _REFERENCE_CACHE[key] = f"{type(exc).__name__}: {exc}"
        if dkey:
            _disk_write(dkey, _REFERENCE_CACHE[key])
    return _REFERENCE_CACHE[key]


def compare_trains(spikes_ms, reference_ms, dt_ms: float) -> dict:
    """Compare two spike trains spike by spike (paired in order): :func:`izh_brian.analysis.spiketrains.compare_trains`.

    Returns
    -------
    dict
        ``matches`` (same count and every pair within ``dt_ms / 2``),
        ``n_spikes``, ``n_reference``, ``max_abs_dt_ms`` (``None`` without a
        pair), ``first_difference_ms`` (the earlier time of the first pair
        further apart than ``dt_ms / 2``, else of the first unpaired spike;
        ``None`` when they match) and ``n_off`` (pairs further apart than
        ``dt_ms / 2``).

    Examples
    --------
    >>> d = compare_trains([13.0, 17.0, 31.5], [13.0, 17.25, 31.5, 45.0], 0.25)
    >>> d["matches"], d["max_abs_dt_ms"], d["first_difference_ms"]
    (False, 0.25, 17.0)
    """
    c = spiketrains.compare_trains(spikes_ms, reference_ms, dt_ms=dt_ms)
    return {"matches": c.same_steps, "n_spikes": c.n_a, "n_reference": c.n_b, "max_abs_dt_ms": c.max_abs_dt_ms,
            "first_difference_ms": c.first_difference_ms, "n_off": c.n_off}


def _reference(st: np.ndarray, preset, dt: float):
    """figure1.m's comparison and the closest scheme.

    A submission that matches figure1.m is closest to it (figure1 comes first
    among equals), so the other schemes are simulated only when it does not.
    """
    schemes = {}
    best, best_key = None, None
    for scheme in COMPARED_SCHEMES:
        ref = _reference_train(preset, dt, scheme)
        if isinstance(ref, str):
            schemes[scheme] = {"error": ref}
            continue
        cmp = compare_trains(st, ref, dt)
        schemes[scheme] = cmp
        key = (abs(cmp["n_spikes"] - cmp["n_reference"]), cmp["n_off"], cmp["max_abs_dt_ms"] or 0.0)
        if best_key is None or key < best_key:
            best, best_key = scheme, key
        if scheme == "figure1" and cmp["matches"]:
            break
    fig = schemes["figure1"]
    if "error" in fig:
        return None, schemes
    ref = {k: fig[k] for k in ("matches", "n_spikes", "n_reference", "max_abs_dt_ms", "first_difference_ms")}
    ref["closest_scheme"] = best
    return ref, schemes


# --------------------------------------------------------------------------- check


def _index(index) -> int:
    """A neuron number: a whole number >= 0 (an int, a NumPy integer or a string of digits)."""
    if isinstance(index, str) and index.strip().isdigit():
        return int(index.strip())
    try:
        if isinstance(index, bool):
            raise TypeError
        k = operator.index(index)
    except TypeError:
        raise ValueError(f"index must be a whole number 0 .. N-1 (the neuron), got {index!r}") from None
    if k < 0:
        raise ValueError(f"index must be a whole number 0 .. N-1 (the neuron), got {k}")
    return k


def _grid_step(preset, t, dt_ms) -> float:
    """The submission's step (ms): ``dt_ms``, else the median step of ``t``, else the preset's; its grid
    is refused (with the estimate) before anything is built when it is too fine to simulate."""
    if dt_ms is not None:
        try:
            dt = float(_to_ms(dt_ms, "dt_ms"))
        except TypeError:
            raise ValueError(f"dt_ms must be one number of ms, got {dt_ms!r}") from None
        if not (dt > 0) or not math.isfinite(dt):
            raise ValueError(f"dt_ms must be a positive number of ms, got {dt_ms!r}")
    elif t is not None:
        dt = float(np.median(np.diff(t)))
    else:
        dt = float(preset.dt)
    if abs(dt - preset.dt) <= 1e-6 * preset.dt:  # t_ms from seconds, or from k*dt summed: the preset's step
        dt = float(preset.dt)
    n_steps = float(preset.duration) / dt
    # the grid, the input and the reference runs' records (t, v, I per scheme): 8 bytes each
    check_work(what=f"check {preset.name} at dt_ms = {dt:g}", n_neurons=len(COMPARED_SCHEMES), n_steps=n_steps,
               bytes_estimate=8.0 * n_steps * (3 + 3 * len(COMPARED_SCHEMES)))
    if dt >= preset.duration:
        raise ValueError(f"dt_ms {dt:g} must be smaller than the preset's duration {preset.duration:g} ms")
    return dt


def _own_parameters(preset, params) -> str | None:
    """None when ``params`` (the submission's a, b, c, d, V0) are the preset's, else the first difference."""
    for key, value in (params or {}).items():
        name = {"v0": "V0", "vr": "V0"}.get(str(key).lower(), str(key))
        if not hasattr(preset, name) or name not in ("a", "b", "c", "d", "V0", "u0"):
            raise ValueError(f"params: unknown parameter {key!r}; allowed: a, b, c, d, V0, u0")
        own = getattr(preset, name)
        if own is None or not math.isclose(float(value), float(own), rel_tol=1e-9, abs_tol=1e-12):
            return f"{name} = {float(value):g}, not {preset.name}'s {own}"
    return None


def _within_protocol(st: np.ndarray, preset, dt: float) -> Criterion | None:
    """A graded failure for a train that runs past the preset's protocol (it was recorded under another one)."""
    end = float(preset.duration)
    if not (len(st) and st[-1] > end + 0.5 * dt):
        return None
    hint = (f"a spike at {st[-1]:g} ms is after the end of {preset.name}'s protocol ({end:g} ms): this train was "
            f"recorded under another protocol; run {preset.name}'s ({preset.stimulus.describe()}, "
            f"T = {end:g} ms)")
    return Criterion(name="within_protocol", value=float(st[-1]), required=f"<= {end:g} ms", ok=False, hint=hint,
                     text=hint)


def check(pattern, spikes=None, *, trace=None, t_ms=None, v_mV=None, I=None, dt_ms=None, index: int = 0,
          params=None) -> CheckReport:
    """Does a submission show the firing pattern of a preset?

    Parameters
    ----------
    pattern : str
        A preset name (case-insensitive): one of the 20 panels of Izhikevich
        (2004) Fig. 1 or the 8 classes of (2003) Fig. 2 (``izh-brian list``).
    spikes : array_like, Quantity, VariableView, SpikeMonitor, str or Path, optional
        Spike times: plain numbers are ms; a Brian2 quantity or
        ``spikemon.t`` is read in its unit; a ``SpikeMonitor`` (neuron
        ``index``); or a ``.npz`` / ``.csv`` file (:func:`load_submission`).
        Without spikes they are read off the trace: samples at or above 30 mV,
        or followed by a fall of more than 30 mV (the reset).
    trace : StateMonitor, optional
        Recording ``v`` (and optionally ``I``) of neuron ``index``.
    t_ms, v_mV, I : array_like, optional
        The grid (ms), the membrane potential (mV) and the input (mV/ms)
        as arrays, instead of ``trace``. Spike peaks above 30 mV (a trace
        recorded before the reset) are clipped to 30 mV, as figure1.m draws them.
    dt_ms : float, optional
        The step of the submission (default: from ``t_ms``, else the preset's).
    index : int
        The neuron of a monitor or a file: a whole number 0 .. N-1.
    params : dict, optional
        The submission's own ``a, b, c, d, V0`` where they are not the
        preset's: then its spikes are not compared with figure1.m.

    Returns
    -------
    CheckReport

    Raises
    ------
    ValueError
        What cannot be graded: an unknown pattern; spike times that are not
        finite, negative, not increasing or plain numbers that look like
        seconds; an unreadable, too large or ambiguous file (decimal commas,
        numbers with units); arrays of mismatched lengths; a grid too fine to
        simulate (:class:`izh_brian.limits.ResourceLimitError`).

    Notes
    -----
    Without an input the preset's protocol I(t) is assumed on the
    submission's grid. A train with spikes after the end of the preset's
    protocol is graded as failing (criterion ``within_protocol``). The
    reference comparison (``report.reference``) is made only when the
    submission ran the preset's own parameters and protocol; otherwise it is
    ``None`` and ``report.reference_reason`` says why.
    """
    preset = get_preset(pattern)
    index = _index(index)
    if type(spikes).__name__ == "StateMonitor" and trace is None:  # check(pattern, state_monitor)
        spikes, trace = None, spikes
    st, extra, plain = _spikes_from(spikes, index) if spikes is not None else (None, {}, False)
    t_plain = t_ms is not None and not _is_quantity(_as_quantity(t_ms))
    if trace is not None:
        if t_ms is not None or v_mV is not None:
            raise ValueError("give either trace (a StateMonitor) or t_ms and v_mV, not both")
        t_ms, v_mV, I_tr = _trace_from(trace, index)
        I = I if I is not None else I_tr
    if t_ms is None and extra.get("t_ms") is not None:
        t_ms, t_plain = extra["t_ms"], True
    v_mV = v_mV if v_mV is not None else extra.get("v_mV")
    I = I if I is not None else extra.get("I")
    dt_ms = dt_ms if dt_ms is not None else extra.get("dt_ms")
    if st is not None and plain:
        _refuse_seconds(_check_times(np.asarray(st, dtype=float)), "the spike times", preset.duration, _FIX_SPIKES)
    t = None
    if t_ms is not None:
        t = _check_times(_to_ms(t_ms, "t_ms"), "t_ms")
        if len(t) < 2:
            raise ValueError(f"t_ms must hold at least 2 samples, got {len(t)}")
        if t_plain:
            _refuse_seconds(t, "the times of the record (t_ms)", preset.duration, _FIX_TRACE)
    return _grade(preset, st, t, v_mV, I, _grid_step(preset, t, dt_ms), _own_parameters(preset, params))


def _grade(preset, st, t, v_mV, I, dt: float, other_params) -> CheckReport:
    """The validator's verdict and the reference comparison, once the inputs are read."""
    notes = []
    grid = time_grid_ms(dt, preset.duration)
    on_preset_grid = t is None or (len(grid) - 1 <= len(t) <= len(grid) and np.allclose(t, grid[:len(t)], atol=1e-6 * dt))
    if t is None:
        t = grid
    elif not on_preset_grid:
        notes.append(f"the record (t = {t[0]:g} .. {t[-1]:g} ms, dt = {dt:g} ms) is not {preset.name}'s grid "
                     f"0:dt:{preset.duration:g} ms: its spike times are not compared with figure1.m")
    duration = float(preset.duration) if on_preset_grid else float(t[-1])
    protocol, I_arr = _input(preset, t, I, notes)
    v = None
    if v_mV is not None:
        v = _to_unit(v_mV, "mV", "v_mV")
        if v.shape != t.shape:
            raise ValueError(f"v_mV must have one value per sample of t_ms ({len(t)}), got shape {v.shape}")
        nan = np.flatnonzero(np.isnan(v))
        if len(nan):
            raise ValueError(f"v_mV is NaN from t = {t[nan[0]]:g} ms: the model diverged; use a smaller dt")
        if st is None:
            st = _spikes_from_trace(t, v)
            notes.append(f"spike times read off the trace: {len(st)} spikes")
        if np.any(v > SPIKE_CUTOFF_MV):
            notes.append(f"spike peaks above {SPIKE_CUTOFF_MV:g} mV clipped to {SPIKE_CUTOFF_MV:g} mV, as figure1.m draws them")
            v = np.minimum(v, SPIKE_CUTOFF_MV)
    if st is None:
        raise ValueError("give the spike times (spikes=...) or a voltage trace to read them from")
    st = _check_times(np.asarray(st, dtype=float))
    outside = _within_protocol(st, preset, dt) if on_preset_grid else None
    if outside is None and len(st) and st[-1] > duration + 0.5 * dt:
        raise ValueError(f"a spike at {st[-1]:g} ms is after the end of the record ({duration:g} ms): the spike "
                         "times and t_ms disagree")
    if protocol == "preset" and on_preset_grid:
        bounds = protocol_boundaries(preset.stimulus, duration)
    else:
        bounds = boundaries_from_current(t, I_arr)
    inside = st[st <= duration + 0.5 * dt]
    verdict = validate_features(preset.name, train_features(inside, t, v, I_arr, bounds, duration))
    criteria = ([outside] if outside else []) + list(verdict.criteria)
    reason = _reference_reason(preset, protocol, on_preset_grid, outside, other_params)
    reference, schemes = (None, {}) if reason else _reference(st, preset, dt)
    if reason is None and reference is None:
        reason = f"figure1.m's loop could not run {preset.name} at dt = {dt:g} ms: {schemes['figure1']['error']}"
    return CheckReport(pattern=preset.name, shows_pattern=bool(verdict.ok) and outside is None, criteria=criteria,
                       reference=reference, spike_times_ms=st, dt_ms=dt, protocol=protocol, schemes=schemes,
                       notes=notes, reference_reason=reason)


def _reference_reason(preset, protocol, on_preset_grid, outside, other_params) -> str | None:
    """Why the spikes are not compared with figure1.m (None when they are)."""
    if outside is not None:
        return f"the train runs past the end of {preset.name}'s protocol: it was recorded under another one"
    if protocol != "preset":
        return f"the input is not {preset.name}'s protocol"
    if not on_preset_grid:
        return f"the record is not {preset.name}'s grid 0:dt:{preset.duration:g} ms"
    if other_params:
        return f"the submission's parameters are not {preset.name}'s ({other_params})"
    return None


def _input(preset, t, I, notes):
    """``("preset" | "submission", I on the grid)``; a note on which."""
    if I is None:
        notes.append(f"no input given: {preset.name}'s protocol is assumed ({preset.stimulus.describe()})")
        return "preset", preset.stimulus.at(t)
    I_arr = _to_unit(I, "mV/ms", "I")
    if I_arr.ndim == 0:
        I_arr = np.full(t.shape, float(I_arr))
    if I_arr.shape != t.shape:
        raise ValueError(f"I must have one value per sample of t_ms ({len(t)}), got shape {I_arr.shape}")
    if not np.all(np.isfinite(I_arr)):
        raise ValueError("I must hold finite numbers (mV/ms)")
    own = preset.stimulus.at(t)
    if np.allclose(I_arr, own, rtol=1e-9, atol=1e-9):
        return "preset", I_arr
    k = int(np.argmax(~np.isclose(I_arr, own, rtol=1e-9, atol=1e-9)))
    notes.append(f"the input differs from {preset.name}'s protocol (first at t = {t[k]:g} ms: "
                 f"{I_arr[k]:g} vs {own[k]:g}); its epochs are read from the jumps of I")
    return "submission", I_arr


def check_file(pattern, path, **protocol) -> CheckReport:
    """:func:`check` of one spike file (``.npz``, ``.csv``, ``.txt``): ``check_file("tonic_spiking",
    "alice.csv", index=0)``. The same rules and errors as :func:`check`; for graders of folders of files."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"check_file takes the path of a spike file, got {type(path).__name__}")
    return check(pattern, path, **protocol)
