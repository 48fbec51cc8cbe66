r"""The NeuronGroup builders of the Izhikevich model (its equations are in :mod:`izh_brian.model.equations`,
its numerical schemes in :mod:`izh_brian.model.schemes`).

The model (Izhikevich 2003, 2004), in the paper's units (t in ms, v in mV,
u and I in mV/ms):

.. math::

    v' = k_2 v^2 + k_1 v + k_0 - u + I, \qquad
    u' = a\,(b\,(v - v_u) - g_u\,u),

    \text{if } v > v_\text{peak}: \quad v \leftarrow c,\ u \leftarrow u + d.

The standard model has :math:`k_2 = 0.04, k_1 = 5, k_0 = 140, v_u = 0, g_u = 1`.
Two panels of 2004 Fig. 1 use variants: class-1 excitability and the
integrator take :math:`4.1 v + 108`; accommodation takes
:math:`u' = a b (v + 65)` (:math:`v_u = -65, g_u = 0`). All coefficients are
per-neuron variables of one set of equations, so every preset, scheme
parameter and dt shares the same generated (and compiled) code.

Schemes
-------
``figure1``
    figure1.m's loop: ``v += dt*f(v, u)``; then ``u += dt*g(v_new, u)``;
    then, in the same step, ``v > 30`` is a spike at this step's t and resets.
``net2003``
    net.m's loop: spikes are detected first (``v >= 30``, the state left by the
    previous step), recorded at this step's t, and reset; then v advances in
    two half steps and u one full step from the new v.
``nest``
    NEST's ``izhikevich`` model with ``consistent_integration = True`` (its
    default; models/izhikevich.cpp): ``v`` and ``u`` both advance from the old
    values (forward Euler), then ``v = max(v, V_min)``, then ``v >= V_th`` is a
    spike, stamped at the *end* of the step (``t + dt``), and resets. Currents
    from devices reach the neuron one step late (NEST's ring buffer): the input
    table is read at ``k - 1``; the first step sees the first sample, a baseline
    present from the start (NEST carries it as ``I_e``, its devices cannot
    change at t = 0). ``I_ext`` acts at once, like NEST's ``I_e``.
``nest_published``
    NEST with ``consistent_integration = False``: net.m's two half steps of v,
    then u from the new v; clamp, threshold, spike time and input delay as
    ``nest``.
any Brian2 method name (``euler``, ``rk2``, ``rk4``, ``heun``, ...)
    Brian2 integrates the ODE; the spike test ``v > 30`` follows the update.

The 2007 form (Izhikevich, *Dynamical Systems in Neuroscience*, 2007; NeuroML's
``izhikevich2007Cell``), with dimensional parameters and currents, is built by
:func:`make_neurons_2007`:

.. math::

    C v' = k (v - v_r)(v - v_t) - u + I, \qquad u' = a (b (v - v_r) - u),

    \text{if } v > v_\text{peak}: \quad v \leftarrow c,\ u \leftarrow u + d.
"""

from __future__ import annotations

import numpy as np
from brian2 import (
    Function,
    NeuronGroup,
    amp,
    check_units,
    ms,
    mV,
    nS,
    pA,
    pF,
    second,
    volt,
)

from izh_brian.model.equations import EQUATIONS, NEST_EQUATIONS, VARIANTS
from izh_brian.model.nest_exact import MV, nest_functions
from izh_brian.model.schemes import SCHEME_REGISTRY, check_scheme, get_scheme, scheme_stateupdater

__all__ = [
    "make_neurons",
    "make_neurons_2007",
    "make_stimulus_function",
]


_STIM_NAME = "izh_stimulus"


_STIM_VALUES = "izh_stimulus_values"


_CYTHON_STIM = """
cdef double izh_stimulus(int k, int offset, int n):
    global _namespaceizh_stimulus_values
    if n <= 0:
        return 0.0
    if k >= n:
        k = n - 1
    if k < 0:
        k = 0
    return _namespaceizh_stimulus_values[offset + k]
"""


def make_stimulus_function(table: np.ndarray, unit=None, name: str | None = None) -> Function:
    """A Brian2 function ``I_stim(k, offset, n)`` reading ``table[offset + min(k, n-1)]``.

    ``table`` holds, back to back, the sampled protocol of every neuron (mV/ms,
    the paper's units; 1 mV/ms = 1 V/s, so the numbers are stored unchanged).
    The generated code does not depend on the table's size, so every preset and
    every dt reuse one compiled function.

    ``unit`` (default volt/second) and ``name`` (default ``izh_stimulus``) let
    other forms of the model read tables of other units (the 2007 form reads
    amperes); the table holds numbers in that SI unit.
    """
    if unit is None and name is None:
        return _table_function(table, volt / second, _STIM_NAME, _STIM_VALUES, _CYTHON_STIM)
    unit = volt / second if unit is None else unit
    name = name or _STIM_NAME
    values = name + "_values"
    code = _CYTHON_STIM.replace(_STIM_VALUES, "\0").replace(_STIM_NAME, name).replace("\0", values)
    return _table_function(table, unit, name, values, code)


def _table_function(table, unit, fname, values_name, cython_code) -> Function:
    table = np.ascontiguousarray(table, dtype=np.float64)
    if table.size == 0:
        table = np.zeros(1)

    @check_units(k=1, offset=1, n=1, result=unit)
    def izh_stimulus(k, offset, n):
        k = np.clip(np.asarray(k), 0, np.maximum(np.asarray(n) - 1, 0))
        out = table[np.asarray(offset) + k]
        return np.where(np.asarray(n) > 0, out, 0.0) * unit

    def numpy_impl(k, offset, n):
        k = np.clip(np.asarray(k), 0, np.maximum(np.asarray(n) - 1, 0))
        return np.where(np.asarray(n) > 0, table[np.asarray(offset) + k], 0.0)

    f = Function(
        izh_stimulus,
        arg_units=[1, 1, 1],
        return_unit=unit,
        arg_types=["integer", "integer", "integer"],
        return_type="float",
        stateless=True,
    )
    f.implementations.add_implementation("numpy", numpy_impl)
    f.implementations.add_implementation(
        "cython", cython_code, namespace={values_name: table}, name=fname
    )
    return f


def make_neurons(
    n: int = 1,
    *,
    a=0.02,
    b=0.2,
    c=-65.0,
    d=8.0,
    v0=-65.0,
    u0=None,
    variant="standard",
    scheme: str = "figure1",
    dt=0.25,
    stimulus: np.ndarray | None = None,
    vpeak=30.0,
    codeobj_class=None,
    name: str | None = None,
    v_min=-np.inf,
    steps=None,
    spikes_in: np.ndarray | None = None,
    current_in: np.ndarray | None = None,
) -> NeuronGroup:
    """Build a Brian2 NeuronGroup of ``n`` Izhikevich neurons.

    Parameters
    ----------
    n : int
        Number of neurons.
    a, b, c, d : float or array of length n
        The model parameters in the paper's units (c in mV, d in mV/ms); plain
        numbers are read in those units, Brian2 quantities are converted.
    v0, u0 : float or array
        Initial state (mV, mV/ms). ``u0=None`` gives ``u0 = b*v0``.
    variant : str or sequence of str
        ``'standard'``, ``'class1'`` (4.1 v + 108) or ``'accommodation'``
        (u' = a b (v + 65)); one for all neurons or one per neuron.
    scheme : str
        ``'figure1'`` (default), ``'net2003'`` or a Brian2 method name.
    dt : float or Quantity
        Time step (ms when a plain number).
    stimulus : ndarray, optional
        Input samples in mV/ms on the grid ``t_k = k*dt``: shape ``(n_steps,)``
        for all neurons or ``(n_steps, n)``, one column per neuron. Past the last
        sample the last value holds. ``None`` means no input (use ``I_ext``).
    vpeak : float
        Spike cut-off (mV): ``v > vpeak`` (``v >= vpeak`` under ``net2003``,
        ``nest`` and ``nest_published``, where it is NEST's ``V_th``).
    codeobj_class : optional
        Brian2 code-object class; default follows ``prefs.codegen.target``
        (Cython when a compiler works, numpy with a warning otherwise).
    name : str, optional
        Brian2 name of the group.
    steps : float or array, optional
        Each neuron's own time step (ms), a multiple of ``dt``: the group ticks
        at ``dt`` and a neuron advances by its step every ``steps/dt`` ticks,
        reading sample ``tick // (steps/dt)`` of its stimulus column. Lets
        presets with different steps share one group (and one compiled code).
        Default: every neuron steps at ``dt``.
    v_min : float or array
        NEST's ``V_min`` (mV), the lower bound of v after each step; used by the
        ``nest`` schemes only (default ``-inf``, NEST's default). Those groups
        carry a per-neuron variable ``v_min``.
    spikes_in : ndarray, optional
        NEST schemes only: the summed weights (mV) of the delta-synapse spikes that
        NEST adds in each step (its ``B_.spikes_``), shape ``(n_steps,)`` or
        ``(n_steps, n)``; added to v after the Euler step (``consistent``) or inside
        both half steps (``nest_published``), as models/izhikevich.cpp does.
    current_in : ndarray, optional
        NEST schemes only: a further device current (mV/ms) in NEST's timing, row k acting in step k
        (what NEST's ring buffer hands ``S_.I_`` for step k, e.g. a ``dc_generator``), shape
        ``(n_steps,)`` or ``(n_steps, n)``, zero past its end; added to the device part of
        ``stimulus`` (after its first sample went to ``I_e`` and the rest was delayed), so that
        each step sums the two device currents as NEST's ring buffer does.

    Returns
    -------
    NeuronGroup
        Variables ``v``, ``u``, ``a``, ``b``, ``c``, ``d``, the variant
        coefficients, ``I_ext`` and ``vpeak``, all per neuron.

    Raises
    ------
    ValueError
        Unknown scheme or variant, bad dt, wrong stimulus shape.

    Examples
    --------
    >>> from brian2 import run, ms
    >>> G = make_neurons(1, a=0.02, b=0.2, c=-65, d=6, v0=-70, dt=0.25)
    >>> G.v[0]
    -70. * mvolt
    """
    check_scheme(scheme)
    n, dt_ms = _count_and_step(n, dt)
    variants = [variant] * n if isinstance(variant, str) else list(variant)
    if len(variants) != n:
        raise ValueError(f"give one variant or {n}, got {len(variants)}")
    for v in variants:
        if v not in VARIANTS:
            raise ValueError(f"unknown equation variant {v!r}; allowed: {', '.join(VARIANTS)}")
    coeffs = np.array([VARIANTS[v] for v in variants])

    spec = get_scheme(scheme)
    threshold, reset = spec.threshold, "v = c\nu = u + d"
    # A neuron tests for a spike only on its own ticks (see _with_own_steps).
    threshold += " and t_in_timesteps % stride == 0"
    strides = _strides(steps, dt_ms, n)

    for what, given in (("spikes_in (NEST's delta synapses)", spikes_in), ("current_in (NEST's device current)", current_in)):
        if given is not None and not spec.has_v_min:
            raise ValueError(f"{what} applies only under the schemes "
                             f"{', '.join(n for n, sc in SCHEME_REGISTRY.items() if sc.has_v_min)}; got scheme {scheme!r}")
    I_e = np.zeros(n)
    if stimulus is None and current_in is None:
        table, offsets, lengths = np.zeros(1), np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    else:
        stim = np.zeros(1) if stimulus is None else np.asarray(stimulus, dtype=float)
        if spec.input_delay_steps:
            # NEST's devices act one step late: the input of step k is the sample k-1.
            # The first sample is NEST's I_e (present from the start, acting at once) and the
            # devices carry the rest, I(t_j) - I(t_0), so the sums are NEST's to the bit.
            if stim.ndim == 2 and stim.shape[0]:
                I_e = np.broadcast_to(stim[0], (n,)).astype(float)
            elif stim.ndim == 1 and stim.size:
                I_e = np.full(n, stim[0])
            stim = stim - stim[:1]
            d_in = spec.input_delay_steps
            stim = np.concatenate([np.zeros((d_in,) + stim.shape[1:]), stim], axis=0)
        if current_in is not None:
            stim = _add_current(stim, current_in)
        table, offsets, lengths = _stimulus_table(stim, n)

    namespace = {"I_stim": make_stimulus_function(table)}
    if spec.has_v_min:
        w = np.zeros(1) if spikes_in is None else np.asarray(spikes_in, dtype=float)
        # a zero past the last step: the weights table holds no value past its end
        w = np.concatenate([w, np.zeros_like(w[:1])], axis=0) if spikes_in is not None else w
        w_table, w_offsets, w_lengths = _stimulus_table(w, n)
        namespace["izh_spikes_in"] = make_stimulus_function(w_table, unit=1, name="izh_spikes_in")
        namespace.update(nest_functions())
        threshold = "vn >= izh_mv(vpeak, vpeak_mV) and t_in_timesteps % stride == 0"
        reset = "vn = izh_mv(c, c_mV)\nu = u + d\nv = izh_si(vn)"
    kwargs = {}
    if codeobj_class is not None:
        kwargs["codeobj_class"] = codeobj_class
    equations = NEST_EQUATIONS if spec.has_v_min else EQUATIONS
    G = NeuronGroup(
        n,
        equations,
        threshold=threshold,
        reset=reset,
        method=scheme_stateupdater(scheme),
        dt=dt_ms * ms,
        namespace=namespace,
        name=name or "izhikevich*",
        **kwargs,
    )
    if spec.spike_first:
        _detect_spikes_first(G)
    G.a = _plain(a, 1, "a")
    G.b = _plain(b, 1, "b")
    G.c = _plain(c, mV, "c") * mV
    G.d = _plain(d, mV / ms, "d") * mV / ms
    G.k2, G.k1, G.k0 = coeffs[:, 0], coeffs[:, 1], coeffs[:, 2]
    G.v_u = coeffs[:, 3] * mV
    G.g_u = coeffs[:, 4]
    G.vpeak = _plain(vpeak, mV, "vpeak") * mV
    if spec.has_v_min:
        G.v_min = _plain_min(v_min) * mV
    v0_arr = np.broadcast_to(np.asarray(_plain(v0, mV, "v0"), dtype=float), (n,))
    b_arr = np.broadcast_to(np.asarray(_plain(b, 1, "b"), dtype=float), (n,))
    if u0 is None:
        u0_arr = b_arr * v0_arr
    else:
        u0_arr = np.broadcast_to(np.asarray(_plain(u0, mV / ms, "u0"), dtype=float), (n,))
    G.v = v0_arr * mV
    G.u = u0_arr * mV / ms
    G.stim_offset = offsets
    G.stim_len = lengths
    G.stride = strides
    G.h = strides * dt_ms * ms if steps is not None else np.full(n, dt_ms) * ms
    if spec.has_v_min:
        _set_nest_state(G, n, c=c, d=d, vpeak=vpeak, v_min=v_min, v0=v0, u0=u0, b=b, I_e=I_e,
                        h_ms=strides * dt_ms if steps is not None else np.full(n, dt_ms),
                        w=(w_offsets, w_lengths))
    return G


def _nest_h(h_ms):
    """NEST's step as Time::get_ms() gives it: a whole number of tics (1000 per ms) times ms per tic."""
    return np.rint(np.asarray(h_ms, dtype=float) * 1000.0) * (1.0 / 1000.0)


def _set_nest_state(G, n, *, c, d, vpeak, v_min, v0, u0, b, I_e, h_ms, w):
    """The NEST schemes' state in NEST's numbers: mV and mV/ms values set unconverted, the volt mirrors
    from them (``x * 0.001``, as the generated code checks), u and d through volt/second (factor 1)."""
    def col(x, unit, what):
        return np.broadcast_to(np.asarray(_plain(x, unit, what), dtype=float), (n,)).copy()

    v0_mv, b_arr = col(v0, mV, "v0"), col(b, 1, "b")
    u0_arr = b_arr * v0_mv if u0 is None else col(u0, mV / ms, "u0")
    c_mv, vp_mv = col(c, mV, "c"), col(vpeak, mV, "vpeak")
    vmin_mv = np.broadcast_to(_plain_min(v_min), (n,)).astype(float)
    G.vn, G.c_mV, G.vpeak_mV, G.v_min_mV = v0_mv, c_mv, vp_mv, vmin_mv
    G.v, G.c = v0_mv * MV * volt, c_mv * MV * volt
    G.vpeak, G.v_min = vp_mv * MV * volt, vmin_mv * MV * volt
    G.u = u0_arr * (volt / second)
    G.d = col(d, mV / ms, "d") * (volt / second)
    G.I_e = I_e
    G.h_ms = _nest_h(h_ms)
    G.w_offset, G.w_len = w


def _detect_spikes_first(G) -> None:
    """net.m's order: detect and reset spikes at the start of a step, from the state the previous step left."""
    G.thresholder["spike"].when = "before_groups"
    G.thresholder["spike"].order = -2
    G.resetter["spike"].when = "before_groups"
    G.resetter["spike"].order = -1


def _strides(steps, dt_ms, n):
    """Per-neuron strides ``steps/dt`` (integers >= 1); ``steps=None`` gives 1 for all."""
    if steps is None:
        return np.ones(n, dtype=np.int32)
    steps = np.broadcast_to(np.asarray(_plain(steps, ms, "steps"), dtype=float), (n,))
    ratio = steps / dt_ms
    strides = np.rint(ratio)
    if np.any(strides < 1) or np.any(np.abs(ratio - strides) > 1e-9 * np.maximum(ratio, 1)):
        raise ValueError(f"each neuron's step must be a positive multiple of dt = {dt_ms} ms, got {sorted(set(steps.tolist()))}")
    return strides.astype(np.int32)


#: The 2007 form (NeuroML ``izhikevich2007Cell``), SI units throughout; the
#: parameters are per-neuron variables so every parameter set shares one code.
EQUATIONS_2007 = """
dv/dt = (k*(v - vr)*(v - vt) - u + I_stim(t_in_timesteps, stim_offset, stim_len) + I_ext)/C : volt
du/dt = a*(b*(v - vr) - u) : amp
C : farad
k : siemens/volt
vr : volt
vt : volt
vpeak : volt
a : 1/second
b : siemens
c : volt
d : amp
I_ext : amp
stim_offset : integer (constant)
stim_len : integer (constant)
"""


#: The 2007 form has no NEST twin here: the schemes without NEST's V_min and device delay.
_SCHEMES_2007 = tuple(n for n, sc in SCHEME_REGISTRY.items() if not sc.has_v_min)


def make_neurons_2007(
    n: int = 1,
    *,
    C=100.0,
    k=0.7,
    vr=-60.0,
    vt=-40.0,
    vpeak=35.0,
    a=0.03,
    b=-2.0,
    c=-50.0,
    d=100.0,
    v0=None,
    u0=0.0,
    scheme: str = "euler",
    dt=0.01,
    stimulus: np.ndarray | None = None,
    codeobj_class=None,
    name: str | None = None,
) -> NeuronGroup:
    r"""Build a NeuronGroup of ``n`` Izhikevich neurons in the 2007 (book) form.

    .. math::

        C \frac{dv}{dt} = k (v - v_r)(v - v_t) - u + I, \qquad
        \frac{du}{dt} = a \left(b (v - v_r) - u\right),

        \text{if } v > v_\text{peak}: \quad v \leftarrow c,\ u \leftarrow u + d.

    This is NeuroML's ``izhikevich2007Cell``: the same quadratic model as the
    2003 form with a capacitance, dimensional currents and the rest and
    threshold potentials as parameters. The defaults are the book's regular
    spiking neuron (Izhikevich 2007, Fig. 8.12).

    Parameters
    ----------
    n : int
        Number of neurons.
    C, k, vr, vt, vpeak, a, b, c, d : float, Quantity or array of length n
        Plain numbers are read in the book's units: C in pF, k in nS/mV,
        vr, vt, vpeak, c in mV, a in 1/ms, b in nS, d in pA.
    v0 : float or array, optional
        Initial v (mV); default ``vr``.
    u0 : float or array
        Initial u (pA); default 0, as NeuroML's ``izhikevich2007Cell`` starts.
    scheme : str
        ``'euler'`` (default), ``'figure1'`` (u from the new v),
        ``'net2003'`` or another Brian2 method name.
    dt : float or Quantity
        Time step (ms when a plain number).
    stimulus : ndarray or Quantity, optional
        Input samples on the grid ``t_k = k*dt`` (pA when plain numbers), shape
        ``(n_steps,)`` or ``(n_steps, n)``; past the last sample the last value holds.
    codeobj_class, name
        As :func:`make_neurons`.

    Returns
    -------
    NeuronGroup
        Variables ``v``, ``u``, the parameters and ``I_ext`` (amp), per neuron.

    Raises
    ------
    ValueError
        Unknown scheme, bad dt, wrong units or stimulus shape.

    Examples
    --------
    >>> G = make_neurons_2007(1, dt=0.01)
    >>> G.v[0]
    -60. * mvolt
    """
    if not isinstance(scheme, str) or scheme not in _SCHEMES_2007:
        raise ValueError(f"unknown scheme {scheme!r} for the 2007 form; allowed: {', '.join(_SCHEMES_2007)}")
    n, dt_ms = _count_and_step(n, dt)
    if stimulus is None:
        table, offsets, lengths = np.zeros(1), np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    else:
        if hasattr(stimulus, "dim"):
            amps = np.asarray(_plain(stimulus, amp, "stimulus"), dtype=float)
        else:
            amps = np.asarray(stimulus, dtype=float) * 1e-12  # pA
        table, offsets, lengths = _stimulus_table(amps, n)
    namespace = {"I_stim": make_stimulus_function(table, unit=amp, name="izh_stimulus_amp")}
    spec = get_scheme(scheme)
    threshold = spec.threshold
    kwargs = {}
    if codeobj_class is not None:
        kwargs["codeobj_class"] = codeobj_class
    G = NeuronGroup(
        n,
        EQUATIONS_2007,
        threshold=threshold,
        reset="v = c\nu = u + d",
        method=scheme_stateupdater(scheme) if spec.is_custom else scheme,
        dt=dt_ms * ms,
        namespace=namespace,
        name=name or "izhikevich2007*",
        **kwargs,
    )
    if spec.spike_first:
        _detect_spikes_first(G)
    G.C = _plain(C, pF, "C") * pF
    G.k = _plain(k, nS / mV, "k") * nS / mV
    G.vr = _plain(vr, mV, "vr") * mV
    G.vt = _plain(vt, mV, "vt") * mV
    G.vpeak = _plain(vpeak, mV, "vpeak") * mV
    G.a = _plain(a, 1 / ms, "a") / ms
    G.b = _plain(b, nS, "b") * nS
    G.c = _plain(c, mV, "c") * mV
    G.d = _plain(d, pA, "d") * pA
    G.v = _plain(vr if v0 is None else v0, mV, "v0") * mV
    G.u = _plain(u0, pA, "u0") * pA
    G.stim_offset = offsets
    G.stim_len = lengths
    return G


def _plain_min(v_min):
    arr = np.asarray(v_min / mV if hasattr(v_min, "dim") else v_min, dtype=float)
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"v_min must be a number of mV or -inf, got {v_min!r}")
    return arr


def _add_current(stim: np.ndarray, current) -> np.ndarray:
    """``stim`` (its last row holding past its end) plus ``current`` (zero past its end), row by row."""
    cur = np.asarray(current, dtype=float)
    if cur.ndim not in (1, 2) or not np.all(np.isfinite(cur)):
        raise ValueError(f"current_in must be a finite array of shape (n_steps,) or (n_steps, n), got shape {cur.shape}")
    rows = max(stim.shape[0], cur.shape[0])
    if stim.ndim == 1 and cur.ndim == 2:
        stim = stim[:, None]
    if cur.ndim == 1 and stim.ndim == 2:
        cur = cur[:, None]
    stim = np.concatenate([stim, np.repeat(stim[-1:], rows - stim.shape[0], axis=0)], axis=0)
    cur = np.concatenate([cur, np.zeros((rows - cur.shape[0],) + cur.shape[1:])], axis=0)
    return stim + cur


def _stimulus_table(stim: np.ndarray, n: int):
    if stim.ndim == 1:
        stim = stim[:, None]
    if stim.ndim != 2 or stim.shape[1] not in (1, n):
        raise ValueError(f"stimulus must have shape (n_steps,) or (n_steps, {n}), got {stim.shape}")
    if not np.all(np.isfinite(stim)):
        raise ValueError("stimulus contains inf or NaN")
    steps = stim.shape[0]
    if stim.shape[1] == 1:
        return stim[:, 0].copy(), np.zeros(n, dtype=np.int32), np.full(n, steps, dtype=np.int32)
    table = np.ascontiguousarray(stim.T).ravel()
    return table, (np.arange(n) * steps).astype(np.int32), np.full(n, steps, dtype=np.int32)


def _as_ms(x, what):
    if hasattr(x, "dim"):
        ratio = x / ms
        if getattr(ratio, "dim", None) is not None and not ratio.is_dimensionless:
            raise ValueError(f"{what} must be a time (e.g. 0.25*ms), got {x!r}")
        return float(ratio)
    try:
        return float(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a number of ms, got {x!r}") from exc


def _count_and_step(n, dt) -> tuple[int, float]:
    """``(n, dt in ms)`` of a group to build, refusing a count below 1 or a step that is not a positive
    number of ms (both builders)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be a positive number of neurons, got {n}")
    dt_ms = _as_ms(dt, "dt")
    if not (dt_ms > 0) or not np.isfinite(dt_ms):
        raise ValueError(f"dt must be a positive number of ms, got {dt_ms!r}")
    return n, dt_ms


def _plain(x, unit, what):
    """Strip ``unit`` from a Brian2 quantity; plain numbers are taken as already in that unit."""
    if hasattr(x, "dim") and not (isinstance(unit, int) and unit == 1):
        ratio = x / unit
        if getattr(ratio, "dim", None) is not None and not ratio.is_dimensionless:
            raise ValueError(f"{what} has the wrong units: {x!r} (expected units of {unit!r})")
        return np.asarray(ratio, dtype=float)
    if hasattr(x, "dim"):
        if x.dim != (1 * mV / mV).dim:
            raise ValueError(f"{what} must be dimensionless, got {x!r}")
        return np.asarray(x, dtype=float)
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return arr
