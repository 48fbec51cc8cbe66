"""The checks of lesson 07 (the 2003 network): right answers pass, plausible wrong ones and the placeholder
fail, and no answer makes a check raise.

Expected values for exercises 1 and 2 come from ``netm_oracle.py``, net.m typed in numpy independently of
the package, fed the same random draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from netm_oracle import netm_firings, netm_paper_draws

from izh_brian.teaching.exercises import PLACEHOLDER_HINT, Feedback, lesson07

JUNK = [..., None, "0.8", [0.5, 1.0], float("nan"), float("inf"), True, object(), {"we": 0.5}, {"we": "a", "wi": 1},
        {"we": 0.5, "wi": 99.0}, {"we": 0.5, "wi": 1.0, "seed": 3}, -0.2]


@pytest.fixture(scope="module")
def paper_oracle():
    """net.m on the lesson's network (paper weights, seed 1, 1000 ms): weights, noise and firings."""
    net = lesson07.NETWORK
    a, b, c, d, S, I = netm_paper_draws(net["seed"], T=int(net["duration_ms"]))
    return S, I, netm_firings(a, b, c, d, S, I)


def test_exercise_1_net_m_coupling_rule(paper_oracle):
    """In the busiest step, neuron 0's synaptic input is sum(S(0, fired)) over the neurons that fired in that
    step (net.m: I = I + sum(S(:,fired),2)). The oracle's value passes; the total input (noise included),
    the weights from neuron 0 (S(fired, 0)), all weights of row 0, and the misreading S*v fail."""
    S, I, firings = paper_oracle
    t, counts = np.unique(firings[:, 0], return_counts=True)
    busiest = t[np.argmax(counts)]
    fired = firings[firings[:, 0] == busiest, 1]
    right = S[0, fired].sum()
    assert lesson07.synaptic_input(0) == pytest.approx(right, abs=1e-9)
    assert lesson07.check_1(right).ok
    fb = lesson07.check_1(right + I[busiest - 1, 0])
    assert not fb.ok and "noise" in fb.message
    fb = lesson07.check_1(S[fired, 0].sum())
    assert not fb.ok and "FROM neuron 0" in fb.message
    assert not lesson07.check_1(S[0].sum()).ok
    assert not lesson07.check_1(S[0] @ np.full(S.shape[1], -65.0)).ok, "weights times membrane potentials"


def test_exercise_2_excitatory_fraction_of_spikes():
    """In scenario S4 (weights 0.1 rand, -0.1 rand) the thalamic noise dominates and is stronger for the
    excitatory cells (5 randn against 2 randn), so they fire more than 0.8 of the spikes. The oracle's
    fraction passes; 0.8 (the fraction of neurons) and the inhibitory fraction fail."""
    net = lesson07.FRACTION_NETWORK
    assert net["scenario"] == "S4"
    a, b, c, d, S, I = netm_paper_draws(net["seed"], T=int(net["duration_ms"]), we=0.1, wi=0.1)
    firings = netm_firings(a, b, c, d, S, I)
    frac = np.count_nonzero(firings[:, 1] < 800) / len(firings)
    assert frac > 0.81
    assert lesson07.check_2(frac).ok
    fb = lesson07.check_2(0.8)
    assert not fb.ok and "neurons" in fb.message
    assert not lesson07.check_2(1 - frac).ok


def test_exercise_3_gamma_needs_strong_inhibition():
    """Strong inhibition (wi = 2 with net.m's we = 0.5) puts the rate's spectral peak in the gamma band for
    both seeds; net.m's own weights (we 0.5, wi 1) give the alpha-range peak of the paper and fail."""
    assert lesson07.check_3({"we": 0.5, "wi": 2.0}).ok
    fb = lesson07.check_3({"we": 0.5, "wi": 1.0})
    assert not fb.ok and "seed 1" in fb.message


@pytest.mark.parametrize("check", [lesson07.check_1, lesson07.check_2, lesson07.check_3])
@pytest.mark.parametrize("answer", JUNK, ids=[f"{k}-{type(x).__name__}" for k, x in enumerate(JUNK)])
def test_checks_never_raise(check, answer):
    """Whatever the student types, a check returns NOT YET feedback with a reason."""
    fb = check(answer)
    assert isinstance(fb, Feedback) and not fb.ok and fb.message


def test_placeholder_and_range_messages():
    """The placeholder is named; an inhibitory scale out of range is named with the allowed range."""
    assert lesson07.check_3(...).message == PLACEHOLDER_HINT
    msg = lesson07.check_3({"we": 0.5, "wi": 99.0}).message
    assert "wi = 99" in msg and "0 .. 4" in msg
