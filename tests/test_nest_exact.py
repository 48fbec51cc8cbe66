"""NEST's ``izhikevich`` to the last bit: izh_brian's ``nest`` / ``nest_published`` schemes against a
plain-Python transcription of models/izhikevich.cpp (IEEE float64, NEST's units and order) and, where
NEST is installed, against NEST itself over long runs and a grid of parameters, steps and V_min.
"""

from dataclasses import replace

import numpy as np
import pytest

from izh_brian import get_preset, simulate_many
from izh_brian.interop.nest import nest_available
from izh_brian.stimuli import n_steps, step

NEST_OK, NEST_WHY = nest_available()
needs_nest = pytest.mark.skipif(not NEST_OK, reason=NEST_WHY)

#: (a, b, c, d) of RS, IB, CH, FS, LTS, TC, RZ (Izhikevich 2003, Fig. 2).
CELLS = [(0.02, 0.2, -65.0, 8.0), (0.02, 0.2, -55.0, 4.0), (0.02, 0.2, -50.0, 2.0), (0.1, 0.2, -65.0, 2.0),
         (0.02, 0.25, -65.0, 2.0), (0.02, 0.25, -65.0, 0.05), (0.1, 0.26, -65.0, 2.0)]
STEPS_MS = (0.1, 0.25, 0.5, 1.0)
DURATION_MS = 400.0


def izhikevich_cpp(p, consistent, v_min=-np.inf):
    """Spike steps (end-of-step stamps) of preset record ``p`` under izhikevich.cpp's update, as the NEST
    runner sets it up: I_e = first sample, devices carry I(t_j) - I(t_0), read at the end of step j."""
    n = n_steps(p.dt, p.duration)
    stim = p.stimulus.sample(p.dt, p.duration)
    I_e, rel = stim[0], stim - stim[0]
    h = round(p.dt * 1000.0) * (1.0 / 1000.0)
    v, u, S_I, spikes = p.V0, p.initial_u, 0.0, []
    for k in range(n):
        if consistent:
            v_old, u_old = v, u
            v += h * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + S_I + I_e) + 0.0
            u += h * p.a * (p.b * v_old - u_old)
        else:
            v += h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + S_I + I_e + 0.0)
            v += h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + S_I + I_e + 0.0)
            u += h * p.a * (p.b * v - u)
        v = v_min if v < v_min else v
        if v >= 30.0:
            v, u = p.c, u + p.d
            spikes.append(k + 1)
        S_I = rel[k]
    return np.array(spikes, dtype=np.int64)


def grid():
    """The grid: every cell x dt x V_min (none, c + 1), a step of 10 mV/ms from 10 ms over 400 ms."""
    base = get_preset("tonic_spiking")
    out = []
    for j, (a, b, c, d) in enumerate(CELLS):
        for dt in STEPS_MS:
            for vmin in (-np.inf, c + 1.0):
                p = replace(base, name=f"cell{j}_dt{dt}_vmin{vmin}", a=a, b=b, c=c, d=d, V0=-70.0, u0=None,
                            dt=dt, duration=DURATION_MS, stimulus=step(10.0, 10.0))
                out.append((p, vmin))
    return out


@pytest.mark.parametrize("scheme,consistent", [("nest", True), ("nest_published", False)])
def test_long_runs_equal_izhikevich_cpp_to_the_step(scheme, consistent):
    """Over the whole grid (7 cells x 4 steps x 2 V_min, 400 ms, one simulate_many call with every dt in
    one group), each neuron fires on exactly the steps of izhikevich.cpp's float64 arithmetic in mV/ms.
    In volts (the old implementation) FS at 0.1 ms moved a spike by one step; a scheme that clamped
    with V_min on ticks other than the neuron's own would move many (c + 1 > c after each reset)."""
    cases = grid()
    rs = simulate_many([p for p, _ in cases], scheme=scheme,
                       overrides=[{"v_min": vm} if np.isfinite(vm) else {} for _, vm in cases])
    bad = [r.name for r, (p, vm) in zip(rs, cases)
           if not np.array_equal(r.spike_steps, izhikevich_cpp(p, consistent, vm))]
    assert not bad, bad
    assert sum(r.n_spikes for r in rs) > 1000


def test_v_min_applies_on_a_neurons_own_steps_only():
    """With v_min = c + 1 the 25 standard presets give the same spikes in one simulate_many call (one
    group on the common tick, each neuron stepping every few ticks) as as in one call per dt (each neuron stepping on every tick of its group): NEST clamps
    only in the neuron's own update, after a reset v stays at c until the next step."""
    from izh_brian.presets import REFERENCE_PRESETS

    names = [p.name for p in REFERENCE_PRESETS.values() if p.variant == "standard"]
    ov = [{"v_min": get_preset(nm).c + 1.0} for nm in names]
    together = simulate_many(names, scheme="nest", overrides=ov)
    assert len({r.dt_ms for r in together}) > 1 and len({r.extra["group"] for r in together}) == 1
    differ = []
    for dt in sorted({r.dt_ms for r in together}):  # one call per dt: every neuron steps on every tick
        mine = [i for i, r in enumerate(together) if r.dt_ms == dt]
        alone = simulate_many([names[i] for i in mine], scheme="nest", overrides=[ov[i] for i in mine])
        assert len({r.extra["group"] for r in alone}) == 1
        differ += [names[i] for i, r in zip(mine, alone) if not np.array_equal(together[i].spike_steps, r.spike_steps)]
    assert not differ, differ


@pytest.mark.nest
@needs_nest
def test_grid_equals_nest():
    """The grid against NEST 3 itself (all neurons of one dt in one NEST simulation): every spike step
    equal under both values of consistent_integration."""
    theirs = run_grid_in_nest(grid())
    for scheme, consistent in (("nest", True), ("nest_published", False)):
        cases = grid()
        rs = simulate_many([p for p, _ in cases], scheme=scheme,
                           overrides=[{"v_min": vm} if np.isfinite(vm) else {} for _, vm in cases])
        bad = [r.name for r in rs if r.spike_steps.tolist() != theirs[(r.name, consistent)]]
        assert not bad, (scheme, bad)


def run_grid_in_nest(cases):
    """Spike steps {(name, consistent): [steps]} of the grid simulated by NEST (one kernel per dt)."""
    from izh_brian.interop.nest import _import_nest, _quiet

    nest = _import_nest()
    out = {}
    for dt in sorted({p.dt for p, _ in cases}):
        nest.ResetKernel()
        _quiet(nest)
        nest.resolution = dt
        handles = []
        for p, vm in [c for c in cases if c[0].dt == dt]:
            for consistent in (True, False):
                params = {"a": p.a, "b": p.b, "c": p.c, "d": p.d, "V_m": p.V0, "U_m": p.initial_u,
                          "V_th": 30.0, "I_e": 0.0, "consistent_integration": consistent}
                if np.isfinite(vm):
                    params["V_min"] = vm
                nrn = nest.Create("izhikevich", params=params)
                stim = p.stimulus.sample(p.dt, p.duration)  # I_e = stim[0] = 0: a device carries it all
                change = np.flatnonzero(np.diff(stim) != 0) + 1
                gen = nest.Create("step_current_generator", params={
                    "amplitude_times": [round(float(j) * dt, 9) for j in change],
                    "amplitude_values": [float(stim[j]) for j in change]})
                nest.Connect(gen, nrn, syn_spec={"delay": dt})
                rec = nest.Create("spike_recorder")
                nest.Connect(nrn, rec)
                handles.append((p, consistent, rec))
        nest.Simulate(n_steps(dt, DURATION_MS) * dt)
        for p, consistent, rec in handles:
            st = np.sort(np.rint(np.asarray(rec.get("events")["times"]) / dt).astype(int))
            out[(p.name, consistent)] = st[st <= n_steps(dt, DURATION_MS)].tolist()
    return out
