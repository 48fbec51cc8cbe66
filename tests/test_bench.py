"""What the benchmarks measure (benchmarks.bench): compiled-code reuse with a cold cache, the atlas accounting.

Speed itself is reported by `python -m benchmarks.bench` (`make bench`), not asserted here. The package ships no
benchmark code; the tests import benchmarks/ from the checkout root (``pythonpath = .`` in setup.cfg).
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import bench
from izh_brian.cli import main
from izh_brian.presets import get_preset, preset_names


def test_cold_cache_compiles_once_not_per_preset(tmp_path):
    """With an empty Cython cache (a temporary directory given to a subprocess, the user's
    cache untouched), the first run of two presets compiles the model's code objects; a
    second fresh process that simulates all 28 presets (four different dt) finds every
    module it needs in that cache and compiles nothing: the number of compiled modules
    does not grow with the number of presets."""
    names = preset_names()
    assert len(names) == 28 and len({get_preset(n).dt for n in names}) >= 3
    cache = tmp_path / "cython"
    first = bench.cold_run(names[:2], cache_dir=str(cache))
    mods = sorted(f for f in os.listdir(cache) if f.endswith(".so"))
    assert first["n_modules"] == len(mods) >= 4  # state update, threshold, reset, monitors
    assert first["compile_s"] > 0
    full = bench.cold_run(names, cache_dir=str(cache))
    assert full["n_modules"] == first["n_modules"]
    assert sorted(f for f in os.listdir(cache) if f.endswith(".so")) == mods
    assert full["compile_s"] < 0.5 * first["compile_s"]
    assert full["n_spikes"] > first["n_spikes"]


def test_bytes_per_neuron_step_are_the_kernels_arrays():
    """The bandwidth bound counts the per-neuron arrays the compiled kernels stream each
    step: everything the state update reads (at least v, u and the model's a, b, the
    quadratic's k2, k1, k0 and the drive I_ext, float64 each), the writes of the
    integrated v and u, and the threshold's reads of v and vpeak; the reset's c and d
    (touched only by spiking neurons) are not counted."""
    arrays = bench.kernel_arrays()
    su, th = arrays["stateupdate"], arrays["threshold"]
    for name in ("v", "u", "a", "b", "k2", "k1", "k0", "I_ext"):
        assert su[name] == 8, name
    assert {"v", "vpeak"} <= set(th) and "c" not in su and "d" not in su
    assert arrays["written"] == ["u", "v"]
    expected = sum(su.values()) + sum(th.values()) + 16
    assert bench.bytes_per_neuron_step(arrays) == expected
    assert bench.bytes_per_neuron_step(arrays) >= 8 * 8 + 16 + 16


def test_small_atlas_benchmark_accounts_its_neuron_steps():
    """The atlas benchmark counts points x steps (the grid 0:dt:T includes T) and relates
    its run time to the time the same bytes take at the measured copy bandwidth."""
    r = bench.bench_atlas(n_points=400, duration_ms=50.0, classify=False, profile=False, bandwidth_n=4_000_000)
    assert r["n_points"] == 400
    assert r["neuron_steps"] == 400 * (50.0 / 0.25 + 1)
    assert r["neuron_steps_per_s"] == pytest.approx(r["neuron_steps"] / r["run_s"])
    assert r["bound_s"] == pytest.approx(r["neuron_steps"] * r["bytes_per_neuron_step"] / r["bandwidth"]["copy_Bps"])
    assert 1e8 < r["bandwidth"]["copy_Bps"] < 1e13
    text = bench.format_results({"atlas": r})
    assert "neuron-steps/s" in text and "bandwidth" in text


def test_the_runner_refuses_unknown_benchmarks(capsys):
    """`python -m benchmarks.bench` names the benchmarks it knows when given another one."""
    with pytest.raises(SystemExit) as exc:
        bench.main(["everything"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "everything" in err and all(name in err for name in ("presets", "network", "cold", "atlas", "standalone"))


def test_the_runner_answers_help_from_the_checkout_root():
    """`python -m benchmarks.bench --help`, run from the root of the checkout, lists the benchmarks."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--help"], cwd=root, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "python -m benchmarks.bench" in out.stdout and "standalone" in out.stdout


def test_bench_check_prints_a_ratio_against_its_baseline(capsys):
    """bench check times the checker against its own baseline in the same run and says whether the goal holds."""
    assert bench.main(["check", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)["check"]
    assert rec["shows_pattern"] and rec["ratio"] > 0 and "goal_met" in rec


def test_bench_grade_prints_its_parts_against_their_baselines():
    """bench grade at a tiny size (no notebooks, 3 spike files): each part has its time, its baseline ratio and
    its goal, judged only at the issue's sizes (else an estimate for them is printed)."""
    from benchmarks import grade

    r = grade.benchmark(n_notebooks=0, n_files=3, check_repeats=2)
    sf, chk = r["spike_files"], r["check"]
    assert "notebooks" not in r and r["goal_met"] is None
    assert sf["n"] == 3 and sf["n_wrong"] == 0 and sf["points_as_expected"] and sf["total_s"] > 0
    assert sf["goal_met"] is None and sf["estimate_s"] >= sf["total_s"] and sf["ratio_file_to_check"] > 0
    assert chk["n_warm"] == 2 and chk["warm_max_s"] >= chk["warm_s"] > 0 and isinstance(chk["grade_goal_met"], bool)
    text = bench.format_results({"grade": r})
    assert "3 spike files" in text and "not judged at 3" in text and "warm in-process check" in text
    assert "goal < 20 ms each" in text
    assert "grade" in bench.SLOW


def test_all_runs_every_benchmark_but_the_slow_ones(monkeypatch):
    """'all' runs each benchmark once, in order, and leaves out the ones that take tens of minutes
    (jNeuroML on the 1000-cell NeuroML network), which run only when named."""
    ran = []
    fakes = {name: ((lambda name=name: ran.append(name) or {"name": name}), str) for name in bench.BENCHES}
    monkeypatch.setattr(bench, "BENCHES", fakes)
    out = bench.run_benches("all")
    assert "neuroml" in bench.SLOW and "neuroml" not in ran
    assert ran == [n for n in fakes if n not in bench.SLOW] and list(out) == ran
    assert list(bench.run_benches("neuroml")) == ["neuroml"]


def test_the_command_line_points_at_make_bench(capsys):
    """The package ships no benchmarks: `izh-brian bench`, with or without the old arguments, exits 2 with one
    line naming make bench."""
    for argv in (["bench"], ["bench", "presets"], ["bench", "check", "--json"], ["bench", "--help"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "make bench" in err[0] and "benchmarks/" in err[0]


def test_the_package_imports_no_benchmark_code():
    """No module of izh_brian imports benchmarks/ (it does not ship in the wheel)."""
    pkg = Path(__file__).resolve().parent.parent / "izh_brian"
    bad = []
    for path in pkg.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            bad += [f"{path.relative_to(pkg)}:{node.lineno}" for n in names if n.split(".")[0] == "benchmarks"]
    assert not bad
