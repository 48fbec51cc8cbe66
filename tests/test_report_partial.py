"""An interrupted or failed ``izh-brian report`` leaves ``OUT/BUILD_INCOMPLETE.txt`` beside its partial files
(issue 18, item 6); a finished one removes it.

No real build runs (one costs minutes): the marker's context manager is tested directly, and ``build_outputs``
with the functions it calls replaced by stand-ins that raise or return at once.
"""

import pytest

import izh_brian.cli.figures as cli_figures
from izh_brian.cli import main
from izh_brian.report import build as B

MESSAGE = "this folder's files are partial until the build finishes"


def test_marker_is_removed_when_the_body_finishes(tmp_path):
    with B._marked_partial(tmp_path) as marker:
        assert marker == tmp_path / B.BUILD_INCOMPLETE == tmp_path / "BUILD_INCOMPLETE.txt"
        text = marker.read_text()
        assert text.startswith("izh-brian report started ") and " UTC; " in text and MESSAGE in text
        assert f"run izh-brian report --out {tmp_path} again" in text
        assert len(text.strip().splitlines()) == 2
    assert not marker.exists()


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError, OSError])
def test_marker_stays_when_the_body_raises(tmp_path, exc):
    with pytest.raises(exc):
        with B._marked_partial(tmp_path):
            raise exc("stopped")
    assert MESSAGE in (tmp_path / B.BUILD_INCOMPLETE).read_text()


def test_a_stale_marker_is_overwritten_then_removed(tmp_path):
    stale = tmp_path / B.BUILD_INCOMPLETE
    stale.write_text("izh-brian report started 2001-01-01 00:00:00 UTC; old\n")
    with B._marked_partial(tmp_path):
        text = stale.read_text()
        assert "2001-01-01" not in text and MESSAGE in text
    assert not stale.exists()


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_build_outputs_leaves_the_marker_when_it_stops(tmp_path, monkeypatch, exc):
    """build_outputs writes the marker before it computes anything (compute_sections raises here), and an
    interrupt or a failure leaves it, with the message, in the (new) output folder."""
    def stop(**kwargs):
        assert (tmp_path / "out" / B.BUILD_INCOMPLETE).is_file()  # written before the first section
        raise exc("stopped")

    monkeypatch.setattr(B, "compute_sections", stop)
    with pytest.raises(exc):
        B.build_outputs(tmp_path / "out", pdf=False, lessons=False)
    assert MESSAGE in (tmp_path / "out" / B.BUILD_INCOMPLETE).read_text()


def test_build_outputs_removes_the_marker_after_the_pdf(tmp_path, monkeypatch):
    """A build that finishes removes the marker, and only after its last file (the PDF) is written; a stale
    marker from an interrupted build is gone too."""
    out = tmp_path / "out"
    out.mkdir()
    (out / B.BUILD_INCOMPLETE).write_text("stale\n")
    seen = []

    def sections(**kwargs):
        return {"meta": {}, "reference": {"available": True, "results": [], "n_presets": 0, "simulate_s": 0.0}}

    def pdf(out_dir):
        seen.append((out / B.BUILD_INCOMPLETE).read_text())  # still there while the PDF is compiled
        path = out / B.REPORT_PDF
        path.write_bytes(b"%PDF-")
        return path

    monkeypatch.setattr(B, "compute_sections", sections)
    monkeypatch.setattr(B, "section_speed", lambda s, out_dir: {})
    monkeypatch.setattr(B, "make_figures", lambda *a, **k: {})
    monkeypatch.setattr(B, "_data_for_typst", lambda s, figs: {})
    monkeypatch.setattr(B, "build_pdf", pdf)
    summary = B.build_outputs(out, pdf=True, lessons=False)
    assert len(seen) == 1 and MESSAGE in seen[0]
    assert not (out / B.BUILD_INCOMPLETE).exists()
    assert summary["pdf"] == str(out / B.REPORT_PDF)
    assert summary["files"] == ["spike_times.json", B.REPORT_DATA, B.REPORT_PDF]


def test_cli_report_interrupted_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    """izh-brian report interrupted during the build: exit 130, one line on stderr naming the marker, no
    traceback, nothing on stdout; the marker stays."""
    out = tmp_path / "out"

    def interrupted(out_dir, **kwargs):
        with B._marked_partial(out_dir):  # as build_outputs does
            raise KeyboardInterrupt

    monkeypatch.setattr(cli_figures, "build_outputs", interrupted)
    out.mkdir()
    code = main(["report", "--out", str(out), "--no-pdf", "--no-lessons", "--quiet"])
    stdout, err = capsys.readouterr()
    assert code == 130 and stdout == ""
    assert err.strip() == (f"report interrupted: {out} holds partial files ({out / B.BUILD_INCOMPLETE} marks them); "
                           f"run the same command again")
    assert "Traceback" not in err
    assert (out / B.BUILD_INCOMPLETE).is_file()
