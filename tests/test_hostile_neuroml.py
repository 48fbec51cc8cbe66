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

from izh_brian.interop.neuroml import NeuroMLError, output_paths, read_model
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
