"""``izh-brian fit``: from a response to parameters (:mod:`izh_brian.fitting`).

``izh-brian fit TARGET [TARGET ...] [--scheme S] [--variant V] [--budget N] [--seed S] [--json] [--plot FILE]``
    Fit a, b, c, d (and V0 unless the target or ``--set V0=...`` gives it) to
    each target file (``.npz`` with ``I``, ``dt_ms`` and ``spike_times_ms``
    and/or ``v_mV``; or ``.csv``). Several targets run one after the other, or
    one per task on Dask with ``--scheduler``.

``izh-brian fit --pattern NAME [--set a=... --set d=...]``
    The parameters nearest to the start (``--set``; default a = 0.02, b = 0.2,
    c = -65, d = 8) whose response passes NAME's validator under NAME's protocol.

``izh-brian fit --recover PRESET [PRESET ...] | --recover all [--spikes-only]``
    Refit presets from their own responses (spike train and trace; the spike
    train only with ``--spikes-only``); report true against fitted parameters.

Exit status: 0 when every fit matches (coincidence factor >= ``--threshold``;
for ``--pattern`` and ``--recover`` the validator must pass too), 1 when the
budget ran out first, 2 on bad input (one line on stderr).
"""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from izh_brian.cli.options import add_limit_options, with_limit_options
from izh_brian.cli.types import CLIError, emit_json, number, parse_set
from izh_brian.fitting.objective import Target, load_target
from izh_brian.fitting.recovery import fit_many, format_recovery_table, recovery_table
from izh_brian.fitting.search import POPULATION, fit_pattern, plot_fit
from izh_brian.limits import check_file_size, check_npz
from izh_brian.model.equations import VARIANTS
from izh_brian.model.schemes import SCHEMES
from izh_brian.presets import get_preset, preset_names
from izh_brian.simulation import simulate

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``fit`` sub-command."""
    p = subparsers.add_parser("fit", help="fit a, b, c, d to a spike train, a trace or a firing pattern")
    p.add_argument("targets", nargs="*", metavar="TARGET", help=".npz or .csv target files")
    p.add_argument("--pattern", metavar="NAME", help="find parameters showing this preset's firing pattern")
    p.add_argument("--recover", nargs="+", metavar="PRESET", help="refit presets from their own responses ('all': the 28)")
    p.add_argument("--scheme", default="figure1", help="numerical scheme of the target (default figure1)")
    p.add_argument("--variant", default=None, help="equation variant of a target file: standard, class1, accommodation")
    p.add_argument("--budget", default=None, metavar="N", help="most candidates to simulate (default 16384; 4096 for --pattern)")
    p.add_argument("--seed", default="0", metavar="S", help="seed of the search (default 0)")
    p.add_argument("--threshold", default="0.9", metavar="G", help="coincidence factor a fit must reach (default 0.9)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="--pattern: start a, b, c, d; a target: known V0 or u0")
    p.add_argument("--spikes-only", action="store_true", help="--recover: fit the spike train only, not the trace")
    p.add_argument("--json", action="store_true", help="print JSON (one object, or a list for several)")
    p.add_argument("--plot", metavar="FILE", help="save target and fitted responses")
    p.add_argument("--scheduler", metavar="ADDR", help="several targets on Dask: 'local' or a scheduler address")
    p.add_argument("--workers", type=int, default=2, help="workers of the LocalCluster (default 2)")
    add_limit_options(p)
    p.set_defaults(func=_cmd_fit)


@with_limit_options
def _cmd_fit(args) -> int:
    modes = sum([bool(args.targets), args.pattern is not None, args.recover is not None])
    if modes != 1:
        raise CLIError("give target files, or --pattern NAME, or --recover PRESET (exactly one)")
    if args.scheme not in SCHEMES:
        raise CLIError(f"unknown scheme {args.scheme!r}; allowed: {', '.join(SCHEMES)}")
    if args.variant is not None and args.variant not in VARIANTS:
        raise CLIError(f"unknown variant {args.variant!r}; allowed: {', '.join(VARIANTS)}")
    seed = number(args.seed, "--seed", kind=int, nonneg=True)
    threshold = number(args.threshold, "--threshold")
    if not (-1.0 <= threshold <= 1.0):
        raise CLIError(f"--threshold must be a coincidence factor in [-1, 1], got {args.threshold}")
    if args.workers < 1:
        raise CLIError(f"--workers must be >= 1, got {args.workers}")
    default_budget = 4096 if args.pattern is not None else 16384
    budget = number(args.budget, "--budget", kind=int, minimum=POPULATION) if args.budget is not None else default_budget

    if args.pattern is not None:
        start = parse_set(args.set, allowed=("a", "b", "c", "d"))
        res = fit_pattern(args.pattern, start, scheme=args.scheme, budget=budget, seed=seed)
        if args.plot:
            _plot_pattern(args.pattern, res, args.plot)
        if args.json:
            emit_json(res.to_dict())
        else:
            x = res.params
            print(f"{res.extra['pattern']}: a={x['a']:.5g} b={x['b']:.5g} c={x['c']:.5g} d={x['d']:.5g} "
                  f"(distance {res.extra['distance']:.3g} from the start), validator "
                  f"{'passes' if res.matched else 'FAILS'}; {res.evaluations} evaluations, {res.seconds:.1f} s")
        return 0 if res.matched else 1

    if args.recover is not None:
        names = preset_names() if [n.lower() for n in args.recover] == ["all"] else \
            [get_preset(n).name for n in args.recover]
        if args.set:
            raise CLIError("--set is not used with --recover (the preset's own initial state is known)")
        rows = recovery_table(names, scheme=args.scheme, budget=budget, seed=seed, threshold=threshold,
                              scheduler=args.scheduler, n_workers=args.workers, with_trace=not args.spikes_only)
        if args.plot:
            _plot_recovery(rows, args.plot)
        if args.json:
            emit_json(rows[0] if len(rows) == 1 else rows)
        else:
            print(format_recovery_table(rows))
        return 0 if all(r["matched"] for r in rows) else 1

    init = parse_set(args.set, allowed=("V0", "u0"))
    targets = []
    for path in args.targets:
        if os.path.isfile(path):  # sizes first: a small .npz may declare huge arrays
            (check_npz if path.lower().endswith(".npz") else check_file_size)(path, what="target file")
        t = load_target(path, variant=args.variant or "standard")
        if args.variant is not None:
            t = replace(t, variant=args.variant)
        if "V0" in init:
            t = replace(t, v0_mV=init["V0"])
        if "u0" in init:
            t = replace(t, u0=init["u0"])
        targets.append(t)
    results = fit_many(targets, scheduler=args.scheduler, n_workers=args.workers, scheme=args.scheme,
                       budget=budget, seed=seed, threshold=threshold)
    if args.plot:
        _plot_targets(targets, results, args.plot)
    if args.json:
        out = [r.to_dict() for r in results]
        emit_json(out[0] if len(out) == 1 else out)
    else:
        for t, r in zip(targets, results):
            x = r.params
            v0 = f" V0={x['V0']:.4g}" if "V0" in x else ""
            rmse = "" if r.v_rmse_mV is None else f", v RMSE {r.v_rmse_mV:.3g} mV"
            print(f"{t.name}: a={x['a']:.5g} b={x['b']:.5g} c={x['c']:.5g} d={x['d']:.5g}{v0}; gamma {r.gamma:.3f} "
                  f"({r.n_spikes} spikes, target {r.n_target}){rmse}; {'match' if r.matched else 'NO match'}; "
                  f"{r.evaluations} evaluations, {r.seconds:.1f} s ({r.scheme})")
    return 0 if all(r.matched for r in results) else 1


def _save(fig, path):
    fig.savefig(path, bbox_inches="tight", dpi=120)


def _plot_targets(targets, results, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 2.6 * len(targets)))
    for k, (t, r) in enumerate(zip(targets, results)):
        plot_fit(t, r, ax=fig.add_subplot(len(targets), 1, k + 1))
    fig.tight_layout()
    _save(fig, path)


def _plot_pattern(name, res, path):
    from matplotlib.figure import Figure

    p = get_preset(name)
    r = simulate(p)

    t = Target(I=r.I, dt_ms=p.dt, spike_times_ms=r.spike_times_ms, v_mV=r.v_mV, v0_mV=p.V0, name=f"{p.name} (published)")
    fig = Figure(figsize=(8, 2.8))
    plot_fit(t, res, ax=fig.add_subplot(1, 1, 1))
    fig.tight_layout()
    _save(fig, path)


def _plot_recovery(rows, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 2.2))
    keys = ("a", "b", "c", "d")
    for k, key in enumerate(keys):
        ax = fig.add_subplot(1, 4, k + 1)
        true = np.array([r["true"][key] for r in rows])
        got = np.array([r["fitted"][key] for r in rows])
        ax.plot(true, got, "o", ms=3)
        lo, hi = min(true.min(), got.min()), max(true.max(), got.max())
        ax.plot([lo, hi], [lo, hi], color="0.6", lw=0.8)
        ax.set_xlabel(f"true {key}")
        ax.set_ylabel(f"fitted {key}")
    fig.tight_layout()
    _save(fig, path)
