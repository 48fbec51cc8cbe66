r"""From a response to parameters: fit (a, b, c, d) of the Izhikevich model to a spike train, a trace or a pattern.

The forward question (parameters -> response) is :func:`izh_brian.simulate`;
this module answers the inverse one. Given the input a neuron received and
what it did (its spike times, optionally its membrane potential), it searches
the parameters a, b, c, d (and the initial potential V0 when it is not known)
of

.. math::

    v' = k_2 v^2 + k_1 v + k_0 - u + I, \qquad u' = a\,(b\,(v - v_u) - g_u u),
    \qquad v > 30:\ v \leftarrow c,\ u \leftarrow u + d

whose response under the same input and numerical scheme reproduces it.

Method
------
* **One NeuronGroup per fit.** Every candidate of a generation is one neuron of
  a single group of fixed size (:data:`POPULATION`, 128); the parameters are
  per-neuron variables, so one compiled program serves every generation:
  the network is stored once and restored (t = 0, state, monitors) before
  each generation, which only writes new parameter values.
* **Start from the atlas.** The first generation is a coarse atlas of the
  parameter space: the 28 published parameter sets of Izhikevich (2003)
  Fig. 2 and (2004) Fig. 1 (the centres of the pattern regions) and seeded
  random points over the search box (:data:`BOUNDS`). :data:`N_STARTS`
  CMA-ES runs share the group after that: each generation holds
  ``POPULATION / N_STARTS`` candidates of each run. The CMA-ES is pycma's,
  the implementation nevergrad's CMA wraps, called directly: nevergrad's
  ask/tell layer cost about 4.5 ms per candidate here, more than simulating
  it. Run s starts at the (s // 2)-th best distinct atlas point with a fine
  or a coarse step (:data:`SIGMAS`); a run
  that has not improved for :data:`PATIENCE` generations restarts, from the
  next atlas point, except run 0, which restarts from the best candidate so
  far with a small step (:data:`POLISH_SIGMA`): some patterns (rebound and
  inhibition-induced bursts) hold their spike train only within 0.001 of b.
* **Objective** (minimised), for a spike train of :math:`N_d` spikes and a
  candidate's train of :math:`N_m` spikes:

  .. math::

      L = (1 - \Gamma) + w_n \frac{|N_m - N_d|}{\max(N_d, 1)} + w_t D_{20}
          + w_v \frac{\mathrm{RMSE}(v)}{10\ \mathrm{mV}}
          + w_p \frac{\mathrm{RMSE}_\mathrm{pre}(v)}{1\ \mathrm{mV}},

  with :math:`\Gamma` the coincidence factor (:func:`~izh_brian.fitting.objective.coincidence_factor`,
  window :data:`~izh_brian.fitting.objective.DELTA_MS` = 2 ms), :math:`w_n` = :data:`~izh_brian.fitting.objective.W_COUNT` = 0.5,
  :math:`D_{20}` the mean distance of each spike to the nearest spike of the
  other train, capped at 20 ms and divided by it (:func:`~izh_brian.fitting.objective.timing_distance`,
  weight :math:`w_t` = :data:`~izh_brian.fitting.objective.W_TIMING` = 0.5; it gives the search a slope
  where :math:`\Gamma` is flat) and,
  only when a membrane-potential trace is given, :math:`w_v` =
  :data:`~izh_brian.fitting.objective.W_TRACE` = 0.5 (RMSE over the whole trace, spikes drawn at the
  30 mV cut-off as the papers draw them) and :math:`w_p` = :data:`~izh_brian.fitting.objective.W_PRE` =
  0.1 (RMSE over the samples before the target's first spike: that
  subthreshold response depends on a, b and V0 only and is smooth in them,
  so it pins a and b where the spike train alone is a needle in the box). A candidate whose v or u became
  inf/NaN gets :math:`L = 10`. All terms vanish at an exact fit.
* A fit **matches** when its :math:`\Gamma` is at least the threshold
  (default 0.9); the search stops early once a candidate reaches
  :math:`\Gamma = 1` (and, with a trace, an RMSE below 0.5 mV).

Identifiability: after a fit, one more generation scans each parameter
alone through the fit (the others held) over its search interval; the
interval in which the response still reproduces the train (:math:`\Gamma
\ge` the threshold), as a fraction of the search interval, says how well the
protocol pins that parameter down (:func:`recover`, :func:`recovery_table`).

References
----------
W. M. Kistler, W. Gerstner, J. L. van Hemmen, "Reduction of the
Hodgkin-Huxley equations to a single-variable threshold model", Neural
Computation 9(5):1015-1045, 1997 (the coincidence factor).
R. Jolivet, R. Kobayashi, A. Rauch, R. Naud, S. Shinomoto, W. Gerstner,
"A benchmark test for a quantitative assessment of simple neuron models",
J. Neurosci. Methods 169(2):417-424, 2008.
N. Hansen, "The CMA evolution strategy: a tutorial", arXiv:1604.00772, 2016.
E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural
Networks 14(6):1569-1572, 2003; "Which model to use for cortical spiking
neurons?", IEEE Trans. Neural Networks 15(5):1063-1070, 2004.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass, field

import cma
import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, ms, mV

from izh_brian.analysis.validators import validate, validate_result, validator_for
from izh_brian.fitting.objective import DELTA_MS, DIVERGED_LOSS, Target, coincidence_factor, score
from izh_brian.jsonutil import to_jsonable
from izh_brian.limits import check_work, format_bytes, grid_steps
from izh_brian.model.neurons import make_neurons
from izh_brian.model.prefs import pref_set
from izh_brian.model.schemes import NEST_SCHEMES, check_scheme
from izh_brian.presets import REFERENCE_PRESETS, get_preset, with_overrides
from izh_brian.simulation import Result, simulate

__all__ = [
    "BOUNDS",
    "POPULATION",
    "N_STARTS",
    "PopulationRunner",
    "FitResult",
    "fit",
    "fit_pattern",
    "plot_fit",
    "quiet_fast_runs",
]


#: Search box of each parameter (paper units: a 1/ms, b 1, c mV, d mV/ms, V0 mV).
#: It holds every published parameter set of 2003 Fig. 2 and 2004 Fig. 1.
BOUNDS = {
    "a": (-0.05, 1.05),
    "b": (-1.2, 1.2),
    "c": (-80.0, -35.0),
    "d": (-25.0, 15.0),
    "V0": (-90.0, -50.0),
}


#: ``a`` is searched on the scale asinh(a / A_SCALE): fine near the common
#: a = 0.02, coarse near a = 1.
A_SCALE = 0.01


#: Neurons of the one group (candidates per generation).
POPULATION = 128


#: Independent CMA-ES runs sharing the group, started from the best atlas points.
N_STARTS = 4


#: Initial CMA-ES steps (in the unit cube) of the fine and the coarse runs.
SIGMAS = (0.02, 0.1)


#: Step of the polishing restarts (run 0 restarts from the best candidate so far).
POLISH_SIGMA = 0.004


#: Generations without improvement after which a CMA-ES run restarts from the next atlas point.
PATIENCE = 12


#: Fits stop early at a perfect coincidence factor (and, with a trace, this RMSE in mV).
STOP_RMSE_MV = 0.5


_GROUP = "izhikevich"          # the package's fixed group name: compiled code is shared


_SPIKES = "spikemonitor"


_STATE = "statemonitor"


class PopulationRunner:
    """Simulate many parameter sets under one input as the neurons of ONE NeuronGroup.

    The group (fixed size, fixed Brian2 names) and its monitors are built
    once; :meth:`run` restores the stored network (t = 0, empty monitors),
    writes the candidates' a, b, c, d and initial state, and runs. Every call
    reuses the same generated and compiled code.

    Parameters
    ----------
    I : ndarray
        Input, one value per step (mV/ms).
    dt_ms : float
    n : int
        Neurons of the group (candidates per call).
    scheme, variant : str
    record_v, record_u : bool
        Record the membrane potential / recovery variable of every neuron.
    """

    def __init__(self, I, dt_ms, n=POPULATION, *, scheme="figure1", variant="standard", record_v=False,
                 record_u=False):
        check_scheme(scheme)
        self.I = np.asarray(I, dtype=float)
        self.dt_ms = float(dt_ms)
        self.n = int(n)
        self.scheme = scheme
        self.n_steps = len(self.I)
        with np.errstate(all="ignore"):
            self.G = make_neurons(self.n, scheme=scheme, variant=variant, dt=self.dt_ms, stimulus=self.I, name=_GROUP)
        self.spikes = SpikeMonitor(self.G, record=True, name=_SPIKES)
        objs = [self.G, self.spikes]
        variables = [x for x, on in (("v", record_v), ("u", record_u)) if on]
        self.state = None
        if variables:
            # after the update, before the spike test and reset: figure1.m's trace sample
            self.state = StateMonitor(self.G, variables, record=True, when="after_groups", name=_STATE)
            objs.append(self.state)
        self.net = Network(*objs)
        self.net.store("fit_start")
        self.runs = 0

    def run(self, a, b, c, d, v0, u0=None) -> dict:
        """Simulate up to ``n`` parameter sets (arrays); unused neurons repeat the first.

        Returns a dict: ``spike_times_ms`` (list of arrays, one per set),
        ``v_mV`` and ``u`` (arrays ``(sets, steps)``, when recorded; spikes drawn
        at the cut-off), ``finite`` (v and u finite throughout).
        """

        cols = [np.atleast_1d(np.asarray(x, dtype=float)) for x in (a, b, c, d, v0)]
        m = max(len(x) for x in cols)
        if m > self.n:
            raise ValueError(f"at most {self.n} parameter sets per run, got {m}")
        cols = [np.broadcast_to(x, (m,)) if len(x) == 1 else x for x in cols]
        a, b, c, d, v0 = (np.concatenate([x, np.full(self.n - m, x[0])]) for x in cols)
        if u0 is None:
            u0 = b * v0
        else:
            u0 = np.atleast_1d(np.asarray(u0, dtype=float))
            u0 = np.broadcast_to(u0, (m,)) if len(u0) == 1 else u0
            u0 = np.concatenate([u0, np.full(self.n - m, u0[0])])
        self.net.restore("fit_start")
        G = self.G
        G.a = a
        G.b = b
        G.c = c * mV
        G.d = d * mV / ms
        G.v = v0 * mV
        G.u = u0 * mV / ms
        with np.errstate(all="ignore"), quiet_fast_runs():
            self.net.run(self.n_steps * self.dt_ms * ms, namespace={})
        self.runs += 1
        i = np.asarray(self.spikes.i[:], dtype=np.int64)
        k = np.rint(np.asarray(self.spikes.t / ms) / self.dt_ms).astype(np.int64)
        if self.scheme in NEST_SCHEMES:
            k = k + 1  # NEST stamps a spike at the end of its step (see izh_brian.simulate)
        keep = (i < m) & (k < self.n_steps)
        i, k = i[keep], k[keep]
        order = np.lexsort((k, i))
        i, k = i[order], k[order]
        bounds = np.searchsorted(i, np.arange(m + 1))
        out = {"spike_times_ms": [k[bounds[j]:bounds[j + 1]] * self.dt_ms for j in range(m)]}
        finite = np.isfinite(np.asarray(G.v / mV)[:m]) & np.isfinite(np.asarray(G.u / (mV / ms))[:m])
        if self.state is not None:
            vpeak = 30.0
            strict = self.scheme not in ("net2003",) + NEST_SCHEMES
            if "v" in self.state.record_variables:
                v = np.asarray(self.state.v / mV)[:m, : self.n_steps].copy()
                finite &= np.all(np.isfinite(v), axis=1)
                v[(v > vpeak) if strict else (v >= vpeak)] = vpeak
                out["v_mV"] = v
            if "u" in self.state.record_variables:
                u = np.asarray(self.state.u / (mV / ms))[:m, : self.n_steps].copy()
                finite &= np.all(np.isfinite(u), axis=1)
                out["u"] = u
        out["finite"] = finite
        return out


def _keys(fit_v0: bool) -> tuple:
    return ("a", "b", "c", "d", "V0") if fit_v0 else ("a", "b", "c", "d")


def _to_unit(P: np.ndarray, keys) -> np.ndarray:
    """Parameters (rows) -> the optimiser's unit cube (asinh scale for a)."""
    X = np.empty_like(P, dtype=float)
    for j, k in enumerate(keys):
        lo, hi = BOUNDS[k]
        x = P[:, j]
        if k == "a":
            x, lo, hi = np.arcsinh(x / A_SCALE), math.asinh(lo / A_SCALE), math.asinh(hi / A_SCALE)
        X[:, j] = (x - lo) / (hi - lo)
    return X


def _from_unit(X: np.ndarray, keys) -> np.ndarray:
    X = np.clip(np.asarray(X, dtype=float), 0.0, 1.0)
    P = np.empty_like(X)
    for j, k in enumerate(keys):
        lo, hi = BOUNDS[k]
        if k == "a":
            lo, hi = math.asinh(lo / A_SCALE), math.asinh(hi / A_SCALE)
            P[:, j] = A_SCALE * np.sinh(lo + X[:, j] * (hi - lo))
        else:
            P[:, j] = lo + X[:, j] * (hi - lo)
    return P


def _atlas_points(keys, n, rng, exclude=()) -> np.ndarray:
    """The first generation: the published parameter sets, then seeded uniform points in the unit cube."""

    rows, seen = [], set()
    for p in REFERENCE_PRESETS.values():
        row = (p.a, p.b, p.c, p.d) + ((p.V0,) if "V0" in keys else ())
        key = tuple(round(x, 9) for x in row[:4])
        if key in seen or any(np.allclose(row[:4], e, rtol=0, atol=1e-9) for e in exclude):
            continue
        seen.add(key)
        rows.append(row)
    rows = rows[:n]
    X = _to_unit(np.array(rows, dtype=float), keys) if rows else np.zeros((0, len(keys)))
    # Latin hypercube for the rest
    m = n - len(X)
    if m > 0:
        L = (rng.permuted(np.tile(np.arange(m), (len(keys), 1)), axis=1).T + rng.random((m, len(keys)))) / m
        X = np.vstack([X, L])
    return X


@dataclass
class FitResult:
    """The outcome of a fit.

    Attributes
    ----------
    params : dict
        Fitted ``a``, ``b``, ``c``, ``d`` (and ``V0`` when it was fitted).
    gamma : float or None
        Coincidence factor of the fitted response against the target (window :data:`DELTA_MS`).
    n_spikes, n_target : int
        Spikes of the fitted response and of the target.
    v_rmse_mV : float or None
        RMSE of the fitted trace against the target's (when one was given).
    evaluations : int
        Candidates simulated.
    seconds : float
        Wall-clock time of the fit.
    scheme : str
    matched : bool
        ``gamma >= threshold`` (or, for a pattern, the validator passed).
    threshold : float
    spike_times_ms : ndarray
        The fitted response's spikes.
    spread : dict
        Identifiability: per parameter, the interval around the fit (others
        held at the fit, scanned on a grid of ``population / 4`` values over the
        search interval, a on its asinh scale) whose response keeps
        ``gamma >= threshold``: its ``min``, ``max`` and ``fraction`` of the
        search interval. Empty when the fit does not match.
    extra : dict
        Mode-specific fields (pattern, validator verdict, distance, true parameters...).
    """

    params: dict
    gamma: float | None
    n_spikes: int
    n_target: int | None
    v_rmse_mV: float | None
    evaluations: int
    seconds: float
    scheme: str
    matched: bool
    threshold: float = 0.9
    spike_times_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    v_mV: np.ndarray | None = None
    spread: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON record: params, gamma, n_spikes, n_target, v_rmse_mV, evaluations, seconds, scheme, ..."""
        d = {"params": {k: float(v) for k, v in self.params.items()}, "gamma": self.gamma,
             "n_spikes": int(self.n_spikes), "n_target": self.n_target, "v_rmse_mV": self.v_rmse_mV,
             "evaluations": int(self.evaluations), "seconds": round(float(self.seconds), 3),
             "scheme": self.scheme, "matched": bool(self.matched), "threshold": self.threshold,
             "delta_ms": DELTA_MS, "spike_times_ms": [float(x) for x in self.spike_times_ms],
             "spread": self.spread}
        d.update(self.extra)
        return to_jsonable(d)


def _check_size(what, budget, population, steps, recorded):
    """Refuse, before a group is built, a fit over the limits of :mod:`izh_brian.limits`: every candidate
    runs the whole grid (budget x steps), and the group records ``recorded`` traces of every neuron."""
    traces = float(population) * steps * recorded * 8
    check_work(what=f"{what} ({budget} candidates x {steps:.6g} steps)", n_neurons=budget, n_steps=steps,
               bytes_estimate=traces + 2 * 8.0 * steps,
               bytes_detail=f"recorded traces {format_bytes(traces)}, input {format_bytes(16.0 * steps)}")


def _check_budget(budget, population):
    try:
        budget = int(budget)
    except (TypeError, ValueError):
        raise ValueError(f"budget must be a whole number of evaluations, got {budget!r}") from None
    if budget < population:
        raise ValueError(f"budget must be at least one generation ({population} evaluations), got {budget}")
    return budget


def _make_cma(x0, sigma, popsize, seed):
    """One CMA-ES run (pycma, the implementation nevergrad's CMA wraps) in the unit cube, with its own RNG."""
    rng = np.random.default_rng(seed)
    opts = {"bounds": [0.0, 1.0], "popsize": int(popsize), "seed": np.nan, "verbose": -9, "verb_log": 0,
            "verb_disp": 0, "randn": lambda lam, n: rng.standard_normal((lam, n)), "tolfun": 0, "tolx": 1e-9,
            "tolfunhist": 0, "tolstagnation": 10**9, "tolflatfitness": 10**9}
    return cma.CMAEvolutionStrategy(np.clip(np.asarray(x0, dtype=float), 1e-6, 1 - 1e-6), sigma, opts)


@contextlib.contextmanager
def quiet_fast_runs():
    """Repeated short runs: skip Brian2's full garbage collection before each run (a check for
    objects created but never run, about 0.4 s a run here) and its warnings about candidates
    whose dynamics diverged (they are scored as diverged); both settings are restored."""

    logger = logging.getLogger("brian2.groups.group.invalid_values")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        # a newer Brian2 preference: Brian2 2.9.0 lacks it and keeps its (slower) check
        with pref_set("logging.warn_for_unused_objects", False):
            yield
    finally:
        logger.setLevel(level)


def _search(evaluate, keys, *, budget, seed, population, starts, exclude=(), sigma=0.02, stop=None, first=None):
    """The shared search loop: an atlas generation, then ``starts`` CMA-ES runs sharing each generation.

    ``evaluate(X)`` takes unit-cube rows (at most ``population``) and returns
    ``(losses, info)`` with ``info`` a dict of per-row arrays; ``stop(info)``
    returns the index of a row good enough to stop, or None.
    Returns ``(X_all, losses_all, info_all, evaluations)``.
    """
    rng = np.random.default_rng(seed)
    X0 = _atlas_points(keys, population, rng, exclude=exclude) if first is None else first
    Xs, Ls, infos = [], [], []

    def record(X, L, info):
        Xs.append(X)
        Ls.append(L)
        infos.append(info)

    L0, info0 = evaluate(X0)
    record(X0, L0, info0)
    evals = len(X0)
    if stop is not None and stop(info0) is not None:
        return Xs, Ls, infos, evals
    # distinct starts: the atlas points in order of loss, at least 0.05 apart in the unit cube
    order = np.argsort(L0, kind="stable")
    pool = []
    for idx in order:
        if all(np.max(np.abs(X0[idx] - X0[c])) > 0.05 for c in pool):
            pool.append(int(idx))
    # run s starts at atlas point s // 2 with a fine or a coarse step (SIGMAS[s % 2])
    n_runs = max(1, starts)
    per = population // n_runs
    sig = [SIGMAS[s % len(SIGMAS)] * sigma / SIGMAS[0] for s in range(n_runs)]
    opts = [_make_cma(X0[pool[min(s // 2, len(pool) - 1)]], sig[s], per, [seed, s]) for s in range(n_runs)]
    next_start = (n_runs + 1) // 2
    best = [np.inf] * n_runs
    stale = [0] * n_runs
    restarts = 0
    while evals + per * n_runs <= budget:
        cands = [np.asarray(o.ask(), dtype=float) for o in opts]
        X = np.clip(np.vstack(cands), 0.0, 1.0)
        L, info = evaluate(X)
        record(X, L, info)
        evals += len(X)
        for s, (o, cs) in enumerate(zip(opts, cands)):
            Ls_s = L[s * per:(s + 1) * per]
            o.tell(list(cs), [float(x) for x in Ls_s])
            if Ls_s.min() < best[s] - 1e-9:
                best[s], stale[s] = float(Ls_s.min()), 0
            else:
                stale[s] += 1
            if stale[s] >= PATIENCE or o.sigma < 1e-4:
                restarts += 1
                if s == 0:
                    # run 0 polishes: it restarts from the best candidate so far, with a small step
                    allL = np.concatenate(Ls)
                    x0, step = np.vstack(Xs)[int(np.argmin(allL))], POLISH_SIGMA
                else:
                    # the others restart from the next atlas point (then random points)
                    x0 = X0[pool[next_start]] if next_start < len(pool) else rng.random(X0.shape[1])
                    next_start += 1
                    step = sig[s]
                opts[s] = _make_cma(x0, step, per, [seed, s, restarts])
                best[s], stale[s] = np.inf, 0
        if stop is not None and stop(info) is not None:
            break
    return Xs, Ls, infos, evals


def fit(target: Target, *, scheme: str = "figure1", budget: int = 4096, seed: int = 0, threshold: float = 0.9,
        population: int = POPULATION, starts: int = N_STARTS, exclude=(), stop_early: bool = True,
        accept=None) -> FitResult:
    """Fit a, b, c, d (and V0 when the target does not give it) to a target's response.

    Parameters
    ----------
    target : Target
        Input and response (:func:`load_target`, :func:`target_from_arrays`).
    scheme : str
        Numerical scheme the candidates are simulated with (the target's own).
    budget : int
        Most candidates to simulate (at least one generation, ``population``).
    seed : int
        Seeds the atlas points and the CMA-ES runs: same seed, same fit.
    threshold : float
        Coincidence factor a fit must reach to match.
    population : int
        Neurons of the group (candidates per generation).
    starts : int
        CMA-ES runs sharing each generation.
    exclude : sequence of (a, b, c, d)
        Published parameter sets to leave out of the atlas generation (a
        recovery leaves out the true one).
    stop_early : bool
        Stop once a candidate reaches gamma = 1 (and, with a trace, an RMSE below 0.5 mV).
    accept : callable, optional
        ``accept(params) -> bool``, a further condition on a fit (e.g. the
        pattern's validator). Up to two candidates of each generation with
        gamma >= threshold are checked, best first; the search stops early
        only on an accepted one, and the answer is the best accepted
        candidate when there is one.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        Bad budget, scheme or threshold.
    """

    check_scheme(scheme)
    budget = _check_budget(budget, population)
    if not (-1.0 <= float(threshold) <= 1.0):
        raise ValueError(f"threshold must be a coincidence factor in [-1, 1], got {threshold!r}")
    _check_size(f"fit {target.name}", budget, population, len(target.I), int(target.v_mV is not None))
    t0 = time.perf_counter()
    fit_v0 = target.v0_mV is None
    keys = _keys(fit_v0)
    runner = PopulationRunner(target.I, target.dt_ms, population, scheme=scheme, variant=target.variant,
                              record_v=target.v_mV is not None)
    nd = len(target.spikes)

    def evaluate(X):
        P = _from_unit(X, keys)
        v0 = P[:, 4] if fit_v0 else np.full(len(P), target.v0_mV)
        u0 = None if target.u0 is None else np.full(len(P), target.u0)
        out = runner.run(P[:, 0], P[:, 1], P[:, 2], P[:, 3], v0, u0)
        L, g, n, r = score(target, out, 0, len(P))
        return L, {"gamma": g, "n": n, "rmse": r, "loss": L, "P": P}

    accepted = []  # (loss, params row) of candidates that passed ``accept``

    def stop(info):
        if accept is not None:
            good = np.flatnonzero(info["gamma"] >= threshold)
            if accepted:  # only candidates better than the best accepted one are worth checking
                good = good[info["loss"][good] < min(x[0] for x in accepted)]
            for j in good[np.argsort(info["loss"][good], kind="stable")][:2]:
                row = info["P"][j]
                if accept({k: float(x) for k, x in zip(keys, row)}):
                    accepted.append((float(info["loss"][j]), row, float(info["gamma"][j])))
                    break
        if not stop_early:
            return None
        if accept is not None:
            return 0 if accepted and accepted[-1][2] >= 1.0 - 1e-12 else None
        ok = info["gamma"] >= 1.0 - 1e-12
        if target.v_mV is not None:
            ok &= info["rmse"] < STOP_RMSE_MV
        return int(np.argmax(ok)) if np.any(ok) else None

    Xs, Ls, infos, evals = _search(evaluate, keys, budget=budget, seed=seed, population=population, starts=starts,
                                   exclude=exclude, stop=stop)
    X = np.vstack(Xs)
    L = np.concatenate(Ls)
    best = int(np.argmin(L))
    P = _from_unit(X, keys)
    p = P[best]
    if accepted:
        p = min(accepted, key=lambda x: x[0])[1]
    # the winner's response, recorded (trace and spikes) by the same group
    final = PopulationRunner(target.I, target.dt_ms, population, scheme=scheme, variant=target.variant,
                             record_v=True) if target.v_mV is None else runner
    out = final.run(p[0], p[1], p[2], p[3], p[4] if fit_v0 else target.v0_mV, target.u0)
    st = out["spike_times_ms"][0]
    gamma = coincidence_factor(st, target.spikes, target.duration_ms)
    rmse = None
    if target.v_mV is not None:
        rmse = float(np.sqrt(np.mean((out["v_mV"][0] - target.v_mV) ** 2)))
    params = {k: float(x) for k, x in zip(keys, p)}
    v_fit = out["v_mV"][0]
    profile = _profile(runner, target, keys, p, threshold) if gamma >= threshold else {}
    return FitResult(params=params, gamma=float(gamma), n_spikes=len(st), n_target=nd, v_rmse_mV=rmse,
                     evaluations=evals, seconds=time.perf_counter() - t0, scheme=scheme,
                     matched=bool(out["finite"][0] and gamma >= threshold), threshold=float(threshold),
                     spike_times_ms=st, v_mV=v_fit, spread=profile,
                     extra={"target": target.name, "variant": target.variant})


def _profile(runner, target, keys, p, threshold):
    """One generation of one-parameter scans through the fit: for each parameter, others held at the fit,
    the interval of values (on the search grid, a on its asinh scale) around the fit whose response still
    has gamma >= threshold, and its fraction of the search interval."""
    m = runner.n // len(keys)
    x_fit = _to_unit(np.asarray(p, dtype=float)[None, :], keys)[0]
    grid = np.linspace(0.0, 1.0, m)
    X = np.repeat(x_fit[None, :], m * len(keys), axis=0)
    for j in range(len(keys)):
        X[j * m:(j + 1) * m, j] = grid
    P = _from_unit(X, keys)
    v0 = P[:, 4] if "V0" in keys else np.full(len(P), target.v0_mV)
    u0 = None if target.u0 is None else np.full(len(P), target.u0)
    out = runner.run(P[:, 0], P[:, 1], P[:, 2], P[:, 3], v0, u0)
    _, g, _, _ = score(target, out, 0, len(P))
    prof = {}
    for j, k in enumerate(keys):
        ok = (g[j * m:(j + 1) * m] >= threshold) & out["finite"][j * m:(j + 1) * m]
        c = int(np.argmin(np.abs(grid - x_fit[j])))
        lo = hi = c
        while lo > 0 and ok[lo - 1]:
            lo -= 1
        while hi < m - 1 and ok[hi + 1]:
            hi += 1
        vals = P[j * m:(j + 1) * m, j]
        step = 1.0 / (m - 1)
        frac = (hi - lo) * step if ok[c] else 0.0
        prof[k] = {"min": float(min(vals[lo], p[j])), "max": float(max(vals[hi], p[j])), "fraction": float(frac)}
    return prof


def fit_pattern(pattern, start=None, *, scheme: str = "figure1", budget: int = 2048, seed: int = 0,
                population: int = POPULATION, starts: int = N_STARTS) -> FitResult:
    """Parameters nearest to ``start`` whose response passes ``pattern``'s validator under its protocol.

    The protocol (input, dt, duration, V0, the rule for u0, the equation
    variant) is the preset's; the candidates differ in a, b, c, d only. The
    loss is the distance to ``start`` in the search's unit cube (a on its
    asinh scale) plus 1 and the fraction of the validator's failed conditions
    for a candidate that fails it. The answer is the passing candidate nearest
    to ``start``, re-simulated by :func:`izh_brian.simulate` and validated.

    Parameters
    ----------
    pattern : str
        A preset / validator name (case-insensitive).
    start : dict, optional
        Any of ``a, b, c, d`` (default: the 2003 regular-spiking neuron,
        a = 0.02, b = 0.2, c = -65, d = 8).

    Returns
    -------
    FitResult
        ``gamma`` and ``n_target`` are None; ``extra`` holds ``pattern``,
        ``validator_ok``, ``reasons``, ``distance`` and ``start``.
    """

    check_scheme(scheme)
    p = get_preset(pattern)
    vname = validator_for(p.name)
    budget = _check_budget(budget, population)
    _check_size(f"fit --pattern {p.name}", budget, population, grid_steps(p.dt, p.duration), 2)
    s = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}
    for k, v in (start or {}).items():
        if k not in s:
            raise ValueError(f"unknown start parameter {k!r}; allowed: a, b, c, d")
        v = float(v)
        if not math.isfinite(v):
            raise ValueError(f"start {k} must be a finite number, got {v!r}")
        lo, hi = BOUNDS[k]
        if not lo <= v <= hi:
            raise ValueError(f"start {k} = {v:g} is outside the search interval [{lo:g}, {hi:g}]")
        s[k] = v
    keys = _keys(False)
    x_start = _to_unit(np.array([[s[k] for k in keys]]), keys)[0]
    t0 = time.perf_counter()
    I = p.stimulus.sample(p.dt, p.duration)
    runner = PopulationRunner(I, p.dt, population, scheme=scheme, variant=p.variant, record_v=True, record_u=True)
    t_ms = np.arange(len(I)) * p.dt

    def evaluate(X):
        P = _from_unit(X, keys)
        u0 = None if p.u0 is None else np.full(len(P), p.u0)
        out = runner.run(P[:, 0], P[:, 1], P[:, 2], P[:, 3], np.full(len(P), p.V0), u0)
        L, ok, n = np.empty(len(P)), np.zeros(len(P), bool), np.zeros(len(P), int)
        for j in range(len(P)):
            st = out["spike_times_ms"][j]
            n[j] = len(st)
            dist = float(np.sqrt(np.sum((X[j] - x_start) ** 2)))
            if not out["finite"][j]:
                L[j] = DIVERGED_LOSS + dist
                continue
            pre = with_overrides(p, a=P[j, 0], b=P[j, 1], c=P[j, 2], d=P[j, 3])
            r = Result(preset=pre, scheme=scheme, t_ms=t_ms, v_mV=out["v_mV"][j], u=out["u"][j], I=I,
                       spike_steps=np.rint(st / p.dt).astype(np.int64))
            verdict = validate(vname, r)
            ok[j] = verdict.ok
            failed = sum(1 for x in verdict.reasons if x.startswith("FAILED"))
            L[j] = dist + (0.0 if verdict.ok else 1.0 + failed / max(len(verdict.reasons), 1))
        return L, {"ok": ok, "n": n}

    # the first generation holds the start in row 0; if it passes, it is the nearest answer
    first = np.vstack([x_start[None, :], _atlas_points(keys, population - 1, np.random.default_rng(seed))])
    calls = []

    def stop(info):
        calls.append(1)
        return 0 if len(calls) == 1 and info["ok"][0] else None

    Xs, Ls, infos, evals = _search(evaluate, keys, budget=budget, seed=seed, population=population, starts=starts,
                                   first=first, stop=stop)
    X = np.vstack(Xs)
    ok = np.concatenate([i["ok"] for i in infos])
    dist = np.sqrt(np.sum((X - x_start) ** 2, axis=1))
    if np.any(ok):
        best = int(np.flatnonzero(ok)[np.argmin(dist[ok])])
    else:
        best = int(np.argmin(np.concatenate(Ls)))
    P = _from_unit(X, keys)
    params = dict(s) if dist[best] == 0 else {k: float(x) for k, x in zip(keys, P[best])}
    r = simulate(p, scheme=scheme, **params)
    verdict = validate_result(r)
    return FitResult(params=params, gamma=None, n_spikes=r.n_spikes, n_target=None, v_rmse_mV=None,
                     evaluations=evals, seconds=time.perf_counter() - t0, scheme=scheme, matched=bool(verdict.ok),
                     threshold=float("nan"), spike_times_ms=r.spike_times_ms, v_mV=r.v_mV,
                     extra={"pattern": vname, "validator_ok": bool(verdict.ok), "reasons": verdict.reasons,
                            "distance": float(dist[best]), "start": s})


def plot_fit(target: Target, result: FitResult, *, ax=None, title=None):
    """Target and fitted responses on one axes: traces (if any) and spike ticks. Returns the axes."""
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(8, 3)).add_subplot(1, 1, 1)
    t = target.t_ms
    if target.v_mV is not None:
        ax.plot(t, target.v_mV, color="0.3", lw=1.2, label="target")
    if result.v_mV is not None:
        ax.plot(t, result.v_mV, color="tab:red", lw=0.8, label="fit")
    ax.plot(target.spikes, np.full(len(target.spikes), 38.0), "|", color="0.3", ms=8)
    ax.plot(result.spike_times_ms, np.full(len(result.spike_times_ms), 44.0), "|", color="tab:red", ms=8)
    ax.set_xlabel("t (ms)")
    ax.set_ylabel("v (mV)")
    g = "n/a" if result.gamma is None else f"{result.gamma:.3f}"
    ax.set_title(title or f"{target.name}: fit a={result.params['a']:.4g} b={result.params['b']:.4g} "
                          f"c={result.params['c']:.4g} d={result.params['d']:.4g}, gamma={g}")
    ax.legend(loc="lower right", fontsize=7)
    return ax
