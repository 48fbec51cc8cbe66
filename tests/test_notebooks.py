"""Every teaching notebook executes top to bottom, headless, without an error.

The notebooks are the model answer handed to students: a cell that raises is a
broken lesson, so an error in any cell fails the build (no ``allow_errors``).
They run in a fresh kernel each, from the ``notebooks/`` folder, with the
kernel's headless inline backend.

Time budget: the six lessons of issue 4 (01-06) together execute in under
2 minutes on 2 cores with a warm Brian2 code cache (measured: 30 s one after
the other; each kernel spends ~3 s starting Python and importing Brian2); a
cold cache adds the one-off compilation of the code objects they use. The
per-cell timeout below is far above that and only stops a hung kernel.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to read the notebooks")
nbclient = pytest.importorskip("nbclient", reason="nbclient is needed to execute the notebooks")
pytest.importorskip("ipykernel", reason="ipykernel is needed to run a notebook kernel")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

#: The lessons issue 4 asks for; later issues add more notebooks, which are executed too.
REQUIRED = ("01_getting_started", "02_firing_patterns_2004", "03_cell_classes_2003", "04_phase_plane",
            "05_numerics", "06_explorer")

#: Seconds a single cell may take before the kernel is considered hung.
CELL_TIMEOUT_S = 300


def test_the_six_lessons_exist_and_are_committed_clean():
    """The six lessons are present, and committed without outputs (small files, no stale results)."""
    names = {p.stem for p in NOTEBOOKS}
    missing = [n for n in REQUIRED if n not in names]
    assert not missing, f"missing notebooks: {missing}"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        dirty = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
        assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


def test_notebooks_are_thin():
    """A notebook calls the package; it defines no model (no equation strings, no NeuronGroup of its own)."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "import izh_brian" in src or "from izh_brian" in src, f"{path.name} does not use izh_brian"
        for forbidden in ("NeuronGroup(", "dv/dt", "du/dt", "prefs."):
            assert forbidden not in src, f"{path.name} defines model code ({forbidden!r}); call the package instead"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path):
    """Executed headless in a fresh kernel, every cell of the notebook runs without an error,
    and every figure cell produces an image (a lesson whose plots come out empty is broken too)."""
    nb = nbformat.read(path, as_version=4)
    src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    if "ipywidgets" in src:
        pytest.importorskip("ipywidgets", reason=f"{path.name} needs ipywidgets (the notebooks extra)")
    # The kernel's own default (matplotlib-inline) is headless and renders figures as PNG;
    # a global MPLBACKEND=Agg would stop returned figures from being displayed.
    env_backend = os.environ.pop("MPLBACKEND", None)
    try:
        client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                         resources={"metadata": {"path": str(NOTEBOOK_DIR)}}, allow_errors=False)
        t0 = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - t0
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors[0]
    n_images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if "image/png" in o.get("data", {}))
    assert n_images >= 1, f"{path.name} produced no figure"
    print(f"{path.name}: executed in {elapsed:.1f} s")  # visible with -s: the time budget
