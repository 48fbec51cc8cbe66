"""Options shared by several commands, added and checked in one place: ``--scheme`` and ``--dt`` of the
commands that simulate presets (``run``, ``validate``, ``matrix``), and ``--max-steps`` / ``--max-memory``,
which raise the resource limits of :mod:`izh_brian.limits` for one command."""

from __future__ import annotations

import functools

from izh_brian.cli.types import CLIError, number
from izh_brian.limits import DEFAULT_LIMITS, limits
from izh_brian.model.schemes import SCHEMES

__all__ = ["add_run_options", "check_run_options", "add_limit_options", "with_limit_options"]


def add_run_options(parser) -> None:
    """Options shared by commands that simulate presets."""
    parser.add_argument("--scheme", default="figure1", help=f"numerical scheme: {', '.join(SCHEMES)}")
    parser.add_argument("--dt", type=str, default=None, help="time step in ms (default: each preset's own)")


def check_run_options(args):
    """Validate --scheme/--dt; return dt as float or None."""
    if args.scheme not in SCHEMES:
        raise CLIError(f"unknown scheme {args.scheme!r}; allowed: {', '.join(SCHEMES)}")
    return number(args.dt, "--dt", positive=True, unit="ms")


def add_limit_options(parser) -> None:
    """``--max-steps N`` and ``--max-memory GB``: the limits a run is checked against before it starts."""
    parser.add_argument("--max-steps", default=None, metavar="N",
                        help=f"most neuron-steps (neurons x steps) of a run (default {DEFAULT_LIMITS.max_neuron_steps:g}, "
                             "or IZH_BRIAN_MAX_STEPS)")
    parser.add_argument("--max-memory", default=None, metavar="GB",
                        help=f"most memory a run's arrays may take, in GB of 2**30 bytes (default "
                             f"{DEFAULT_LIMITS.max_bytes / 1024**3:g}, or IZH_BRIAN_MAX_BYTES in bytes)")


def with_limit_options(func):
    """Run the command ``func(args)`` under the limits its ``--max-steps`` / ``--max-memory`` give."""

    @functools.wraps(func)
    def wrapper(args):
        kw = {}
        steps = number(getattr(args, "max_steps", None), "--max-steps", positive=True)
        memory = number(getattr(args, "max_memory", None), "--max-memory", positive=True, unit="GB")
        if steps is not None:
            kw["max_neuron_steps"] = steps
        if memory is not None:
            kw["max_bytes"] = memory * 1024**3
        with limits(**kw):
            return func(args)

    return wrapper
