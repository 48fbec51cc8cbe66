r"""The 2003 network (net.m) as a cached ``cpp_standalone`` program: build once per shape, rerun per seed.

Brian2's runtime (Cython) pays Python overhead on every time step of every
code object and a fixed cost per ``run()``; for net.m's 10^4 steps of 1 ms
that overhead, not the arithmetic, is most of the time. With Brian2's
``cpp_standalone`` device the whole simulation loop is one compiled C++
program. Compiling it costs tens of seconds, so it is done **once per network
shape** and kept in a cache directory; every later run with a new seed,
new weights, new cell types or a new thalamic noise reruns the same binary,
its new values passed through Brian2's ``run_args`` (files the program reads
at start-up), **without recompiling**.

What is fixed at build time (the *shape*, which names the cache directory)
and what is passed at every run:

=================================  ==========================================
shape (build)                      run_args (every rerun)
=================================  ==========================================
n_exc, n_inh, dt, duration,        a, b, c, d and the equation variant
dense connectivity (N^2 synapses,  coefficients of every neuron (so any cell
net.m's), scheme ``net2003``,      types), v0, u0, all N^2 weights, the
noise mode                         noise amplitude of every neuron, the seed
=================================  ==========================================

The schedule of one step is net.m's, as in :func:`izh_brian.network.build.build_network`
(noise, spike test, reset, synapses, two half steps of v, u from the new v).

Thalamic noise
--------------
``noise='program'`` (default): the program draws the input itself with
Brian2's ``randn()`` (C++ ``std::mt19937``), ``I_i = sigma_i * randn()``
every step, where ``sigma_i`` (5 for excitatory, 2 for inhibitory cells in
net.m) is a per-neuron value passed as ``run_args`` (a one-row 2-D
``TimedArray``) and the generator is re-seeded from the run's seed, also a
``run_args`` value (a one-neuron helper group read by a line of C++ put
after Brian2's ``set_from_command_line``). The same seed gives the same
raster; the input is statistically net.m's (independent Gaussian, SD 5 and
2, fresh every ms) but **not the same numbers** as numpy's draws, so the
raster agrees with the runtime network and the numpy net.m in its statistics
(rates, spectrum), not spike by spike. This is the fast mode: nothing of
size steps x N crosses a file.

``noise='table'``: numpy's draws of :func:`izh_brian.network.build.draw_network`
(``default_rng(seed)``, net.m's order) are passed as the values of a 2-D
``TimedArray`` (steps x N) via ``run_args``: the same numbers as the runtime
network with ``noise='table'``, at the price of writing and reading
steps x N doubles (80 MB for the paper's 1000 neurons x 10 s) every run.

Brian2's device is global, so everything standalone happens in a spawned
child process (:class:`StandaloneNetwork`); the caller's Brian2 state is
never touched. A second process finds the program of its shape in the cache:
it regenerates the code (a few seconds of Python), which is unchanged, so
``make`` does not recompile (all objects share one clock, which keeps the
generated ``main.cpp`` identical from process to process).

Speed
-----
:func:`benchmarks.network_standalone.benchmark_network_standalone` times the build and the reruns next to
the numpy net.m. Once the program exists, a rerun of the paper's network
(1000 neurons, 10^6 synapses, 10^4 steps) is the program's own work: the
thalamic noise (10^7 normal numbers from Brian2's polar Box-Muller on
``mt19937``), the synaptic events (about 7 x 10^7: every spike reaches all
1000 neurons), the two half steps of v, and about 0.1 s to start the program,
load the weights and write Brian2's result files. The per-step Python cost of
the runtime is gone; the arithmetic remains.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import shutil
import time
from dataclasses import replace

import brian2
import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    SpikeMonitor,
    Synapses,
    TimedArray,
    device,
    ms,
    mV,
    prefs,
    second,
    set_device,
    volt,
)

from izh_brian.model.equations import VARIANTS
from izh_brian.model.neurons import make_neurons
from izh_brian.network.build import NetworkResult, draw_network, make_spec

__all__ = [
    "StandaloneNetwork",
    "cache_root",
    "shape_key",
    "simulate_network_standalone",
    "NOISE_MODES",
    "add_cpp_stimulus",
    "stop_child",
    "CPP_STIMULUS",
]


#: Noise modes of the standalone network.
NOISE_MODES = ("program", "table")


#: C++ implementation of the input-table lookup ``I_stim(k, offset, n)`` of
#: :func:`izh_brian.model.neurons.make_stimulus_function` (the runtime has Cython and numpy ones).
CPP_STIMULUS = """
static inline double izh_stimulus(int k, int offset, int n)
{
    if (n <= 0) return 0.0;
    if (k >= n) k = n - 1;
    if (k < 0) k = 0;
    return _namespaceizh_stimulus_values[offset + k];
}
"""


def add_cpp_stimulus(group, table) -> None:
    """Give the group's ``I_stim`` function a C++ implementation reading ``table`` (needed by cpp_standalone)."""
    f = group.namespace["I_stim"]
    table = np.ascontiguousarray(table if np.size(table) else np.zeros(1), dtype=np.float64)
    f.implementations.add_implementation("cpp", CPP_STIMULUS, namespace={"izh_stimulus_values": table},
                                         name="izh_stimulus")


def stop_child(proc, conn) -> None:
    """Ask a child process to finish (``None`` on its pipe), then terminate it if it does not."""
    if proc.is_alive():
        try:
            conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        proc.join(10)
    if proc.is_alive():
        proc.terminate()
        proc.join(5)


#: Bumped whenever the generated program changes, so old cache entries are not reused.
_PROGRAM_VERSION = 1


def cache_root() -> str:
    """The cache of built programs: ``$IZH_BRIAN_STANDALONE_CACHE`` or ``~/.cache/izh_brian/standalone``."""
    env = os.environ.get("IZH_BRIAN_STANDALONE_CACHE")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "izh_brian", "standalone")


def _shape(spec, noise, profile=False) -> dict:
    return {"n_exc": spec.n_exc, "n_inh": spec.n_inh, "dt_ms": spec.dt_ms, "duration_ms": spec.duration_ms,
            "connectivity": spec.connectivity, "scheme": spec.scheme, "noise": noise, "profile": bool(profile),
            "brian2": brian2.__version__, "program": _PROGRAM_VERSION}


def shape_key(spec, noise="program", profile=False) -> str:
    """The cache key (16 hex digits) of the network shape of ``spec`` (see the module docstring)."""
    blob = json.dumps(_shape(spec, noise, profile), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _check_shape(spec, noise):
    if noise not in NOISE_MODES:
        raise ValueError(f"unknown standalone noise mode {noise!r}; allowed: {', '.join(NOISE_MODES)}")
    if spec.connectivity != "dense":
        raise ValueError(f"the standalone network is built for dense (net.m) connectivity only, got "
                         f"{spec.connectivity!r}; use izh_brian.network.build.simulate_network for fixed in-degree")
    if spec.scheme != "net2003":
        raise ValueError(f"the standalone network runs scheme 'net2003' only, got {spec.scheme!r}")


def _build(spec, noise, directory, profile=False):
    """Build (or rebuild from the cache) the program in this (child) process; returns handles."""

    prefs.devices.cpp_standalone.openmp_threads = 0  # one thread: one generator, reproducible rasters
    set_device("cpp_standalone", directory=directory, build_on_run=False)
    n, steps = spec.n, spec.n_steps
    G = make_neurons(n, scheme="net2003", dt=spec.dt_ms, name="izhnet")
    add_cpp_stimulus(G, np.zeros(1))
    if noise == "program":
        # one row: izhnet_sigma(t, i) is sigma_i at every t < duration
        ta = TimedArray(np.ones((1, n)) * volt / second, dt=spec.n_steps * spec.dt_ms * ms, name="izhnet_sigma")
        code = "I_ext = izhnet_sigma(t, i)*randn()"
    else:
        ta = TimedArray(np.zeros((steps, n)) * volt / second, dt=spec.dt_ms * ms, name="izhnet_table")
        code = "I_ext = izhnet_table(t, i)"
    G.namespace[ta.name] = ta
    G.run_regularly(code, when="before_groups", order=-3, name="izhnet_noise")
    # every object on the group's clock: with one clock the generated main.cpp is the same in every
    # process (the order of several clocks is not), so a cached program is not recompiled
    rng = NeuronGroup(1, "seed_value : integer", name="izhnet_rng", clock=G.clock)
    S = Synapses(G, G, "w : volt/second (constant)", on_pre="I_ext_post += w", clock=G.clock, name="izhnet_syn")
    # dense, presynaptic-major: the order of izh_brian.network.build.draw_network
    S.connect(i=np.repeat(np.arange(n, dtype=np.int32), n), j=np.tile(np.arange(n, dtype=np.int32), n))
    S.w = 0 * volt / second
    S.pre.when = "before_groups"
    S.pre.order = 0
    mon = SpikeMonitor(G, name="izhnet_spikes")
    net = Network(G, S, mon, rng, name="izhnet_network")
    device.apply_run_args()
    seed_arr = device.get_array_name(rng.variables["seed_value"])
    device.insert_code("main", f"for (int _i=0; _i<1; _i++)\n"
                               f"    brian::_random_generators[_i].seed((unsigned long)({seed_arr}[0]) + _i);")
    net.run(spec.n_steps * spec.dt_ms * ms, namespace={}, profile=bool(profile))
    device.build(directory=directory, compile=True, run=False, with_output=False)
    return G, S, mon, rng, ta


def _run_args(spec, noise, G, S, rng, ta):
    """The run_args of one run: the draws of ``spec.seed`` (net.m's order) as Brian2 values."""

    dr = draw_network(replace(spec, noise="table" if noise == "table" else "brian2"))
    vs = volt / second
    coeffs = np.array([VARIANTS[v] for v in dr.variant])

    def q(x, unit=1):
        # Brian2 hashes the raw buffer of each value: it must be contiguous
        return np.ascontiguousarray(x, dtype=float) * unit

    args = {G.a: q(dr.a), G.b: q(dr.b), G.c: q(dr.c, mV), G.d: q(dr.d, mV / ms),
            G.k2: q(coeffs[:, 0]), G.k1: q(coeffs[:, 1]), G.k0: q(coeffs[:, 2]), G.v_u: q(coeffs[:, 3], mV),
            G.g_u: q(coeffs[:, 4]), G.v: q(np.full(spec.n, -65.0), mV), G.u: q(dr.b * -65.0, mV / ms),
            S.w: q(dr.w, vs), rng.seed_value: int(spec.seed % (2**31 - 1))}
    args[ta] = q(dr.noise_scale[None, :] if noise == "program" else dr.noise, vs)
    return args


def _remove_run_args(device, directory):
    """Remove this run's value files (and Brian2's lock files) so reruns do not fill the cache."""
    for name in device.run_args_arrays:
        for f in (name, name + ".lock"):
            try:
                os.remove(os.path.join(directory, "static_arrays", f))
            except OSError:
                pass
    device.run_args_arrays.clear()


def _child(conn, spec, noise, directory, profile):
    results = None
    try:
        from brian2.utils.filelock import FileLock

        t0 = time.perf_counter()
        os.makedirs(directory, exist_ok=True)
        binary = os.path.join(directory, "main")
        cached = os.path.exists(binary)
        with FileLock(os.path.join(directory, "build.lock")):
            G, S, mon, rng, ta = _build(spec, noise, directory, profile)
        from brian2 import device, ms

        conn.send(("built", {"build_s": time.perf_counter() - t0, "was_cached": cached}))
        results = f"results_{os.getpid()}"
        while True:
            msg = conn.recv()
            if msg is None:
                break
            t1 = time.perf_counter()
            args = _run_args(msg, noise, G, S, rng, ta)
            t2 = time.perf_counter()
            device.run(results_directory=results, run_args=args, with_output=False)
            t3 = time.perf_counter()
            i = np.asarray(mon.i[:], dtype=np.int64)
            k = np.rint(np.asarray(mon.t / ms) / msg.dt_ms).astype(np.int64)
            _remove_run_args(device, directory)
            prof = {}
            if profile:
                with open(os.path.join(directory, results, "profiling_info.txt")) as fh:
                    prof = {ln.split()[0]: float(ln.split()[1]) for ln in fh if ln.strip()}
            order = np.lexsort((i, k))
            conn.send(("ran", {"spike_steps": k[order], "spike_i": i[order], "prepare_s": t2 - t1,
                               "program_s": float(device.timers.get("run_binary", float("nan"))),
                               "run_s": t3 - t2, "read_s": time.perf_counter() - t3, "profile": prof}))
    except Exception as exc:  # report to the parent instead of dying silently
        import traceback

        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"))
    finally:
        conn.close()
        if results:
            shutil.rmtree(os.path.join(directory, results), ignore_errors=True)


class StandaloneNetwork:
    """The net.m network of one shape as a compiled program, built (or found in the cache) once and rerun.

    Parameters
    ----------
    scenario : str
        Any of :data:`izh_brian.network.build.SCENARIOS`; only its shape matters for
        the build (the cell types and weights are per-run values).
    noise : str
        ``program`` (Brian2's randn in the program, seeded per run; statistics
        of net.m) or ``table`` (numpy's draws of net.m, exact, slower).
    directory : str, optional
        Project directory; default ``cache_root()/<shape_key>``.
    timeout : float
        Seconds to wait for the child (a cold build compiles for about a minute).
    **shape
        ``ne``, ``ni``, ``duration_ms``, ``dt`` as :func:`izh_brian.network.build.make_spec`
        (dense connectivity, scheme ``net2003``).

    Attributes
    ----------
    build_s : float
        Wall seconds to start the child, generate the code and compile (or
        find the binary up to date in the cache).
    was_cached : bool
        The binary existed before this build.

    Examples
    --------
    >>> with StandaloneNetwork(ne=160, ni=40, duration_ms=500) as sn:   # doctest: +SKIP
    ...     r1 = sn.run(seed=1)
    ...     r2 = sn.run(seed=2, we=0.3)     # no recompilation
    """

    def __init__(self, scenario="paper", *, noise="program", profile=False, directory=None, timeout=900.0, **shape):
        bad = set(shape) - {"ne", "ni", "duration_ms", "dt", "connectivity", "scheme"}
        if bad:
            raise ValueError(f"unknown shape argument(s) {sorted(bad)}; allowed: ne, ni, duration_ms, dt "
                             "(connectivity 'dense', scheme 'net2003')")
        self.base = make_spec(scenario, **{"connectivity": "dense", **shape}, noise="brian2")
        _check_shape(self.base, noise)
        self.noise = noise
        self.profile = bool(profile)
        self.key = shape_key(self.base, noise, self.profile)
        self.directory = directory or os.path.join(cache_root(), self.key)
        self.timeout = float(timeout)
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child, args=(child, self.base, noise, self.directory, self.profile),
                                 daemon=True)
        t0 = time.perf_counter()
        self._proc.start()
        child.close()
        info = self._expect()
        self.build_s = time.perf_counter() - t0
        self.was_cached = bool(info["was_cached"])

    @property
    def binary(self) -> str:
        """Path of the compiled program."""
        return os.path.join(self.directory, "main")

    def _expect(self):
        if not self._conn.poll(self.timeout):
            self.close()
            raise RuntimeError(f"cpp_standalone child gave no answer within {self.timeout} s")
        tag, payload = self._conn.recv()
        if tag == "error":
            self.close()
            raise RuntimeError(f"cpp_standalone network failed: {payload}")
        return payload

    def spec_for(self, scenario=None, **kw):
        """The :class:`~izh_brian.network.build.NetworkSpec` of a rerun: the shape of this program, new values."""

        b = self.base
        fixed = {"ne": b.n_exc, "ni": b.n_inh, "duration_ms": b.duration_ms, "dt": b.dt_ms}
        clash = [k for k in kw if k in fixed or k in ("connectivity", "scheme", "indegree", "noise")]
        if clash:
            raise ValueError(f"{', '.join(clash)} belong to the shape of the built program; build another "
                             "StandaloneNetwork for a new shape")
        return make_spec(scenario or b.scenario, **fixed, connectivity="dense", noise="brian2", **kw)

    def run(self, scenario=None, **kw):
        """Rerun the program with new values: ``seed``, ``exc``, ``inh``, ``we``, ``wi``, ``sigma_e``, ``sigma_i``.

        Returns
        -------
        izh_brian.network.build.NetworkResult
            ``build_s`` is 0 (the build is :attr:`build_s`); ``run_s`` is the
            whole rerun seen from here: drawing the values, writing them,
            the program, reading the spikes back. The extra attribute
            ``timing`` splits it (``prepare_s``, ``program_s``, ``read_s``).
        """

        spec = self.spec_for(scenario, **kw)
        t0 = time.perf_counter()
        self._conn.send(spec)
        out = self._expect()
        wall = time.perf_counter() - t0
        res = NetworkResult(spec=replace(spec, noise=f"standalone-{self.noise}"), spike_steps=out["spike_steps"],
                            spike_i=out["spike_i"], build_s=0.0, run_s=wall)
        res.timing = {k: out[k] for k in ("prepare_s", "program_s", "run_s", "read_s")}
        res.profile = out["profile"]
        return res

    def close(self) -> None:
        """Stop the child process (the built program stays in the cache)."""

        stop_child(self._proc, self._conn)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def simulate_network_standalone(scenario="paper", *, noise="program", **kwargs):
    """One run of the standalone network (builds or reuses the cached program); ``kwargs`` as make_spec.

    ``ne``, ``ni``, ``duration_ms``, ``dt`` select the program; ``seed``, ``exc``,
    ``inh``, ``we``, ``wi``, ``sigma_e``, ``sigma_i`` are the run's values. The
    result's ``build_s`` is this call's build (or cache check).
    """
    shape = {k: kwargs.pop(k) for k in ("ne", "ni", "duration_ms", "dt", "connectivity", "scheme") if k in kwargs}
    with StandaloneNetwork(scenario, noise=noise, **shape) as sn:
        r = sn.run(**kwargs)
        r.build_s = sn.build_s
    return r
