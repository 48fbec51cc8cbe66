"""Numerics study: which firing patterns survive dt = 0.1, 0.05, 0.01 ms and the euler/rk4 schemes.

The science (reference section 2): under the figure1 scheme the panels whose
look depends on the published dt are fragile; at dt <= 0.1 ms inhibition-
induced bursting (T) becomes a runaway, bistability (P) and the DAP (Q) lose
their single-switch / single-spike look, and the published spike-latency pulse
no longer gives a long latency. Panels A, B, F, G, J, K, L, M, O and R keep
their spike counts. The adjusted ``*_fine`` protocols pass at dt = 0.01 ms.
"""

import oracle
import pytest

from izh_brian.analysis import numerics as N
from izh_brian.presets import FINE_PRESETS, preset_names


@pytest.fixture(scope="module")
def table():
    timings = {}
    rows = N.numerics_table(timings=timings)
    return {r["name"]: r for r in rows}, timings


def test_one_row_per_pattern_and_fine_preset_and_one_run_per_configuration(table):
    """One row per reference preset and fine variant, one simulate_many run (timed) per configuration,
    and every cell says ok exactly when its status is 'ok', at the configuration's dt."""
    rows, timings = table
    assert list(rows) == preset_names() + list(FINE_PRESETS)
    assert list(timings) == [k for k, _, _ in N.CONFIGS]
    for r in rows.values():
        for k, _, dt in N.CONFIGS:
            cell = r[k]
            assert set(cell) == {"ok", "n_spikes", "status", "dt_ms"}
            assert cell["ok"] == (cell["status"] == "ok")
            if dt is not None:
                assert cell["dt_ms"] == dt, (r["name"], k)


def test_all_reference_patterns_pass_at_the_published_dt(table):
    """At the published dt the figure1 scheme is figure1.m: every pattern passes its validator with
    the reference program's spike count (the oracle's)."""
    rows, _ = table
    for name in preset_names():
        assert rows[name]["figure1@published"]["ok"], (name, rows[name]["figure1@published"]["status"])
        assert rows[name]["figure1@published"]["n_spikes"] == len(oracle.run_figure1(name)[0]), name


def test_fine_presets_pass_their_validator_at_0_01_ms_with_rk4_euler_and_figure1(table):
    """The adjusted protocols of Open Source Brain (reference section 2) restore each fragile
    pattern at dt = 0.01 ms under all three schemes."""
    rows, _ = table
    for name in FINE_PRESETS:
        for key in ("rk4@0.01", "euler@0.01", "figure1@0.01"):
            assert rows[name][key]["ok"], (name, key, rows[name][key]["status"])
            assert rows[name][key]["dt_ms"] == 0.01


def test_fragile_panels_break_at_fine_dt_for_the_documented_reasons(table):
    """At dt = 0.01 ms bistability no longer switches off, the DAP fires more than once, the
    latency pulse loses its long latency and inhibition-induced bursting runs away (> 1000 spikes).
    Reference section 2: at dt <= 0.1 ms D, E, H, N, P, Q, S change their spike counts (Q, published
    at 0.1 ms, from 0.05 ms on) and T is a runaway of hundreds to thousands of spikes."""
    rows, _ = table
    for name in ("phasic_bursting", "mixed_mode", "class_2_excitable", "rebound_burst", "bistability",
                 "inhibition_induced_spiking"):
        assert rows[name]["figure1@0.1"]["n_spikes"] != rows[name]["figure1@published"]["n_spikes"], name
    dap = rows["depolarizing_after_potential"]
    assert dap["figure1@0.05"]["n_spikes"] != dap["figure1@published"]["n_spikes"]
    assert rows["inhibition_induced_bursting"]["figure1@0.1"]["n_spikes"] >= 100
    for key in ("figure1@0.01", "rk4@0.01"):
        assert not rows["bistability"][key]["ok"]
        assert "switches firing off" in rows["bistability"][key]["status"]
        assert not rows["depolarizing_after_potential"][key]["ok"]
        assert rows["depolarizing_after_potential"][key]["n_spikes"] > 1
        assert not rows["spike_latency"][key]["ok"] and "latency" in rows["spike_latency"][key]["status"]
        t = rows["inhibition_induced_bursting"][key]
        assert not t["ok"] and t["n_spikes"] > 1000 and "runaway" in t["status"]


def test_robust_panels_keep_their_spike_counts_under_figure1(table):
    """Reference section 2: A, B, F, G, J, K, L, M, O and R keep figure1.m's spike count at every
    smaller dt, and their patterns pass under every configuration."""
    rows, _ = table
    robust = ["tonic_spiking", "phasic_spiking", "spike_frequency_adaptation", "class_1_excitable",
              "subthreshold_oscillations", "resonator", "integrator", "rebound_spike",
              "threshold_variability", "accommodation"]
    for name in robust:
        counts = {rows[name][k]["n_spikes"] for k in ("figure1@published", "figure1@0.1", "figure1@0.05", "figure1@0.01")}
        assert counts == {len(oracle.run_figure1(name)[0])}, (name, counts)
        assert all(rows[name][k]["ok"] for k, _, _ in N.CONFIGS), name


def test_format_marks_breaks_and_lists_their_reasons(table):
    """The text table shows each cell's spike count with 'ok' or '!', and lists every break's reason."""
    rows, _ = table
    text = N.format_numerics_table(list(rows.values()))
    line = next(ln for ln in text.splitlines() if ln.startswith("bistability "))
    cells = line.split()[1:]
    assert cells[:2] == [str(len(oracle.run_figure1("bistability")[0])), "ok"]
    assert cells[2:4] == [str(rows["bistability"]["figure1@0.1"]["n_spikes"]), "!"]
    assert "bistability @ figure1@0.01: breaks:" in text


def test_divergent_runs_are_reported_not_raised(monkeypatch):
    """A run whose v becomes inf/NaN is a 'breaks: diverges' cell, not an exception."""
    import sys

    import numpy as np

    S = sys.modules["izh_brian.analysis.numerics"]

    real = S.simulate_many

    def poisoned(*args, **kwargs):
        assert kwargs.get("check_finite") is False
        res = real(*args, **kwargs)
        res[0].v_mV[50:] = np.inf
        return res

    monkeypatch.setattr(S, "simulate_many", poisoned)
    cells, _ = N.run_config(["tonic_spiking", "phasic_spiking"], "figure1", None)
    assert cells[0] == {"ok": False, "n_spikes": None, "status": "breaks: diverges", "dt_ms": 0.25}
    assert cells[1]["ok"]
