"""One small run of every command and every public function, with a fact each must get right.

This is the suite CI runs on the older supported stack (Python 3.11, Brian2 2.9.0, numpy < 2.4) beside the
whole suite on the newest: a feature that works only on the newest stack fails here (Brian2 2.9.0 lacks
``prefs.logging.warn_for_unused_objects``, which once broke ``fit`` there). Each test is chosen to be cheap
(short protocols, few neurons) but states the science the command exists for.
"""

import json

import numpy as np
import pytest

import izh_brian
from izh_brian.cli import main


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def jcli(capsys, *argv):
    code, out, err = cli(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


# --- the public functions -----------------------------------------------------------------------------------

def test_public_api_simulates_the_tonic_spiking_protocol():
    """simulate() of Fig. 1(A): regular spikes after the step onset at 10 ms and none before it;
    simulate_many() gives the same train in one NeuronGroup; make_neurons() builds the group."""
    r = izh_brian.simulate("tonic_spiking")
    assert r.n_spikes >= 4 and r.spike_times_ms[0] > 10.0
    together = izh_brian.simulate_many(["tonic_spiking", "phasic_spiking"])
    np.testing.assert_array_equal(together[0].spike_steps, r.spike_steps)
    assert together[1].n_spikes == 1  # phasic spiking: one spike at the onset (Fig. 1(B))
    group = izh_brian.make_neurons(3, d=2.0)
    assert len(group) == 3
    assert set(izh_brian.REFERENCE_PRESETS) <= set(izh_brian.PRESETS) and len(izh_brian.REFERENCE_PRESETS) == 28
    assert "figure1" in izh_brian.SCHEMES
    with pytest.raises(izh_brian.UnknownPresetError):
        izh_brian.get_preset("no_such_pattern")


def test_checker_grades_a_train_in_seconds_by_its_unit():
    """teaching.check reads a Quantity with its unit: the tonic-spiking train in seconds passes."""
    from brian2 import second

    from izh_brian.teaching.check import check

    r = izh_brian.simulate("tonic_spiking")
    assert check("tonic_spiking", r.spike_times_ms / 1000.0 * second).shows_pattern




# --- every command ------------------------------------------------------------------------------------------

def test_list_and_run(capsys):
    """list names the 28 presets; run gives Fig. 1(B)'s single phasic spike."""
    assert len(jcli(capsys, "list")) == 28
    rec = jcli(capsys, "run", "phasic_spiking")[0]
    assert len(rec["spike_times_ms"]) == 1


def test_run_with_input_spikes(tmp_path, capsys):
    """run --spikes-in (NEST's spike_generator into the nest scheme): a 25 mV spike at 5 ms fires Fig. 1(A)'s
    neuron before its step onset at 10 ms, as simulate(spikes_in=...) does; without it the first spike comes
    after the onset."""
    path = tmp_path / "spikes.csv"
    path.write_text("time_ms,weight_mV\n5.0,25.0\n")
    rec = jcli(capsys, "run", "tonic_spiking", "--scheme", "nest", "--spikes-in", path)[0]
    assert rec["spike_times_ms"][0] < 10.0
    r = izh_brian.simulate("tonic_spiking", scheme="nest", spikes_in=([5.0], [25.0]))
    assert rec["spike_times_ms"] == r.spike_times_ms.tolist()
    assert jcli(capsys, "run", "tonic_spiking", "--scheme", "nest")[0]["spike_times_ms"][0] > 10.0


def test_validate_classify_class_map_matrix(capsys):
    """validate passes all 28; classify calls (0.02, 0.2, -65, 8) regular spiking (2003, Fig. 2);
    class-map and matrix run on this stack."""
    recs = jcli(capsys, "validate")["results"]
    assert len(recs) == 28 and all(r["ok"] for r in recs)
    label = jcli(capsys, "classify", "--set", "a=0.02", "--set", "b=0.2", "--set", "c=-65", "--set", "d=8")
    assert label["label"] == "RS"
    cmap = jcli(capsys, "class-map", "--x", "c=-65:-50:2", "--y", "d=2:8:2")
    assert cmap["labels"][0][1] == "CH"  # (c, d) = (-50, 2): chattering (2003, Fig. 2)
    m = jcli(capsys, "matrix")
    assert len(m["names"]) == 28 and m["diagonal_ok"]


def test_numerics(capsys):
    """numerics validates a named preset under several steps."""
    rec = jcli(capsys, "numerics", "--no-fine", "tonic_spiking")
    row = rec["rows"][0]
    assert row["name"] == "tonic_spiking"
    assert all(row[c["key"]]["ok"] for c in rec["configs"]), row


def test_network(capsys):
    """The 2003 network, small and short: both populations fire and the raster is in ms."""
    rec = jcli(capsys, "network", "--ne", 80, "--ni", 20, "--duration", 100)
    assert rec["n_exc"] == 80 and rec["n_inh"] == 20
    assert rec["rate_exc_hz"] > 0 and rec["rate_inh_hz"] > 0


def test_neuroml_export_run_and_examples(tmp_path, capsys):
    """export then run gives back the preset's spike times under forward Euler (jLEMS's update); examples
    lists the shipped models."""
    code, _, err = cli(capsys, "neuroml", "export", "tonic_spiking", "-o", tmp_path / "ts.xml")
    assert code == 0, err
    rec = jcli(capsys, "neuroml", "run", tmp_path / "ts.xml", "--no-outputs")
    ours = izh_brian.simulate("tonic_spiking", scheme="euler").spike_times_ms
    np.testing.assert_allclose(rec["populations"]["pop_tonic_spiking"]["spike_times_ms"][0], ours, atol=1e-9)
    examples = jcli(capsys, "neuroml", "examples")
    assert any(e["file"] == "net_synapses.xml" for e in examples)


def test_check_and_fit_commands(tmp_path, capsys):
    """check passes the tonic-spiking train from a file; fit --pattern finds a tonic spiker."""
    r = izh_brian.simulate("tonic_spiking")
    f = tmp_path / "train.npz"
    np.savez(f, spike_times_ms=r.spike_times_ms)
    code, out, err = cli(capsys, "check", "tonic_spiking", f)
    assert code == 0, err + out
    rec = jcli(capsys, "fit", "--pattern", "tonic_spiking", "--budget", 128, "--seed", 1)
    assert rec["pattern"] == "tonic_spiking" and rec["validator_ok"]


def test_atlas(capsys):
    """A 3 x 3 atlas over (c, d) labels every cell."""
    rec = jcli(capsys, "atlas", "--grid", "c=-65:-50:3", "--grid", "d=2:8:3", "--duration", 200)
    assert rec["shape"] == [3, 3] and rec["labels"][0] == "RS"  # (c, d) = (-65, 2)
    assert rec["labels"][6] == "CH"  # (c, d) = (-50, 2): chattering (2003, Fig. 2)


def test_crosscheck_with_nest(capsys):
    """NEST's izhikevich gives izh_brian's spike counts and times for every preset it can express (the
    class-1 and accommodation variants have other equations: their rows say so)."""
    from izh_brian.interop.nest import nest_available

    ok, why = nest_available()
    if not ok:
        pytest.skip(why)
    rows = jcli(capsys, "crosscheck", "--simulator", "nest", "--no-files")
    ran = [r for r in rows if r["agree"] is not None]
    assert len(ran) >= 40 and all(r["agree"] for r in ran), [r["name"] for r in ran if not r["agree"]]
    assert all("not expressible" in r["reason"] for r in rows if r["agree"] is None)


def test_figures(tmp_path, capsys):
    """figures --quick writes the report's figures as PNG (the report itself is built by tests/test_wheel.py
    and tests/test_report.py on the newest stack)."""
    code, _, err = cli(capsys, "figures", "--quick", "--quiet", "--format", "png", "--out", tmp_path / "fig")
    assert code == 0, err
    assert len(list((tmp_path / "fig").glob("*.png"))) >= 5


def test_report(tmp_path, capsys):
    """report --quick --no-lessons runs every section, draws its figures and compiles the PDF (typst)."""
    code, _, err = cli(capsys, "report", "--quick", "--no-lessons", "--quiet", "--out", tmp_path / "rep")
    assert code == 0, err
    pdf = tmp_path / "rep" / "izh_brian_report.pdf"
    assert pdf.exists() and pdf.stat().st_size > 50_000
    assert len(list((tmp_path / "rep").rglob("*.png"))) >= 5


def test_course_new_and_grade(tmp_path, capsys):
    """A class of two (lesson 03: each student's own mystery neuron as data), and a folder of spike files
    graded against tonic spiking: the right train passes, one in seconds is refused with its reason."""
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nst01\nst02\n")
    assert cli(capsys, "course", "new", str(roster), "--lessons", "03", "--out", str(tmp_path / "c"))[0] == 0
    assert (tmp_path / "c" / "students" / "st02" / "mystery_03.npz").is_file()
    subs = tmp_path / "subs"
    subs.mkdir()
    right = izh_brian.simulate("tonic_spiking").spike_times_ms
    np.savetxt(subs / "ana.csv", right)
    np.savetxt(subs / "ben.csv", right / 1000.0)
    code, out, _ = cli(capsys, "grade", str(subs), "--pattern", "tonic_spiking", "--out", str(tmp_path / "g"))
    assert code == 1 and "ana: 1/1" in out and "ben: not graded" in out and "seconds" in out
    assert (tmp_path / "g" / "gradebook.csv").read_text().count("\n") == 3


def test_grade_runs_a_notebook_in_a_fresh_kernel(tmp_path, capsys):
    """A two-cell notebook for lesson 09: exercise 1 answered wrong (0 points, the check's reason), 2 and 3
    not tried (rows all the same)."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("answer_1 = 0.5")]
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(nb, str(subs / "st01.ipynb"))
    code, out, _ = cli(capsys, "grade", str(subs), "--lesson", "09", "--out", str(tmp_path / "g"), "--timeout", "120")
    assert code == 0 and "st01: 0/3" in out, out
    book = (tmp_path / "g" / "gradebook.csv").read_text()
    assert book.count("\n") == 4 and "0.5 is not it" in book
