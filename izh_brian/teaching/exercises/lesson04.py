"""Checks of lesson 04, "The phase plane" (``notebooks/04_phase_plane.ipynb``).

1. :func:`check_1`: the resting potential and the threshold (the saddle) of
   the tonic-spiking neuron (a = 0.02, b = 0.2) under a constant current
   I = 3 mV/ms, read from where the nullclines cross.
2. :func:`check_2`: integrator or resonator, for four 2003 cells, from the type
   of their resting point (stable node or stable focus) at I = 0.
3. :func:`check_3`: the smallest constant current that makes the class-1
   neuron of 2004 Fig. 1 G fire, against a value the check finds by simulation.

Expected values are computed with :mod:`izh_brian.analysis.phaseplane` and
:func:`izh_brian.make_neurons` when the check runs.
"""

from __future__ import annotations

import numpy as np
from brian2 import Network, SpikeMonitor, ms, mV

from izh_brian import get_preset, make_neurons
from izh_brian.analysis.phaseplane import bifurcation, fixed_points
from izh_brian.teaching.exercises import NotYet, as_float, checker

__all__ = ["check_1", "check_2", "check_3", "EX1_CURRENT", "EX2_CELLS", "firing_threshold", "rest_kind",
           "THRESHOLD_TOL", "THRESHOLD_RUN_MS"]

LESSON = "04"

#: Exercise 1: the constant current (mV/ms).
EX1_CURRENT = 3.0
#: Exercise 1: tolerance on each potential (mV).
V_TOL = 0.5
#: Exercise 2: the cells to name.
EX2_CELLS = ("RS", "FS", "LTS", "RZ")
#: Exercise 3: an answer passes within this many mV/ms of the simulated threshold.
THRESHOLD_TOL = 0.05
#: Exercise 3: a current "makes the neuron fire" if a spike comes within this many ms from rest.
THRESHOLD_RUN_MS = 1000.0


@checker(LESSON, 1)
def check_1(answer):
    """``(v_rest, v_threshold)`` in mV: the stable node and the saddle of a=0.02, b=0.2 at
    I = :data:`EX1_CURRENT`, each within :data:`V_TOL`."""

    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet("give a pair (v_rest, v_threshold) in mV")
    got = [as_float(x, "a potential", unit="mV") for x in answer]
    fps = fixed_points(0.02, 0.2, EX1_CURRENT)
    if len(fps) != 2:  # pragma: no cover - a property of the model at this current
        raise NotYet("no rest state at this current")
    want = [fps[0].v, fps[1].v]
    if all(abs(g - w) <= V_TOL for g, w in zip(got, want)):
        return (f"at I = {EX1_CURRENT:g} mV/ms the neuron rests at {want[0]:.1f} mV ({fps[0].kind}); "
                f"the saddle at {want[1]:.1f} mV is its threshold")
    if all(abs(g - w) <= V_TOL for g, w in zip(got[::-1], want)):
        raise NotYet("the order is (rest, threshold): the resting point is the lower crossing")
    at0 = [f.v for f in fixed_points(0.02, 0.2, 0.0)]
    if all(abs(g - w) <= V_TOL for g, w in zip(got, at0)):
        raise NotYet(f"those are the crossings at I = 0; the current lifts the v-nullcline by I = {EX1_CURRENT:g}")
    raise NotYet(f"({got[0]:g}, {got[1]:g}) mV are not where the nullclines u = 0.04 v^2 + 5 v + 140 + I "
                 f"and u = b v cross at I = {EX1_CURRENT:g}")


def rest_kind(name: str) -> str:
    """``'integrator'`` if the preset's resting point at I = 0 is a stable node, ``'resonator'``
    if it is a stable focus (damped oscillation)."""

    p = get_preset(name)
    rest = fixed_points(p.a, p.b, 0.0, variant=p.variant)[0]
    if rest.kind == "stable node":
        return "integrator"
    if rest.kind == "stable focus":
        return "resonator"
    raise ValueError(f"{name}: the resting point is a {rest.kind}")  # pragma: no cover


@checker(LESSON, 2)
def check_2(answer):
    """A dict ``{cell: "integrator" | "resonator"}`` for every cell of :data:`EX2_CELLS`."""
    if not isinstance(answer, dict):
        raise NotYet(f"give a dict like {{'RS': 'integrator', ...}} for {', '.join(EX2_CELLS)}")
    missing = [c for c in EX2_CELLS if c not in answer]
    if missing:
        raise NotYet(f"give an answer for {', '.join(missing)} too")
    wrong = []
    for c in EX2_CELLS:
        v = answer[c]
        if not isinstance(v, str) or v.strip().lower() not in ("integrator", "resonator"):
            raise NotYet(f"{c}: answer 'integrator' or 'resonator', got {v!r}")
        if v.strip().lower() != rest_kind(c):
            wrong.append(c)
    if not wrong:
        return "; ".join(f"{c}: {rest_kind(c)}" for c in EX2_CELLS)
    raise NotYet(f"{len(wrong)} of {len(EX2_CELLS)} wrong ({', '.join(wrong)}): look at the eigenvalues of "
                 f"each resting point (complex: a focus)")


def firing_threshold(preset: str = "class_1_excitable", *, step: float = 0.01, run_ms: float = THRESHOLD_RUN_MS) -> float:
    """The smallest constant current (mV/ms, on a grid of ``step``) that makes ``preset``'s neuron
    fire within ``run_ms`` from its initial state: one NeuronGroup, one neuron per current, one run."""

    p = get_preset(preset)
    guess = bifurcation(p.a, p.b, variant=p.variant)["I_threshold"]
    span = max(1.0, abs(guess))
    currents = np.arange(guess - 0.5 * span, guess + 0.5 * span + step / 2, step)
    G = make_neurons(len(currents), a=p.a, b=p.b, c=p.c, d=p.d, v0=p.V0, u0=p.initial_u, variant=p.variant,
                     dt=p.dt)
    G.I_ext = currents * mV / ms
    mon = SpikeMonitor(G)
    Network(G, mon).run(run_ms * ms, namespace={})
    fired = np.asarray(mon.count[:]) > 0
    if not fired.any() or fired[0]:  # pragma: no cover - the grid brackets the threshold
        raise RuntimeError(f"the current grid does not bracket the threshold of {preset}")
    return float(currents[np.argmax(fired)])


@checker(LESSON, 3)
def check_3(answer):
    """The smallest constant current that makes class_1_excitable fire, within
    :data:`THRESHOLD_TOL` of :func:`firing_threshold`."""
    I = as_float(answer, "the current")
    want = firing_threshold()
    if abs(I - want) <= THRESHOLD_TOL:
        return (f"I = {I:g} mV/ms; in {THRESHOLD_RUN_MS:g} ms the neuron first fires at I = {want:.2f} mV/ms "
                f"(a grid of 0.01), at the saddle-node of its phase plane")
    if I < want:
        raise NotYet(f"at I = {I:g} mV/ms the neuron does not fire: the nullclines still cross")
    raise NotYet(f"I = {I:g} mV/ms makes it fire, but a smaller current does too (tolerance {THRESHOLD_TOL:g} mV/ms)")
