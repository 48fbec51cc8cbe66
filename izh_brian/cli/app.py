"""The ``izh-brian`` command.

Sub-commands live in small modules of :mod:`izh_brian.cli`, each exposing
``register(subparsers)``; this module owns argument parsing, the common
options and the error contract: bad input exits with status 2 and one line on
stderr naming the value and what is allowed, never a traceback.

The ``--json`` outputs are public interfaces: field names stay stable.
"""

from __future__ import annotations

import argparse
import sys

from izh_brian.analysis.validators import validate_result
from izh_brian.cli import check as cli_check
from izh_brian.cli import course as cli_course
from izh_brian.cli import figures as cli_figures
from izh_brian.cli import fit as cli_fit
from izh_brian.cli import interop as cli_interop
from izh_brian.cli import network as cli_network
from izh_brian.cli import patterns as cli_patterns
from izh_brian.cli import speed as cli_speed
from izh_brian.cli.options import add_limit_options, add_run_options, check_run_options, with_limit_options
from izh_brian.cli.types import CLIError, emit_json, parse_set
from izh_brian.plotting.neurons import save_results_figure
from izh_brian.presets import OVERRIDABLE, PRESETS, REFERENCE_PRESETS, UnknownPresetError, get_preset, preset_names
from izh_brian.simulation import NEURON_OVERRIDES, DivergenceError, simulate_many

__all__ = [
    "main",
]


#: Sub-command modules (each has ``register(subparsers)``), in the order of ``izh-brian --help``.
SUBCOMMAND_MODULES = (cli_patterns, cli_figures, cli_network, cli_interop, cli_speed, cli_check, cli_fit, cli_course)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, status 2
        raise CLIError(f"{self.prog}: {message}")


def _cmd_list(args) -> int:
    table = PRESETS if args.fine else REFERENCE_PRESETS
    if args.json:
        emit_json([p.to_dict() for p in table.values()])
        return 0
    print(f"{'name':32s} {'paper':5s} {'panel':8s} {'a':>7s} {'b':>6s} {'c':>5s} {'d':>6s} {'dt':>5s} {'T':>5s}")
    for p in table.values():
        print(f"{p.name:32s} {p.paper:5s} {p.panel:8s} {p.a:7g} {p.b:6g} {p.c:5g} {p.d:6g} {p.dt:5g} {p.duration:5g}")
    return 0


def resolve_names(args) -> list:
    """The preset names of ``NAME ... | --all``, checked."""

    if getattr(args, "all", False):
        if args.names:
            raise CLIError("give preset names or --all, not both")
        return preset_names()
    if not args.names:
        raise CLIError("give at least one preset name, or --all (see `izh-brian list`)")
    return [get_preset(n).name for n in args.names]


def run_presets(args):
    """Simulate the presets named by ``args`` (names/--all, --scheme, --dt, --set)."""

    names = resolve_names(args)
    dt = check_run_options(args)
    overrides = parse_set(args.set, allowed=[k for k in OVERRIDABLE if k != "dt"] + list(NEURON_OVERRIDES))
    return simulate_many(names, scheme=args.scheme, dt=dt, overrides=[overrides] * len(names))


@with_limit_options
def _cmd_run(args) -> int:
    results = run_presets(args)
    validations = None
    if getattr(args, "validate", False):
        validations = [validate_result(r) for r in results]
    if args.plot:
        save_results_figure(results, args.plot)
    if args.json:
        out = []
        for i, r in enumerate(results):
            d = r.to_dict()
            if validations is not None:
                d["validation"] = validations[i].to_dict()
            out.append(d)
        emit_json(out)
    else:
        for i, r in enumerate(results):
            times = ", ".join(f"{t:g}" for t in r.spike_times_ms)
            line = f"{r.name}: {r.n_spikes} spikes ({r.scheme}, dt={r.dt_ms:g} ms, T={r.duration_ms:g} ms): [{times}]"
            if validations is not None:
                v = validations[i]
                line += f"\n  validation {v.pattern}: {'ok' if v.ok else 'FAILED'}; " + "; ".join(v.reasons)
            print(line)
    if validations is not None and not all(v.ok for v in validations):
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="izh-brian", description="The Izhikevich neuron model on Brian2.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("list", help="list the presets")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--fine", action="store_true", help="include the fine-dt variants")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="simulate presets")
    p.add_argument("names", nargs="*", metavar="NAME", help="preset names (case-insensitive)")
    p.add_argument("--all", action="store_true", help="all 28 reference presets")
    add_run_options(p)
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter (a, b, c, d, V0, u0, duration)")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per preset")
    p.add_argument("--plot", metavar="FILE", help="save a figure of the traces")
    p.add_argument("--validate", action="store_true", help="check each response against its firing pattern")
    add_limit_options(p)
    p.set_defaults(func=_cmd_run)

    for module in SUBCOMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point; returns the exit status."""

    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except CLIError as exc:
        print(f"izh-brian: error: {exc}", file=sys.stderr)
        return 2
    except (UnknownPresetError, ValueError, DivergenceError, FileNotFoundError) as exc:
        print(f"izh-brian: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `izh-brian list | head`
        sys.stdout = None  # type: ignore[assignment]
        return 0
    except KeyboardInterrupt:
        print("izh-brian: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
