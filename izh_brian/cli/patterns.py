"""Sub-commands on firing patterns: ``validate``, ``classify``, ``class-map``, ``matrix``, ``numerics``.

- ``izh-brian validate [--scheme S] [--dt MS] [--json]``: every reference preset
  against its own pattern; ``--json`` prints ``{"results": [{"name", "ok",
  "reasons"}, ...]}``; exit status 0 only if all pass (1 otherwise).
- ``izh-brian classify --set a=.. --set b=.. --set c=.. --set d=.. [--current I] [--json]``:
  the 2003 class of a step response.
- ``izh-brian class-map --x c=-70:-45:11 --y d=0.5:10:11 [--set a=..] [--current I] [--json]``:
  the class of every point of a parameter plane (one NeuronGroup).
- ``izh-brian matrix [--json]``: the 28 x 28 specificity matrix.
- ``izh-brian numerics [--json]``: the numerics study.
"""

from __future__ import annotations

import numpy as np

from izh_brian.analysis.classify import class_map, classify
from izh_brian.analysis.numerics import CONFIGS, format_numerics_table, numerics_table
from izh_brian.analysis.validators import validate_all, validation_matrix
from izh_brian.cli.options import add_run_options, check_run_options
from izh_brian.cli.types import CLIError, emit_json, number, parse_set
from izh_brian.presets import get_preset, preset_names
from izh_brian.simulation import simulate_many


def _cmd_validate(args) -> int:
    dt = check_run_options(args)
    verdicts = validate_all(scheme=args.scheme, dt=dt)

    names = preset_names()
    if args.json:
        emit_json({"results": [{"name": n, "ok": bool(v.ok), "reasons": v.reasons} for n, v in zip(names, verdicts)]})
    else:
        width = max(len(n) for n in names)
        for n, v in zip(names, verdicts):
            failed = [r for r in v.reasons if r.startswith("FAILED")]
            why = "; ".join(failed) if failed else f"{len(v.reasons)} conditions hold"
            print(f"{n:{width}s} {'ok    ' if v.ok else 'FAILED'} {why}")
        n_ok = sum(v.ok for v in verdicts)
        where = 'the published dt' if dt is None else f'dt = {dt:g} ms'
        print(f"{n_ok}/{len(verdicts)} patterns pass (scheme {args.scheme}, {where})")
    return 0 if all(v.ok for v in verdicts) else 1


_PARAMS = ("a", "b", "c", "d")


def _protocol_args(args) -> dict:
    out = {}
    for key in ("current", "V0", "duration", "dt"):
        val = getattr(args, key, None)
        if val is None:
            continue
        out[key] = number(val, f"--{key}")
    return out


def _cmd_classify(args) -> int:
    params = parse_set(args.set, allowed=_PARAMS)
    missing = [k for k in _PARAMS if k not in params]
    if missing:
        raise CLIError(f"classify needs --set for each of a, b, c, d; missing: {', '.join(missing)}")
    proto = _protocol_args(args)
    res = classify(params["a"], params["b"], params["c"], params["d"], **proto)
    if args.json:
        emit_json({**params, "current": proto.get("current", 10.0), **res.to_dict()})
    else:
        print(f"a={params['a']:g} b={params['b']:g} c={params['c']:g} d={params['d']:g}, "
              f"step {proto.get('current', 10.0):g}: {res.label}")
        for r in res.reasons:
            print(f"  {r}")
    return 0


def _parse_axis(text, what):
    if not text or "=" not in text:
        raise CLIError(f"--{what} expects NAME=START:STOP:N (NAME one of a, b, c, d), got {text!r}")
    name, spec = text.split("=", 1)
    name = name.strip()
    if name not in _PARAMS:
        raise CLIError(f"--{what}: unknown parameter {name!r}; allowed: {', '.join(_PARAMS)}")
    parts = spec.split(":")
    if len(parts) != 3:
        raise CLIError(f"--{what} expects NAME=START:STOP:N, got {text!r}")
    lo = number(parts[0], f"--{what} START")
    hi = number(parts[1], f"--{what} STOP")
    n = number(parts[2], f"--{what} N", kind=int)
    if not (1 <= n <= 200):
        raise CLIError(f"--{what}: N must be between 1 and 200, got {n}")
    return name, np.linspace(lo, hi, n)


def _cmd_class_map(args) -> int:
    xn, xv = _parse_axis(args.x, "x")
    yn, yv = _parse_axis(args.y, "y")
    if xn == yn:
        raise CLIError(f"--x and --y must name different parameters, got {xn!r} twice")
    fixed = parse_set(args.set, allowed=_PARAMS)
    for k in (xn, yn):
        if k in fixed:
            raise CLIError(f"--set {k} conflicts with the axis {k!r}")
    proto = _protocol_args(args)
    m = class_map(xn, xv, yn, yv, fixed=fixed, **proto)
    if args.json:
        emit_json({"x_name": xn, "y_name": yn, "x_values": m["x_values"].tolist(),
                   "y_values": m["y_values"].tolist(), "fixed": m["fixed"], "current": m["current"],
                   "labels": m["labels"].tolist(), "n_spikes": m["n_spikes"].tolist()})
    else:
        print(f"classes over {yn} (rows) x {xn} (columns), {', '.join(f'{k}={v:g}' for k, v in m['fixed'].items())}, "
              f"step {m['current']:g}")
        corner = f"{yn}/{xn}"
        print(f"{corner:>8s} " + " ".join(f"{x:>7.4g}" for x in m["x_values"]))
        for i, y in enumerate(m["y_values"]):
            print(f"{y:8.4g} " + " ".join(f"{lab:>7s}" for lab in m["labels"][i]))
    return 0


def _cmd_matrix(args) -> int:
    dt = check_run_options(args)
    results = simulate_many(preset_names(), scheme=args.scheme, dt=dt, check_finite=False)
    names, m = validation_matrix(results)
    off = [{"validator": names[i], "response": names[j]}
           for i in range(len(names)) for j in range(len(names)) if i != j and m[i, j]]
    if args.json:
        emit_json({"names": names, "matrix": m.astype(bool).tolist(), "diagonal_ok": bool(m.diagonal().all()),
                   "n_off_diagonal": len(off), "off_diagonal": off})
    else:
        width = max(len(n) for n in names)
        head = "validator / response"
        print(f"{head:{width}s}  " + "".join(f"{k % 10}" for k in range(len(names))))
        for i, n in enumerate(names):
            row = "".join(("#" if i == j else "x") if m[i, j] else ("!" if i == j else ".") for j in range(len(names)))
            print(f"{n:{width}s}  {row}   {i}")
        print("# accepted own response, x accepted another's, ! rejected its own; columns are responses in row order")
        print(f"diagonal: {int(m.diagonal().sum())}/{len(names)} true; off-diagonal true entries: {len(off)}")
        for o in off:
            print(f"  {o['validator']} accepts {o['response']}")
    return 0 if m.diagonal().all() else 1


def _cmd_numerics(args) -> int:
    timings: dict = {}
    names = None
    if args.names:
        names = [get_preset(n).name for n in args.names]
    rows = numerics_table(names=names, include_fine=not args.no_fine, timings=timings)
    if args.json:
        emit_json({"configs": [{"key": k, "scheme": s, "dt_ms": d} for k, s, d in CONFIGS],
                   "rows": rows, "timings_s": timings})
    else:
        print(format_numerics_table(rows))
        print("")
        print("simulation time per configuration: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    return 0


def register(sub) -> None:
    """Add ``validate``, ``classify``, ``class-map``, ``matrix`` and ``numerics`` to the ``izh-brian`` parser."""
    p = sub.add_parser("validate", help="check every reference preset against its firing pattern")
    add_run_options(p)
    p.add_argument("--json", action="store_true", help='print {"results": [{"name", "ok", "reasons"}, ...]}')
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("classify", help="label the step response of (a, b, c, d) with a 2003 class")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="a parameter: a, b, c, d (all four needed)")
    p.add_argument("--current", default=None, help="step amplitude (mV/ms, default 10)")
    p.add_argument("--V0", default=None, help="initial v (mV, default -65)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser("class-map", help="classes over a parameter plane, simulated in one NeuronGroup")
    p.add_argument("--x", required=True, metavar="NAME=START:STOP:N", help="the columns, e.g. c=-70:-45:11")
    p.add_argument("--y", required=True, metavar="NAME=START:STOP:N", help="the rows, e.g. d=0.5:10:11")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="fix another parameter (default RS: a=0.02 b=0.2 c=-65 d=8)")
    p.add_argument("--current", default=None, help="step amplitude (mV/ms, default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd_class_map)

    p = sub.add_parser("matrix", help="the 28 x 28 matrix of every validator on every reference response")
    add_run_options(p)
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd_matrix)

    p = sub.add_parser("numerics", help="validate every pattern under figure1 at several dt and euler/rk4 at 0.01 ms")
    p.add_argument("names", nargs="*", metavar="NAME", help="presets (default: all 28 and the *_fine variants)")
    p.add_argument("--no-fine", action="store_true", help="leave out the *_fine presets")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd_numerics)
