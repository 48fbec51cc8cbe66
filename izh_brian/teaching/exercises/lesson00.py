"""Checks of lesson 00, "Write the model yourself" (``notebooks/00_write_the_model.ipynb``).

1. :func:`check_1`: the coefficient of ``v**2`` with its Brian2 unit, so that
   ``(k*v**2 + 5*v + 140*mV)/ms`` is a rate of change of a voltage
   (Izhikevich 2003, eq. 1).
2. :func:`check_2`: the student's own Brian2 model, set to the tonic-bursting
   neuron of Izhikevich (2004) Fig. 1 C, shows tonic bursting
   (graded by :func:`izh_brian.teaching.check.check`).
3. :func:`check_3`: the student's own Brian2 model, stepped in figure1.m's
   order, gives figure1.m's spike times of tonic spiking (2004 Fig. 1 A) to
   the step (the ``reference`` block of :func:`izh_brian.teaching.check.check`).

This module also holds the small helpers every lesson's checks share:
:func:`checker` (a check never raises), :class:`NotYet`, :func:`as_float` and
:func:`one_parameter_change`.
"""

from __future__ import annotations

import numpy as np
from brian2 import Quantity, SpikeMonitor, mV, volt

from izh_brian.teaching.check import check
from izh_brian.presets import get_preset
from izh_brian.simulation import simulate
from izh_brian.teaching.exercises import (NotYet, as_float, checker, one_parameter_change,  # noqa: F401 (re-exported)
                                          protocol_differences, recorded_run, spike_times_of)

__all__ = ["check_1", "check_2", "check_3", "NotYet", "checker", "as_float", "one_parameter_change",
           "spike_times_of"]

LESSON = "00"


# ---------------------------------------------------------------------------
# The exercises
# ---------------------------------------------------------------------------


@checker(LESSON, 1)
def check_1(answer):
    """``k`` such that ``k*v**2`` is a voltage when v is: ``0.04/mV`` (2003 eq. 1)."""

    if not isinstance(answer, Quantity) or answer.is_dimensionless:
        raise NotYet("a plain number times v**2 has the unit mV**2, not mV; give the coefficient a unit "
                     "(a Brian2 quantity, built from mV)")
    if answer.dim != (1 / volt).dim:
        raise NotYet(f"k*v**2 must have the unit of v (volt); with k in {answer.dim} it has {(answer * mV**2).dim}")
    k_per_mV = float(np.asarray(answer * mV).reshape(()))
    if abs(k_per_mV - 0.04) <= 1e-9:
        return "k = 0.04/mV: k*v**2 = 0.04 v**2/mV is in mV, like 5*v and 140*mV"
    if abs(k_per_mV / 0.04 - 1000) < 1e-6 or abs(k_per_mV / 0.04 - 0.001) < 1e-9:
        raise NotYet(f"the unit is right but the value is {k_per_mV:g}/mV: the paper's 0.04 is per mV, not per volt")
    raise NotYet(f"the unit is right but k = {k_per_mV:g}/mV; 2003 eq. 1 has 0.04 v^2 with v in mV")


def _graded(pattern, answer, trace=None):
    st = spike_times_of(answer)
    if st.size == 0:
        raise NotYet("your neuron did not fire at all; check I (the step), the run length and the threshold")
    return check(pattern, st, trace=trace)


def _failed(rep) -> str:
    bad = [c for c in rep.criteria if not c.ok]
    if not bad:
        return "the pattern was not recognised"
    c = bad[0]
    parts = [str(c.name)]
    if getattr(c, "value", None) is not None:
        parts.append(f"measured {c.value}")
    if getattr(c, "required", None):
        parts.append(f"required {c.required}")
    text = ", ".join(parts)
    return text + (f" ({c.hint})" if getattr(c, "hint", "") else "")


#: How far the student's first spike may lie from figure1.m's (ms): Euler, Heun, RK2 and RK4 at
#: 0.25 ms all fire their first tonic burst within two steps of it (measured on the lesson's
#: run_model), while an input that starts 0.75 ms early or late moves it by that much.
FIRST_SPIKE_TOLERANCE_MS = 0.5


def _protocol(pattern, answer) -> str:
    """The protocol part of an exercise: the run's step, duration, neuron and input (read from a
    SpikeMonitor's group), and the onset (read from the first spike, which every usual integrator puts
    within two steps of figure1.m's). Raises NotYet naming the first difference."""
    preset = get_preset(pattern)
    if not isinstance(answer, SpikeMonitor):
        raise NotYet("give the SpikeMonitor of your run (not its spike times): the check reads the run's "
                     "duration, step and parameters from it")
    diffs = protocol_differences(recorded_run(answer), preset)
    if diffs:
        raise NotYet(f"not 2004 Fig. 1 {preset.panel}'s protocol: " + "; ".join(diffs))
    first = spike_times_of(answer)
    ref = simulate(pattern).spike_times_ms
    if first.size and ref.size and abs(first[0] - ref[0]) > FIRST_SPIKE_TOLERANCE_MS:
        onset = preset.stimulus.pieces[0].start if preset.stimulus.pieces else 0.0
        raise NotYet(f"your first spike is at {first[0]:g} ms, figure1.m's at {ref[0]:g} ms: the input must "
                     f"start after t = T/10 = {onset:g} ms (run_model's t_on), no earlier, no later")
    return f"the protocol of 2004 Fig. 1 {preset.panel} (T = {preset.duration:g} ms, dt = {preset.dt:g} ms)"


@checker(LESSON, 2)
def check_2(answer):
    """The SpikeMonitor of the student's model, run on 2004 Fig. 1 C's protocol (a=0.02, b=0.2, c=-50,
    d=2, V0=-70, I=15 for t > 22 ms, T=220 ms, dt=0.25 ms: checked), that ``izh_brian.teaching.check``
    says shows tonic bursting."""
    protocol = _protocol("tonic_bursting", answer)
    rep = _graded("tonic_bursting", answer)
    if rep.shows_pattern:
        ref = rep.reference or {}
        extra = (f"; {ref.get('n_spikes')} spikes against figure1.m's {ref.get('n_reference')}"
                 if ref.get("n_reference") is not None else "")
        return f"izh_brian.teaching.check says your neuron bursts tonically on {protocol}{extra}"
    raise NotYet(f"izh_brian.teaching.check does not see tonic bursting: {_failed(rep)}")


@checker(LESSON, 3)
def check_3(answer):
    """Spike times (or a SpikeMonitor) of tonic spiking (2004 Fig. 1 A) that equal figure1.m's
    to the step: the ``reference`` block of ``izh_brian.teaching.check`` says ``matches``."""
    rep = _graded("tonic_spiking", answer)
    ref = rep.reference
    if not ref:
        raise NotYet("izh_brian.teaching.check gave no comparison with figure1.m for these spikes")
    if ref.get("matches"):
        return f"all {ref.get('n_spikes')} spikes at figure1.m's times: your loop is figure1.m's loop"
    first = ref.get("first_difference_ms")
    where = f"; the first difference is at t = {first:g} ms" if first is not None else ""
    scheme = ref.get("closest_scheme")
    closest = f"; your spikes are closest to the {scheme!r} scheme" if scheme else ""
    raise NotYet(f"{ref.get('n_spikes')} spikes against figure1.m's {ref.get('n_reference')}{where}{closest}")
