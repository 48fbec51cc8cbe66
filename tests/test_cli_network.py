"""``izh-brian network``: the command line of the 2003 network, its JSON interface and its errors."""

import json

import numpy as np
import pytest
from netm_oracle import netm_firings, netm_paper_draws

from izh_brian.cli import main

#: Fields of ``--json`` that are a public interface (issue 5).
REQUIRED = ("n_exc", "n_inh", "duration_ms", "scheme", "seed", "rate_hz", "rate_exc_hz", "rate_inh_hz", "peak_hz",
            "build_s", "run_s")


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_json_fields_and_raster_match_netm(capsys):
    """`izh-brian network --scenario paper --scheme net2003 --json --raster` prints one object with
    the public fields, and its raster (excitatory neurons 0..799 first) is net.m's for that seed."""
    out = _json(capsys, ["network", "--scenario", "paper", "--scheme", "net2003", "--duration", "200", "--seed", "3",
                         "--json", "--raster"])
    for key in REQUIRED + ("spike_t_ms", "spike_i"):
        assert key in out, key
    assert (out["n_exc"], out["n_inh"], out["duration_ms"], out["scheme"], out["seed"]) == (800, 200, 200.0,
                                                                                           "net2003", 3)
    a, b, c, d, S, I = netm_paper_draws(3, T=200)
    f = netm_firings(a, b, c, d, S, I)
    assert sorted(zip(out["spike_t_ms"], out["spike_i"])) == sorted(zip((f[:, 0] - 1.0).tolist(), f[:, 1].tolist()))
    i = np.array(out["spike_i"])
    assert out["rate_exc_hz"] == pytest.approx(np.sum(i < 800) / 800 / 0.2)
    assert out["rate_inh_hz"] == pytest.approx(np.sum(i >= 800) / 200 / 0.2)


def test_same_seed_same_raster_different_seed_different(capsys):
    """The raster is a function of the seed: the same seed twice gives the same raster, another
    seed a different one."""
    argv = ["network", "--ne", "160", "--ni", "40", "--duration", "200", "--json", "--raster"]
    a = _json(capsys, argv + ["--seed", "1"])
    b = _json(capsys, argv + ["--seed", "1"])
    c = _json(capsys, argv + ["--seed", "2"])
    assert (a["spike_t_ms"], a["spike_i"]) == (b["spike_t_ms"], b["spike_i"])
    assert (a["spike_t_ms"], a["spike_i"]) != (c["spike_t_ms"], c["spike_i"])
    assert a["n_exc"] == 160 and max(a["spike_i"]) < 200


def test_types_weights_and_plot(capsys, tmp_path):
    """--exc/--inh/--we/--wi choose the types and weight scales (the raster is the library's network
    of CH and FS cells with those weights, not the default one); --plot writes the figure file."""
    from izh_brian.network import simulate_network

    png = tmp_path / "net.png"
    out = _json(capsys, ["network", "--exc", "CH", "--inh", "FS", "--we", "0.3", "--wi", "0.2", "--ne", "80", "--ni",
                         "20", "--duration", "100", "--seed", "0", "--json", "--raster", "--plot", str(png)])
    assert (out["exc"], out["inh"], out["we"], out["wi"]) == ("CH", "FS", 0.3, 0.2)
    kw = dict(ne=80, ni=20, duration_ms=100, seed=0, progress=False, record_v=())
    chosen = simulate_network("paper", exc="CH", inh="FS", we=0.3, wi=0.2, **kw)
    default = simulate_network("paper", **kw)
    pairs = sorted(zip(out["spike_t_ms"], out["spike_i"]))
    assert pairs == sorted(zip(chosen.spike_steps.astype(float).tolist(), chosen.spike_i.tolist()))
    assert pairs != sorted(zip(default.spike_steps.astype(float).tolist(), default.spike_i.tolist()))
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000


def test_text_output(capsys):
    """Without --json one readable summary with the rates and the peak frequency."""
    assert main(["network", "--scenario", "S4", "--ne", "80", "--ni", "20", "--duration", "100"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("S4:") and "Hz" in text and "peak" in text


@pytest.mark.parametrize("argv, needle", [
    (["--scenario", "S9"], "unknown scenario 'S9'"),
    (["--exc", "nonsense"], "nonsense"),
    (["--scheme", "figure1"], "figure1"),
    (["--duration", "-5"], "--duration"),
    (["--ne", "abc"], "--ne"),
    (["--seed", "1.5"], "--seed"),
    (["--ne", "100000", "--connectivity", "dense", "--duration", "10"], "limit of"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    """Bad input exits with status 2 and one line naming the value (no traceback); a network that
    would not fit in memory is refused with the estimate and the limit."""
    assert main(["network"] + argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "Traceback" not in err and len(err.splitlines()) == 1
