"""Comparisons of izh_brian's output files with jNeuroML's, stored beside the test files.

Each stored folder holds what jNeuroML 0.14.0 writes for one LEMS file; one helper checks that izh_brian writes the
same bytes, the other (run where Java is present) that jNeuroML still writes what is stored, so the stored files
cannot go stale.
"""

import os
import shutil

from izh_brian.interop.jneuroml import run_jneuroml
from izh_brian.lems import read_model, run_model, write_outputs


def _assert_same_files(folder, stored, names):
    for name in names:
        with open(os.path.join(folder, name)) as new, open(os.path.join(stored, name)) as old:
            assert new.read() == old.read(), name


def assert_ours_equal_stored(lems_path, stored, names, tmp_path):
    """izh_brian's run of ``lems_path`` writes the files ``names`` byte for byte as stored in ``stored``."""
    model = read_model(lems_path)
    write_outputs(model, run_model(model), str(tmp_path))
    _assert_same_files(str(tmp_path), stored, names)


def assert_jneuroml_equal_stored(lems_path, stored, names, tmp_path):
    """jNeuroML's run of ``lems_path`` (on a copy in ``tmp_path``) writes the stored files byte for byte."""
    shutil.copy(lems_path, tmp_path)
    run_jneuroml(str(tmp_path / os.path.basename(lems_path)))
    _assert_same_files(str(tmp_path), stored, names)
