"""Delayed events on jLEMS's running-sum clock, to the step.

jLEMS keeps time as a running sum of the step in seconds. A spike stamped ``T[s]`` queues its event at
``T[s] + delay`` (``EventManager.addEvent`` uses the time of the step being computed) and the event is handed over
when the first step computing a time ``T[m] >= T[s] + delay`` starts (``PendingEvent.beforeOrEqual``). Rounding makes
``m - s`` one step shorter on a few stamps: at 0.025 ms with a 1 ms delay, on steps 9, 53, 278 and 1220 of the
first 4000. ``tests/data/net_delays.xml`` fires spikeArray sources exactly there, through 0.5, 1 and 3 ms delays,
into three cells; a runner that reads the delay from the step before the stamp hands those events over one step
late, and v of the cells leaves jNeuroML's numbers at once. (A 1000-cell network fires many spikes on such steps:
this is what kept it off jNeuroML's steps.)
"""

import os
import shutil

import numpy as np
import pytest

pytest.importorskip("defusedxml", reason="reading NeuroML needs defusedxml (the neuroml extra)")
pytest.importorskip("lems", reason="running NeuroML networks needs PyLEMS (installed with pyNeuroML)")

from izh_brian.interop.jneuroml import jneuroml_available, run_jneuroml  # noqa: E402
from izh_brian.interop.neuroml import read_model, run_model, write_outputs  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data")
FILE = os.path.join(DATA, "net_delays.xml")
STORED = os.path.join(DATA, "jnml_net_delays")  # jNeuroML 0.14.0's output files for net_delays.xml
OUTPUTS = ("net_delays.v.dat", "net_delays.spikes")
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


def test_delayed_events_are_handed_over_on_jneuroml_steps(tmp_path):
    """v of the three receiving cells at every step, and the source spikes, equal jNeuroML's output files byte
    for byte."""
    model = read_model(FILE)
    write_outputs(model, run_model(model), str(tmp_path))
    for name in OUTPUTS:
        with open(tmp_path / name) as ours, open(os.path.join(STORED, name)) as theirs:
            assert ours.read() == theirs.read(), name


@pytest.mark.skipif(not JAVA_OK, reason=JAVA_WHY)
def test_stored_output_is_jneuroml_s(tmp_path):
    """The stored files are what jNeuroML writes for net_delays.xml today (so they cannot go stale)."""
    shutil.copy(FILE, tmp_path)
    run_jneuroml(str(tmp_path / "net_delays.xml"))
    for name in OUTPUTS:
        with open(tmp_path / name) as fresh, open(os.path.join(STORED, name)) as stored:
            assert fresh.read() == stored.read(), name
