"""NeuroML networks as NeuroML writes them, run by izh_brian as jNeuroML runs them.

The test files (the examples shipped in izh_brian/interop/examples, which `izh-brian crosscheck` also
compares with jNeuroML) hold the shapes the community's models use: populationList populations with
instances, inputLists with path targets, explicitInputs in both target forms, pulse/ramp/sine/compound
generators, projections with expOneSynapse, expTwoSynapse and alphaSynapse (connection and connectionWD with
weights and zero and non-zero delays, from earlier and from later populations), spike sources (spikeArray,
spikeGenerator) as populations, gap junctions (electricalProjection) and point-cell ComponentTypes defined in
LEMS. jNeuroML's spike steps for them are stored in ``jnml_expected_spikes.json``; a test reruns
jNeuroML whenever Java is present so that the stored data cannot go stale, and another compares the output
files byte for byte.
"""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

pytest.importorskip("defusedxml", reason="reading NeuroML needs defusedxml (the neuroml extra)")
pytest.importorskip("lems", reason="running NeuroML networks needs PyLEMS (installed with pyNeuroML)")

from izh_brian.cli import main  # noqa: E402
from izh_brian.interop.jneuroml import find_jar, jneuroml_available  # noqa: E402
from izh_brian.interop.jneuroml import run_lems_spikes  # noqa: E402
from izh_brian.lems import NeuroMLError, read_model, run_file, run_model  # noqa: E402
from izh_brian.interop.neuroml_examples import examples_dir  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data")  # jNeuroML's stored spikes
EX_DIR = str(examples_dir())  # the example files (package data)
JAVA_OK, JAVA_WHY = jneuroml_available()
needs_java = pytest.mark.skipif(not JAVA_OK, reason=JAVA_WHY)
FILES = ("net_synapses.xml", "custom_types.xml", "net_sources.xml", "net_gap.xml", "net_self.xml")

with open(os.path.join(DATA, "jnml_expected_spikes.json")) as fh:
    EXPECTED = json.load(fh)["files"]


@pytest.fixture(scope="module")
def runs():
    return {f: run_file(os.path.join(EX_DIR, f)) for f in FILES}


def steps(run):
    return {p: [np.rint(np.asarray(c) / run.dt_ms).astype(int).tolist() for c in cells]
            for p, cells in run.spike_times_ms.items()}


@pytest.mark.parametrize("fname", FILES)
def test_spike_steps_equal_jneuroml(runs, fname):
    """Every cell of every population fires on the steps jNeuroML computes for the same file (stored
    jNeuroML output): inputs at the end of the step, forward Euler from the old state, zero-delay events
    acting within the step after their population, delayed events handed over by jLEMS's float clock."""
    assert steps(runs[fname]) == EXPECTED[fname]["populations"]


def test_network_shapes_are_read(runs):
    """populationList populations keep their instances' locations; inputs reach the cells their path or
    bracket targets name (an inputW weight scales its generator); each projection keeps its connections with
    weights and delays."""
    m = read_model(os.path.join(EX_DIR, "net_synapses.xml"))
    assert m.populations["drivers"].locations == [(0.0, 0.0, 0.0), (10.0, 0.0, 0.0), (20.0, 0.0, 0.0)]
    assert m.populations["exc"].locations == [] and m.populations["exc"].size == 4
    wired = {(p, i, inp, w) for p, i, inp, w, _ in m.explicit_inputs}
    assert {("drivers", 0, "drive", 1.0), ("drivers", 2, "drive", 1.3), ("drivers", 1, "wobble", 1.0),
            ("exc", 3, "ramp", 1.0), ("inh", 0, "combo", 1.0)} <= wired
    two = next(p for p in m.projections if p.id == "p_two")
    assert [(c[0], c[1], c[2], c[3]) for c in two.connections] == [(1, 2, 2.5, 2.0), (2, 2, 1.5, 0.5)]
    # compoundInput: the sum of its pulse and sine (Inputs.xml writes pi as 3.14159265), zero outside.
    combo = m.inputs["combo"]
    t = np.array([0.0, 30.0, 129.0, 130.0])
    np.testing.assert_allclose(combo.at(t), [0, 80 + 40 * np.sin(1.0), 80 + 40 * np.sin(1.0 + 2 * 3.14159265 * 9.9),
                                             0], atol=1e-9)


def test_synapses_drive_the_postsynaptic_cells(runs):
    """The exc and inh cells receive no current of their own except exc[3] (a ramp) and inh[0]: exc[2]
    fires only through its expTwoSynapse inputs and inh[1] only through expOneSynapse inputs, so a runner
    that dropped the projections would leave them silent."""
    run = runs["net_synapses.xml"]
    assert len(run.spike_times_ms["exc"][2]) >= 3
    assert len(run.spike_times_ms["inh"][1]) >= 2
    # exc[2]'s first spike follows a driver spike by more than the shortest delay (0.5 ms).
    first = run.spike_times_ms["exc"][2][0]
    drivers = np.concatenate(run.spike_times_ms["drivers"][1:])
    assert np.any((drivers < first - 0.5))


def test_spike_sources(runs):
    """A spikeArray emits each listed spike on the first step whose time reaches it, a spikeGenerator one
    spike per period starting after one period; cells[0] fires only because of the spikeArray's
    expOneSynapse input (it gets no current), after the array's first spike."""
    run = runs["net_sources.xml"]
    # jLEMS's clock is a running sum of the step in seconds: 1600 steps of 25 us fall just short of 0.04 s,
    # so the spike listed at 40 ms goes out one step later, at 40.025 ms.
    t, clock = 0.0, []
    for _ in range(4000):
        t += 0.025e-3
        clock.append(t)
    expected = [next(k + 1 for k, tk in enumerate(clock) if tk >= tau) * 0.025
                for tau in (10e-3, 12.5e-3, 15.01e-3, 40e-3, 41e-3, 42.0125e-3)]
    assert abs(expected[3] - 40.025) < 1e-9
    np.testing.assert_allclose(run.spike_times_ms["arr"][0], expected, atol=1e-9)
    gen = run.spike_times_ms["gen"][0]
    assert len(gen) == 13 and np.allclose(np.diff(gen), 7.3, atol=0.025 + 1e-9)
    assert len(run.spike_times_ms["cells"][0]) >= 1 and run.spike_times_ms["cells"][0][0] > 10.0


def test_custom_component_types(runs):
    """Cells of ComponentTypes the file defines (translated from LEMS via PyLEMS): the class-1 cell
    (v' = 0.04 v^2 + 4.1 v + 108 - U + I, Izhikevich 2004 Fig. 1 G, figure1.m) fires at a rate that grows
    along the ramp (interspike intervals shrink); the accommodation cell (U' = a b (v + 65), Fig. 1 R)
    ignores the slow ramp and fires once on the fast one (after 300 ms)."""
    run = runs["custom_types.xml"]
    c1 = run.spike_times_ms["c1"][0]
    assert len(c1) >= 5 and np.all(np.diff(np.diff(c1)) < 0)
    acc = run.spike_times_ms["acc"][0]
    assert len(acc) == 1 and 300 < acc[0] < 320


def tonic_five_cells_file(tmp_path):
    """The FiveCells shape (populationList + inputList with a path target) for 2004 Fig. 1 A's cell."""
    text = """<Lems>
  <Target component="sim1"/>
  <Include file="Cells.xml"/><Include file="Networks.xml"/><Include file="Inputs.xml"/><Include file="Simulation.xml"/>
  <pulseGeneratorDL id="iA" delay="10ms" duration="90ms" amplitude="14"/>
  <izhikevichCell id="izTonicSpiking" v0="-70mV" thresh="30mV" a="0.02" b="0.2" c="-65" d="6"/>
  <network id="net1">
    <population id="popA" component="izTonicSpiking" type="populationList" size="1">
      <instance id="0"><location x="0" y="0" z="0"/></instance>
    </population>
    <inputList id="InputA" component="iA" population="popA">
      <input id="0" target="../popA/0/izTonicSpiking" destination="synapses"/>
    </inputList>
  </network>
  <Simulation id="sim1" length="250ms" step="0.01ms" target="net1"/>
</Lems>"""
    path = tmp_path / "LEMS_five_shape.xml"
    path.write_text(text)
    return path


def test_five_cells_shape_follows_jlems_loop(tmp_path):
    """Tonic spiking (2004 Fig. 1 A: a=0.02, b=0.2, c=-65, d=6; I = 14 from 10 to 100 ms) in the FiveCells
    shape (populationList, inputList with a path target) at dt = 0.01 ms fires on the steps of jLEMS's loop
    transcribed in plain Python (tests/test_neuroml.py)."""
    from test_neuroml import jlems_transcription

    run = run_file(tonic_five_cells_file(tmp_path))
    expected = jlems_transcription((-70, 0.02, 0.2, -65, 6, ("pulse", 10, 90, 14)), dt_ms=0.01, length_ms=250.0)
    assert len(expected) == 5
    np.testing.assert_array_equal(np.rint(run.spike_times_ms["popA"][0] / 0.01).astype(int), expected)


@needs_java
@pytest.mark.parametrize("fname", FILES)
def test_stored_spikes_are_jneuroml_today(fname):
    """The stored expected spikes are what jNeuroML computes now (so they cannot go stale)."""
    theirs = run_lems_spikes(os.path.join(EX_DIR, fname))
    dt = EXPECTED[fname]["dt_ms"]
    got = {p: [np.rint(c / dt).astype(int).tolist() for c in cells] for p, cells in theirs.items()}
    assert got == EXPECTED[fname]["populations"]


@needs_java
@pytest.mark.parametrize("fname,names", [("net_synapses.xml", ("net_synapses.v.dat", "net_synapses.spikes")),
                                         ("net_gap.xml", ("net_gap.v.dat", "net_gap.spikes")),
                                         ("net_self.xml", ("net_self.v.dat",))])
def test_output_files_are_jnmls_byte_for_byte(tmp_path, capsys, fname, names):
    """`izh-brian neuroml run` writes the file's OutputFile (time and state columns, SI units, jnml's
    single-precision number format) and EventOutputFile (ID_TIME, TIME_ID) with jnml's names and contents:
    v of every step equal to jNeuroML's in all printed digits, synapses and gap junctions included."""
    src = os.path.join(EX_DIR, fname)
    theirs, ours = tmp_path / "jnml", tmp_path / "ours"
    theirs.mkdir()
    shutil.copy(src, theirs)
    subprocess.run(["java", "-jar", find_jar(), fname, "-nogui"], cwd=theirs, check=True,
                   capture_output=True, timeout=300)
    assert main(["neuroml", "run", src, "--output-dir", str(ours)]) == 0
    out = capsys.readouterr().out
    for name in names:
        assert f"wrote {ours / name}" in out
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
    if fname == "net_synapses.xml":
        assert (ours / names[1]).read_text().splitlines()[0].split("\t")[0] in ("0", "1")


def test_json_and_no_outputs(tmp_path, capsys):
    """--json keeps the existing record (duration_ms, dt_ms, populations -> size, spike_times_ms per cell);
    --no-outputs writes nothing."""
    src = tonic_five_cells_file(tmp_path)
    before = set(os.listdir(tmp_path))
    assert main(["neuroml", "run", str(src), "--json", "--no-outputs"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["populations"]["popA"]["size"] == 1
    assert len(doc["populations"]["popA"]["spike_times_ms"][0]) == 5
    assert set(os.listdir(tmp_path)) == before


def test_generated_network_is_valid_neuroml(tmp_path):
    """The benchmark's network, written with libNeuroML and pyNeuroML's LEMSSimulation, passes libNeuroML's
    validator and is read back with its populations, projections (connectionWD, 1 ms) and weighted inputs."""
    pytest.importorskip("neuroml", reason="libNeuroML writes the network")
    from neuroml.utils import validate_neuroml2

    from izh_brian.interop.neuroml_networks import make_network_files

    lems, nml = make_network_files(str(tmp_path), n_exc=8, n_inh=2, duration_ms=20.0, k_exc=3, k_inh=1)
    validate_neuroml2(nml)
    m = read_model(lems)
    assert {p: m.populations[p].size for p in m.populations} == {"exc": 8, "inh": 2}
    assert {p.id: len(p.connections) for p in m.projections} == {"exc_exc": 24, "exc_inh": 6, "inh_exc": 8,
                                                                   "inh_inh": 2}
    assert all(c[3] == 1.0 for p in m.projections for c in p.connections)
    assert len(m.explicit_inputs) == 10 and all(0.5 <= w <= 1.5 for *_x, w, _ in m.explicit_inputs)


def write(tmp_path, body, sim='<Simulation id="s" length="10ms" step="0.025ms" target="n"/>'):
    text = f"""<Lems>
  <Target component="s"/>
  <Include file="Cells.xml"/><Include file="Networks.xml"/><Include file="Inputs.xml"/>
  <Include file="Synapses.xml"/><Include file="Simulation.xml"/>
  <izhikevich2007Cell id="RS" v0="-60mV" C="100pF" k="0.7nS_per_mV" vr="-60mV" vt="-40mV" vpeak="35mV"
                      a="0.03per_ms" b="-2nS" c="-50mV" d="100pA"/>
  <expOneSynapse id="syn" gbase="1nS" erev="0mV" tauDecay="2ms"/>
{body}
  {sim}
</Lems>"""
    path = tmp_path / "LEMS_bad.xml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("body,sim,needle,line", [
    ('<network id="n"><population id="p" component="RS" size="1"/><population id="q" component="RS" size="1"/>\n'
     '<projection id="pr" presynapticPopulation="p" postsynapticPopulation="q" synapse="nosuch">\n'
     '<connection id="0" preCellId="../p[0]" postCellId="../q[0]"/></projection></network>',
     None, "synapse 'nosuch' is not a synapse", 9),
    ('<network id="n"><population id="p" component="RS" size="1"/><population id="q" component="RS" size="1"/>\n'
     '<projection id="pr" presynapticPopulation="p" postsynapticPopulation="q" synapse="syn">\n'
     '<connection id="0" preCellId="../p[0]" postCellId="../q[3]"/></projection></network>',
     None, "cell index 3 out of range", 10),
    ('<network id="n"><population id="p" component="RS" size="1"/></network>',
     '<Simulation id="s" length="10ms" step="0.025ms" target="n">\n<OutputFile id="o" fileName="x.dat">'
     '<OutputColumn id="c" quantity="p[0]/iA/I"/></OutputFile></Simulation>',
     "is not a cell's state variable", 10),
    ('<network id="n"><population id="p" component="RS" size="1"/>\n<continuousProjection id="c"/></network>',
     None, "continuousProjection", 9),
])
def test_unsupported_is_refused_before_running(tmp_path, body, sim, needle, line):
    """What the runner cannot reproduce is refused before running, naming the element, the file, the line
    and what is supported."""
    path = write(tmp_path, body, sim or '<Simulation id="s" length="10ms" step="0.025ms" target="n"/>')
    with pytest.raises(NeuroMLError) as info:
        run_model(read_model(path))
    msg = str(info.value)
    assert needle in msg and "LEMS_bad.xml" in msg and f"line {line}" in msg, msg


def test_gap_junctions_couple_the_cells(runs):
    """electricalProjection with gapJunction (all three connection forms; weight 2 on the first): right[0]
    gets no input of its own and fires only through its gap junction to the driven left[0]
    (i = weight * conductance * (vpeer - v)), so a runner that dropped the gap currents would leave it
    silent; the driven left[0] loses current to its partners and fires later than it would alone
    (first spike at 61.65 ms, jNeuroML's step; 31.075 ms when izh_brian runs the file without its
    electricalProjection)."""
    m = read_model(os.path.join(EX_DIR, "net_gap.xml"))
    assert [(c[0], c[1], c[2]) for c in m.electrical_projections[0].connections] == [(0, 0, 2.0), (1, 1, 1.0),
                                                                                   (0, 1, 1.0)]
    run = runs["net_gap.xml"]
    assert len(run.spike_times_ms["right"][0]) == 4
    assert abs(run.spike_times_ms["left"][0][0] - 61.65) < 1e-9


def test_zero_delay_connections_onto_the_own_population_act_in_cell_order(runs):
    """jLEMS advances a population's cells one by one and hands a zero-delay spike over at once: ring[1] ->
    ring[2] and ring[2] -> ring[3] act within the step (ring[2] and ring[3] come later), ring[3] -> ring[0],
    ring[2] -> ring[1] and ring[4] onto itself in the next step. The runner cuts the population into groups
    advanced in order (ring[0..1], ring[2], ring[3..4]); keeping it one group (every zero-delay event in the
    next step) moved ring[2]'s first spike from jNeuroML's step 1677 to 1678."""
    run = runs["net_self.xml"]
    assert steps(run)["ring"][2][0] == 1677
    assert [(c[0], c[1], c[3]) for c in read_model(os.path.join(EX_DIR, "net_self.xml")).projections[0].connections] \
        == [(1, 2, 0.0), (2, 3, 0.0), (1, 4, 0.0), (3, 0, 0.0), (4, 4, 0.0)]


def test_a_gap_junction_from_a_cell_to_itself_is_refused(tmp_path):
    """A gap junction joins two cells; one from a cell to itself is refused, naming the projection, the cells, the
    file and the line (junctions between cells of one population run: tests/test_neuroml_order.py)."""
    body = ('<gapJunction id="gj" conductance="1nS"/>\n<network id="n"><population id="p" component="RS" size="2"/>\n'
            '<electricalProjection id="gp" presynapticPopulation="p" postsynapticPopulation="p">\n'
            '<electricalConnection id="0" preCell="1" postCell="1" synapse="gj"/></electricalProjection></network>')
    with pytest.raises(NeuroMLError) as info:
        run_model(read_model(write(tmp_path, body)))
    msg = str(info.value)
    assert "to itself" in msg and "p[1]" in msg and "'gp'" in msg and "LEMS_bad.xml" in msg and "line 10" in msg, msg


def test_expressions_are_grouped_as_jlems_groups_them():
    """jLEMS's parser binds '/' tighter than '*' and '-' tighter than '+' (each operator's precedence in
    org.lemsml.jlems.core.expression), so the izhikevich2007Cell's 'k (v-vr) (v-vt) + iSyn - u' is
    k (v-vr) (v-vt) + (iSyn - u). The two groupings round differently: with 1 + 1e-16 - 1e-16 the
    left-to-right reading gives 0.9999999999999999, jLEMS's gives 1.0."""
    from izh_brian.lems.expr import _eval_si, lems_expr

    same = lambda n: n  # noqa: E731
    assert lems_expr("k * (v-vr) * (v-vt) + iSyn - u", same) == "(((k * (v - vr)) * (v - vt)) + (iSyn - u))"
    assert lems_expr("a * b / c", same) == "(a * (b / c))"
    assert lems_expr("a / b * c", same) == "((a / b) * c)"
    assert lems_expr("-g / tauDecay", same) == "(-(g / tauDecay))"
    assert lems_expr("t .geq. delay .and. t .lt. duration + delay", same) == \
        "((t >= delay) and (t < (duration + delay)))"
    assert (1.0 + 1e-16) - 1e-16 != 1.0
    assert _eval_si("a + b - c", {"a": 1.0, "b": 1e-16, "c": 1e-16}) == 1.0


@needs_java
@pytest.mark.parametrize("inputs_first", [False, True])
def test_busy_network_equals_jneuroml_over_a_long_run(tmp_path, inputs_first):
    """The generated network (40 RS + 10 FS izhikevich2007Cells, 10 excitatory and 5 inhibitory
    expOneSynapse connections per cell, 1 ms delays, sustained firing) for 300 ms: every cell fires on
    jNeuroML's steps. This needs jLEMS's arithmetic to the last bit: one synapse state per connection,
    the currents added in jLEMS's attachment order, expressions grouped as jLEMS parses them and no fused
    multiply-adds. Summing the synapse states per cell and projection instead left jNeuroML's steps at
    186.6 ms; the usual left-to-right grouping of 'k (v-vr) (v-vt) + iSyn - u' at 146.35 ms. jLEMS attaches
    in the file's order: with the inputLists moved before the projections, adding each cell's input after its
    synapses (the order of the file as written) also leaves jNeuroML's steps at 146.35 ms."""
    import re

    from izh_brian.interop.neuroml_networks import make_network_files

    lems, nml = make_network_files(str(tmp_path), n_exc=40, n_inh=10, duration_ms=300.0, dt_ms=0.025,
                                   k_exc=10, k_inh=5)
    if inputs_first:
        with open(nml) as fh:
            text = fh.read()
        blocks = re.findall(r"\s*<inputList.*?</inputList>", text, re.S)
        for block in blocks:
            text = text.replace(block, "")
        cut = text.rfind("\n", 0, text.index("<projection"))
        text = text[:cut] + "".join(blocks) + text[cut:]
        assert len(blocks) == 2 and text.index("<inputList") < text.index("<projection")
        with open(nml, "w") as fh:
            fh.write(text)
    theirs = run_lems_spikes(lems)
    run = run_file(lems)
    assert steps(run) == {p: [np.rint(np.asarray(c) / 0.025).astype(int).tolist() for c in cells]
                          for p, cells in theirs.items()}
    late = sum(int(np.sum(np.asarray(c) > 200.0)) for cells in run.spike_times_ms.values() for c in cells)
    assert sum(len(c) for cells in run.spike_times_ms.values() for c in cells) > 300 and late > 100


OSB = os.path.join(EX_DIR, "osb")
OSB_FILES = ("LEMS_WhichModel.xml", "LEMS_FiveCells.xml", "LEMS_2007One.xml", "LEMS_2007Cells.xml",
             "LEMS_SmallNetwork.xml")
with open(os.path.join(DATA, "osb", "jnml_expected_spikes.json")) as fh:
    OSB_EXPECTED = json.load(fh)["files"]


@pytest.mark.parametrize("fname", OSB_FILES)
def test_opensourcebrain_izhikevich_models_run_to_jneuromls_steps(fname, capsys, tmp_path, monkeypatch):
    """OpenSourceBrain's IzhikevichModel files (izh_brian/interop/examples/osb, unchanged), run with `izh-brian neuroml run
    --json`: every population fires on jNeuroML's steps. WhichModel holds the 20 panels of Izhikevich (2004)
    Fig. 1 at 0.01 ms for 400 ms, including the class-1 (H) and accommodation (R) cells defined as LEMS
    ComponentTypes; its sensitive panels (H, Q, R) stay on jNeuroML's steps only with jLEMS's arithmetic to
    the last bit (they left them after 17, 8 and 40 spikes when expressions were grouped left to right and
    compiled with -ffast-math). The run writes nothing with --no-outputs."""
    monkeypatch.chdir(tmp_path)
    assert main(["neuroml", "run", os.path.join(OSB, fname), "--json", "--no-outputs"]) == 0
    doc = json.loads(capsys.readouterr().out)
    dt = OSB_EXPECTED[fname]["dt_ms"]
    got = {p: [np.rint(np.asarray(c) / dt).astype(int).tolist() for c in rec["spike_times_ms"]]
           for p, rec in doc["populations"].items()}
    assert got == OSB_EXPECTED[fname]["populations"]
    assert os.listdir(tmp_path) == []


@needs_java
@pytest.mark.parametrize("fname", OSB_FILES)
def test_stored_opensourcebrain_spikes_are_jneuroml_today(fname):
    """The stored spikes of the OSB files are what jNeuroML computes now."""
    theirs = run_lems_spikes(os.path.join(OSB, fname))
    dt = OSB_EXPECTED[fname]["dt_ms"]
    got = {p: [np.rint(np.asarray(c) / dt).astype(int).tolist() for c in cells] for p, cells in theirs.items()}
    assert got == OSB_EXPECTED[fname]["populations"]


POISSON = os.path.join(EX_DIR, "net_poisson.xml")


def test_poisson_inputs_fire_their_synapses_as_jneuroml(tmp_path):
    """poissonFiringSynapse (expOneSynapse) and transientPoissonFiringSynapse (expTwoSynapse, inputW weight
    1.5) at 1e9 Hz fire their synapse on every step (from delay to delay + duration for the transient one),
    which jNeuroML computes without its random numbers: the two cells fire on jNeuroML's steps. The synapse is
    the input's child, so it reads the input's copy of v from the step before; reading the current v instead
    put cells[1]'s first spike at 38.175 ms, not jNeuroML's 38.15 ms. cells[1] gets nothing before 20.01 ms
    and fires only during the burst."""
    run = run_file(POISSON)
    got = [np.rint(c / 0.025).astype(int).tolist() for c in run.spike_times_ms["cells"][:2]]
    assert got == EXPECTED["net_poisson.xml"]["populations"]["cells"]
    burst = run.spike_times_ms["cells"][1]
    assert len(burst) >= 3 and burst[0] > 20.01 and burst[-1] < 20.01 + 60 + 20


@needs_java
def test_poisson_inputs_stored_spikes_and_traces_are_jneuromls(tmp_path, capsys):
    """The stored steps are jNeuroML's today, and v of both deterministic cells is jnml's in every printed
    digit at every step (OutputFile byte for byte)."""
    theirs = run_lems_spikes(POISSON)
    assert [np.rint(c / 0.025).astype(int).tolist() for c in theirs["cells"][:2]] == \
        EXPECTED["net_poisson.xml"]["populations"]["cells"]
    jdir, ours = tmp_path / "jnml", tmp_path / "ours"
    jdir.mkdir()
    shutil.copy(POISSON, jdir)
    subprocess.run(["java", "-jar", find_jar(), "net_poisson.xml", "-nogui"], cwd=jdir, check=True,
                   capture_output=True, timeout=300)
    assert main(["neuroml", "run", POISSON, "--output-dir", str(ours)]) == 0
    assert (ours / "net_poisson.v.dat").read_bytes() == (jdir / "net_poisson.v.dat").read_bytes()


def test_poisson_input_statistics():
    """The random inputs have jNeuroML's statistics (Inputs.xml): exponential intervals of mean 1/averageRate,
    at most one event per step. 200 Hz over 20 s gives 4000 +- 63 (one standard deviation) events; the count
    must be within 4 standard deviations (a rate off by 10% is 6 away) and the intervals' coefficient of
    variation near 1 (a regular train has 0). The transient form fires only between delay and delay +
    duration, at its rate there."""
    from types import SimpleNamespace

    from izh_brian.lems.sources import poisson_input_steps

    dt = 0.025e-3
    t_next = np.cumsum(np.full(int(round(20.0 / dt)), dt))
    spec = SimpleNamespace(kind="poissonFiringSynapse", params={"rate_hz": 200.0})
    steps = poisson_input_steps(spec, t_next, seed=[20000, 0])
    assert abs(len(steps) - 4000) < 4 * np.sqrt(4000)
    isi = np.diff(steps) * dt
    assert abs(np.std(isi) / np.mean(isi) - 1) < 0.05
    assert np.all(np.diff(steps) >= 1)
    assert not np.array_equal(steps, poisson_input_steps(spec, t_next, seed=[20000, 1]))
    tr = SimpleNamespace(kind="transientPoissonFiringSynapse",
                         params={"rate_hz": 500.0, "delay_s": 5.0, "duration_s": 10.0})
    ts = poisson_input_steps(tr, t_next, seed=[20000, 2]) * dt
    assert ts.min() > 5.0 and ts.max() < 15.0
    assert abs(len(ts) - 5000) < 4 * np.sqrt(5000)
    fast = SimpleNamespace(kind="poissonFiringSynapse", params={"rate_hz": 1e9})
    assert np.array_equal(poisson_input_steps(fast, t_next[:100], seed=[20000, 3]), np.arange(1, 101))


def test_strict_float_codegen_is_scoped():
    """Inside the runner's context Brian2 compiles without -ffast-math and without fused multiply-adds (Java
    rounds every operation) and keeps expressions as written; Brian2's preferences are restored after, so
    the rest of izh_brian keeps its fast code."""
    from brian2 import prefs

    from izh_brian.lems.run import strict_float_codegen

    def current():
        return (list(prefs.codegen.cpp.extra_compile_args_gcc), list(prefs.codegen.cpp.extra_compile_args_msvc),
                prefs.codegen.loop_invariant_optimisations, prefs.codegen.runtime.cython.cache_dir)

    before = current()
    with strict_float_codegen():
        flags = prefs.codegen.cpp.extra_compile_args_gcc
        assert "-ffp-contract=off" in flags and "-ffast-math" not in flags
        # Microsoft's compiler (Windows): strict IEEE semantics, no contraction into fused multiply-adds.
        msvc = prefs.codegen.cpp.extra_compile_args_msvc
        assert "/fp:strict" in msvc and not any(f.startswith("/fp:fast") for f in msvc)
        assert prefs.codegen.loop_invariant_optimisations is False
        assert str(prefs.codegen.runtime.cython.cache_dir).endswith("_ieee")
    assert current() == before
