"""``izh-brian check PATTERN FILE [--json] [--index N]``: grade a student's own model.

FILE holds the spike times of the student's model run on the preset's
protocol: a ``.npz`` archive (``spike_times_ms``, optionally ``t_ms``,
``v_mV``, ``I``, ``dt_ms``) or a ``.csv`` / ``.txt`` file with one spike time
(ms) per line and an optional header. The command prints each criterion of
the pattern's validator (:mod:`izh_brian.teaching.check`) and the comparison with
figure1.m; ``--json`` prints ``{"pattern", "shows_pattern", "criteria":
[{"name", "value", "required", "ok", "hint"}], "reference"}``.

Exit status: 0 when the pattern is shown, 1 when it is not, 2 on bad input
(unknown pattern; missing, empty or malformed file; spike times that are
negative, NaN or not increasing), with one line on stderr.
"""

from __future__ import annotations

from izh_brian.cli.types import CLIError, emit_json
from izh_brian.teaching.check import check

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``check`` sub-command."""
    p = subparsers.add_parser("check", help="does a student's spike train show a firing pattern?",
                              description="Grade the spike times of your own model against a preset's firing "
                                          "pattern and compare them with figure1.m.")
    p.add_argument("pattern", metavar="PATTERN", help="preset name, e.g. tonic_spiking or RS (see `izh-brian list`)")
    p.add_argument("file", metavar="FILE", help=".npz (spike_times_ms, optional t_ms, v_mV, I, dt_ms) or .csv "
                                                "(one spike time in ms per line, header allowed)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--index", metavar="N", default="0",
                   help="the neuron to check, in a file with spike_indices or 'index, time' lines (default 0)")
    p.set_defaults(func=_cmd_check)


def _cmd_check(args) -> int:
    text = str(args.index).strip()
    if not text.isdigit():  # "1e300", "1.0", "-1": refused, naming the value
        raise CLIError(f"--index must be a whole number 0 .. N-1 (the neuron), got {args.index!r}")
    index = int(text)
    report = check(args.pattern, args.file, index=index)
    if args.json:
        emit_json(report.to_dict())
    else:
        print(report)
    return 0 if report.shows_pattern else 1
