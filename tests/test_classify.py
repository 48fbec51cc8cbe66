"""Step-response classifier: 2003 classes from (a, b, c, d) and a current step.

The science (Izhikevich 2003, Fig. 2): with a = 0.02, b = 0.2 the reset
(c, d) decides the class: RS (c = -65, d = 8) adapting tonic spikes, IB
(c = -55, d = 4) an onset burst then single spikes, CH (c = -50, d = 2)
repetitive bursts; FS (a = 0.1) fast non-adapting spikes; LTS (b = 0.25)
fast adapting spikes; resonators (b = 0.26, a = 0.1) show damped subthreshold
oscillations.
"""

import numpy as np
import pytest

from izh_brian import analysis as P

# --- pure functions on arrays ---------------------------------------------


def _label(st, onset=20.0, stop=300.0, **kw):
    return P.classify_features(P.step_response_features(np.asarray(st, float), onset, stop, **kw))[0]


def test_synthetic_trains_get_their_class_without_a_voltage_trace():
    """Labels follow the rules from spike times alone (as the parameter atlas calls them)."""
    assert _label([]) == "silent"
    assert _label([5.0, 30.0, 60.0]) == "other"  # fires before the step
    assert _label([25.0]) == "other"  # phasic
    # adapting slow train: first ISI 10 ms, then 40 ms
    assert _label([25.0, 35.0] + list(np.arange(75.0, 300.0, 40.0))) == "RS"
    # fast regular train: 100 Hz
    assert _label(np.arange(25.0, 300.0, 10.0)) == "FS"
    # fast adapting train: 4 ms growing to 15 ms
    lts = np.cumsum([25.0, 4, 6, 9, 12] + [15.0] * 17)
    assert _label(lts) == "LTS"
    # bursts of 4 spikes every 50 ms
    ch = np.concatenate([s + np.arange(4) * 2.5 for s in np.arange(25.0, 300.0, 50.0)])
    assert _label(ch) == "CH"
    # onset burst then single spikes every 30 ms
    ib = [25.0, 27.5, 31.0] + list(np.arange(61.0, 300.0, 30.0))
    assert _label(ib) == "IB"
    # slow regular train, no adaptation
    assert _label(np.arange(25.0, 300.0, 40.0)) == "TC"


def test_damped_oscillation_without_spikes_is_rz_like_only_with_the_trace():
    """A resonator's signature without spikes is a damped subthreshold oscillation: a silent train
    with a ringing trace is RZ-like, the same train without a trace (or with a monotone relaxation)
    is silent."""
    t = np.arange(0, 300, 0.25)
    v = np.where(t < 20, -62.5, -61 - 1.5 * np.exp(-(t - 20) / 40) * np.cos(2 * np.pi * 22 * (t - 20) / 1000))
    assert _label([], v_mV=v, t_ms=t) == "RZ-like"
    assert _label([]) == "silent"
    flat = np.where(t < 20, -70.0, -69 - np.exp(-(t - 20) / 10))
    assert _label([], v_mV=flat, t_ms=t) == "silent"


def test_features_are_json_numbers():
    """Three spikes 2 ms apart right after the onset are an onset burst of 3 within 5 spikes; every
    feature is a plain int or float (JSON-ready)."""
    f = P.step_response_features([25.0, 27.0, 29.0, 80.0, 130.0], 20.0, 300.0)
    assert f["n_spikes"] == 5 and f["onset_burst_spikes"] == 3
    assert all(isinstance(v, (int, float)) for v in f.values())


# --- simulation ---------------------------------------------------------------


def test_resting_potential_is_the_stable_fixed_point():
    """For b = 0.2 the rest is -70 mV; for b above about 0.267 there is no rest state."""
    assert P.resting_potential(0.2) == pytest.approx(-70.0)
    v = P.resting_potential(0.26)
    assert 0.04 * v * v + 5 * v + 140 - 0.26 * v == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(P.resting_potential(0.3))


def test_classify_the_2003_classes_that_a_step_separates():
    """RS, IB, CH, FS and LTS parameter sets get their own label under a step of 10."""
    cases = {"RS": (0.02, 0.2, -65, 8), "IB": (0.02, 0.2, -55, 4), "CH": (0.02, 0.2, -50, 2),
             "FS": (0.1, 0.2, -65, 2), "LTS": (0.02, 0.25, -65, 2)}
    for label, (a, b, c, d) in cases.items():
        res = P.classify(a, b, c, d)
        assert res.label == label, (label, res.reasons)
        assert res.reasons and res.features["n_spikes"] > 0


def test_weak_step_separates_a_resonator_from_an_integrator():
    """At a weak step the resonator oscillates (RZ-like), the RS neuron stays silent."""
    rz = P.classify(0.1, 0.26, -65, 2, current=0.2)
    assert rz.label == "RZ-like" and rz.features["osc_extrema"] >= 3
    assert 10 < rz.features["osc_frequency_hz"] < 50
    assert P.classify(0.02, 0.2, -65, 8, current=0.2).label == "silent"


def test_class_map_in_one_neurongroup_reproduces_the_2003_regions(monkeypatch):
    """The c-d plane at a = 0.02, b = 0.2: RS, IB and CH where 2003 Fig. 2 puts them, all in one group."""
    import sys

    S = sys.modules["izh_brian.simulation"]

    calls = []
    real = S.make_neurons

    def spy(n, *a, **k):
        calls.append(n)
        return real(n, *a, **k)

    monkeypatch.setattr(S, "make_neurons", spy)
    cs, ds = [-65.0, -55.0, -50.0], [8.0, 4.0, 2.0]
    m = P.class_map("c", cs, "d", ds, fixed={"a": 0.02, "b": 0.2})
    assert calls == [9]
    assert m["labels"].shape == (3, 3)
    assert m["labels"].diagonal().tolist() == ["RS", "IB", "CH"]
    # The diagonal is blind to a transposed map: rows are y (d), columns x (c). Check two
    # off-diagonal points against neurons classified on their own.
    for (i, j) in ((0, 2), (2, 0)):  # (d = 8, c = -50) and (d = 2, c = -65)
        alone = P.classify(0.02, 0.2, cs[j], ds[i])
        assert (m["labels"][i, j], m["n_spikes"][i, j]) == (alone.label, alone.features["n_spikes"]), (i, j)
    assert m["n_spikes"][0, 2] != m["n_spikes"][2, 0]
    assert np.array_equal(m["x_values"], cs) and np.array_equal(m["y_values"], ds)
    assert [P.CLASS_LABELS[k] for k in m["codes"].ravel()] == m["labels"].ravel().tolist()


def test_bad_classifier_input_is_a_clear_error():
    """Unknown parameter names, a plane with one parameter twice, and non-finite numbers are refused
    with a ValueError naming the value."""
    with pytest.raises(ValueError, match="unknown parameter 'e'"):
        P.class_map("e", [1], "d", [2])
    with pytest.raises(ValueError, match="must differ"):
        P.class_map("c", [1], "c", [2])
    with pytest.raises(ValueError, match="a must be a finite number"):
        P.classify(float("nan"), 0.2, -65, 8)
    with pytest.raises(ValueError, match="current must be a finite number"):
        P.classify(0.02, 0.2, -65, 8, current=float("inf"))
