"""The scheme registry: one :class:`Scheme` record per numerical scheme (update order, threshold
inequality, spike stamp, input delay, V_min), and the state updaters that emit each program's loop."""

from __future__ import annotations

import re
from dataclasses import dataclass

from brian2.stateupdaters.base import StateUpdateMethod

from izh_brian.model.equations import BRIAN2_METHODS

__all__ = [
    "SCHEMES",
    "Scheme",
    "SCHEME_REGISTRY",
    "get_scheme",
    "CUSTOM_SCHEMES",
    "check_scheme",
    "NEST_SCHEMES",
    "scheme_stateupdater",
]


def check_scheme(scheme: str) -> str:
    """Return ``scheme`` if it is a known scheme name, else raise a ValueError naming the allowed ones."""
    if not isinstance(scheme, str) or scheme not in SCHEME_REGISTRY:
        raise ValueError(f"unknown scheme {scheme!r}; allowed: {', '.join(SCHEME_REGISTRY)}")
    return scheme


def get_scheme(scheme: str) -> Scheme:
    """The :class:`Scheme` record of ``scheme`` (a ValueError names the allowed ones)."""
    return SCHEME_REGISTRY[check_scheme(scheme)]


def scheme_stateupdater(scheme: str):
    """The Brian2 state-update method for ``scheme``: a callable for the custom schemes, else the name."""
    return _with_own_steps(get_scheme(scheme).updater)


def _with_own_steps(method):
    """Wrap a state updater so that each neuron advances by its own step ``h`` every ``stride`` ticks.

    A group whose equations define ``stride`` and ``h`` ticks at the greatest
    common divisor of its neurons' steps; a neuron with step ``h = stride*dt``
    is updated on ticks ``k*stride`` only (on the others its step is 0, which
    leaves v and u unchanged exactly). This lets presets with different dt run
    in one NeuronGroup, so that they share one set of compiled code. Equations
    without ``stride`` get the updater unchanged.
    """

    def updater(equations, variables=None, method_options=None):
        if callable(method):
            code = method(equations, variables, method_options)
        else:
            code = StateUpdateMethod.apply_stateupdater(equations, variables, method, method_options)
        if variables is None or "stride" not in variables or getattr(method, "own_steps", False):
            return code
        body = re.sub(r"\bdt\b", "_h", code)
        return "_h = h*int(t_in_timesteps % stride == 0)\n" + body

    updater.__name__ = getattr(method, "__name__", str(method))
    return updater


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


def _nest_code(consistent: bool) -> str:
    # izh_brian.model.nest_exact: NEST's expression order in mV/ms on the state vn (mV); a neuron
    # changes only on its own steps (the V_min clamp included), so mixed-dt groups step as NEST does.
    ci, v_for_u = (1, "_vo") if consistent else (0, "_vw")
    return "\n".join([
        "_own = int(t_in_timesteps % stride == 0)",
        "_k = int(t_in_timesteps / stride)",
        "_vo = izh_mv(v, vn)",
        f"_vw = izh_nest_v(_own, {ci}, _vo, u, I_stim(_k, stim_offset, stim_len), I_e, I_ext, "
        "izh_spikes_in(_k, w_offset, w_len), h_ms, k2, k1, k0)",
        f"u = izh_nest_u(_own, {v_for_u}, u, h_ms, a, b, v_u, g_u)",
        "vn = izh_nest_clamp(_own, _vw, izh_mv(v_min, v_min_mV))",
        "v = izh_si(vn)",
    ])


def _nest_updater(equations, variables=None, method_options=None):
    # izhikevich.cpp, consistent_integration = true: both from the old values,
    # then the V_min clamp (threshold and reset follow in Brian2's own slots).
    _diff_exprs(equations)
    return _nest_code(True)


def _nest_published_updater(equations, variables=None, method_options=None):
    # izhikevich.cpp, consistent_integration = false (the published net.m
    # scheme): two half steps of v, u from the new v, then the V_min clamp.
    _diff_exprs(equations)
    return _nest_code(False)


_nest_updater.own_steps = _nest_published_updater.own_steps = True


@dataclass(frozen=True)
class Scheme:
    """One numerical scheme: every rule in which the schemes differ, in one record.

    The builder (:func:`make_neurons`), the runner (:func:`izh_brian.simulation.simulate_many`),
    the network and the NEST layer read these fields; adding a scheme is adding a record to
    :data:`SCHEME_REGISTRY`.

    Attributes
    ----------
    name : str
    updater : callable or str
        The state update: a callable emitting abstract code (the programs' own loops), or a
        Brian2 method name.
    spike_first : bool
        The spike test runs before the update, on the v left by the previous step (net.m);
        otherwise after it (figure1.m, Brian2's default order).
    inclusive_threshold : bool
        A spike is ``v >= vpeak`` (net.m, NEST) rather than ``v > vpeak`` (figure1.m).
    stamp_offset_steps : int
        Steps added to the step in which v crossed to give the reported spike time: 1 under
        NEST, which stamps a spike at the end of its step, else 0.
    input_delay_steps : int
        Steps by which injected current acts late: 1 under NEST (a device current reaches the
        neuron in the next step), else 0.
    has_v_min : bool
        The group carries NEST's lower bound ``V_min`` of v as a per-neuron variable.
    network : bool
        Usable for the 2003 network (figure1.m's order is a single-neuron program).
    nest_consistent_integration : bool or None
        The value of NEST's ``consistent_integration`` that this scheme reproduces (None: not a
        NEST scheme).
    source : str
        The program or document whose loop the scheme reproduces.
    """

    name: str
    updater: object
    spike_first: bool = False
    inclusive_threshold: bool = False
    stamp_offset_steps: int = 0
    input_delay_steps: int = 0
    has_v_min: bool = False
    network: bool = True
    nest_consistent_integration: bool | None = None
    source: str = ""

    @property
    def threshold(self) -> str:
        """The spike condition as Brian2 code."""
        return "v >= vpeak" if self.inclusive_threshold else "v > vpeak"

    @property
    def is_custom(self) -> bool:
        """True for the schemes written here (not a Brian2 method)."""
        return callable(self.updater)


_SCHEME_LIST = (
    Scheme("figure1", _figure1_updater, network=False,
           source="figure1.m (Izhikevich 2004, Fig. 1): v first, then u from the new v, then v > 30"),
    Scheme("net2003", _net2003_updater, spike_first=True, inclusive_threshold=True,
           source="net.m (Izhikevich 2003): v >= 30 tested first, two half steps of v, u from the new v"),
    Scheme("nest", _nest_updater, inclusive_threshold=True, stamp_offset_steps=1, input_delay_steps=1,
           has_v_min=True, nest_consistent_integration=True,
           source="NEST izhikevich.cpp, consistent_integration = true"),
    Scheme("nest_published", _nest_published_updater, inclusive_threshold=True, stamp_offset_steps=1,
           input_delay_steps=1, has_v_min=True, nest_consistent_integration=False,
           source="NEST izhikevich.cpp, consistent_integration = false (net.m's integration)"),
) + tuple(Scheme(m, m, source=f"Brian2's {m!r} method on the ODE, threshold and reset after the update")
          for m in BRIAN2_METHODS)


#: Every scheme by name, in the order they are listed to users.
SCHEME_REGISTRY = {s.name: s for s in _SCHEME_LIST}


#: All scheme names.
SCHEMES = tuple(SCHEME_REGISTRY)


#: Schemes implemented here (the others are Brian2 methods).
CUSTOM_SCHEMES = tuple(n for n, s in SCHEME_REGISTRY.items() if s.is_custom)


#: Schemes that follow NEST's ``izhikevich`` model: ``v >= V_th``, ``V_min``
#: clamp, spike stamped at the end of the step, device input one step late.
NEST_SCHEMES = tuple(n for n, s in SCHEME_REGISTRY.items() if s.has_v_min)
