"""Test oracles for the three schemes whose programs are known line by line, one neuron at a time.

figure1.m's loop (2004 Fig. 1) and izhi2003.m's protocols (2003 Fig. 2) are transcribed once, in
:mod:`izh_brian.report.transcription` (the report's yardstick), which imports nothing of the Brian2 code
path: not the presets, not the stimulus sampler, not the model. Every protocol is typed there again as the
MATLAB programs write it, and the loop is the programs' own:

    for t = 0:tau:T
        V = V + tau*(0.04 V^2 + 5 V + 140 - u + I(t))
        u = u + tau*a*(b V - u)            # new V
        if V > 30: spike at t; V = c; u = u + d

izh_brian must reproduce its spike times. Here ``run_euler`` (forward Euler, u from the old V) and
``run_net2003`` (net.m's order: detect ``v >= 30`` first, two half steps of v, u from the new v) run the same
protocols under the other two schemes.
"""

from __future__ import annotations

import math

from izh_brian.report.transcription import PROTOCOLS, run_figure1

__all__ = ["PROTOCOLS", "run_figure1", "run_euler", "run_net2003"]


def _protocol(name, tau, changes):
    a, b, c, d, V0, u0, tau0, T, I, form = PROTOCOLS[name]
    a, b, c, d = (changes.get(k, x) for k, x in zip("abcd", (a, b, c, d)))
    tau = tau0 if tau is None else tau
    u = b * V0 if u0 is None else u0
    k1, k0 = (4.1, 108.0) if form == "class1" else (5.0, 140.0)
    return a, b, c, d, float(V0), float(u), tau, T, I, form, k1, k0


def run_euler(name, tau=None, **changes):
    """Forward Euler (Brian2's ``euler``): V and u both advance from the old state; ``V > 30`` at step t.

    Unlike figure1.m, u's update sees the old V. Returns the spike times (ms).
    """
    a, b, c, d, V, u, tau, T, I, form, k1, k0 = _protocol(name, tau, changes)
    spikes = []
    for k in range(int(math.floor(T / tau + 1e-9)) + 1):
        t = k * tau
        dV = 0.04 * V * V + k1 * V + k0 - u + I(t)
        du = a * (b * (V + 65)) if form == "accommodation" else a * (b * V - u)
        V, u = V + tau * dV, u + tau * du
        if V > 30:
            spikes.append(t)
            V, u = c, u + d
    return spikes


def run_net2003(name, tau=None, **changes):
    """net.m's loop for one neuron: ``v >= 30`` (left by the previous step) is a spike at this step's t
    and resets first; then v takes two half steps with u and I held, then u a full step from the new v.
    Returns the spike times (ms)."""
    a, b, c, d, v, u, tau, T, I, form, k1, k0 = _protocol(name, tau, changes)
    spikes = []
    for k in range(int(math.floor(T / tau + 1e-9)) + 1):
        t = k * tau
        if v >= 30:
            spikes.append(t)
            v, u = c, u + d
        i_t = I(t)
        v = v + 0.5 * tau * (0.04 * v * v + k1 * v + k0 - u + i_t)
        v = v + 0.5 * tau * (0.04 * v * v + k1 * v + k0 - u + i_t)
        u = u + tau * (a * (b * (v + 65)) if form == "accommodation" else a * (b * v - u))
    return spikes
