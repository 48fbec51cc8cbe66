"""Resource limits, checked before any work starts.

Every entry point that builds a grid of neurons and steps or loads an array from a file the user did not
write estimates its cost first and refuses past a limit with one line: the estimate, the limit and how to
raise it. The defaults suit a 2-core laptop with 8 GB; each can be raised for one block of code
(:func:`limits`), for the process (:func:`set_limits`), or from the environment (``IZH_BRIAN_MAX_STEPS``,
``IZH_BRIAN_MAX_BYTES``, ``IZH_BRIAN_MAX_FILE_BYTES``), and on the command line (``--max-steps``,
``--max-memory``).

>>> check_work(what="run tonic_spiking", n_neurons=1, n_steps=400)
>>> with limits(max_neuron_steps=100):
...     check_work(what="run x", n_neurons=1, n_steps=1000)
Traceback (most recent call last):
...
izh_brian.limits.ResourceLimitError: run x: 1 neuron x 1000 steps = 1e+03 neuron-steps is over the limit of 100 (raise it with --max-steps or IZH_BRIAN_MAX_STEPS)
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import zipfile
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["ResourceLimitError", "Limits", "DEFAULT_LIMITS", "current_limits", "limits", "set_limits",
           "check_work", "grid_steps", "check_grid", "check_file_size", "npz_members", "check_npz", "load_npz",
           "format_bytes"]


class ResourceLimitError(ValueError):
    """A run or a file is larger than the limit in force; the message gives the estimate and the limit."""


@dataclass(frozen=True)
class Limits:
    """The limits in force.

    ``max_neuron_steps``: neurons x steps of one run (about 1e8 neuron-steps per second compiled, so the
    default is a few minutes at most); ``max_bytes``: the memory a run's recorded arrays or a loaded array
    may take; ``max_file_bytes``: the size of a file read from the user (a spike file, a model file).
    """

    max_neuron_steps: float = 2e10
    max_bytes: float = 2 * 1024**3
    max_file_bytes: float = 64 * 1024**2


def _from_env(base: Limits) -> Limits:
    kw = {}
    for field, var in (("max_neuron_steps", "IZH_BRIAN_MAX_STEPS"), ("max_bytes", "IZH_BRIAN_MAX_BYTES"),
                       ("max_file_bytes", "IZH_BRIAN_MAX_FILE_BYTES")):
        text = os.environ.get(var)
        if text:
            try:
                value = float(text)
            except ValueError:
                raise ResourceLimitError(f"{var}={text!r} is not a number (give e.g. {var}=1e9)") from None
            if not value > 0 or not np.isfinite(value):
                raise ResourceLimitError(f"{var}={text!r} must be a finite number > 0")
            kw[field] = value
    return replace(base, **kw) if kw else base


#: The built-in defaults (before the environment and :func:`set_limits`).
DEFAULT_LIMITS = Limits()
_PROCESS = [DEFAULT_LIMITS]
_CONTEXT: contextvars.ContextVar = contextvars.ContextVar("izh_brian_limits", default=None)


def current_limits() -> Limits:
    """The limits in force here: a :func:`limits` block, else :func:`set_limits`, else the environment."""
    inner = _CONTEXT.get()
    return inner if inner is not None else _from_env(_PROCESS[0])


def _checked(**kw) -> dict:
    for k, v in kw.items():
        if k not in Limits.__dataclass_fields__:
            raise ValueError(f"unknown limit {k!r}; known: {', '.join(Limits.__dataclass_fields__)}")
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0):
            raise ValueError(f"limit {k} must be a number > 0, got {v!r}")
    return {k: float(v) for k, v in kw.items() if v is not None}


def set_limits(**kw) -> Limits:
    """Set limits for the whole process (``set_limits(max_neuron_steps=1e11)``); returns the old ones."""
    old = _PROCESS[0]
    _PROCESS[0] = replace(old, **_checked(**kw))
    return old


@contextlib.contextmanager
def limits(**kw):
    """Limits for one block of code: ``with limits(max_bytes=8e9): ...``."""
    token = _CONTEXT.set(replace(current_limits(), **_checked(**kw)))
    try:
        yield _CONTEXT.get()
    finally:
        _CONTEXT.reset(token)


def format_bytes(n: float) -> str:
    """``1.5 GiB``, ``12 MiB``, ``512 B``."""
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def check_work(*, what: str, n_neurons: float, n_steps: float, bytes_estimate: float = 0.0,
               bytes_detail: str = "") -> None:
    """Refuse (:class:`ResourceLimitError`) a run of ``n_neurons`` x ``n_steps`` over the step limit, or one
    whose arrays (``bytes_estimate``, made of ``bytes_detail`` when given) would be over the memory limit.
    ``what`` starts the message."""
    lim = current_limits()
    with np.errstate(over="ignore", invalid="ignore"):
        work = float(n_neurons) * float(n_steps)
    if not np.isfinite(work) or work > lim.max_neuron_steps:
        neurons = "neuron" if n_neurons == 1 else "neurons"
        raise ResourceLimitError(
            f"{what}: {n_neurons:.6g} {neurons} x {float(n_steps):.6g} steps = {work:.3g} neuron-steps is over the "
            f"limit of {lim.max_neuron_steps:.3g} (raise it with --max-steps or IZH_BRIAN_MAX_STEPS)")
    if not np.isfinite(bytes_estimate) or bytes_estimate > lim.max_bytes:
        detail = f" ({bytes_detail})" if bytes_detail else ""
        raise ResourceLimitError(
            f"{what}: about {format_bytes(bytes_estimate)} of arrays{detail} is over the memory limit of "
            f"{format_bytes(lim.max_bytes)} (raise it with --max-memory or IZH_BRIAN_MAX_BYTES)")


def grid_steps(dt_ms: float, duration_ms: float) -> float | None:
    """Samples of the grid ``0:dt:duration`` (as :func:`izh_brian.stimuli.n_steps`), counted without
    building it; ``None`` when dt or the duration is not a usable number (the caller's own check names it)."""
    try:
        dt, dur = float(dt_ms), float(duration_ms)
    except (TypeError, ValueError):
        return None
    if not (dt > 0 and np.isfinite(dt) and np.isfinite(dur) and dur >= dt):
        return None
    return float(np.floor(dur / dt + 1e-9)) + 1.0


def check_grid(*, what: str, n_neurons: float, dt_ms: float, duration_ms: float, recorded: int = 0,
               columns: float = 0, extra_bytes: float = 0.0) -> float | None:
    """:func:`check_work` for ``n_neurons`` run over the grid ``0:dt:duration`` that record ``recorded``
    variables every step (``n_neurons x steps x recorded x 8`` bytes) and read an input table of
    ``columns`` columns (``columns x steps x 8``); returns the number of steps (``None`` for a bad grid,
    left to the caller's own check)."""
    steps = grid_steps(dt_ms, duration_ms)
    if steps is None:
        return None
    traces = float(n_neurons) * steps * recorded * 8.0
    table = float(columns) * steps * 8.0
    parts = [f"{name} {format_bytes(b)}" for name, b in (("recorded traces", traces), ("input table", table),
                                                         ("other", extra_bytes)) if b > 0]
    check_work(what=f"{what} (dt {float(dt_ms):g} ms, {float(duration_ms):g} ms)", n_neurons=n_neurons,
               n_steps=steps, bytes_estimate=traces + table + float(extra_bytes), bytes_detail=", ".join(parts))
    return steps


def check_file_size(path, *, what: str = "file") -> int:
    """The size of ``path`` in bytes, refused past ``max_file_bytes`` before anything reads it."""
    size = os.path.getsize(path)
    lim = current_limits().max_file_bytes
    if size > lim:
        raise ResourceLimitError(
            f"{what} {os.fspath(path)!s} is {format_bytes(size)}, over the limit of {format_bytes(lim)} "
            f"(raise it with IZH_BRIAN_MAX_FILE_BYTES)")
    return size


def npz_members(path) -> dict:
    """``{name: (shape, dtype, nbytes)}`` of an ``.npz`` file's arrays, read from their headers only.

    Nothing is loaded; a member that is not a plain ``.npy`` array (a pickle, a broken header) is refused.
    """
    out = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                with zf.open(info) as fh:
                    try:
                        version = np.lib.format.read_magic(fh)
                        if version == (1, 0):
                            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                        elif version == (2, 0):
                            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                        else:
                            raise ValueError(f"unsupported .npy version {version}")
                    except ValueError as exc:
                        raise ValueError(f"{os.fspath(path)}: member {name!r} is not a numpy array ({exc})") from None
                if dtype.hasobject:
                    raise ValueError(f"{os.fspath(path)}: member {name!r} holds Python objects (pickles are refused)")
                n = 1
                for s in shape:
                    n *= int(s)
                out[name] = (tuple(int(s) for s in shape), dtype, n * dtype.itemsize)
    except zipfile.BadZipFile:
        raise ValueError(f"{os.fspath(path)} is not a readable .npz file (not a zip archive)") from None
    return out


def check_npz(path, *, what: str = "file") -> dict:
    """:func:`npz_members` of ``path`` after its file size is checked, with the declared sizes of its
    arrays checked against the memory limit; nothing is loaded."""
    check_file_size(path, what=what)
    members = npz_members(path)
    total = sum(nbytes for _, _, nbytes in members.values())
    lim = current_limits().max_bytes
    if total > lim:
        big = max(members, key=lambda k: members[k][2])
        raise ResourceLimitError(
            f"{what} {os.fspath(path)} declares {format_bytes(total)} of arrays (member {big!r}: shape "
            f"{members[big][0]}), over the memory limit of {format_bytes(lim)} (raise it with --max-memory or "
            f"IZH_BRIAN_MAX_BYTES)")
    return members


def load_npz(path, *, what: str = "file") -> dict:
    """The arrays of an ``.npz`` file, after checking the file's size and each member's declared size
    against the limits (a small file may declare a huge array); pickles refused."""
    check_npz(path, what=what)
    with np.load(path, allow_pickle=False) as data:
        return {k: np.asarray(data[k]) for k in data.files}
