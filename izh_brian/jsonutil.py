"""JSON helpers shared by the commands and the report (floor 0: no Brian2, no other izh_brian module)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["to_jsonable"]


def to_jsonable(x):
    """Convert numpy scalars and arrays, tuples and objects with ``to_dict()`` into JSON-ready values.

    Non-finite floats become ``None`` (JSON has no inf or NaN); unknown objects become their ``str``.

    Examples
    --------
    >>> to_jsonable({"n": np.int64(3), "r": np.float64("nan"), "ok": np.bool_(True), "v": np.arange(2)})
    {'n': 3, 'r': None, 'ok': True, 'v': [0, 1]}
    """
    if isinstance(x, dict):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return to_jsonable(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, complex):
        return [x.real, x.imag]
    if hasattr(x, "to_dict"):
        return to_jsonable(x.to_dict())
    if x is None or isinstance(x, (str, int)):
        return x
    return str(x)
