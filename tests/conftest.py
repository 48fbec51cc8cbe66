"""Shared fixtures: Brian2's global state is reset after every test; headless matplotlib."""

import os
import sys

import matplotlib
import pytest

matplotlib.use("Agg")
# izh_brian.teaching.check keeps reference runs on disk between processes; tests simulate for themselves
# (tests/test_check.py tests that cache in a folder of its own).
os.environ["IZH_BRIAN_CACHE"] = "off"
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(autouse=True)
def _reset_brian2():
    """Like brian2's own conftest: no test leaks objects or clock settings into the next."""
    import brian2

    yield
    brian2.start_scope()
    brian2.defaultclock.dt = 0.1 * brian2.ms


def pytest_collection_modifyitems(items):
    """The NeuroML/LEMS engine's tests carry the ``lems`` marker (``pytest -m lems`` runs them alone)."""
    for item in items:
        name = os.path.basename(str(item.fspath))
        if name.startswith(("test_neuroml", "test_lems")) or name == "test_hostile_neuroml.py":
            item.add_marker(pytest.mark.lems)
