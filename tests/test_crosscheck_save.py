"""``izh-brian crosscheck --save DIR``: the rows saved as DIR/crosscheck.json for ``izh-brian report --out DIR``.

No simulator runs: the CLI's ``crosscheck`` is replaced by hand-made rows in the real row format
(:mod:`izh_brian.interop.crosscheck`), and the report's view of the tools here (``_crosscheck_tools``) is set
per test, so what the file lists and whether the report shows it are checked for each case.
"""

import json

import pytest

import izh_brian.cli.interop as cli_interop
from izh_brian.cli import main
from izh_brian.report import sections as S

ROWS = {
    "nest": [
        {"name": "tonic_spiking", "simulator": "nest", "n_spikes_ours": 10, "n_spikes_theirs": 10,
         "max_dt_ms": 0.0, "agree": True},
        {"name": "tonic_spiking", "simulator": "nest_published", "n_spikes_ours": 10, "n_spikes_theirs": 10,
         "max_dt_ms": 0.0, "agree": True},
        {"name": "accommodation", "simulator": "nest", "n_spikes_ours": None, "n_spikes_theirs": None,
         "max_dt_ms": None, "agree": None,
         "reason": "the 'accommodation' variant is not expressible in NEST's izhikevich model"},
    ],
    "jneuroml": [
        {"name": "tonic_spiking", "simulator": "jneuroml", "n_spikes_ours": 10, "n_spikes_theirs": 10,
         "max_dt_ms": 0.0, "agree": True},
        {"name": "Ex2/IzhPop0", "simulator": "jneuroml", "n_spikes_ours": 4, "n_spikes_theirs": 4,
         "max_dt_ms": 0.0, "agree": True},
    ],
}
MISSING = {"nest": "NEST is not installed here (the Python module 'nest' cannot be imported)",
           "jneuroml": "jNeuroML needs Java, and no 'java' program is on the PATH"}


@pytest.fixture
def fake(monkeypatch):
    """Set the tools that can run here (``fake(['nest'])``); the CLI's crosscheck then returns ROWS for those
    and skipped rows for the others, as the real one does, and records how it was called."""
    calls = []

    def setup(can_run):
        def crosscheck(simulators=("nest", "jneuroml"), presets=None, *, ex2=True, network=True, files=True):
            calls.append({"simulators": list(simulators), "files": files})
            rows = []
            for sim in simulators:
                if sim in can_run:
                    rows += [dict(r) for r in ROWS[sim]]
                else:
                    rows += [{**r, "n_spikes_ours": None, "n_spikes_theirs": None, "max_dt_ms": None,
                              "agree": None, "reason": MISSING[sim]} for r in ROWS[sim]]
            return rows

        monkeypatch.setattr(cli_interop, "crosscheck", crosscheck)
        monkeypatch.setattr(S, "_crosscheck_tools",
                            lambda: (list(can_run), {k: v for k, v in MISSING.items() if k not in can_run}))
        return calls

    return setup


def saved(folder):
    return json.loads((folder / S.CROSSCHECK_RESULTS).read_text())


def test_save_all_is_shown_again_by_the_report(fake, tmp_path, capsys):
    """Both tools here, --simulator all: DIR (nested, missing) is created, the file holds every row and both
    simulators, load_crosscheck takes it, and so does the report (crosscheck_reusable)."""
    calls = fake(["nest", "jneuroml"])
    folder = tmp_path / "a" / "out"
    code = main(["crosscheck", "--save", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert calls == [{"simulators": ["nest", "jneuroml"], "files": True}]
    data = saved(folder)
    assert data["simulators"] == ["nest", "jneuroml"]
    assert data["rows"] == ROWS["nest"] + ROWS["jneuroml"]
    assert data["parts"] == {"ex2": True, "network": True, "files": True, "jneuroml_presets": None}
    assert data["left_out"] == []
    got, note = S.load_crosscheck(folder, ["nest", "jneuroml"])
    assert note is None and got["rows"] == data["rows"]
    assert S.crosscheck_reusable(folder)
    last = out.strip().splitlines()[-1]
    assert str(folder / S.CROSSCHECK_RESULTS) in last
    assert f"izh-brian report --out {folder} shows these rows" in last


def test_save_nest_only_says_the_report_ignores_it_when_jneuroml_can_run(fake, tmp_path, capsys):
    """--simulator nest while jNeuroML can run here: the file lists nest only, the report ignores it (as
    load_crosscheck says), and the printed line says so instead of promising reuse."""
    fake(["nest", "jneuroml"])
    folder = tmp_path / "out"
    code = main(["crosscheck", "--simulator", "nest", "--save", str(folder)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert saved(folder)["simulators"] == ["nest"]
    got, note = S.load_crosscheck(folder, ["nest", "jneuroml"])
    assert got is None and "jneuroml can run here now" in note
    assert not S.crosscheck_reusable(folder)
    last = out.strip().splitlines()[-1]
    assert "ignores them" in last and "jneuroml can run here" in last and "shows these rows" not in last


def test_save_json_keeps_stdout_and_leaves_out_missing_tools(fake, tmp_path, capsys):
    """--json --no-files with jNeuroML missing: stdout is exactly the rows' JSON, the saved line is the one
    line on stderr, the file lists nest only (jNeuroML's rows were skipped) and no example files, and the
    report here, where only NEST can run, shows it."""
    calls = fake(["nest"])
    folder = tmp_path / "out"
    folder.mkdir()
    code = main(["crosscheck", "--json", "--no-files", "--save", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0
    assert calls == [{"simulators": ["nest", "jneuroml"], "files": False}]
    rows = json.loads(out)
    assert [r["simulator"] for r in rows] == ["nest", "nest_published", "nest", "jneuroml", "jneuroml"]
    assert all(r["reason"] == MISSING["jneuroml"] for r in rows if r["simulator"] == "jneuroml")
    assert len(err.strip().splitlines()) == 1 and "shows these rows" in err
    data = saved(folder)
    assert data["simulators"] == ["nest"] and data["rows"] == rows
    assert data["parts"]["files"] is False
    assert S.load_crosscheck(folder, ["nest"])[1] is None
    assert S.crosscheck_reusable(folder)


def test_save_into_a_file_is_refused_before_anything_runs(fake, tmp_path, capsys):
    """--save naming a file: exit 2, one line, no traceback, no simulator run, the file untouched."""
    calls = fake(["nest", "jneuroml"])
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    code = main(["crosscheck", "--save", str(target)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("izh-brian: error: --save") and "not a folder" in err
    assert calls == [] and target.read_text() == "mine"
