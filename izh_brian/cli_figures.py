"""``izh-brian figures`` and ``izh-brian report``: regenerate the report's figures, data and PDF from runs."""

from __future__ import annotations


def _cmd_report(args) -> int:
    from .cli import CLIError, emit_json
    from .report import build_outputs

    if not args.no_pdf:
        try:
            import typst  # noqa: F401
        except ImportError:
            raise CLIError("the PDF needs the 'typst' package: pip install 'izh_brian[report]' "
                           "(or use --no-pdf for figures and data only)") from None
    summary = build_outputs(args.out, pdf=not args.no_pdf, quick=args.quick)
    if args.json:
        emit_json(summary)
    else:
        print(f"wrote {len(summary['files'])} files to {summary['out_dir']} "
              f"({summary['n_presets']} presets simulated in {summary['simulate_s']:.2f} s; "
              f"build {summary['build_s']:.1f} s)")
        if summary["pdf"]:
            print(f"report: {summary['pdf']}")
        for name, why in summary["reasons"].items():
            print(f"  section {name} not available: {why}")
    return 0


def _cmd_figures(args) -> int:
    import time

    from .cli import CLIError, emit_json
    from .report import make_figures

    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    allowed = ("png", "pdf", "svg")
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise CLIError(f"--format: unknown format {', '.join(bad) or args.format!r}; allowed: {', '.join(allowed)}")
    t0 = time.perf_counter()
    files = make_figures(args.out, formats=formats, quick=args.quick)
    elapsed = time.perf_counter() - t0
    if args.json:
        emit_json({"out_dir": args.out, "figures": files, "seconds": elapsed})
    else:
        n = sum(len(v) for v in files.values())
        print(f"wrote {n} files ({len(files)} figures: {', '.join(files)}) to {args.out} in {elapsed:.1f} s")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="regenerate the report: figures, data and the PDF")
    p.add_argument("--out", default="report/build", help="output directory (default report/build)")
    p.add_argument("--no-pdf", action="store_true", help="write figures and data only, do not compile the PDF")
    p.add_argument("--quick", action="store_true",
                   help="a quick build (for tests): numerics on 4 presets, a 300 ms network, no cross-simulator check")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("figures", help="regenerate every figure of the report as PNG and PDF")
    p.add_argument("--out", default="report/build/figures", help="output directory (default report/build/figures)")
    p.add_argument("--format", default="png,pdf", help="comma-separated formats: png, pdf, svg (default png,pdf)")
    p.add_argument("--quick", action="store_true", help="as `report --quick`")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_cmd_figures)
