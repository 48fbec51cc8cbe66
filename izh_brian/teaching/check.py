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
import os
import zipfile
from dataclasses import dataclass, field

import brian2
import numpy as np
from brian2 import ms, mV
from brian2.units.fundamentalunits import DIMENSIONLESS

from izh_brian import __version__
from izh_brian.analysis.features import boundaries_from_current, protocol_boundaries
from izh_brian.analysis.validators import Criterion, train_features, validate_features
from izh_brian.jsonutil import to_jsonable
from izh_brian.presets import get_preset
from izh_brian.simulation import DivergenceError, simulate_many
from izh_brian.stimuli import time_grid_ms

__all__ = [
    "COMPARED_SCHEMES",
    "SPIKE_CUTOFF_MV",
    "CheckReport",
    "Criterion",
    "check",
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

    def to_dict(self) -> dict:
        """``{"pattern", "shows_pattern", "criteria": [{"name", "value", "required", "ok", "hint"}], "reference"}``."""
        return {"pattern": self.pattern, "shows_pattern": bool(self.shows_pattern),
                "criteria": [c.to_dict() for c in self.criteria],
                "reference": None if self.reference is None else to_jsonable(self.reference)}

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
            return ("reference: not compared with figure1.m (the input or the grid is not the preset's; "
                    "see the notes)")
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
        ``i``), ``t_ms``, ``v_mV`` (one row per neuron if 2-D), ``I``
        (mV/ms) and ``dt_ms``; or a ``.csv`` (or ``.txt``) file with one spike
        time (ms) per line, or ``neuron index, time`` pairs, a header line
        allowed. A CSV with only a header holds no spikes (a silent neuron); a
        file with nothing in it is an error.

    Returns
    -------
    dict
        ``spike_times_ms`` (ndarray) and ``spike_indices``, ``t_ms``,
        ``v_mV``, ``I``, ``dt_ms`` (``None`` where absent).

    Raises
    ------
    ValueError
        A missing, empty, unreadable or malformed file, with the reason in one line.
    """
    path = os.fspath(path)
    out = {"spike_times_ms": None, "spike_indices": None, "t_ms": None, "v_mV": None, "I": None, "dt_ms": None}
    if not os.path.isfile(path):
        raise ValueError(f"no such file: {path!r}")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".npz", ".csv", ".txt"):
        raise ValueError(f"cannot read {path!r}: unsupported file type {ext or '(none)'!r}; allowed: .npz, .csv, .txt")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{path!r} is empty: it holds no spike times")
    if ext == ".npz":
        try:
            with np.load(path, allow_pickle=False) as z:
                keys = list(z.keys())
                if "spike_times_ms" not in keys:
                    raise ValueError(f"{path!r} has no array 'spike_times_ms' (keys: {', '.join(keys) or 'none'})")
                for k in out:
                    if k in keys:
                        out[k] = np.asarray(z[k])
        except ValueError as exc:
            if "spike_times_ms" in str(exc):
                raise
            raise ValueError(f"cannot read {path!r} as a NumPy .npz archive: {exc}") from None
        except (OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
            raise ValueError(f"cannot read {path!r} as a NumPy .npz archive: {type(exc).__name__}") from None
        for k in ("t_ms", "v_mV", "I", "spike_times_ms", "spike_indices"):
            if out[k] is not None and out[k].dtype.kind not in "iuf":
                raise ValueError(f"{path!r}: array {k!r} must hold numbers, got dtype {out[k].dtype}")
        if out["dt_ms"] is not None:
            if out["dt_ms"].size != 1 or out["dt_ms"].dtype.kind not in "iuf":
                raise ValueError(f"{path!r}: 'dt_ms' must be one number, got {out['dt_ms']!r}")
            out["dt_ms"] = float(out["dt_ms"].ravel()[0])
        return out
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path!r} as text: {type(exc).__name__}") from None
    rows = []
    seen_content = False
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
            if not seen_content:  # the header
                seen_content = True
                continue
            raise ValueError(f"{path!r} line {no}: {line.strip()[:40]!r} is not a spike time (one number in ms "
                             "per line, or 'index, time'; a header line allowed)") from None
        seen_content = True
    if not seen_content:
        raise ValueError(f"{path!r} is empty: it holds no spike times")
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


def _is_quantity(x) -> bool:
    return hasattr(x, "dim") and hasattr(x, "has_same_dimensions")


def _to_ms(x, what: str) -> np.ndarray:
    """Plain numbers are ms; a Brian2 quantity must be a time."""
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
    """Spike times (ms) of one neuron from any accepted form; extra arrays from a file."""
    extra = {}
    cls = type(spikes).__name__
    if isinstance(spikes, (str, os.PathLike)):
        extra = load_submission(spikes)
        st = _to_ms(extra.pop("spike_times_ms"), "spike times")
        idx = extra.pop("spike_indices")
        if idx is not None:
            idx = np.asarray(idx).ravel()
            if idx.shape != st.ravel().shape:
                raise ValueError(f"{os.fspath(spikes)!r}: spike_indices ({idx.size}) and spike_times_ms "
                                 f"({st.size}) differ in length")
            st = st.ravel()[idx == index]
        elif index != 0:
            raise ValueError(f"index {index}: {os.fspath(spikes)!r} holds one neuron's spike times (no "
                             "spike_indices); use index 0")
        v = extra.get("v_mV")
        if v is not None and np.ndim(v) == 2:
            if not (0 <= index < v.shape[0]):
                raise ValueError(f"index {index} is not a row of v_mV (0 .. {v.shape[0] - 1})")
            extra["v_mV"] = v[index]
        return st, extra
    if cls == "SpikeMonitor" or (hasattr(spikes, "i") and hasattr(spikes, "t") and hasattr(spikes, "source")):
        i = np.asarray(spikes.i[:])
        t = _to_ms(spikes.t[:], "SpikeMonitor times")
        n = len(spikes.source)
        if not (0 <= index < n):
            raise ValueError(f"index {index} is not a neuron of the monitored group (0 .. {n - 1})")
        return t[i == index], extra
    return _to_ms(spikes, "spike times"), extra


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
    """Compare two spike trains spike by spike (paired in order).

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
    a = np.asarray(spikes_ms, dtype=float)
    b = np.asarray(reference_ms, dtype=float)
    n = min(len(a), len(b))
    d = np.abs(a[:n] - b[:n])
    tol = 0.5 * float(dt_ms) + 1e-9
    off = np.flatnonzero(d > tol)
    if len(off):
        first = float(min(a[off[0]], b[off[0]]))
    elif len(a) != len(b):
        first = float((a if len(a) > len(b) else b)[n])
    else:
        first = None
    return {"matches": bool(len(a) == len(b) and not len(off)), "n_spikes": len(a), "n_reference": len(b),
            "max_abs_dt_ms": float(d.max()) if n else None, "first_difference_ms": first, "n_off": len(off)}


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


def check(pattern, spikes=None, *, trace=None, t_ms=None, v_mV=None, I=None, dt_ms=None, index: int = 0) -> CheckReport:
    """Does a submission show the firing pattern of a preset?

    Parameters
    ----------
    pattern : str
        A preset name (case-insensitive): one of the 20 panels of Izhikevich
        (2004) Fig. 1 or the 8 classes of (2003) Fig. 2 (``izh-brian list``).
    spikes : array_like, Quantity, SpikeMonitor, str or Path, optional
        Spike times in ms; a Brian2 quantity of times; a ``SpikeMonitor``
        (neuron ``index``); or a ``.npz`` / ``.csv`` file
        (:func:`load_submission`). Without spikes they are read off the
        trace: samples at or above 30 mV, or followed by a fall of more than
        30 mV (the reset).
    trace : StateMonitor, optional
        Recording ``v`` (and optionally ``I``) of neuron ``index``.
    t_ms, v_mV, I : array_like, optional
        The grid (ms), the membrane potential (mV) and the input (mV/ms)
        as arrays, instead of ``trace``. Spike peaks above 30 mV (a trace
        recorded before the reset) are clipped to 30 mV, as figure1.m draws them.
    dt_ms : float, optional
        The step of the submission (default: from ``t_ms``, else the preset's).
    index : int
        The neuron of a monitor.

    Returns
    -------
    CheckReport

    Raises
    ------
    ValueError
        An unknown pattern; spike times that are not finite, negative or not
        increasing; an unreadable file; arrays of mismatched lengths.

    Notes
    -----
    Without an input the preset's protocol I(t) is assumed on the
    submission's grid. Criteria on the voltage trace (subthreshold
    oscillations, after-depolarisation) fail without one, with a hint to pass
    it. The reference comparison (``report.reference``) is made only when the
    input is the preset's protocol (none given, or equal to it on the grid)
    and the record spans the preset's duration.
    """
    preset = get_preset(pattern)
    try:
        index = int(index)
    except (TypeError, ValueError):
        raise ValueError(f"index must be a neuron number, got {index!r}") from None
    notes = []
    extra = {}
    if type(spikes).__name__ == "StateMonitor" and trace is None:  # check(pattern, state_monitor)
        spikes, trace = None, spikes
    if spikes is not None:
        st, extra = _spikes_from(spikes, index)
    else:
        st = None
    if trace is not None:
        if t_ms is not None or v_mV is not None:
            raise ValueError("give either trace (a StateMonitor) or t_ms and v_mV, not both")
        t_ms, v_mV, I_tr = _trace_from(trace, index)
        I = I if I is not None else I_tr
    t_ms = t_ms if t_ms is not None else extra.get("t_ms")
    v_mV = v_mV if v_mV is not None else extra.get("v_mV")
    I = I if I is not None else extra.get("I")
    dt_ms = dt_ms if dt_ms is not None else extra.get("dt_ms")

    # the grid
    if t_ms is not None:
        t = _check_times(_to_ms(t_ms, "t_ms"), "t_ms")
        if len(t) < 2:
            raise ValueError(f"t_ms must hold at least 2 samples, got {len(t)}")
    else:
        t = None
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

    try:
        grid = time_grid_ms(dt, preset.duration)
    except ValueError:
        raise ValueError(f"dt_ms {dt:g} must be smaller than the preset's duration {preset.duration:g} ms") from None
    on_preset_grid = t is None or (len(grid) - 1 <= len(t) <= len(grid) and np.allclose(t, grid[:len(t)], atol=1e-6 * dt))
    if t is None:
        t = grid
    else:
        if not on_preset_grid:
            notes.append(f"the record (t = {t[0]:g} .. {t[-1]:g} ms, dt = {dt:g} ms) is not {preset.name}'s grid "
                         f"0:dt:{preset.duration:g} ms: its spike times are not compared with figure1.m")
    duration = float(preset.duration) if on_preset_grid else float(t[-1])

    # the input
    protocol = "preset"
    if I is not None:
        I_arr = _to_unit(I, "mV/ms", "I")
        if I_arr.ndim == 0:
            I_arr = np.full(t.shape, float(I_arr))
        if I_arr.shape != t.shape:
            raise ValueError(f"I must have one value per sample of t_ms ({len(t)}), got shape {I_arr.shape}")
        if not np.all(np.isfinite(I_arr)):
            raise ValueError("I must hold finite numbers (mV/ms)")
        own = preset.stimulus.at(t)
        if not np.allclose(I_arr, own, rtol=1e-9, atol=1e-9):
            protocol = "submission"
            k = int(np.argmax(~np.isclose(I_arr, own, rtol=1e-9, atol=1e-9)))
            notes.append(f"the input differs from {preset.name}'s protocol (first at t = {t[k]:g} ms: "
                         f"{I_arr[k]:g} vs {own[k]:g}); its epochs are read from the jumps of I")
    else:
        I_arr = preset.stimulus.at(t)
        notes.append(f"no input given: {preset.name}'s protocol is assumed ({preset.stimulus.describe()})")

    # the voltage
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
    if len(st) and st[-1] > duration + 0.5 * dt:
        raise ValueError(f"a spike at {st[-1]:g} ms is after the end of the record ({duration:g} ms); "
                         f"simulate {preset.name}'s duration, or pass t_ms")

    if protocol == "preset" and on_preset_grid:
        bounds = protocol_boundaries(preset.stimulus, duration)
    else:
        bounds = boundaries_from_current(t, I_arr)
    features = train_features(st, t, v, I_arr, bounds, duration)
    verdict = validate_features(preset.name, features)

    reference, schemes = None, {}
    if protocol == "preset" and on_preset_grid:
        reference, schemes = _reference(st, preset, dt)
    return CheckReport(pattern=preset.name, shows_pattern=bool(verdict.ok), criteria=list(verdict.criteria),
                       reference=reference, spike_times_ms=st, dt_ms=dt, protocol=protocol, schemes=schemes,
                       notes=notes)

