"""A wheel built from this checkout, installed in a clean environment outside the repository, runs the
28 protocols exactly and builds the report with its figures.

This is what a user who installs the package (rather than working in a clone) gets: nothing may read
files relative to the repository. The wheel's environment is new (no packages of the test environment);
pip takes the dependencies from its cache or the registry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import numpy as np
import oracle
import pytest
from tolerances import SPIKE_TIME_ATOL_MS

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("build", reason="python -m build is needed (the test extra)")


def _run(cmd, cwd, timeout=900, env=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p.stdout


@pytest.mark.slow
def test_wheel_outside_the_repository(tmp_path):
    """Build the wheel, install it with the report extra in a fresh venv, then from a folder outside the
    repository: `run --all --json` gives figure1.m's spike times for all 28 presets (the independent
    transcription in tests/oracle.py) and `report --quick` draws the figures and compiles the PDF from the
    Typst sources of report/ that the wheel carries."""
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)], cwd=tmp_path)
    wheels = list(dist.glob("izh_brian-*.whl"))
    assert len(wheels) == 1, wheels
    # the report's sources (the checkout's report/, linked as izh_brian/report/templates) are package data:
    # its .typ files, not report/README.md nor the output in report/build/
    with zipfile.ZipFile(wheels[0]) as whl:
        carried = {n for n in whl.namelist() if n.startswith("izh_brian/report/templates/")}
    assert carried == {f"izh_brian/report/templates/{p.name}" for p in (ROOT / "report").glob("*.typ")}, carried
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    _run([str(py), "-m", "pip", "install", "-q", f"{wheels[0]}[report]"], cwd=tmp_path)
    cli = [str(env_dir / ("Scripts" if os.name == "nt" else "bin") / "izh-brian")]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}

    records = json.loads(_run(cli + ["run", "--all", "--json"], cwd=work, env=env))
    assert len(records) == 28
    for rec in records:
        expected, _ = oracle.run_figure1(rec["name"])
        assert len(rec["spike_times_ms"]) == len(expected), rec["name"]
        np.testing.assert_allclose(rec["spike_times_ms"], expected, atol=SPIKE_TIME_ATOL_MS, rtol=0)

    # the quick report draws every figure (PNG and PDF) into its folder and compiles the PDF; a full
    # `figures` run here would draw the same figures again from longer runs (tests/test_report.py does)
    _run(cli + ["report", "--out", "rep", "--quick", "--no-lessons", "--quiet"], cwd=work, env=env)
    assert len(list((work / "rep").rglob("*.png"))) >= 5
    pdf = work / "rep" / "izh_brian_report.pdf"
    assert pdf.exists() and pdf.stat().st_size > 50_000
    # the installed package, not this checkout, did the work
    where = _run([str(py), "-c", "import izh_brian; print(izh_brian.__file__)"], cwd=work, env=env)
    assert str(ROOT) not in where
