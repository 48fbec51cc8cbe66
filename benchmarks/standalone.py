"""Benchmark: single neurons with Brian2's ``cpp_standalone`` device (build once, rerun with new parameters)
against the Cython runtime (``python -m benchmarks.bench standalone``).

Brian2's runtime mode (Cython) pays a fixed cost per ``run()`` (creating code
objects, Python stepping) and a cost per step; ``cpp_standalone`` writes and
compiles a whole C++ program once (tens of seconds), after which each run is a
plain binary with no Python in the loop. Parameters passed as ``run_args``
are read by that binary from files at start-up, so a new parameter set
reruns the same executable **without recompiling**.

:class:`StandaloneRunner` builds a group of ``n`` Izhikevich neurons
(:func:`izh_brian.model.neurons.make_neurons`, per-neuron a, b, c, d, initial state
and constant drive ``I``) for a fixed duration, then reruns it with new
per-neuron parameters. ``cpp_standalone`` changes Brian2's *global* device, so
the whole standalone session lives in a child process: the caller's Brian2
state is never touched.

:func:`measure_crossover` times both modes on the same neurons and reports
where standalone starts to pay off: after how many reruns of one build, and
from which simulated duration for a one-off run.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import shutil
import tempfile
import time

import brian2
import numpy as np
from brian2 import Network, SpikeMonitor, ms, mV

from izh_brian.analysis.spiketrains import compare_trains
from izh_brian.model.neurons import make_neurons
from izh_brian.model.schemes import check_scheme
from izh_brian.network.standalone import add_cpp_stimulus, stop_child

__all__ = ["StandaloneRunner", "run_runtime", "measure_crossover", "spikes_agree", "train_agreement"]

PARAMS = ("a", "b", "c", "d", "V0", "u0", "I")


def _params(n, kw) -> dict:
    unknown = set(kw) - set(PARAMS)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; allowed: {', '.join(PARAMS)}")
    defaults = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "V0": -70.0, "u0": None, "I": 10.0}
    out = {}
    for k in PARAMS:
        v = kw.get(k, defaults[k])
        if v is None:
            continue
        arr = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{k} must be finite")
        out[k] = arr
    if "u0" not in out:
        out["u0"] = out["b"] * out["V0"]
    return out


# --------------------------------------------------------------------------- child process


def _child(conn, n, duration_ms, dt_ms, scheme, directory):
    try:
        from brian2 import Network, SpikeMonitor, device, ms, mV, set_device

        t0 = time.perf_counter()
        set_device("cpp_standalone", directory=directory, build_on_run=False)
        G = make_neurons(n, dt=dt_ms, scheme=scheme, name="izhikevich")
        add_cpp_stimulus(G, np.zeros(1))
        mon = SpikeMonitor(G, name="spikemonitor")
        net = Network(G, mon)
        net.run(duration_ms * ms, namespace={})
        device.build(directory=directory, compile=True, run=False, with_output=False)
        conn.send(("built", time.perf_counter() - t0))
        units = {"a": 1, "b": 1, "c": mV, "d": mV / ms, "V0": mV, "u0": mV / ms, "I": mV / ms}
        views = {"a": G.a, "b": G.b, "c": G.c, "d": G.d, "V0": G.v, "u0": G.u, "I": G.I_ext}
        while True:
            msg = conn.recv()
            if msg is None:
                break
            t1 = time.perf_counter()
            run_args = {views[k]: np.asarray(v) * units[k] for k, v in msg.items()}
            device.run(run_args=run_args, with_output=False)
            i = np.asarray(mon.i[:], dtype=np.int64)
            t = np.asarray(mon.t / ms)
            v = np.asarray(G.v / mV)
            order = np.lexsort((t, i))
            conn.send(("ran", {"spike_index": i[order], "spike_times_ms": t[order], "v_end_mV": v,
                               "wall_s": time.perf_counter() - t1,
                               "binary_s": float(device.timers.get("run_binary", float("nan")))}))
    except Exception as exc:  # report to the parent instead of dying silently
        import traceback

        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"))
    finally:
        conn.close()


class StandaloneRunner:
    """A cpp_standalone program of ``n`` Izhikevich neurons, built once in a child process and rerun.

    Parameters
    ----------
    n : int
        Number of neurons.
    duration_ms, dt_ms : float
        Simulated time and step (fixed at build time).
    scheme : str
        ``figure1`` (default), ``net2003`` or a Brian2 method.
    directory : str, optional
        Project directory (default: a temporary one, removed by :meth:`close`).

    Examples
    --------
    >>> with StandaloneRunner(100, 1000.0) as sa:          # doctest: +SKIP
    ...     out = sa.run(a=np.linspace(0.01, 0.1, 100), I=10.0)
    ...     out2 = sa.run(d=2.0)                             # no recompilation
    """

    def __init__(self, n: int, duration_ms: float, dt_ms: float = 0.25, scheme: str = "figure1",
                 directory: str | None = None, timeout: float = 900.0):
        check_scheme(scheme)
        self.n = int(n)
        if self.n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if not (dt_ms > 0 and duration_ms >= dt_ms and math.isfinite(duration_ms)):
            raise ValueError(f"need dt_ms > 0 and duration_ms >= dt_ms, got {dt_ms}, {duration_ms}")
        self.duration_ms, self.dt_ms, self.scheme = float(duration_ms), float(dt_ms), scheme
        self._own_dir = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="izh_brian_standalone_")
        self.timeout = timeout
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child, args=(child, self.n, self.duration_ms, self.dt_ms, scheme,
                                                      self.directory), daemon=True)
        self._proc.start()
        child.close()
        self.build_s = self._expect("built")

    def _expect(self, tag):
        if not self._conn.poll(self.timeout):
            self.close()
            raise RuntimeError(f"cpp_standalone child gave no answer within {self.timeout} s")
        got, payload = self._conn.recv()
        if got == "error":
            self.close()
            raise RuntimeError(f"cpp_standalone failed: {payload}")
        return payload

    @property
    def binary(self) -> str:
        """Path of the compiled program."""
        return os.path.join(self.directory, "main")

    def run(self, **params) -> dict:
        """Rerun the built program with per-neuron parameters (a, b, c, d, V0, u0, I; scalars or arrays).

        Returns ``spike_index``, ``spike_times_ms``, ``v_end_mV``, ``wall_s``
        (this call) and ``binary_s`` (the program alone).
        """
        self._conn.send(_params(self.n, params))
        return self._expect("ran")

    def close(self) -> None:
        """Stop the child process and remove a temporary project directory."""
        try:
            stop_child(self._proc, self._conn)
        finally:
            if self._own_dir:
                shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------- runtime (Cython) reference


def run_runtime(n: int, duration_ms: float, dt_ms: float = 0.25, scheme: str = "figure1", **params) -> dict:
    """The same neurons as :class:`StandaloneRunner` with Brian2's runtime (Cython) in this process."""

    p = _params(int(n), params)
    t0 = time.perf_counter()
    G = make_neurons(int(n), a=p["a"], b=p["b"], c=p["c"], d=p["d"], v0=p["V0"], u0=p["u0"], dt=dt_ms,
                     scheme=scheme, name="izhikevich")
    G.I_ext = p["I"] * mV / ms
    mon = SpikeMonitor(G, name="spikemonitor")
    Network(G, mon).run(duration_ms * ms, namespace={})
    i = np.asarray(mon.i[:], dtype=np.int64)
    t = np.asarray(mon.t / ms)
    order = np.lexsort((t, i))
    return {"spike_index": i[order], "spike_times_ms": t[order], "v_end_mV": np.asarray(G.v / mV),
            "wall_s": time.perf_counter() - t0}


def measure_crossover(n: int = 1000, duration_ms: float = 1000.0, dt_ms: float = 0.25, reruns: int = 3) -> dict:
    """Where cpp_standalone beats the Cython runtime, measured on ``n`` neurons.

    Builds one standalone program of ``duration_ms``, reruns it ``reruns``
    times with new parameters, and times the runtime on the same neurons at
    ``duration_ms`` and ``duration_ms/10``. With the runtime's cost
    ``c0 + c1*T`` and the standalone's ``build + s0 + s1*T`` (``s0``: program
    start and file I/O, from the program's own timer):

    * reruns of one build pay off after ``build / (runtime(T) - rerun(T))`` runs;
    * a one-off run pays off from ``T* = (build + s0 - c0) / (c1 - s1)``.

    Returns
    -------
    dict
        The timings, ``reruns_to_break_even`` and ``one_off_crossover_ms``
        (``inf`` when standalone never wins), ``recompiled_on_rerun`` and
        ``spikes_agree`` (standalone and runtime spikes, see :func:`spikes_agree`)
        and the per-neuron :func:`train_agreement`. Over long runs the two
        separately compiled programs drift apart: their v differs in the last
        bits, and near the spike threshold (where v moves slowly) such a
        difference can move a threshold crossing by a step.
    """

    rng = np.random.default_rng(0)
    sets = [{"a": rng.uniform(0.01, 0.1, n), "d": rng.uniform(2.0, 8.0, n), "I": rng.uniform(5.0, 15.0, n)}
            for _ in range(max(1, reruns))]
    run_runtime(n, 10.0, dt_ms, **sets[0])  # warm the Cython cache
    brian2.start_scope()
    T_short = duration_ms / 10.0
    rt_short = min(_timed_runtime(n, T_short, dt_ms, sets[0]) for _ in range(2))
    rt_long, ref = None, None
    for _ in range(2):
        r = run_runtime(n, duration_ms, dt_ms, **sets[0])
        brian2.start_scope()
        if rt_long is None or r["wall_s"] < rt_long:
            rt_long, ref = r["wall_s"], r
    with StandaloneRunner(n, duration_ms, dt_ms) as sa:
        build_s = sa.build_s
        outs = [sa.run(**s) for s in sets]
        mtime = os.path.getmtime(sa.binary)
        outs.append(sa.run(**sets[0]))
        recompiled = os.path.getmtime(sa.binary) != mtime
    rerun_s = min(o["wall_s"] for o in outs)
    binary_s = min(o["binary_s"] for o in outs)
    same = spikes_agree(outs[0], ref, dt_ms)
    c1 = (rt_long - rt_short) / (duration_ms - T_short)
    c0 = rt_long - c1 * duration_ms
    # standalone: per-step cost from the program's own timer is not separable from
    # start-up here, so take the whole rerun as s0 + s1*T with s1 = binary_s / T (upper bound).
    s1 = binary_s / duration_ms
    s0 = max(rerun_s - binary_s, 0.0)
    reruns_even = build_s / (rt_long - rerun_s) if rt_long > rerun_s else math.inf
    one_off = (build_s + s0 - c0) / (c1 - s1) if c1 > s1 else math.inf
    return {
        "n": n, "duration_ms": duration_ms, "dt_ms": dt_ms,
        "runtime_s": rt_long, "runtime_short_s": rt_short, "short_ms": T_short,
        "standalone_build_s": build_s, "standalone_rerun_s": rerun_s, "standalone_binary_s": binary_s,
        "recompiled_on_rerun": bool(recompiled),
        "reruns_to_break_even": reruns_even,
        "one_off_crossover_ms": one_off,
        "spikes_agree": bool(same),
        **train_agreement(outs[0], ref, n),
    }


def _neuron_trains(x: dict, n: int) -> list:
    """Each neuron's spike times of a run (its spikes sorted by neuron, then time)."""
    bounds = np.searchsorted(x["spike_index"], np.arange(n + 1))
    return [x["spike_times_ms"][bounds[j]:bounds[j + 1]] for j in range(n)]


def train_agreement(x: dict, y: dict, n: int) -> dict:
    """Per-neuron comparison of two runs (:func:`izh_brian.analysis.spiketrains.compare_trains` of each
    neuron's trains): ``same_count_fraction``, ``identical_train_fraction``, ``max_count_diff`` and
    ``max_shift_ms`` (largest spike-time difference among neurons with equal counts)."""
    cmp = [compare_trains(a, b) for a, b in zip(_neuron_trains(x, n), _neuron_trains(y, n))]
    shifts = [c.max_abs_dt_ms for c in cmp if c.same_count and c.n_a]
    return {"same_count_fraction": float(np.mean([c.same_count for c in cmp])) if n else float("nan"),
            "identical_train_fraction": sum(c.exact for c in cmp) / n,
            "max_count_diff": max((abs(c.n_a - c.n_b) for c in cmp), default=0),
            "max_shift_ms": max(shifts) if shifts else 0.0}


def spikes_agree(x: dict, y: dict, dt_ms: float) -> bool:
    """Same number of spikes per neuron, each spike time within one step ``dt_ms``.

    The C++ program and the Cython runtime are compiled separately (with
    ``-ffast-math``), so their last bits of v differ and a spike may move by
    one step over a long run; anything more is a different program.
    """
    if not np.array_equal(x["spike_index"], y["spike_index"]):
        return False
    c = compare_trains(x["spike_times_ms"], y["spike_times_ms"])
    return c.max_abs_dt_ms is None or c.max_abs_dt_ms <= dt_ms * (1 + 1e-9)


def _timed_runtime(n, T, dt_ms, params):
    r = run_runtime(n, T, dt_ms, **params)
    brian2.start_scope()
    return r["wall_s"]
