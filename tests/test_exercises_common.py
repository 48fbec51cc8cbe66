"""The feedback every exercise check returns, and the scoreboard behind a lesson's summary line."""

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
