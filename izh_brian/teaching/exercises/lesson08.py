"""Checks for lesson 08, cross-simulator conventions (NEST, NeuroML, Brian2).

None of these checks needs NEST or Java: the expected values come from the
package (its ``nest`` scheme reproduces NEST's ``izhikevich`` spike for spike)
and from Brian2's units.

1. :func:`check_1`: currents across conventions, ``{"nest": ..., "nml2007": ...}``:
   the izh_brian input (mV/ms) equal to NEST's ``I_e`` = :data:`CURRENT_PA` pA
   (NEST's izhikevich takes I_e in pA with R = 1, models/izhikevich.h), and the
   v' (mV/ms) the same current gives NeuroML's ``izhikevich2007Cell`` with
   C = :data:`C_2007_PF` pF (``v' = iMemb / C``, NeuroML2 Cells.xml).
2. :func:`check_2`: the ``izhikevich2007Cell`` (C = 1 pF) equal to a 2003
   neuron with b = :data:`B_2007`: ``{"k": ..., "vr": ..., "vt": ...}`` with
   ``k (v - vr)(v - vt) - u7 = 0.04 v^2 + 5 v + 140 - u`` for ``u7 = u - b vr``
   (:func:`izh_brian.interop.export.as_2007_form`), vr the resting potential.
3. :func:`check_3`: ``{"scheme": ..., "first_spike_ms": ...}``: the izh_brian
   scheme that reproduces NEST's default ``izhikevich``
   (``consistent_integration = true``), and the first spike time NEST reports
   for 2004 Fig. 1 (C), tonic bursting, at the paper's dt = 0.25 ms.

A check never raises: a placeholder, a wrong type or a NaN gives NOT YET with
the reason.
"""

from __future__ import annotations

import math
from functools import lru_cache

from brian2 import ms, mV, pA, pF

from izh_brian.interop.nest import NEST_SCHEME_FLAGS
from izh_brian.model.equations import VARIANTS
from izh_brian.model.schemes import SCHEMES
from izh_brian.simulation import simulate
from izh_brian.teaching.exercises import NotYet, as_number, checker

__all__ = ["CURRENT_PA", "C_2007_PF", "B_2007", "NEST_PATTERN", "check_1", "check_2", "check_3",
           "converted_currents", "form_2007", "nest_prediction"]

LESSON = "08"

#: Exercise 1's current (pA).
CURRENT_PA = 14.0
#: Exercise 1's capacitance of the izhikevich2007Cell (pF), the regular-spiking cell of Izhikevich (2007).
C_2007_PF = 100.0
#: Exercise 2's b (the 2003 regular-spiking value).
B_2007 = 0.2
#: Exercise 3's preset.
NEST_PATTERN = "tonic_bursting"
#: NEST's default of ``consistent_integration`` (models/izhikevich.h).
NEST_DEFAULT_CONSISTENT = True


def _keys(ans, keys) -> dict:
    if not isinstance(ans, dict):
        raise NotYet(f"the answer should be a dict with keys {', '.join(map(repr, keys))}, got {type(ans).__name__}")
    unknown = [k for k in ans if k not in keys]
    if unknown:
        raise NotYet(f"unknown key {unknown[0]!r}; allowed: {', '.join(map(repr, keys))}")
    missing = [k for k in keys if k not in ans]
    if missing:
        raise NotYet(f"give {missing[0]!r} as well")
    return ans


def _close(x, y, tol=1e-6) -> bool:
    return abs(x - y) <= tol * max(1.0, abs(y))


# --------------------------------------------------------------------------- the expected values


def converted_currents(current_pA: float = CURRENT_PA, C_pF: float = C_2007_PF) -> dict:
    """v' (mV/ms) of ``current_pA`` in NEST's izhikevich (R = 1: pA read as mV/ms) and in an
    izhikevich2007Cell of capacitance ``C_pF`` (I / C, computed with Brian2's units)."""

    return {"nest": float(current_pA), "nml2007": float((current_pA * pA) / (C_pF * pF) / (mV / ms))}


def form_2007(b: float = B_2007, variant: str = "standard") -> dict:
    """k (nS/mV at C = 1 pF), vr (the resting root) and vt of the 2007 form of a 2003 neuron with this b."""

    k2, k1, k0, _, _ = VARIANTS[variant]
    disc = (k1 - b) ** 2 - 4 * k2 * k0
    roots = sorted(((-(k1 - b) + s * math.sqrt(disc)) / (2 * k2) for s in (1, -1)))
    vr = roots[0]  # the stable resting point is the lower intersection of the nullclines
    no_b = sorted((-k1 + s * math.sqrt(k1 * k1 - 4 * k2 * k0)) / (2 * k2) for s in (1, -1))
    return {"k": k2, "vr": vr, "vt": -k1 / k2 - vr, "other_vr": roots[1], "other_vt": -k1 / k2 - roots[1],
            "no_b": no_b}


@lru_cache(maxsize=1)
def nest_prediction() -> dict:
    """The izh_brian scheme of NEST's default model and the first spike time it gives for :data:`NEST_PATTERN`."""

    scheme = next(s for s, flag in NEST_SCHEME_FLAGS.items() if flag == NEST_DEFAULT_CONSISTENT)
    first = float(simulate(NEST_PATTERN, scheme=scheme).spike_times_ms[0])
    figure1 = float(simulate(NEST_PATTERN, scheme="figure1").spike_times_ms[0])
    return {"scheme": scheme, "first_spike_ms": first, "figure1_first_spike_ms": figure1}


# --------------------------------------------------------------------------- the checks


@checker(LESSON, 1)
def check_1(answer):
    """Exercise 1: ``{"nest": I in mV/ms, "nml2007": v' in mV/ms}`` for 14 pA."""
    answer = _keys(answer, ("nest", "nml2007"))
    got = {k: as_number(answer[k], k) for k in ("nest", "nml2007")}
    right = converted_currents()
    wrong = []
    if not _close(got["nest"], right["nest"]):
        wrong.append(f"NEST: {CURRENT_PA:g} pA in izhikevich's I_e enters dV_m/dt as it stands (R = 1), "
                     f"not as {got['nest']:g}")
    if not _close(got["nml2007"], right["nml2007"]):
        wrong.append(f"izhikevich2007Cell: v' = I / C with I = {CURRENT_PA:g} pA and C = {C_2007_PF:g} pF, "
                     "and 1 pA / 1 pF = 1 mV/ms")
    if wrong:
        raise NotYet("; ".join(wrong))
    return (f"{right['nest']:g} mV/ms in izh_brian for NEST's {CURRENT_PA:g} pA; {right['nml2007']:g} "
            f"mV/ms in a {C_2007_PF:g} pF izhikevich2007Cell (only C = 1 pF keeps the 2003 numbers)")


@checker(LESSON, 2)
def check_2(answer):
    """Exercise 2: ``{"k": ..., "vr": ..., "vt": ...}`` of the izhikevich2007Cell (C = 1 pF) equal to b = 0.2."""
    answer = _keys(answer, ("k", "vr", "vt"))
    got = {k: as_number(answer[k], k) for k in ("k", "vr", "vt")}
    right = form_2007()
    if not _close(got["k"], right["k"]):
        raise NotYet(f"k multiplies v^2: with C = 1 pF it is the 2003 coefficient of v^2, not {got['k']:g}")
    pair = sorted((got["vr"], got["vt"]))
    if all(_close(x, y, 1e-4) for x, y in zip(pair, right["no_b"])):
        raise NotYet("those are the roots of 0.04 v^2 + 5 v + 140 alone; u7 = u - b vr moves b vr into the "
                     "polynomial, so vr solves 0.04 v^2 + (5 - b) v + 140 = 0")
    if _close(got["vr"], right["other_vr"], 1e-4) and _close(got["vt"], right["other_vt"], 1e-4):
        raise NotYet("algebraically equal, but in the 2007 form vr is the resting potential: take the lower "
                     "root, where the neuron rests")
    if not (_close(got["vr"], right["vr"], 1e-4) and _close(got["vt"], right["vt"], 1e-4)):
        raise NotYet("k (v - vr)(v - vt) must equal 0.04 v^2 + 5 v + 140 - b vr for every v: vr + vt = "
                     "-5/0.04 and vr is a root of 0.04 v^2 + (5 - b) v + 140")
    return (f"k = {right['k']:g} nS/mV, vr = {right['vr']:g} mV (the rest of RS), vt = {right['vt']:g} mV; "
            f"u7 = u - b vr = u + {-B_2007 * right['vr']:g}, so NeuroML's start (v0 = vr, u7 = 0) is the rest")


@checker(LESSON, 3)
def check_3(answer):
    """Exercise 3: ``{"scheme": name, "first_spike_ms": t}`` for NEST's default izhikevich on tonic bursting."""
    answer = _keys(answer, ("scheme", "first_spike_ms"))
    scheme = answer["scheme"]
    if not isinstance(scheme, str):
        raise NotYet(f"'scheme' should be a scheme name such as 'figure1', got {scheme!r}")
    if scheme.lower() not in SCHEMES:
        raise NotYet(f"unknown scheme {scheme!r}; allowed: {', '.join(SCHEMES)}")
    t = as_number(answer["first_spike_ms"], "first_spike_ms")
    right = nest_prediction()
    if scheme.lower() != right["scheme"]:
        raise NotYet(f"{scheme!r} is not NEST's default: izhikevich has consistent_integration = true by "
                     "default; read the Schemes section of help(izh_brian.model)")
    if _close(t, right["figure1_first_spike_ms"], 1e-9) and not _close(t, right["first_spike_ms"], 1e-9):
        raise NotYet("that is figure1.m's first spike; NEST stamps a spike at the END of its step and sees "
                     "step-current devices one step late")
    if not _close(t, right["first_spike_ms"], 1e-9):
        raise NotYet(f"{t:g} ms is not the first spike time the {right['scheme']!r} scheme gives")
    return (f"scheme {right['scheme']!r}, first spike at {right['first_spike_ms']:g} ms (figure1.m: "
            f"{right['figure1_first_spike_ms']:g} ms)")
