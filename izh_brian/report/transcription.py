"""A plain-Python transcription of figure1.m (Izhikevich 2004, Fig. 1) and izhi2003.m (2003, Fig. 2).

This module is the yardstick of the report's agreement table. It is
independent of the Brian2 code path on purpose: it imports nothing from
``izh_brian`` (not the presets, not the stimulus sampler, not the model), and
every protocol is typed here again as the MATLAB programs write it, input
current included, as a plain Python function of ``t``. The loop is the
programs' own loop, one neuron at a time::

    for t = 0:tau:T
        V = V + tau*(0.04*V^2 + 5*V + 140 - u + I(t))
        u = u + tau*a*(b*V - u)            % uses the new V
        if V > 30: spike at t; V = c; u = u + d

Two panels of 2004 Fig. 1 change the equations: class-1 excitability (G) and
the integrator (L) use ``4.1*V + 108`` instead of ``5*V + 140``, and
accommodation (R) uses ``u = u + tau*a*b*(V + 65)`` (no ``-u`` term) with
``u0 = -16``. The 2003 cell classes use the same loop with the protocols of
izhi2003.m (the Open Source Brain reconstruction of 2003 Fig. 2).

:func:`run_figure1` runs one protocol; :func:`run_all` runs all 28. Both
return spike times in ms on the grid ``t = k*tau`` (the program's own times).

References
----------
E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural
Networks 14(6):1569-1572, 2003. doi:10.1109/TNN.2003.820440
E. M. Izhikevich, "Which model to use for cortical spiking neurons?", IEEE
Trans. Neural Networks 15(5):1063-1070, 2004. doi:10.1109/TNN.2004.832719
"""

from __future__ import annotations

import math

__all__ = ["PROTOCOLS", "run_figure1", "run_all", "protocol_names"]

_T1_L = 100.0 / 11.0  # figure1.m, panel L: T1 = tau_last/11 with tau_last = 100


def _step(amp, onset):
    return lambda t: amp if t > onset else 0.0


def _window(amp, start, width, base=0.0):
    return lambda t: amp if start < t < start + width else base


def _windows(amp, starts, width):
    return lambda t: amp if any(s < t < s + width for s in starts) else 0.0


def _inhibition_window(t):  # panels S and T
    return 80.0 if (t < 50 or t > 250) else 75.0


def _accommodation(t):  # panel R
    if t < 200:
        return t / 25
    if t < 300:
        return 0.0
    if t < 312.5:
        return 4 * (t - 300) / 12.5
    return 0.0


def _threshold_variability(t):  # panel O
    if 10 < t < 15 or 80 < t < 85:
        return 1.0
    if 70 < t < 75:
        return -6.0
    return 0.0


#: name -> (a, b, c, d, V0, u0 or None for b*V0, tau in ms, T in ms, I(t), form); form: "standard",
#: "class1" (4.1 V + 108) or "accommodation" (u' = a b (V + 65)). In the papers' order.
PROTOCOLS = {
    # 2004 Fig. 1, figure1.m
    "tonic_spiking": (0.02, 0.2, -65, 6, -70, None, 0.25, 100, _step(14.0, 10), "standard"),
    "phasic_spiking": (0.02, 0.25, -65, 6, -64, None, 0.25, 200, _step(0.5, 20), "standard"),
    "tonic_bursting": (0.02, 0.2, -50, 2, -70, None, 0.25, 220, _step(15.0, 22), "standard"),
    "phasic_bursting": (0.02, 0.25, -55, 0.05, -64, None, 0.2, 200, _step(0.6, 20), "standard"),
    "mixed_mode": (0.02, 0.2, -55, 4, -70, None, 0.25, 160, _step(10.0, 16), "standard"),
    "spike_frequency_adaptation": (0.01, 0.2, -65, 8, -70, None, 0.25, 85, _step(30.0, 8.5), "standard"),
    "class_1_excitable": (0.02, -0.1, -55, 6, -60, None, 0.25, 300,
                          lambda t: 0.075 * (t - 30) if t > 30 else 0.0, "class1"),
    "class_2_excitable": (0.2, 0.26, -65, 0, -64, None, 0.25, 300,
                          lambda t: -0.5 + 0.015 * (t - 30) if t > 30 else -0.5, "standard"),
    "spike_latency": (0.02, 0.2, -65, 6, -70, None, 0.2, 100, _window(7.04, 10, 3), "standard"),
    "subthreshold_oscillations": (0.05, 0.26, -60, 0, -62, None, 0.25, 200, _window(2.0, 20, 5), "standard"),
    "resonator": (0.1, 0.26, -60, -1, -62, None, 0.25, 400, _windows(0.65, (40, 60, 280, 320), 4), "standard"),
    "integrator": (0.02, -0.1, -55, 6, -60, None, 0.25, 100,
                   _windows(9.0, (_T1_L, _T1_L + 5, 70, 80), 2), "class1"),
    "rebound_spike": (0.03, 0.25, -60, 4, -64, None, 0.2, 200, _window(-15.0, 20, 5), "standard"),
    "rebound_burst": (0.03, 0.25, -52, 0, -64, None, 0.2, 200, _window(-15.0, 20, 5), "standard"),
    "threshold_variability": (0.03, 0.25, -60, 4, -64, None, 0.25, 100, _threshold_variability, "standard"),
    "bistability": (0.1, 0.26, -60, 0, -61, None, 0.25, 300,
                    lambda t: 1.24 if (37.5 < t < 42.5 or 216 < t < 221) else 0.24, "standard"),
    "depolarizing_after_potential": (1, 0.2, -60, -21, -70, None, 0.1, 50,
                                     lambda t: 20.0 if abs(t - 10) < 1 else 0.0, "standard"),
    "accommodation": (0.02, 1, -55, 4, -65, -16, 0.5, 400, _accommodation, "accommodation"),
    "inhibition_induced_spiking": (-0.02, -1, -60, 8, -63.8, None, 0.5, 350, _inhibition_window, "standard"),
    "inhibition_induced_bursting": (-0.026, -1, -45, -2, -63.8, None, 0.5, 350, _inhibition_window, "standard"),
    # 2003 Fig. 2, izhi2003.m (tau = 0.25 ms)
    "RS": (0.02, 0.2, -65, 8, -63, None, 0.25, 150, _step(14.0, 15), "standard"),
    "IB": (0.02, 0.2, -55, 4, -70, None, 0.25, 150, _step(11.0, 15), "standard"),
    "CH": (0.02, 0.2, -50, 2, -70, None, 0.25, 150, _step(10.0, 15), "standard"),
    "FS": (0.1, 0.2, -65, 2, -70, None, 0.25, 150, _step(10.0, 15), "standard"),
    "TC": (0.02, 0.25, -65, 0.05, -63, None, 0.25, 150, _step(1.5, 30), "standard"),
    "TC_burst": (0.02, 0.25, -65, 0.05, -87, None, 0.25, 150, lambda t: -25.0 if t <= 45 else 0.0, "standard"),
    "RZ": (0.1, 0.26, -65, 2, -70, None, 0.25, 100,
           lambda t: 10.0 if 60 < t < 65 else (-2.0 if t <= 10 else -0.5), "standard"),
    "LTS": (0.02, 0.25, -65, 2, -63, None, 0.25, 250, _step(10.0, 25), "standard"),
}


def protocol_names() -> list[str]:
    """The 28 transcribed protocols, in the papers' order (2004 Fig. 1 A-T, then 2003 Fig. 2)."""
    return list(PROTOCOLS)


def run_figure1(name: str, tau: float | None = None, **changes) -> tuple[list[float], list[float]]:
    """Run one protocol with figure1.m's loop.

    Parameters
    ----------
    name : str
        A key of :data:`PROTOCOLS` (exact spelling).
    tau : float, optional
        Step in ms; default the program's own.
    **changes
        New values for ``a``, ``b``, ``c``, ``d`` and ``duration`` (T, ms).

    Returns
    -------
    spike_times_ms : list of float
        ``k*tau`` of every step whose update left ``V > 30``.
    trace_mV : list of float
        V after every step, drawn as exactly 30 at a spike (as figure1.m plots it).

    Raises
    ------
    KeyError
        ``name`` is not transcribed (the message lists the names that are).
    ValueError
        ``tau`` or ``duration`` is not a positive number, or ``changes`` names something other than
        a, b, c, d, duration.
    """
    if name not in PROTOCOLS:
        raise KeyError(f"no transcription of {name!r}; transcribed: {', '.join(PROTOCOLS)}")
    bad = sorted(set(changes) - {"a", "b", "c", "d", "duration"})
    if bad:
        raise ValueError(f"cannot change {', '.join(bad)}; allowed: a, b, c, d, duration")
    a, b, c, d, V0, u0, tau0, T, I, form = PROTOCOLS[name]
    a, b, c, d = (float(changes.get(k, x)) for k, x in zip("abcd", (a, b, c, d)))
    tau = tau0 if tau is None else tau
    T = changes.get("duration", T)
    for what, x in (("tau", tau), ("duration", T)):
        if isinstance(x, bool) or not (isinstance(x, (int, float)) and math.isfinite(x) and x > 0):
            raise ValueError(f"{what} must be a positive number of ms, got {x!r}")
    k1, k0 = (4.1, 108.0) if form == "class1" else (5.0, 140.0)
    V = float(V0)
    u = b * V if u0 is None else float(u0)
    spikes, trace = [], []
    for k in range(int(math.floor(T / tau + 1e-9)) + 1):  # t = 0:tau:T, T included
        t = k * tau
        V = V + tau * (0.04 * V * V + k1 * V + k0 - u + I(t))
        if form == "accommodation":
            u = u + tau * a * b * (V + 65)
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


def run_all(names=None) -> dict[str, list[float]]:
    """Spike times (ms) of every transcribed protocol (or of ``names``), ``{name: [t, ...]}``."""
    return {n: run_figure1(n)[0] for n in (PROTOCOLS if names is None else names)}
