"""The NeuroML example models shipped as package data: their table, `izh-brian neuroml examples [--copy DIR]`
and the crosscheck rows `<example>/<population>` that compare them with jNeuroML."""

import configparser
import fnmatch
import importlib
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

import izh_brian
from izh_brian.cli import main
from izh_brian.interop import ROW_KEYS, crosscheck, population_row
from izh_brian.interop.jneuroml import jneuroml_available
from izh_brian.interop.neuroml_examples import EXAMPLES, copy_examples, example_files, example_path, examples_dir

# The module, not the function izh_brian.interop.crosscheck that its package exports under the same name.
interop = importlib.import_module("izh_brian.interop.crosscheck")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
JAVA_OK, JAVA_WHY = jneuroml_available()
CORE = {"Cells.xml", "Networks.xml", "Inputs.xml", "Synapses.xml", "Simulation.xml"}


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_points_at_the_installed_files():
    """Every example's LEMS file is in the installed package (next to izh_brian's modules), everything it
    includes (other than NeuroML's core types, which come with jNeuroML and PyLEMS) is there too, and every
    runnable file of the folder (one with a <Simulation>) has its row in the table."""
    root = examples_dir()
    assert root.parent == Path(izh_brian.__file__).resolve().parent / "interop"
    files = set(example_files())
    for name, ex in EXAMPLES.items():
        path = example_path(name)
        assert path.is_file() and path.relative_to(root) in files, name
        assert ex.description and len(ex.description.splitlines()) == 1
        for inc in re.findall(r'<Include\s+file="([^"]+)"', path.read_text()):
            assert inc in CORE or (path.parent / inc).is_file(), (name, inc)
    runnable = {p for p in files if "<Simulation" in (root / p).read_text()}
    assert runnable == {Path(ex.file) for ex in EXAMPLES.values()}
    assert Path("osb/README.md") in files and "Redistribution" in (root / "osb" / "README.md").read_text()
    with pytest.raises(ValueError, match="known: net_synapses"):
        example_path("no_such_example")


def test_package_data_declares_every_example_file():
    """setup.cfg's package_data for izh_brian.interop matches every file of the examples folder, so the wheel
    carries them (the wheel test, tests/test_wheel.py, builds one)."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in cfg["options.package_data"]["izh_brian.interop"].split(",")]
    for rel in example_files():
        assert any(fnmatch.fnmatch(f"examples/{rel.as_posix()}", pat) for pat in patterns), rel


def test_examples_list_and_json(capsys):
    """`neuroml examples` lists each example with its file and description; --json gives name, file, path
    (installed) and description per example."""
    code, out, err = run_cli(capsys, "neuroml", "examples")
    assert code == 0, err
    for name, ex in EXAMPLES.items():
        assert any(line.split()[:2] == [name, ex.file] for line in out.splitlines()), name
    code, out, err = run_cli(capsys, "neuroml", "examples", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert [r["name"] for r in doc] == list(EXAMPLES)
    for r in doc:
        assert set(r) == {"name", "file", "path", "description"}
        assert Path(r["path"]) == example_path(r["name"])


def test_copy_gives_runnable_files_and_never_overwrites(tmp_path, capsys):
    """`neuroml examples --copy DIR` copies every example file (layout kept, the OSB README with its licence)
    and a copied file runs: LEMS_SmallNetwork.xml from the copy fires on jNeuroML's steps (stored). A second
    copy into the same folder exits 2 with one line and copies nothing: a student's edited file keeps its
    text, a file they deleted stays deleted."""
    dest = tmp_path / "mine"
    code, out, err = run_cli(capsys, "neuroml", "examples", "--copy", str(dest))
    assert code == 0, err
    assert "copied 17 files" in out and str(dest / "osb" / "LEMS_FiveCells.xml") in out
    for rel in example_files():
        assert (dest / rel).read_bytes() == (examples_dir() / rel).read_bytes(), rel

    code, out, err = run_cli(capsys, "neuroml", "run", str(dest / "osb" / "LEMS_SmallNetwork.xml"), "--json")
    assert code == 0, err
    expected = json.loads((DATA / "osb" / "jnml_expected_spikes.json").read_text())["files"]["LEMS_SmallNetwork.xml"]
    doc = json.loads(out)
    got = {p: [np.rint(np.asarray(c) / expected["dt_ms"]).astype(int).tolist() for c in rec["spike_times_ms"]]
           for p, rec in doc["populations"].items()}
    assert got == expected["populations"]

    (dest / "net_gap.xml").write_text("my edits")
    (dest / "osb" / "README.md").unlink()
    code, out, err = run_cli(capsys, "neuroml", "examples", "--copy", str(dest))
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "exists already" in lines[0] and "nothing was copied" in lines[0], err
    assert (dest / "net_gap.xml").read_text() == "my edits"
    assert not (dest / "osb" / "README.md").exists()
    with pytest.raises(FileExistsError):
        copy_examples(dest)

    afile = tmp_path / "a_file"
    afile.write_text("x")
    code, out, err = run_cli(capsys, "neuroml", "examples", "--copy", str(afile))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not a folder" in err
    assert afile.read_text() == "x"


def test_population_row_compares_every_cell_on_its_steps():
    """A row agrees only if every compared cell fires on the other simulator's steps: a spike one step late,
    a spike moved to another cell (same total count) or a missing cell each make it disagree; ``cells``
    leaves out the named cells only."""
    dt, span = 0.025, 1100.0
    ours = [np.array([10.0, 20.0]), np.array([15.0]), np.array([30.0, 40.0])]
    assert population_row("x/p", ours, [c.copy() for c in ours], dt, span)["agree"] is True
    late = [ours[0], ours[1] + dt, ours[2]]
    row = population_row("x/p", ours, late, dt, span)
    assert row["agree"] is False and row["max_dt_ms"] == pytest.approx(dt)
    moved = [np.array([10.0, 20.0, 15.0]), np.array([]), ours[2]]
    row = population_row("x/p", ours, moved, dt, span)
    assert row["agree"] is False and row["n_spikes_ours"] == row["n_spikes_theirs"] == 5
    swapped = [ours[1], ours[0], ours[2]]
    assert population_row("x/p", ours, swapped, dt, span)["n_spikes_ours"] == 5
    assert population_row("x/p", ours, swapped, dt, span)["agree"] is False
    other = [ours[0], ours[1], np.array([31.0])]
    assert population_row("x/p", ours, other, dt, span)["agree"] is False
    assert population_row("x/p", ours, other, dt, span, cells=(0, 1))["agree"] is True
    with pytest.raises(ValueError, match="3 cells against 2"):
        population_row("x/p", ours, ours[:2], dt, span)


def test_without_java_file_rows_are_skipped_with_the_reason(monkeypatch):
    """Without Java each selected example gives one skipped row naming the reason; unknown names are refused."""
    monkeypatch.setattr(interop, "jneuroml_available", lambda: (False, "no java here"))
    rows = crosscheck(["jneuroml"], presets=[], ex2=False, network=False, files=["net_gap", "osb_FiveCells"])
    assert [(r["name"], r["agree"], r["reason"]) for r in rows] == [("net_gap", None, "no java here"),
                                                                    ("osb_FiveCells", None, "no java here")]
    assert all(set(ROW_KEYS) <= set(r) for r in rows)
    assert len(crosscheck(["jneuroml"], presets=[], ex2=False, network=False)) == len(EXAMPLES)
    assert crosscheck(["jneuroml"], presets=[], ex2=False, network=False, files=False) == []
    with pytest.raises(ValueError, match="no_such_example"):
        crosscheck(["jneuroml"], presets=[], files=["no_such_example"])


@pytest.mark.parametrize("argv,files", [((), True), (("--no-files",), False)])
def test_cli_crosscheck_includes_the_files_unless_no_files(monkeypatch, capsys, argv, files):
    """`izh-brian crosscheck` asks for the example files' rows by default; --no-files leaves them out."""
    seen = {}

    def fake(sims, **kwargs):
        seen.update(kwargs, sims=tuple(sims))
        return []

    monkeypatch.setattr("izh_brian.cli.interop.crosscheck", fake)
    code, out, err = run_cli(capsys, "crosscheck", "--simulator", "jneuroml", *argv, "--json")
    assert code == 0, err
    assert seen == {"sims": ("jneuroml",), "files": files}


@pytest.mark.jneuroml
@pytest.mark.skipif(not JAVA_OK, reason=JAVA_WHY)
def test_crosscheck_file_rows_agree_with_jneuroml():
    """crosscheck with files: one row per population of each selected example, named <example>/<population>,
    every one on jNeuroML's steps; the spike sources (spikeArray, spikeGenerator), the gap junctions, the
    Poisson inputs (the random cell left out) and an OSB network among them. jNeuroML runs a copy: the
    installed examples folder is unchanged."""
    names = ["net_sources", "net_gap", "net_poisson", "osb_SmallNetwork"]
    before = {p: (examples_dir() / p).stat().st_mtime_ns for p in example_files()}
    rows = crosscheck(["jneuroml"], presets=[], ex2=False, network=False, files=names)
    assert [r["name"] for r in rows] == ["net_sources/arr", "net_sources/gen", "net_sources/cells", "net_gap/left",
                                        "net_gap/right", "net_poisson/cells", "osb_SmallNetwork/popA",
                                        "osb_SmallNetwork/popB"]
    for r in rows:
        assert set(r) == set(ROW_KEYS) and r["simulator"] == "jneuroml"
        assert r["agree"] is True and r["n_spikes_ours"] == r["n_spikes_theirs"] and r["max_dt_ms"] < 1e-6, r
    assert sum(r["n_spikes_ours"] for r in rows) > 50
    assert {p: (examples_dir() / p).stat().st_mtime_ns for p in example_files()} == before
    assert set(os.listdir(examples_dir())) == {p.parts[0] for p in example_files()}
