"""Resource bombs: a small argument or a small file must not take the machine down.

Before commit 8d113a5, ``izh-brian run tonic_spiking --dt 1e-9`` and ``--set duration=1e9`` ended in a
Brian2 traceback (``ArrayMemoryError ... 745 GiB``), a 572-byte ``.npz`` with ``dt_ms = 1e-7`` (1e9 steps)
drove ``izh-brian check`` to 15 GB until the kernel killed it, and a 3 MB ``.npz`` declaring 400 million
floats was loaded whole (6.6 GB, 93 s) before its error. Every entry point now estimates neuron-steps and
bytes first (``izh_brian.limits``) and refuses past the limit with exit 2 and one line that holds the
estimate and how to raise the limit. Each case here is cheap to refuse and would run for minutes or exhaust
memory if the refusal went missing.
"""

from __future__ import annotations

import struct
import zipfile

import numpy as np
import pytest

from izh_brian import simulate
from izh_brian.cli import main
from izh_brian.interop.neuroml_examples import example_path
from izh_brian.limits import ResourceLimitError, limits

def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_refusal(code, err, *needles):
    assert code == 2, err
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line, err
    for needle in needles:
        assert needle in line, line
    return line


def _npz_declaring(path, n_floats: int):
    """A small .npz whose one member's header declares ``n_floats`` float64 values (its data is absent)."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % n_floats
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    blob = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 1000
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("spike_times_ms.npy", blob)
    assert path.stat().st_size < 2000
    return path


@pytest.mark.parametrize("argv, needles", [
    # 1e11 steps of one neuron: over the neuron-step limit, with the estimate
    (["run", "tonic_spiking", "--dt", "1e-9"], ["1e+11 steps", "neuron-steps is over the limit", "--max-steps"]),
    # 4e9 steps recorded: over the memory limit, with the estimate in GiB
    (["run", "tonic_spiking", "--set", "duration=1e9"], ["GiB", "over the memory limit", "--max-memory"]),
    # an initial state no neuron reaches: one line, not three
    (["run", "tonic_spiking", "--set", "V0=1e200"], ["V0 = 1e+200", "allowed range [-1000, 1000]"]),
    # the limit is settable from the command line, and a run of 401 steps is over a limit of 10
    (["run", "tonic_spiking", "--max-steps", "10"], ["401 neuron-steps", "limit of 10"]),
    # an in-degree past the number of presynaptic neurons cannot be drawn (it was accepted silently)
    (["network", "--indegree", "1000000000", "--ne", "80", "--ni", "20"], ["indegree must be at most", "100"]),
    # 200 000 neurons for 100 s: the spike record alone is tens of GiB
    (["network", "--ne", "100000", "--ni", "100000", "--duration", "100000"], ["GiB", "more than the limit"]),
    # a 1e5 x 1e5 atlas grid
    (["atlas", "--grid", "c=-65:-50:100000", "--grid", "d=2:8:100000"], ["10000000000 points", "over the limit"]),
])
def test_cli_refuses_oversized_work_in_one_line(capsys, argv, needles):
    code, out, err = _cli(capsys, *argv)
    _one_line_refusal(code, err, *needles)
    assert out == ""


def test_check_refuses_a_tiny_file_that_asks_for_a_billion_steps(capsys, tmp_path):
    """The 572-byte file of the report: two spikes and dt_ms = 1e-7 (1e9 steps for 100 ms)."""
    path = tmp_path / "tiny_dt.npz"
    np.savez(path, spike_times_ms=np.array([10.0, 20.0]), dt_ms=np.array(1e-7))
    assert path.stat().st_size < 1000
    code, _, err = _cli(capsys, "check", "tonic_spiking", str(path))
    _one_line_refusal(code, err, "dt_ms = 1e-07", "over the memory limit")


@pytest.mark.parametrize("command", ["check", "fit"])
def test_npz_members_are_size_checked_from_their_headers(capsys, tmp_path, command):
    """A 1 kB .npz declaring 4e8 floats (3 GiB) is refused from its header, before anything is loaded."""
    path = _npz_declaring(tmp_path / "bomb.npz", 400_000_000)
    argv = ["check", "tonic_spiking", str(path)] if command == "check" else ["fit", str(path)]
    code, _, err = _cli(capsys, *argv)
    _one_line_refusal(code, err, "bomb.npz", "declares 2.98 GiB", "shape (400000000,)")


def test_check_index_must_be_a_whole_number(capsys, tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, spike_times_ms=np.array([10.0, 20.0]))
    code, _, err = _cli(capsys, "check", "tonic_spiking", str(path), "--index", "1e300")
    _one_line_refusal(code, err, "--index must be a whole number", "'1e300'")


def test_spike_files_past_the_file_size_limit_are_not_read(capsys, tmp_path, monkeypatch):
    """A spike file is someone else's: its size is checked before it is opened (limit from the environment)."""
    path = tmp_path / "big.csv"
    path.write_text("10.0\n" * 2000)
    monkeypatch.setenv("IZH_BRIAN_MAX_FILE_BYTES", "1000")
    code, _, err = _cli(capsys, "check", "tonic_spiking", str(path))
    _one_line_refusal(code, err, "big.csv", "IZH_BRIAN_MAX_FILE_BYTES")


def _neuroml_with_population(tmp_path, size: str):
    text = open(example_path("net_synapses"), encoding="utf-8").read()
    old = '<population id="exc" component="RS" size="4"/>'
    assert old in text
    path = tmp_path / "big_net.xml"
    path.write_text(text.replace(old, f'<population id="exc" component="RS" size="{size}"/>'), encoding="utf-8")
    return path


@pytest.mark.lems
def test_neuroml_run_refuses_a_billion_cells_before_building(capsys, tmp_path):
    path = _neuroml_with_population(tmp_path, "1000000000")
    code, _, err = _cli(capsys, "neuroml", "run", str(path), "--output-dir", str(tmp_path / "out"))
    _one_line_refusal(code, err, "big_net.xml", "over the")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.lems
def test_neuroml_model_files_past_the_size_limit_are_not_read(capsys, tmp_path, monkeypatch):
    path = _neuroml_with_population(tmp_path, "4")
    monkeypatch.setenv("IZH_BRIAN_MAX_FILE_BYTES", "500")
    code, _, err = _cli(capsys, "neuroml", "run", str(path), "--output-dir", str(tmp_path / "out"))
    _one_line_refusal(code, err, "big_net.xml", "IZH_BRIAN_MAX_FILE_BYTES")


def test_python_api_refuses_before_brian2_allocates():
    """simulate() raises ResourceLimitError (a ValueError) with the estimate; a limits() block raises or
    lowers the limit for that block only."""
    with pytest.raises(ResourceLimitError, match="neuron-steps is over the limit"):
        simulate("tonic_spiking", dt=1e-9)
    with limits(max_neuron_steps=100):
        with pytest.raises(ResourceLimitError, match="401 neuron-steps is over the limit of 100"):
            simulate("tonic_spiking")
    assert len(simulate("tonic_spiking").spike_times_ms) > 0  # the default is back after the block
