"""Exercise checks for the lessons in ``notebooks/``.

Every exercise of a lesson has a check function here, in the module of its
lesson (``lesson00`` ... ``lesson09``). A check takes the student's answer and
returns a :class:`Feedback`; it never raises, so an unsolved lesson still runs
top to bottom. The placeholder a student replaces is ``...`` (Ellipsis).

Each check records its outcome on the lesson's scoreboard; the last cell of a
lesson calls :func:`summary`, whose line (``lesson 02: 3 of 3 exercises
pass``) nbval compares with the line stored in the notebook: the unsolved
lesson must show ``0 of N``, its solution in ``notebooks/solutions/`` ``N of N``.
(No doctest here: Brian2's doctest collector cannot name objects of a package's ``__init__``;
``tests/test_exercises_common.py`` shows the same.)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Feedback", "PLACEHOLDER_HINT", "is_placeholder", "feedback", "summary", "reset"]

#: What a check says while the answer is still the placeholder.
PLACEHOLDER_HINT = "replace the ... in the answer cell above with your answer"

# lesson -> {exercise -> passed}; only the lessons' own checks write here.
_SCOREBOARD: dict[str, dict[str, bool]] = {}


@dataclass(frozen=True)
class Feedback:
    """The outcome of one exercise check: ``ok`` and one line saying why."""

    ok: bool
    message: str
    lesson: str = ""
    exercise: str = ""

    def __post_init__(self):
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


def summary(lesson: str) -> None:
    """Print ``lesson L: K of N exercises pass`` for the checks run so far (returns None,
    so a cell ending in ``summary(...)`` shows that one line only)."""
    board = _SCOREBOARD.get(lesson, {})
    print(f"lesson {lesson}: {sum(board.values())} of {len(board)} exercises pass")


def reset(lesson: str | None = None) -> None:
    """Forget recorded outcomes (one lesson, or all)."""
    if lesson is None:
        _SCOREBOARD.clear()
    else:
        _SCOREBOARD.pop(lesson, None)
