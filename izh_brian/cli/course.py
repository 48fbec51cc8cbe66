"""``izh-brian course new`` and ``izh-brian grade``: make a class, grade a folder of submissions into one
gradebook.

``izh-brian course new ROSTER.csv --lessons 00,03,09 --out CLASS [--title T]`` writes each student's notebooks
and their own mystery neurons (recorded data; the variants come from a secret kept in ``CLASS/secret.txt``,
:mod:`izh_brian.course.classes`).

``izh-brian grade SUBMISSIONS --lesson NN --out OUT [--course CLASS] [--timeout S] [--memory GB] [--jobs N]
[--scheduler ADDR]`` runs each notebook of SUBMISSIONS in a fresh kernel and calls lesson NN's checks on
the kernel's own variables (:mod:`izh_brian.course.grade`); ``izh-brian grade SUBMISSIONS --pattern NAME
--out OUT`` checks each ``.npz`` / ``.csv`` / ``.txt`` spike file against a firing pattern.

OUT receives ``gradebook.csv`` (student, lesson, exercise, points, max_points, ok, message, graded,
seconds), ``feedback/STUDENT.html`` and ``summary.html`` with ``summary.png``. Nothing in SUBMISSIONS is
changed. Exit status: 0 when every submission was graded (whatever its points), 1 when some could not be
(not a notebook, past the time limit, out of memory: each has its rows with the reason), 2 on bad arguments.
"""

from __future__ import annotations

import time
from pathlib import Path

from izh_brian.cli.types import CLIError, number
from izh_brian.course.classes import load_class, new_class
from izh_brian.course.grade import DEFAULT_MEMORY_GB, DEFAULT_TIMEOUT_S, KERNEL_START_S, grade_folder, memory_note, write_gradebook

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``course`` and ``grade`` sub-commands."""
    c = subparsers.add_parser("course", help="make a class: each student's notebooks and variants",
                              description="Make a class from a roster: each student's lesson notebooks, with their "
                                          "own mystery neurons as recorded data derived from a course secret.")
    csub = c.add_subparsers(dest="course_command", metavar="COMMAND", required=True)
    n = csub.add_parser("new", help="write a class folder from a roster",
                        description="Write CLASS/course.json, CLASS/secret.txt (keep it private) and "
                                    "CLASS/students/ID/ for every student id of ROSTER.csv.")
    n.add_argument("roster", metavar="ROSTER.csv", help="one student id per line, or a CSV with a 'student' column")
    n.add_argument("--lessons", required=True, metavar="NN,NN", help="the lessons of the class, e.g. 00,03,09")
    n.add_argument("--out", required=True, metavar="CLASS", help="a new (or empty) folder for the class")
    n.add_argument("--title", default="", help="the course title shown on feedback pages (default: the folder name)")
    n.set_defaults(func=_cmd_course_new)

    p = subparsers.add_parser(
        "grade", help="grade a folder of notebooks (or spike files) into a gradebook",
        description="Run each submitted notebook of a lesson in a fresh kernel and grade every exercise with the "
                    "lesson's checks on the kernel's own variables (printed output is never read); or check each "
                    "spike file of a folder against a firing pattern. Writes OUT/gradebook.csv, one feedback page "
                    "per student and a class summary with a figure.")
    p.add_argument("submissions", metavar="SUBMISSIONS", help="folder of submitted .ipynb files (or spike files "
                                                             "with --pattern); the file's stem is the student")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--lesson", metavar="NN", help="the lesson the notebooks answer: 00 .. 09")
    what.add_argument("--pattern", metavar="NAME", help="grade spike files against this preset's pattern "
                                                        "(e.g. tonic_spiking; see `izh-brian list`)")
    p.add_argument("--out", metavar="OUT", required=True, help="folder for the gradebook, feedback and summary "
                                                               "(created; must not be inside SUBMISSIONS)")
    p.add_argument("--course", metavar="CLASS", help="a class made by `izh-brian course new`: grade each student "
                                                     "against their own variant")
    p.add_argument("--timeout", metavar="S", default=str(DEFAULT_TIMEOUT_S),
                   help=f"seconds each cell of a notebook may run; the whole notebook gets this plus "
                        f"{KERNEL_START_S} s for its kernel to start (default {DEFAULT_TIMEOUT_S})")
    p.add_argument("--memory", metavar="GB", default=str(DEFAULT_MEMORY_GB),
                   help=f"address-space cap of each notebook's kernel, GB (default {DEFAULT_MEMORY_GB:g}; 0: none)")
    p.add_argument("--jobs", metavar="N", default=None, help="notebooks run at once (default: the CPU count)")
    p.add_argument("--scheduler", metavar="ADDR", help="run the notebooks on Dask: 'local' or a scheduler address")
    p.add_argument("--quiet", action="store_true", help="print only the final line")
    p.set_defaults(func=_cmd_grade)


def _cmd_course_new(args) -> int:
    info = new_class(args.roster, args.lessons, args.out, title=args.title)
    print(f"class {info.title!r}: {len(info.students)} students x lessons {', '.join(info.lessons)} in "
          f"{info.path}/students/; keep {info.path}/secret.txt private (it derives every student's variant)")
    return 0


def _cmd_grade(args) -> int:
    subs_dir, out = Path(args.submissions), Path(args.out)
    if not subs_dir.is_dir():
        raise CLIError(f"SUBMISSIONS must be a folder, got {args.submissions!r}")
    if out.resolve() == subs_dir.resolve() or subs_dir.resolve() in out.resolve().parents:
        raise CLIError(f"--out {args.out!r} is inside SUBMISSIONS; give a folder outside it (nothing in "
                       "SUBMISSIONS is changed)")
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {args.out!r} is a file; give a folder")
    timeout = number(args.timeout, "--timeout", positive=True, unit="s")
    memory = number(args.memory, "--memory", nonneg=True, unit="GB")
    if memory and memory < 1:
        raise CLIError(f"--memory {args.memory} GB is too small for a kernel with Brian2 (give 1 or more, 0: no cap)")
    jobs = None
    if args.jobs is not None:
        if not str(args.jobs).strip().isdigit() or int(args.jobs) < 1:
            raise CLIError(f"--jobs must be a whole number >= 1, got {args.jobs!r}")
        jobs = int(args.jobs)
    variants, roster, title = None, None, ""
    if args.course:
        if args.pattern:
            raise CLIError("--course goes with --lesson (a class's notebooks), not with --pattern")
        cls = load_class(args.course)
        variants, roster = cls.variants_for(args.lesson), cls.students
        title = cls.title
    t0 = time.perf_counter()

    def progress(sub):
        if not args.quiet:
            state = f"{sub.points:g}/{sub.max_points:g}" if sub.graded else f"not graded: {sub.reason}"
            print(f"{sub.student}: {state} ({sub.seconds:.1f} s)", flush=True)

    subs = grade_folder(subs_dir, lesson=args.lesson, pattern=args.pattern, timeout_s=timeout, memory_gb=memory,
                        jobs=jobs, scheduler=args.scheduler, variants=variants, roster=roster, progress=progress)
    what = f"lesson {int(args.lesson):02d}" if args.lesson is not None else args.pattern
    paths = write_gradebook(subs, out, title=title or f"izh-brian grade: {what}")
    n_bad = sum(not s.graded for s in subs)
    note = f", {memory_note(memory)}" if args.lesson is not None else ""
    print(f"graded {len(subs) - n_bad} of {len(subs)} submissions ({what}) in {time.perf_counter() - t0:.1f} s"
          f"{note}: {paths['gradebook']}")
    return 1 if n_bad else 0
