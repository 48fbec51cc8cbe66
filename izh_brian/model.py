r"""The Izhikevich model as Brian2 equations, its numerical schemes, and the NeuronGroup builder.

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
any Brian2 method name (``euler``, ``rk2``, ``rk4``, ``heun``, ...)
    Brian2 integrates the ODE; the spike test ``v > 30`` follows the update.
"""

from __future__ import annotations

import warnings

import numpy as np
from brian2 import (
    Function,
    NeuronGroup,
    check_units,
    mV,
    ms,
    second,
    volt,
)

__all__ = [
    "SCHEMES",
    "CUSTOM_SCHEMES",
    "VARIANTS",
    "EQUATIONS",
    "check_scheme",
    "make_neurons",
    "make_stimulus_function",
    "scheme_stateupdater",
]

#: Coefficients of the three equation variants: (k2, k1, k0, v_u in mV, g_u).
VARIANTS = {
    "standard": (0.04, 5.0, 140.0, 0.0, 1.0),
    "class1": (0.04, 4.1, 108.0, 0.0, 1.0),
    "accommodation": (0.04, 5.0, 140.0, -65.0, 0.0),
}

#: Schemes implemented here (the Brian2 method names are accepted too).
CUSTOM_SCHEMES = ("figure1", "net2003")

#: Brian2 explicit methods accepted as scheme names.
BRIAN2_METHODS = ("euler", "rk2", "rk4", "heun", "milstein", "exponential_euler")

SCHEMES = CUSTOM_SCHEMES + BRIAN2_METHODS

#: The model equations. ``I_stim`` reads the sampled protocol of each neuron from
#: one flat table (see :func:`make_stimulus_function`); ``I_ext`` is a free
#: per-neuron current for synapses, noise or a constant drive.
EQUATIONS = """
dv/dt = k2*v**2/(mV*ms) + k1*v/ms + k0*mV/ms - u + I_stim(t_in_timesteps, stim_offset, stim_len) + I_ext : volt
du/dt = a*(b*(v - v_u)/ms - g_u*u)/ms : volt/second
a : 1
b : 1
c : volt
d : volt/second
k2 : 1
k1 : 1
k0 : 1
v_u : volt
g_u : 1
vpeak : volt
I_ext : volt/second
stim_offset : integer (constant)
stim_len : integer (constant)
"""

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

def make_stimulus_function(table: np.ndarray) -> Function:
    """A Brian2 function ``I_stim(k, offset, n)`` reading ``table[offset + min(k, n-1)]``.

    ``table`` holds, back to back, the sampled protocol of every neuron (mV/ms,
    the paper's units; 1 mV/ms = 1 V/s, so the numbers are stored unchanged).
    The generated code does not depend on the table's size, so every preset and
    every dt reuse one compiled function.
    """
    table = np.ascontiguousarray(table, dtype=np.float64)
    if table.size == 0:
        table = np.zeros(1)

    @check_units(k=1, offset=1, n=1, result=volt / second)
    def izh_stimulus(k, offset, n):
        k = np.clip(np.asarray(k), 0, np.maximum(np.asarray(n) - 1, 0))
        out = table[np.asarray(offset) + k]
        return np.where(np.asarray(n) > 0, out, 0.0) * volt / second

    def numpy_impl(k, offset, n):
        k = np.clip(np.asarray(k), 0, np.maximum(np.asarray(n) - 1, 0))
        return np.where(np.asarray(n) > 0, table[np.asarray(offset) + k], 0.0)

    f = Function(
        izh_stimulus,
        arg_units=[1, 1, 1],
        return_unit=volt / second,
        arg_types=["integer", "integer", "integer"],
        return_type="float",
        stateless=True,
    )
    f.implementations.add_implementation("numpy", numpy_impl, name=_STIM_NAME)
    f.implementations.add_implementation(
        "cython", _CYTHON_STIM, namespace={_STIM_VALUES: table}, name=_STIM_NAME
    )
    return f


def check_scheme(scheme: str) -> str:
    """Return ``scheme`` if it is a known scheme name, else raise a ValueError naming the allowed ones."""
    if not isinstance(scheme, str) or scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; allowed: {', '.join(SCHEMES)}")
    return scheme


def scheme_stateupdater(scheme: str):
    """The Brian2 state-update method for ``scheme``: a callable for the custom schemes, else the name."""
    check_scheme(scheme)
    if scheme == "figure1":
        return _figure1_updater
    if scheme == "net2003":
        return _net2003_updater
    return scheme


def _diff_exprs(equations):
    exprs = dict((name, expr.code) for name, expr in equations.diff_eq_expressions)
    if set(exprs) != {"v", "u"}:
        raise ValueError(f"the Izhikevich schemes integrate v and u only, got {sorted(exprs)}")
    return exprs["v"], exprs["u"]


def _figure1_updater(equations, variables=None, method_options=None):
    # Sequential statements: u's update sees the new v (figure1.m).
    fv, fu = _diff_exprs(equations)
    return f"v = v + dt*({fv})\nu = u + dt*({fu})"


def _net2003_updater(equations, variables=None, method_options=None):
    # net.m: two half steps of v with u and I held, then u from the new v.
    fv, fu = _diff_exprs(equations)
    return f"v = v + 0.5*dt*({fv})\nv = v + 0.5*dt*({fv})\nu = u + dt*({fu})"


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
        Spike cut-off (mV): ``v > vpeak`` (``v >= vpeak`` under ``net2003``).
    codeobj_class : optional
        Brian2 code-object class; default follows ``prefs.codegen.target``
        (Cython when a compiler works, numpy with a warning otherwise).
    name : str, optional
        Brian2 name of the group.

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
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be a positive number of neurons, got {n}")
    dt_ms = _as_ms(dt, "dt")
    if not (dt_ms > 0) or not np.isfinite(dt_ms):
        raise ValueError(f"dt must be a positive number of ms, got {dt_ms!r}")
    variants = [variant] * n if isinstance(variant, str) else list(variant)
    if len(variants) != n:
        raise ValueError(f"give one variant or {n}, got {len(variants)}")
    for v in variants:
        if v not in VARIANTS:
            raise ValueError(f"unknown equation variant {v!r}; allowed: {', '.join(VARIANTS)}")
    coeffs = np.array([VARIANTS[v] for v in variants])

    if scheme == "net2003":
        threshold, reset = "v >= vpeak", "v = c\nu = u + d"
    else:
        threshold, reset = "v > vpeak", "v = c\nu = u + d"

    if stimulus is None:
        table, offsets, lengths = np.zeros(1), np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    else:
        table, offsets, lengths = _stimulus_table(np.asarray(stimulus, dtype=float), n)

    namespace = {"I_stim": make_stimulus_function(table)}
    kwargs = {}
    if codeobj_class is not None:
        kwargs["codeobj_class"] = codeobj_class
    G = NeuronGroup(
        n,
        EQUATIONS,
        threshold=threshold,
        reset=reset,
        method=scheme_stateupdater(scheme),
        dt=dt_ms * ms,
        namespace=namespace,
        name=name or "izhikevich*",
        **kwargs,
    )
    if scheme == "net2003":
        # net.m detects and resets spikes at the start of a step, from the
        # state the previous step left, before the update.
        G.thresholder["spike"].when = "before_groups"
        G.thresholder["spike"].order = -2
        G.resetter["spike"].when = "before_groups"
        G.resetter["spike"].order = -1
    G.a = _plain(a, 1, "a")
    G.b = _plain(b, 1, "b")
    G.c = _plain(c, mV, "c") * mV
    G.d = _plain(d, mV / ms, "d") * mV / ms
    G.k2, G.k1, G.k0 = coeffs[:, 0], coeffs[:, 1], coeffs[:, 2]
    G.v_u = coeffs[:, 3] * mV
    G.g_u = coeffs[:, 4]
    G.vpeak = _plain(vpeak, mV, "vpeak") * mV
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
    return G


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
        try:
            return float(x / ms)
        except Exception as exc:  # DimensionMismatchError
            raise ValueError(f"{what} must be a time (e.g. 0.25*ms), got {x!r}") from exc
    try:
        return float(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a number of ms, got {x!r}") from exc


def _plain(x, unit, what):
    """Strip ``unit`` from a Brian2 quantity; plain numbers are taken as already in that unit."""
    if hasattr(x, "dim") and not (isinstance(unit, int) and unit == 1):
        try:
            return np.asarray(x / unit, dtype=float)
        except Exception as exc:
            raise ValueError(f"{what} has the wrong units: {x!r}") from exc
    if hasattr(x, "dim"):
        if x.dim != (1 * mV / mV).dim:
            raise ValueError(f"{what} must be dimensionless, got {x!r}")
        return np.asarray(x, dtype=float)
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return arr


def codegen_fallback_warning():  # pragma: no cover - depends on the machine
    """Warn once if Cython is not usable (Brian2 then runs numpy code)."""
    try:
        from brian2.codegen.runtime.cython_rt import CythonCodeObject

        if not CythonCodeObject.is_available():
            warnings.warn(
                "izh_brian: no working C compiler for Cython; falling back to Brian2's numpy target (slower).",
                RuntimeWarning,
                stacklevel=2,
            )
            return False
    except Exception:
        return False
    return True


_ = second  # re-exported unit used in docs
