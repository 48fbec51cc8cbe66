"""Checks of lesson 02, "The 20 firing patterns of Izhikevich (2004)" (``notebooks/02_firing_patterns_2004.ipynb``).

1. :func:`check_1`: read the 20 x 20 specificity matrix: an off-diagonal
   green cell, as ``(validator, response)``.
2. :func:`check_2`: change one parameter of phasic spiking (2004 Fig. 1 B) so
   that the tonic_spiking validator accepts the response and the
   phasic_spiking validator rejects it.
3. :func:`check_3`: the panels whose response no longer passes its own
   validator when figure1.m's loop is run at dt = 0.1 ms instead of the
   program's own step.

Every expected value is computed with the package when the check runs.
"""

from __future__ import annotations

from izh_brian import REFERENCE_PRESETS, get_preset, simulate_many
from izh_brian.analysis.validators import validate, validate_all, validation_matrix
from izh_brian.simulation import simulate
from izh_brian.teaching.exercises import NotYet, checker, one_parameter_change

__all__ = ["check_1", "check_2", "check_3", "panels_2004", "off_diagonal_2004", "failing_at", "FINE_DT_MS"]

LESSON = "02"

#: Exercise 3: the smaller step (ms).
FINE_DT_MS = 0.1


def panels_2004() -> list[str]:
    """The names of the 20 panels of 2004 Fig. 1, in panel order."""

    return [n for n, p in REFERENCE_PRESETS.items() if p.paper == "2004"]


def off_diagonal_2004() -> list[tuple[str, str]]:
    """The ``(validator, response)`` pairs, validator != response, accepted in the 20 x 20 matrix."""

    names, m = validation_matrix(simulate_many(panels_2004()))
    return [(names[i], names[j]) for i in range(len(names)) for j in range(len(names)) if i != j and m[i, j]]


def failing_at(dt_ms: float = FINE_DT_MS) -> list[str]:
    """The 2004 panels that fail their own validator under figure1.m's loop at ``dt_ms``."""

    return [v.pattern for v in validate_all(dt=dt_ms, names=panels_2004()) if not v.ok]


def _name(x, allowed) -> str:
    if not isinstance(x, str):
        raise NotYet(f"give pattern names as strings, got {x!r}")
    key = x.strip().lower()
    lower = {n.lower(): n for n in allowed}
    if key not in lower:
        raise NotYet(f"{x!r} is not a panel of 2004 Fig. 1; use the names printed in the lesson, e.g. 'tonic_spiking'")
    return lower[key]


@checker(LESSON, 1)
def check_1(answer):
    """A pair ``(validator, response)``: an off-diagonal accepted cell of the 20 x 20 matrix."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet("give a pair (validator, response), e.g. ('tonic_bursting', 'mixed_mode')")
    allowed = panels_2004()
    val, resp = (_name(x, allowed) for x in answer)
    if val == resp:
        raise NotYet(f"({val}, {resp}) is on the diagonal; every validator accepts its own panel. Look off the diagonal")
    pairs = off_diagonal_2004()
    if (val, resp) in pairs:
        return f"the {val} validator also accepts the {resp} response (row {val}, column {resp})"
    if (resp, val) in pairs:
        raise NotYet(f"rows are validators and columns responses: the {resp} validator accepts the {val} "
                     f"response, not the other way round")
    raise NotYet(f"the {val} validator rejects the {resp} response; find a green cell off the diagonal")


@checker(LESSON, 2)
def check_2(answer):
    """A dict changing one of a, b, c, d of ``phasic_spiking`` so that its response is tonic:
    the tonic_spiking validator accepts it and the phasic_spiking validator rejects it."""

    p = get_preset("phasic_spiking")
    key, value = one_parameter_change(answer, p)
    r = simulate("phasic_spiking", **{key: value})
    tonic = validate("tonic_spiking", r)
    phasic = validate("phasic_spiking", r)
    if tonic.ok and not phasic.ok:
        return (f"with {key} = {value:g} (was {getattr(p, key):g}) the neuron fires {r.n_spikes} spikes "
                f"and keeps firing to the end of the step: tonic spiking")
    why = next((x for x in tonic.reasons if x.startswith("FAILED")), "")
    raise NotYet(f"with {key} = {value:g} the neuron fires {r.n_spikes} spikes; the tonic_spiking validator "
                 f"says: {why}")


@checker(LESSON, 3)
def check_3(answer):
    """The set of 2004 panels that fail their own validator at dt = 0.1 ms (figure1 scheme),
    computed by :func:`failing_at`."""
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        raise NotYet("give a list or set of panel names, e.g. ['tonic_spiking', 'mixed_mode']")
    allowed = panels_2004()
    got = {_name(x, allowed) for x in answer}
    want = set(failing_at())
    if got == want:
        return f"at dt = {FINE_DT_MS:g} ms these {len(want)} panels lose their pattern: {', '.join(sorted(want))}"
    extra = sorted(got - want)
    if extra:
        raise NotYet(f"{', '.join(extra)} still pass(es) at dt = {FINE_DT_MS:g} ms")
    raise NotYet(f"all you named fail, but {len(want - got)} more panel(s) fail at dt = {FINE_DT_MS:g} ms")
