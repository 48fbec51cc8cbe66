"""``izh-brian neuroml run|export|examples`` and ``izh-brian crosscheck``: NeuroML/LEMS files, NEST and jNeuroML.

``neuroml run FILE [--json] [--duration MS] [--dt MS] [--output-dir DIR | --no-outputs] [--force] [--plot PNG]``
    Read a NeuroML2 or LEMS file (populations, inputs, projections, cells of
    any point-cell ComponentType) and run it in Brian2 as jNeuroML does
    (``--duration``/``--dt`` override or supply the Simulation). The file's
    ``OutputFile`` s and ``EventOutputFile`` s are written as jnml writes
    them (same names, columns, SI units), beside FILE unless ``--output-dir``
    or ``--no-outputs``; files that exist beside FILE are overwritten only
    with ``--force``; ``--plot`` draws its ``Display`` s. ``--json`` prints
    ``{"duration_ms", "dt_ms", "populations": {POP_ID: {"size": n, "spike_times_ms": [[...] per cell]}}}``.
``neuroml export NAME [NAME ...] -o FILE``
    Write presets as a LEMS simulation FILE plus the NeuroML2 document it
    includes (``<stem>.net.nml`` beside it).
``neuroml examples [--json] [--copy DIR]``
    List the example models shipped with izh_brian (name, LEMS file, description;
    ``--json``: a list of ``{"name", "file", "path", "description"}``). ``--copy DIR``
    copies all their files into DIR (created if needed, layout kept: ``DIR/osb/``) and
    refuses, copying nothing, if any of them exists there already; ``path`` is then the copy.
``crosscheck [--simulator nest|jneuroml|all] [--no-files] [--json] [--save DIR]``
    Per preset and simulator: spike counts, the largest spike-time difference,
    agreement yes/no; for jNeuroML also its Ex2 example, a generated network and,
    unless ``--no-files``, every population of the example models (rows
    ``<example>/<population>``). ``--json`` prints a list of rows with the keys ``name``,
    ``simulator``, ``n_spikes_ours``, ``n_spikes_theirs``, ``max_dt_ms``,
    ``agree`` and ``reason`` (skipped rows). Exit status 1 when a compared row
    disagrees. ``--save DIR`` also writes the rows as ``DIR/crosscheck.json`` (DIR created if
    needed), as ``izh-brian report --full-crosscheck --out DIR`` does, listing the simulators that
    ran here; ``izh-brian report --out DIR`` then shows them instead of running a cross-check, unless
    a simulator that can run here is not in the file (e.g. a ``--simulator nest`` save where jNeuroML
    can run). One line says where the file went and whether the report will show it (on stderr
    with ``--json``, whose output is unchanged).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from izh_brian.cli.types import CLIError, emit_json, number
from izh_brian.interop import SIMULATORS, crosscheck
from izh_brian.interop.export import export_presets
from izh_brian.interop.jneuroml import JNeuroMLError
from izh_brian.interop.neuroml_examples import EXAMPLES, copy_examples, example_path
from izh_brian.lems import output_paths, plot_displays, read_model, run_model, write_outputs
from izh_brian.presets import get_preset
from izh_brian.report import sections as S


def _cmd_neuroml_run(args) -> int:
    kwargs = {}
    for key, value in (("duration_ms", args.duration), ("dt_ms", args.dt)):
        if value is None:
            continue
        num = number(value, f"--{key[:-3]}", positive=True, unit="ms")
        kwargs[key] = num
    model = read_model(args.file)
    folder = args.output_dir or os.path.dirname(os.path.abspath(args.file))
    if not args.no_outputs:
        paths = output_paths(model, folder)  # refuse names that leave the folder before anything runs
        existing = [p for _spec, p in paths if os.path.lexists(p)]
        # Beside FILE (a folder the user did not name) a file from elsewhere is never overwritten silently.
        if existing and not (args.force or args.output_dir):
            more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
            raise CLIError(f"{existing[0]}{more} already exist(s); add --force to overwrite, --output-dir DIR to "
                           f"write elsewhere, or --no-outputs")
    run = run_model(model, **kwargs)
    written = []
    if not args.no_outputs:
        written = write_outputs(model, run, folder)
    if args.plot:
        plot_displays(model, run, args.plot)
    if args.json:
        emit_json(run.to_dict())
        return 0
    for path in written:
        print(f"wrote {path}")
    print(f"{args.file}: {run.duration_ms:g} ms at dt = {run.dt_ms:g} ms")
    for pop, cells in run.spike_times_ms.items():
        for i, times in enumerate(cells):
            shown = ", ".join(f"{t:g}" for t in times)
            print(f"{pop}[{i}]: {len(times)} spikes: [{shown}]")
    return 0


def _cmd_neuroml_export(args) -> int:
    names = [get_preset(n).name for n in args.names]
    if os.path.isdir(args.output):
        raise CLIError(f"-o {args.output} is a folder: give the LEMS file to write, e.g. -o {os.path.join(args.output, 'sim.xml')}")
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        raise CLIError(f"-o {args.output}: the folder {folder} does not exist")
    lems, nml = export_presets(names, args.output)
    print(f"wrote {lems} (LEMS simulation) and {nml} (NeuroML2 model) for {len(names)} preset(s); "
          f"run with: izh-brian neuroml run {lems}")
    return 0


def _cmd_neuroml_examples(args) -> int:
    folder = None
    if args.copy:
        try:
            written = copy_examples(args.copy)
        except OSError as exc:  # FileExistsError (nothing copied), NotADirectoryError, permissions
            raise CLIError(str(exc) if isinstance(exc, (FileExistsError, NotADirectoryError))
                           else f"cannot copy the examples into {args.copy}: {exc}") from None
        folder = args.copy
    records = []
    for ex in EXAMPLES.values():
        path = os.path.join(folder, *ex.file.split("/")) if folder else str(example_path(ex.name))
        records.append({"name": ex.name, "file": ex.file, "path": path, "description": ex.description})
    if args.json:
        emit_json(records)
        return 0
    if folder:
        print(f"copied {len(written)} files into {folder}; run one with: izh-brian neuroml run "
              f"{os.path.join(folder, 'osb', 'LEMS_FiveCells.xml')}")
    width = max(len(r["name"]) for r in records)
    for r in records:
        print(f"{r['name']:{width}s}  {r['file']:26s} {r['description']}")
    if not folder:
        print("copy them with: izh-brian neuroml examples --copy DIR; "
              "compare them with jNeuroML: izh-brian crosscheck --simulator jneuroml")
    return 0


def _fmt_row(r) -> str:
    if r.get("reason"):
        return f"{r['name']:32s} {r['simulator']:15s} {'-':>5s} {'-':>6s} {'-':>10s} {'skipped':8s} {r['reason']}"
    dt = "n/a" if r["max_dt_ms"] is None else f"{r['max_dt_ms']:.3g}"
    return (f"{r['name']:32s} {r['simulator']:15s} {r['n_spikes_ours']:5d} {r['n_spikes_theirs']:6d} {dt:>10s} "
            f"{'yes' if r['agree'] else 'NO':8s}")


def _save_folder(folder) -> Path:
    """``--save DIR`` as a folder that exists (created if missing), before anything runs; else a CLIError."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise CLIError(f"--save {folder}: {folder} exists and is not a folder; give a folder for crosscheck.json")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"--save {folder}: cannot create the folder ({type(exc).__name__}: {exc.strerror or exc})") from None
    return path


def _ran(sim, rows) -> bool:
    """Whether ``sim`` compared at least one row (NEST's rows are named by scheme: nest, nest_published)."""
    names = ("nest", "nest_published") if sim == "nest" else (sim,)
    return any(r.get("simulator") in names and r.get("agree") is not None for r in rows)


def _save_rows(folder: Path, rows, sims, files: bool) -> str:
    """Write ``rows`` as ``folder/crosscheck.json`` for ``izh-brian report``; return the line that says so."""
    can_run, _skipped = S._crosscheck_tools()
    # Only the simulators that ran here: a tool missing here skipped its rows, and the report must not take
    # the file for a cross-check with that simulator.
    ran = [s for s in sims if s in can_run and _ran(s, rows)]
    try:
        path = S.save_crosscheck(folder / S.CROSSCHECK_RESULTS, rows, simulators=ran,
                                 parts={"ex2": True, "network": True, "files": files})
    except OSError as exc:
        raise CLIError(f"--save: cannot write {folder / S.CROSSCHECK_RESULTS} ({type(exc).__name__}: "
                       f"{exc.strerror or exc})") from None
    report = f"izh-brian report --out {folder}"
    head = f"saved {len(rows)} cross-check rows ({', '.join(ran) or 'no simulator ran'}) to {path}"
    if not can_run:
        return f"{head}; {report} does not show them here: neither NEST nor jNeuroML can run on this machine"
    missing = [s for s in can_run if s not in ran]
    if missing:
        why = [f"{s} can run here and is not in the file (--simulator all includes it)" for s in missing
               if s not in sims]
        why += [f"{s} looks runnable here but compared no row, so it is not in the file" for s in missing if s in sims]
        return f"{head}, but {report} ignores them and runs its own cross-check: {'; '.join(why)}"
    saved, note = S.load_crosscheck(folder, can_run)
    if saved is None:  # not expected right after saving; say what the report will do
        return f"{head}; {report} does not show them: {note}"
    return (f"{head}; {report} shows these rows (no simulator runs) while the izh_brian version and the "
            f"sources they depend on are unchanged")


def _cmd_crosscheck(args) -> int:
    sims = SIMULATORS if args.simulator == "all" else (args.simulator,)
    folder = _save_folder(args.save) if args.save is not None else None
    try:
        rows = crosscheck(sims, files=not args.no_files)
    except JNeuroMLError as exc:
        raise CLIError(str(exc)) from None
    if args.json:
        emit_json(rows)
    else:
        print(f"{'preset':32s} {'simulator':15s} {'ours':>5s} {'theirs':>6s} {'max dt ms':>10s} agree")
        for r in rows:
            print(_fmt_row(r))
        compared = [r for r in rows if r["agree"] is not None]
        print(f"{sum(r['agree'] for r in compared)}/{len(compared)} compared rows agree to the step; "
              f"{len(rows) - len(compared)} skipped")
    if folder is not None:  # after the rows are out: a failed save loses none of them
        print(_save_rows(folder, rows, sims, files=not args.no_files), file=sys.stderr if args.json else sys.stdout)
    return 1 if any(r["agree"] is False for r in rows) else 0


def register(sub) -> None:
    """Add ``neuroml`` (run, export, examples) and ``crosscheck`` to the ``izh-brian`` parser."""
    p = sub.add_parser("neuroml", help="run or export NeuroML2/LEMS models")
    nsub = p.add_subparsers(dest="neuroml_command", parser_class=type(p))
    nsub.required = True

    r = nsub.add_parser("run", help="run a NeuroML2/LEMS file of Izhikevich cells in Brian2")
    r.add_argument("file", metavar="FILE", help="NeuroML2 (.nml) or LEMS (.xml) file")
    r.add_argument("--json", action="store_true", help="print the spike times as JSON")
    r.add_argument("--duration", metavar="MS", help="simulated time (default: the file's Simulation length)")
    r.add_argument("--dt", metavar="MS", help="time step (default: the file's Simulation step)")
    r.add_argument("--output-dir", metavar="DIR",
                   help="where the file's OutputFiles and EventOutputFiles go (default: beside FILE, as jnml)")
    r.add_argument("--force", action="store_true",
                   help="overwrite output files that exist beside FILE (in a folder given by --output-dir they "
                        "are overwritten: that folder is yours)")
    r.add_argument("--no-outputs", action="store_true", help="do not write the file's output files")
    r.add_argument("--plot", metavar="PNG", help="draw the Simulation's Displays (cell state variables) to PNG")
    r.set_defaults(func=_cmd_neuroml_run)

    e = nsub.add_parser("export", help="write presets as NeuroML2 + a LEMS simulation file")
    e.add_argument("names", nargs="+", metavar="NAME", help="preset names sharing one dt (class-1 presets go out as izhikevich2007Cell)")
    e.add_argument("-o", "--output", required=True, metavar="FILE", help="LEMS file to write")
    e.set_defaults(func=_cmd_neuroml_export)

    x = nsub.add_parser("examples", help="list the example NeuroML/LEMS models shipped with izh_brian, or copy them")
    x.add_argument("--json", action="store_true", help="print the list as JSON")
    x.add_argument("--copy", metavar="DIR",
                   help="copy the example files into DIR (kept layout: DIR/osb/...); existing files are never "
                        "overwritten")
    x.set_defaults(func=_cmd_neuroml_examples)

    c = sub.add_parser("crosscheck", help="compare spike times with NEST and jNeuroML")
    c.add_argument("--simulator", choices=("nest", "jneuroml", "all"), default="all",
                   help="which simulator to compare with (default all)")
    c.add_argument("--no-files", action="store_true",
                   help="leave out the example files' rows (<example>/<population>) of the jNeuroML comparison")
    c.add_argument("--json", action="store_true", help="print the rows as JSON")
    c.add_argument("--save", metavar="DIR",
                   help="also save the rows as DIR/crosscheck.json (DIR created if needed), which "
                        "`izh-brian report --out DIR` then shows instead of running a cross-check, while it is "
                        "current and holds every simulator that can run here")
    c.set_defaults(func=_cmd_crosscheck)
