"""Three places where jLEMS's order of work decides the numbers: delayed events on its running-sum clock, gap
junctions between cells of one population, and the DerivedVariables an OutputFile records.

Delayed events
--------------

jLEMS keeps time as a running sum of the step in seconds. A spike stamped ``T[s]`` queues its event at
``T[s] + delay`` (``EventManager.addEvent`` uses the time of the step being computed) and the event is handed over
when the first step computing a time ``T[m] >= T[s] + delay`` starts (``PendingEvent.beforeOrEqual``). Rounding makes
``m - s`` one step shorter on a few stamps: at 0.025 ms with a 1 ms delay, on steps 9, 53, 278 and 1220 of the
first 4000. ``tests/data/net_delays.xml`` fires spikeArray sources exactly there, through 0.5, 1 and 3 ms delays,
into three cells; a runner that reads the delay from the step before the stamp hands those events over one step
late, and v of the cells leaves jNeuroML's numbers at once. (A 1000-cell network fires many spikes on such steps:
this is what kept it off jNeuroML's steps.)

Gap junctions within a population
---------------------------------
A gapJunction (Synapses.xml) computes ``weight * conductance * (vpeer - v)`` with its peer instance's copy of v.
Each instance copies its cell's v when it advances, just before its cell, and jLEMS advances the cells of a
population one after the other: a cell reads the copy of this step from a peer that comes earlier (in an earlier
population or earlier in its own) and the copy of the step before from a peer that comes later.
``tests/data/net_gap_within.xml`` joins four cells of one population forwards and backwards and one of them to a
cell of an earlier population; a runner that gives every cell its peers' v of this step leaves jNeuroML's numbers
within 13 steps and fires its first spike on another step.

Recorded DerivedVariables
-------------------------
jnml records a DerivedVariable (``iSyn``, the sum over a cell's attachments) as jLEMS last computed it: in the first
row the value of its start (each input's current at its start value: a ramp's ``baselineAmplitude``, without
weight; 0 for the pulse and sine generators, whose ``i`` is a StateVariable set by OnConditions; a compoundInput's
weight times its children's), in every later row the value computed in that step from the state before it.
``tests/data/net_record_derived.xml`` records ``iSyn`` of cells driven by a ramp, a sine, a weighted compoundInput
and a synapse.
"""

import os

import numpy as np
import pytest

pytest.importorskip("defusedxml", reason="reading NeuroML needs defusedxml (the neuroml extra)")
pytest.importorskip("lems", reason="running NeuroML networks needs PyLEMS (installed with pyNeuroML)")

from izh_brian.interop.jneuroml import jneuroml_available  # noqa: E402
from izh_brian.lems import NeuroMLError, read_model, run_model  # noqa: E402
from jnml_files import assert_jneuroml_equal_stored, assert_ours_equal_stored  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data")
FILE = os.path.join(DATA, "net_delays.xml")
STORED = os.path.join(DATA, "jnml_net_delays")  # jNeuroML 0.14.0's output files for net_delays.xml
OUTPUTS = ("net_delays.v.dat", "net_delays.spikes")
# name -> (file, folder of jNeuroML 0.14.0's output files, output file names)
CASES = {"delays": (FILE, STORED, OUTPUTS),
         "gap_within": (os.path.join(DATA, "net_gap_within.xml"), os.path.join(DATA, "jnml_net_gap_within"),
                        ("net_gap_within.v.dat", "net_gap_within.spikes")),
         "record_derived": (os.path.join(DATA, "net_record_derived.xml"), os.path.join(DATA, "jnml_net_record_derived"),
                            ("net_record_derived.dat",))}
JAVA_OK, JAVA_WHY = jneuroml_available()


def _running_sum_boundaries(delay_s, dt_s=2.5e-5, n=4000):
    T = np.concatenate([[0.0], np.cumsum(np.full(n, dt_s))])
    off = np.searchsorted(T, T + delay_s, side="left") - np.arange(len(T))
    return [s for s in range(1, n - 200) if off[s] != off[s - 1]]


def test_the_file_fires_on_the_steps_where_the_delay_changes():
    """The sources' spikes sit exactly on the stamps where m - s drops by one, so the file tests that case."""
    stamps = np.loadtxt(os.path.join(STORED, "net_delays.spikes"), ndmin=2)
    steps = {int(i): [] for i in stamps[:, 1]}
    for t, i in stamps:
        steps[int(i)].append(int(round(t / 2.5e-5)))
    assert steps[0] == _running_sum_boundaries(0.5e-3)
    assert steps[1] == _running_sum_boundaries(1e-3)
    assert steps[2] == _running_sum_boundaries(3e-3)


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_equal_jneuroml_byte_for_byte(case, tmp_path):
    """delays: v of the three receiving cells at every step, and the source spikes; gap_within: v of the five
    cells at every step and their spikes; record_derived: iSyn of four cells, v and u of one, at every step. Each
    equals jNeuroML's output files byte for byte."""
    assert_ours_equal_stored(*CASES[case], tmp_path)


def test_gap_junctions_within_a_population_carry_spikes():
    """The file exercises the case: ring[1], which has no input of its own, fires through its junctions with the
    driven ring[0] (EventSelection ids: 1 ring[0], 2 ring[1])."""
    stamps = np.loadtxt(os.path.join(CASES["gap_within"][1], "net_gap_within.spikes"), ndmin=2)
    fired = set(stamps[:, 1].astype(int).tolist())
    assert {1, 2} <= fired


@pytest.mark.skipif(not JAVA_OK, reason=JAVA_WHY)
@pytest.mark.parametrize("case", sorted(CASES))
def test_stored_output_is_jneuroml_s(case, tmp_path):
    """The stored files are what jNeuroML writes today (so they cannot go stale)."""
    assert_jneuroml_equal_stored(*CASES[case], tmp_path)


def test_recorded_derived_variables_start_as_jlems_starts_them():
    """The first row: the ramp's baseline (20 pA, no weight), 0 for the sine although sin(1) > 0 at t = 0, the
    compoundInput's 1.5 * (0 + 30 pA) (its ramp's baseline), 0 for the synapse; the second row the ramp's
    baseline still (its delay is 5 ms) and the sine's value at the end of the first step."""
    rows = np.loadtxt(os.path.join(CASES["record_derived"][1], "net_record_derived.dat"))
    np.testing.assert_array_equal(rows[0, 1:5], [2e-11, 0.0, 4.5e-11, 0.0])
    assert rows[1, 1] == 2e-11 and rows[1, 2] > 0


def test_recording_an_unknown_variable_names_what_can_be_recorded(tmp_path):
    """An OutputColumn of a variable the cell does not have is refused before running, naming it and the
    recordable ones (state variables and DerivedVariables)."""
    text = open(CASES["record_derived"][0]).read().replace('quantity="p[3]/u"', 'quantity="p[3]/w"')
    bad = tmp_path / "bad.xml"
    bad.write_text(text)
    with pytest.raises(NeuroMLError) as info:
        run_model(read_model(str(bad)))
    msg = str(info.value)
    assert "'w'" in msg and "iSyn" in msg and "v, u" in msg, msg
