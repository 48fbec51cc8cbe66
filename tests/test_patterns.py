"""Firing-pattern validators: features, one validator per pattern, specificity.

The science: each of the 20 panels of Izhikevich (2004) Fig. 1 and the 8
classes of (2003) Fig. 2 is a phenomenon that a validator states as a
predicate on response features. A validator must accept its own reference
response, must reject responses that lack the defining feature (made by
changing parameters), and may accept another preset's response only where
docs/patterns.md says why.
"""

import dataclasses
import json
import math
import os
import re
import sys

import numpy as np
import oracle
import pytest

from izh_brian import analysis as P
from izh_brian.presets import FINE_PRESETS, preset_names
from izh_brian.simulation import simulate, simulate_many

DOCS = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "patterns.md")


@pytest.fixture(scope="module")
def reference_results():
    return simulate_many(preset_names())


# --- features: pure functions on arrays -------------------------------------


def test_adaptation_index_sign_follows_the_change_of_the_intervals():
    """Lengthening intervals (adaptation) give a positive index, a regular train 0, accelerating ones a negative."""
    assert P.adaptation_index([2, 4, 8]) == pytest.approx((2 / 6 + 4 / 12) / 2)
    assert P.adaptation_index([5, 5, 5]) == 0.0
    assert P.adaptation_index([8, 4, 2]) < 0
    assert math.isnan(P.adaptation_index([3.0]))


def test_isi_features_of_a_regular_train():
    """A train at a 10 ms period has CV 0, a 100 Hz rate and an adaptation ratio of 1."""
    f = P.isi_features(np.arange(10.0, 100.0, 10.0))
    assert f["cv_isi"] == pytest.approx(0.0, abs=1e-12)
    assert f["late_rate_hz"] == pytest.approx(100.0)
    assert f["onset_rate_hz"] == pytest.approx(100.0)
    assert f["adaptation_ratio"] == pytest.approx(1.0)


def test_detect_bursts_finds_clusters_set_apart_by_pauses():
    """Three clusters of 4 spikes 2 ms apart, 40 ms between clusters: three bursts of 4; a regular train: none."""
    train = np.concatenate([s + np.arange(4) * 2.0 for s in (10.0, 50.0, 90.0)])
    b = P.detect_bursts(train, end_ms=140.0)
    assert [x["n_spikes"] for x in b] == [4, 4, 4]
    assert b[1]["start_ms"] == 50.0 and b[0]["gap_after_ms"] == pytest.approx(34.0)
    assert P.detect_bursts(np.arange(10.0, 140.0, 5.0), end_ms=140.0) == []
    # a doublet is not a burst
    assert P.detect_bursts([10.0, 12.0, 60.0, 110.0], end_ms=140.0) == []


def test_subthreshold_oscillation_measures_frequency_and_damping():
    """A damped 20 Hz sine of 2 mV decaying with tau 50 ms: frequency 20 Hz, damping below 1."""
    t = np.arange(0, 200, 0.1)
    v = -62 + 2 * np.exp(-t / 50) * np.sin(2 * np.pi * 20 * t / 1000)
    osc = P.subthreshold_oscillation(t, v, 0, 200)
    assert osc["n_extrema"] >= 5
    assert osc["frequency_hz"] == pytest.approx(20.0, rel=0.05)
    assert osc["damping"] < 0.2
    flat = P.subthreshold_oscillation(t, -62 - 5 * np.exp(-t / 30), 0, 200)
    assert flat["n_extrema"] <= 1


def test_after_depolarisation_is_the_rise_after_the_reset():
    """v that rises by 8 mV after the reset has a DAP of 8 mV; v that only decays has none."""
    t = np.arange(0, 30, 0.1)
    ts = 10.0
    rise = np.where(t <= ts, -70.0, -60 + 8 * np.sin(np.clip(t - ts, 0, 5) * np.pi / 10))
    assert P.after_depolarisation(t, rise, ts) == pytest.approx(8.0, abs=0.3)  # from the first sample after the reset
    decay = np.where(t <= ts, -70.0, -60 - 10 * (1 - np.exp(-(t - ts) / 3)))
    assert P.after_depolarisation(t, decay, ts) <= 0.0


def test_boundaries_and_epochs_of_a_step():
    """A step at 20 ms: one boundary from the current array, and spike counts split at it."""
    t = np.arange(0, 100.25, 0.25)
    I = np.where(t > 20, 10.0, 0.0)
    b = P.boundaries_from_current(t, I)
    assert b == [pytest.approx(20.125)]
    ramp = 0.01 * t
    assert P.boundaries_from_current(t, ramp) == []
    ep = P.epochs([5.0, 30.0, 40.0, 100.0], [20.0], 100.0, t, I)
    assert [e["n_spikes"] for e in ep] == [1, 3]
    assert ep[1]["I_mean"] == pytest.approx(10.0)


def test_ramp_onset_current_and_rates():
    """On a ramp I = t/10 with spikes at 50, 90, 110 ms: I = 5 at the first spike, onset 25 Hz, final 50 Hz."""
    t = np.arange(0, 200, 0.5)
    f = P.ramp_onset([50.0, 90.0, 110.0], t, t / 10)
    assert f["current_at_first_spike"] == pytest.approx(5.0)
    assert f["onset_rate_hz"] == pytest.approx(25.0)
    assert f["final_rate_hz"] == pytest.approx(50.0)


# --- validators ---------------------------------------------------------------


def test_one_documented_validator_per_reference_preset():
    """All 20 panels of 2004 Fig. 1 and the 8 classes of 2003 Fig. 2 have a validator stating the phenomenon."""
    assert list(P.VALIDATORS) == preset_names()
    for name, fn in P.VALIDATORS.items():
        assert fn.__doc__ and len(fn.__doc__.split()) > 10, name


def test_every_reference_response_passes_its_own_validator(reference_results):
    """The diagonal: each preset's published response shows its phenomenon."""
    for r in reference_results:
        v = P.validate_result(r)
        assert v.ok, (r.name, [x for x in v.reasons if x.startswith("FAILED")])
        assert v.pattern == r.name
        assert all(x.startswith(("ok: ", "FAILED: ")) for x in v.reasons)


def _documented_off_diagonal():
    text = open(DOCS, encoding="utf-8").read()
    section = text.split("## Off-diagonal", 1)[1].split("\n## ", 1)[0]
    pairs = set()
    for line in section.splitlines():
        m = re.match(r"\|\s*`?(\w+)`?\s*\|\s*`?(\w+)`?\s*\|\s*(.+?)\s*\|\s*$", line)
        if m and m.group(1) not in ("validator",) and not set(m.group(1)) <= {"-"}:
            assert len(m.group(3)) > 20, f"reason too short for {m.group(1)} -> {m.group(2)}"
            pairs.add((m.group(1), m.group(2)))
    return pairs


def test_matrix_diagonal_true_and_off_diagonal_exactly_as_documented(reference_results):
    """Specificity: every off-diagonal acceptance is listed, with its reason, in docs/patterns.md, and no other."""
    names, m = P.validation_matrix(reference_results)
    assert names == preset_names()
    assert m.shape == (28, 28) and m.dtype == bool
    assert m.diagonal().all()
    found = {(names[i], names[j]) for i in range(28) for j in range(28) if i != j and m[i, j]}
    assert found == _documented_off_diagonal()
    # validators are specific: far fewer acceptances than a permissive validator would give
    assert len(found) <= 20


def test_matrix_reuses_the_given_results(reference_results, monkeypatch):
    """The matrix applies predicates to features of the 28 given responses; it does not simulate again."""
    import sys

    S = sys.modules["izh_brian.analysis.validators"]

    def boom(*a, **k):
        raise AssertionError("validation_matrix simulated again")

    monkeypatch.setattr(S, "simulate_many", boom)
    names, m = P.validation_matrix(reference_results)
    assert m.diagonal().all()


def test_each_validator_rejects_its_counter_examples():
    """Each validator rejects responses lacking its defining feature, made by changing the neuron's parameters."""
    assert set(P.COUNTER_EXAMPLES) == set(P.VALIDATORS)
    names, overrides, why = [], [], []
    for name, cases in P.COUNTER_EXAMPLES.items():
        assert cases, name
        for o, w in cases:
            names.append(name)
            overrides.append(o)
            why.append(w)
    results = simulate_many(names, overrides=overrides, check_finite=False)
    for name, o, w, r in zip(names, overrides, why, results):
        v = P.validate_result(r)
        assert not v.ok, f"{name} accepted its counter-example {o} ({w})"
        failed = [x for x in v.reasons if x.startswith("FAILED")]
        assert failed and any(ch.isdigit() for ch in " ".join(failed)), (name, o, failed)


def test_specific_counter_examples_named_in_the_issue(reference_results):
    """Silent neuron, single spike for a burst, firing before the inhibition, burst for a single rebound spike."""
    silent = simulate("phasic_spiking", b=0.2)
    assert silent.n_spikes == 0 and not P.validate_result(silent).ok
    single = simulate("phasic_bursting", c=-65, d=6)
    assert single.n_spikes == 1 and not P.validate_result(single).ok
    early = simulate("inhibition_induced_bursting", b=1.0)
    assert early.spike_times_ms[0] < 50 and not P.validate_result(early).ok
    burst = simulate("rebound_spike", c=-52, d=0)
    assert burst.n_spikes >= 3 and not P.validate_result(burst).ok


def test_validate_result_follows_the_preset_name_under_overrides():
    """`--set` keeps the name: tonic bursting with d = 8 is checked as tonic bursting, and no longer bursts."""
    r = simulate("tonic_bursting", d=8)
    v = P.validate_result(r)
    assert v.pattern == "tonic_bursting" and not v.ok
    assert any("bursts" in x and x.startswith("FAILED") for x in v.reasons)


def test_fine_presets_use_the_base_validator():
    """`<name>_fine` presets are checked by the validator of `<name>`."""
    for name in FINE_PRESETS:
        assert P.validator_for(name) == name[: -len("_fine")]


def test_unknown_validator_is_a_clear_error():
    """An unknown pattern name is a ValueError that lists the allowed validators."""
    with pytest.raises(ValueError, match="allowed: tonic_spiking"):
        P.validate("tonic_spikes", simulate("tonic_spiking"))


def test_verdict_to_dict_is_strict_json(reference_results):
    """The verdict's dict has exactly pattern, ok, reasons, features and serialises without NaN."""
    d = P.validate_result(reference_results[0]).to_dict()
    assert set(d) == {"pattern", "ok", "reasons", "features"}
    s = json.dumps(d, allow_nan=False)
    assert reference_results[0].name == "tonic_spiking"
    assert json.loads(s)["features"]["n_spikes"] == len(oracle.run_figure1("tonic_spiking")[0])


def test_diverged_run_fails_with_a_reason(reference_results):
    """A response whose v became NaN fails its validator with 'diverged', not an exception."""
    r = reference_results[0]
    v = r.v_mV.copy()
    v[100:] = np.nan
    bad = dataclasses.replace(r, v_mV=v)
    verdict = P.validate_result(bad)
    assert not verdict.ok and "diverged" in verdict.reasons[0]


def test_validate_all_follows_its_names_and_dt():
    """`validate_all(names=..., dt=...)` simulates the named presets at that step, in order: at
    dt = 0.1 ms bistability loses its single switch (reference section 2) while tonic spiking keeps
    its pattern. (The default call, all 28 passing, is the diagonal above and `izh-brian validate`.)"""
    verdicts = P.validate_all(names=["tonic_spiking", "bistability"], dt=0.1)
    assert [v.pattern for v in verdicts] == ["tonic_spiking", "bistability"]
    assert [v.ok for v in verdicts] == [True, False]
    assert any(x.startswith("FAILED") for x in verdicts[1].reasons)


def test_tolerances_live_in_one_place():
    """Thresholds are named fields of one frozen Tolerances; a stricter tolerance changes a verdict."""
    assert dataclasses.is_dataclass(P.TOL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        P.TOL.burst_isi_ms = 1.0  # type: ignore[misc]
    r = simulate("spike_latency")
    assert P.validate_result(r).ok
    V = sys.modules["izh_brian.analysis.validators"]  # the validators read TOL from their module
    old = V.TOL
    try:
        V.TOL = dataclasses.replace(old, latency_min_ms=50.0)
        assert not P.validate_result(r).ok
    finally:
        V.TOL = old
