r"""The 2003 cortical network (``net.m``) on Brian2: builder, scenarios, scale (its rhythm analysis is in
:mod:`izh_brian.network.analysis`).

Izhikevich (2003) closes "Simple model of spiking neurons" with a network of
800 excitatory and 200 inhibitory neurons, randomly coupled all-to-all and
driven by random thalamic input. Its raster shows the cortex-like alpha
(about 10 Hz) and gamma (about 40 Hz) rhythms. The program that made it,
``net.m``, integrates in 1 ms steps with its own order of events (reference
section 4): each step

1. the thalamic input is drawn, :math:`I_i = 5\,\xi_i` (excitatory) or
   :math:`2\,\xi_i` (inhibitory), :math:`\xi_i \sim N(0, 1)`;
2. the neurons with :math:`v \ge 30` mV (the state left by the previous step)
   fire: the spike is recorded at this step's t, then :math:`v \leftarrow c`,
   :math:`u \leftarrow u + d`;
3. their weights act in this same step, :math:`I_i \mathrel{+}= \sum_{j\ \text{fired}} S_{ij}`;
4. v advances in two half steps with u and I held, then u one full step from
   the new v.

:func:`simulate_network` builds this with :func:`izh_brian.model.neurons.make_neurons`
under the ``net2003`` scheme and schedules the Brian2 objects of one time step
in net.m's order::

    before_groups -3  I_ext = thalamic noise of this step     (run_regularly)
    before_groups -2  fired = v >= vpeak                      (thresholder)
    before_groups -1  v = c, u += d; spikes recorded          (resetter, SpikeMonitor)
    before_groups  0  I_ext_post += w for every fired neuron  (synaptic pathway, no delay)
    groups            two half steps of v, u from the new v   (state updater)

Under a Brian2 method (``euler``, ``rk4``, ...) the network keeps Brian2's own
order instead: update, then threshold, then the synapses, which act on the
next step's update (the noise of the next step is set right after the update).
The NEST schemes of :mod:`izh_brian.model` (``nest_published`` is NEST's
``izhikevich`` with ``consistent_integration = False``, net.m's update;
``nest`` its default forward Euler) keep that order too, which is NEST's
(spikes reach their targets after one step, the minimal delay), and stamp a
spike at the end of its step (``(k + 1) dt``) as NEST does.

Randomness
----------
All random numbers come from ``numpy.random.default_rng(seed)`` in the order
of net.m (see :func:`draw_network`): re, ri, the weights, then the thalamic
input, one normal N-vector per step. With ``noise='table'`` the whole input
(steps x N) is drawn up front and fed to Brian2 through a table, so the
network is exactly net.m's with those draws (``izh_brian.network.netm`` and the tests'
oracle reproduce its raster). A table for 10^5 neurons x 10 s does not fit in
memory: ``noise='brian2'`` draws the input with Brian2's own ``randn()``
(seeded by ``brian2.seed(seed)``), the same statistics but not the same
numbers. ``noise='auto'`` (default) takes the table when it is small.

Analysis
--------
Rates per population, the population rate (spikes per neuron per second in
bins), its Welch spectrum with the dominant frequency and the alpha (8-13 Hz)
and gamma (30-50 Hz) band powers, and Golomb's synchrony measure
:math:`\chi`.

References
----------
E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural
Networks 14(6):1569-1572, 2003 (and its program net.m).
D. Golomb, "Neuronal synchrony measures", Scholarpedia 2(1):1347, 2007.
"""

from __future__ import annotations

import difflib
import math
import sys
import time
from dataclasses import dataclass, field, replace

import brian2
import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, Synapses, ms, mV, second, volt

from izh_brian.limits import ResourceLimitError, check_work, current_limits
from izh_brian.model.neurons import make_neurons, make_stimulus_function
from izh_brian.model.schemes import SCHEME_REGISTRY, get_scheme
from izh_brian.network.analysis import analyze_spikes, compute_population_rate, compute_rates, compute_spectrum
from izh_brian.presets import get_preset
from izh_brian.simulation import DivergenceError

__all__ = [
    "Scenario",
    "SCENARIOS",
    "NetworkSpec",
    "NetworkResult",
    "NetworkTooLargeError",
    "get_scenario",
    "make_spec",
    "draw_network",
    "estimate_memory",
    "check_memory",
    "memory_limit_bytes",
    "build_network",
    "run_network",
    "simulate_network",
]


#: The paper's population sizes and in-degrees (net.m is all-to-all with self-connections).
PAPER_NE, PAPER_NI = 800, 200


#: Dense connectivity is used up to this many synapses when ``connectivity='auto'``.
AUTO_DENSE_MAX_SYNAPSES = 4_000_000


#: A noise table is used up to this many values when ``noise='auto'`` (512 MiB of doubles).
AUTO_TABLE_MAX_VALUES = 64 * 1024 * 1024


#: Default in-degree of the fixed in-degree connectivity.
DEFAULT_INDEGREE = 100


class NetworkTooLargeError(MemoryError, ResourceLimitError):
    """The network would not fit in memory (or is over a limit of :mod:`izh_brian.limits`); the message gives
    the estimate and the limit."""


@dataclass(frozen=True)
class Scenario:
    """A named configuration of the 2003 network (net.m of Izhikevich 2003, Fig. 3).

    Attributes
    ----------
    name : str
    exc, inh : str
        Preset names of the excitatory and inhibitory cell types (the random
        spread of net.m is applied around them).
    we, wi : float
        Weight scales: excitatory weights ``we*rand``, inhibitory ``-wi*rand`` (mV/ms).
    description : str
    """

    name: str
    exc: str
    inh: str
    we: float
    wi: float
    description: str


def _scenarios():
    s = [
        Scenario("paper", "RS", "LTS", 0.5, 1.0,
                 "net.m as published: RS-based excitatory cells (c, d spread), LTS-to-FS inhibitory cells "
                 "(a, b spread), weights 0.5 rand and -rand; alpha and gamma episodes."),
        Scenario("S1", "RS", "LTS", 0.6, 1.6, "weights scaled to 0.6 (exc) and 1.6 (inh)"),
        Scenario("S2", "RS", "LTS", 0.6, 0.6, "weights scaled to 0.6 (exc) and 0.6 (inh)"),
        Scenario("S3", "RS", "LTS", 0.3, 0.1, "weights scaled to 0.3 (exc) and 0.1 (inh)"),
        Scenario("S4", "RS", "LTS", 0.1, 0.1, "weights scaled to 0.1 (exc) and 0.1 (inh)"),
        Scenario("S5", "RS", "LTS", 0.3, 0.2, "weights scaled to 0.3 (exc) and 0.2 (inh)"),
        Scenario("RS_CH", "RS", "CH", 0.5, 1.0, "regular-spiking excitatory, chattering inhibitory cells"),
        Scenario("RS_TC", "RS", "TC", 0.5, 1.0, "regular-spiking excitatory, thalamo-cortical inhibitory cells"),
        Scenario("RZ_RS", "RZ", "RS", 0.5, 1.0, "resonator excitatory, regular-spiking inhibitory cells"),
        Scenario("IB_IB", "IB", "IB", 0.5, 1.0, "intrinsically bursting cells in both populations"),
    ]
    return {x.name: x for x in s}


#: The named scenarios: ``paper``, ``S1`` .. ``S5``, ``RS_CH``, ``RS_TC``, ``RZ_RS``, ``IB_IB``.
SCENARIOS: dict[str, Scenario] = _scenarios()


def get_scenario(name) -> Scenario:
    """The scenario called ``name`` (case-insensitive); a ValueError lists the allowed names."""
    if isinstance(name, Scenario):
        return name
    key = {k.lower(): k for k in SCENARIOS}.get(str(name).lower())
    if key is None:
        close = difflib.get_close_matches(str(name), list(SCENARIOS), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(f"unknown scenario {name!r}{hint}; allowed: {', '.join(SCENARIOS)}")
    return SCENARIOS[key]


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that defines one network run (resolved, validated).

    Attributes
    ----------
    scenario : str
    n_exc, n_inh : int
        Population sizes (excitatory neurons are 0 .. n_exc-1).
    exc, inh : str
        Preset names of the two cell types.
    we, wi : float
        Weight scales (mV/ms): excitatory ``we*rand``, inhibitory ``-wi*rand``.
    sigma_e, sigma_i : float
        Thalamic noise amplitudes (mV/ms): 5 and 2 in net.m.
    scheme : str
        ``net2003`` or a Brian2 method.
    dt_ms, duration_ms : float
        Step and duration (net.m: 1 ms, 1000 ms). Steps ``k = 0 .. n_steps-1``
        at ``t = k*dt``.
    seed : int
    connectivity : str
        ``dense`` (all-to-all with self-connections, as net.m) or ``fixed_indegree``.
    indegree : int
        Inputs per neuron (``fixed_indegree``; n_exc + n_inh when dense).
    noise : str
        ``table`` (numpy draws, exact) or ``brian2`` (Brian2's randn).
    scale_e, scale_i : float
        Factors on the weights keeping the mean summed input of the paper's
        800 + 200 inputs: ``800/K_e`` and ``200/K_i`` (1 for the paper's network).
    """

    scenario: str
    n_exc: int
    n_inh: int
    exc: str
    inh: str
    we: float
    wi: float
    sigma_e: float
    sigma_i: float
    scheme: str
    dt_ms: float
    duration_ms: float
    seed: int
    connectivity: str
    indegree: int
    noise: str
    scale_e: float
    scale_i: float

    @property
    def n(self) -> int:
        return self.n_exc + self.n_inh

    @property
    def n_steps(self) -> int:
        return int(round(self.duration_ms / self.dt_ms))

    @property
    def k_exc(self) -> int:
        """Excitatory inputs per neuron."""
        if self.connectivity == "dense":
            return self.n_exc
        return _split_indegree(self.indegree, self.n_exc, self.n_inh)[0]

    @property
    def k_inh(self) -> int:
        """Inhibitory inputs per neuron."""
        if self.connectivity == "dense":
            return self.n_inh
        return _split_indegree(self.indegree, self.n_exc, self.n_inh)[1]

    @property
    def n_synapses(self) -> int:
        return self.n * (self.k_exc + self.k_inh)


def _split_indegree(k, ne, ni):
    ke = int(round(k * ne / (ne + ni)))
    ke = min(max(ke, 1 if ne else 0), k) if ne else 0
    ki = k - ke if ni else 0
    return ke, ki


def _int(x, what, lo=0):
    try:
        xi = int(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an integer, got {x!r}") from None
    if xi != x and not (isinstance(x, str)):
        raise ValueError(f"{what} must be an integer, got {x!r}")
    if xi < lo:
        raise ValueError(f"{what} must be >= {lo}, got {x!r}")
    return xi


def _float(x, what, positive=False, nonneg=False):
    try:
        xf = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {x!r}") from None
    if not math.isfinite(xf):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    if positive and not xf > 0:
        raise ValueError(f"{what} must be > 0, got {x!r}")
    if nonneg and xf < 0:
        raise ValueError(f"{what} must be >= 0, got {x!r}")
    return xf


def make_spec(scenario="paper", *, ne=None, ni=None, exc=None, inh=None, we=None, wi=None, sigma_e=5.0,
              sigma_i=2.0, scheme="net2003", dt=1.0, duration_ms=1000.0, seed=0, connectivity="auto",
              indegree=None, noise="auto") -> NetworkSpec:
    """Resolve a scenario and overrides into a validated :class:`NetworkSpec`.

    Parameters
    ----------
    scenario : str
        One of :data:`SCENARIOS`; its types and weight scales are the defaults.
    ne, ni : int, optional
        Population sizes (default 800, 200).
    exc, inh : str, optional
        Preset names of the cell types (any of :data:`izh_brian.PRESETS`).
    we, wi : float, optional
        Weight scales (mV/ms).
    sigma_e, sigma_i : float
        Thalamic noise amplitudes (mV/ms).
    scheme : str
        ``net2003`` (default), a NEST scheme (``nest_published``, ``nest``) or
        a Brian2 method name.
    dt : float
        Step (ms), 1 in net.m. The thalamic input is drawn afresh every step
        with the same SD, and a spike's weight acts for one step, as in net.m;
        other steps therefore change the effective noise and coupling.
    duration_ms : float
    seed : int
    connectivity : str
        ``dense``, ``fixed_indegree`` or ``auto`` (dense up to
        :data:`AUTO_DENSE_MAX_SYNAPSES` synapses).
    indegree : int, optional
        Inputs per neuron for ``fixed_indegree`` (default 100, at most N).
    noise : str
        ``table``, ``brian2`` or ``auto``.

    Raises
    ------
    ValueError
        Unknown scenario, preset, scheme, connectivity or noise; bad numbers.
    """

    sc = get_scenario(scenario)
    ne = PAPER_NE if ne is None else _int(ne, "ne (number of excitatory neurons)", 0)
    ni = PAPER_NI if ni is None else _int(ni, "ni (number of inhibitory neurons)", 0)
    if ne + ni < 1:
        raise ValueError(f"the network needs at least one neuron, got ne={ne}, ni={ni}")
    exc = get_preset(exc if exc is not None else sc.exc).name
    inh = get_preset(inh if inh is not None else sc.inh).name
    we = sc.we if we is None else _float(we, "we (excitatory weight scale)", nonneg=True)
    wi = sc.wi if wi is None else _float(wi, "wi (inhibitory weight scale)", nonneg=True)
    sigma_e = _float(sigma_e, "sigma_e", nonneg=True)
    sigma_i = _float(sigma_i, "sigma_i", nonneg=True)
    if not get_scheme(scheme).network:
        allowed = ", ".join(n for n, sc in SCHEME_REGISTRY.items() if sc.network)
        raise ValueError(f"scheme {scheme!r} is a single-neuron scheme ({get_scheme(scheme).source}); "
                         f"the network takes one of: {allowed}")
    dt = _float(dt, "dt (ms)", positive=True)
    duration_ms = _float(duration_ms, "duration (ms)", positive=True)
    n_steps = int(round(duration_ms / dt))
    if n_steps < 1 or abs(n_steps * dt - duration_ms) > 1e-9 * max(1.0, duration_ms):
        raise ValueError(f"duration {duration_ms:g} ms must be a positive multiple of dt = {dt:g} ms")
    seed = _int(seed, "seed", 0)
    n = ne + ni
    if connectivity not in ("auto", "dense", "fixed_indegree"):
        raise ValueError(f"unknown connectivity {connectivity!r}; allowed: auto, dense, fixed_indegree")
    if connectivity == "auto":
        connectivity = "dense" if (indegree is None and n * n <= AUTO_DENSE_MAX_SYNAPSES) else "fixed_indegree"
    if connectivity == "dense":
        if indegree is not None and _int(indegree, "indegree") != n:
            raise ValueError(f"dense connectivity has in-degree N = {n}; got indegree={indegree} "
                             "(use connectivity='fixed_indegree')")
        indegree = n
    else:
        if indegree is None:
            indegree = min(DEFAULT_INDEGREE, n)
        else:
            indegree = _int(indegree, "indegree", 1)
            if indegree > n:
                raise ValueError(f"indegree must be at most the number of presynaptic neurons (ne + ni = {n}), "
                                 f"got indegree={indegree}")
    if noise not in ("auto", "table", "brian2"):
        raise ValueError(f"unknown noise mode {noise!r}; allowed: auto, table, brian2")
    if noise == "auto":
        noise = "table" if n * n_steps <= AUTO_TABLE_MAX_VALUES else "brian2"
    spec = NetworkSpec(sc.name, ne, ni, exc, inh, we, wi, sigma_e, sigma_i, scheme, dt, duration_ms, seed,
                       connectivity, indegree, noise, 1.0, 1.0)
    ke, ki = spec.k_exc, spec.k_inh
    return replace(spec, scale_e=(PAPER_NE / ke) if ke else 1.0, scale_i=(PAPER_NI / ki) if ki else 1.0)


@dataclass
class Draws:
    """The random network of one seed, in plain arrays (paper units).

    ``pre``, ``post``, ``w`` list the synapses (weight ``w`` from ``pre``
    onto ``post``, mV/ms). ``noise`` is the thalamic input, shape
    ``(n_steps, N)``, or ``None`` under ``noise='brian2'``.
    """

    re: np.ndarray
    ri: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray
    variant: list
    pre: np.ndarray
    post: np.ndarray
    w: np.ndarray
    noise: np.ndarray | None
    noise_scale: np.ndarray

    def dense_weights(self, n):
        """The weight matrix ``S[i, j]`` (from j onto i) of a dense network."""
        S = np.zeros((n, n))
        np.add.at(S, (self.post, self.pre), self.w)
        return S


def cell_parameters(exc, inh, re, ri):
    """Parameters with net.m's random spread around two presets.

    Excitatory (from preset ``exc``): :math:`c = c_0 + 15 r_e^2`,
    :math:`d = d_0 - 6 r_e^2`. Inhibitory (from ``inh``):
    :math:`a = a_0 + 0.08 r_i`, :math:`b = b_0 - 0.05 r_i`. With ``exc='RS'``
    and ``inh='LTS'`` these are net.m's own formulas (RS at ``r_e = 0``;
    LTS at ``r_i = 0`` and FS at ``r_i = 1``).

    Returns
    -------
    a, b, c, d : ndarray
    variant : list of str
    """

    pe, pi = get_preset(exc), get_preset(inh)
    ne, ni = len(re), len(ri)
    a = np.concatenate([pe.a * np.ones(ne), pi.a + 0.08 * ri])
    b = np.concatenate([pe.b * np.ones(ne), pi.b - 0.05 * ri])
    c = np.concatenate([pe.c + 15 * re**2, pi.c * np.ones(ni)])
    d = np.concatenate([pe.d - 6 * re**2, pi.d * np.ones(ni)])
    return a, b, c, d, [pe.variant] * ne + [pi.variant] * ni


def draw_network(spec: NetworkSpec) -> Draws:
    """Draw the random network of ``spec.seed`` in net.m's order.

    From ``rng = numpy.random.default_rng(seed)``: ``re = rng.random(Ne)``,
    ``ri = rng.random(Ni)``; dense weights ``we*rng.random((N, Ne))`` then
    ``-wi*rng.random((N, Ni))`` (``S[i, j]`` from j onto i, as net.m's
    ``S = [0.5*rand(N,Ne), -rand(N,Ni)]``); fixed in-degree: presynaptic
    indices ``rng.integers`` (with replacement, as NEST's ``fixed_indegree``
    with multapses) then uniform weights. Weights are scaled by
    :attr:`NetworkSpec.scale_e` = 800/K_e and ``scale_i`` = 200/K_i, so a
    network of any size receives the paper's mean summed input (the factors
    are exactly 1 for the paper's 800 + 200 dense network); finally, with ``noise='table'``,
    ``rng.standard_normal((n_steps, N))`` times 5 (exc) or 2 (inh) -- row k is
    exactly the vector net.m would draw at step k.
    """
    rng = np.random.default_rng(spec.seed)
    ne, ni, n = spec.n_exc, spec.n_inh, spec.n
    re = rng.random(ne)
    ri = rng.random(ni)
    a, b, c, d, variant = cell_parameters(spec.exc, spec.inh, re, ri)
    if spec.connectivity == "dense":
        Se = (spec.we * spec.scale_e) * rng.random((n, ne))
        Si = (-spec.wi * spec.scale_i) * rng.random((n, ni))
        S = np.concatenate([Se, Si], axis=1)
        del Se, Si
        # Synapses in presynaptic-major order: pre j, then post i (weight S[i, j]).
        pre = np.repeat(np.arange(n, dtype=np.int32), n)
        post = np.tile(np.arange(n, dtype=np.int32), n)
        w = np.ascontiguousarray(S.T).ravel()
        del S
    else:
        ke, ki = spec.k_exc, spec.k_inh
        pre_e = rng.integers(0, ne, size=(n, ke), dtype=np.int32) if ke else np.zeros((n, 0), np.int32)
        pre_i = (ne + rng.integers(0, ni, size=(n, ki), dtype=np.int32)) if ki else np.zeros((n, 0), np.int32)
        w_e = (spec.we * spec.scale_e) * rng.random((n, ke))
        w_i = (-spec.wi * spec.scale_i) * rng.random((n, ki))
        pre = np.concatenate([pre_e, pre_i], axis=1).ravel()
        del pre_e, pre_i
        post = np.repeat(np.arange(n, dtype=np.int32), ke + ki)
        w = np.concatenate([w_e, w_i], axis=1).ravel()
        del w_e, w_i
    scale = np.concatenate([np.full(ne, spec.sigma_e), np.full(ni, spec.sigma_i)])
    noise = None
    if spec.noise == "table":
        noise = rng.standard_normal((spec.n_steps, n))
        noise *= scale
    return Draws(re, ri, a, b, c, d, variant, pre, post, w, noise, scale)


#: Bytes per synapse while Brian2 builds and runs the network (measured 74 B peak at 10^8
#: synapses, 10^5 neurons x in-degree 1000: the
#: arrays of the draws, Brian2's indices, weights and spike queue, and the
#: temporaries of ``connect``).
BYTES_PER_SYNAPSE = 80


#: Bytes per neuron (state variables, parameters, spike space, overhead).
BYTES_PER_NEURON = 400


#: Bytes per recorded spike (index + time in growing arrays, with headroom).
BYTES_PER_SPIKE = 32


#: Fixed overhead of Python, Brian2 and compiled code (bytes).
BASE_BYTES = 400 * 1024**2


#: Firing rate assumed for the spike monitor estimate (Hz); net.m fires at about 8 Hz.
ESTIMATE_RATE_HZ = 30.0


def memory_limit_bytes(fraction: float = 0.8) -> int:
    """The memory a network may use: ``fraction`` of the available memory.

    Uses ``psutil.virtual_memory().available`` when psutil is installed,
    else ``MemAvailable`` of ``/proc/meminfo``.
    """
    avail = None
    try:
        import psutil

        avail = int(psutil.virtual_memory().available)
    except Exception:
        try:
            with open("/proc/meminfo") as fh:
                for line in fh:
                    if line.startswith("MemAvailable:"):
                        avail = int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    if avail is None:
        avail = 4 * 1024**3
    return int(avail * fraction)


def estimate_memory(spec: NetworkSpec, *, n_record_v: int = 0, n_record_currents: int = 0) -> dict:
    """Estimate the memory (bytes) that building and running ``spec`` needs.

    Returns
    -------
    dict
        ``synapses``, ``neurons``, ``noise_table``, ``spikes``, ``monitors``,
        ``base`` and ``total`` in bytes.
    """
    parts = {
        "synapses": spec.n_synapses * BYTES_PER_SYNAPSE,
        "neurons": spec.n * BYTES_PER_NEURON,
        # the drawn table, its neuron-major copy for Brian2
        "noise_table": (2 * spec.n * spec.n_steps * 8) if spec.noise == "table" else 0,
        "spikes": int(ESTIMATE_RATE_HZ * spec.n * spec.duration_ms / 1000.0 * BYTES_PER_SPIKE),
        "monitors": (2 * n_record_v + n_record_currents) * spec.n_steps * 8 * 2,
        "base": BASE_BYTES,
    }
    parts["total"] = int(sum(parts.values()))
    return parts


def _gib(x):
    return f"{x / 1024**3:.2f} GiB"


def check_memory(spec: NetworkSpec, *, limit_bytes=None, n_record_v=0, n_record_currents=0) -> dict:
    """Refuse (:class:`NetworkTooLargeError`) a network whose memory estimate exceeds the limit.

    The message gives the estimate, its largest parts and the limit.
    """
    est = estimate_memory(spec, n_record_v=n_record_v, n_record_currents=n_record_currents)
    try:
        check_work(what=f"network of {spec.n} neurons over {spec.duration_ms:g} ms at dt {spec.dt_ms:g} ms",
                   n_neurons=spec.n, n_steps=spec.n_steps)
    except ResourceLimitError as exc:
        raise NetworkTooLargeError(str(exc)) from None
    how = ""
    if limit_bytes is not None:
        limit = int(limit_bytes)
    else:  # the smaller of izh_brian.limits' memory limit and 80 % of the available memory
        limit, cap = memory_limit_bytes(), int(current_limits().max_bytes)
        if cap < limit:
            limit, how = cap, " (raise it with --max-memory or IZH_BRIAN_MAX_BYTES)"
    if est["total"] > limit:
        parts = ", ".join(f"{k} {_gib(v)}" for k, v in est.items() if k not in ("total", "base") and v > 0)
        raise NetworkTooLargeError(
            f"network of {spec.n} neurons and {spec.n_synapses} synapses ({spec.connectivity}"
            f"{'' if spec.connectivity == 'dense' else f', in-degree {spec.indegree}'}) over "
            f"{spec.duration_ms:g} ms needs about {_gib(est['total'])} ({parts}), more than the limit of "
            f"{_gib(limit)}{how}; use fixed in-degree connectivity with a smaller in-degree, fewer neurons"
            f"{', Brian2 noise' if spec.noise == 'table' else ''} or a shorter duration")
    est["limit"] = limit
    return est


@dataclass
class BuiltNetwork:
    """A built, not yet run, Brian2 network with handles to its parts."""

    spec: NetworkSpec
    draws: Draws
    net: object
    group: object
    synapses: object
    spikes: object
    state: object | None
    currents: object | None
    record_v: np.ndarray
    record_currents: np.ndarray
    build_s: float


def build_network(spec: NetworkSpec, *, record_v=(0, -1), record_currents=False, memory_limit=None,
                  codeobj_class=None) -> BuiltNetwork:
    """Build the Brian2 network of ``spec`` (after the memory check).

    Parameters
    ----------
    spec : NetworkSpec
    record_v : sequence of int
        Neurons whose v and u are recorded after every step (negative indices
        count from the end; the default records the first excitatory and the
        last inhibitory neuron).
    record_currents : bool or sequence of int
        Record the input current (noise + synaptic, mV/ms) used in every step:
        ``True`` for all neurons, or the listed neurons.
    memory_limit : int, optional
        Bytes; default the smaller of 80 % of the available memory and the memory limit of
        :mod:`izh_brian.limits` (``--max-memory``, ``IZH_BRIAN_MAX_BYTES``).

    Raises
    ------
    NetworkTooLargeError
    """

    # Fixed object names: Brian2's generated code names its arrays after their
    # owners, so the same names mean the same code and Cython cache hits for
    # every network built in a process (two networks with these names can
    # coexist; they only may not share one Network).

    t0 = time.perf_counter()
    n = spec.n
    rec_v = _indices(record_v, n, "record_v")
    if record_currents is True:
        rec_c = np.arange(n)
    elif record_currents is False or record_currents is None:
        rec_c = np.zeros(0, int)
    else:
        rec_c = _indices(record_currents, n, "record_currents")
    check_memory(spec, limit_bytes=memory_limit, n_record_v=len(rec_v), n_record_currents=len(rec_c))

    dr = draw_network(spec)
    G = make_neurons(n, a=dr.a, b=dr.b, c=dr.c, d=dr.d, v0=-65.0, variant=dr.variant, scheme=spec.scheme,
                     dt=spec.dt_ms, codeobj_class=codeobj_class, name="izhnet")
    native = not get_scheme(spec.scheme).spike_first
    # net2003: this step's noise, set before the spike test; Brian2 methods:
    # the next step's noise, set right after the update (the synapses then add to it).
    when, order = ("after_groups", 0) if native else ("before_groups", -3)
    if spec.noise == "table":
        table = np.ascontiguousarray(dr.noise.T).ravel()  # neuron-major: table[i*n_steps + k]
        G.namespace["I_noise"] = _noise_function(make_stimulus_function, table)
        G.namespace["noise_steps"] = int(spec.n_steps)
        G.namespace["noise_shift"] = 1 if native else 0
        G.run_regularly("I_ext = I_noise(t_in_timesteps + noise_shift, i*noise_steps, noise_steps)",
                        when=when, order=order, name=G.name + "_noise")
        if native:
            G.I_ext = dr.noise[0] * volt / second
    else:
        G.namespace["sigma_exc"] = float(spec.sigma_e) * volt / second
        G.namespace["sigma_inh"] = float(spec.sigma_i) * volt / second
        G.namespace["n_exc_cells"] = int(spec.n_exc)
        G.run_regularly("I_ext = (sigma_exc*int(i < n_exc_cells) + sigma_inh*int(i >= n_exc_cells))*randn()",
                        when=when, order=order, name=G.name + "_noise")
        if native:
            rng0 = np.random.default_rng([spec.seed, 1])
            G.I_ext = dr.noise_scale * rng0.standard_normal(n) * volt / second
    S = Synapses(G, G, "w : volt/second (constant)", on_pre="I_ext_post += w", dt=spec.dt_ms * ms,
                 name="izhnet_syn", **({"codeobj_class": codeobj_class} if codeobj_class else {}))
    S.connect(i=dr.pre, j=dr.post)
    S.w = dr.w * volt / second
    if not native:
        # Spikes act in the step in which they are detected (net.m: no delay).
        S.pre.when = "before_groups"
        S.pre.order = 0
    # The draws' big arrays are in Brian2 now (draw_network(spec) gives them again).
    dr.pre = dr.post = dr.w = dr.noise = None  # type: ignore[assignment]
    spikes = SpikeMonitor(G, record=True, name="izhnet_spikes")
    objs = [G, S, spikes]
    state = None
    if len(rec_v):
        state = StateMonitor(G, ("v", "u"), record=rec_v, when="after_groups", order=1, name="izhnet_state")
        objs.append(state)
    cur = None
    if len(rec_c):
        cur = StateMonitor(G, "I_ext", record=rec_c, when="groups", order=-1, name="izhnet_current")
        objs.append(cur)
    net = Network(*objs, name="izhnet_network")
    return BuiltNetwork(spec, dr, net, G, S, spikes, state, cur, rec_v, rec_c, time.perf_counter() - t0)


def _indices(idx, n, what):
    idx = np.asarray(list(idx), dtype=np.int64)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise ValueError(f"{what}: neuron indices must lie in -{n} .. {n - 1}, got {idx.min()} .. {idx.max()}")
    return np.unique(idx % n) if idx.size else np.zeros(0, int)


def _noise_function(make_stimulus_function, table):
    """The noise table as a Brian2 function with its own fixed name (one compiled object, reused)."""
    try:
        return make_stimulus_function(table, name="izh_net_noise")
    except TypeError:  # a core without the ``name`` argument
        return make_stimulus_function(table)


def _progress_reporter(min_s=3.0, stream=None):
    """A Brian2 ``report=`` callable that writes progress to stderr once a run lasts more than ``min_s``."""
    stream = stream or sys.stderr
    state = {"shown": False}

    def report(elapsed, complete, t_start, duration):
        el = float(elapsed)
        if el < min_s and complete < 1.0:
            return
        if complete >= 1.0 and not state["shown"] and el < min_s:
            return
        state["shown"] = True
        if complete > 0:
            left = el * (1.0 - complete) / complete
            stream.write(f"izh-brian network: {100 * complete:5.1f}% of {float(duration) * 1000:g} ms simulated "
                         f"in {el:.1f} s, about {left:.0f} s left\n")
        stream.flush()

    return report


def run_network(built: BuiltNetwork, *, progress="auto") -> "NetworkResult":
    """Run a built network for its duration and collect the result.

    ``progress``: ``'auto'`` reports to stderr (every 2 s) once the run lasts
    more than 3 s; ``True`` always; ``False`` never.
    """

    spec = built.spec
    if spec.noise == "brian2":
        brian2.seed(spec.seed)
    kwargs = {}
    if progress:
        kwargs = {"report": _progress_reporter(0.0 if progress is True else 3.0), "report_period": 2 * second}
    t0 = time.perf_counter()
    built.net.run(spec.n_steps * spec.dt_ms * ms, namespace={}, **kwargs)
    run_s = time.perf_counter() - t0
    v_end = np.asarray(built.group.v / mV)
    u_end = np.asarray(built.group.u / (mV / ms))
    if not (np.all(np.isfinite(v_end)) and np.all(np.isfinite(u_end))):
        bad = int(np.flatnonzero(~(np.isfinite(v_end) & np.isfinite(u_end)))[0])
        raise DivergenceError(f"network dynamics diverged (v or u of neuron {bad} became inf/NaN) under scheme "
                              f"{spec.scheme!r} with dt = {spec.dt_ms:g} ms; use 'net2003' or a smaller dt")
    sp_i = np.asarray(built.spikes.i[:], dtype=np.int64)
    sp_k = np.rint(np.asarray(built.spikes.t / ms) / spec.dt_ms).astype(np.int64)
    sp_k += get_scheme(spec.scheme).stamp_offset_steps  # NEST stamps a spike at the end of its step
    order = np.lexsort((sp_i, sp_k))
    res = NetworkResult(spec=spec, spike_steps=sp_k[order], spike_i=sp_i[order], build_s=built.build_s, run_s=run_s)
    if built.state is not None:
        res.record_v = built.record_v
        res.v_mV = np.asarray(built.state.v / mV)
        res.u = np.asarray(built.state.u / (mV / ms))
    if built.currents is not None:
        res.record_currents = built.record_currents
        res.currents = np.asarray(built.currents.I_ext / (volt / second))
    return res


def simulate_network(scenario="paper", *, record_v=(0, -1), record_currents=False, progress="auto",
                     memory_limit=None, **kwargs) -> "NetworkResult":
    """Build and run a network; ``kwargs`` as :func:`make_spec`.

    Examples
    --------
    >>> r = simulate_network("paper", duration_ms=200, seed=1, progress=False)
    >>> r.spec.n_exc, r.spec.n_inh
    (800, 200)
    >>> 1 < r.summary()["rate_hz"] < 30
    True
    """
    spec = make_spec(scenario, **kwargs)
    built = build_network(spec, record_v=record_v, record_currents=record_currents, memory_limit=memory_limit)
    return run_network(built, progress=progress)


@dataclass
class NetworkResult:
    """One network run: its spec, raster and recordings, in plain arrays.

    Attributes
    ----------
    spec : NetworkSpec
    spike_steps, spike_i : ndarray of int
        Step index and neuron of each spike, sorted by time then neuron;
        excitatory neurons are ``0 .. n_exc-1``.
    build_s, run_s : float
        Wall-clock seconds to build (draws, memory check, Brian2 objects) and run.
    record_v, v_mV, u : ndarray
        The neurons whose v (mV) and u (mV/ms) were recorded after every step
        (rows), if any.
    record_currents, currents : ndarray
        The neurons whose input current (noise + synaptic, mV/ms, the value used
        in each step's update) was recorded, if any.
    """

    spec: NetworkSpec
    spike_steps: np.ndarray
    spike_i: np.ndarray
    build_s: float
    run_s: float
    record_v: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    v_mV: np.ndarray | None = None
    u: np.ndarray | None = None
    record_currents: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    currents: np.ndarray | None = None

    @property
    def spike_t_ms(self) -> np.ndarray:
        """The raster's times (ms), one per spike, paired with :attr:`spike_i`: the step ``k`` of detection
        times dt. (``spike_t_ms``/``spike_i`` is a raster; ``spike_times_ms`` is always one train per neuron.)"""
        return self.spike_steps.astype(float) * self.spec.dt_ms

    @property
    def spike_times_ms(self) -> list:
        """One spike train (ms, sorted) per neuron, ``spike_times_ms[i]`` for neuron ``i``: the same meaning as
        :attr:`izh_brian.simulation.Result.spike_times_ms` and a NeuroML run's ``spike_times_ms[pop][cell]``."""
        t = self.spike_t_ms
        order = np.argsort(self.spike_i, kind="stable")
        bounds = np.searchsorted(self.spike_i[order], np.arange(self.spec.n + 1))
        return [t[order[bounds[i]:bounds[i + 1]]] for i in range(self.spec.n)]

    @property
    def t_ms(self) -> np.ndarray:
        """The grid ``k*dt`` of the recorded traces (ms)."""
        return np.arange(self.spec.n_steps) * self.spec.dt_ms

    def rates(self) -> dict:
        return compute_rates(self.spike_i, self.spec.n_exc, self.spec.n_inh, self.spec.duration_ms)

    def population_rate(self, bin_ms=None):
        return compute_population_rate(self.spike_t_ms, self.spec.n, self.spec.duration_ms,
                                       bin_ms or max(1.0, self.spec.dt_ms))

    def spectrum(self, bin_ms=None, segment_ms=500.0):
        bin_ms = bin_ms or max(1.0, self.spec.dt_ms)
        _, rate = self.population_rate(bin_ms)
        return compute_spectrum(rate, bin_ms, segment_ms)

    def analysis(self) -> dict:
        return analyze_spikes(self.spike_t_ms, self.spike_i, self.spec.n_exc, self.spec.n_inh,
                              self.spec.duration_ms, max(1.0, self.spec.dt_ms))

    def summary(self, raster: bool = False) -> dict:
        """The JSON record of ``izh-brian network --json`` (field names are a public interface)."""
        s = self.spec
        out = {
            "scenario": s.scenario,
            "n_exc": s.n_exc,
            "n_inh": s.n_inh,
            "exc": s.exc,
            "inh": s.inh,
            "we": s.we,
            "wi": s.wi,
            "duration_ms": s.duration_ms,
            "dt_ms": s.dt_ms,
            "scheme": s.scheme,
            "seed": s.seed,
            "connectivity": s.connectivity,
            "indegree": s.indegree,
            "noise": s.noise,
            "n_spikes": int(self.spike_i.size),
        }
        out.update(self.analysis())
        out["build_s"] = self.build_s
        out["run_s"] = self.run_s
        # throughput: neurons x model seconds per wall-clock second of the run
        out["neuron_seconds_per_s"] = s.n * s.duration_ms / 1000.0 / self.run_s if self.run_s > 0 else None
        if raster:
            out["spike_t_ms"] = [float(x) for x in self.spike_t_ms]
            out["spike_i"] = [int(x) for x in self.spike_i]
        return out
