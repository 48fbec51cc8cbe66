"""``izh-brian network``: run the 2003 cortical network (net.m) and its scenarios.

    izh-brian network [--scenario NAME] [--ne N --ni N] [--exc TYPE --inh TYPE]
                      [--we W --wi W] [--scheme S] [--duration MS] [--seed K]
                      [--json] [--raster] [--plot FILE] [--standalone]

``--standalone`` runs the dense net2003 network as a compiled cpp_standalone
program, built once per shape into a cache and rerun for new seeds, weights
and cell types without recompiling (:mod:`izh_brian.network.standalone`).
``--json`` prints one object with at least ``n_exc``, ``n_inh``,
``duration_ms``, ``scheme``, ``seed``, ``rate_hz``, ``rate_exc_hz``,
``rate_inh_hz``, ``peak_hz``, ``build_s``, ``run_s`` (a public interface);
``--raster`` adds ``spike_t_ms`` and ``spike_i`` (excitatory neurons first).
"""

from __future__ import annotations

import numpy as np

from izh_brian.cli.options import add_limit_options, with_limit_options
from izh_brian.cli.types import CLIError, emit_json, number
from izh_brian.model.schemes import SCHEME_REGISTRY
from izh_brian.network.build import SCENARIOS, check_memory, make_spec, simulate_network
from izh_brian.network.standalone import simulate_network_standalone
from izh_brian.plotting.network import save_network_figure


def _num(text, what, kind=float):
    return number(text, what, kind=kind)


def _current_rows(n, most=1000):
    """The neurons whose input current the figure shows: all, or ``most`` evenly spaced ones."""

    if n <= most:
        return True
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


@with_limit_options
def _cmd_network(args) -> int:
    if args.scenario is not None and args.scenario.lower() not in {k.lower() for k in SCENARIOS}:
        raise CLIError(f"unknown scenario {args.scenario!r}; allowed: {', '.join(SCENARIOS)}")
    kw = {}
    for name, what, kind in (("ne", "--ne", int), ("ni", "--ni", int), ("we", "--we", float), ("wi", "--wi", float),
                             ("indegree", "--indegree", int)):
        val = getattr(args, name)
        if val is not None:
            kw[name] = _num(val, what, kind)
            if kw[name] < 0 or (name == "indegree" and kw[name] < 1):
                raise CLIError(f"{what} must be {'>= 1' if name == 'indegree' else '>= 0'}, got {val}")
    duration = _num(args.duration, "--duration", float)
    if not duration > 0:
        raise CLIError(f"--duration must be > 0 ms, got {args.duration}")
    dt = _num(args.dt, "--dt", float)
    if not dt > 0:
        raise CLIError(f"--dt must be > 0 ms, got {args.dt}")
    seed = _num(args.seed, "--seed", int)
    if seed < 0:
        raise CLIError(f"--seed must be >= 0, got {args.seed}")
    if args.standalone:
        if args.plot:
            raise CLIError("--plot needs the recorded v, u and currents of the runtime network; drop --standalone")
        # The sizes and limits before the program is built (the runtime network checks them in build_network).
        check_memory(make_spec(args.scenario or "paper", exc=args.exc, inh=args.inh, dt=dt, duration_ms=duration,
                               seed=seed, connectivity="dense", noise="brian2",
                               **{k: v for k, v in kw.items() if k != "indegree"}))

        res = simulate_network_standalone(
            args.scenario or "paper", noise="table" if args.noise == "table" else "program", exc=args.exc,
            inh=args.inh, scheme=args.scheme, dt=dt, duration_ms=duration, seed=seed,
            connectivity="dense" if args.connectivity == "auto" else args.connectivity, **kw)
        return _report(res, args)
    res = simulate_network(
        args.scenario or "paper",
        exc=args.exc,
        inh=args.inh,
        scheme=args.scheme,
        dt=dt,
        duration_ms=duration,
        seed=seed,
        connectivity=args.connectivity,
        noise=args.noise,
        record_v=(0, -1) if args.plot else (),
        record_currents=_current_rows(kw.get("ne", 800) + kw.get("ni", 200)) if args.plot else False,
        progress="auto",
        **kw,
    )
    if args.plot:
        f, psd = res.spectrum()
        save_network_figure(
            args.plot,
            spike_t_ms=res.spike_t_ms,
            spike_i=res.spike_i,
            n_exc=res.spec.n_exc,
            n_inh=res.spec.n_inh,
            duration_ms=res.spec.duration_ms,
            t_ms=res.t_ms,
            currents=res.currents,
            current_rows=res.record_currents,
            v_mV=res.v_mV,
            u=res.u,
            record_v=res.record_v,
            f_hz=f,
            psd=psd,
            title=f"{res.spec.scenario}: {res.spec.exc}/{res.spec.inh}, we={res.spec.we:g}, wi={res.spec.wi:g}, "
                  f"{res.spec.scheme}, seed {res.spec.seed}",
        )
    return _report(res, args)


def _report(res, args) -> int:
    summary = res.summary(raster=args.raster)
    if args.json:
        emit_json(summary)
    else:
        s = summary
        print(f"{s['scenario']}: {s['n_exc']} {s['exc']} + {s['n_inh']} {s['inh']} neurons, we={s['we']:g}, "
              f"wi={s['wi']:g}, {s['connectivity']}, {s['scheme']}, {s['duration_ms']:g} ms, seed {s['seed']}")
        print(f"  rates: {s['rate_hz']:.2f} Hz (exc {s['rate_exc_hz']:.2f}, inh {s['rate_inh_hz']:.2f}); "
              f"peak {s['peak_hz']:g} Hz; alpha share {s['alpha_fraction']:.2f}, gamma share "
              f"{s['gamma_fraction']:.2f}; synchrony {s['synchrony']:.3f}")
        print(f"  build {s['build_s']:.2f} s, run {s['run_s']:.2f} s")
        if args.raster:
            for t, i in zip(s["spike_t_ms"], s["spike_i"]):
                print(f"{t:g} {i}")
    return 0


def register(sub) -> None:
    """Add the ``network`` sub-command to ``sub`` (an argparse sub-parsers object)."""

    p = sub.add_parser("network", help="run the 2003 cortical network (net.m) or one of its scenarios")
    p.add_argument("--scenario", default=None,
                   help="paper (default), S1..S5 (weight scales), RS_CH, RS_TC, RZ_RS, IB_IB (cell types)")
    p.add_argument("--ne", default=None, metavar="N", help="number of excitatory neurons (default 800)")
    p.add_argument("--ni", default=None, metavar="N", help="number of inhibitory neurons (default 200)")
    p.add_argument("--exc", default=None, metavar="TYPE", help="excitatory cell type, a preset name (default RS)")
    p.add_argument("--inh", default=None, metavar="TYPE", help="inhibitory cell type, a preset name (default LTS)")
    p.add_argument("--we", default=None, metavar="W", help="excitatory weight scale, weights W*rand (default 0.5)")
    p.add_argument("--wi", default=None, metavar="W", help="inhibitory weight scale, weights -W*rand (default 1)")
    p.add_argument("--scheme", default="net2003", choices=[n for n, sc in SCHEME_REGISTRY.items() if sc.network],
                   help="net2003 (net.m's order, default) or a Brian2 method")
    p.add_argument("--duration", default="1000", metavar="MS", help="model time in ms (default 1000)")
    p.add_argument("--dt", default="1", metavar="MS", help="time step in ms (default 1, as net.m)")
    p.add_argument("--seed", default="0", metavar="K", help="random seed (default 0)")
    p.add_argument("--connectivity", default="auto", choices=["auto", "dense", "fixed_indegree"],
                   help="dense all-to-all as net.m, or fixed in-degree (auto: dense up to 4e6 synapses)")
    p.add_argument("--indegree", default=None, metavar="K", help="inputs per neuron for fixed in-degree (default 100)")
    p.add_argument("--noise", default="auto", choices=["auto", "table", "brian2"],
                   help="thalamic input from a numpy table (exact, net.m's draws) or Brian2's randn (large networks)")
    p.add_argument("--standalone", action="store_true",
                   help="run as a compiled cpp_standalone program (dense net2003 only), built once per size and "
                        "duration into ~/.cache/izh_brian/standalone and rerun without recompiling; noise: Brian2's "
                        "randn in the program (--noise table: net.m's numpy draws)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--raster", action="store_true", help="include the spikes (spike_t_ms, spike_i)")
    p.add_argument("--plot", metavar="FILE", help="save a figure: raster, input currents, example neurons, spectrum")
    add_limit_options(p)
    p.set_defaults(func=_cmd_network)
