"""Run presets: ``simulate`` one, ``simulate_many`` side by side in one Brian2 Network.

``simulate_many`` puts every preset into one Network, normally into one
NeuronGroup: the group ticks at the greatest common divisor of the presets'
steps (0.05 ms for the 28 reference presets) and each neuron advances by its
own step on its own ticks (see :func:`izh_brian.model.neurons.make_neurons`,
``steps=``), reading its own input column; a single ``run()`` integrates them
all. All presets share the same compiled code (parameters are
per-neuron variables), so the cost of a run barely grows with the number of
presets.

A :class:`Result` holds plain arrays in the paper's units (``t_ms``, ``v_mV``,
``u``, ``I``, ``spike_times_ms``) and the same as Brian2 quantities (``t``,
``v``, ``u_q``, ``I_q``, ``spike_times``). Its voltage trace draws each spike's
apex at the cut-off (30 mV), as the papers draw it.

Under the ``nest`` schemes a run also takes NEST's two other inputs of a single neuron:
``spikes_in=(times_ms, weights_mV)``, spikes of a ``spike_generator`` through a ``static_synapse``
(delta jumps of v, several in one step summed), and ``dc=(amplitude, start_ms, stop_ms)``, a
``dc_generator``; both reach the neuron over a connection of ``delay_ms`` (default one step) with NEST's
timing (:func:`spike_input_table`, :func:`dc_input_table`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, ms, mV

from izh_brian.limits import check_work, format_bytes
from izh_brian.model.neurons import _as_ms, make_neurons
from izh_brian.model.schemes import NEST_SCHEMES, get_scheme
from izh_brian.presets import Preset, get_preset, with_overrides
from izh_brian.stimuli import n_steps

__all__ = ["Result", "DivergenceError", "simulate", "simulate_many", "NEURON_OVERRIDES", "spike_input_table",
           "dc_input_table"]

#: Overrides that are not part of a preset's protocol but of the neuron model: the spike
#: cut-off ``vpeak`` (30 mV in Izhikevich 2003/2004; NEST's ``V_th``) and the lower bound
#: ``v_min`` of v (NEST's ``V_min``, applied under the ``nest`` schemes only).
NEURON_OVERRIDES = ("vpeak", "v_min")


class DivergenceError(RuntimeError):
    """The dynamics ran away (v or u became inf or NaN)."""


@dataclass
class Result:
    """One preset's simulated response.

    Attributes
    ----------
    preset : Preset
        The preset as simulated (overrides applied).
    scheme : str
        Numerical scheme.
    t_ms : ndarray
        Grid ``k*dt`` (ms), ``k = 0 .. n-1``.
    v_mV : ndarray
        Membrane potential after each step (mV), spikes drawn at the cut-off.
    u : ndarray
        Recovery variable after each step (mV/ms).
    I : ndarray
        Injected current applied in each step (mV/ms).
    spike_steps : ndarray of int
        Grid index ``k`` of each spike's time ``k*dt``: the step in which v
        crossed, or under the ``nest`` schemes the step after it (NEST stamps a
        spike at the end of its step), so that ``spike_times_ms`` is what the
        simulator reports.
    """

    preset: Preset
    scheme: str
    t_ms: np.ndarray
    v_mV: np.ndarray
    u: np.ndarray
    I: np.ndarray
    spike_steps: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.preset.name

    @property
    def dt_ms(self) -> float:
        return self.preset.dt

    @property
    def duration_ms(self) -> float:
        return self.preset.duration

    @property
    def spike_times_ms(self) -> np.ndarray:
        """Spike times (ms): the ``t`` of the step in which v crossed, ``k*dt``."""
        return self.spike_steps.astype(float) * self.preset.dt

    @property
    def n_spikes(self) -> int:
        return int(len(self.spike_steps))

    # Brian2 quantities
    @property
    def t(self):
        return self.t_ms * ms

    @property
    def v(self):
        return self.v_mV * mV

    @property
    def u_q(self):
        return self.u * mV / ms

    @property
    def I_q(self):
        return self.I * mV / ms

    @property
    def spike_times(self):
        return self.spike_times_ms * ms

    def to_dict(self, traces: bool = False) -> dict:
        """JSON-ready record: name, scheme, dt_ms, duration_ms, spike_times_ms (and traces on request)."""
        d = {
            "name": self.name,
            "scheme": self.scheme,
            "dt_ms": self.preset.dt,
            "duration_ms": self.preset.duration,
            "n_spikes": self.n_spikes,
            "spike_times_ms": [float(x) for x in self.spike_times_ms],
            "params": {"a": self.preset.a, "b": self.preset.b, "c": self.preset.c, "d": self.preset.d,
                       "V0": self.preset.V0, "u0": self.preset.initial_u},
        }
        if traces:
            d["t_ms"] = self.t_ms.tolist()
            d["v_mV"] = self.v_mV.tolist()
            d["I"] = self.I.tolist()
        return d


#: Presets whose steps are at most this many ticks of their common divisor share one group.
MAX_STRIDE = 20


def _tick_groups(dts) -> dict:
    """Map a tick (ms) to the indices of the presets that run on it.

    Steps with a common divisor ``tick`` such that every step is at most
    ``MAX_STRIDE`` ticks share one group (all 28 reference presets: 0.05 ms);
    the others fall back to one group per distinct step.
    """
    fr = {dt: Fraction(dt).limit_denominator(10**6) for dt in set(dts)}
    if all(abs(float(f) - dt) <= 1e-12 * dt for dt, f in fr.items()):
        g = Fraction(0)
        for f in fr.values():
            g = Fraction(math.gcd(g.numerator * f.denominator, f.numerator * g.denominator), g.denominator * f.denominator) if g else f
        tick = float(g)
        if max(dts) / tick <= MAX_STRIDE + 1e-9:
            return {tick: list(range(len(dts)))}
    groups: dict[float, list[int]] = {}
    for idx, dt in enumerate(dts):
        groups.setdefault(dt, []).append(idx)
    return groups


def _prepare(preset, scheme, dt, overrides) -> Preset:
    p = get_preset(preset)
    overrides = {k: v for k, v in overrides.items() if k not in NEURON_OVERRIDES}
    if dt is not None:
        overrides = dict(overrides, dt=_ms(dt))
    return with_overrides(p, **overrides)


def _neuron_overrides(overrides, scheme) -> tuple[float, float]:
    """``(vpeak, v_min)`` in mV from one preset's overrides, checked."""
    vpeak = overrides.get("vpeak")
    v_min = overrides.get("v_min")
    vpeak = 30.0 if vpeak is None else float(vpeak / mV if hasattr(vpeak, "dim") else vpeak)
    if not math.isfinite(vpeak):
        raise ValueError(f"vpeak must be a finite number of mV, got {overrides.get('vpeak')!r}")
    if v_min is None:
        return vpeak, -math.inf
    v_min = float(v_min / mV if hasattr(v_min, "dim") else v_min)
    if math.isnan(v_min) or v_min == math.inf:
        raise ValueError(f"v_min must be a number of mV or -inf, got {overrides.get('v_min')!r}")
    if v_min != -math.inf and not get_scheme(scheme).has_v_min:
        raise ValueError(f"v_min (NEST's V_min) applies only under the schemes {', '.join(NEST_SCHEMES)}; "
                         f"got scheme {scheme!r}")
    if v_min >= vpeak:
        raise ValueError(f"v_min must be below vpeak ({vpeak:g} mV), got {v_min:g}")
    return vpeak, v_min


def _ms(x):
    return _as_ms(x, "dt")


#: Start values allowed (|V0| in mV, |u0| in mV/ms): v above about 1e154 mV overflows in its first step.
START_LIMIT = 1e3


#: NEST's clock: tics per ms (``Time``'s default, 1000), the grid every NEST time is rounded to.
NEST_TICS_PER_MS = 1000


def _tics(ms_value: float) -> int:
    """NEST's ``Time(ms(t))`` in tics: ``t * 1000 + 0.5`` truncated (t >= 0)."""
    return int(ms_value * NEST_TICS_PER_MS + 0.5)


def _grid_steps(value_ms: float, dt_ms: float, what: str) -> int:
    """``value_ms`` as a whole number of NEST steps of ``dt_ms``; refused (naming it) off the grid, as NEST does."""
    tics, step = _tics(value_ms), _tics(dt_ms)
    if tics % step:
        raise ValueError(f"{what} = {value_ms!r} ms is not a multiple of the step dt = {dt_ms:g} ms "
                         "(NEST refuses times off its grid)")
    return tics // step


def _delay_steps(delay_ms, dt_ms: float) -> int:
    if delay_ms is None:
        return 1
    delay_ms = _as_ms(delay_ms, "delay_ms")
    if not (math.isfinite(delay_ms) and delay_ms > 0):
        raise ValueError(f"delay_ms must be a positive finite number of ms, got {delay_ms!r}")
    d = _grid_steps(delay_ms, dt_ms, "delay_ms")
    if d < 1:
        raise ValueError(f"delay_ms must be at least one step (dt = {dt_ms:g} ms), got {delay_ms!r}")
    return d


def _vector(x, what: str, unit=None) -> np.ndarray:
    if hasattr(x, "dim") and unit is not None:
        ratio = x / unit
        if getattr(ratio, "dim", None) is not None and not ratio.is_dimensionless:
            raise ValueError(f"{what} has the wrong units: {x!r} (expected units of {unit!r})")
        x = np.asarray(ratio)
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {x!r}") from None
    if arr.ndim != 1:
        raise ValueError(f"{what} must be one list of numbers, got an array of shape {arr.shape}")
    return arr


def spike_input_table(spikes_in, *, dt_ms: float, n: int, duration_ms: float | None = None,
                      delay_ms=None) -> np.ndarray:
    """The summed weights (mV) NEST adds to v in each of ``n`` steps, from spikes of a ``spike_generator``.

    ``spikes_in`` is ``(times_ms, weights_mV)`` or ``(times_ms, weights_mV, multiplicities)``: the
    generator's ``spike_times``, ``spike_weights`` and ``spike_multiplicities``, sent through a
    ``static_synapse`` of weight 1 and ``delay_ms`` (default one step). A spike at ``t`` is stamped at
    step ``t/dt``; NEST delivers it ``delay`` steps later into the ring buffer slot that
    models/izhikevich.cpp reads in its step ``t/dt + delay/dt - 1`` (the step ending at ``t + delay``),
    adding ``weight * multiplicity``; spikes of one step add in the order given (several spikes in one
    step, or one spike of multiplicity m). Spikes landing past the run are dropped, as a NEST run of
    ``n`` steps never reads them.

    Raises
    ------
    ValueError
        Not a pair (or triple) of equal-length lists; a time that is not finite, not above 0 (NEST refuses a
        spike at 0), past ``duration_ms``, off the grid of ``dt_ms`` or out of order; a weight that is not
        finite; a multiplicity that is not a whole number >= 1; a bad ``delay_ms``.
    """
    if not isinstance(spikes_in, (tuple, list)) or len(spikes_in) not in (2, 3):
        raise ValueError("spikes_in must be (times_ms, weights_mV) or (times_ms, weights_mV, multiplicities), "
                         f"got {type(spikes_in).__name__}")
    times = _vector(spikes_in[0], "spikes_in times_ms", ms)
    weights = _vector(spikes_in[1], "spikes_in weights_mV", mV)
    if len(times) != len(weights):
        raise ValueError(f"spikes_in: {len(times)} times_ms but {len(weights)} weights_mV; give one weight per spike")
    mult = None
    if len(spikes_in) == 3:
        mult = _vector(spikes_in[2], "spikes_in multiplicities")
        if len(mult) != len(times):
            raise ValueError(f"spikes_in: {len(times)} times_ms but {len(mult)} multiplicities")
        bad = np.flatnonzero(~(np.isfinite(mult) & (mult >= 1) & (mult == np.round(mult))))
        if bad.size:
            raise ValueError(f"spikes_in multiplicity {float(mult[bad[0]])!r} (spike {bad[0]}) must be a whole number >= 1")
    bad = np.flatnonzero(~np.isfinite(times))
    if bad.size:
        raise ValueError(f"spikes_in time {float(times[bad[0]])!r} (spike {bad[0]}) is not a finite number of ms")
    bad = np.flatnonzero(~np.isfinite(weights))
    if bad.size:
        raise ValueError(f"spikes_in weight {float(weights[bad[0]])!r} (spike {bad[0]}) is not a finite number of mV")
    bad = np.flatnonzero(times <= 0)
    if bad.size:
        raise ValueError(f"spikes_in time {float(times[bad[0]])!r} ms (spike {bad[0]}) must be above 0 "
                         "(NEST's spike_generator refuses a spike at 0)")
    if duration_ms is not None:
        bad = np.flatnonzero(times > duration_ms)
        if bad.size:
            raise ValueError(f"spikes_in time {float(times[bad[0]])!r} ms (spike {bad[0]}) is past the run's end, "
                             f"{duration_ms:g} ms")
    bad = np.flatnonzero(np.diff(times) < 0)
    if bad.size:
        raise ValueError(f"spikes_in times must be sorted: {float(times[bad[0] + 1])!r} ms (spike {bad[0] + 1}) comes after "
                         f"{float(times[bad[0]])!r} ms")
    d = _delay_steps(delay_ms, dt_ms)
    table = np.zeros(n)
    for j, (t, w) in enumerate(zip(times.tolist(), weights.tolist())):
        k = _grid_steps(t, dt_ms, f"spikes_in time (spike {j})") + d - 1
        if k < n:
            table[k] += w * (1.0 if mult is None else float(mult[j]))
    return table


def dc_input_table(dc, *, dt_ms: float, n: int, delay_ms=None) -> np.ndarray:
    """The current (mV/ms) a ``dc_generator`` gives a NEST neuron in each of ``n`` steps.

    ``dc`` is ``(amplitude, start_ms, stop_ms)`` (``stop_ms`` may be ``inf``), the generator's
    ``amplitude``, ``start`` and ``stop``, connected with ``delay_ms`` (default one step). A current
    generator is active in its step ``s`` when ``start < (s + 2) dt <= stop``
    (nestkernel/stimulation_device.cpp); its event reaches the ring buffer slot ``s + delay/dt``, which
    the neuron reads at the end of that step and integrates in the next. So the current acts in the steps
    ``j`` with ``start + delay <= j dt <= stop + delay - dt``, never before step ``delay/dt + 1``.

    Raises
    ------
    ValueError
        Not a triple; an amplitude that is not finite; a start below 0 or not finite; ``start >= stop``;
        start or stop off the grid of ``dt_ms``; a bad ``delay_ms``.
    """
    if not isinstance(dc, (tuple, list)) or len(dc) != 3:
        raise ValueError(f"dc must be (amplitude, start_ms, stop_ms), got {dc!r}")
    try:
        amp, start, stop = (float(x) for x in dc)
    except (TypeError, ValueError):
        raise ValueError(f"dc must be three numbers (amplitude, start_ms, stop_ms), got {dc!r}") from None
    if not math.isfinite(amp):
        raise ValueError(f"dc amplitude must be a finite number of mV/ms, got {amp!r}")
    if not (math.isfinite(start) and start >= 0):
        raise ValueError(f"dc start must be a finite number of ms >= 0, got {start!r}")
    if math.isnan(stop) or not (start < stop):
        raise ValueError(f"dc stop must be after its start ({start:g} ms), got {stop!r}")
    d = _delay_steps(delay_ms, dt_ms)
    first = max(_grid_steps(start, dt_ms, "dc start") + d, d + 1)
    last = n - 1 if stop == math.inf else min(_grid_steps(stop, dt_ms, "dc stop") + d - 1, n - 1)
    table = np.zeros(n)
    if first <= last:
        table[first:last + 1] = amp
    return table


def _inputs(prepared, scheme, spikes_in, dc, delay_ms):
    """Per preset: ``(spike table or None, dc table or None)`` in NEST's timing, checked."""
    n_pre = len(prepared)
    out = []
    for name, given in (("spikes_in", spikes_in), ("dc", dc)):
        if given is None:
            out.append([None] * n_pre)
            continue
        given = list(given)
        if len(given) != n_pre:
            raise ValueError(f"give one {name} per preset ({n_pre}), got {len(given)}")
        if any(g is not None for g in given) and not get_scheme(scheme).has_v_min:
            raise ValueError(f"{name} (NEST's {'spike_generator' if name == 'spikes_in' else 'dc_generator'}) "
                             f"applies only under the schemes {', '.join(NEST_SCHEMES)}; got scheme {scheme!r}")
        out.append(given)
    tables = []
    for p, spk, cur in zip(prepared, *out):
        n = n_steps(p.dt, p.duration)
        tables.append((None if spk is None else spike_input_table(spk, dt_ms=p.dt, n=n, duration_ms=p.duration,
                                                                  delay_ms=delay_ms),
                       None if cur is None else dc_input_table(cur, dt_ms=p.dt, n=n, delay_ms=delay_ms)))
    return tables


def _check_before_run(prepared) -> None:
    """Refuse, before anything is built, start values out of :data:`START_LIMIT` and a run over the
    resource limits (:mod:`izh_brian.limits`): neurons x ticks of each group, and the bytes of the
    recorded v and u (neurons x recorded ticks x 2 x 8), the input table and the results' copies."""
    for p in prepared:
        for key, value in (("V0", p.V0), ("u0", p.initial_u)):
            if not abs(value) <= START_LIMIT:
                raise ValueError(f"{key} = {value:g} of {p.name!r} is out of the allowed range "
                                 f"[{-START_LIMIT:g}, {START_LIMIT:g}] ({'mV' if key == 'V0' else 'mV/ms'})")
    work = traces = other = 0.0
    for tick, members in _tick_groups([p.dt for p in prepared]).items():
        steps = [n_steps(prepared[i].dt, prepared[i].duration) for i in members]
        n_ticks = max(n * int(round(prepared[i].dt / tick)) for n, i in zip(steps, members))
        work += float(len(members)) * n_ticks
        traces += float(len(members)) * n_ticks * 2 * 8
        other += float(len(members)) * max(steps) * 8 * 5  # input table, and t, v, u, I of the results
    names = ", ".join(p.name for p in prepared[:3]) + (f" and {len(prepared) - 3} more" if len(prepared) > 3 else "")
    dts = sorted({p.dt for p in prepared})
    check_work(what=f"simulate {names} (dt {', '.join(f'{d:g}' for d in dts)} ms, "
                    f"{max(p.duration for p in prepared):g} ms)", n_neurons=len(prepared),
               n_steps=work / len(prepared), bytes_estimate=traces + other,
               bytes_detail=f"recorded v, u {format_bytes(traces)}, input table and results {format_bytes(other)}")


def simulate(preset, *, scheme: str = "figure1", dt=None, codeobj_class=None, spikes_in=None, dc=None,
             delay_ms=None, **overrides) -> Result:
    """Simulate one preset with its own protocol.

    Parameters
    ----------
    preset : str or Preset
        A name from :data:`izh_brian.PRESETS` (case-insensitive) or a record.
    scheme : str
        ``figure1`` (default), ``net2003`` or a Brian2 method name.
    dt : float or Quantity, optional
        Override of the preset's step (ms).
    **overrides
        Changes to the preset: ``a``, ``b``, ``c``, ``d``, ``V0``, ``u0``, ``duration``; and of
        the neuron model: ``vpeak`` (spike cut-off, mV; 30 in Izhikevich 2003/2004) and ``v_min``
        (lower bound of v in mV, NEST's ``V_min``; ``nest`` schemes only).
    spikes_in : tuple, optional
        ``nest`` schemes only: ``(times_ms, weights_mV)`` (or with a third list, multiplicities), spikes of
        NEST's ``spike_generator`` through a ``static_synapse``: each adds its weight to v in the step
        ending at ``t + delay_ms`` (:func:`spike_input_table`).
    dc : tuple, optional
        ``nest`` schemes only: ``(amplitude, start_ms, stop_ms)``, NEST's ``dc_generator`` (mV/ms, the
        paper's units of I, which NEST reads as pA), added to the preset's input: it acts in the steps
        from ``start + delay_ms`` to ``stop + delay_ms - dt`` (:func:`dc_input_table`).
    delay_ms : float, optional
        The connection delay of both inputs (ms, a whole number of steps; default one step).

    Returns
    -------
    Result

    Raises
    ------
    UnknownPresetError, ValueError, DivergenceError

    Examples
    --------
    >>> r = simulate("tonic_spiking")
    >>> r.spike_times_ms[:3].tolist()
    [13.0, 17.0, 31.5]
    """
    return simulate_many([preset], scheme=scheme, dt=dt, codeobj_class=codeobj_class, overrides=[overrides],
                         spikes_in=None if spikes_in is None else [spikes_in], dc=None if dc is None else [dc],
                         delay_ms=delay_ms)[0]


def simulate_many(presets, *, scheme: str = "figure1", dt=None, overrides=None, codeobj_class=None,
                  check_finite: bool = True, spikes_in=None, dc=None, delay_ms=None) -> list[Result]:
    """Simulate several presets side by side in one Brian2 Network, with one ``run()``.

    All presets share one NeuronGroup (one neuron each, its own input
    column) ticking at the common divisor of their steps, each neuron
    advancing by its own dt on its own ticks; steps without a small common
    divisor (more than ``MAX_STRIDE`` ticks) get one group per dt. Every preset is
    integrated over its own grid ``0:dt:T``; a group runs as long as its
    longest member, and the extra samples are discarded.

    Parameters
    ----------
    presets : iterable of str or Preset
    scheme : str
        Scheme for all presets.
    dt : float or Quantity, optional
        One step for all presets (ms); default each preset's own.
    overrides : list of dict, optional
        Per-preset overrides (same length as ``presets``).
    check_finite : bool
        Raise :class:`DivergenceError` if a preset's v or u becomes inf/NaN.
    spikes_in, dc : list, optional
        ``nest`` schemes only: one entry per preset (``None`` for none), as :func:`simulate` takes them.
    delay_ms : float, optional
        The connection delay of every preset's ``spikes_in`` and ``dc`` (default one step of each).

    Returns
    -------
    list of Result, in the order given.
    """
    spec = get_scheme(scheme)
    presets = list(presets)
    if not presets:
        return []
    if overrides is None:
        overrides = [{}] * len(presets)
    if len(overrides) != len(presets):
        raise ValueError("give one overrides dict per preset")
    prepared = [_prepare(p, scheme, dt, o) for p, o in zip(presets, overrides)]
    neuron = np.array([_neuron_overrides(o, scheme) for o in overrides], dtype=float).reshape(-1, 2)
    _check_before_run(prepared)
    inputs = _inputs(prepared, scheme, spikes_in, dc, delay_ms)

    net = Network()
    handles = []
    run_ms = 0.0
    for tick, members in _tick_groups([p.dt for p in prepared]).items():
        strides = [int(round(prepared[i].dt / tick)) for i in members]
        steps = [n_steps(prepared[i].dt, prepared[i].duration) for i in members]
        n_max = max(steps)
        stim = np.zeros((n_max, len(members)))
        for col, i in enumerate(members):
            s = prepared[i].stimulus.sample(prepared[i].dt, prepared[i].duration)
            stim[: len(s), col] = s
            stim[len(s):, col] = s[-1]
        w_in = cur_in = None
        if any(inputs[i][0] is not None for i in members):
            w_in = np.zeros((n_max, len(members)))
            for col, i in enumerate(members):
                if inputs[i][0] is not None:
                    w_in[: steps[col], col] = inputs[i][0]
        if any(inputs[i][1] is not None for i in members):
            cur_in = np.zeros((n_max, len(members)))
            for col, i in enumerate(members):
                if inputs[i][1] is not None:
                    cur_in[: steps[col], col] = inputs[i][1]
        G = make_neurons(
            len(members),
            a=np.array([prepared[i].a for i in members]),
            b=np.array([prepared[i].b for i in members]),
            c=np.array([prepared[i].c for i in members]),
            d=np.array([prepared[i].d for i in members]),
            v0=np.array([prepared[i].V0 for i in members]),
            u0=np.array([prepared[i].initial_u for i in members]),
            variant=[prepared[i].variant for i in members],
            scheme=scheme,
            dt=tick,
            steps=np.array([prepared[i].dt for i in members]),
            stimulus=stim,
            codeobj_class=codeobj_class,
            vpeak=neuron[members, 0],
            v_min=neuron[members, 1],
            spikes_in=w_in,
            current_in=cur_in,
        )
        # Record the state right after the update, before the spike test and
        # reset: sample k is the v of figure1.m's trace at t_k. The NEST schemes'
        # state is vn, v in mV as NEST holds it (v, in volts, mirrors it).
        state = StateMonitor(G, ("vn" if spec.has_v_min else "v", "u"), record=True, when="after_groups")
        spikes = SpikeMonitor(G, record=True)
        net.add(G, state, spikes)
        n_ticks = max(n * st for n, st in zip(steps, strides))
        handles.append((tick, members, steps, strides, n_ticks, (stim, cur_in), G, state, spikes))
        run_ms = max(run_ms, n_ticks * tick)

    net.run(run_ms * ms, namespace={})

    results: list[Result | None] = [None] * len(prepared)
    for tick, members, steps, strides, n_ticks, (stim, cur_in), G, state, spikes in handles:
        v_all = np.asarray(state.vn) if spec.has_v_min else np.asarray(state.v / mV)
        if v_all.shape[1] < n_ticks:
            raise RuntimeError(f"internal error: recorded {v_all.shape[1]} ticks, expected {n_ticks}")
        u_all = np.asarray(state.u / (mV / ms))
        sp_i = np.asarray(spikes.i[:])
        sp_tick = np.rint(np.asarray(spikes.t / ms) / tick).astype(np.int64)
        vpeak = np.asarray(G.vpeak_mV) if spec.has_v_min else np.asarray(G.vpeak / mV)
        for col, i in enumerate(members):
            n = steps[col]
            p = prepared[i]
            stride = strides[col]
            v = v_all[col, : n * stride : stride].copy()
            u = u_all[col, : n * stride : stride].copy()
            if check_finite and not (np.all(np.isfinite(v)) and np.all(np.isfinite(u))):
                bad = int(np.argmax(~(np.isfinite(v) & np.isfinite(u))))
                raise DivergenceError(
                    f"dynamics of {p.name!r} diverged (v or u became inf/NaN) at t = {bad * p.dt:g} ms "
                    f"under scheme {scheme!r} with dt = {p.dt:g} ms; use a smaller dt or other parameters"
                )
            ks = np.sort(sp_tick[sp_i == col]) // stride
            ks = ks[ks < n]
            I_col = stim[:n, col].copy()
            if spec.stamp_offset_steps:
                # NEST stamps a spike at the end of its step (see izh_brian.model.schemes.Scheme).
                ks = ks + spec.stamp_offset_steps
            if spec.input_delay_steps:
                # ... and its device currents act late: I holds what acted in each step.
                d_in = spec.input_delay_steps
                I_col = np.concatenate([np.repeat(I_col[:1], d_in), I_col[:-d_in]])
            if cur_in is not None:
                I_col = I_col + cur_in[:n, col]
            # Draw each spike's apex at the cut-off, as the paper does.
            crossed = v >= vpeak[col] if spec.inclusive_threshold else v > vpeak[col]
            v[crossed] = vpeak[col]
            results[i] = Result(
                preset=p,
                scheme=scheme,
                t_ms=np.arange(n, dtype=float) * p.dt,
                v_mV=v,
                u=u,
                I=I_col,
                spike_steps=ks,
                extra={"group": G.name, "tick_ms": tick},
            )
    return results  # type: ignore[return-value]
