"""``izh-brian neuroml run|export`` and ``izh-brian crosscheck``: the public command-line interface.

The ``--json`` field names are a public interface; user errors exit with
status 2 and one line on stderr.
"""

import json
import os

import numpy as np
import oracle
import pytest

from izh_brian.cli import main
from izh_brian.interop import ROW_KEYS
from izh_brian.interop.nest import nest_available
from izh_brian.lems import run_file

DATA = os.path.join(os.path.dirname(__file__), "data")
NEST_OK, NEST_WHY = nest_available()
try:
    import defusedxml  # noqa: F401

    XML_OK, XML_WHY = True, ""
except ImportError:
    XML_OK, XML_WHY = False, "reading NeuroML needs defusedxml (the neuroml extra)"
needs_xml = pytest.mark.skipif(not XML_OK, reason=XML_WHY)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@needs_xml
def test_export_then_run_json(tmp_path, capsys):
    """Exported presets run from the LEMS file: --json gives duration_ms, dt_ms and, per population,
    its size and one spike-time list per cell, equal to the library's run of the same file."""
    target = tmp_path / "LEMS_pair.xml"
    code, out, err = run_cli(capsys, "neuroml", "export", "tonic_spiking", "RS", "-o", str(target))
    assert code == 0, err
    assert target.exists() and (tmp_path / "pair.net.nml").exists()
    code, out, err = run_cli(capsys, "neuroml", "run", str(target), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"duration_ms", "dt_ms", "populations"}
    assert (doc["duration_ms"], doc["dt_ms"]) == (150.0, 0.25)
    assert set(doc["populations"]) == {"pop_tonic_spiking", "pop_RS"}
    expected = run_file(target)
    for pop, rec in doc["populations"].items():
        assert set(rec) == {"size", "spike_times_ms"}
        assert rec["size"] == 1 and len(rec["spike_times_ms"]) == 1
        np.testing.assert_array_equal(rec["spike_times_ms"][0], expected.spike_times_ms[pop][0])
        assert len(rec["spike_times_ms"][0]) > 0


@needs_xml
def test_run_text_and_overrides(tmp_path, capsys):
    """Without --json one line per cell; --duration/--dt supply the Simulation a bare NeuroML file lacks."""
    run_cli(capsys, "neuroml", "export", "tonic_spiking", "-o", str(tmp_path / "LEMS_t.xml"))
    nml = str(tmp_path / "t.net.nml")
    code, out, err = run_cli(capsys, "neuroml", "run", nml)
    assert code == 2 and "Simulation" in err and len(err.strip().splitlines()) == 1
    code, out, err = run_cli(capsys, "neuroml", "run", nml, "--duration", "50", "--dt", "0.25")
    assert code == 0, err
    # tonic_spiking starts at rest (V0 = -70, u0 = -14, I(0) = 0), so jLEMS's loop (input of t_k+1,
    # spike stamped at t_k+1) is forward Euler on the preset's grid: the oracle's spikes up to 50 ms.
    expected = [t for t in oracle.run_euler("tonic_spiking") if t <= 50]
    assert len(expected) >= 2
    shown = ", ".join(f"{t:g}" for t in expected)
    assert f"pop_tonic_spiking[0]: {len(expected)} spikes: [{shown}]" in out
    code, out, err = run_cli(capsys, "neuroml", "run", nml, "--duration", "50", "--dt", "-1")
    assert code == 2 and "--dt" in err


@needs_xml
@pytest.mark.parametrize("argv,needle", [
    (["neuroml", "run", os.path.join(DATA, "unsupported_element.nml")], "iafCell"),
    (["neuroml", "run", os.path.join(DATA, "malformed.nml")], "line 5"),
    (["neuroml", "run", os.path.join(DATA, "entity_expansion.xml")], "unsafe XML"),
    (["neuroml", "run", os.path.join(DATA, "no_such_file.xml")], "no_such_file.xml"),
    (["neuroml", "export", "no_such_preset", "-o", "x.xml"], "no_such_preset"),
    (["neuroml", "export", "accommodation", "-o", "x.xml"], "no -u term"),
    (["crosscheck", "--simulator", "neuron"], "invalid choice"),
])
def test_user_errors_are_one_line_exit_2(argv, needle, capsys, tmp_path, monkeypatch):
    """Bad files, names and options exit with status 2 and one line naming the problem, no traceback."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], err
    assert "Traceback" not in err


@pytest.mark.skipif(not NEST_OK, reason=NEST_WHY)
def test_crosscheck_nest_json(capsys):
    """crosscheck --simulator nest --json: one row per preset and NEST scheme with the stable keys;
    the standard presets agree with NEST to the step, the three variant presets are skipped with a reason."""
    code, out, err = run_cli(capsys, "crosscheck", "--simulator", "nest", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 56
    for r in rows:
        assert set(ROW_KEYS) <= set(r)
        assert r["simulator"] in ("nest", "nest_published")
    skipped = [r for r in rows if r["agree"] is None]
    assert {r["name"] for r in skipped} == {"class_1_excitable", "integrator", "accommodation"}
    assert all(r["reason"] for r in skipped)
    assert all(r["agree"] is True and r["max_dt_ms"] < 1e-9 for r in rows if r["agree"] is not None)


@pytest.mark.skipif(not NEST_OK, reason=NEST_WHY)
def test_crosscheck_table(capsys):
    """The human table lists each preset with its counts and 'yes', and a summary line."""
    code, out, err = run_cli(capsys, "crosscheck", "--simulator", "nest")
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("tonic_spiking") and " nest " in x)
    assert line.split()[2:4] == ["5", "5"] and "yes" in line
    assert "50/50 compared rows agree to the step; 6 skipped" in out


@needs_xml
def test_neuroml_run_ex2_equals_jneuroml(tmp_path, capsys):
    """`izh-brian neuroml run` on jNeuroML's own Ex2 prints, for all four cells, jNeuroML's spike times to the step."""
    from izh_brian.interop.jneuroml import extract_example, jneuroml_available
    from izh_brian.interop.jneuroml import run_lems_spikes

    ok, why = jneuroml_available()
    if not ok:
        pytest.skip(why)
    ex2 = extract_example(dest=str(tmp_path))
    code, out, err = run_cli(capsys, "neuroml", "run", ex2, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["dt_ms"] == 0.005 and doc["duration_ms"] == 200.0
    theirs = run_lems_spikes(ex2)
    assert set(doc["populations"]) == set(theirs) and len(theirs) == 4
    for pop, rec in doc["populations"].items():
        ours = np.rint(np.asarray(rec["spike_times_ms"][0]) / 0.005)
        np.testing.assert_array_equal(ours, np.rint(theirs[pop][0] / 0.005), err_msg=pop)
        assert len(ours) > 0
