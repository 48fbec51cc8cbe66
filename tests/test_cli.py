"""The `izh-brian list/run` command: JSON interface, exact spike times, and one-line errors with exit status 2."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import oracle
import pytest
from tolerances import SPIKE_TIME_ATOL_MS

from izh_brian.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_names_all_28_presets(capsys):
    """`list --json` gives one record per reference preset, with its parameters and protocol."""
    code, out, _ = run_cli(capsys, "list", "--json")
    assert code == 0
    records = json.loads(out)
    assert [r["name"] for r in records] == list(oracle.PROTOCOLS)
    tb = next(r for r in records if r["name"] == "tonic_bursting")
    assert (tb["a"], tb["b"], tb["c"], tb["d"], tb["dt_ms"], tb["duration_ms"]) == (0.02, 0.2, -50, 2, 0.25, 220)


def test_run_all_json_gives_the_reference_spike_times(capsys):
    """`run --all --json` reproduces, for every preset, the independent transcription's spike times."""
    code, out, _ = run_cli(capsys, "run", "--all", "--json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 28
    for rec in records:
        assert {"name", "scheme", "dt_ms", "duration_ms", "spike_times_ms"} <= set(rec)
        expected, _ = oracle.run_figure1(rec["name"])
        assert rec["scheme"] == "figure1"
        assert len(rec["spike_times_ms"]) == len(expected), rec["name"]
        np.testing.assert_allclose(rec["spike_times_ms"], expected, atol=SPIKE_TIME_ATOL_MS, rtol=0)


def test_run_with_overrides_and_scheme(capsys):
    """`--set d=8` changes the neuron and `--scheme euler --dt 0.1` the numerics, as the JSON reports."""
    code, out, _ = run_cli(capsys, "run", "TONIC_BURSTING", "--set", "d=8", "--scheme", "euler", "--dt", "0.1", "--json")
    assert code == 0
    rec = json.loads(out)[0]
    assert rec["name"] == "tonic_bursting" and rec["scheme"] == "euler" and rec["dt_ms"] == 0.1
    assert rec["params"]["d"] == 8
    # The spikes are forward Euler's at 0.1 ms for the changed neuron (independent transcription).
    expected = oracle.run_euler("tonic_bursting", 0.1, d=8)
    assert len(rec["spike_times_ms"]) == len(expected) > 0
    np.testing.assert_allclose(rec["spike_times_ms"], expected, atol=SPIKE_TIME_ATOL_MS, rtol=0)
    assert expected != oracle.run_euler("tonic_bursting", 0.1)  # d=8 really changed the neuron


def test_run_plot_writes_a_figure(capsys, tmp_path):
    """`--plot FILE` saves the traces as an image."""
    target = tmp_path / "traces.png"
    code, _, _ = run_cli(capsys, "run", "tonic_spiking", "phasic_spiking", "--plot", str(target))
    assert code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["run", "tonic_spikin"], "unknown preset 'tonic_spikin'; closest: tonic_spiking"),
        (["run", "tonic_spiking", "--set", "q=1"], "unknown --set key 'q'; allowed: a, b, c, d, V0, u0, duration"),
        (["run", "tonic_spiking", "--set", "a=fast"], "--set a: 'fast' is not a number"),
        (["run", "tonic_spiking", "--set", "a"], "--set expects KEY=VALUE, got 'a'"),
        (["run", "tonic_spiking", "--dt", "0"], "--dt must be > 0 ms, got 0"),
        (["run", "tonic_spiking", "--dt", "-1"], "--dt must be > 0 ms, got -1"),
        (["run", "tonic_spiking", "--dt", "101"], "dt must be at most the duration (100 ms), got 101"),
        (["run", "tonic_spiking", "--dt", "x"], "--dt: 'x' is not a number of ms"),
        (["run", "tonic_spiking", "--scheme", "rk5"], "unknown scheme 'rk5'; allowed: figure1, net2003"),
        (["run", "tonic_spiking", "--scheme", "rk4", "--dt", "2"], "diverged"),
        (["run"], "give at least one preset name, or --all"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    """Each bad input names the value and what is allowed, on one line, with exit status 2."""
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.skipif(shutil.which("izh-brian") is None and not os.path.exists(os.path.join(os.path.dirname(sys.executable), "izh-brian")),
                    reason="izh-brian entry point not installed")
def test_installed_command_has_no_traceback_on_errors():
    """The installed `izh-brian` script itself exits 2 without a traceback for an unknown preset."""
    exe = os.path.join(os.path.dirname(sys.executable), "izh-brian")
    exe = exe if os.path.exists(exe) else shutil.which("izh-brian")
    proc = subprocess.run([exe, "run", "nosuch"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unknown preset 'nosuch'" in proc.stderr
