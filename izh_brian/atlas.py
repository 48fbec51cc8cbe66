r"""Parameter atlases: every point of a parameter grid is one neuron of one NeuronGroup.

A researcher maps the firing patterns of the Izhikevich model

.. math::

    v' = 0.04 v^2 + 5 v + 140 - u + I, \qquad u' = a (b v - u),
    \qquad v > 30:\ v \leftarrow c,\ u \leftarrow u + d

over a plane (or a cube) of parameters, 10^4 to 10^6 points. All points are
independent neurons, so they run side by side as the neurons of **one**
NeuronGroup (a, b, c, d, V0, u0 and the input amplitude are per-neuron
variables; the compiled code is shared with every other run of the package).
Only spikes are recorded -- no voltage traces -- and a few cheap features are
computed per point from the spike trains: counts, rate during the input,
first-spike latency, mean and CV of the inter-spike intervals, and whether the
dynamics diverged. Each point then gets its class from the pattern classifier
of :mod:`izh_brian.analysis` (``step_response_features`` and
``classify_features``).

Grids too large for one process are cut into chunks of consecutive points;
the chunks run as tasks on a Dask distributed cluster (an address, or a
``LocalCluster`` started here), each worker with its own Cython cache
directory. Each neuron's arithmetic does not depend on its neighbours, so the
merged result is identical, point for point and bit for bit, to the
single-process run on the same machine.

References
----------
E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural
Networks 14(6):1569-1572, 2003.
E. M. Izhikevich, "Which model to use for cortical spiking neurons?", IEEE
Trans. Neural Networks 15(5):1063-1070, 2004.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np
from brian2 import Network, SpikeMonitor, ms, mV, prefs

from izh_brian.analysis.classify import classify_features, step_response_features
from izh_brian.analysis.spiketrains import CV_DDOF
from izh_brian.limits import check_grid
from izh_brian.model.equations import VARIANTS
from izh_brian.model.neurons import make_neurons
from izh_brian.model.schemes import check_scheme
from izh_brian.parallel import compiled_modules, dask_map
from izh_brian.presets import get_preset
from izh_brian.stimuli import n_steps

__all__ = [
    "GRID_KEYS",
    "FEATURES",
    "AtlasSpec",
    "Atlas",
    "parse_grid",
    "make_spec",
    "simulate_points",
    "run_atlas",
]

#: Parameters a grid may vary: the model's a, b, c (mV), d (mV/ms), the initial
#: state V0 (mV) and u0 (mV/ms), and I, the amplitude (mV/ms) of the step input.
GRID_KEYS = ("a", "b", "c", "d", "V0", "u0", "I")

#: Per-point features computed from the spike trains (all arrays of the grid's shape).
FEATURES = (
    "n_spikes",
    "n_spikes_input",
    "rate_hz",
    "latency_ms",
    "mean_isi_ms",
    "cv_isi",
    "diverged",
)

#: Onset (ms) of the step input in ``current`` mode (that of the pattern classifier's protocol).
DEFAULT_ONSET_MS = 20.0

#: Label of points whose v or u became inf or NaN.
DIVERGED = "diverged"

#: Brian2 names of the atlas group and its monitor (fixed, so compiled code is reused).
GROUP_NAME = "izhikevich"
MONITOR_NAME = "spikemonitor"

# Brian2 is not thread-safe: a Dask worker with several threads runs one chunk at a time.
_BRIAN_LOCK = threading.Lock()


@dataclass(frozen=True)
class AtlasSpec:
    """Everything a chunk needs to simulate its points (small and picklable).

    Attributes
    ----------
    keys : tuple of str
        The gridded parameters, in grid-axis order.
    axes : tuple of ndarray
        The values of each gridded parameter.
    base : dict
        Values of the parameters that are not gridded (a, b, c, d, V0, u0, I);
        ``u0=None`` means ``b*V0`` per point.
    variant : str
        Equation variant (see :data:`izh_brian.model.equations.VARIANTS`).
    scheme : str
        Numerical scheme.
    dt_ms, duration_ms : float
        Time step and simulated time (ms).
    stimulus : ndarray or None
        A sampled protocol (mV/ms) shared by all points (``--stimulus PRESET``),
        or ``None`` for a step of amplitude ``I`` switched on after ``onset_ms`` (default 20 ms).
    onset_ms, stop_ms : float
        The input window the features and the classifier look at.
    classify : bool
        Whether to label each point with the pattern classifier.
    """

    keys: tuple
    axes: tuple
    base: dict
    variant: str = "standard"
    scheme: str = "figure1"
    dt_ms: float = 0.25
    duration_ms: float = 200.0
    stimulus: np.ndarray | None = None
    onset_ms: float = 10.0
    stop_ms: float = 200.0
    classify: bool = True
    source: str = ""

    @property
    def shape(self) -> tuple:
        return tuple(len(a) for a in self.axes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.axes else 1

    @property
    def n_steps(self) -> int:
        return n_steps(self.dt_ms, self.duration_ms)

    def point_params(self, start: int = 0, stop: int | None = None) -> dict:
        """Parameter arrays (a, b, c, d, V0, u0, I) of the flat points ``start:stop`` (C order)."""
        stop = self.size if stop is None else stop
        flat = np.arange(start, stop)
        idx = np.unravel_index(flat, self.shape) if self.axes else ()
        out = {}
        for key in GRID_KEYS:
            if key in self.keys:
                k = self.keys.index(key)
                out[key] = np.asarray(self.axes[k], dtype=float)[idx[k]]
            elif key == "u0" and self.base.get("u0") is None:
                out[key] = None
            else:
                out[key] = np.full(len(flat), float(self.base[key]))
        if out["u0"] is None:
            out["u0"] = out["b"] * out["V0"]
        return out


@dataclass
class Atlas:
    """A computed parameter atlas: features and classes of every grid point.

    Attributes
    ----------
    spec : AtlasSpec
        What was simulated.
    features : dict of str -> ndarray
        One array of the grid's shape per feature (see :data:`FEATURES`).
    labels : ndarray of str
        The class of each point (grid shape); ``'diverged'`` where the
        dynamics ran away, ``''`` when classification was switched off.
    spike_index, spike_times_ms : ndarray
        All spikes, sorted by flat point index then time.
    timing : dict
        Seconds spent: ``build``, ``run``, ``features``, ``classify`` (summed
        over chunks), ``total`` (wall clock); ``neuron_steps``; ``chunks``.
    chunks : list of dict
        Each chunk's ``start``, ``stop`` (flat point range), ``run_s`` and the
        Cython ``cache_dir`` it ran with (``None`` when run in this process).
    """

    spec: AtlasSpec
    features: dict
    labels: np.ndarray
    spike_index: np.ndarray
    spike_times_ms: np.ndarray
    reasons: list = field(default_factory=list)
    timing: dict = field(default_factory=dict)
    chunks: list = field(default_factory=list)

    @property
    def shape(self) -> tuple:
        return self.spec.shape

    @property
    def axes(self) -> dict:
        return dict(zip(self.spec.keys, (np.asarray(a) for a in self.spec.axes)))

    def spikes_of(self, *index) -> np.ndarray:
        """Spike times (ms) of the point at grid ``index`` (one integer per axis)."""
        flat = int(np.ravel_multi_index(index, self.shape))
        lo, hi = np.searchsorted(self.spike_index, [flat, flat + 1])
        return self.spike_times_ms[lo:hi]

    def class_counts(self) -> dict:
        names, counts = np.unique(self.labels.ravel(), return_counts=True)
        return {str(n): int(c) for n, c in zip(names, counts)}

    def to_dict(self, spikes: bool = False) -> dict:
        """JSON-ready record: grid, shape, labels and features (flat, C order), class counts."""
        d = {
            "keys": list(self.spec.keys),
            "grid": {k: [float(x) for x in a] for k, a in self.axes.items()},
            "shape": list(self.shape),
            "n_points": self.spec.size,
            "fixed": {k: (None if v is None else float(v)) for k, v in self.spec.base.items() if k not in self.spec.keys},
            "variant": self.spec.variant,
            "scheme": self.spec.scheme,
            "dt_ms": self.spec.dt_ms,
            "duration_ms": self.spec.duration_ms,
            "stimulus": self.spec.source,
            "onset_ms": self.spec.onset_ms,
            "stop_ms": self.spec.stop_ms,
            "labels": [str(x) for x in self.labels.ravel()],
            "classes": self.class_counts(),
            "features": {k: [_num(x) for x in np.asarray(v).ravel()] for k, v in self.features.items()},
            "timing_s": {k: round(float(v), 4) for k, v in self.timing.items()},
        }
        if spikes:
            d["spike_index"] = self.spike_index.tolist()
            d["spike_times_ms"] = self.spike_times_ms.tolist()
        return d

    def save(self, path) -> None:
        """Save as a NumPy ``.npz`` archive (axes, labels, features, spikes)."""
        arrays = {f"axis_{k}": np.asarray(v, dtype=float) for k, v in self.axes.items()}
        arrays.update({f"feature_{k}": np.asarray(v) for k, v in self.features.items()})
        arrays["labels"] = np.asarray(self.labels, dtype=str)
        arrays["keys"] = np.asarray(self.spec.keys, dtype=str)
        arrays["spike_index"] = self.spike_index
        arrays["spike_times_ms"] = self.spike_times_ms
        np.savez_compressed(path, **arrays)


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- grid


def parse_grid(text: str):
    """Parse ``KEY=LO:HI:N`` (N evenly spaced values, ends included) or ``KEY=V1,V2,...``.

    Returns
    -------
    (str, ndarray)

    Raises
    ------
    ValueError
        Unknown key, malformed range, N < 1, non-finite numbers.

    Examples
    --------
    >>> parse_grid("a=0.01:0.1:10")[1][[0, -1]].tolist()
    [0.01, 0.1]
    """
    if "=" not in text:
        raise ValueError(f"--grid expects KEY=LO:HI:N, got {text!r}")
    key, spec = (s.strip() for s in text.split("=", 1))
    if key == "v0":
        key = "V0"
    if key not in GRID_KEYS:
        raise ValueError(f"unknown grid key {key!r}; allowed: {', '.join(GRID_KEYS)}")
    try:
        if ":" in spec:
            parts = spec.split(":")
            if len(parts) != 3:
                raise ValueError
            lo, hi = float(parts[0]), float(parts[1])
            n = int(parts[2])
            if n < 1:
                raise ValueError(f"--grid {key}: N must be >= 1, got {n}")
            values = np.linspace(lo, hi, n)
        else:
            values = np.array([float(x) for x in spec.split(",")])
    except ValueError as exc:
        if str(exc).startswith("--grid"):
            raise
        raise ValueError(f"--grid {key}: {spec!r} is not LO:HI:N (numbers, N an integer) or a list V1,V2,...") from None
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"--grid {key}: values must be finite numbers, got {spec!r}")
    return key, values


def make_spec(grid, *, stimulus=None, current=None, base=None, variant=None, scheme="figure1", dt=None,
              duration=None, onset_ms=None, stop_ms=None, classify=True) -> AtlasSpec:
    """Check the inputs of an atlas and bundle them as an :class:`AtlasSpec`.

    Parameters
    ----------
    grid : dict or list of (key, values) or list of ``"KEY=LO:HI:N"`` strings
        The gridded parameters (see :data:`GRID_KEYS`).
    stimulus : str or Preset, optional
        Use this preset's protocol, grid (dt, duration) and its neuron as the base point.
    current : float, optional
        Otherwise a step of this amplitude (mV/ms) for ``t > onset_ms`` (20 ms unless given; 10 mV/ms
        when ``I`` is not gridded); the base neuron is regular spiking (a=0.02, b=0.2,
        c=-65, d=8, V0=-70).
    base : dict, optional
        Overrides of the non-gridded parameters.
    """

    check_scheme(scheme)
    if isinstance(grid, dict):
        items = list(grid.items())
    else:
        items = [parse_grid(g) if isinstance(g, str) else tuple(g) for g in grid]
    keys, axes = [], []
    for key, values in items:
        if key not in GRID_KEYS:
            raise ValueError(f"unknown grid key {key!r}; allowed: {', '.join(GRID_KEYS)}")
        if key in keys:
            raise ValueError(f"grid key {key!r} given twice")
        values = np.atleast_1d(np.asarray(values, dtype=float))
        if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(f"grid {key}: give a non-empty 1-D array of finite numbers")
        keys.append(key)
        axes.append(values)
    if not keys:
        raise ValueError("give at least one grid axis, e.g. a=0.01:0.1:10")

    if stimulus is not None and current is not None:
        raise ValueError("give a stimulus preset or a constant current, not both")
    if stimulus is not None:
        if "I" in keys:
            raise ValueError("grid key I (step amplitude) needs --current mode, not a preset's protocol")
        p = get_preset(stimulus)
        dt_ms = float(dt) if dt is not None else p.dt
        dur = float(duration) if duration is not None else p.duration
        vals = {"a": p.a, "b": p.b, "c": p.c, "d": p.d, "V0": p.V0, "u0": p.u0, "I": 0.0}
        var = p.variant
        size = math.prod(len(a) for a in axes)  # the preset's input is sampled here: check the limits first
        check_grid(what=f"atlas of {size} points", n_neurons=size, dt_ms=dt_ms, duration_ms=dur, columns=1,
                   extra_bytes=512 * size)
        stim = p.stimulus.sample(dt_ms, dur)
        finite_starts = [pc.start for pc in p.stimulus.pieces if math.isfinite(pc.start)]
        onset = finite_starts[0] if finite_starts else 0.0
        source = f"preset {p.name}: {p.stimulus.describe()}"
    else:
        dt_ms = float(dt) if dt is not None else 0.25
        dur = float(duration) if duration is not None else 200.0
        vals = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "V0": -70.0, "u0": None,
                "I": 10.0 if current is None else float(current)}
        var = "standard"
        stim = None
        onset = DEFAULT_ONSET_MS
        source = "step of amplitude I for t > onset"
    if not (dt_ms > 0 and math.isfinite(dt_ms)):
        raise ValueError(f"dt must be a positive number of ms, got {dt_ms!r}")
    if not (dur >= dt_ms and math.isfinite(dur)):
        raise ValueError(f"duration must be a finite number of ms >= dt, got {dur!r}")
    for k, v in (base or {}).items():
        if k not in GRID_KEYS:
            raise ValueError(f"unknown parameter {k!r}; allowed: {', '.join(GRID_KEYS)}")
        vals[k] = None if v is None else float(v)
    if variant is not None:
        var = variant
    if var not in VARIANTS:
        raise ValueError(f"unknown equation variant {var!r}; allowed: {', '.join(VARIANTS)}")
    onset = float(onset_ms) if onset_ms is not None else onset
    stop = float(stop_ms) if stop_ms is not None else dur
    if not (0 <= onset < stop <= dur):
        raise ValueError(f"need 0 <= onset_ms < stop_ms <= duration, got onset {onset}, stop {stop}, duration {dur}")
    return AtlasSpec(tuple(keys), tuple(axes), vals, var, scheme, dt_ms, dur, stim, onset, stop, bool(classify), source)


# --------------------------------------------------------------------------- one chunk


def simulate_points(spec: AtlasSpec, start: int = 0, stop: int | None = None) -> dict:
    """Simulate the flat grid points ``start:stop`` of ``spec`` as one NeuronGroup.

    Records spikes only. Returns plain arrays: ``spike_index`` (flat point
    index), ``spike_times_ms``, ``finite`` (v and u finite at the end),
    the :data:`FEATURES` and, when ``spec.classify``, ``labels``, plus
    ``timing``.
    """
    stop = spec.size if stop is None else int(stop)
    n = stop - int(start)
    if n < 1:
        raise ValueError(f"empty chunk {start}:{stop}")
    t0 = time.perf_counter()
    with _BRIAN_LOCK:
        out = _simulate_locked(spec, int(start), stop)
    t1 = time.perf_counter()
    feats = spike_features(out["spike_index"] - start, out["spike_times_ms"], n, spec.onset_ms, spec.stop_ms)
    feats["diverged"] = ~out.pop("finite")
    t2 = time.perf_counter()
    out.update(feats)
    if spec.classify:
        out["labels"], out["reasons"] = _classify(out["spike_index"] - start, out["spike_times_ms"], n, spec,
                                                  feats["diverged"])
    else:
        out["labels"] = np.full(n, "", dtype=object)
        out["reasons"] = [[] for _ in range(n)]
    t3 = time.perf_counter()
    out["timing"] = dict(out["timing"], features=t2 - t1, classify=t3 - t2, chunk=t3 - t0)
    out["range"] = (int(start), stop)
    return out


def _simulate_locked(spec: AtlasSpec, start: int, stop: int) -> dict:
    n = stop - start
    p = spec.point_params(start, stop)
    t0 = time.perf_counter()
    steps = spec.n_steps
    if spec.stimulus is not None:
        stim, columns = np.asarray(spec.stimulus, dtype=float), None
    else:
        # One input column per distinct amplitude I: a step to I for t > onset.
        amps, columns = np.unique(p["I"], return_inverse=True)
        t = np.arange(steps) * spec.dt_ms
        unit = (t > spec.onset_ms).astype(float)
        stim = np.concatenate([a * unit for a in amps])
    with np.errstate(all="ignore"):
        # Fixed names: the generated code names the arrays after the group, so
        # every atlas (and a single-preset simulate()) reuses one set of
        # compiled code objects. The group lives in its own Network.
        G = make_neurons(n, a=p["a"], b=p["b"], c=p["c"], d=p["d"], v0=p["V0"], u0=p["u0"], variant=spec.variant,
                         scheme=spec.scheme, dt=spec.dt_ms, stimulus=stim, name=GROUP_NAME)
    if columns is not None:
        # The table holds the columns back to back; each point reads its own.
        G.stim_offset = (columns * steps).astype(np.int32)
        G.stim_len = np.full(n, steps, dtype=np.int32)
    spikes = SpikeMonitor(G, record=True, name=MONITOR_NAME)
    net = Network(G, spikes)
    t1 = time.perf_counter()
    net.run(steps * spec.dt_ms * ms, namespace={})
    t2 = time.perf_counter()
    i = np.asarray(spikes.i[:], dtype=np.int64)
    k = np.rint(np.asarray(spikes.t / ms) / spec.dt_ms).astype(np.int64)
    order = np.lexsort((k, i))
    v = np.asarray(G.v / mV)
    u = np.asarray(G.u / (mV / ms))
    return {
        "spike_index": i[order] + start,
        "spike_times_ms": k[order] * spec.dt_ms,
        "finite": np.isfinite(v) & np.isfinite(u),
        "timing": {"build": t1 - t0, "run": t2 - t1, "neuron_steps": float(n) * steps},
        "modules": compiled_modules(net),
    }


def spike_features(index, times_ms, n: int, onset_ms: float, stop_ms: float) -> dict:
    """Vectorised per-point spike features of ``n`` points.

    ``index`` (0..n-1) and ``times_ms`` are sorted by point, then time.
    ``rate_hz`` counts the spikes in ``(onset, stop]``; ``latency_ms`` is the
    time from onset to the first spike after it (NaN if none); ``mean_isi_ms``
    and ``cv_isi`` use the intervals of the spikes after onset (NaN with fewer
    than two). The window and the CV (population SD, ``ddof = 0``) are those of
    :mod:`izh_brian.analysis.spiketrains`, vectorised over points here.
    """
    index = np.asarray(index, dtype=np.int64)
    times_ms = np.asarray(times_ms, dtype=float)
    n_spikes = np.bincount(index, minlength=n)
    inwin = (times_ms > onset_ms) & (times_ms <= stop_ms)
    idx_w, t_w = index[inwin], times_ms[inwin]
    n_in = np.bincount(idx_w, minlength=n)
    rate = n_in / ((stop_ms - onset_ms) / 1000.0)
    latency = np.full(n, np.nan)
    if idx_w.size:
        first = np.r_[True, idx_w[1:] != idx_w[:-1]]
        latency[idx_w[first]] = t_w[first] - onset_ms
    same = idx_w[1:] == idx_w[:-1]
    isi = np.diff(t_w)[same]
    isi_idx = idx_w[1:][same]
    cnt = np.bincount(isi_idx, minlength=n).astype(float)
    s1 = np.bincount(isi_idx, weights=isi, minlength=n)
    s2 = np.bincount(isi_idx, weights=isi * isi, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(cnt > 0, s1 / cnt, np.nan)
        # population variance (analysis.spiketrains.CV_DDOF = 0), as analysis.spiketrains.cv_isi
        var = np.where(cnt > 1, (s2 - cnt * mean * mean) / np.maximum(cnt - CV_DDOF, 1), np.nan)
        cv = np.sqrt(np.maximum(var, 0.0)) / mean
    cv[cnt < 2] = np.nan
    return {"n_spikes": n_spikes, "n_spikes_input": n_in, "rate_hz": rate, "latency_ms": latency,
            "mean_isi_ms": mean, "cv_isi": cv}


def _classify(index, times_ms, n, spec: AtlasSpec, diverged):
    features_fn, classify_fn = step_response_features, classify_features
    bounds = np.searchsorted(index, np.arange(n + 1))
    labels = np.empty(n, dtype=object)
    reasons = []
    for j in range(n):
        if diverged[j]:
            labels[j] = DIVERGED
            reasons.append(["v or u became inf or NaN"])
            continue
        st = times_ms[bounds[j]:bounds[j + 1]]
        label, why = classify_fn(features_fn(st, spec.onset_ms, spec.stop_ms))
        labels[j] = str(label)
        reasons.append(list(why) if why is not None else [])
    return labels, reasons


# --------------------------------------------------------------------------- whole atlas


def _chunks(size: int, chunk_size: int | None):
    if chunk_size is None or chunk_size >= size:
        return [(0, size)]
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    return [(s, min(s + chunk_size, size)) for s in range(0, size, chunk_size)]


def _merge(spec: AtlasSpec, parts, wall: float) -> Atlas:
    for p in parts:
        p.pop("modules", None)
    feats = {k: np.concatenate([p[k] for p in parts]).reshape(spec.shape) for k in FEATURES}
    labels = np.concatenate([p["labels"] for p in parts]).astype(str).reshape(spec.shape)
    reasons = [r for p in parts for r in p["reasons"]]
    timing = {k: float(sum(p["timing"].get(k, 0.0) for p in parts))
              for k in ("build", "run", "features", "classify", "neuron_steps")}
    timing["total"] = wall
    timing["chunks"] = len(parts)
    chunks = [{"start": int(p["range"][0]), "stop": int(p["range"][1]), "run_s": float(p["timing"]["run"]),
               "cache_dir": p.get("cache_dir")} for p in parts]
    return Atlas(spec, feats, labels,
                 np.concatenate([p["spike_index"] for p in parts]),
                 np.concatenate([p["spike_times_ms"] for p in parts]), reasons, timing, chunks)


def run_atlas(grid, *, stimulus=None, current=None, base=None, variant=None, scheme="figure1", dt=None,
              duration=None, onset_ms=None, stop_ms=None, classify=True, chunk_size=None, scheduler=None,
              n_workers=2, worker_cache_base=None) -> Atlas:
    """Simulate a parameter grid and return its :class:`Atlas` (features and classes of every point).

    Parameters
    ----------
    grid, stimulus, current, base, variant, scheme, dt, duration, onset_ms, stop_ms, classify
        See :func:`make_spec`.
    chunk_size : int, optional
        Points per NeuronGroup (default: all points in one group in one
        process; with a scheduler, about two chunks per worker).
    scheduler : str, optional
        ``None``: run here. ``'local'``: start a Dask ``LocalCluster`` of
        ``n_workers`` processes. Any other string: the address of a Dask
        scheduler (``tcp://host:8786``).
    worker_cache_base : str, optional
        Parent of the per-worker Cython cache directories (default: a folder
        ``izh_brian_dask`` beside Cython's own cache).

    Returns
    -------
    Atlas

    Examples
    --------
    >>> atlas = run_atlas({"a": [0.02, 0.1], "d": [2.0, 8.0]}, current=10.0, classify=False)  # doctest: +SKIP
    >>> atlas.features["n_spikes"].shape  # doctest: +SKIP
    (2, 2)
    """
    spec = make_spec(grid, stimulus=stimulus, current=current, base=base, variant=variant, scheme=scheme, dt=dt,
                     duration=duration, onset_ms=onset_ms, stop_ms=stop_ms, classify=classify)
    return run_spec(spec, chunk_size=chunk_size, scheduler=scheduler, n_workers=n_workers,
                    worker_cache_base=worker_cache_base)


def run_spec(spec: AtlasSpec, *, chunk_size=None, scheduler=None, n_workers=2, worker_cache_base=None) -> Atlas:
    """Run an :class:`AtlasSpec` here or on a Dask cluster (see :func:`run_atlas`)."""
    # Before anything is built: neurons x steps, the input table (one column per amplitude I) and about
    # 512 bytes of state and features per point, against izh_brian.limits.
    columns = 0 if spec.stimulus is not None else len(spec.axes[spec.keys.index("I")]) if "I" in spec.keys else 1
    check_grid(what=f"atlas of {spec.size} points", n_neurons=spec.size, dt_ms=spec.dt_ms,
               duration_ms=spec.duration_ms, columns=columns, extra_bytes=512 * spec.size)
    t0 = time.perf_counter()
    if scheduler is None:
        parts = [simulate_points(spec, a, b) for a, b in _chunks(spec.size, chunk_size)]
    else:
        if chunk_size is None:
            chunk_size = max(1, math.ceil(spec.size / (2 * max(1, int(n_workers)))))
        parts = _run_dask(spec, _chunks(spec.size, chunk_size), scheduler, n_workers, worker_cache_base)
    return _merge(spec, parts, time.perf_counter() - t0)


# --------------------------------------------------------------------------- Dask


def _chunk_task(spec: AtlasSpec, start: int, stop: int) -> dict:
    out = simulate_points(spec, start, stop)
    out["cache_dir"] = prefs.codegen.runtime.cython.cache_dir
    return out


def _run_dask(spec, chunks, scheduler, n_workers, worker_cache_base):
    # One point here compiles (or finds) the code the chunks need; the
    # workers get copies of those modules in their own cache directories.
    warm = simulate_points(replace(spec, classify=False), 0, 1)
    return dask_map(_chunk_task, [(spec, a, b) for a, b in chunks], scheduler=scheduler, n_workers=n_workers,
                    seed_modules=warm["modules"], worker_cache_base=worker_cache_base)


# --------------------------------------------------------------------------- plotting
