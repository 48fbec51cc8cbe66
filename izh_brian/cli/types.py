"""Argument types of the ``izh-brian`` command: the one number parser and the user-error exception.

Every sub-command reads numbers through :func:`number` (and ``KEY=VALUE`` lists through
:func:`parse_set`), so a bad value gives the same one-line message everywhere, naming the option, the
value and what is allowed; :class:`CLIError` is printed as that line with exit status 2.

>>> number("0.25", "--dt", positive=True, unit="ms")
0.25
>>> number("x", "--dt", unit="ms")
Traceback (most recent call last):
...
izh_brian.cli.types.CLIError: --dt: 'x' is not a number of ms
>>> parse_set(["a=0.02", "d=8"], allowed=["a", "b", "c", "d"])
{'a': 0.02, 'd': 8.0}
"""

from __future__ import annotations

import json
import math
import sys

__all__ = ["CLIError", "number", "parse_set", "emit_json"]


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


def number(text, what: str, *, kind=float, positive: bool = False, nonneg: bool = False, minimum=None, unit: str = ""):
    """``text`` as a finite float (or an int with ``kind=int``), else a :class:`CLIError` naming ``what``.

    ``positive`` requires ``> 0``, ``nonneg`` ``>= 0``, ``minimum`` ``>= minimum``; ``unit`` is named in the messages. ``None`` passes
    through (an option that was not given).
    """
    if text is None:
        return None
    noun = "an integer" if kind is int else "a number"
    of_unit = f" of {unit}" if unit else ""
    try:
        x = float(text)
    except (TypeError, ValueError, OverflowError):
        raise CLIError(f"{what}: {text!r} is not {noun}{of_unit}") from None
    if not math.isfinite(x):
        raise CLIError(f"{what}: {text!r} is not a finite number")
    if kind is int:
        if not x.is_integer():
            raise CLIError(f"{what}: {text!r} is not an integer")
        x = int(x)
    if positive and not x > 0:
        raise CLIError(f"{what} must be > 0{' ' + unit if unit else ''}, got {text}")
    if nonneg and not x >= 0:
        raise CLIError(f"{what} must be >= 0{' ' + unit if unit else ''}, got {text}")
    if minimum is not None and not x >= minimum:
        raise CLIError(f"{what} must be >= {minimum}{' ' + unit if unit else ''}, got {text}")
    return x


def parse_set(items, allowed=None) -> dict:
    """Parse ``KEY=VALUE`` strings into floats, with errors that name the bad item."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise CLIError(f"--set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        if allowed is not None and key not in allowed:
            raise CLIError(f"unknown --set key {key!r}; allowed: {', '.join(allowed)}")
        out[key] = number(value, f"--set {key}")
    return out


def emit_json(obj) -> None:
    """Print ``obj`` as JSON on stdout."""
    json.dump(obj, sys.stdout, indent=1)
    sys.stdout.write("\n")
