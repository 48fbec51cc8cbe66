"""Benchmark of the fit: one NeuronGroup per generation against one Brian2 run per candidate."""

from __future__ import annotations

import time

import numpy as np

from izh_brian.fitting.objective import Target
from izh_brian.fitting.recovery import format_recovery_table, recovery_table
from izh_brian.fitting.search import POPULATION, PopulationRunner, _from_unit, _keys, fit, quiet_fast_runs
from izh_brian.presets import get_preset
from izh_brian.simulation import simulate

__all__ = [
    "benchmark",
    "format_benchmark",
]


def benchmark(n_candidates: int = 640, n_single: int = 24, budget: int = 16384, recovery: bool = True,
              recovery_budget: int = 16384) -> dict:
    """Speed of the one-group method against one Brian2 run per candidate, measured in the same run.

    1. Throughput: ``n_candidates`` random candidates under a 400 ms step
       protocol (RS, 2003 Fig. 2, extended to 400 ms), simulated as
       generations of one group (:class:`PopulationRunner`), against
       ``n_single`` of them simulated one Brian2 run each
       (:func:`izh_brian.simulate`); neuron-evaluations per second of both
       and their ratio (goal: at least 20x).
    2. One fit of that 400 ms target (RS's own spike train, its parameter set
       left out of the atlas start): seconds (goal: under 60 s on 2 cores,
       warm cache) and fits per minute; the per-candidate method's fits per
       minute are estimated from its measured throughput and the same number
       of evaluations.
    3. With ``recovery``: :func:`recovery_table` of the 28 presets.
    """

    p = get_preset("RS")
    r = simulate(p, duration=400.0)
    target = Target(I=r.I.copy(), dt_ms=p.dt, spike_times_ms=r.spike_times_ms.copy(), v0_mV=p.V0, name="RS, 400 ms")
    rng = np.random.default_rng(0)
    keys = _keys(False)
    P = _from_unit(rng.random((n_candidates, 4)), keys)
    runner = PopulationRunner(target.I, target.dt_ms, POPULATION)
    runner.run(*P[:POPULATION].T, np.full(POPULATION, p.V0))  # warm
    t0 = time.perf_counter()
    for k in range(0, n_candidates, POPULATION):
        chunk = P[k:k + POPULATION]
        runner.run(*chunk.T, np.full(len(chunk), p.V0))
    group_s = time.perf_counter() - t0
    with quiet_fast_runs():
        simulate(p, duration=400.0, a=P[0, 0], b=P[0, 1], c=P[0, 2], d=P[0, 3])  # warm
        t0 = time.perf_counter()
        for row in P[:n_single]:
            try:
                simulate(p, duration=400.0, a=row[0], b=row[1], c=row[2], d=row[3])
            except Exception:  # noqa: BLE001 - a diverging candidate still cost its run
                pass
        single_s = time.perf_counter() - t0
    group_rate = n_candidates / group_s
    single_rate = n_single / single_s
    res = fit(target, budget=budget, seed=0, exclude=[(p.a, p.b, p.c, p.d)])
    out = {"duration_ms": 400.0, "n_candidates": n_candidates, "group_s": group_s, "n_single": n_single,
           "single_s": single_s, "group_evals_per_s": group_rate, "single_evals_per_s": single_rate,
           "ratio": group_rate / single_rate, "goal_ratio": 20.0,
           "fit_s": res.seconds, "fit_evaluations": res.evaluations, "fit_gamma": res.gamma,
           "fits_per_min": 60.0 / res.seconds, "single_fits_per_min_est": 60.0 / (res.evaluations / single_rate),
           "goal_fit_s": 60.0}
    if recovery:
        t0 = time.perf_counter()
        out["recovery"] = recovery_table(budget=recovery_budget)
        out["recovery_s"] = time.perf_counter() - t0
        out["recovery_budget"] = recovery_budget
    return out


def format_benchmark(r: dict) -> str:
    """The benchmark's lines, with the recovery table when it was run."""
    s = (f"fit: {r['duration_ms']:g} ms step protocol: one group {r['group_evals_per_s']:.0f} neuron-evaluations/s "
         f"({r['n_candidates']} in {r['group_s']:.2f} s) vs one Brian2 run per candidate "
         f"{r['single_evals_per_s']:.1f}/s ({r['n_single']} in {r['single_s']:.2f} s): {r['ratio']:.0f}x "
         f"(goal >= {r['goal_ratio']:g}x: {'met' if r['ratio'] >= r['goal_ratio'] else 'NOT met'}); one fit "
         f"{r['fit_s']:.1f} s, {r['fit_evaluations']} evaluations, gamma {r['fit_gamma']:.3f} "
         f"(goal < {r['goal_fit_s']:g} s: {'met' if r['fit_s'] < r['goal_fit_s'] else 'NOT met'}); "
         f"{r['fits_per_min']:.1f} fits/min vs {r['single_fits_per_min_est']:.2f} fits/min one run per candidate "
         f"(estimated from its throughput)")
    if "recovery" in r:
        s += (f"\n    recovery of the 28 presets, budget {r['recovery_budget']} each, {r['recovery_s']:.0f} s:\n"
              + "\n".join("    " + line for line in format_recovery_table(r["recovery"]).splitlines()))
    return s
