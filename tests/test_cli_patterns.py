"""The pattern sub-commands of ``izh-brian``: validate, classify, class-map, matrix, numerics, run --validate.

The science behind each output is tested in test_patterns/test_numerics/test_classify;
here: the public JSON field names, exit statuses and one-line errors.
"""

import json

import pytest

from izh_brian.cli import main


def _json(capsys, argv, status=0):
    rc = main(argv)
    out = capsys.readouterr()
    assert rc == status, out.err
    return json.loads(out.out)


def test_validate_json_all_28_pass_under_the_default_scheme(capsys):
    """`validate --json`: one record per reference preset (name, ok, reasons); under figure1 at the
    published dt every pattern is reproduced, so every record is ok and says why."""
    d = _json(capsys, ["validate", "--json"])
    assert len(d["results"]) == 28
    for r in d["results"]:
        assert {"name", "ok", "reasons"} <= set(r) and r["ok"] is True and r["reasons"]


def test_validate_exits_1_when_a_pattern_breaks(capsys):
    """At dt = 0.1 ms bistability and inhibition-induced bursting break: exit status 1."""
    d = _json(capsys, ["validate", "--dt", "0.1", "--json"], status=1)
    by = {r["name"]: r for r in d["results"]}
    assert by["bistability"]["ok"] is False and by["tonic_spiking"]["ok"] is True
    assert any(x.startswith("FAILED") for x in by["bistability"]["reasons"])


def test_validate_text_table(capsys):
    """Without --json, a table and the summary line: all 28 patterns pass, exit status 0."""
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "28/28 patterns pass" in out and "tonic_bursting" in out


def test_run_validate_follows_set_overrides(capsys):
    """`run tonic_bursting --set d=8 --validate` says the changed neuron no longer bursts."""
    d = _json(capsys, ["run", "tonic_bursting", "--set", "d=8", "--validate", "--json"], status=1)
    v = d[0]["validation"]
    assert set(v) == {"pattern", "ok", "reasons", "features"}
    assert v["pattern"] == "tonic_bursting" and v["ok"] is False
    d = _json(capsys, ["run", "tonic_bursting", "RS", "--validate", "--json"])
    assert [x["validation"]["ok"] for x in d] == [True, True]


def test_classify_json(capsys):
    """`classify --json` for (0.02, 0.2, -50, 2), the 2003 chattering cell: label CH, with its
    reasons, features, the step current and the parameters."""
    d = _json(capsys, ["classify", "--set", "a=0.02", "--set", "b=0.2", "--set", "c=-50", "--set", "d=2", "--json"])
    assert d["label"] == "CH" and d["reasons"] and d["features"]["n_spikes"] > 0
    assert d["current"] == 10.0 and d["c"] == -50.0


def test_classify_errors_are_one_line(capsys):
    """A missing parameter or a non-numeric --current exits 2 with one line naming it."""
    assert main(["classify", "--set", "a=0.02", "--set", "b=0.2", "--set", "c=-50"]) == 2
    err = capsys.readouterr().err
    assert "missing: d" in err and len(err.strip().splitlines()) == 1
    assert main(["classify", "--set", "a=0.02", "--set", "b=0.2", "--set", "c=-50", "--set", "d=2",
                 "--current", "lots"]) == 2
    assert "--current" in capsys.readouterr().err


def test_class_map_json_and_errors(capsys):
    """`class-map --json`: rows are the y values, columns the x values; RS sits at (c=-65, d=8)
    and CH at (c=-50, d=2); a bad key or range exits 2 naming it."""
    d = _json(capsys, ["class-map", "--x", "c=-65:-50:2", "--y", "d=8:2:2", "--set", "a=0.02", "--json"])
    assert d["x_values"] == [-65.0, -50.0] and d["y_values"] == [8.0, 2.0]
    assert d["labels"][0][0] == "RS" and d["labels"][1][1] == "CH"
    # the diagonal cannot tell a transposed map: the off-diagonal spike counts can
    from izh_brian.analysis import classify

    n_01 = classify(0.02, 0.2, -50.0, 8.0).features["n_spikes"]  # row d = 8, column c = -50
    n_10 = classify(0.02, 0.2, -65.0, 2.0).features["n_spikes"]  # row d = 2, column c = -65
    assert n_01 != n_10 and (d["n_spikes"][0][1], d["n_spikes"][1][0]) == (n_01, n_10)
    assert main(["class-map", "--x", "q=1:2:3", "--y", "d=1:2:2"]) == 2
    assert "unknown parameter 'q'" in capsys.readouterr().err
    assert main(["class-map", "--x", "c=1:2", "--y", "d=1:2:2"]) == 2
    assert "START:STOP:N" in capsys.readouterr().err


def test_matrix_json(capsys):
    """`matrix --json`: the 28 x 28 validation matrix, its diagonal all true, and the off-diagonal
    acceptances listed pair by pair (CH accepts tonic bursting, as docs/patterns.md explains)."""
    d = _json(capsys, ["matrix", "--json"])
    assert len(d["names"]) == 28 and d["diagonal_ok"] is True
    assert d["n_off_diagonal"] == len(d["off_diagonal"]) == sum(
        d["matrix"][i][j] for i in range(28) for j in range(28) if i != j)
    assert {"validator": "CH", "response": "tonic_bursting"} in d["off_diagonal"]


def test_numerics_json_for_named_presets(capsys):
    """`numerics --json` for named presets: bistability passes at its published dt and breaks
    under rk4 at 0.01 ms; its adjusted fine protocol passes there."""
    d = _json(capsys, ["numerics", "bistability", "bistability_fine", "--no-fine", "--json"])
    assert [c["key"] for c in d["configs"]][0] == "figure1@published"
    rows = {r["name"]: r for r in d["rows"]}
    assert rows["bistability"]["figure1@published"]["ok"] is True
    assert rows["bistability"]["rk4@0.01"]["ok"] is False
    assert rows["bistability_fine"]["rk4@0.01"]["ok"] is True


def test_unknown_scheme_is_a_one_line_error(capsys):
    """An unknown --scheme exits 2 naming the value and the allowed schemes."""
    assert main(["validate", "--scheme", "leapfrog"]) == 2
    err = capsys.readouterr().err
    assert "leapfrog" in err and "allowed" in err


@pytest.mark.parametrize("cmd", ["validate", "classify", "class-map", "matrix", "numerics"])
def test_sub_commands_are_registered(cmd, capsys):
    """Each pattern sub-command is registered: its --help exits 0 and names it."""
    with pytest.raises(SystemExit) as e:
        main([cmd, "--help"])
    assert e.value.code == 0
    assert cmd in capsys.readouterr().out
