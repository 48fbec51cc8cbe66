"""The report is the model answer to the coursework, regenerated from runs: the PDF has the brief's sections,
its tables are the JSON that the same build produced (nothing typed by hand), its agreement table is checked
against an independent transcription of figure1.m, its templates come from the package, and the lessons are
executed into HTML.

One quick build (``izh-brian report --quick --no-lessons``: numerics on four presets, short network runs, no
cross-simulator check) is shared by the tests of this module.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest

pypdf = pytest.importorskip("pypdf", reason="pypdf is needed to read the report")
pytest.importorskip("typst", reason="the typst package compiles the report")

from izh_brian.cli import main  # noqa: E402
from izh_brian.report import build as RB  # noqa: E402
from izh_brian.report import figures as RF  # noqa: E402
from izh_brian.report import sections as RS  # noqa: E402
from izh_brian.report import transcription as T  # noqa: E402


def _build_once(out):
    """Run ``izh-brian report --quick --no-lessons`` into ``out`` unless another xdist worker already did."""
    out.parent.mkdir(parents=True, exist_ok=True)
    done = out / "summary.json"
    with open(out.parent / (out.name + ".lock"), "w") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX: each worker builds its own
            out = out.parent / f"{out.name}-{os.getpid()}"
            done = out / "summary.json"
        if not done.exists():
            buf = io.StringIO()
            with redirect_stdout(buf):
                status = main(["report", "--out", str(out), "--quick", "--no-lessons", "--json"])
            assert status == 0
            done.write_text(buf.getvalue())
    return out, json.loads(done.read_text())


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    # One build per test session, shared by the xdist workers (they share the base temp's parent).
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    out, summary = _build_once(root / "izh_report_quick_v2")
    data = json.loads((out / RB.REPORT_DATA).read_text())
    reader = pypdf.PdfReader(str(out / RB.REPORT_PDF))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return {"out": out, "summary": summary, "data": data, "reader": reader, "text": text}


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u2212", "-")).strip()


def _in_order(cells, text, start=0):
    """Position after the last of ``cells`` found in order in ``text`` from ``start``, or -1."""
    pos = start
    for cell in cells:
        k = text.find(_norm(cell), pos)
        if k < 0:
            return -1, cell
        pos = k + len(_norm(cell))
    return pos, None


def test_pdf_answers_the_brief_section_by_section(build):
    """The report reads as the model answer: introduction (the brief's questions), the model and what a, b,
    c, d do, the implementation (plain Brian2, then the package), results, discussion, references with the
    papers' DOIs, and speed only in an appendix; no internal architecture text."""
    text = _norm(build["text"])
    headings = ["1 Introduction", "2 The model", "2.1 What each parameter does", "3 Implementation",
                "3.1 The model in plain Brian2", "3.2 How izh_brian generalises it", "4 Results",
                "The twenty features of 2004 Fig. 1", "The cell classes of 2003 Fig. 2", "Agreement with figure1.m",
                "Validation", "Phase planes", "Class 1 and class 2 excitability", "Time step and scheme",
                "The 2003 network", "Scenarios: weights and cell types", "Other simulators: NEST and jNeuroML",
                "5 Discussion", "What the time step and the update order do", "Limits", "6 References",
                "A Appendix: speed and build"]
    pos = 0
    body = text[text.find("1 Introduction", text.find("Contents") + 10):]  # after the table of contents
    for heading in headings:
        k = body.find(heading, pos)
        assert k >= 0, f"section {heading!r} missing from the PDF or out of order"
        pos = k
    for doi in ("10.1109/TNN.2003.820440", "10.1109/TNN.2004.832719", "10.7554/eLife.47314"):
        assert doi in text, f"reference DOI {doi} missing"
    for internal in ("ARCHITECTURE", "floor 6", "izh_brian.cli.figures"):
        assert internal not in text, f"internal architecture text {internal!r} in the model answer"
    # Speed only in the appendix: its table comes after the references.
    assert text.find("modules compiled") > text.find("6 References")
    # The implementation prints the package's equations and the plain listing that this build ran.
    from izh_brian.model import EQUATIONS

    assert _norm(EQUATIONS.strip().splitlines()[0]) in text
    assert _norm("G = NeuronGroup(1, eqs, threshold='v > 30*mV'") in text


def test_pdf_embeds_every_figure_the_build_wrote(build):
    """Each figure of the build, the new parameter figure included, is written as PNG and PDF and embedded
    in the report once."""
    figs = build["data"]["figures"]
    for key in ("fig1_2004", "fig2_2003", "parameters", "phase_planes", "fi_curves", "validation_matrix",
                "numerics_table", "class_map", "network_raster", "speed"):
        assert key in figs, f"figure {key} was not produced"
        assert (build["out"] / f"{key}.png").read_bytes()[:4] == b"\x89PNG"
        assert (build["out"] / f"{key}.pdf").read_bytes()[:4] == b"%PDF"
    n_images = sum(len(page.images) for page in build["reader"].pages)
    assert n_images == len(figs)


def test_tables_in_the_pdf_are_the_json_of_the_run(build):
    """Every row of every table in report_data.json appears in the PDF, cell by cell, in order: the report's
    tables are read from the run's data at build time."""
    data, text = build["data"], _norm(build["text"])
    tables = {"presets_2004": data["presets_2004"], "presets_2003": data["presets_2003"],
              "parameters": data["parameters"]["table"], "agreement": data["agreement"]["table"],
              "phase planes": data["phase_planes"]["table"], "f-I": data["fi_curves"]["table"],
              "numerics": data["numerics"]["table"], "scenarios": data["network_scenarios"]["table"],
              "class map": data["class_map"]["table"], "validation": data["validation"]["table"],
              "build": data["speed"]["build_table"]}
    for name, table in tables.items():
        assert table and table["cells"], f"table {name} is empty"
        pos, missing = _in_order(table["columns"], text)
        assert pos >= 0, f"{name}: header {missing!r} not in the PDF"
        for row in table["cells"]:
            pos, missing = _in_order(row, text, pos)
            assert pos >= 0, f"{name}: cell {missing!r} of row {row} not found in the PDF"


def test_agreement_table_has_the_transcriptions_counts(build):
    """The agreement table has one row per reference preset (28); its figure1.m column is the spike count of
    izh_brian.report.transcription, its izh_brian column the count of this build's spike_times.json, and with the
    figure1 scheme every preset agrees to the step (largest |dt| = 0)."""
    table = build["data"]["agreement"]["table"]
    cols = table["columns"]
    rows = [dict(zip(cols, r)) for r in table["cells"]]
    assert len(rows) == 28
    theirs = T.run_all()
    spikes = {r["name"]: r for r in json.loads((build["out"] / "spike_times.json").read_text())}
    assert [r["name"] for r in rows] == list(theirs)
    for r in rows:
        assert int(r["spikes figure1.m"]) == len(theirs[r["name"]]), r["name"]
        assert int(r["spikes izh_brian"]) == spikes[r["name"]]["n_spikes"], r["name"]
        assert r["agree"] == "yes" and float(r["largest |dt| (ms)"]) == 0.0, r["name"]
    assert build["data"]["agreement"]["n_agree"] == 28
    assert _norm("28 of 28 presets agree spike for spike") in _norm(build["text"])


def test_agreement_check_fails_a_wrong_program():
    """The agreement check is not a formality: a response from a changed neuron (d = 8 instead of 6 for tonic
    spiking) is reported as disagreeing, with both counts, while the unchanged RS cell agrees."""
    from izh_brian.simulation import simulate_many

    wrong, right = simulate_many(["tonic_spiking", "RS"], overrides=[{"d": 8.0}, {}])
    sec = RS.section_agreement([wrong, right])
    bad, good = sec["rows"]
    assert bad["agree"] is False and bad["spikes izh_brian"] == wrong.n_spikes
    assert bad["spikes figure1.m"] == len(T.run_figure1("tonic_spiking")[0]) != wrong.n_spikes
    assert good["agree"] is True and good["largest |dt| (ms)"] == 0.0
    assert sec["n_agree"] == 1 and sec["n_total"] == 2


def test_plain_listing_is_forward_euler_with_figure1_sampling():
    """The report's plain Brian2 listing, run as printed, fires the spike train of forward Euler (u from the
    old v) with figure1.m's input: the tests' Euler transcription and the package's ``euler`` scheme agree
    with it to the step, while figure1.m's order (u from the new v) gives other spike times; so the report's
    claim that the update order is the only difference holds."""
    import oracle

    from izh_brian.simulation import simulate

    plain = RS.run_plain_listing()
    np.testing.assert_allclose(plain["spikes_ms"], oracle.run_euler("tonic_spiking"), rtol=0, atol=1e-9)
    np.testing.assert_allclose(plain["spikes_ms"], simulate("tonic_spiking", scheme="euler").spike_times_ms,
                               rtol=0, atol=1e-9)
    assert plain["spikes_ms"] != oracle.run_figure1("tonic_spiking")[0]
    assert plain["n_spikes_figure1"] == len(oracle.run_figure1("tonic_spiking")[0])


def test_transcription_is_independent_and_equals_the_test_oracle():
    """izh_brian.report.transcription imports nothing from izh_brian (it cannot share a bug with the Brian2 path),
    and its spike times equal those of the tests' own transcription (tests/oracle.py) for all 28 protocols.
    Bad input names the value and what is allowed."""
    import oracle

    tree = ast.parse(Path(T.__file__).read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"math", "__future__"}, imported
    assert not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree)), "relative import"
    assert T.protocol_names() == list(oracle.PROTOCOLS)
    for name in T.protocol_names():
        assert T.run_figure1(name)[0] == oracle.run_figure1(name)[0], name
    assert T.run_figure1("tonic_spiking", d=8)[0] == oracle.run_figure1("tonic_spiking", d=8)[0]
    with pytest.raises(KeyError, match="no transcription of 'nope'; transcribed: tonic_spiking"):
        T.run_figure1("nope")
    with pytest.raises(ValueError, match="tau must be a positive number of ms, got 0"):
        T.run_figure1("RS", tau=0)
    with pytest.raises(ValueError, match="cannot change V1; allowed: a, b, c, d, duration"):
        T.run_figure1("RS", V1=3)


def test_parameter_figure_changes_one_parameter_at_a_time(build):
    """The parameter table: 12 responses of the RS cell with one of a, b, c, d changed, all from one run;
    each row's spike count is figure1.m's for RS with that one change (so the sweep really changed what it
    says), and the rows with RS's own value are the same neuron (same count)."""
    par = build["data"]["parameters"]
    rows = [dict(zip(par["table"]["columns"], r)) for r in par["table"]["cells"]]
    assert par["n_neurons"] == len(rows) == 12 and par["base"] == "RS"
    assert [r["parameter"] for r in rows] == [p for p, vals in RS.PARAMETER_SWEEP for _ in vals]
    for r in rows:
        expected = T.run_figure1("RS", duration=par["duration_ms"], **{r["parameter"]: float(r["value"])})[0]
        assert int(r["n_spikes"]) == len(expected), r
    base = {int(r["n_spikes"]) for r in rows if float(r["value"]) == float(r["RS value"])}
    assert len(base) == 1
    assert len({int(r["n_spikes"]) for r in rows}) > 3, "changing the parameters changed nothing"


def test_json_holds_this_runs_numbers(build):
    """The spike times of the report are figure1.m's (the tests' oracle), the 2004 table's counts equal the
    JSON of spike times, the f-I table's thresholds the phase-plane theory, and the network scenario table
    has every scenario of izh_brian.network."""
    import oracle

    from izh_brian.analysis.phaseplane import bifurcation
    from izh_brian.network import SCENARIOS

    spikes = {r["name"]: r for r in json.loads((build["out"] / "spike_times.json").read_text())}
    assert len(spikes) == 28
    for name in ("tonic_bursting", "accommodation", "RZ"):
        expected = oracle.run_figure1(name)[0]
        assert len(spikes[name]["spike_times_ms"]) == len(expected) > 0, name
        np.testing.assert_allclose(spikes[name]["spike_times_ms"], expected, rtol=0, atol=1e-9, err_msg=name)
    table = build["data"]["presets_2004"]
    col = table["columns"].index("n_spikes")
    for row in table["cells"]:
        assert int(row[col]) == spikes[row[1]]["n_spikes"]
    fi = build["data"]["fi_curves"]["table"]
    c_name, c_sn = fi["columns"].index("name"), fi["columns"].index("I_saddle_node")
    expected = {"class_1_excitable": bifurcation(0.02, -0.1, variant="class1"),
                "class_2_excitable": bifurcation(0.2, 0.26)}
    for row in fi["cells"]:
        assert float(row[c_sn]) == pytest.approx(expected[row[c_name]]["I_saddle_node"], rel=1e-3)
    val = build["data"]["validation"]
    ok_col = val["table"]["columns"].index("ok")
    assert val["n_ok"] == sum(r[ok_col] == "yes" for r in val["table"]["cells"])
    assert f"{val['n_ok']} of {val['n_total']} reference responses pass" in _norm(build["text"])
    scen = build["data"]["network_scenarios"]
    assert [r[0] for r in scen["table"]["cells"]] == list(SCENARIOS)
    assert scen["most_synchronous"] == max(scen["by_scenario"].values(), key=lambda r: r["synchrony"])["scenario"]


def test_build_records_time_and_compiled_modules_per_section(build):
    """Every section of the build records its wall time and the Cython modules it compiled; the appendix
    names the build machine and says where its speed numbers come from."""
    timings = build["summary"]["timings"]
    for key in ("reference", "parameters", "numerics", "agreement", "network", "network_scenarios", "speed"):
        assert timings[key]["seconds"] > 0, key
        assert isinstance(timings[key]["modules_compiled"], int) and timings[key]["modules_compiled"] >= 0
    sp = build["data"]["speed"]
    assert sp["source"] in ("quick", "benchmarks")
    meta = build["data"]["meta"]
    assert _norm(f"Built on {meta['cpu']} ({meta['n_cpus']} CPUs)") in _norm(build["text"])
    if sp["source"] == "quick":
        assert "Quick measurement" in build["text"]


def test_section_counts_only_modules_this_process_compiled(tmp_path, monkeypatch):
    """A section's ``modules_compiled`` counts the new extension modules in the Cython cache that this
    process loaded: one it compiled counts, one that appeared from another process does not."""
    monkeypatch.setattr(RS, "cython_cache_dir", lambda: tmp_path)
    loaded: set = set()
    monkeypatch.setattr(RS, "_loaded_modules", lambda: set(loaded))

    def compile_one(name, ours):
        (tmp_path / f"{name}.cpython-313-x86_64-linux-gnu.so").write_bytes(b"")
        if ours:
            loaded.add(name)
        return {}

    assert RS._section("x", compile_one, "_cython_magic_a", True)["modules_compiled"] == 1
    assert RS._section("y", compile_one, "_cython_magic_b", False)["modules_compiled"] == 0
    assert RS.count_compiled_modules(tmp_path) == 2
    failed = RS._section("z", lambda: 1 / 0)
    assert failed["available"] is False and "ZeroDivisionError" in failed["reason"]


def test_skipped_parts_say_why(build):
    """A part this build did not produce is shown with the recorded reason, never with stale data: the
    cross-simulator check of a quick build; lessons not asked for leave their appendix out."""
    text = _norm(build["text"])
    cc = build["data"]["crosscheck"]
    assert cc["available"] is False and "quick build" in cc["reason"]
    assert _norm("Not available in this build: " + cc["reason"]) in text
    # Lessons not asked for (--no-lessons, the default): no appendix, rather than an empty one that points at
    # another command.
    ls = build["data"]["lessons"]
    assert ls["available"] is False and ls["omitted"] is True and "--lessons" in ls["reason"]
    assert "Appendix: lessons" not in text and _norm(ls["reason"]) not in text


def test_crosscheck_skips_missing_tools_with_a_note(monkeypatch):
    """Without the Python module nest the NEST comparison is skipped with that reason; without java, the
    jNeuroML one; with neither, the section is unavailable and gives both reasons (nothing is run)."""
    monkeypatch.setattr(RS.shutil, "which", lambda prog: None)
    real = RS.importlib.util.find_spec
    monkeypatch.setattr(RS.importlib.util, "find_spec", lambda name, *a: None if name == "nest" else real(name, *a))
    sims, skipped = RS._crosscheck_tools()
    assert sims == [] and set(skipped) == {"nest", "jneuroml"}
    assert "'nest' cannot be imported" in skipped["nest"] and "'java'" in skipped["jneuroml"]
    sec = RS.section_crosscheck()
    assert sec["available"] is False and "'nest' cannot be imported" in sec["reason"] and "java" in sec["reason"]


def test_templates_come_from_the_package(tmp_path, monkeypatch):
    """The Typst sources are read as the package folder izh_brian/report/templates (importlib.resources), so
    the PDF builds from any working directory and from an installed wheel; in a checkout that folder is the
    link to the top-level report/, the sources a student edits; if they are missing the command says which
    file, in one line, with status 2."""
    import izh_brian

    folder = RB.templates()
    assert Path(str(folder)).parent == Path(izh_brian.__file__).parent / "report"
    names = {f.name for f in folder.iterdir()}
    assert {RB.REPORT_MAIN, "template.typ"} <= names
    root = Path(izh_brian.__file__).resolve().parent.parent
    if (root / "report" / RB.REPORT_MAIN).is_file():  # a checkout: one copy of the sources, in report/
        assert Path(str(folder)).is_symlink() and Path(str(folder)).resolve() == (root / "report").resolve()
    source = Path(RB.__file__).read_text()
    assert '"docs"' not in source, "report.py reads files outside the package"
    monkeypatch.setattr(RB, "TEMPLATES_FOLDER", "no_such_templates")
    with pytest.raises(FileNotFoundError, match="izh_brian/report/no_such_templates/izh_brian_report.typ"):
        RB.templates()
    err = io.StringIO()
    with redirect_stderr(err):
        assert main(["report", "--out", str(tmp_path), "--no-lessons"]) == 2
    assert len(err.getvalue().strip().splitlines()) == 1 and "no_such_templates" in err.getvalue()


def _notebook(path, source):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def test_lessons_are_executed_into_html(tmp_path):
    """Every notebooks/*.ipynb (not the solutions/ sub-folder) is executed from its folder and written as
    lessons/<name>.html with its outputs; a lesson whose cell fails is recorded with the error; a missing
    folder is a recorded reason, not a crash."""
    pytest.importorskip("nbconvert")
    nbdir = tmp_path / "notebooks"
    (nbdir / "solutions").mkdir(parents=True)
    (nbdir / "data.txt").write_text("6\n")
    _notebook(nbdir / "good.ipynb", "print(int(open('data.txt').read()) * 7)")
    _notebook(nbdir / "bad.ipynb", "1 / 0")
    _notebook(nbdir / "solutions" / "hidden.ipynb", "print('solution')")
    out = tmp_path / "build"
    res = RB.render_lessons(out, nbdir, timeout=120, workers=2)
    assert res["available"] and res["n_total"] == 2 and res["n_ok"] == 1
    by = {x["name"]: x for x in res["lessons"]}
    assert set(by) == {"good", "bad"}
    assert by["good"]["ok"] and ">42" in (out / "lessons" / "good.html").read_text().replace("\n", "")
    assert not by["bad"]["ok"] and "ZeroDivisionError" in by["bad"]["error"]
    assert "ZeroDivisionError" in (out / "lessons" / "bad.html").read_text()
    assert not (out / "lessons" / "hidden.html").exists()
    missing = RB.render_lessons(out, tmp_path / "nowhere")
    assert missing["available"] is False and "nowhere" in missing["reason"]
    err = io.StringIO()
    with redirect_stderr(err):
        assert main(["report", "--out", str(out), "--notebooks", str(tmp_path / "nowhere")]) == 2
    assert len(err.getvalue().strip().splitlines()) == 1 and "nowhere" in err.getvalue() and "--notebooks" in err.getvalue()


def test_figures_command_prints_time_and_modules_per_figure(tmp_path):
    """`izh-brian figures --out DIR` writes each figure as PNG and PDF and reports, per figure, the section
    it came from, its time and the modules that section compiled; a bad --format exits with 2."""
    buf = io.StringIO()
    with redirect_stdout(buf):
        status = main(["figures", "--out", str(tmp_path), "--quick", "--json"])
    assert status == 0
    out = json.loads(buf.getvalue())
    files = out["figures"]
    for key in ("fig1_2004", "fig2_2003", "parameters", "phase_planes", "fi_curves", "validation_matrix",
                "numerics_table", "network_raster"):
        assert sorted(p.rsplit(".", 1)[1] for p in files[key]) == ["pdf", "png"]
        assert (tmp_path / f"{key}.png").stat().st_size > 1000
        f = out["per_figure"][key]
        assert f["section"] == RF.FIGURE_SECTIONS[key] and f["section_s"] > 0 and f["modules_compiled"] >= 0
    assert "crosscheck" not in out["sections"] or out["sections"]["crosscheck"]["seconds"] == 0
    err = io.StringIO()
    with redirect_stderr(err):
        assert main(["figures", "--out", str(tmp_path), "--format", "bmp"]) == 2
    assert "bmp" in err.getvalue() and "Traceback" not in err.getvalue()


def test_reference_runs_table_is_complete():
    """The preset table lists all 28 reference presets with their parameters and figure1.m's spike counts
    (the independent oracle's)."""
    import oracle

    sec = RS.section_reference_runs()
    assert sec["n_presets"] == 28 and len(sec["rows"]) == 28
    assert [r["name"] for r in sec["rows"]] == list(oracle.PROTOCOLS)
    assert {r["paper"] for r in sec["rows"]} == {"2003", "2004"}
    for r in sec["rows"]:
        a, b, c, d = oracle.PROTOCOLS[r["name"]][:4]
        assert (r["a"], r["b"], r["c"], r["d"]) == (a, b, c, d), r["name"]
        assert isinstance(r["n_spikes"], int) and r["n_spikes"] == len(oracle.run_figure1(r["name"])[0]), r["name"]
    assert np.all(np.diff([0.0] + sec["dts_ms"]) > 0)


def _recovery_row(name="RS"):
    return {"name": name, "true": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
            "fitted": {"a": 0.0201, "b": 0.2, "c": -64.9, "d": 7.9}, "gamma": 0.97, "validator_ok": True,
            "matched": True, "pinned": ["b", "c"]}


def test_identifiability_table_comes_from_the_saved_recovery(tmp_path, monkeypatch):
    """The identifiability section shows the recovery table that `make bench` saved next to the report
    (true -> fitted per parameter, gamma, validator, pinned parameters); saving one benchmark keeps the
    others already saved."""
    from benchmarks import bench

    import izh_brian.fitting.recovery as R

    monkeypatch.setattr(R, "recovery_table", lambda *a, **k: pytest.fail("refit although results were saved"))
    row = _recovery_row()
    monkeypatch.setattr(bench, "BENCHES", {"check": (None, lambda r: "check line"), "fit": (None, lambda r: "fit line")})
    path = tmp_path / RS.BENCH_RESULTS
    bench.save_results({"check": {"warm_s": 0.001}}, path)
    bench.save_results({"fit": {"recovery": [row]}}, path)
    saved = json.loads(path.read_text())
    assert set(saved["results"]) == {"check", "fit"} and saved["text"] == "check line\nfit line"
    sec = RS.section_identifiability(tmp_path)
    assert sec["available"] and (sec["n_ok"], sec["n_total"]) == (1, 1)
    assert sec["table"]["columns"] == ["preset", "a", "b", "c", "d", "gamma", "validator", "pinned"]
    assert sec["table"]["cells"][0][0] == "RS" and "0.02 -> 0.0201" in sec["table"]["cells"][0][1]
    assert sec["table"]["cells"][0][-1] == "b, c"


def test_a_checkout_without_links_reads_report_itself(tmp_path, monkeypatch):
    """Git for Windows checks a link out as a plain file holding its target: templates() then reads the
    checkout's report/ (the same sources); a package folder that is simply missing still fails."""
    (tmp_path / RB.TEMPLATES_FOLDER).write_text("../../report")  # what a clone without symlinks holds
    monkeypatch.setattr(RB.importlib.resources, "files", lambda package: tmp_path)
    root = Path(RB.__file__).resolve().parents[2]
    if not (root / "report" / RB.REPORT_MAIN).is_file():
        pytest.skip("not a checkout: no report/ beside the package")
    assert Path(RB.templates()) == root / "report"
    (tmp_path / RB.TEMPLATES_FOLDER).unlink()
    with pytest.raises(FileNotFoundError, match="templates are missing"):
        RB.templates()


def test_identifiability_is_never_empty(tmp_path, monkeypatch):
    """Without saved benchmark results the build refits a few presets itself (QUICK_RECOVERY: names, a
    small budget, one attempt), labelled quick, with the presets it left out and the benchmark's own budget;
    the quick build's PDF shows its table."""
    import izh_brian.fitting.recovery as R

    calls = []

    def fake(names, **kwargs):
        calls.append((list(names), kwargs))
        return [_recovery_row(n) for n in names]

    monkeypatch.setattr(R, "recovery_table", fake)
    sec = RS.section_identifiability(tmp_path)
    names = list(RS.QUICK_RECOVERY["names"])
    assert calls == [(names, {"budget": RS.QUICK_RECOVERY["budget"], "attempts": RS.QUICK_RECOVERY["attempts"]})]
    assert sec["available"] and sec["source"] == "quick" and sec["n_total"] == len(names)
    assert sec["table"]["cells"] and [c[0] for c in sec["table"]["cells"]] == names
    assert len(sec["left_out"]) == sec["n_presets_all"] - len(names) == 28 - len(names)
    assert not set(names) & set(sec["left_out"])
    assert sec["full_budget"] > sec["budget"]
    small = RS.section_identifiability(None, {"names": ["FS"], "budget": 128})
    assert small["presets"] == ["FS"] and small["budget"] == 128 and calls[-1][1]["budget"] == 128


def test_quick_build_shows_a_quick_identifiability_table(build):
    """The quick build (no bench_results.json) computes the identifiability table and says it is quick."""
    idf = build["data"]["identifiability"]
    assert idf["available"] and idf["source"] == "quick" and idf["table"]["cells"]
    text = _norm(build["text"])
    assert "Quick refit" in text and "Not available in this build: no saved recovery" not in text
    pos, missing = _in_order(idf["table"]["cells"][0], text, text.find("Identifiability"))
    assert pos >= 0, f"identifiability cell {missing!r} not in the PDF"


def _fake_crosscheck(calls):
    """A stand-in for izh_brian.interop.crosscheck: per simulator one agreeing and one skipped preset row,
    for jNeuroML an Ex2 and a network row when asked; it records the simulators and the parts asked for."""
    def row(name, sim, n):
        return {"name": name, "simulator": sim, "n_spikes_ours": n, "n_spikes_theirs": n,
                "max_dt_ms": None if n is None else 0.0, "agree": None if n is None else True}

    def fake(simulators=("nest", "jneuroml"), presets=None, **parts):
        calls.append((list(simulators), parts if presets is None else {"presets": list(presets), **parts}))
        rows = []
        for sim in simulators:
            rows += [row("RS", sim, 5), dict(row("accommodation", sim, None), reason="not expressible")]
        if "jneuroml" in simulators and parts.get("ex2", True):
            rows.append(row("Ex2/pop0", "jneuroml", 3))
        if "jneuroml" in simulators and parts.get("network", True):
            rows.append(row("network/exc", "jneuroml", 9))
        return rows
    return fake


def _both_tools(monkeypatch):
    monkeypatch.setattr(RS, "_crosscheck_tools", lambda: (["nest", "jneuroml"], {}))


def test_quick_crosscheck_names_the_rows_it_left_out(tmp_path, monkeypatch):
    """By default the cross-check runs NEST and jNeuroML on the presets and Ex2 only (QUICK_CROSSCHECK) and
    lists what it left out, the generated network and the example files, with the flag that runs them; it
    saves nothing. With full every row runs and is saved for reuse with the version, the sources'
    fingerprint, the simulators and the rows it holds."""
    calls = []
    _both_tools(monkeypatch)
    monkeypatch.setattr(RS.interop, "crosscheck", _fake_crosscheck(calls))
    sec = RS.section_crosscheck(tmp_path)
    assert calls == [(["nest", "jneuroml"], {"ex2": True, "network": False, "files": False})]
    assert sec["source"] == "quick" and sec["parts"] == {"ex2": True, "network": False, "files": False,
                                                          "jneuroml_presets": None}
    left = " ".join(sec["left_out"])
    assert len(sec["left_out"]) == 2 and "network/<population>" in left and "<example>/<population>" in left
    assert "osb_FiveCells" in left and sec["full_flag"] == "izh-brian report --full-crosscheck"
    assert (sec["n_compared"], sec["n_agree"], sec["n_skipped"]) == (3, 3, 2)
    # A check whose jNeuroML side ran some presets only names the others.
    some = RS._crosscheck_parts(jneuroml_dts_ms=(0.1, 0.2, 0.5))
    assert "depolarizing_after_potential" in some["jneuroml_presets"] and "RS" not in some["jneuroml_presets"]
    lines = RS._left_out(["nest", "jneuroml"], some)
    assert len(lines) == 1 and "the 20 presets at dt = 0.25 ms" in lines[0] and "tonic_spiking" in lines[0]
    assert RS._left_out(["nest"], some) == []
    assert not (tmp_path / RS.CROSSCHECK_RESULTS).exists()
    data = RB._data_for_typst({"meta": {}, "reference": {"rows": [], "scheme": "figure1", "simulate_s": 0,
                                                         "n_presets": 0, "dts_ms": []}, "crosscheck": sec}, {})
    assert data["crosscheck"]["left_out"] == sec["left_out"] and data["crosscheck"]["full_flag"]
    assert any("left out" in line and "--full-crosscheck" in line for line in RB._partial_lines({"crosscheck": sec}))

    full = RS.section_crosscheck(tmp_path, full=True)
    assert calls[-1] == (["nest", "jneuroml"], {"ex2": True, "network": True, "files": True})
    assert full["source"] == "full" and full["left_out"] == [] and full["saved_file"] == RS.CROSSCHECK_RESULTS
    saved = json.loads((tmp_path / RS.CROSSCHECK_RESULTS).read_text())
    from izh_brian import __version__

    assert saved["izh_brian"] == __version__ and saved["fingerprint"] == RS.crosscheck_fingerprint()
    assert saved["simulators"] == ["nest", "jneuroml"] and saved["left_out"] == [] and saved["n_rows"] == 6
    assert saved["parts"] == {"ex2": True, "network": True, "files": True, "jneuroml_presets": None}
    assert saved["saved_utc"]


def test_saved_full_crosscheck_is_reused_and_a_stale_one_ignored(tmp_path, monkeypatch):
    """A full cross-check saved in the output folder is shown again by a default build without running a
    simulator (also in the main process: compute_sections starts no side process for it); one from another
    izh_brian version, from changed sources, without a simulator that can run now, or unreadable, is
    ignored with a note saying why, and a quick check runs instead."""
    calls = []
    _both_tools(monkeypatch)
    monkeypatch.setattr(RS.interop, "crosscheck", _fake_crosscheck(calls))
    rows = _fake_crosscheck([])(network=True)
    path = RS.save_crosscheck(tmp_path / RS.CROSSCHECK_RESULTS, rows, simulators=["nest", "jneuroml"])

    def boom(*a, **k):
        raise AssertionError("a simulator ran although a current cross-check was saved")

    monkeypatch.setattr(RS.interop, "crosscheck", boom)
    assert RS.crosscheck_reusable(tmp_path)
    sec = RS.section_crosscheck(tmp_path)
    assert sec["source"] == "saved" and sec["rows"] == rows and sec["left_out"] == [] and "ignored_note" not in sec
    assert sec["saved_utc"] and sec["saved_file"] == RS.CROSSCHECK_RESULTS
    assert any("shown from" in line for line in RB._partial_lines({"crosscheck": sec}))
    started = []
    monkeypatch.setattr(RB, "_side_sections", lambda quick, figures_only, part, **k: started.append(part) or {})
    for name in ("section_reference_runs", "section_parameters", "section_phase_planes", "section_fi_curves",
                 "section_validation", "section_agreement", "section_class_map", "section_implementation",
                 "section_identifiability"):
        monkeypatch.setattr(RB, name, lambda *a, **k: {"results": []})
    s = RB.compute_sections(out_dir=tmp_path, parallel=False)
    assert s["crosscheck"]["source"] == "saved" and started == ["network"]

    good = json.loads(path.read_text())
    monkeypatch.setattr(RS.interop, "crosscheck", _fake_crosscheck(calls))
    for change, why in ((lambda d: d.update(izh_brian="0.0.0"), "written by izh_brian 0.0.0"),
                        (lambda d: d.update(fingerprint="0" * 16), "stale: the interop"),
                        (lambda d: d.update(simulators=["nest"]), "jneuroml can run here now"),
                        (lambda d: d.pop("rows"), "not a saved cross-check")):
        bad = dict(good)
        change(bad)
        path.write_text(json.dumps(bad))
        assert not RS.crosscheck_reusable(tmp_path)
        n = len(calls)
        sec = RS.section_crosscheck(tmp_path)
        assert sec["source"] == "quick" and len(calls) > n, why
        assert why in sec["ignored_note"] and RS.CROSSCHECK_RESULTS in sec["ignored_note"], sec["ignored_note"]
    path.write_text("{ not json")
    sec = RS.section_crosscheck(tmp_path)
    assert sec["source"] == "quick" and "not readable" in sec["ignored_note"]
    assert any("ignored" in line for line in RB._partial_lines({"crosscheck": sec}))


def test_report_flags_full_crosscheck(tmp_path, monkeypatch):
    """`izh-brian report --full-crosscheck` asks the build for every row; with --quick it is refused (status 2)."""
    seen = {}

    def fake_build(out, **kwargs):
        seen.update(kwargs)
        return {"out_dir": str(out), "files": [], "n_presets": 28, "simulate_s": 1.0, "build_s": 2.0, "pdf": None,
                "lessons": [], "reasons": {}, "partial": []}

    import izh_brian.cli.figures as CF

    monkeypatch.setattr(CF, "build_outputs", fake_build)
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["report", "--out", str(tmp_path), "--no-pdf", "--full-crosscheck"]) == 0
    assert seen["full_crosscheck"] is True
    with redirect_stdout(buf):
        assert main(["report", "--out", str(tmp_path), "--no-pdf"]) == 0
    assert seen["full_crosscheck"] is False
    err = io.StringIO()
    with redirect_stderr(err):
        assert main(["report", "--out", str(tmp_path), "--quick", "--full-crosscheck"]) == 2
    assert "--full-crosscheck" in err.getvalue()


def test_lessons_appendix_only_when_the_lessons_ran(build, tmp_path):
    """The same build's data with its lessons executed: the PDF gains "B Appendix: lessons" listing each
    lesson, its HTML file and whether it ran; the default build (the fixture's, --no-lessons) has none."""
    import shutil

    out = tmp_path / "with_lessons"
    shutil.copytree(build["out"], out)
    data = json.loads((out / RB.REPORT_DATA).read_text())
    data["lessons"] = {"available": True, "reason": None, "n_ok": 1, "n_total": 2, "lessons": [
        {"name": "00_write_the_model", "html": "00_write_the_model.html", "ok": True, "error": None, "seconds": 3.2},
        {"name": "01_getting_started", "html": "01_getting_started.html", "ok": False,
         "error": "ZeroDivisionError: division by zero", "seconds": 1.0}]}
    (out / RB.REPORT_DATA).write_text(json.dumps(data))
    text = _norm("\n".join(p.extract_text() for p in pypdf.PdfReader(str(RB.build_pdf(out))).pages))
    body = text[text.find("A Appendix: speed and build", text.find("Contents") + 10):]
    assert "B Appendix: lessons" in body and "1 of 2 ran without error" in body
    assert _in_order(["00_write_the_model", "lessons/00_write_the_model.html", "yes"], body)[0] > 0
    assert "no: ZeroDivisionError: division by zero" in body
    assert "Appendix: lessons" not in _norm(build["text"])


def test_report_executes_the_lessons_only_when_asked(tmp_path, monkeypatch, capsys):
    """izh-brian report: no lessons by default (or with --no-lessons), with --lessons or --notebooks DIR;
    --lessons with --no-lessons is refused in one line before anything runs."""
    import izh_brian.cli.figures as cli_figures

    asked = []
    monkeypatch.setattr(cli_figures, "build_outputs", lambda out, **k: asked.append(k["lessons"]) or 1 / 0)
    nb = tmp_path / "nb"
    nb.mkdir()
    for flags in ([], ["--no-lessons"], ["--lessons"], ["--notebooks", str(nb)]):
        with pytest.raises(ZeroDivisionError):  # the stand-in build stops the command once it was called
            main(["report", "--out", str(tmp_path / "out"), "--no-pdf", "--quiet", *flags])
    assert asked == [False, False, True, True]
    capsys.readouterr()
    assert main(["report", "--out", str(tmp_path / "out"), "--no-pdf", "--lessons", "--no-lessons"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--no-lessons" in err and asked == [False, False, True, True]
