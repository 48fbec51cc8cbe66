r"""Phase-plane analysis of the Izhikevich model: nullclines, fixed points, bifurcations, f-I curves.

The model (paper units: v in mV, u and I in mV/ms, t in ms) is

.. math::

    v' = f(v) - u + I, \quad f(v) = k_2 v^2 + k_1 v + k_0, \qquad
    u' = a\,(b\,(v - v_u) - g_u\,u),

with the coefficients of :data:`izh_brian.model.equations.VARIANTS`. Between spikes it
is a planar system, so its behaviour is read off the :math:`(v, u)` plane:

- the **v-nullcline** :math:`u = f(v) + I` is a parabola; the
  **u-nullcline** :math:`u = b (v - v_u) / g_u` is a line (for the
  accommodation variant, :math:`g_u = 0`, it is the vertical line
  :math:`v = v_u`);
- their intersections are the **fixed points**; the Jacobian

  .. math:: J = \begin{pmatrix} 2 k_2 v + k_1 & -1 \\ a b & -a g_u \end{pmatrix}

  classifies each one (node, focus, saddle; stable or unstable);
- as I grows, the resting point disappears either in a **saddle-node**
  bifurcation (it merges with the saddle; when the merger happens on the
  limit cycle the neuron starts firing at an arbitrarily low rate: class 1
  excitability, an *integrator*) or in an **Andronov-Hopf** bifurcation (it
  turns unstable through a damped oscillation: class 2, a *resonator*, which
  starts firing at a clearly positive rate). For the standard form the
  saddle-node current is :math:`I_{sn} = (k_1 - b)^2 / (4 k_2) - k_0`, and a
  Hopf point exists on the resting branch when :math:`b > a`, at
  :math:`v_h = (a - k_1) / (2 k_2)`.

The f-I curves (:func:`fi_curves`) are measured by simulation, every
(neuron type, current) pair one neuron of a single Brian2 NeuronGroup built by
:func:`izh_brian.model.neurons.make_neurons`, each with its own constant ``I_ext``, in
one ``run()``.

References
----------
E. M. Izhikevich, *Dynamical Systems in Neuroscience*, MIT Press, 2007, ch. 5-8.
E. M. Izhikevich, "Which model to use for cortical spiking neurons?", IEEE
Trans. Neural Networks 15(5):1063-1070, 2004 (panels G, H, K, L).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from brian2 import Network, SpikeMonitor, ms, mV

from izh_brian.model.equations import VARIANTS
from izh_brian.model.neurons import make_neurons
from izh_brian.presets import Preset, get_preset, with_overrides
from izh_brian.stimuli import step

__all__ = [
    "FixedPoint",
    "coefficients",
    "nullclines",
    "fixed_points",
    "jacobian",
    "classify_eigenvalues",
    "bifurcation",
    "phase_plane",
    "fi_curves",
    "step_preset",
    "FI_PRESETS",
    "onset_rate",
]

#: The two presets whose f-I curves contrast class 1 and class 2 excitability (2004 Fig. 1 G, H).
FI_PRESETS = ("class_1_excitable", "class_2_excitable")


@dataclass(frozen=True)
class FixedPoint:
    """One equilibrium of the subthreshold dynamics.

    Attributes
    ----------
    v, u : float
        Location (mV, mV/ms).
    eigenvalues : tuple of complex
        Eigenvalues of the Jacobian (1/ms).
    kind : str
        ``'stable node'``, ``'stable focus'``, ``'unstable node'``,
        ``'unstable focus'``, ``'saddle'``, ``'center'`` or ``'degenerate'``.
    """

    v: float
    u: float
    eigenvalues: tuple
    kind: str

    @property
    def stable(self) -> bool:
        """True for a stable node or focus (both eigenvalues with negative real part)."""
        return self.kind.startswith("stable")

    @property
    def oscillation_hz(self) -> float:
        """Frequency of the damped (or growing) oscillation around a focus (Hz); 0 for a node or saddle."""
        return abs(float(np.imag(self.eigenvalues[0]))) / (2 * math.pi) * 1000.0

    def to_dict(self) -> dict:
        return {
            "v": self.v,
            "u": self.u,
            "kind": self.kind,
            "stable": self.stable,
            "eigenvalues": [[float(np.real(e)), float(np.imag(e))] for e in self.eigenvalues],
            "oscillation_hz": self.oscillation_hz,
        }


def coefficients(variant: str = "standard"):
    """The coefficients ``(k2, k1, k0, v_u, g_u)`` of an equation variant (see :data:`izh_brian.model.equations.VARIANTS`)."""

    if variant not in VARIANTS:
        raise ValueError(f"unknown equation variant {variant!r}; allowed: {', '.join(VARIANTS)}")
    return VARIANTS[variant]


def nullclines(a, b, I=0.0, *, variant="standard", v_range=(-90.0, 30.0), n=400):
    """The v- and u-nullclines on a grid of v.

    Parameters
    ----------
    a, b : float
        Model parameters.
    I : float
        Constant input current (mV/ms).
    variant : str
        Equation variant.
    v_range : (float, float)
        Range of v (mV).
    n : int
        Number of grid points.

    Returns
    -------
    dict
        ``v`` (mV), ``u_v`` (the v-nullcline :math:`u = f(v) + I`) and either
        ``u_u`` (the u-nullcline as a function of v) or, for :math:`g_u = 0`,
        ``v_u_line`` (the vertical u-nullcline's abscissa, mV) with ``u_u`` all NaN.

    Examples
    --------
    >>> nc = nullclines(0.02, 0.2, I=0.0, v_range=(-70, -60), n=3)
    >>> [round(float(x), 2) for x in nc["u_v"]]
    [-14.0, -16.0, -16.0]
    """
    k2, k1, k0, v_u, g_u = coefficients(variant)
    if not (n >= 2):
        raise ValueError(f"n must be at least 2, got {n}")
    v = np.linspace(float(v_range[0]), float(v_range[1]), int(n))
    out = {"v": v, "u_v": k2 * v**2 + k1 * v + k0 + I}
    if g_u != 0:
        out["u_u"] = b * (v - v_u) / g_u
    else:
        out["u_u"] = np.full_like(v, np.nan)
        out["v_u_line"] = float(v_u)
    return out


def jacobian(v, a, b, *, variant="standard") -> np.ndarray:
    """The Jacobian of the subthreshold system at voltage ``v`` (it does not depend on u or I)."""
    k2, k1, _, _, g_u = coefficients(variant)
    return np.array([[2 * k2 * v + k1, -1.0], [a * b, -a * g_u]])


def classify_eigenvalues(eig, tol: float = 1e-12) -> str:
    """Name a planar fixed point from the two eigenvalues of its Jacobian.

    Real parts of opposite sign make a saddle; complex pairs make a focus
    (damped oscillation when stable); real ones of equal sign a node.
    """
    e1, e2 = complex(eig[0]), complex(eig[1])
    re1, re2 = e1.real, e2.real
    complex_pair = abs(e1.imag) > tol
    if complex_pair:
        if abs(re1) <= tol:
            return "center"
        return ("stable" if re1 < 0 else "unstable") + " focus"
    if abs(re1) <= tol or abs(re2) <= tol:
        return "degenerate"
    if re1 * re2 < 0:
        return "saddle"
    return ("stable" if re1 < 0 else "unstable") + " node"


def fixed_points(a, b, I=0.0, *, variant="standard") -> list[FixedPoint]:
    """All fixed points of the subthreshold dynamics at constant input ``I``, left to right.

    Returns an empty list when the nullclines do not cross (the neuron fires
    tonically at this I).

    Examples
    --------
    The regular-spiking cell (a = 0.02, b = 0.2) rests at v = -70 mV with no input:

    >>> fps = fixed_points(0.02, 0.2, 0.0)
    >>> [(round(p.v, 3), p.kind) for p in fps]
    [(-70.0, 'stable node'), (-50.0, 'saddle')]
    """
    k2, k1, k0, v_u, g_u = coefficients(variant)
    if g_u == 0:
        roots = [float(v_u)]
    else:
        # k2 v^2 + (k1 - b/g_u) v + (k0 + b v_u / g_u + I) = 0
        A, B, C = k2, k1 - b / g_u, k0 + b * v_u / g_u + I
        disc = B * B - 4 * A * C
        if disc < 0:
            return []
        s = math.sqrt(disc)
        roots = sorted({(-B - s) / (2 * A), (-B + s) / (2 * A)})
    out = []
    for v in roots:
        u = k2 * v * v + k1 * v + k0 + I
        eig = np.linalg.eigvals(jacobian(v, a, b, variant=variant))
        eig = tuple(sorted(eig, key=lambda z: (z.real, z.imag)))
        out.append(FixedPoint(float(v), float(u), eig, classify_eigenvalues(eig)))
    return out


def bifurcation(a, b, *, variant="standard") -> dict:
    """How the resting state of a neuron with (a, b) loses stability as constant I grows.

    Returns
    -------
    dict
        ``I_saddle_node``: current at which the two fixed points merge;
        ``I_hopf``: current of the Andronov-Hopf bifurcation of the resting
        point, or ``None`` if there is none before the saddle-node;
        ``kind``: ``'saddle-node'`` (class 1, integrator) or ``'Andronov-Hopf'``
        (class 2, resonator); ``I_threshold``: the smaller of the two, the
        rheobase of the resting state.

    Examples
    --------
    2004 Fig. 1 H (a = 0.2, b = 0.26) is a resonator, G (class-1 variant) an integrator:

    >>> bifurcation(0.2, 0.26)["kind"], bifurcation(0.02, -0.1, variant="class1")["kind"]
    ('Andronov-Hopf', 'saddle-node')
    """
    k2, k1, k0, v_u, g_u = coefficients(variant)
    if g_u == 0:
        # One fixed point at v = v_u for every I; stability changes where trace = 0.
        raise ValueError("the accommodation variant has no saddle-node bifurcation in I; use fixed_points()")
    B = k1 - b / g_u
    I_sn = B * B / (4 * k2) - k0 - b * v_u / g_u
    v_vertex = -B / (2 * k2)
    I_h = None
    # trace(J) = 2 k2 v + k1 - a g_u = 0; det(J) = a (b - g_u (2 k2 v + k1)) > 0 there iff b > a g_u^2
    v_h = (a * g_u - k1) / (2 * k2)
    if b > a * g_u * g_u and v_h < v_vertex:
        I_h = -(k2 * v_h * v_h + B * v_h + k0 + b * v_u / g_u)
    if I_h is not None and I_h < I_sn:
        kind, I_thr = "Andronov-Hopf", I_h
    else:
        kind, I_thr, I_h = "saddle-node", I_sn, None if I_h is None or I_h >= I_sn else I_h
    return {"I_saddle_node": float(I_sn), "I_hopf": None if I_h is None else float(I_h), "kind": kind,
            "I_threshold": float(I_thr), "v_hopf": float(v_h) if kind == "Andronov-Hopf" else None}


def phase_plane(result, *, I="drive", v_range=None, n=400) -> dict:
    """Everything needed to draw one simulated response in the (v, u) plane.

    Parameters
    ----------
    result : izh_brian.simulation.Result
        A simulated preset (its ``v_mV`` and ``u`` are the trajectory).
    I : float or {"drive", "rest"}, optional
        Input current for the nullclines. ``"drive"`` (default): the current
        at the sample where the input departs most from its initial value (the
        step, pulse or ramp top the pattern responds to); ``"rest"``: the
        initial current (the resting state the pulses perturb).
    v_range : (float, float), optional
        Default: the trajectory's range with a margin.

    Returns
    -------
    dict
        ``name``, ``a``, ``b``, ``c``, ``I``, the nullclines (``v``, ``u_v``,
        ``u_u``), ``fixed_points`` (list of :class:`FixedPoint`),
        ``trajectory_v``, ``trajectory_u``, ``I_rest`` and ``fixed_points_rest``
        (the equilibria before any input).
    """
    p = result.preset
    Iarr = np.asarray(result.I, float)
    if I is None or (isinstance(I, str) and I == "drive"):
        k = int(np.argmax(np.abs(Iarr - Iarr[0]))) if Iarr.size else 0
        I = float(Iarr[k]) if Iarr.size else 0.0
    elif isinstance(I, str) and I == "rest":
        I = float(Iarr[0]) if Iarr.size else 0.0
    elif isinstance(I, str):
        raise ValueError(f"I must be a number, 'drive' or 'rest', got {I!r}")
    v = np.asarray(result.v_mV, float)
    u = np.asarray(result.u, float)
    if v_range is None:
        lo = min(float(np.nanmin(v)), p.c) - 5.0
        v_range = (max(lo, -100.0), 35.0)
    nc = nullclines(p.a, p.b, I, variant=p.variant, v_range=v_range, n=n)
    return {
        "name": p.name,
        "label": p.label,
        "a": p.a,
        "b": p.b,
        "c": p.c,
        "variant": p.variant,
        "I": float(I),
        **nc,
        "fixed_points": fixed_points(p.a, p.b, I, variant=p.variant),
        "I_rest": float(Iarr[0]) if Iarr.size else 0.0,
        "fixed_points_rest": fixed_points(p.a, p.b, float(Iarr[0]) if Iarr.size else 0.0, variant=p.variant),
        "trajectory_v": v,
        "trajectory_u": u,
    }


def step_preset(a=0.02, b=0.2, c=-65.0, d=8.0, I=10.0, *, onset_ms=10.0, duration_ms=200.0, dt=0.25,
                V0=-65.0, u0=None, variant="standard", name="custom"):
    """A :class:`~izh_brian.presets.Preset` of a neuron with any (a, b, c, d) driven by a step of ``I``.

    Pass it to :func:`izh_brian.simulate` (the explorer notebook does this with
    sliders). Values are checked like any preset's.
    """

    for key, val in dict(a=a, b=b, c=c, d=d, I=I, V0=V0, onset_ms=onset_ms).items():
        if not np.isfinite(float(val)):
            raise ValueError(f"{key} must be a finite number, got {val!r}")
    p = Preset(name=name, paper="custom", panel="*", a=float(a), b=float(b), c=float(c), d=float(d),
               V0=float(V0), dt=float(dt), duration=float(duration_ms), stimulus=step(float(I), float(onset_ms)),
               description=f"step of {I:g} at t > {onset_ms:g} ms", u0=None if u0 is None else float(u0),
               variant=variant)

    return with_overrides(p)


def fi_curves(presets=FI_PRESETS, currents=None, *, duration_ms=1000.0, transient_ms=200.0, dt=None,
              scheme="figure1", codeobj_class=None) -> dict:
    """Steady firing rate versus constant input current, for several neuron types in ONE NeuronGroup.

    Every (preset, current) pair is one neuron of a single group made by
    :func:`izh_brian.model.neurons.make_neurons` (parameters per neuron, the current
    in each neuron's ``I_ext``); one ``run()`` integrates them all. The rate
    is ``1000 / mean ISI`` (Hz) of the spikes after ``transient_ms``, or 0
    when fewer than two spikes fall there.

    Class 1 neurons (2004 Fig. 1 G) start firing at an arbitrarily low rate as
    I crosses threshold; class 2 neurons (H) jump to a clearly positive rate.

    Parameters
    ----------
    presets : sequence of str or Preset
        Neuron types (their a, b, c, d, V0, u0 and variant; not their protocol).
    currents : array, optional
        Constant currents (mV/ms), one array for all presets, or a dict
        ``{name: array}``; default a range around each preset's threshold
        from :func:`bifurcation`.
    duration_ms, transient_ms : float
    dt : float, optional
        Step (ms); default the first preset's.
    scheme : str

    Returns
    -------
    dict
        ``names``, ``currents`` (list of arrays), ``rates_hz`` (list of
        arrays), ``n_spikes`` (list of int arrays), ``threshold`` (list of
        dicts from :func:`bifurcation`), ``dt_ms``, ``duration_ms``,
        ``transient_ms``, ``n_neurons``.
    """

    ps = [get_preset(p) for p in presets]
    if not ps:
        raise ValueError("give at least one preset")
    if not (0 <= transient_ms < duration_ms):
        raise ValueError(f"need 0 <= transient_ms < duration_ms, got {transient_ms}, {duration_ms}")
    dt = ps[0].dt if dt is None else float(dt)
    cur_list, thresholds = [], []
    for p in ps:
        try:
            thr = bifurcation(p.a, p.b, variant=p.variant)
        except ValueError:
            thr = None
        thresholds.append(thr)
        if currents is None:
            t0 = thr["I_threshold"] if thr else 0.0
            span = max(abs(t0), 1.0)
            cur = np.linspace(t0 - 0.25 * span, t0 + 2.0 * span, 40)
        elif isinstance(currents, dict):
            cur = np.asarray(currents[p.name], float)
        else:
            cur = np.asarray(currents, float)
        if cur.ndim != 1 or cur.size == 0 or not np.all(np.isfinite(cur)):
            raise ValueError(f"currents for {p.name!r} must be a non-empty 1-D array of finite numbers")
        cur_list.append(cur)
    sizes = [c.size for c in cur_list]
    n = int(sum(sizes))
    def rep(attr):
        return np.concatenate([np.full(s, float(getattr(p, attr))) for p, s in zip(ps, sizes)])
    variants = [p.variant for p, s in zip(ps, sizes) for _ in range(s)]

    G = make_neurons(n, a=rep("a"), b=rep("b"), c=rep("c"), d=rep("d"), v0=rep("V0"),
                     u0=np.concatenate([np.full(s, p.initial_u) for p, s in zip(ps, sizes)]),
                     variant=variants, scheme=scheme, dt=dt, codeobj_class=codeobj_class)
    G.I_ext = np.concatenate(cur_list) * mV / ms
    mon = SpikeMonitor(G, record=True)
    net = Network(G, mon)
    net.run(duration_ms * ms, namespace={})
    i_all = np.asarray(mon.i[:])
    t_all = np.asarray(mon.t / ms)
    rates, counts = [], []
    start = 0
    for s in sizes:
        r = np.zeros(s)
        c = np.zeros(s, dtype=int)
        for j in range(s):
            ts = np.sort(t_all[i_all == start + j])
            c[j] = ts.size
            late = ts[ts >= transient_ms]
            if late.size >= 2:
                r[j] = 1000.0 / float(np.mean(np.diff(late)))
        rates.append(r)
        counts.append(c)
        start += s
    return {"names": [p.name for p in ps], "labels": [p.label for p in ps], "currents": cur_list,
            "rates_hz": rates, "n_spikes": counts, "threshold": thresholds, "dt_ms": dt,
            "duration_ms": float(duration_ms), "transient_ms": float(transient_ms), "n_neurons": n}


def onset_rate(currents, rates_hz) -> tuple[float, float]:
    """The first current with a non-zero steady rate, and that rate (Hz): near 0 for class 1, large for class 2."""
    currents = np.asarray(currents, float)
    rates_hz = np.asarray(rates_hz, float)
    idx = np.flatnonzero(rates_hz > 0)
    if idx.size == 0:
        return float("nan"), 0.0
    return float(currents[idx[0]]), float(rates_hz[idx[0]])

