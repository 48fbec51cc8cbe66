"""Options shared by the commands that simulate presets (``run``, ``validate``, ``matrix``): ``--scheme``
and ``--dt``, added and checked in one place."""

from __future__ import annotations

from izh_brian.cli.types import CLIError, number
from izh_brian.model.schemes import SCHEMES


def add_run_options(parser) -> None:
    """Options shared by commands that simulate presets."""
    parser.add_argument("--scheme", default="figure1", help=f"numerical scheme: {', '.join(SCHEMES)}")
    parser.add_argument("--dt", type=str, default=None, help="time step in ms (default: each preset's own)")


def check_run_options(args):
    """Validate --scheme/--dt; return dt as float or None."""
    if args.scheme not in SCHEMES:
        raise CLIError(f"unknown scheme {args.scheme!r}; allowed: {', '.join(SCHEMES)}")
    return number(args.dt, "--dt", positive=True, unit="ms")
