"""izh_brian.teaching.check and `izh-brian check`: grading a student's own Izhikevich model.

The spike trains here are made outside the package, the way a student makes them: a plain
Brian2 model written in the test and hand-written NumPy loops of figure1.m (Izhikevich 2004,
Fig. 1). The package is only the grader.
"""

import doctest
import json
import sys

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeMonitor, StateMonitor, ms, mV, second
from brian2.codegen.runtime.numpy_rt import NumpyCodeObject

import izh_brian.teaching.check as C
from benchmarks import bench
from izh_brian.analysis import NEEDS_TRACE_HINT
from izh_brian.cli import main
from izh_brian.teaching.check import CheckReport, check, load_submission

# tonic_spiking in figure1.m: a=0.02, b=0.2, c=-65, d=6, V0=-70, I=14 for t > T/10, T=100 ms, tau=0.25 ms
TONIC = dict(a=0.02, b=0.2, c=-65.0, d=6.0, V0=-70.0, dt=0.25, T=100.0)


def tonic_input(t):
    return 14.0 if t > TONIC["T"] / 10 else 0.0


def figure1_loop(a, b, c, d, V0, dt, T, I_of_t, u_from_new_v=True):
    """figure1.m's loop, written out: v first, then u from the new v, then v >= 30 is a spike at
    this step's t (the trace keeps the true peak, as a student's loop records it), reset.

    With ``u_from_new_v=False`` it is forward Euler (u from the old v): the plausible slip."""
    t_grid = np.arange(0.0, T + dt / 2, dt)
    v, u = V0, b * V0
    vs, spikes = [], []
    for t in t_grid:
        I = I_of_t(t)
        v_old = v
        v = v + dt * (0.04 * v * v + 5 * v + 140 - u + I)
        u = u + dt * a * (b * (v if u_from_new_v else v_old) - u)
        vs.append(v)
        if v >= 30:
            spikes.append(t)
            v, u = c, u + d
    return np.array(spikes), t_grid, np.array(vs)


@pytest.fixture(scope="module")
def brian2_student():
    """The plain Brian2 model a student writes for tonic spiking: forward Euler at 0.25 ms.

    Two neurons; neuron 1 gets the protocol (neuron 0 gets no input), so the monitors' `index`
    matters. Generated with the numpy target: no compilation needed for the student's code."""
    T = TONIC["T"] * ms
    eqs = """dv/dt = (0.04*v**2/mV + 5*v + 140*mV - u + I)/ms : volt
             du/dt = a*(b*v - u)/ms : volt
             I = I_step*int(t > T/10) : volt
             I_step : volt (constant)
             a : 1 (constant)
             b : 1 (constant)"""
    G = NeuronGroup(2, eqs, threshold="v >= 30*mV", reset="v = -65*mV; u = u + 6*mV", method="euler",
                    dt=0.25 * ms, namespace={"T": T}, codeobj_class=NumpyCodeObject)
    G.a, G.b = TONIC["a"], TONIC["b"]
    G.I_step = [0, 14] * mV
    G.v = TONIC["V0"] * mV
    G.u = "b*v"
    sm = SpikeMonitor(G, codeobj_class=NumpyCodeObject)
    st = StateMonitor(G, ["v", "I"], record=True, codeobj_class=NumpyCodeObject)
    Network(G, sm, st).run(T, namespace={"T": T})
    return sm, st


@pytest.fixture(scope="module")
def figure1_student():
    return figure1_loop(TONIC["a"], TONIC["b"], TONIC["c"], TONIC["d"], TONIC["V0"], TONIC["dt"], TONIC["T"],
                        tonic_input)


# --- (a), (b): which program made the spikes -----------------------------------------------------


def test_plain_brian2_euler_model_passes_tonic_spiking_and_is_recognised_as_euler(brian2_student):
    """A student's Brian2 model with method="euler" updates u from the old v, so its spikes drift
    from figure1.m's (u from the new v) while the pattern is the same: it passes tonic_spiking, does
    not match figure1.m, and the scheme it matches is euler."""
    sm, _ = brian2_student
    rep = check("tonic_spiking", sm, index=1)
    assert rep.shows_pattern and all(c.ok for c in rep.criteria)
    ref = rep.reference
    assert ref["closest_scheme"] == "euler"
    assert not ref["matches"] and ref["max_abs_dt_ms"] > TONIC["dt"] / 2
    assert ref["n_spikes"] == ref["n_reference"] == len(sm.t[sm.i == 1])
    assert ref["first_difference_ms"] is not None and ref["first_difference_ms"] > TONIC["T"] / 10
    assert rep.schemes["euler"]["matches"] and rep.schemes["euler"]["max_abs_dt_ms"] == pytest.approx(0, abs=1e-9)


def test_figure1_order_loop_matches_figure1_and_euler_slip_does_not(figure1_student):
    """A NumPy loop in figure1.m's order reproduces figure1.m spike for spike (matches, closest
    figure1); the same loop with u updated from the old v (forward Euler) is a different program:
    it still shows tonic spiking but no longer matches, and is recognised as euler."""
    spikes, _, _ = figure1_student
    rep = check("tonic_spiking", spikes)
    assert rep.shows_pattern
    assert rep.reference["matches"] and rep.reference["closest_scheme"] == "figure1"
    assert rep.reference["max_abs_dt_ms"] == 0 and rep.reference["first_difference_ms"] is None

    slip, _, _ = figure1_loop(TONIC["a"], TONIC["b"], TONIC["c"], TONIC["d"], TONIC["V0"], TONIC["dt"],
                              TONIC["T"], tonic_input, u_from_new_v=False)
    bad = check("tonic_spiking", slip)
    assert bad.shows_pattern and not bad.reference["matches"]
    assert bad.reference["closest_scheme"] == "euler"


def test_each_schemes_own_train_is_named_as_that_scheme():
    """The seven schemes give seven different tonic-spiking trains, except Brian2's heun, which
    corrects only the noise term and so ties with forward Euler on this noise-free model: each train
    shows tonic spiking and is named as its own scheme (heun's as euler, listed first)."""
    from izh_brian.presets import get_preset

    p = get_preset("tonic_spiking")
    trains = {s: C._reference_train(p, p.dt, s) for s in C.COMPARED_SCHEMES}
    assert len({tuple(t) for t in trains.values()}) == len(trains) - 1
    for scheme, train in trains.items():
        rep = check("tonic_spiking", train)
        assert rep.shows_pattern
        assert rep.reference["closest_scheme"] == ("euler" if scheme == "heun" else scheme)
        assert rep.reference["matches"] == (scheme == "figure1")


def test_shifted_spike_is_a_difference_at_its_time(figure1_student):
    """Moving one spike by more than dt/2 breaks the match and names that spike's time; moving it by
    less (rounding of a student's clock) does not."""
    spikes, _, _ = figure1_student
    late = spikes.copy()
    late[2] += 0.75
    rep = check("tonic_spiking", late)
    assert not rep.reference["matches"]
    assert rep.reference["first_difference_ms"] == pytest.approx(spikes[2])
    assert rep.reference["max_abs_dt_ms"] == pytest.approx(0.75)
    jitter = spikes + 1e-7
    assert check("tonic_spiking", jitter).reference["matches"]


# --- (c), (d): what the criteria say ------------------------------------------------------------


def test_silent_neuron_fails_with_the_no_spike_hint():
    """A student who forgot to inject the current gets a silent neuron: it fails tonic spiking,
    the failed criterion is the spike count after the onset (0, required >= 3) and its hint says
    there is no spike."""
    silent, _, _ = figure1_loop(TONIC["a"], TONIC["b"], TONIC["c"], TONIC["d"], TONIC["V0"], TONIC["dt"],
                                TONIC["T"], lambda t: 0.0)
    assert len(silent) == 0
    rep = check("tonic_spiking", silent)
    assert not rep.shows_pattern
    crit = {c.name: c for c in rep.criteria}
    c = crit["spikes_after_onset"]
    assert not c.ok and c.value == 0 and c.required == ">= 3"
    assert "no spike" in c.hint
    assert crit["quiet_before_onset"].ok and crit["quiet_before_onset"].hint == ""
    assert rep.reference["n_spikes"] == 0 and rep.reference["n_reference"] > 0 and not rep.reference["matches"]


def test_bursting_train_fails_tonic_spiking_and_passes_tonic_bursting():
    """The chattering neuron (c = -50, d = 2; Izhikevich 2004 Fig. 1C) fires bursts: on tonic
    spiking's protocol it fails tonic spiking because of its bursts; on tonic bursting's protocol
    (15 for t > 22, T = 220) it passes tonic bursting."""
    st_tonic, _, _ = figure1_loop(0.02, 0.2, -50.0, 2.0, -70.0, 0.25, 100.0, tonic_input)
    rep = check("tonic_spiking", st_tonic)
    assert not rep.shows_pattern
    failed = {c.name for c in rep.failed}
    assert "no_bursts" in failed
    assert "burst" in next(c.hint for c in rep.failed if c.name == "no_bursts")

    st_burst, _, _ = figure1_loop(0.02, 0.2, -50.0, 2.0, -70.0, 0.25, 220.0, lambda t: 15.0 if t > 22 else 0.0)
    rep2 = check("tonic_bursting", st_burst)
    assert rep2.shows_pattern
    assert {c.name for c in rep2.criteria} >= {"bursts_after_onset", "spikes_outside_bursts", "sustained_bursting"}
    assert rep2.reference["matches"] and rep2.reference["closest_scheme"] == "figure1"
    # the regular train of tonic spiking is no burster
    st_regular, _, _ = figure1_loop(0.02, 0.2, -65.0, 6.0, -70.0, 0.25, 220.0, lambda t: 15.0 if t > 22 else 0.0)
    assert not check("tonic_bursting", st_regular).shows_pattern


def test_trace_criteria_need_the_trace_and_pass_with_it():
    """Subthreshold oscillations (2004 Fig. 1J) are a property of v, not of spike times: with spike
    times only, the oscillation criteria fail with the hint to pass the trace; with the trace of the
    same figure1.m loop (spike peak unclipped, as a loop records it) they hold."""
    p = dict(a=0.05, b=0.26, c=-60.0, d=0.0, V0=-62.0, dt=0.25, T=200.0)
    st, t, v = figure1_loop(**p, I_of_t=lambda t: 2.0 if 20 < t < 25 else 0.0)
    assert v.max() > 30  # the true peak, not the 30 mV figure1.m draws
    only = check("subthreshold_oscillations", st)
    osc = [c for c in only.criteria if c.name.startswith("oscillation")]
    assert osc and all(not c.ok and c.value is None and c.hint == NEEDS_TRACE_HINT for c in osc)
    assert not only.shows_pattern
    full = check("subthreshold_oscillations", st, t_ms=t, v_mV=v)
    assert full.shows_pattern and full.reference["matches"]
    assert any("clipped" in n for n in full.notes)
    ext = next(c for c in full.criteria if c.name == "oscillation_extrema")
    assert ext.ok and ext.value >= 3


def test_unclipped_peaks_give_the_same_verdict_as_clipped_ones():
    """The after-depolarisation of 2004 Fig. 1Q (a = 1, d = -21) is read after the reset: a trace
    that keeps the spike's true peak, or even an overflowing one, is graded like figure1.m's
    trace clipped at 30 mV."""
    p = dict(a=1.0, b=0.2, c=-60.0, d=-21.0, V0=-70.0, dt=0.1, T=50.0)
    st, t, v = figure1_loop(**p, I_of_t=lambda t: 20.0 if abs(t - 10) < 1 else 0.0)
    clipped = check("depolarizing_after_potential", st, t_ms=t, v_mV=np.minimum(v, 30.0))
    wild = v.copy()
    wild[wild > 30] = 1e12
    for trace in (v, wild):
        rep = check("depolarizing_after_potential", st, t_ms=t, v_mV=trace)
        assert rep.shows_pattern
        assert [(c.name, c.value) for c in rep.criteria] == [(c.name, c.value) for c in clipped.criteria]
    no_dap, t2, v2 = figure1_loop(**{**p, "d": 6.0}, I_of_t=lambda t: 20.0 if abs(t - 10) < 1 else 0.0)
    rep = check("depolarizing_after_potential", no_dap, t_ms=t2, v_mV=v2)
    assert not rep.shows_pattern
    assert [c.name for c in rep.failed] == ["after_depolarisation"]


def test_other_input_is_graded_from_its_jumps_without_reference(figure1_student):
    """A student who ran a step of 10 instead of 14 still gets a verdict, with the epochs read from
    the jumps of the input they give; spike times of another protocol are not compared with
    figure1.m (reference None) and a note says the input differs."""
    _, t, _ = figure1_student
    I10 = np.where(t > 10, 10.0, 0.0)
    st, _, v = figure1_loop(TONIC["a"], TONIC["b"], TONIC["c"], TONIC["d"], TONIC["V0"], TONIC["dt"], TONIC["T"],
                            lambda x: 10.0 if x > 10 else 0.0)
    rep = check("tonic_spiking", st, t_ms=t, v_mV=v, I=I10)
    assert rep.reference is None and rep.protocol == "submission"
    assert any("differs" in n for n in rep.notes)
    assert rep.shows_pattern
    same = check("tonic_spiking", figure1_student[0], t_ms=t, I=np.where(t > 10, 14.0, 0.0))
    assert same.protocol == "preset" and same.reference["matches"]
    # the preset's input, but run twice as long: graded, not compared, and the note says why
    st200, t200, _ = figure1_loop(TONIC["a"], TONIC["b"], TONIC["c"], TONIC["d"], TONIC["V0"], TONIC["dt"], 200.0,
                                  tonic_input)
    longer = check("tonic_spiking", st200, t_ms=t200)
    assert longer.shows_pattern and longer.reference is None
    assert any("not tonic_spiking's grid" in n for n in longer.notes)


def test_structured_criteria_agree_with_the_verdict_reasons(figure1_student):
    """Each criterion has a snake_case name, a required range and a hint exactly when it fails; the
    criteria's outcomes are the validator's reasons, one for one."""
    from izh_brian.analysis import TOL, train_features, validate_features

    for spikes in (figure1_student[0], np.array([50.0])):
        rep = check("tonic_spiking", spikes)
        names = [c.name for c in rep.criteria]
        assert names[:3] == ["step_protocol", "quiet_before_onset", "spikes_after_onset"]
        for c in rep.criteria:
            assert c.name.replace("_", "").isalnum() and c.name == c.name.lower()
            assert c.required
            assert bool(c.hint) == (not c.ok)
        t = np.arange(0, 100.25, 0.25)
        v = validate_features("tonic_spiking", train_features(spikes, t, None, np.where(t > 10, 14.0, 0.0),
                                                              [10.0], 100.0))
        assert [r.startswith("ok") for r in v.reasons] == [c.ok for c in rep.criteria]
    assert rep.criteria[2].required == f">= {TOL.tonic_min_spikes}"


def test_every_validator_names_its_criteria_and_hints_its_failures():
    """On the 28 reference responses every criterion holds; on the counter-examples (parameter
    changes that remove each pattern's defining feature) at least one fails. Every criterion, in
    every validator, has a lower-case snake_case name (no unnamed fallback), unique within its
    verdict, a required range, and a hint exactly when it fails."""
    from izh_brian.analysis import COUNTER_EXAMPLES, validate_result
    from izh_brian.presets import preset_names
    from izh_brian.simulation import simulate_many

    names = preset_names()
    cx = [(n, o) for n, cases in COUNTER_EXAMPLES.items() for o, _ in cases]
    results = simulate_many(names + [n for n, _ in cx], overrides=[{}] * len(names) + [o for _, o in cx],
                            check_finite=False)
    for i, r in enumerate(results):
        v = validate_result(r)
        assert v.ok == (i < len(names)), r.name
        assert len(v.criteria) == len(v.reasons) and v.criteria
        seen = [c.name for c in v.criteria]
        assert len(set(seen)) == len(seen), (r.name, seen)
        for c in v.criteria:
            assert c.name.replace("_", "").isalnum() and c.name == c.name.lower(), c.name
            assert not c.name.startswith("condition_") and c.required, (r.name, c.name)
            assert bool(c.hint) == (not c.ok), (r.name, c.name)


# --- (e): every input form ----------------------------------------------------------------------


def _summary(rep: CheckReport):
    return (rep.shows_pattern, [(c.name, c.ok) for c in rep.criteria], rep.reference["n_spikes"],
            rep.reference["closest_scheme"], rep.reference["matches"])


def test_every_input_form_gives_the_same_report(brian2_student, tmp_path):
    """Spike times as a list, an array, a Brian2 quantity (ms or s), a SpikeMonitor (neuron index),
    spikes read off a StateMonitor, a .npz (with its trace) and a .csv with a header: the same
    student's run, the same report."""
    sm, stm = brian2_student
    times_ms = np.asarray(sm.t[sm.i == 1] / ms)
    expected = _summary(check("tonic_spiking", list(times_ms)))
    assert expected[0] and expected[3] == "euler"
    np.savez(tmp_path / "run.npz", spike_times_ms=times_ms, t_ms=np.asarray(stm.t / ms),
             v_mV=np.asarray(stm.v[1] / mV), I=np.asarray(stm.I[1] / mV), dt_ms=0.25)
    (tmp_path / "run.csv").write_text("spike_time_ms\n" + "\n".join(repr(float(x)) for x in times_ms) + "\n")
    forms = {
        "array": dict(spikes=times_ms),
        "quantity_ms": dict(spikes=times_ms * ms),
        "quantity_s": dict(spikes=(times_ms / 1000) * second),
        "spike_monitor": dict(spikes=sm, index=1),
        "state_monitor": dict(trace=stm, index=1),
        "monitors": dict(spikes=sm, trace=stm, index=1),
        "npz": dict(spikes=tmp_path / "run.npz"),
        "npz_str": dict(spikes=str(tmp_path / "run.npz")),
        "csv": dict(spikes=tmp_path / "run.csv"),
        "arrays": dict(spikes=times_ms, t_ms=np.asarray(stm.t / ms), v_mV=np.asarray(stm.v[1] / mV),
                       I=np.asarray(stm.I[1] / mV)),
    }
    for name, kw in forms.items():
        assert _summary(check("tonic_spiking", **kw)) == expected, name
    # the other neuron of the monitor got no input: silent
    assert check("tonic_spiking", sm, index=0).reference["n_spikes"] == 0
    loaded = load_submission(tmp_path / "run.npz")
    assert loaded["dt_ms"] == 0.25 and loaded["v_mV"].shape == loaded["t_ms"].shape


def test_pattern_names_are_case_insensitive_and_unknown_ones_are_refused(figure1_student):
    """'Tonic_Spiking' is tonic_spiking; an unknown name is a ValueError naming it."""
    assert check("Tonic_Spiking", figure1_student[0]).pattern == "tonic_spiking"
    with pytest.raises(ValueError, match="tonic_spikes"):
        check("tonic_spikes", figure1_student[0])


@pytest.mark.parametrize("spikes, match", [
    ([13.0, float("nan")], "finite"),
    ([-1.0, 13.0], ">= 0"),
    ([17.0, 13.0], "increasing"),
    ([13.0, 13.0], "increasing"),
    ([[13.0, 17.0]], "1-D"),
    (np.array([13.0]) * mV, "times"),
])
def test_bad_spike_times_are_clear_errors(spikes, match):
    """NaN, negative, unsorted or repeated times, a 2-D array, a spike after the record and a
    quantity that is not a time: each is a one-line ValueError saying what is allowed."""
    with pytest.raises(ValueError, match=match) as exc:
        check("tonic_spiking", spikes)
    assert "\n" not in str(exc.value)


def test_monitor_mistakes_are_clear_errors(brian2_student):
    """A neuron the monitors do not hold, a StateMonitor without v, a trace given twice, an index
    that is not a number: each a one-line ValueError naming it."""
    sm, stm = brian2_student
    G = sm.source
    only_I = StateMonitor(G, "I", record=[1], codeobj_class=NumpyCodeObject)
    cases = [
        (dict(spikes=sm, index=2), "index 2"),
        (dict(trace=stm, index=5), "neuron 5"),
        (dict(trace=only_I, index=1), "must record 'v'"),
        (dict(trace=stm, t_ms=[0.0, 0.25], index=1), "not both"),
        (dict(spikes=sm, index="one"), "'one'"),
        (dict(), "give the spike times"),
    ]
    for kw, match in cases:
        with pytest.raises(ValueError, match=match) as exc:
            check("tonic_spiking", **kw)
        assert "\n" not in str(exc.value)


def test_report_renders_as_a_table_and_html(figure1_student):
    """str() is a table with a header and one row per criterion plus the reference line; the HTML
    holds the same rows."""
    rep = check("tonic_spiking", figure1_student[0][:2])
    text = str(rep)
    lines = text.splitlines()
    assert lines[0] == "tonic_spiking: does NOT show the pattern"
    assert lines[1].split() == ["criterion", "value", "required", "ok", "hint"]
    for c in rep.criteria:
        assert any(line.startswith(c.name) and (("NO" in line) != c.ok) for line in lines)
    assert "reference: differs from figure1.m: 2 spikes vs" in text
    html = rep._repr_html_()
    assert html.count("<tr>") == len(rep.criteria) + 1 and "&gt;= 3" in html


def test_reference_runs_are_cached_and_only_needed_ones_are_made(figure1_student, monkeypatch):
    """A submission that matches figure1.m is closest to it, so only figure1 is simulated; one that
    does not is compared with all seven schemes; a second check of the same pattern simulates nothing."""
    S = sys.modules["izh_brian.teaching.check"]
    real = S.simulate_many
    calls = []

    def counting(presets, *, scheme="figure1", **kw):
        calls.append(scheme)
        return real(presets, scheme=scheme, **kw)

    monkeypatch.setattr(S, "simulate_many", counting)
    C.clear_cache()
    spikes = figure1_student[0]
    assert check("tonic_spiking", spikes).reference["matches"] and calls == ["figure1"]
    late = spikes + 1.0
    assert not check("tonic_spiking", late).reference["matches"]
    assert calls == ["figure1", *[s for s in C.COMPARED_SCHEMES if s != "figure1"]]
    check("tonic_spiking", late)
    check("tonic_spiking", spikes)
    assert len(calls) == len(C.COMPARED_SCHEMES)


def test_module_examples_run():
    """The examples in izh_brian.teaching.check's docstrings are true."""
    res = doctest.testmod(C, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 2 and res.failed == 0


# --- (f): the command ---------------------------------------------------------------------------


def _run(capsys, *argv):
    code = main(["check", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exit_codes_and_json_contract(figure1_student, tmp_path, capsys):
    """Exit 0 when the pattern is shown, 1 when it is not; --json prints exactly the contract:
    pattern, shows_pattern, criteria (name, value, required, ok, hint) and reference (matches,
    n_spikes, n_reference, max_abs_dt_ms, first_difference_ms, closest_scheme)."""
    good = tmp_path / "good.csv"
    good.write_text("t_ms\n" + "\n".join(map(str, figure1_student[0])) + "\n")
    silent = tmp_path / "silent.csv"
    silent.write_text("spike_time_ms\n")
    code, out, err = _run(capsys, "tonic_spiking", good)
    assert code == 0 and "shows the pattern" in out and err == ""
    code, out, _ = _run(capsys, "tonic_spiking", silent)
    assert code == 1 and "no spike" in out
    code, out, _ = _run(capsys, "tonic_spiking", good, "--json")
    d = json.loads(out)
    assert code == 0 and set(d) == {"pattern", "shows_pattern", "criteria", "reference", "reference_reason"}
    assert d["pattern"] == "tonic_spiking" and d["shows_pattern"] is True
    assert all(set(c) == {"name", "value", "required", "ok", "hint"} for c in d["criteria"])
    assert set(d["reference"]) == {"matches", "n_spikes", "n_reference", "max_abs_dt_ms", "first_difference_ms",
                                   "closest_scheme"}
    assert d["reference"]["matches"] is True and d["reference"]["closest_scheme"] == "figure1"
    code, out, _ = _run(capsys, "tonic_spiking", silent, "--json")
    d = json.loads(out)
    assert code == 1 and d["shows_pattern"] is False
    assert any(c["name"] == "spikes_after_onset" and c["value"] == 0 and not c["ok"] for c in d["criteria"])


def test_cli_index_selects_a_neuron(figure1_student, tmp_path, capsys):
    """A CSV of 'index, time' lines holds several neurons; --index picks one."""
    f = tmp_path / "two.csv"
    f.write_text("i,t\n" + "".join(f"1,{x}\n0,{x + 0.5}\n" for x in figure1_student[0]))
    code, out, _ = _run(capsys, "tonic_spiking", f, "--index", "1", "--json")
    assert code == 0 and json.loads(out)["reference"]["matches"] is True
    code, out, _ = _run(capsys, "tonic_spiking", f, "--json")
    assert code == 0 and json.loads(out)["reference"]["matches"] is False


@pytest.mark.parametrize("name, content, match", [
    ("empty.csv", "", "empty"),
    ("blank.csv", "\n\n", "empty"),
    ("garbage.csv", "spikes\nhello\n", "line 2"),
    ("nan.csv", "t\n13\nnan\n", "finite"),
    ("negative.csv", "-2\n13\n", ">= 0"),
    ("unsorted.csv", "17\n13\n", "increasing"),
    ("garbage.npz", "not a zip archive", ".npz"),
    ("spikes.txt.json", "[13, 17]", "unsupported file type"),
])
def test_cli_bad_files_exit_2_with_one_line(tmp_path, capsys, name, content, match):
    """Empty, garbage, NaN, negative or unsorted files and unsupported types: status 2, one line on
    stderr naming the problem, no traceback."""
    f = tmp_path / name
    f.write_text(content)
    code, out, err = _run(capsys, "tonic_spiking", f)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("izh-brian: error:") and match in err
    assert "Traceback" not in err


def test_cli_bad_arguments_exit_2(tmp_path, capsys, figure1_student):
    """An unknown pattern, a missing file, an npz without spike times and a bad --index: status 2, one line."""
    good = tmp_path / "good.csv"
    good.write_text("\n".join(map(str, figure1_student[0])))
    np.savez(tmp_path / "nokey.npz", times=np.array([13.0]))
    cases = [
        (("tonic_spikes", good), "tonic_spikes"),
        (("tonic_spiking", tmp_path / "missing.csv"), "no such file"),
        (("tonic_spiking", tmp_path / "nokey.npz"), "spike_times_ms"),
        (("tonic_spiking", good, "--index", "x"), "--index"),
        (("tonic_spiking", good, "--index", "-1"), "--index"),
        (("tonic_spiking", good, "--index", "1"), "index 1"),
        (("tonic_spiking",), "FILE"),
    ]
    for argv, match in cases:
        code, out, err = _run(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and match in err, (argv, err)


def test_check_benchmark_reports_its_times():
    """`izh-brian bench check` times a first check of a submission that differs from figure1.m (seven
    reference runs), of one that matches it (one run) and a warm check (cached), and prints them
    with the goal."""
    r = bench.bench_check(repeats=2)
    assert r["warm_s"] > 0 and r["first_s"] > r["warm_s"] and r["first_match_s"] > r["warm_s"]
    assert r["shows_pattern"] is True and r["closest_scheme"] == "euler"
    text = bench.format_results({"check": r})
    assert "check" in text and "goal" in text


def test_reference_runs_are_kept_on_disk_between_processes(figure1_student, monkeypatch, tmp_path):
    """A second `izh-brian check` (a new process, an empty in-process cache) reads the reference runs
    from the disk cache instead of simulating; a changed preset record is a different key, so it is
    simulated again rather than answered from a stale entry."""
    S = sys.modules["izh_brian.teaching.check"]
    real = S.simulate_many
    calls = []

    def counting(presets, *, scheme="figure1", **kw):
        calls.append(scheme)
        return real(presets, scheme=scheme, **kw)

    monkeypatch.setattr(S, "simulate_many", counting)
    monkeypatch.setenv(C.DISK_CACHE_ENV, str(tmp_path))
    C.clear_cache()
    spikes = figure1_student[0]
    first = check("tonic_spiking", spikes + 1.0).reference  # differs: all seven schemes are run
    assert len(calls) == len(C.COMPARED_SCHEMES)
    assert (tmp_path / "check_reference_runs.json").exists()
    C.clear_cache()  # as a new process
    calls.clear()
    again = check("tonic_spiking", spikes + 1.0).reference
    assert calls == [] and again == first
    from izh_brian.presets import get_preset, with_overrides

    changed = with_overrides(get_preset("tonic_spiking"), d=8.0)
    C._reference_train(changed, changed.dt, "figure1")
    assert calls == ["figure1"]
    C.clear_cache(disk=True)
    assert not (tmp_path / "check_reference_runs.json").exists()
