"""NEST's own regression protocols for ``izhikevich`` and the input cases of tests/test_nest_input.py, run in
NEST as NEST's tests set them up; ``.venv/bin/python tests/nest_tickets.py`` writes their output to
tests/data/nest_izhikevich_tickets.json, so that tests/test_nest_input.py compares izh_brian with NEST also
where NEST is not installed (and, where it is, checks that the stored file is still what NEST gives).

The protocols (NEST 3.10, testsuite/pytests/):

- ``regressions/test_ticket_310.py``: resolution 2**-3 ms, ``V_m = V_th + 15``, simulate one step; asserts
  ``0 < t_spike <= resolution``. NEST skips ``izhikevich`` ("generating output spike not reliably
  suppressed even for subthreshold V_m"): here also ``V_m = V_th - 15`` (it spikes in that first step too)
  and the default ``V_m`` (it does not).
- ``regressions/test_ticket_421.py``: resolution 2**-3 ms, the model's defaults, simulate one step; asserts
  ``|V_m - V_m(0)| < 1e-13``. NEST excludes ``izhikevich``: its defaults (-65 mV, U_m = -13) are not a
  rest state; here also the rest state V_m = -70, U_m = -14 of a = 0.02, b = 0.2.
- ``regressions/test_ticket_386.py``: resolution 0.1 ms, a multimeter on every recordable (U_m, V_m) at
  interval 0.1 ms, 10 ms; asserts that it runs. Here the 100 samples are kept.
- ``stimulating/test_dcgen_versus_I_e.py``: two default neurons, a ``dc_generator`` (start 99 ms, amplitude
  123.456) connected to one with the default delay (1 ms), ``I_e = 123.456`` set in the other after
  100 ms, 300 ms more; asserts equal ``V_m``. Here also both spike trains.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from dataclasses import replace

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "nest_izhikevich_tickets.json")
SCHEMES = {"nest": True, "nest_published": False}

#: The spike-input cases: (key, preset, spikes_in, dc, delay_ms); every preset runs its own protocol.
SPIKE_CASES = [
    ("single", "tonic_spiking", ([5.0], [25.0]), None, None),
    ("same_step", "RS", ([20.0, 20.0, 20.0, 60.0], [10.0, 10.0, 10.0, 0.1]), None, None),
    ("multiplicity", "RS", ([20.0, 60.0], [10.0, 0.1], [3, 7]), None, None),
    ("negative", "FS", ([30.0, 30.0, 55.0, 80.25, 80.25], [-20.0, 5.5, -40.0, -7.125, -0.3]), None, None),
    ("inhibited_train", "tonic_spiking", (list(np.arange(10.0, 100.0, 2.5)), [-6.0] * 36), None, None),
    ("delay_1ms", "tonic_spiking", ([5.0, 5.25, 40.0], [12.0, 12.0, -30.0]), None, 1.0),
    ("spikes_and_dc", "RS", ([12.5, 70.0], [15.0, -25.0]), (4.5, 10.0, 40.0), None),
    ("dc_on_protocol", "phasic_spiking", None, (-0.7, 50.0, 120.0), None),
]

#: dc timing on a quiet neuron (NEST's defaults, no other input): (dt, delay_ms, (amplitude, start, stop)).
DC_CASES = [(dt, delay, dc) for dt in (0.1, 0.25) for delay in (None, 1.0)
            for dc in ((40.0, 0.0, 2.0), (40.0, 1.0, 1.5), (40.0, 0.5, math.inf), (-40.0, 2.0, 3.0))]
DC_DURATION_MS = 5.0


def quiet_neuron(dt, duration, V0=-65.0, u0=-13.0):
    """NEST's default ``izhikevich`` (a 0.02, b 0.2, c -65, d 8, V_m -65, U_m -13) as a preset record, no input."""
    from izh_brian import get_preset
    from izh_brian.stimuli import Stimulus

    return replace(get_preset("tonic_spiking"), name="nest_default", a=0.02, b=0.2, c=-65.0, d=8.0, V0=V0,
                   u0=u0, dt=dt, duration=duration, stimulus=Stimulus())


def trace_digest(v, u) -> str:
    """sha256 of the float64 bytes of a V_m trace and a U_m trace (NEST's: after each step's reset)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(v, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(u, dtype="<f8").tobytes())
    return h.hexdigest()


def _nest():
    from izh_brian.interop.nest import _import_nest, _quiet

    nest = _import_nest()

    def reset(resolution=None):
        nest.ResetKernel()
        _quiet(nest)
        nest.local_num_threads = 1
        if resolution is not None:
            nest.resolution = resolution

    return nest, reset


def ticket_310():
    nest, reset = _nest()
    res = 2**-3
    out = []
    for scheme, consistent in SCHEMES.items():
        for label in ("V_th + 15", "V_th - 15", "default"):
            reset(res)
            nrn = nest.Create("izhikevich", params={"consistent_integration": consistent})
            if label != "default":
                nrn.V_m = nrn.V_th + (15 if label == "V_th + 15" else -15)
            v0 = float(nrn.V_m)
            nest.Simulate(res)
            out.append({"scheme": scheme, "V_m": v0, "case": label, "t_spike": float(nrn.t_spike)})
    return {"resolution": res, "cases": out}


def ticket_421():
    nest, reset = _nest()
    res = 0.125
    out = []
    for scheme, consistent in SCHEMES.items():
        for V0, U0 in ((None, None), (-70.0, -14.0)):
            reset(res)
            nrn = nest.Create("izhikevich", params={"consistent_integration": consistent})
            if V0 is not None:
                nrn.set(V_m=V0, U_m=U0)
            v0, u0 = float(nrn.V_m), float(nrn.U_m)
            nest.Simulate(res)
            out.append({"scheme": scheme, "V_m0": v0, "U_m0": u0, "V_m": float(nrn.V_m), "U_m": float(nrn.U_m)})
    return {"resolution": res, "cases": out}


def ticket_386():
    nest, reset = _nest()
    res = 0.1
    out = {"resolution": res, "simulate_ms": 10.0}
    for scheme, consistent in SCHEMES.items():
        reset(res)
        nrn = nest.Create("izhikevich", params={"consistent_integration": consistent})
        recordables = list(nest.GetDefaults("izhikevich")["recordables"])
        mm = nest.Create("multimeter", params={"record_from": recordables, "interval": res})
        nest.Connect(mm, nrn)
        nest.Simulate(10.0)
        ev = mm.get("events")
        order = np.argsort(np.asarray(ev["times"]), kind="stable")
        out[scheme] = {"recordables": recordables, "times": np.asarray(ev["times"])[order].tolist(),
                       "V_m": np.asarray(ev["V_m"])[order].tolist(), "U_m": np.asarray(ev["U_m"])[order].tolist()}
    return out


def dcgen_vs_I_e():
    nest, reset = _nest()
    amp = 123.456
    out = {"amplitude": amp, "start": 99.0, "switch_ms": 100.0, "simulate_ms": 400.0}
    for scheme, consistent in SCHEMES.items():
        reset()
        n1 = nest.Create("izhikevich", params={"consistent_integration": consistent})
        n2 = nest.Create("izhikevich", params={"consistent_integration": consistent})
        dc_gen = nest.Create("dc_generator", params={"start": 99.0})
        nest.Connect(dc_gen, n1)
        dc_gen.set(amplitude=amp)
        recs = [nest.Create("spike_recorder") for _ in range(2)]
        nest.Connect(n1, recs[0])
        nest.Connect(n2, recs[1])
        nest.Simulate(100.0)
        n2.set(I_e=amp)
        nest.Simulate(300.0)
        out[scheme] = {"resolution": float(nest.resolution), "delay": float(nest.GetDefaults("static_synapse")["delay"]),
                       "V_m_dc": float(n1.V_m), "V_m_I_e": float(n2.V_m), "U_m_dc": float(n1.U_m),
                       "U_m_I_e": float(n2.U_m),
                       "spikes_dc": np.sort(rec_times(recs[0])).tolist(),
                       "spikes_I_e": np.sort(rec_times(recs[1])).tolist()}
    return out


def rec_times(rec):
    return np.asarray(rec.get("events")["times"], dtype=float)


def _run(preset, scheme, spikes_in, dc, delay_ms, keep_trace):
    from izh_brian.interop.nest import run_nest

    r = run_nest([preset], scheme=scheme, spikes_in=[spikes_in], dc=[dc], delay_ms=delay_ms, record=True)[0]
    row = {"spike_steps": r.spike_steps.tolist(), "n_samples": int(len(r.v_mV)),
           "digest": trace_digest(r.v_mV, r.u)}
    if keep_trace:
        row["V_m"], row["U_m"] = r.v_mV.tolist(), r.u.tolist()
    return row


def spike_cases():
    out = {}
    for key, preset, spikes_in, dc, delay in SPIKE_CASES:
        out[key] = {s: _run(preset, s, spikes_in, dc, delay, keep_trace=False) for s in SCHEMES}
    return out


def dc_key(dt, delay, dc) -> str:
    return f"dt={dt:g} delay={'step' if delay is None else f'{delay:g}'} dc={dc[0]:g}:{dc[1]:g}:{dc[2]:g}"


def dc_cases():
    return {dc_key(dt, delay, dc): {s: _run(quiet_neuron(dt, DC_DURATION_MS), s, None, dc, delay, keep_trace=True)
                                    for s in SCHEMES}
            for dt, delay, dc in DC_CASES}


def run_all() -> dict:
    from izh_brian.interop.nest import nest_available

    ok, version = nest_available()
    if not ok:
        raise RuntimeError(version)
    return {"nest": version, "generated_by": "tests/nest_tickets.py",
            "ticket_310": ticket_310(), "ticket_421": ticket_421(), "ticket_386": ticket_386(),
            "dcgen_vs_I_e": dcgen_vs_I_e(), "spike_input": spike_cases(), "dc_timing": dc_cases()}


def load() -> dict:
    with open(DATA, encoding="utf-8") as fh:
        return json.load(fh)


def main() -> int:
    data = run_all()
    with open(DATA, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True, allow_nan=True)
        fh.write("\n")
    print(f"wrote {DATA} ({data['nest']})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    sys.exit(main())
