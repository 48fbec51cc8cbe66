"""Exercise checks for the lessons in ``notebooks/``.

Every exercise of a lesson has a check function here, in the module of its
lesson (``lesson00`` ... ``lesson09``), and every check is written one way: a
function of the answer decorated with ``@checker(LESSON, k)``, whose body raises
:class:`NotYet` with the reason while the answer is not right yet and returns the
PASS message when it is::

    @checker(LESSON, 1)
    def check_1(answer):
        d = as_number(answer, "d")
        if d > 4:
            raise NotYet(f"with d = {d:g} the neuron does not chatter")
        return f"d = {d:g} chatters"

The decorated check returns a :class:`Feedback` (``ok``, ``points``,
``message``) and never raises, so an unsolved lesson still runs top to bottom:
the placeholder a student replaces, ``...`` (Ellipsis), gives
:data:`PLACEHOLDER_HINT`, and any other exception inside the body a NOT YET
naming it.

Each check records its outcome on the lesson's scoreboard; the last cell of a
lesson calls :func:`summary`, whose line (``lesson 02: 3 of 3 exercises
pass``) nbval compares with the line stored in the notebook: the unsolved
lesson must show ``0 of N``, its solution in ``notebooks/solutions/`` ``N of N``.
``N`` counts every exercise of the lesson, run or not: :func:`checker` registers
the exercise of the check it decorates when the lesson module is imported.
(No doctest here: Brian2's doctest collector cannot name objects of a package's ``__init__``;
``tests/test_exercises_common.py`` shows the same.)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from brian2 import Quantity, SpikeMonitor, ms, mV

__all__ = ["Feedback", "PLACEHOLDER_HINT", "is_placeholder", "feedback", "summary", "reset", "exercises_of",
           "NotYet", "checker", "as_number", "as_float", "one_parameter_change", "spike_times_of", "as_seed",
           "recorded_run", "protocol_differences"]

#: What a check says while the answer is still the placeholder.
PLACEHOLDER_HINT = "replace the ... in the answer cell above with your answer"

# lesson -> {exercise -> passed}; only the lessons' own checks write here.
_SCOREBOARD: dict[str, dict[str, bool]] = {}

# lesson -> its exercises ("1", "2", ...), filled by checker when the lesson's checks are defined.
_EXERCISES: dict[str, set[str]] = {}


@dataclass(frozen=True)
class Feedback:
    """The outcome of one exercise check: ``ok``, one line saying why, and the ``points`` it earns
    (``max_points`` when ok, else 0; one point unless the check says otherwise)."""

    ok: bool
    message: str
    lesson: str = ""
    exercise: str = ""
    points: float | None = None
    max_points: float = 1.0

    def __post_init__(self):
        if self.points is None:
            object.__setattr__(self, "points", float(self.max_points) if self.ok else 0.0)
        if self.lesson:
            _SCOREBOARD.setdefault(self.lesson, {})[self.exercise] = bool(self.ok)

    def __str__(self) -> str:
        where = f" ({self.lesson}, exercise {self.exercise})" if self.lesson else ""
        return f"{'PASS' if self.ok else 'NOT YET'}{where}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return bool(self.ok)


def is_placeholder(answer) -> bool:
    """True while the student has not replaced the placeholder ``...`` (or left ``None``)."""
    if answer is Ellipsis or answer is None:
        return True
    if isinstance(answer, dict):
        return any(v is Ellipsis for v in answer.values())
    if isinstance(answer, (list, tuple)):
        return any(v is Ellipsis for v in answer)
    return False


def feedback(ok: bool, message: str, lesson: str, exercise: str) -> Feedback:
    """Build, record and return a :class:`Feedback` (the checks' one way out)."""
    return Feedback(bool(ok), message, lesson, str(exercise))


def exercises_of(lesson: str) -> list[str]:
    """The exercises of ``lesson`` known so far: those whose check :func:`checker` defined and those
    whose outcome was recorded."""
    known = _EXERCISES.get(lesson, set()) | set(_SCOREBOARD.get(lesson, {}))
    return sorted(known, key=lambda e: (len(e), e))


def summary(lesson: str) -> None:
    """Print ``lesson L: K of N exercises pass``: K the exercises whose last check passed, N every exercise
    of the lesson (registered when its module was imported, or checked since). Returns None, so a cell
    ending in ``summary(...)`` shows that one line only."""
    board = _SCOREBOARD.get(lesson, {})
    print(f"lesson {lesson}: {sum(board.values())} of {len(exercises_of(lesson))} exercises pass")


def reset(lesson: str | None = None) -> None:
    """Forget recorded outcomes (one lesson, or all)."""
    if lesson is None:
        _SCOREBOARD.clear()
    else:
        _SCOREBOARD.pop(lesson, None)


# ---------------------------------------------------------------------------
# Reading answers: shared by every lesson's checks
# ---------------------------------------------------------------------------


class NotYet(ValueError):
    """Raised inside a check: the answer is not right yet; the message says why."""


def checker(lesson: str, exercise) -> callable:
    """Decorate ``fn(answer, ...) -> str`` (the PASS message) into a check that returns a
    :class:`~izh_brian.teaching.exercises.Feedback` and never raises: the one way every
    lesson's checks are written.

    The placeholder ``...`` gives :data:`~izh_brian.teaching.exercises.PLACEHOLDER_HINT`; a
    :class:`NotYet` gives its message; any other error (a wrong type deep inside a
    simulation, a Brian2 error from a student's string) gives a NOT YET naming it.
    Decorating registers the exercise (so :func:`summary` counts it before it runs), and
    the check carries ``lesson`` and ``exercise`` attributes naming it; its signature is
    ``fn``'s (``functools.wraps``), keywords included.
    """

    lesson, exercise = str(lesson), str(exercise)
    _EXERCISES.setdefault(lesson, set()).add(exercise)

    def wrap(fn):
        @functools.wraps(fn)
        def check(answer=Ellipsis, *args, **kwargs):
            try:
                if is_placeholder(answer):
                    return feedback(False, PLACEHOLDER_HINT, lesson, exercise)
                return feedback(True, fn(answer, *args, **kwargs), lesson, exercise)
            except NotYet as e:
                return feedback(False, str(e), lesson, exercise)
            except Exception as e:  # a check never raises: the lesson must run to its end
                text = str(e).strip().splitlines()[0] if str(e).strip() else ""
                return feedback(False, f"the answer could not be checked ({type(e).__name__}: {text})",
                                lesson, exercise)

        check.lesson, check.exercise = lesson, exercise
        return check

    return wrap


def as_float(x, what: str, unit: str | None = None) -> float:
    """A finite float from a number or, when ``unit`` (``"ms"``, ``"mV"``) is given, a Brian2
    quantity of that dimension (converted); anything else raises :class:`NotYet`."""

    if isinstance(x, (bool, np.bool_)) or isinstance(x, str):
        raise NotYet(f"{what} must be a number, got {x!r}")
    if isinstance(x, Quantity) and not x.is_dimensionless:
        scale = {"ms": ms, "mV": mV}.get(unit)
        if scale is None:
            raise NotYet(f"{what} must be a plain number, got {x!r}")
        if x.dim != scale.dim:
            raise NotYet(f"{what} must be in {unit}, got {x!r}")
        if np.size(x) != 1:
            raise NotYet(f"{what} must be one value, got {np.size(x)}")
        x = float(np.asarray(x / scale).reshape(()))
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"{what} must be a number, got {type(x).__name__}") from None
    if arr.size != 1:
        raise NotYet(f"{what} must be one number, got {arr.size} values")
    v = float(arr.reshape(()))
    if not math.isfinite(v):
        raise NotYet(f"{what} must be a finite number, got {v}")
    return v


def one_parameter_change(answer, preset) -> tuple[str, float]:
    """Read ``{"a"|"b"|"c"|"d": value}`` changing exactly one parameter of ``preset``."""
    if not isinstance(answer, dict):
        raise NotYet(f"give a dict with one parameter and its new value, e.g. {{'a': 0.05}}; got {type(answer).__name__}")
    if len(answer) != 1:
        raise NotYet(f"change exactly one parameter, got {len(answer)}: {sorted(map(str, answer))}")
    (key, value), = answer.items()
    if key not in ("a", "b", "c", "d"):
        raise NotYet(f"the parameter must be one of a, b, c, d, got {key!r}")
    value = as_float(value, f"the new value of {key}")
    if value == getattr(preset, key):
        raise NotYet(f"{key} = {value:g} is the value {preset.name} already has; change it")
    return key, value


def spike_times_of(answer, index: int = 0) -> np.ndarray:
    """Spike times (ms) from a SpikeMonitor (neuron ``index``), a Brian2 time array or numbers."""

    if isinstance(answer, SpikeMonitor):
        return np.asarray(answer.t[answer.i[:] == index] / ms, float)
    if isinstance(answer, Quantity) and not answer.is_dimensionless:
        if answer.dim != ms.dim:
            raise NotYet(f"spike times must be times, got a quantity in {answer.dim}")
        return np.asarray(answer / ms, float).ravel()
    try:
        return np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        raise NotYet(f"give your SpikeMonitor (or an array of spike times in ms), got {type(answer).__name__}") from None


def recorded_run(answer) -> dict:
    """What a SpikeMonitor's group says about the run that made it: ``duration_ms`` (the group's clock
    time), ``dt_ms``, and the last value of each of the group's parameters ``a, b, c, d, I, I_ext`` it has,
    in the papers' units (c in mV, d and I in mV/ms; neuron 0). ``{}`` for anything else (spike arrays carry
    no protocol)."""
    if not isinstance(answer, SpikeMonitor):
        return {}
    group = answer.source
    run = {"duration_ms": float(group.t / ms), "dt_ms": float(group.dt / ms)}
    for name in ("a", "b", "c", "d", "I", "I_ext"):
        if name not in getattr(group, "variables", {}):
            continue
        value = getattr(group, name)[:]
        value = value[0] if np.size(value) else np.nan
        if isinstance(value, Quantity) and not value.is_dimensionless:
            unit = {mV.dim: mV, (mV / ms).dim: mV / ms}.get(value.dim)
            if unit is None:
                continue
            value = value / unit
        run[name] = float(np.asarray(value).reshape(()))
    return run


def protocol_differences(run: dict, preset) -> list[str]:
    """Where a :func:`recorded_run` differs from ``preset``'s protocol as its program runs it: the step,
    the duration (T, or T + dt as a Brian2 run over the grid ``0:dt:T`` ends), the parameters and the final
    input amplitude. Each difference is one phrase naming the value found and the value asked for."""
    out = []
    if not run:
        return out
    if not math.isclose(run["dt_ms"], preset.dt, rel_tol=1e-9):
        out.append(f"your step is dt = {run['dt_ms']:g} ms, the protocol's is {preset.dt:g} ms")
    if not any(math.isclose(run["duration_ms"], T, abs_tol=1e-6) for T in (preset.duration, preset.duration + preset.dt)):
        out.append(f"your run lasted {run['duration_ms']:g} ms, the protocol's T is {preset.duration:g} ms")
    for name in ("a", "b", "c", "d"):
        if name in run and not math.isclose(run[name], getattr(preset, name), rel_tol=1e-9, abs_tol=1e-12):
            out.append(f"your {name} is {run[name]:g}, the neuron's is {getattr(preset, name):g}")
    final_I = preset.stimulus.sample(dt=preset.dt, duration=preset.duration)[-1]
    for name in ("I", "I_ext"):
        if name in run and not math.isclose(run[name], final_I, rel_tol=1e-9, abs_tol=1e-12):
            out.append(f"your input ends at {name} = {run[name]:g} mV/ms, the protocol's at {final_I:g} mV/ms")
    return out


def as_number(x, what: str) -> float:
    """A finite plain number (int or float, not bool, not a string or an array); else :class:`NotYet`."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise NotYet(f"{what} should be a number, got {x!r} ({type(x).__name__})")
    x = float(x)
    if not math.isfinite(x):
        raise NotYet(f"{what} should be a finite number, got {x!r}")
    return x


def as_seed(seed) -> int:
    """A student's seed for a mystery neuron: a whole number >= 0, else a ValueError naming it."""
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise ValueError(f"seed must be a whole number, got {seed!r}") from None
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return seed
