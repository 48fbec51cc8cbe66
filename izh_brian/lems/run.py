"""Running a model: :func:`run_model` plans it (:mod:`izh_brian.lems.plan`), builds it in Brian2
(:mod:`izh_brian.lems.build`, :mod:`izh_brian.lems.connect`) and integrates it as jNeuroML does, with the
floating-point arithmetic Java does (:func:`strict_float_codegen`). See docs/neuroml.md.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

from izh_brian.lems.build import Build, build_groups, collect_spikes, collect_traces, state_monitors
from izh_brian.lems.connect import gap_peers, projection_synapses
from izh_brian.lems.model import LEMSTypeError, NeuroMLError, NeuroMLModel, NeuroMLRun
from izh_brian.lems.outputs import read_displays, read_outputs
from izh_brian.lems.plan import (attachment_sequence, inputs_per_cell, locate_cells, plan_groups, record_plan,
                                 recorded_variables)
from izh_brian.lems.read import read_model
from izh_brian.lems.types import load_lems, translate_cell
from izh_brian.lems.xml import _tag
from izh_brian.limits import check_work, grid_steps

__all__ = ["run_model", "run_file", "run_network", "strict_float_codegen", "STRICT_GCC_ARGS", "STRICT_MSVC_ARGS"]

#: Compiler flags for these runs: Brian2's defaults (``-ffast-math``, ``-march=native``) let the compiler
#: reassociate sums and fuse ``x + dt * r`` into one fused multiply-add (one rounding instead of two), which
#: Java never does (jLEMS computes in IEEE doubles, each operation rounded).
STRICT_GCC_ARGS = ["-w", "-O3", "-ffp-contract=off", "-fno-fast-math", "-std=c++17"]
#: The same for Microsoft's compiler (Windows): Brian2's defaults there are ``/Ox /w <arch> /MP``; ``/fp:strict``
#: forbids contractions into fused multiply-adds and reassociation, as ``-ffp-contract=off -fno-fast-math`` do.
STRICT_MSVC_ARGS = ["/O2", "/w", "/fp:strict", "/MP"]


@contextlib.contextmanager
def strict_float_codegen():
    """Brian2 preferences under which generated code does jLEMS's floating-point arithmetic, restored after.

    Expressions are evaluated as written: no loop-invariant optimisation (Brian2 would rewrite them with sympy,
    another order of operations) and C++ compiled without ``-ffast-math`` and with ``-ffp-contract=off`` (no
    reassociation, no fused multiply-add). Brian2's Cython cache keys modules by their code, not by the
    flags, so these modules are cached in their own folder (``<Brian2's cache>_ieee``).
    """
    from brian2 import prefs
    from brian2.codegen.runtime.cython_rt.extension_manager import get_cython_cache_dir

    saved = (prefs.codegen.loop_invariant_optimisations, prefs.codegen.cpp.extra_compile_args_gcc,
             prefs.codegen.runtime.cython.cache_dir, prefs.codegen.cpp.extra_compile_args,
             prefs.codegen.cpp.extra_compile_args_msvc)
    cache = saved[2] if saved[2] is not None else get_cython_cache_dir()
    prefs.codegen.loop_invariant_optimisations = False
    prefs.codegen.cpp.extra_compile_args_gcc = list(STRICT_GCC_ARGS)
    prefs.codegen.cpp.extra_compile_args_msvc = list(STRICT_MSVC_ARGS)
    prefs.codegen.cpp.extra_compile_args = None  # a value here would replace the gcc flags
    prefs.codegen.runtime.cython.cache_dir = os.fspath(cache).rstrip(os.sep) + "_ieee"
    try:
        yield
    finally:
        (prefs.codegen.loop_invariant_optimisations, prefs.codegen.cpp.extra_compile_args_gcc,
         prefs.codegen.runtime.cython.cache_dir, prefs.codegen.cpp.extra_compile_args,
         prefs.codegen.cpp.extra_compile_args_msvc) = saved


def run_network(model, m, *, T_ms: float, dt_ms: float, dt_s: float, codeobj_class=None,
                record=None, optional_record=None):
    """Build the Brian2 network of ``model`` (read by :func:`~izh_brian.lems.read.read_model`) from the
    PyLEMS model ``m`` and run it; return ``(spikes, traces)``.

    ``spikes``: ``{population: [array of spike steps (int, stamped at the step's end) per cell]}``.
    ``traces``: ``{(population, index, variable): array of SI values at t_1 .. t_n}`` for ``record``, a
    list of such keys.
    """
    from brian2 import Network, ms

    n_steps = int(round(T_ms / dt_ms))
    t_next = np.cumsum(np.full(n_steps, dt_s))
    plans, sources, where_of = plan_groups(model, _cell_types(m))
    locate = locate_cells(plans)
    per_cell = inputs_per_cell(model, plans, locate)
    b = Build(model, m, t_next, dt_ms, dt_s, codeobj_class, plans, sources, where_of, locate, per_cell,
              recorded_variables(record, optional_record), attachment_sequence(model),
              {pid: k for k, pid in enumerate(model.populations)})
    net = Network()
    groups, monitors = build_groups(b, net)
    projection_synapses(b, net, groups)
    gap_peers(b, net, groups)
    state_mons = state_monitors(b, net, groups, record_plan(record, optional_record, locate, plans))
    with strict_float_codegen():
        net.run(n_steps * dt_ms * ms, namespace={})
    return collect_spikes(model, groups, monitors, dt_ms), collect_traces(state_mons)


def _cell_types(m):
    """``cell_type(population)`` for :func:`~izh_brian.lems.plan.plan_groups`: its component's ComponentType
    translated by :func:`~izh_brian.lems.types.translate_cell`, once per type."""
    cell_types = {}

    def cell_type(pop):
        comp = m.components.get(pop.component)
        if comp is None:
            raise LEMSTypeError(f"population {pop.id!r}: component {pop.component!r} not found by PyLEMS")
        if comp.type not in cell_types:
            try:
                cell_types[comp.type] = translate_cell(m, comp.type)
            except LEMSTypeError as exc:
                raise LEMSTypeError(f"<population> in {pop.where}: {exc}") from None
        return cell_types[comp.type]

    return cell_type


def _check_run_size(model: NeuroMLModel, dt: float, T: float) -> None:
    """Refuse, before Brian2 builds anything, a run past :mod:`izh_brian.limits`: cells x steps, and the
    state arrays plus the traces the outputs and displays record (8 bytes a value)."""
    steps = grid_steps(dt, T)
    if steps is None:
        return  # the Simulation's own check names a bad step or length
    n = float(sum(pop.size for pop in model.populations.values()))
    columns = 0
    if model.simulation is not None:
        columns = sum(1 for e in model.simulation.iter() if isinstance(e.tag, str) and _tag(e) in ("OutputColumn", "Line"))
    check_work(what=f"{model.path}", n_neurons=n, n_steps=steps, bytes_estimate=8.0 * (32 * n + columns * steps),
               bytes_detail=f"{n:.6g} cells' state and {columns} recorded columns x {steps:.6g} steps")


def run_model(model: NeuroMLModel, *, duration_ms=None, dt_ms=None, codeobj_class=None, record=None) -> NeuroMLRun:
    """Simulate a model read by :func:`read_model` with Brian2, as jNeuroML integrates it.

    Parameters
    ----------
    model : NeuroMLModel
    duration_ms, dt_ms : float, optional
        Override the file's Simulation length and step (required when the
        file has no Simulation).

    Returns
    -------
    NeuroMLRun
        Spike times (ms) per population and cell.

    Raises
    ------
    NeuroMLError
        No Simulation settings, or no populations.
    """

    T = model.duration_ms if duration_ms is None else float(duration_ms)
    dt = model.dt_ms if dt_ms is None else float(dt_ms)
    if T is None or dt is None:
        raise NeuroMLError(f"{model.path}: no <Simulation> with length and step; give duration_ms and dt_ms")
    if not model.populations:
        raise NeuroMLError(f"{model.path}: no <population> to simulate")
    _check_run_size(model, dt, T)
    # jLEMS keeps time in seconds as a running sum of the step, so an input
    # edge that falls on the grid switches on the step that sum decides.
    dt_s = model.dt_s if (dt_ms is None and model.dt_s is not None) else dt * 1e-3
    try:
        lems_model = load_lems(model.path, bare_neuroml=model.root_tag == "neuroml")
        outputs = read_outputs(model)
        wanted = list(record or [])
        for spec in outputs:
            if spec.kind == "OutputFile":
                wanted += [(pop, idx, var) for _cid, pop, idx, var in spec.columns if (pop, idx, var) not in wanted]
        shown = [(pop, idx, var) for _d, _t, lines in read_displays(model) for _l, pop, idx, var, _s, _c in lines]
        steps, traces = run_network(model, lems_model, T_ms=T, dt_ms=dt, dt_s=dt_s, codeobj_class=codeobj_class,
                                    record=wanted, optional_record=shown)
    except LEMSTypeError as exc:
        raise NeuroMLError(f"{model.path}: {exc}") from None
    sizes = {pid: pop.size for pid, pop in model.populations.items()}
    run = NeuroMLRun(T, dt, {pid: [np.asarray(c, dtype=float) * dt for c in cells] for pid, cells in steps.items()},
                     sizes)
    run.spike_steps = steps
    run.traces = traces
    run.outputs = outputs
    run.dt_s = dt_s
    return run


def run_file(path, **kwargs) -> NeuroMLRun:
    """:func:`read_model` then :func:`run_model`."""
    return run_model(read_model(path), **kwargs)


