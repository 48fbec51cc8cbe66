"""The ``izh-brian`` command.

Sub-commands live in small modules of :mod:`izh_brian.cli`, each exposing
``register(subparsers)``; this module owns argument parsing, the common
options and the error contract: bad input exits with status 2 and one line on
stderr naming the value and what is allowed, never a traceback.

The ``--json`` outputs are public interfaces: field names stay stable.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys

import numpy as np

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
from izh_brian.cli.types import CLIError, emit_json, number, parse_set
from izh_brian.limits import ResourceLimitError, check_file_size, load_npz
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


#: "5,25": a decimal comma, or a time and a weight with no decimal point: refused as ambiguous.
_BARE_PAIR = re.compile(r"[+-]?\d+,\d+")


def read_spikes_in(path) -> tuple:
    """``(times_ms, weights_mV)`` (and ``multiplicities`` when the file has them) of a ``--spikes-in`` file.

    A ``.csv`` of ``time_ms,weight_mV`` rows (an optional third column: multiplicity; a first line holding
    no number is a header) or a ``.npz`` with ``times_ms`` and ``weights_mV`` (optional ``multiplicities``).
    The file's size is checked first (:mod:`izh_brian.limits`); an unreadable or ambiguous file is refused
    with one line (a :class:`CLIError`). The values are checked by :func:`izh_brian.simulate`.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CLIError(f"--spikes-in: no such file: {path!r}")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".npz"):
        raise CLIError(f"--spikes-in: cannot read {path!r}: unsupported file type {ext or '(none)'!r}; "
                       "allowed: .csv (time_ms,weight_mV rows), .npz (times_ms, weights_mV)")
    if check_file_size(path, what="--spikes-in file") == 0:
        raise CLIError(f"--spikes-in: {path!r} is empty (a .csv of time_ms,weight_mV rows; a header alone "
                       "means no spikes)")
    if ext == ".npz":
        return _spikes_in_npz(path)
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CLIError(f"--spikes-in: cannot read {path!r} as text: {type(exc).__name__}") from None
    if not any("." in line for line in lines):
        bare = next((line.strip() for line in lines if _BARE_PAIR.fullmatch(line.strip())), None)
        if bare is not None:
            raise CLIError(f"--spikes-in: {path!r}: {bare[:40]!r} is ambiguous (a decimal comma, or a time and "
                           "a weight?): write numbers with a decimal point, 'time_ms, weight_mV' (5.0, 25.0)")
    rows, width, seen = [], None, False
    for no, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        fields = [x.strip() for x in text.split(",")]
        try:
            values = [float(x) for x in fields]
        except ValueError:
            if not seen and not any(_is_number(x) for x in fields):  # the header
                seen = True
                continue
            raise CLIError(f"--spikes-in: {path!r} line {no}: {text[:40]!r} is not 'time_ms, weight_mV' "
                           "(two numbers; a header line holding no number is allowed)") from None
        seen = True
        if len(values) not in (2, 3) or (width is not None and len(values) != width):
            raise CLIError(f"--spikes-in: {path!r} line {no}: {text[:40]!r} has {len(values)} columns; every row "
                           f"must be 'time_ms, weight_mV'{'' if width is None else f' ({width} columns as line 1)'}"
                           " (or with a third column, the multiplicity)")
        width = len(values)
        rows.append(values)
    arr = np.asarray(rows, dtype=float).reshape(-1, width or 2)
    cols = (arr[:, 0], arr[:, 1]) + ((arr[:, 2],) if width == 3 else ())
    return tuple(c.copy() for c in cols)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _spikes_in_npz(path: str) -> tuple:
    try:
        arrays = load_npz(path, what="--spikes-in file")
    except ResourceLimitError:
        raise
    except (ValueError, OSError, EOFError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CLIError(f"--spikes-in: cannot read {path!r} as a NumPy .npz archive: {first}") from None
    keys = ["times_ms", "weights_mV"] + (["multiplicities"] if "multiplicities" in arrays else [])
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise CLIError(f"--spikes-in: {path!r} has no array {missing[0]!r} (keys: {', '.join(arrays) or 'none'}); "
                       "give times_ms and weights_mV")
    out = []
    for k in keys:
        a = arrays[k]
        if a.dtype.kind not in "iuf" or a.ndim != 1:
            raise CLIError(f"--spikes-in: {path!r}: {k!r} must be one list of numbers, got dtype {a.dtype}, "
                           f"shape {a.shape}")
        out.append(a.astype(float))
    return tuple(out)


def parse_dc(text):
    """``AMP:START:STOP`` of ``--dc`` (mV/ms, ms, ms; STOP may be inf) as three floats."""
    if text is None:
        return None
    parts = str(text).split(":")
    if len(parts) != 3:
        raise CLIError(f"--dc expects AMP:START:STOP (mV/ms, ms, ms; STOP may be inf), got {text!r}")
    amp = number(parts[0], "--dc amplitude", unit="mV/ms")
    start = number(parts[1], "--dc start", nonneg=True, unit="ms")
    if parts[2].strip().lower() in ("inf", "+inf"):
        stop = math.inf
    else:
        stop = number(parts[2], "--dc stop", unit="ms")
    return (amp, start, stop)


def run_presets(args):
    """Simulate the presets named by ``args`` (names/--all, --scheme, --dt, --set; --spikes-in, --dc, --delay)."""

    names = resolve_names(args)
    dt = check_run_options(args)
    overrides = parse_set(args.set, allowed=[k for k in OVERRIDABLE if k != "dt"] + list(NEURON_OVERRIDES))
    spikes_path = getattr(args, "spikes_in", None)
    dc = parse_dc(getattr(args, "dc", None))
    delay = number(getattr(args, "delay", None), "--delay", positive=True, unit="ms")
    if delay is not None and spikes_path is None and dc is None:
        raise CLIError("--delay is the delay of --spikes-in and --dc; give one of them")
    spikes = read_spikes_in(spikes_path) if spikes_path is not None else None
    return simulate_many(names, scheme=args.scheme, dt=dt, overrides=[overrides] * len(names),
                         spikes_in=None if spikes is None else [spikes] * len(names),
                         dc=None if dc is None else [dc] * len(names), delay_ms=delay)


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
    p.add_argument("--spikes-in", metavar="FILE",
                   help="nest schemes: input spikes, NEST's spike_generator -> static_synapse: a .csv of "
                        "'time_ms, weight_mV' rows or a .npz with times_ms, weights_mV")
    p.add_argument("--dc", metavar="AMP:START:STOP",
                   help="nest schemes: NEST's dc_generator (mV/ms from START to STOP ms; STOP may be inf), "
                        "added to the preset's input")
    p.add_argument("--delay", metavar="MS", default=None,
                   help="connection delay of --spikes-in and --dc (ms, whole steps; default one step)")
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
