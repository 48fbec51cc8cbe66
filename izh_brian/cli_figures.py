"""``izh-brian report``: regenerate the report's figures and data from runs."""

from __future__ import annotations


def _cmd_report(args) -> int:
    from .cli import emit_json
    from .report import build_outputs

    summary = build_outputs(args.out)
    if args.json:
        emit_json(summary)
    else:
        print(f"wrote {len(summary['files'])} files to {summary['out_dir']} "
              f"({summary['n_presets']} presets simulated in {summary['simulate_s']:.2f} s)")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="regenerate the report's figures and data")
    p.add_argument("--out", default="report/build", help="output directory (default report/build)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_cmd_report)
