"""An independent plain-Python transcription of figure1.m (2004 Fig. 1) and izhi2003.m (2003 Fig. 2).

It shares no code with izh_brian: every protocol is typed here again from the
reference table (shared/reference/izhikevich-protocols.md, sections 1-3), as
the MATLAB programs write it, and the loop is the reference loop:

    for t = 0:tau:T
        V = V + tau*(0.04 V^2 + 5 V + 140 - u + I(t))
        u = u + tau*a*(b V - u)            # new V
        if V > 30: spike at t; V = c; u = u + d

This is the test oracle; izh_brian must reproduce its spike times. ``run_euler``
(forward Euler, u from the old V) and ``run_net2003`` (net.m's order: detect
``v >= 30`` first, two half steps of v, u from the new v) run the same protocols
under the other two schemes whose programs are known line by line.
"""

from __future__ import annotations

import math

T1L = 100 / 11


def _ss(t):  # S and T
    return 80.0 if (t < 50 or t > 250) else 75.0


def _acc(t):
    if t < 200:
        return t / 25
    if t < 300:
        return 0.0
    if t < 312.5:
        return 4 * (t - 300) / 12.5
    return 0.0


def _O(t):
    if 10 < t < 15 or 80 < t < 85:
        return 1.0
    if 70 < t < 75:
        return -6.0
    return 0.0


# name: (a, b, c, d, V0, u0 or None, tau, T, I(t), form)
# form: 's' standard, 'c1' (4.1 V + 108), 'acc' (u' = a b (V + 65))
PROTOCOLS = {
    "tonic_spiking": (0.02, 0.2, -65, 6, -70, None, 0.25, 100, lambda t: 14.0 if t > 10 else 0.0, "s"),
    "phasic_spiking": (0.02, 0.25, -65, 6, -64, None, 0.25, 200, lambda t: 0.5 if t > 20 else 0.0, "s"),
    "tonic_bursting": (0.02, 0.2, -50, 2, -70, None, 0.25, 220, lambda t: 15.0 if t > 22 else 0.0, "s"),
    "phasic_bursting": (0.02, 0.25, -55, 0.05, -64, None, 0.2, 200, lambda t: 0.6 if t > 20 else 0.0, "s"),
    "mixed_mode": (0.02, 0.2, -55, 4, -70, None, 0.25, 160, lambda t: 10.0 if t > 16 else 0.0, "s"),
    "spike_frequency_adaptation": (0.01, 0.2, -65, 8, -70, None, 0.25, 85, lambda t: 30.0 if t > 8.5 else 0.0, "s"),
    "class_1_excitable": (0.02, -0.1, -55, 6, -60, None, 0.25, 300,
                          lambda t: 0.075 * (t - 30) if t > 30 else 0.0, "c1"),
    "class_2_excitable": (0.2, 0.26, -65, 0, -64, None, 0.25, 300,
                          lambda t: -0.5 + 0.015 * (t - 30) if t > 30 else -0.5, "s"),
    "spike_latency": (0.02, 0.2, -65, 6, -70, None, 0.2, 100, lambda t: 7.04 if 10 < t < 13 else 0.0, "s"),
    "subthreshold_oscillations": (0.05, 0.26, -60, 0, -62, None, 0.25, 200,
                                  lambda t: 2.0 if 20 < t < 25 else 0.0, "s"),
    "resonator": (0.1, 0.26, -60, -1, -62, None, 0.25, 400,
                  lambda t: 0.65 if any(T < t < T + 4 for T in (40, 60, 280, 320)) else 0.0, "s"),
    "integrator": (0.02, -0.1, -55, 6, -60, None, 0.25, 100,
                   lambda t: 9.0 if any(T < t < T + 2 for T in (T1L, T1L + 5, 70, 80)) else 0.0, "c1"),
    "rebound_spike": (0.03, 0.25, -60, 4, -64, None, 0.2, 200, lambda t: -15.0 if 20 < t < 25 else 0.0, "s"),
    "rebound_burst": (0.03, 0.25, -52, 0, -64, None, 0.2, 200, lambda t: -15.0 if 20 < t < 25 else 0.0, "s"),
    "threshold_variability": (0.03, 0.25, -60, 4, -64, None, 0.25, 100, _O, "s"),
    "bistability": (0.1, 0.26, -60, 0, -61, None, 0.25, 300,
                    lambda t: 1.24 if (37.5 < t < 42.5 or 216 < t < 221) else 0.24, "s"),
    "depolarizing_after_potential": (1, 0.2, -60, -21, -70, None, 0.1, 50,
                                     lambda t: 20.0 if abs(t - 10) < 1 else 0.0, "s"),
    "accommodation": (0.02, 1, -55, 4, -65, -16, 0.5, 400, _acc, "acc"),
    "inhibition_induced_spiking": (-0.02, -1, -60, 8, -63.8, None, 0.5, 350, _ss, "s"),
    "inhibition_induced_bursting": (-0.026, -1, -45, -2, -63.8, None, 0.5, 350, _ss, "s"),
    # 2003 Fig. 2 (izhi2003.m protocols)
    "RS": (0.02, 0.2, -65, 8, -63, None, 0.25, 150, lambda t: 14.0 if t > 15 else 0.0, "s"),
    "IB": (0.02, 0.2, -55, 4, -70, None, 0.25, 150, lambda t: 11.0 if t > 15 else 0.0, "s"),
    "CH": (0.02, 0.2, -50, 2, -70, None, 0.25, 150, lambda t: 10.0 if t > 15 else 0.0, "s"),
    "FS": (0.1, 0.2, -65, 2, -70, None, 0.25, 150, lambda t: 10.0 if t > 15 else 0.0, "s"),
    "TC": (0.02, 0.25, -65, 0.05, -63, None, 0.25, 150, lambda t: 1.5 if t > 30 else 0.0, "s"),
    "TC_burst": (0.02, 0.25, -65, 0.05, -87, None, 0.25, 150, lambda t: -25.0 if t <= 45 else 0.0, "s"),
    "RZ": (0.1, 0.26, -65, 2, -70, None, 0.25, 100,
           lambda t: 10.0 if 60 < t < 65 else (-2.0 if t <= 10 else -0.5), "s"),
    "LTS": (0.02, 0.25, -65, 2, -63, None, 0.25, 250, lambda t: 10.0 if t > 25 else 0.0, "s"),
}


def run_figure1(name, tau=None, **changes):
    """Run one protocol with the reference loop; return (spike_times_ms, trace_V)."""
    a, b, c, d, V0, u0, tau0, T, I, form = PROTOCOLS[name]
    a = changes.get("a", a)
    b = changes.get("b", b)
    c = changes.get("c", c)
    d = changes.get("d", d)
    tau = tau0 if tau is None else tau
    V = V0
    u = b * V if u0 is None else u0
    spikes, trace = [], []
    n = int(math.floor(T / tau + 1e-9)) + 1
    for k in range(n):
        t = k * tau
        i_t = I(t)
        if form == "c1":
            V = V + tau * (0.04 * V * V + 4.1 * V + 108 - u + i_t)
        else:
            V = V + tau * (0.04 * V * V + 5 * V + 140 - u + i_t)
        if form == "acc":
            u = u + tau * a * (b * (V + 65))
        else:
            u = u + tau * a * (b * V - u)
        if V > 30:
            trace.append(30.0)
            spikes.append(t)
            V = c
            u = u + d
        else:
            trace.append(V)
    return spikes, trace


def _protocol(name, tau, changes):
    a, b, c, d, V0, u0, tau0, T, I, form = PROTOCOLS[name]
    a, b, c, d = (changes.get(k, x) for k, x in zip("abcd", (a, b, c, d)))
    tau = tau0 if tau is None else tau
    u = b * V0 if u0 is None else u0
    k1, k0 = (4.1, 108.0) if form == "c1" else (5.0, 140.0)
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
        du = a * (b * (V + 65)) if form == "acc" else a * (b * V - u)
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
        u = u + tau * (a * (b * (v + 65)) if form == "acc" else a * (b * v - u))
    return spikes
