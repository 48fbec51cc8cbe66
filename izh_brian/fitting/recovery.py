"""Parameter recovery: refit each preset from its own response, many at once on Dask."""

from __future__ import annotations

import numpy as np

from izh_brian.analysis.validators import validate_result
from izh_brian.parallel import compiled_modules, dask_map
from izh_brian.fitting.objective import target_from_preset
from izh_brian.fitting.search import POPULATION, PopulationRunner, fit, quiet_fast_runs
from izh_brian.presets import get_preset, preset_names
from izh_brian.simulation import simulate

__all__ = [
    "fit_many",
    "recover",
    "recovery_table",
    "format_recovery_table",
]


def recover(preset, *, scheme: str = "figure1", budget: int = 16384, seed: int = 0, threshold: float = 0.9,
            with_trace: bool = True, attempts: int = 3) -> dict:
    """Refit a preset from its own response and compare the recovered parameters with the true ones.

    The target is the preset's response under its own protocol and scheme:
    its spike train and, with ``with_trace`` (default), its membrane
    potential; V0 and u0 are the preset's, so a, b, c, d are fitted. A fit
    that does not match is repeated with the next seed, up to ``attempts``
    fits of ``budget`` candidates each (the row records the seed that was
    used, the number of attempts, and the evaluations and seconds of all). The published
    parameter set of the preset itself (and any identical one) is left out of
    the atlas generation, so the search cannot start on the answer. The
    preset's validator is the ``accept`` condition of :func:`fit`: the answer
    reproduces the train and shows the pattern.

    Returns
    -------
    dict
        ``name``, ``variant``, ``true`` and ``fitted`` parameters, ``gamma``,
        ``n_spikes``, ``n_target``, ``validator_ok`` (the fitted neuron under
        the preset's protocol, checked by the preset's validator),
        ``evaluations``, ``seconds``, ``matched`` (gamma >= threshold and the
        validator passes) and ``spread`` (see :class:`FitResult`).
    """

    p = get_preset(preset)
    target = target_from_preset(p, scheme=scheme, with_trace=with_trace)
    def passes(params):
        with quiet_fast_runs():
            return validate_result(simulate(p, scheme=scheme, **params)).ok

    evals, seconds = 0, 0.0
    for attempt in range(1, int(attempts) + 1):
        used_seed = seed + attempt - 1
        res = fit(target, scheme=scheme, budget=budget, seed=used_seed, threshold=threshold,
                  exclude=[(p.a, p.b, p.c, p.d)], accept=passes)
        evals += res.evaluations
        seconds += res.seconds
        ok = passes(res.params)
        if res.matched and ok:
            break
    return {"name": p.name, "variant": p.variant, "scheme": scheme,
            "true": {"a": p.a, "b": p.b, "c": p.c, "d": p.d}, "fitted": res.params, "gamma": res.gamma,
            "n_spikes": res.n_spikes, "n_target": res.n_target, "validator_ok": bool(ok),
            "matched": bool(res.matched and ok), "evaluations": evals, "seconds": seconds,
            "seed": used_seed, "attempts": attempt, "with_trace": bool(with_trace), "spread": res.spread}


def _task(kind, arg, kwargs):
    if kind == "recover":
        return recover(arg, **kwargs)
    return fit(arg, **kwargs)


def fit_many(items, *, kind: str = "fit", scheduler=None, n_workers: int = 2, **kwargs) -> list:
    """Fit many targets (``kind='fit'``, :class:`Target` items) or recover many presets (``kind='recover'``).

    Without ``scheduler`` they run here one after the other; with one, each
    target is one task on a Dask cluster (``'local'`` starts a LocalCluster
    of ``n_workers`` processes, anything else is a scheduler address), each
    worker with its own Cython cache seeded from this process's compiled
    code, as :func:`izh_brian.atlas.run_atlas` does.
    """
    items = list(items)
    if kind not in ("fit", "recover"):
        raise ValueError(f"kind must be 'fit' or 'recover', got {kind!r}")
    if scheduler is None:
        return [_task(kind, it, kwargs) for it in items]

    # compile (or find) the code here once; the workers get copies
    warm = PopulationRunner(np.zeros(4), 0.25, kwargs.get("population", POPULATION))
    warm.run(0.02, 0.2, -65.0, 8.0, -65.0)
    return dask_map(_task, [(kind, it, kwargs) for it in items], scheduler=scheduler, n_workers=n_workers,
                    seed_modules=compiled_modules(warm.net))


def recovery_table(names=None, *, scheme: str = "figure1", budget: int = 16384, seed: int = 0,
                   threshold: float = 0.9, scheduler=None, n_workers: int = 2, with_trace: bool = True,
                   attempts: int = 3) -> list:
    """:func:`recover` for every reference preset (or ``names``): the identifiability table.

    Each row as :func:`recover`, plus ``pinned``: the parameters whose
    one-parameter scan through the fit (:class:`FitResult` ``spread``) keeps
    gamma >= threshold over less than 5 % of their search interval; the
    others are not pinned down by the protocol's spike train.
    """

    names = [get_preset(n).name for n in (preset_names() if names is None else names)]
    rows = fit_many(names, kind="recover", scheduler=scheduler, n_workers=n_workers, scheme=scheme, budget=budget,
                    seed=seed, threshold=threshold, with_trace=with_trace, attempts=attempts)
    for row in rows:
        row["pinned"] = [k for k, s in row["spread"].items() if s["fraction"] < 0.05]
    return rows


def format_recovery_table(rows) -> str:
    """The recovery table as text: true and fitted parameters, gamma, validator, pinned parameters."""
    head = (f"{'preset':30s} {'a':>14s} {'b':>14s} {'c':>14s} {'d':>14s} {'gamma':>6s} {'valid':>5s} "
            f"{'evals':>6s} {'s':>5s} {'seed':>4s}  pinned")
    lines = [head + "  (each parameter: true -> fitted)"]
    for r in rows:
        cells = " ".join(f"{r['true'][k]:>6.3g}>{r['fitted'][k]:<7.3g}" for k in "abcd")
        lines.append(f"{r['name']:30s} {cells} {r['gamma']:6.3f} {'yes' if r['validator_ok'] else 'NO':>5s} "
                     f"{r['evaluations']:6d} {r['seconds']:5.1f} {r.get('seed', 0):4d}  "
                     f"{','.join(r.get('pinned', [])) or '-'}")
    ok = sum(1 for r in rows if r["matched"])
    lines.append(f"{ok} of {len(rows)} presets recovered (gamma >= threshold and the validator passes)")
    return "\n".join(lines)
