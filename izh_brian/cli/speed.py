"""``izh-brian atlas``: parameter atlases; ``izh-brian bench`` only says where the benchmarks are.

``izh-brian bench ...``
    The speed benchmarks are not part of the package: they live in ``benchmarks/`` of a source checkout
    and run with ``make bench`` (or ``python -m benchmarks.bench WHICH``); this command exits 2 with one
    line saying so.

``izh-brian atlas --grid KEY=LO:HI:N ... [--stimulus PRESET | --current I] [--json] [--plot FILE] [--scheduler ADDR]``
    Maps the firing class over a parameter grid (:mod:`izh_brian.atlas`);
    ``--scheduler local`` starts a Dask LocalCluster, any other value is the
    address of a Dask scheduler.
"""

from __future__ import annotations

import argparse

import numpy as np

from izh_brian.atlas import GRID_KEYS, parse_grid, run_atlas
from izh_brian.cli.options import add_limit_options, with_limit_options
from izh_brian.cli.types import CLIError, emit_json, number, parse_set
from izh_brian.plotting.maps import plot_class_map

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``bench`` and ``atlas`` sub-commands."""
    p = subparsers.add_parser("bench", add_help=False, help="(not in the package) the speed benchmarks run with "
                              "'make bench' from a source checkout")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.add_argument("-h", "--help", "--json", action="store_true", dest="_old_flags")  # the old options, answered
    p.add_argument("--save", dest="_old_save")                                         # with the same one line
    p.set_defaults(func=_cmd_bench)

    p = subparsers.add_parser("atlas", help="map firing classes over a parameter grid")
    p.add_argument("--grid", action="append", metavar="KEY=LO:HI:N", required=False,
                   help="a grid axis: KEY in a, b, c, d, V0, u0, I; N values from LO to HI (repeat for more axes)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--stimulus", metavar="PRESET", help="use this preset's protocol, grid and neuron as the base")
    src.add_argument("--current", metavar="I", help="a step of I mV/ms for t > onset (default 10)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="fix a non-gridded parameter (a, b, c, d, V0, u0, I)")
    p.add_argument("--duration", metavar="MS", help="simulated time in ms (default 200, or the preset's)")
    p.add_argument("--dt", metavar="MS", help="time step in ms (default 0.25, or the preset's)")
    p.add_argument("--scheme", default="figure1", help="numerical scheme (default figure1)")
    p.add_argument("--onset", metavar="MS", help="start of the input window the classifier reads (default 20 ms)")
    p.add_argument("--no-classify", action="store_true", help="features only, no class labels")
    p.add_argument("--json", action="store_true", help="print the atlas as JSON")
    p.add_argument("--plot", metavar="FILE", help="save the class map (1-D or 2-D grids)")
    p.add_argument("--save", metavar="FILE.npz", help="save the arrays as a NumPy archive")
    p.add_argument("--scheduler", metavar="ADDR", help="run chunks on Dask: 'local' for a LocalCluster, or an address")
    p.add_argument("--workers", type=int, default=2, help="workers of the LocalCluster (default 2)")
    p.add_argument("--chunk-size", type=int, metavar="N", help="points per chunk (default: all in one)")
    add_limit_options(p)
    p.set_defaults(func=_cmd_atlas)


def _cmd_bench(args) -> int:
    raise CLIError("the benchmarks are not part of the package: run 'make bench' (or 'python -m benchmarks.bench "
                   "--help') from the root of a source checkout (benchmarks/)")


@with_limit_options
def _cmd_atlas(args) -> int:
    if not args.grid:
        raise CLIError("give at least one --grid KEY=LO:HI:N (KEY in " + ", ".join(GRID_KEYS) + ")")
    grid = [parse_grid(g) for g in args.grid]
    base = parse_set(args.set, allowed=GRID_KEYS)
    if args.chunk_size is not None and args.chunk_size < 1:
        raise CLIError(f"--chunk-size must be >= 1, got {args.chunk_size}")
    if args.workers < 1:
        raise CLIError(f"--workers must be >= 1, got {args.workers}")
    atlas = run_atlas(
        grid,
        stimulus=args.stimulus,
        current=number(args.current, "--current"),
        base=base,
        scheme=args.scheme,
        dt=number(args.dt, "--dt", positive=True),
        duration=number(args.duration, "--duration", positive=True),
        onset_ms=number(args.onset, "--onset"),
        classify=not args.no_classify,
        chunk_size=args.chunk_size,
        scheduler=args.scheduler,
        n_workers=args.workers,
    )
    if args.save:
        atlas.save(args.save)
    if args.plot:
        if len(atlas.shape) > 2:
            raise CLIError(f"--plot draws 1-D or 2-D grids; this one has {len(atlas.shape)} axes")
        keys = list(atlas.spec.keys)
        labels = np.asarray(atlas.labels)
        if len(keys) > 1:
            ax = plot_class_map(atlas.spec.axes[0], atlas.spec.axes[1], labels.T, xlabel=keys[0], ylabel=keys[1])
        else:
            ax = plot_class_map(atlas.spec.axes[0], None, labels, xlabel=keys[0])
        ax.set_title(f"{atlas.spec.size} points, {atlas.spec.duration_ms:g} ms")
        ax.figure.savefig(args.plot, bbox_inches="tight", dpi=120)
    if args.json:
        emit_json(atlas.to_dict())
    else:
        print(f"atlas of {atlas.spec.size} points over {', '.join(atlas.spec.keys)} "
              f"({' x '.join(str(s) for s in atlas.shape)}), {atlas.spec.duration_ms:g} ms at dt {atlas.spec.dt_ms:g} ms, "
              f"{atlas.timing['total']:.2f} s")
        for label, count in sorted(atlas.class_counts().items(), key=lambda kv: -kv[1]):
            print(f"  {label or '(unclassified)':12s} {count}")
    return 0
