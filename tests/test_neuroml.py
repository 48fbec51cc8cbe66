"""NeuroML2 / LEMS: reading, running as jNeuroML does, exporting, and agreement with jNeuroML.

jNeuroML's Ex2 (four izhikevichCells, pulse and ramp generators, 200 ms at
0.005 ms) must come out of izh_brian with jNeuroML's own spike times, step for
step; presets exported to NeuroML2 + LEMS must give, in jNeuroML, the spikes
izh_brian computes from the same files. The Java parts skip with the reason
when Java or pyNeuroML's jar is missing.
"""

import glob
import os

import numpy as np
import pytest

import oracle
from izh_brian import get_preset
from izh_brian.model import make_neurons_2007
from izh_brian.interop import crosscheck
from izh_brian.interop.jneuroml import JNeuroMLError, extract_example, find_jar, jneuroml_available
from izh_brian.interop.export import export_presets
from izh_brian.interop.jneuroml import run_lems_spikes
from izh_brian.lems import NeuroMLError, read_model, run_file, run_model

pytest.importorskip("defusedxml", reason="reading NeuroML needs defusedxml (the neuroml extra)")

DATA = os.path.join(os.path.dirname(__file__), "data")
JAVA_OK, JAVA_WHY = jneuroml_available()
needs_java = pytest.mark.skipif(not JAVA_OK, reason=JAVA_WHY)

try:
    find_jar()
    JAR_OK, JAR_WHY = True, ""
except JNeuroMLError as exc:
    JAR_OK, JAR_WHY = False, str(exc)
needs_jar = pytest.mark.skipif(not JAR_OK, reason=JAR_WHY)

EX2_CELLS = {  # population: (v0, a, b, c, d, input)
    "izpopBurst": (-70, 0.02, 0.2, -50, 2, ("pulse", 22, 2000, 15)),
    "izpopTonic": (-70, 0.02, 0.2, -65, 6, ("pulse", 20, 2000, 14)),
    "izpopMixed": (-70, 0.02, 0.2, -55, 4, ("pulse", 20, 2000, 10)),
    "izpopClass1": (-60, 0.02, -0.1, -55, 6, ("ramp", 30, 170, -32, 50, -32)),
}


@pytest.fixture(scope="module")
def ex2_path(tmp_path_factory):
    if not JAR_OK:
        pytest.skip(JAR_WHY)
    return extract_example("LEMS_NML2_Ex2_Izh.xml", dest=str(tmp_path_factory.mktemp("ex2")))


def jlems_transcription(cell, dt_ms=0.005, length_ms=200.0):
    """Spike steps of one Ex2 cell under jLEMS's loop, in plain Python.

    Each step: t (seconds, a running sum of the step) advances; the generator
    takes its value at the new t (``delay <= t < delay + duration``); v and U
    advance by forward Euler from the old values; ``v > thresh`` is a spike at
    the new t (step index k + 1) and resets v = c, U += d.
    """
    v0, a, b, c, d, inp = cell
    v, U, t = float(v0), b * v0, 0.0
    dt_s = dt_ms * 1e-3
    out = []
    for k in range(int(round(length_ms / dt_ms))):
        t += dt_s
        if inp[0] == "pulse":
            _, delay, dur, amp = inp
            I = amp if (delay * 1e-3 <= t < (dur + delay) * 1e-3) else 0.0
        else:
            _, delay, dur, start, finish, base = inp
            inside = delay * 1e-3 <= t < (dur + delay) * 1e-3
            I = start + (finish - start) * (t - delay * 1e-3) / (dur * 1e-3) if inside else base
        v, U = v + dt_ms * (0.04 * v * v + 5 * v + 140 - U + I), U + dt_ms * a * (b * v - U)
        if v > 30:
            v, U = c, U + d
            out.append(k + 1)
    return np.array(out, dtype=np.int64)


@needs_jar
def test_reads_ex2(ex2_path):
    """Ex2 holds four one-cell populations, each driven by its generator, for 200 ms at 0.005 ms."""
    m = read_model(ex2_path)
    assert (m.duration_ms, m.dt_ms) == (200.0, 0.005)
    assert set(m.populations) == set(EX2_CELLS)
    burst = m.cells[m.populations["izpopBurst"].component]
    assert burst.kind == "izhikevichCell"
    assert burst.params == {"v0": -70.0, "thresh": 30.0, "a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0}
    ramp = m.inputs["rg0"]
    assert ramp.kind == "rampGeneratorDL"
    assert (ramp.params["startAmplitude"], ramp.params["finishAmplitude"]) == (-32.0, 50.0)
    assert sorted((p, i) for p, i, *_ in m.explicit_inputs) == sorted((p, 0) for p in EX2_CELLS)


@needs_jar
def test_ex2_runner_follows_jlems_loop(ex2_path):
    """izh_brian's NeuroML runner fires each Ex2 cell on the steps jLEMS's loop (transcribed) gives."""
    run = run_file(ex2_path)
    assert run.dt_ms == 0.005
    for pop, cell in EX2_CELLS.items():
        ours = np.rint(run.spike_times_ms[pop][0] / run.dt_ms).astype(np.int64)
        np.testing.assert_array_equal(ours, jlems_transcription(cell), err_msg=pop)
    # izBurst bursts: 29 spikes in 200 ms, as jNeuroML's figure shows.
    assert len(run.spike_times_ms["izpopBurst"][0]) == 29


@pytest.fixture(scope="module")
def jnml_rows():
    if not JAVA_OK:
        pytest.skip(JAVA_WHY)
    return crosscheck(("jneuroml",), files=False)  # the example files' rows: tests/test_neuroml_examples.py


@needs_java
def test_ex2_equals_jneuroml(jnml_rows):
    """Ex2 run by izh_brian gives jNeuroML's own spike times, to the step, for all four cells."""
    ex2 = {r["name"]: r for r in jnml_rows if r["name"].startswith("Ex2/")}
    assert set(ex2) == {f"Ex2/{p}" for p in EX2_CELLS}
    for r in ex2.values():
        assert r["agree"], r
        assert r["n_spikes_ours"] == r["n_spikes_theirs"] > 0
        assert r["max_dt_ms"] < 1e-6


@needs_java
def test_generated_network_equals_jneuroml(jnml_rows):
    """The crosscheck's network (written with libNeuroML: 40 RS and 10 FS izhikevich2007Cells, expOneSynapse
    projections with 1 ms delays, 150 ms) fires, in every cell, on jNeuroML's steps; population by population."""
    rows = {r["name"]: r for r in jnml_rows if r["name"].startswith("network/")}
    assert set(rows) == {"network/exc", "network/inh"}
    for r in rows.values():
        assert r["agree"] is True and r["n_spikes_ours"] == r["n_spikes_theirs"] > 0, r


@needs_java
def test_exported_presets_run_by_jneuroml_give_ours(jnml_rows):
    """Every preset NeuroML can express (izhikevichCell, or izhikevich2007Cell for the class-1 form),
    exported and run by jNeuroML, fires on the steps izh_brian computes from the same files;
    accommodation (u' = a b (v + 65)) is skipped with the reason."""
    rows = [r for r in jnml_rows if not r["name"].startswith(("Ex2/", "network/"))]
    assert len(rows) == 28
    compared = [r for r in rows if r["agree"] is not None]
    skipped = {r["name"]: r["reason"] for r in rows if r["agree"] is None}
    assert set(skipped) == {"accommodation"}
    assert "no -u term" in skipped["accommodation"]
    assert {"class_1_excitable", "integrator"} <= {r["name"] for r in compared}
    bad = [r for r in compared if not r["agree"]]
    assert not bad, bad
    assert sum(r["n_spikes_theirs"] for r in compared) > 500


def test_export_reproduces_the_preset_protocol(tmp_path):
    """The exported generators, summed and sampled on the preset's grid, are the preset's own
    input samples, and the cells carry the preset's parameters: the file is the preset."""
    names = ["tonic_spiking", "class_2_excitable", "bistability", "resonator", "TC_burst", "RZ"]
    lems, nml = export_presets(names, tmp_path / "LEMS_presets.xml")
    m = read_model(lems)
    assert m.dt_ms == 0.25 and m.duration_ms == 400.0
    for name in names:
        p = get_preset(name)
        cell = m.cells[name].params
        assert (cell["a"], cell["b"], cell["c"], cell["d"], cell["v0"], cell["thresh"]) == (p.a, p.b, p.c, p.d,
                                                                                          p.V0, 30.0)
        t = np.arange(int(round(p.duration / p.dt)) + 1) * p.dt
        total = sum(m.inputs[inp].at(t) for pop, _i, inp, *_ in m.explicit_inputs if pop == f"pop_{name}")
        np.testing.assert_allclose(total, p.stimulus.sample(p.dt, p.duration), rtol=0, atol=1e-12,
                                   err_msg=name)


def test_export_is_valid_neuroml2(tmp_path):
    """The exported document validates against the NeuroML 2.3 schema and loads in libNeuroML."""
    lxml = pytest.importorskip("lxml.etree", reason="lxml (installed with libNeuroML) validates the schema")
    neuroml = pytest.importorskip("neuroml", reason="libNeuroML is an optional extra (neuroml)")
    from neuroml.loaders import read_neuroml2_file

    _lems, nml = export_presets(["tonic_spiking", "class_2_excitable", "bistability"], tmp_path / "LEMS_v.xml")
    xsds = sorted(glob.glob(os.path.join(os.path.dirname(neuroml.__file__), "nml", "NeuroML_v2.3*.xsd")))
    if not xsds:
        pytest.skip("libNeuroML ships no NeuroML 2.3 schema")
    schema = lxml.XMLSchema(lxml.parse(xsds[-1]))
    assert schema.validate(lxml.parse(nml)), schema.error_log
    from neuroml.utils import validate_neuroml2

    validate_neuroml2(nml)  # libNeuroML's validator: raises on an invalid document
    doc = read_neuroml2_file(nml)
    assert [c.id for c in doc.izhikevich_cells] == ["tonic_spiking", "class_2_excitable", "bistability"]
    assert len(doc.ramp_generator_dls) == 1


def class1_lems_transcription(name):
    """Spike steps of a class-1 preset (v' = 0.04 v^2 + 4.1 v + 108 - u + I) under jLEMS's loop, in plain
    Python: the input of step k is the protocol's sample at t_(k+1), forward Euler from the old values,
    ``v > 30`` stamped at k + 1."""
    p = get_preset(name)
    n = int(round(p.duration / p.dt))
    I = p.stimulus.sample(p.dt, p.duration)
    v, u, h, out = p.V0, p.b * p.V0, p.dt, []
    for k in range(n):
        v, u = v + h * (0.04 * v * v + 4.1 * v + 108 - u + I[k + 1]), u + h * p.a * (p.b * v - u)
        if v > 30:
            v, u = p.c, u + p.d
            out.append(k + 1)
    return np.array(out, dtype=np.int64)


def test_class1_presets_export_as_izhikevich2007cell(tmp_path):
    """The class-1 presets (4.1 v + 108) are the 2007 form with C = 1 pF, k = 0.04 nS/mV, vr = -60 mV,
    vt = -42.5 mV: 0.04 (v + 60)(v + 42.5) = 0.04 v^2 + 4.1 v + 102, and u7 = u - b vr takes up the
    remaining 6. Run from the exported file, they fire on the class-1 equations' own steps."""
    lems, _nml = export_presets(["class_1_excitable", "integrator"], tmp_path / "LEMS_c1.xml")
    m = read_model(lems)
    cell = m.cells["class_1_excitable"]
    assert cell.kind == "izhikevich2007Cell"
    assert (cell.params["C"], cell.params["k"], cell.params["vr"], cell.params["vt"]) == (1.0, 0.04, -60.0, -42.5)
    assert {m.inputs[i].kind for _p, _k, i, *_ in m.explicit_inputs} == {"pulseGenerator", "rampGenerator"}
    run = run_file(lems)
    for name in ("class_1_excitable", "integrator"):
        ours = np.rint(run.spike_times_ms[f"pop_{name}"][0] / run.dt_ms).astype(np.int64)
        expected = class1_lems_transcription(name)
        assert len(expected) > 0
        np.testing.assert_array_equal(ours, expected, err_msg=name)


def test_export_refuses_what_neuroml_cannot_hold(tmp_path):
    """NeuroML's cells have u' = a (b (v - vr) - u), and a LEMS file one step:
    the accommodation preset and presets of different dt are refused."""
    with pytest.raises(ValueError, match="accommodation"):
        export_presets(["accommodation"], tmp_path / "x.xml")
    with pytest.raises(ValueError, match="different dt"):
        export_presets(["tonic_spiking", "phasic_bursting"], tmp_path / "x.xml")
    with pytest.raises(ValueError, match="no_such_preset|Unknown|unknown"):
        export_presets(["no_such_preset"], tmp_path / "x.xml")


def test_2007_form_is_forward_euler_of_the_book_equations():
    """make_neurons_2007 under 'euler' is C v' = k (v - vr)(v - vt) - u + I, u' = a (b (v - vr) - u)
    by forward Euler, with v > vpeak resetting v = c, u += d (book units: pF, nS/mV, mV, 1/ms, nS, pA)."""
    from brian2 import Network, SpikeMonitor, ms

    dt, n = 0.02, 5000
    stim = np.where(np.arange(n) * dt >= 10, 300.0, 0.0)  # pA
    G = make_neurons_2007(1, C=100, k=0.7, vr=-60, vt=-40, vpeak=35, a=0.03, b=-2, c=-50, d=100,
                          v0=-60, dt=dt, stimulus=stim)
    mon = SpikeMonitor(G)
    Network(G, mon).run(n * dt * ms, namespace={})
    ours = np.rint(np.asarray(mon.t / ms) / dt).astype(int)
    v, u, ref = -60.0, 0.0, []
    for k in range(n):
        I = stim[k]
        v, u = v + dt * (0.7 * (v + 60) * (v + 40) - u + I) / 100, u + dt * 0.03 * (-2 * (v + 60) - u)
        if v > 35:
            v, u = -50.0, u + 100
            ref.append(k)
    assert len(ref) >= 3
    np.testing.assert_array_equal(ours, ref)


@needs_java
def test_2007_network_equals_jneuroml():
    """A LEMS network of izhikevich2007Cells (two populations, pulse and ramp generators in pA and nA,
    an inputList) gives jNeuroML's spike times to the step in every cell."""
    path = os.path.join(DATA, "izh2007_network.xml")
    ours = run_file(path)
    theirs = run_lems_spikes(path)
    assert ours.sizes == {"rs": 2, "ch": 1}
    total = 0
    for pop, cells in ours.spike_times_ms.items():
        for i, times in enumerate(cells):
            a = np.rint(times / ours.dt_ms)
            b = np.rint(theirs[pop][i] / ours.dt_ms)
            np.testing.assert_array_equal(a, b, err_msg=f"{pop}[{i}]")
            total += len(a)
    assert total >= 10


def test_run_needs_simulation_settings(tmp_path):
    """A NeuroML document without a Simulation runs only when length and step are given."""
    _lems, nml = export_presets(["tonic_spiking"], tmp_path / "LEMS_t.xml")
    with pytest.raises(NeuroMLError, match="no <Simulation>"):
        run_file(nml)
    run = run_model(read_model(nml), duration_ms=100.0, dt_ms=0.25)
    assert run.sizes == {"pop_tonic_spiking": 1}
    # Starting at rest with I(0) = 0, jLEMS's loop (input of t_k+1, spike stamped at t_k+1) is
    # forward Euler on the preset's grid: the independent oracle's spike times.
    expected = oracle.run_euler("tonic_spiking")
    assert len(expected) > 2
    np.testing.assert_allclose(run.spike_times_ms["pop_tonic_spiking"][0], expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("fname,element,line", [
    ("malformed.nml", "izhikevichCell", 5),
    ("unsupported_element.nml", "iafCell", 5),
    ("bad_unit.nml", "izhikevichCell", 3),
    ("missing_attribute.nml", "izhikevichCell", 3),
    ("missing_include.xml", "Include", 3),
    ("bad_target.xml", "explicitInput", 7),
    ("wrong_input_kind.xml", "pulseGenerator", 6),
])
def test_bad_files_name_element_file_and_line(fname, element, line):
    """A malformed or unsupported file is refused with a ValueError naming the element, the file and the line."""
    with pytest.raises(NeuroMLError) as info:
        read_model(os.path.join(DATA, fname))
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert element in msg and fname in msg and f"line {line}" in msg, msg
    assert "\n" not in msg


@pytest.mark.parametrize("fname", ["entity_expansion.xml", "external_entity.xml"])
def test_unsafe_xml_is_refused(fname):
    """DTDs with entity declarations (expansion bombs, external files) are refused before any expansion."""
    with pytest.raises(NeuroMLError, match="unsafe XML") as info:
        read_model(os.path.join(DATA, fname))
    assert "root:" not in str(info.value)  # nothing of /etc/passwd leaks into the message


def test_missing_file_is_a_clear_error():
    """A file that does not exist is a FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match="no_such_file.xml"):
        read_model(os.path.join(DATA, "no_such_file.xml"))
