"""``izh-brian figures`` and ``izh-brian report``: regenerate the report's figures, data, lessons and PDF from runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from izh_brian.cli.types import CLIError, emit_json
from izh_brian.report.build import BUILD_INCOMPLETE, build_outputs, compute_sections, make_figures, templates
from izh_brian.report.figures import FIGURE_SECTIONS, MAIN_FIGURES


def _progress(args):
    """Per-section lines (time, modules compiled) on stderr, unless --json or --quiet."""
    if args.json or getattr(args, "quiet", False):
        return None
    return lambda line: print(line, file=sys.stderr, flush=True)


def _cmd_report(args) -> int:
    if not args.no_pdf:
        try:
            import typst  # noqa: F401
        except ImportError:
            raise CLIError("the PDF needs the 'typst' package: pip install 'izh_brian[report]' "
                           "(or use --no-pdf for figures and data only)") from None
    if args.notebooks is not None:
        if not Path(args.notebooks).is_dir():
            raise CLIError(f"--notebooks: {args.notebooks!r} is not a folder; give the folder of the lessons "
                           f"(*.ipynb), or leave out --notebooks and --lessons")
    try:
        templates()
    except FileNotFoundError as exc:
        raise CLIError(str(exc)) from None
    if (args.lessons or args.notebooks is not None) and args.no_lessons:
        raise CLIError("--lessons (and --notebooks) execute the lessons, --no-lessons leaves them out: give one of them")
    if args.quick and args.full_crosscheck:
        raise CLIError("--quick skips the cross-simulator check; --full-crosscheck runs all of it: give one of them")
    try:
        summary = build_outputs(args.out, pdf=not args.no_pdf, quick=args.quick, lessons=bool(args.lessons or args.notebooks),
                                notebooks_dir=args.notebooks, progress=_progress(args),
                                full_crosscheck=args.full_crosscheck)
    except KeyboardInterrupt:  # build_outputs left its marker beside the partial files (any failure does)
        print(f"report interrupted: {args.out} holds partial files ({Path(args.out) / BUILD_INCOMPLETE} marks "
              f"them); run the same command again", file=sys.stderr)
        return 130
    if args.json:
        emit_json(summary)
    else:
        print(f"wrote {len(summary['files'])} files to {summary['out_dir']} "
              f"({summary['n_presets']} presets simulated in {summary['simulate_s']:.2f} s; "
              f"build {summary['build_s']:.1f} s)")
        if summary["pdf"]:
            print(f"report: {summary['pdf']}")
        for lesson in summary["lessons"]:
            print(f"  lesson {lesson['name']}: {'executed' if lesson['ok'] else 'FAILED: ' + str(lesson['error'])} "
                  f"({lesson['seconds']:.1f} s)")
        for name, why in summary["reasons"].items():
            if name == "lessons" and not args.lessons and args.notebooks is None:
                print(f"  {why}")  # not asked for: no appendix
            else:
                print(f"  section {name} not available: {why}")
        for line in summary.get("partial", []):
            print(f"  {line}")
    return 0


def _cmd_figures(args) -> int:
    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    allowed = ("png", "pdf", "svg")
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise CLIError(f"--format: unknown format {', '.join(bad) or args.format!r}; allowed: {', '.join(allowed)}")
    t0 = time.perf_counter()

    progress = _progress(args)
    draw: dict = {}
    files: dict = {}

    def early(sec):  # the main process's figures, drawn while the second process finishes
        files.update(make_figures(args.out, sections=sec, formats=formats, progress=progress, draw_timings=draw,
                                  keys=MAIN_FIGURES))

    sections = compute_sections(figures_only=True, quick=args.quick, progress=progress, while_waiting=early)
    files.update(make_figures(args.out, sections=sections, formats=formats, progress=progress, draw_timings=draw,
                              keys=[k for k in FIGURE_SECTIONS if k not in MAIN_FIGURES]))
    files = {k: files[k] for k in FIGURE_SECTIONS if k in files}
    elapsed = time.perf_counter() - t0
    per_figure = {}
    for key in files:
        sec = sections.get(FIGURE_SECTIONS.get(key, ""), {})
        per_figure[key] = {"section": FIGURE_SECTIONS.get(key), "section_s": sec.get("seconds"),
                           "modules_compiled": sec.get("modules_compiled"), "draw_s": draw.get(key)}
    if args.json:
        emit_json({"out_dir": args.out, "figures": files, "seconds": elapsed, "per_figure": per_figure,
                   "sections": {k: {"seconds": v["seconds"], "modules_compiled": v.get("modules_compiled"),
                                    "process": v.get("process", "main")}
                                for k, v in sections.items() if isinstance(v, dict) and "seconds" in v}})
    else:
        n = sum(len(v) for v in files.values())
        for key, f in per_figure.items():
            print(f"  {key:<18s} section {f['section']:<12s} {f['section_s'] or 0:6.1f} s, "
                  f"{f['modules_compiled'] or 0:3d} modules compiled; drawing {f['draw_s'] or 0:5.1f} s")
        print(f"wrote {n} files ({len(files)} figures: {', '.join(files)}) to {args.out} in {elapsed:.1f} s")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="regenerate the report: figures, data and the PDF (--lessons: the executed lessons too)")
    p.add_argument("--out", default="report/build", help="output directory (default report/build)")
    p.add_argument("--no-pdf", action="store_true", help="write figures and data only, do not compile the PDF")
    p.add_argument("--lessons", action="store_true",
                   help="also execute the lessons (notebooks/*.ipynb) into OUT/lessons/*.html and list them in an "
                        "appendix (minutes on a cold cache; `make test` runs them too)")
    p.add_argument("--no-lessons", action="store_true",
                   help="the default: the lessons are not executed (kept for scripts that pass it)")
    p.add_argument("--notebooks", default=None,
                   help="folder of the lessons for --lessons (implies it; default ./notebooks, or the source "
                        "checkout's notebooks/)")
    p.add_argument("--quick", action="store_true",
                   help="a quick build (for tests): numerics on 4 presets, short network runs, no cross-simulator check")
    p.add_argument("--full-crosscheck", action="store_true",
                   help="run every row of the cross-simulator check (jNeuroML's generated network and example files "
                        "too; minutes on a cold cache) and save it as OUT/crosscheck.json, which later builds of OUT "
                        "show again while it is current (default: that file, else a quick check that names the rows "
                        "it leaves out)")
    p.add_argument("--quiet", action="store_true", help="no per-section progress lines on stderr")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("figures", help="regenerate every figure of the report as PNG and PDF")
    p.add_argument("--out", default="report/build/figures", help="output directory (default report/build/figures)")
    p.add_argument("--format", default="png,pdf", help="comma-separated formats: png, pdf, svg (default png,pdf)")
    p.add_argument("--quick", action="store_true", help="as `report --quick`")
    p.add_argument("--quiet", action="store_true", help="no per-section progress lines on stderr")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_cmd_figures)
