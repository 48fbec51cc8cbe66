"""The report is regenerated from runs: the PDF exists, has every section and figure, and its tables are
the JSON that the same build produced (nothing typed by hand).

One quick build (``izh-brian report --quick``: the numerics study on four presets, a 300 ms network, no
cross-simulator check) is shared by the tests of this module; it takes ~15 s with a warm code cache.
"""

from __future__ import annotations

import io
import json
import os
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

pypdf = pytest.importorskip("pypdf", reason="pypdf is needed to read the report")
pytest.importorskip("typst", reason="the typst package compiles the report")

from izh_brian import report as R  # noqa: E402
from izh_brian.cli import main  # noqa: E402


def _build_once(out):
    """Run ``izh-brian report --quick`` into ``out`` unless another xdist worker already did (file lock)."""
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
                status = main(["report", "--out", str(out), "--quick", "--json"])
            assert status == 0
            done.write_text(buf.getvalue())
    return out, json.loads(done.read_text())


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    # One build per test session, shared by the xdist workers (they share the base temp's parent).
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    out, summary = _build_once(root / "izh_report_quick")
    data = json.loads((out / R.REPORT_DATA).read_text())
    reader = pypdf.PdfReader(str(out / R.REPORT_PDF))
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


def test_pdf_exists_with_every_section(build):
    """`izh-brian report` writes izh_brian_report.pdf with the sections the issue lists: the model,
    design, implementation, results (with each result subsection), limitations, references."""
    assert build["summary"]["pdf"].endswith(R.REPORT_PDF)
    assert len(build["reader"].pages) >= 8
    text = _norm(build["text"])
    for heading in ("1 The model", "2 Design", "3 Implementation", "4 Results", "5 Limitations", "6 References",
                    "Numerical schemes", "One network for every preset", "The 20 features of 2004 Fig. 1",
                    "The cell classes of 2003 Fig. 2", "Validation", "Phase planes", "f-I curves",
                    "Numerics: time step and scheme", "Speed on the build machine"):
        assert heading in text, f"section {heading!r} missing from the PDF"
    # The implementation section prints the equations that ran, read from the package at build time.
    from izh_brian.model import EQUATIONS

    first = _norm(EQUATIONS.strip().splitlines()[0])
    assert first in text, "the model equations in the PDF are not izh_brian.model.EQUATIONS"


def test_pdf_embeds_every_figure_the_build_wrote(build):
    """Each figure of the build is written as PNG and PDF and embedded in the report once."""
    figs = build["data"]["figures"]
    for key in ("fig1_2004", "fig2_2003", "phase_planes", "fi_curves", "validation_matrix", "numerics_table",
                "class_map", "network_raster", "speed"):
        assert key in figs, f"figure {key} was not produced"
        assert (build["out"] / f"{key}.png").read_bytes()[:4] == b"\x89PNG"
        assert (build["out"] / f"{key}.pdf").read_bytes()[:4] == b"%PDF"
    n_images = sum(len(page.images) for page in build["reader"].pages)
    assert n_images == len(figs)


def test_tables_in_the_pdf_are_the_json_of_the_run(build):
    """Every row of every table in report_data.json appears in the PDF, cell by cell, in order:
    the report's tables are read from the run's data at build time."""
    data, text = build["data"], _norm(build["text"])
    tables = {"presets_2004": data["presets_2004"], "presets_2003": data["presets_2003"],
              "phase planes": data["phase_planes"]["table"], "f-I": data["fi_curves"]["table"],
              "numerics": data["numerics"]["table"], "network": data["network"]["table"],
              "speed": data["speed"]["table"], "class map": data["class_map"]["table"],
              "validation": data["validation"]["table"]}
    for name, table in tables.items():
        assert table and table["cells"], f"table {name} is empty"
        pos, missing = _in_order(table["columns"], text)
        assert pos >= 0, f"{name}: header {missing!r} not in the PDF"
        for row in table["cells"]:
            pos, missing = _in_order(row, text, pos)
            assert pos >= 0, f"{name}: cell {missing!r} of row {row} not found in the PDF"
    # The 2004 table's rows are extracted as whole lines: exact match.
    lines = {_norm(x) for x in build["text"].splitlines()}
    for row in data["presets_2004"]["cells"]:
        assert _norm(" ".join(row)) in lines


def test_json_holds_this_runs_numbers(build):
    """The numbers come from simulation and analysis at build time: the spike times of the report are
    figure1.m's (the independent oracle's), its table's spike counts equal the JSON of spike times,
    and the f-I table's thresholds the phase-plane theory."""
    import oracle
    from izh_brian.phaseplane import bifurcation

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


def test_speed_figures_are_measured_on_this_machine(build):
    """The speed section names the build machine and holds positive wall times measured in the build."""
    meta = build["data"]["meta"]
    assert meta["n_cpus"] >= 1 and meta["cpu"]
    assert _norm(f"Measured on {meta['cpu']}") in _norm(build["text"])
    secs = [float(r[1]) for r in build["data"]["speed"]["table"]["cells"]]
    assert secs and all(s > 0 for s in secs)


def test_skipped_section_says_why(build):
    """A section that this build did not produce is shown with the recorded reason, never with stale data."""
    cc = build["data"]["crosscheck"]
    assert cc["available"] is False and "quick build" in cc["reason"]
    assert _norm("Not available in this build: " + cc["reason"]) in _norm(build["text"])
    mod, why = R._optional("no_such_module_xyz")
    assert mod is None and "not part of this build" in why


def test_figures_command_writes_png_and_pdf(tmp_path):
    """`izh-brian figures --out DIR` writes each figure of the report; a bad --format exits with 2."""
    buf = io.StringIO()
    with redirect_stdout(buf):
        status = main(["figures", "--out", str(tmp_path), "--quick", "--json"])
    assert status == 0
    files = json.loads(buf.getvalue())["figures"]
    for key in ("fig1_2004", "fig2_2003", "phase_planes", "fi_curves", "validation_matrix", "numerics_table"):
        assert sorted(p.rsplit(".", 1)[1] for p in files[key]) == ["pdf", "png"]
        assert (tmp_path / f"{key}.png").stat().st_size > 1000
    assert main(["figures", "--out", str(tmp_path), "--format", "bmp"]) == 2


def test_markdown_is_escaped_for_typst(tmp_path):
    """docs/*.md text with Typst's markup characters comes out literally in the PDF (no markup, no error)."""
    import typst

    md = ("# Title\n\n## Part\n\nCosts $5 for #1 of a_b and @x <y> // not a comment.\n\n"
          "- **bold** item with `code_span`\n  continued\n\n```\nraw $ # _\n```\n")
    src = tmp_path / "doc.typ"
    src.write_text(R.markdown_to_typst(md))
    typst.compile(str(src), output=str(tmp_path / "doc.pdf"), root=str(tmp_path))
    text = _norm(pypdf.PdfReader(str(tmp_path / "doc.pdf")).pages[0].extract_text())
    assert "Costs $5 for #1 of a_b and @x <y> // not a comment." in text
    assert "code_span" in text and "raw $ # _" in text and "Title" not in text and "Part" in text


def test_reference_runs_table_is_complete():
    """The preset table lists all 28 reference presets with their parameters and figure1.m's spike
    counts (the independent oracle's)."""
    import oracle

    sec = R.section_reference_runs()
    assert sec["n_presets"] == 28 and len(sec["rows"]) == 28
    assert [r["name"] for r in sec["rows"]] == list(oracle.PROTOCOLS)
    assert {r["paper"] for r in sec["rows"]} == {"2003", "2004"}
    for r in sec["rows"]:
        a, b, c, d = oracle.PROTOCOLS[r["name"]][:4]
        assert (r["a"], r["b"], r["c"], r["d"]) == (a, b, c, d), r["name"]
        assert isinstance(r["n_spikes"], int) and r["n_spikes"] == len(oracle.run_figure1(r["name"])[0]), r["name"]
    assert np.all(np.diff([0.0] + sec["dts_ms"]) > 0)
