"""The feedback every exercise check returns, the scoreboard behind a lesson's summary line, and the one
way every lesson's checks are written (``@checker`` with ``NotYet``)."""

import importlib
import inspect
import re

import pytest

from izh_brian.teaching import exercises


def test_feedback_says_pass_or_what_is_still_wrong(capsys):
    """A failed check prints NOT YET with its reason; the summary counts passes per lesson, the last
    outcome of an exercise counting (a student who fixes an answer and reruns the check passes)."""
    exercises.reset("demo")
    fb = exercises.feedback(False, "no spike after the step", "demo", 1)
    assert str(fb) == "NOT YET (demo, exercise 1): no spike after the step" and not fb
    exercises.feedback(False, "still silent", "demo", 2)
    exercises.summary("demo")
    assert capsys.readouterr().out == "lesson demo: 0 of 2 exercises pass\n"
    assert exercises.feedback(True, "spikes after the step", "demo", 1)
    exercises.summary("demo")
    assert capsys.readouterr().out == "lesson demo: 1 of 2 exercises pass\n"
    exercises.reset("demo")


def test_placeholder_is_recognised():
    """The lessons' placeholder ``...`` (alone, or inside a list or dict answer) is not an answer."""
    assert exercises.is_placeholder(...)
    assert exercises.is_placeholder(None)
    assert exercises.is_placeholder({"a": ..., "b": 0.2})
    assert exercises.is_placeholder([0.02, ...])
    assert not exercises.is_placeholder(0.0)
    assert not exercises.is_placeholder({"a": 0.02})


# ---------------------------------------------------------------------------
# One way to write a check (issue 19): @checker, NotYet, a Feedback back, never an exception
# ---------------------------------------------------------------------------

LESSONS = [f"{k:02d}" for k in range(10)]


@pytest.fixture
def scoreboard():
    """Run a test on the real lessons' scoreboard and put it back as it was afterwards."""
    saved = {lesson: dict(board) for lesson, board in exercises._SCOREBOARD.items()}
    yield
    exercises._SCOREBOARD.clear()
    exercises._SCOREBOARD.update(saved)


def lesson_checks(lesson):
    mod = importlib.import_module(f"izh_brian.teaching.exercises.lesson{lesson}")
    checks = {int(m.group(1)): getattr(mod, name) for name in dir(mod) if (m := re.fullmatch(r"check_(\d+)", name))}
    return mod, checks


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_writes_its_checks_with_checker(lesson, scoreboard):
    """Lessons 00 .. 09 define check_1 .. check_N with ``@checker(LESSON, k)``: each check names its lesson
    and exercise, wraps the body it decorates, is registered (so the summary counts it before it runs), takes
    ``answer`` by position or keyword, and answers the placeholder with the hint."""
    mod, checks = lesson_checks(lesson)
    assert mod.LESSON == lesson
    assert sorted(checks) == list(range(1, len(checks) + 1)) and len(checks) >= 3
    for k, check in checks.items():
        assert (getattr(check, "lesson", None), getattr(check, "exercise", None)) == (lesson, str(k)), \
            f"lesson{lesson}.check_{k} is not defined with @checker(LESSON, {k})"
        assert callable(check.__wrapped__)
        assert next(iter(inspect.signature(check).parameters)) == "answer"
        for fb in (check(...), check(answer=...)):
            assert isinstance(fb, exercises.Feedback) and not fb.ok and fb.points == 0.0
            assert fb.message == exercises.PLACEHOLDER_HINT
    assert exercises.exercises_of(lesson) == [str(k) for k in sorted(checks)]


def test_one_idiom_only():
    """The second idiom of the checks (``guarded`` with ``register``) is gone from the package."""
    for name in ("guarded", "register"):
        assert not hasattr(exercises, name) and name not in exercises.__all__


def test_checker_turns_any_error_into_not_yet(scoreboard):
    """A check whose body fails in a way it did not foresee returns NOT YET naming the error, with no points;
    a NotYet gives its own reason, a returned message a PASS with the exercise's point."""

    @exercises.checker("demo", 1)
    def check_1(answer, scale=1.0):
        if answer == "no":
            raise exercises.NotYet("not this one")
        return f"{1 / (answer * scale):g} is fine"

    fb = check_1(0)
    assert isinstance(fb, exercises.Feedback) and not fb.ok and fb.points == 0.0
    assert fb.message.startswith("the answer could not be checked (ZeroDivisionError")
    assert check_1(2, scale=0.0).message.startswith("the answer could not be checked (ZeroDivisionError")
    fb = check_1("no")
    assert not fb.ok and fb.message == "not this one"
    fb = check_1(answer=2, scale=2.0)
    assert fb.ok and fb.points == fb.max_points == 1.0 and fb.message == "0.25 is fine"
    assert (check_1.lesson, check_1.exercise, check_1.__name__) == ("demo", "1", "check_1")
    exercises.reset("demo")


class _HostileDict(dict):
    """Passes the placeholder test (no values), then fails as soon as a check reads its keys."""

    def values(self):
        return ()

    def __iter__(self):
        raise RuntimeError("hostile answer")

    def items(self):
        raise RuntimeError("hostile answer")


class _HostileSet(set):
    def __iter__(self):
        raise RuntimeError("hostile answer")


class _HostileFloat(float):
    def __float__(self):
        raise RuntimeError("hostile answer")


@pytest.mark.parametrize("lesson, k, answer", [
    ("05", 1, _HostileDict()), ("05", 2, _HostileDict()), ("05", 3, _HostileSet({"figure1"})),
    ("06", 1, _HostileFloat(2.0)), ("06", 2, _HostileFloat(0.05)), ("06", 3, _HostileFloat(3.0)),
    ("07", 1, _HostileFloat(1.0)), ("07", 2, _HostileFloat(0.8)), ("07", 3, _HostileDict()),
    ("08", 1, _HostileDict()), ("08", 2, _HostileDict()), ("08", 3, _HostileDict()),
])
def test_a_body_that_raises_gives_not_yet(lesson, k, answer, scoreboard):
    """An answer that makes the check's body raise an error it does not expect (not a NotYet) gives a NOT YET
    Feedback naming the error; the check does not raise and needs no simulation for it."""
    _, checks = lesson_checks(lesson)
    fb = checks[k](answer)
    assert isinstance(fb, exercises.Feedback) and not fb.ok and fb.points == 0.0
    assert fb.message == "the answer could not be checked (RuntimeError: hostile answer)"
    assert (fb.lesson, fb.exercise) == (lesson, str(k))
