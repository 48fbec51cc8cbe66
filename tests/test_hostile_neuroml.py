"""A shared NeuroML model file must not write outside the folder its user named.

`izh-brian neuroml run` writes the Simulation's OutputFile and EventOutputFile where their ``fileName``
attributes say. Up to commit c05bde5 the name was joined to the folder unchecked, so a model with
``fileName="../x.dat"``, an absolute name, or a name through a link leading out of the folder wrote (and
overwrote) a file there. Every case below wrote outside the folder on that code; now each is refused with
one line naming the element, the file and the line, before anything runs, and nothing is written.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from izh_brian.lems import NeuroMLError, output_paths, read_model
from izh_brian.interop.neuroml_examples import example_path

SOURCE = "net_synapses.xml"
FIELDS = {  # the example's two output elements and their file names
    "OutputFile": "net_synapses.v.dat",
    "EventOutputFile": "net_synapses.spikes",
}


def _hostile(tmp_path, element: str, name: str):
    """A copy of the example in tmp_path/model/ whose ``element`` writes to ``name``."""
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    text = open(example_path("net_synapses"), encoding="utf-8").read()
    assert f'fileName="{FIELDS[element]}"' in text
    text = text.replace(f'fileName="{FIELDS[element]}"', f'fileName="{name}"')
    path = folder / SOURCE
    path.write_text(text, encoding="utf-8")
    return path


ESCAPES = ["../outside.dat", "ABSOLUTE", "sub/../../outside.dat", "escape/x.dat"]


@pytest.mark.parametrize("element", sorted(FIELDS))
@pytest.mark.parametrize("name", ESCAPES)
def test_output_names_that_leave_the_folder_are_refused_by_the_api(tmp_path, element, name):
    """output_paths (and so write_outputs) refuses each escaping name, naming the element and its line:
    a name with .., an absolute name, and a name through a link to a folder outside."""
    (tmp_path / "model").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "model" / "escape")
    if name == "ABSOLUTE":
        name = str(tmp_path / "outside.dat")
    model = read_model(_hostile(tmp_path, element, name))
    with pytest.raises(NeuroMLError) as err:
        output_paths(model, str(tmp_path / "model"))
    msg = str(err.value)
    assert element in msg and repr(name) in msg and "line" in msg and "\n" not in msg
    assert not (tmp_path / "outside.dat").exists() and not os.listdir(tmp_path / "elsewhere")


def test_cli_refuses_before_running_and_keeps_the_users_file(tmp_path):
    """The CLI exits 2 with one line, no traceback; a file the user had outside stays as it was."""
    outside = tmp_path / "outside.dat"
    outside.write_text("the user's data\n")
    model = _hostile(tmp_path, "OutputFile", "../outside.dat")
    proc = subprocess.run([sys.executable, "-m", "izh_brian.cli", "neuroml", "run", str(model)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "leaves the output folder" in lines[0] and "OutputFile" in lines[0]
    assert outside.read_text() == "the user's data\n"
    assert sorted(os.listdir(tmp_path / "model")) == [SOURCE]


def test_names_inside_the_folder_still_resolve_there(tmp_path):
    """A plain or nested relative name stays allowed and resolves inside the folder (a right model runs)."""
    model = read_model(_hostile(tmp_path, "OutputFile", "out/v.dat"))
    paths = dict((spec.kind, p) for spec, p in output_paths(model, str(tmp_path / "model")))
    root = os.path.realpath(tmp_path / "model")
    assert paths["OutputFile"] == os.path.join(root, "out", "v.dat")
    assert paths["EventOutputFile"] == os.path.join(root, "net_synapses.spikes")


EMPTY_NML = '<neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="other"></neuroml>\n'


def _with_include(tmp_path, name: str):
    """A copy of the example in tmp_path/model/ that also includes ``name``; tmp_path/secret.nml and
    tmp_path/elsewhere/secret.nml exist outside the model's folder (valid NeuroML, so reading them succeeds)."""
    (tmp_path / "secret.nml").write_text(EMPTY_NML)
    (tmp_path / "elsewhere").mkdir(exist_ok=True)
    (tmp_path / "elsewhere" / "secret.nml").write_text(EMPTY_NML)
    path = _hostile(tmp_path, "OutputFile", FIELDS["OutputFile"])
    text = path.read_text(encoding="utf-8").replace('<Include file="Cells.xml"/>',
                                                    f'<Include file="Cells.xml"/>\n    <Include file="{name}"/>')
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../secret.nml", "ABSOLUTE", "escape/secret.nml"])
def test_includes_that_leave_the_models_folder_are_refused(tmp_path, name):
    """An <Include> is read only from the model's folder and below: a name with .., an absolute name and a
    name through a link leading out are refused in one line naming the element, the file and the line (the
    old reader read each of these files)."""
    (tmp_path / "model").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "model" / "escape")
    if name == "ABSOLUTE":
        name = str(tmp_path / "secret.nml")
    with pytest.raises(NeuroMLError) as err:
        read_model(_with_include(tmp_path, name))
    msg = str(err.value)
    assert "<Include>" in msg and repr(name) in msg and "line" in msg and "\n" not in msg
    assert "model's folder" in msg


def test_includes_below_the_models_folder_are_read(tmp_path):
    """A relative include in a sub-folder of the model's folder is allowed (its cells are read)."""
    (tmp_path / "model" / "cells").mkdir(parents=True)
    (tmp_path / "model" / "cells" / "more.nml").write_text(
        '<neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="more">\n'
        '  <izhikevichCell id="extra" v0="-70mV" thresh="30mV" a="0.02" b="0.2" c="-65" d="6"/>\n</neuroml>\n')
    model = read_model(_with_include(tmp_path, "cells/more.nml"))
    assert "extra" in model.cells


def test_a_target_naming_a_missing_simulation_is_refused(tmp_path):
    """jLEMS runs the component the <Target> names; naming one that is not the model's Simulation is an
    error that names the component and the Simulation's id (the old reader ran the Simulation anyway)."""
    path = _hostile(tmp_path, "OutputFile", FIELDS["OutputFile"])
    path.write_text(path.read_text(encoding="utf-8").replace('<Target component="sim_syn"/>',
                                                             '<Target component="no_such_sim"/>'))
    with pytest.raises(NeuroMLError) as err:
        read_model(path)
    msg = str(err.value)
    assert "'no_such_sim'" in msg and "'sim_syn'" in msg and "line 6" in msg


def test_export_to_a_folder_or_a_missing_folder_is_one_line(tmp_path):
    """`neuroml export -o DIR` (a folder, not a file) and -o into a folder that does not exist: exit 2, one
    line saying what to give (it was an IsADirectoryError traceback)."""
    for target, needle in ((tmp_path, "is a folder"), (tmp_path / "nope" / "x.xml", "does not exist")):
        proc = subprocess.run([sys.executable, "-m", "izh_brian.cli", "neuroml", "export", "tonic_spiking",
                               "-o", str(target)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_existing_outputs_beside_the_file_are_kept_without_force(tmp_path):
    """Beside FILE (a folder the user did not name) an output file that exists is not overwritten: exit 2,
    one line naming it and --force; with --force, or in a folder given by --output-dir, the run writes."""
    model = _hostile(tmp_path, "OutputFile", FIELDS["OutputFile"])
    mine = tmp_path / "model" / FIELDS["OutputFile"]
    mine.write_text("the user's data\n")
    base = [sys.executable, "-m", "izh_brian.cli", "neuroml", "run", str(model), "--duration", "5"]
    proc = subprocess.run(base, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "--force" in proc.stderr and FIELDS["OutputFile"] in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert mine.read_text() == "the user's data\n"
    out = tmp_path / "out"
    out.mkdir()
    (out / FIELDS["OutputFile"]).write_text("old run\n")
    for extra in (["--output-dir", str(out)], ["--force"]):
        proc = subprocess.run(base + extra, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    assert (out / FIELDS["OutputFile"]).read_text() != "old run\n"
    assert mine.read_text() != "the user's data\n"  # --force overwrote it, as asked
