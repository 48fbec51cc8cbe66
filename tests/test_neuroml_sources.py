"""spikeGeneratorRandom, spikeGeneratorRefPoisson and timedSynapticInput, run as jNeuroML (jLEMS) runs them.

Rules (NeuroML2 core ``Inputs.xml``, jNeuroML 0.14.0):

- ``timedSynapticInput``: each ``spike`` child fires on the first step whose running-sum time reaches its time
  (``(t .geq. time) .and. (spiked .eq. 0)``) and, through the input's ``OnEvent port="in"``, fires the input's
  own synapse at the end of that step, once per spike. jLEMS connects an input to its cell by an
  EventConnection from the cell, so the cell's own spikes reach that port too and fire the synapse as well.
- ``spikeGeneratorRandom``: intervals ``minISI + MSEC * random((maxISI - minISI) / MSEC)``, uniform on
  [minISI, maxISI); a spike on the first step with ``t > tnext``, then ``tnext = tnext + isi``.
- ``spikeGeneratorRefPoisson`` (extends spikeGeneratorPoisson): intervals ``minimumISI - (averageIsi -
  minimumISI) * log(random(1))``, so at least minimumISI and of mean ``averageIsi = 1 / averageRate``; a spike
  on the first step with ``t > tnextUsed``, ``tnextIdeal`` accumulating the intervals and ``tnextUsed`` the
  next step when the ideal time has passed: at most one spike per step.

``tests/data/net_more_sources.xml`` drives the random sources deterministically (minISI = maxISI; minimumISI =
1 / averageRate) and holds two timedSynapticInputs; jNeuroML's output files for it are stored in
``tests/data/jnml_net_more_sources`` and compared byte for byte. The random sources are compared with jNeuroML
by their statistics (``tests/data/net_random_sources.xml``), since jNeuroML draws its own random numbers.
"""

import os
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("defusedxml", reason="reading NeuroML needs defusedxml (the neuroml extra)")
pytest.importorskip("lems", reason="running NeuroML networks needs PyLEMS (installed with pyNeuroML)")

from izh_brian.interop.jneuroml import jneuroml_available  # noqa: E402
from izh_brian.lems.sources import source_steps, timed_input_steps  # noqa: E402
from izh_brian.interop.jneuroml import run_lems_spikes  # noqa: E402
from izh_brian.lems import NeuroMLError, read_model, run_file, run_model  # noqa: E402
from jnml_files import assert_jneuroml_equal_stored, assert_ours_equal_stored  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data")
MORE = os.path.join(DATA, "net_more_sources.xml")
STORED = os.path.join(DATA, "jnml_net_more_sources")  # jNeuroML 0.14.0's output files for net_more_sources.xml
OUTPUTS = ("net_more_sources.v.dat", "net_more_sources.spikes")
RANDOM = os.path.join(DATA, "net_random_sources.xml")
JAVA_OK, JAVA_WHY = jneuroml_available()
needs_java = pytest.mark.skipif(not JAVA_OK, reason=JAVA_WHY)


def clock(dt_s, T_s):
    """jLEMS's running-sum clock: t_1 .. t_n."""
    return np.cumsum(np.full(int(round(T_s / dt_s)), dt_s))


def src(kind, **params):
    return SimpleNamespace(kind=kind, params=params)


# ----------------------------------------------------------------------------- jNeuroML's output, byte for byte

def test_timed_inputs_and_regular_random_sources_give_jneuromls_files(tmp_path):
    """v of all four cells at every step and the spikes of the sources and cells equal jNeuroML's output files
    byte for byte: the timed inputs' spikes (on grid times, two in one step, one at 0 ms, one after the end,
    weight 2 through an inputW, expOne and expTwo synapses) and the deterministic random sources (minISI =
    maxISI = 1 ms and 2.5 ms, RefPoisson at 500 Hz with minimumISI 2 ms and at 400 Hz with 2.5 ms) through
    zero-delay and delayed projections. Without the cell's own spikes firing its timed input's synapse, v of
    cells[0] left jNeuroML's numbers at 14.9 ms, the step after its first spike (measured)."""
    assert_ours_equal_stored(MORE, STORED, OUTPUTS, tmp_path)


def test_stored_source_spikes_follow_the_rules():
    """The stored jNeuroML spikes of the deterministic sources are the rules' steps on the running-sum clock:
    spikeGeneratorRandom ``t > tnext`` with tnext accumulating minISI, RefPoisson the same with tnextIdeal; on
    the grid the clock's rounding decides (1 ms: 2 ms is on step 80, 3 ms on step 121)."""
    t_next = clock(2.5e-5, 0.1)
    ev = np.loadtxt(os.path.join(STORED, "net_more_sources.spikes"), ndmin=2)
    got = {k: np.rint(ev[ev[:, 1] == k, 0] / 2.5e-5).astype(int).tolist() for k in range(4)}
    assert got[0] == source_steps(src("spikeGeneratorRandom", min_isi_s=1e-3, max_isi_s=1e-3), t_next)
    assert got[1] == source_steps(src("spikeGeneratorRandom", min_isi_s=2.5e-3, max_isi_s=2.5e-3), t_next)
    assert got[2] == source_steps(src("spikeGeneratorRefPoisson", rate_hz=500.0, min_isi_s=2e-3), t_next)
    assert got[3] == source_steps(src("spikeGeneratorRefPoisson", rate_hz=400.0, min_isi_s=2.5e-3), t_next)
    assert got[0][:3] == [41, 80, 121]  # not every 40 steps: the clock's rounding decides on the grid


@needs_java
def test_stored_output_is_jneuromls(tmp_path):
    """The stored files are what jNeuroML writes for net_more_sources.xml today (so they cannot go stale)."""
    assert_jneuroml_equal_stored(MORE, STORED, OUTPUTS, tmp_path)


def test_timed_input_steps():
    """Each spike fires on the first step whose running-sum time reaches its time, one event per spike (two
    spikes in one step fire twice); a spike at 0 fires on the first step, one after the end never."""
    t_next = clock(2.5e-5, 0.01)
    spec = src("timedSynapticInput", times_s=[0.0, 2e-3, 2e-3, 2.01e-3, 5.0125e-3, 0.02])
    steps = timed_input_steps(spec, t_next).tolist()
    first = [int(np.searchsorted(t_next, x, side="left")) + 1 for x in (2e-3, 2.01e-3, 5.0125e-3)]
    assert steps == [1, first[0], first[0], first[1], first[2]]
    assert t_next[first[0] - 1] >= 2e-3 > t_next[first[0] - 2]


# ----------------------------------------------------------------------------- statistics

def test_spike_generator_random_statistics():
    """spikeGeneratorRandom (minISI 2 ms, maxISI 6 ms, dt 0.1 ms, 200 s, about 50000 spikes): every interval is
    within [minISI, maxISI] to the step (20 to 60 steps: the ideal times accumulate the intervals and a
    spike comes less than one step after its ideal time, so an interval is within a step of one drawn), the intervals fill the range, and their mean is the midpoint 4 ms
    within 4 standard errors (0.005 ms each). A generator that counts the interval from the spike's step
    (``tnext = t + isi``) adds half a step, 0.05 ms (10 standard errors); one uniform on [0, maxISI] breaks the
    bounds. Different seeds give different trains."""
    dt = 1e-4
    t_next = clock(dt, 200.0)
    spec = src("spikeGeneratorRandom", min_isi_s=2e-3, max_isi_s=6e-3)
    steps = np.array(source_steps(spec, t_next, seed=[10000, 0, 0]))
    isi = np.diff(steps)
    n = len(isi)
    assert n > 45000
    assert isi.min() >= 20 and isi.max() <= 60
    assert isi.min() <= 21 and isi.max() >= 59
    se = 4e-3 / np.sqrt(12 * n)
    assert abs(isi.mean() * dt - 4e-3) < 4 * se
    below = np.mean(isi < 40) + np.mean(isi == 40) / 2  # uniform: half below the midpoint (40 steps)
    assert abs(below - 0.5) < 4 * np.sqrt(0.25 / n)
    assert abs(isi.std() * dt / (4e-3 / np.sqrt(12)) - 1) < 0.02
    assert not np.array_equal(steps[:50], source_steps(spec, t_next[:20000], seed=[10000, 0, 1])[:50])


def test_spike_generator_ref_poisson_statistics():
    """spikeGeneratorRefPoisson (250 Hz, minimumISI 2 ms, dt 0.25 ms, 400 s, about 100000 spikes): no interval
    below minimumISI to the step (at least 8 steps), the rate is averageRate within 4 standard errors of the
    mean interval (2 ms / sqrt(n), 0.006 ms), and beyond minimumISI the intervals are exponential of mean
    averageIsi - minimumISI = 2 ms (shares e^-0.5 above 3 ms and e^-2 above 6 ms, within 0.01). Counting the interval from the spike's step
    (``t + isi``) adds half a step, 0.125 ms (20 standard errors); leaving out minimumISI breaks the bound; a
    plain exponential of mean averageIsi gives shares 0.47 and 0.22 instead of 0.61 and 0.14."""
    dt = 2.5e-4
    t_next = clock(dt, 400.0)
    spec = src("spikeGeneratorRefPoisson", rate_hz=250.0, min_isi_s=2e-3)
    steps = np.array(source_steps(spec, t_next, seed=[10000, 1, 0]))
    isi = np.diff(steps) * dt
    n = len(isi)
    assert n > 95000
    assert np.diff(steps).min() >= 8
    assert abs(isi.mean() - 4e-3) < 4 * 2e-3 / np.sqrt(n)
    d = np.diff(steps)
    for steps_x, share in ((12, np.exp(-0.5)), (24, np.exp(-2))):  # 3 ms and 6 ms: e^-(x - 2 ms) / 2 ms
        assert abs(np.mean(d > steps_x) + np.mean(d == steps_x) / 2 - share) < 0.01


def test_spike_generator_poisson_follows_the_ideal_times():
    """spikeGeneratorPoisson (Inputs.xml: tnextIdeal accumulates the intervals, tnextUsed is the next step when
    it has passed) at 1000 Hz and dt 0.1 ms keeps its rate: 200000 +- 447 spikes over 200 s; counting each
    interval from the spike's step, as this runner did before, gave 190300 (measured with that rule's loop)."""
    t_next = clock(1e-4, 200.0)
    steps = source_steps(src("spikeGeneratorPoisson", rate_hz=1000.0), t_next, seed=[10000, 2, 0])
    assert abs(len(steps) - 200000) < 4 * np.sqrt(200000)
    assert np.all(np.diff(steps) >= 1)


def test_random_sources_run_per_population_and_cell():
    """Run as populations (tests/data/net_random_sources.xml, 3 x 20 cells, 2 s at 0.1 ms): every cell gets its
    own train (seeded by population and cell), the run repeats itself, and the rates are the components'
    (counts within 4 standard deviations: 40000 +- 200, 10000 +- 50, 20000 +- 41)."""
    runs = [run_file(RANDOM) for _ in range(2)]
    spikes = runs[0].spike_times_ms
    for pop in spikes:
        assert all(np.array_equal(a, b) for a, b in zip(spikes[pop], runs[1].spike_times_ms[pop]))
        firsts = {tuple(np.round(c[:5], 6)) for c in spikes[pop]}
        assert len(firsts) == 20
    count = {p: sum(len(c) for c in cells) for p, cells in spikes.items()}
    assert abs(count["pois"] - 40000) < 4 * 200
    assert abs(count["refp"] - 10000) < 4 * 50
    assert abs(count["rand"] - 20000) < 4 * 41
    isi = np.concatenate([np.diff(c) for c in spikes["refp"]])
    assert isi.min() > 2.0 - 0.1 - 1e-9
    isi = np.concatenate([np.diff(c) for c in spikes["rand"]])
    assert isi.min() > 1.0 - 0.1 - 1e-9 and isi.max() < 3.0 + 0.1 + 1e-9


@needs_java
def test_random_sources_have_jneuromls_statistics():
    """jNeuroML and izh_brian on net_random_sources.xml: spike counts per population within 4 standard
    deviations of each other (sqrt 2 of one run's: Poisson 283, RefPoisson 71, Random 58) and the same bounds
    on the intervals. Measured: Poisson 39732 (jNeuroML) and 39947, RefPoisson 9991 and 9975, Random 20029 and
    19993."""
    theirs = run_lems_spikes(RANDOM)
    ours = run_file(RANDOM).spike_times_ms
    for pop, sd in (("pois", 200), ("refp", 50), ("rand", 41)):
        n_t = sum(len(c) for c in theirs[pop])
        n_o = sum(len(c) for c in ours[pop])
        assert abs(n_t - n_o) < 4 * np.sqrt(2) * sd, (pop, n_t, n_o)
    for d in (theirs, ours):
        isi = np.concatenate([np.diff(c) for c in d["refp"]])
        assert isi.min() > 2.0 - 0.1 - 1e-9
        isi = np.concatenate([np.diff(c) for c in d["rand"]])
        assert isi.min() > 1.0 - 0.1 - 1e-9 and isi.max() < 3.0 + 0.1 + 1e-9


# ----------------------------------------------------------------------------- refusals

def write(tmp_path, body):
    text = f"""<Lems>
  <Target component="s"/>
  <Include file="Cells.xml"/><Include file="Networks.xml"/><Include file="Inputs.xml"/>
  <Include file="Synapses.xml"/><Include file="Simulation.xml"/>
  <izhikevichCell id="iz" v0="-70mV" thresh="30mV" a="0.02" b="0.2" c="-65" d="6"/>
  <expOneSynapse id="syn" gbase="1nS" erev="0mV" tauDecay="2ms"/>
{body}
  <Simulation id="s" length="10ms" step="0.025ms" target="n"/>
</Lems>"""
    path = tmp_path / "LEMS_bad.xml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("body,element,line", [
    ('<voltageClamp id="vc" delay="0ms" duration="5ms" targetVoltage="-50mV" simpleSeriesResistance="1e6ohm"/>',
     "voltageClamp", 7),
    ('<voltageClampTriple id="vc" active="1" delay="0ms" duration="5ms" conditioningVoltage="-70mV"\n'
     ' testingVoltage="-50mV" returnVoltage="-70mV" simpleSeriesResistance="1e6ohm"/>', "voltageClampTriple", 7),
    ('<spikeGeneratorRefPoisson id="r" averageRate="500Hz" minimumISI="3ms"/>', "spikeGeneratorRefPoisson", 7),
    ('<spikeGeneratorRandom id="r" minISI="3ms" maxISI="2ms"/>', "spikeGeneratorRandom", 7),
    ('<timedSynapticInput id="ti" synapse="syn" spikeTarget="./syn">\n<spike id="0" time="1ms"/>\n'
     '<pulse id="1" time="2ms"/></timedSynapticInput>', "pulse", 9),
    ('<timedSynapticInput id="ti" synapse="syn" spikeTarget="./other"><spike id="0" time="1ms"/>'
     '</timedSynapticInput>', "timedSynapticInput", 7),
    ('<timedSynapticInput id="ti" synapse="syn" spikeTarget="./syn"><spike id="0" time="1ms"/>'
     '</timedSynapticInput>\n<network id="n"><population id="p" component="iz" size="1"/>\n'
     '<explicitInput target="p[0]" input="ti"/></network>', "explicitInput", 9),
])
def test_refusals_name_element_file_and_line(tmp_path, body, element, line):
    """What is still refused (the voltage clamps), a RefPoisson whose minimumISI exceeds 1 / averageRate, a
    Random with minISI > maxISI, a timedSynapticInput with another child than spike or another spikeTarget than
    its synapse, and one driving an izhikevichCell (which takes the dimensionless inputs) are refused in one line
    naming the element, the file and the line."""
    with pytest.raises(NeuroMLError) as info:
        run_model(read_model(write(tmp_path, body)))
    msg = str(info.value)
    assert f"<{element}>" in msg and "LEMS_bad.xml" in msg and f"line {line}" in msg, msg
    assert "\n" not in msg
