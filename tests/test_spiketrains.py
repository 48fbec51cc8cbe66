"""Do two spike trains agree? One definition (izh_brian.analysis.spiketrains.compare_trains), used by the teaching
check, the standalone benchmark, the NEST/jNeuroML crosscheck rows and the fitter's coincidence factor.

The k-th spike of one train is paired with the k-th of the other. Two spikes fall on the same step of a grid of
``dt`` when they are at most ``dt / 2`` apart (edge included), which for a train on the grid ``k dt`` is the same
as rounding both to the nearest step. The coincidence factor pairs spikes at most ``window_ms`` apart (edge
included) whatever their rank, each spike at most once.
"""

import dataclasses
import math

import numpy as np
import pytest

from izh_brian.analysis.spiketrains import (
    COINCIDENCE_WINDOW_MS,
    coincidence_factor,
    compare_trains,
    n_coincident,
)

DT = 0.25


def test_identical_trains_agree_in_every_sense():
    c = compare_trains([10.0, 20.0, 30.0], [10.0, 20.0, 30.0], dt_ms=DT, duration_ms=100.0)
    assert c.exact and c.same_steps and c.same_count and c.n_off == 0
    assert c.max_abs_dt_ms == 0.0 and c.first_index is None and c.first_difference_ms is None
    assert c.n_coincident == 3 and c.coincidence_factor == 1.0 and c.window_ms == COINCIDENCE_WINDOW_MS


def test_one_spike_a_step_late_is_the_first_difference():
    """The second spike a step late: pair 1 is off (not pair 0 or 2, as a pairing shifted by one would say)."""
    c = compare_trains([10.0, 20.0, 30.0], [10.0, 20.25, 30.0], dt_ms=DT)
    assert not c.same_steps and not c.exact and c.same_count
    assert c.n_off == 1 and c.first_index == 1
    assert (c.first_a_ms, c.first_b_ms, c.first_difference_ms) == (20.0, 20.25, 20.0)
    assert c.max_abs_dt_ms == pytest.approx(0.25)


def test_a_spike_missing_at_the_end_is_a_difference():
    """Every pair agrees but train b lacks the last spike: the trains differ, first at the unpaired spike."""
    c = compare_trains([10.0, 20.0, 30.0], [10.0, 20.0], dt_ms=DT)
    assert not c.same_steps and not c.exact and not c.same_count and (c.n_a, c.n_b) == (3, 2)
    assert c.n_off == 0 and c.max_abs_dt_ms == 0.0
    assert (c.first_index, c.first_a_ms, c.first_b_ms, c.first_difference_ms) == (2, 30.0, None, 30.0)
    c = compare_trains([10.0], [10.0, 20.0], dt_ms=DT)
    assert (c.first_index, c.first_a_ms, c.first_b_ms, c.first_difference_ms) == (1, None, 20.0, 20.0)


def test_a_missing_first_spike_offsets_every_pair():
    """Pairs go by rank: a train that lacks its first spike is off at pair 0, and by a whole interval."""
    c = compare_trains([20.0, 30.0], [10.0, 20.0, 30.0], dt_ms=DT)
    assert c.first_index == 0 and c.n_off == 2 and c.max_abs_dt_ms == 10.0 and c.first_difference_ms == 10.0


def test_half_a_step_is_still_the_same_step():
    """|a - b| = dt/2 exactly: the same step (edge included); a hair more: another step."""
    assert compare_trains([10.0], [10.125], dt_ms=DT).same_steps
    c = compare_trains([10.0], [10.125 + 1e-6], dt_ms=DT)
    assert not c.same_steps and c.n_off == 1 and c.first_index == 0


def test_without_a_step_times_must_be_equal():
    assert compare_trains([10.0, 20.0], [10.0, 20.0]).same_steps
    c = compare_trains([10.0, 20.0], [10.0, 20.0 + 1e-12])
    assert not c.same_steps and not c.exact and c.first_index == 1 and c.dt_ms is None


def test_pairs_go_in_the_order_given():
    """No sorting: a train of per-neuron blocks (neuron 0's spikes, then neuron 1's) is paired block by block."""
    assert compare_trains([5.0, 1.0], [5.0, 1.0]).exact
    assert not compare_trains([1.0, 5.0], [5.0, 1.0], dt_ms=DT).same_steps


def test_empty_trains():
    c = compare_trains([], [], dt_ms=DT, duration_ms=100.0)
    assert c.exact and c.same_steps and c.max_abs_dt_ms is None and c.coincidence_factor == 1.0
    c = compare_trains([], [10.0], dt_ms=DT, duration_ms=100.0)
    assert not c.same_steps and c.max_abs_dt_ms is None and c.first_difference_ms == 10.0
    assert c.coincidence_factor == 0.0


def test_the_record_is_frozen():
    c = compare_trains([1.0], [1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.n_a = 2
    with pytest.raises(ValueError):
        compare_trains([1.0], [1.0], dt_ms=0.0)


def test_the_coincidence_window_includes_its_edge():
    """A spike exactly window_ms away coincides; a hair further does not."""
    assert n_coincident([10.0], [12.0], 2.0) == 1
    assert n_coincident([10.0], [12.0 + 1e-9], 2.0) == 0
    assert n_coincident([10.0], [8.0], 2.0) == 1
    assert compare_trains([10.0], [12.0], window_ms=2.0).n_coincident == 1
    assert compare_trains([10.0], [12.0], window_ms=1.5).n_coincident == 0


def test_each_spike_coincides_at_most_once():
    """Two model spikes near one data spike make one coincidence, and one model spike near two data spikes too."""
    assert n_coincident([10.0, 10.5], [10.2], 2.0) == 1
    assert n_coincident([10.2], [10.0, 10.5], 2.0) == 1
    assert n_coincident([10.0, 10.5], [10.2, 10.7], 2.0) == 2


def test_coincidence_factor_by_hand():
    """Gamma = (N_c - 2 nu Delta N_d) / (0.5 (N_d + N_m) (1 - 2 nu Delta)), nu = N_m / T."""
    assert coincidence_factor([10.0, 50.0], [10.0, 50.0], 100.0) == 1.0
    # shifted by 5 ms: no coincidence; chance 2 * 0.02 * 2 * 2 = 0.16; norm 1 - 0.08
    assert coincidence_factor([15.0, 55.0], [10.0, 50.0], 100.0) == pytest.approx(-0.16 / (2 * 0.92))
    # one of two within the window
    assert coincidence_factor([11.0, 55.0], [10.0, 50.0], 100.0) == pytest.approx((1 - 0.16) / (2 * 0.92))
    # a model at 250 Hz or more (nu >= 1 / (2 Delta)) meets anything by chance: 0
    assert coincidence_factor(np.arange(0.0, 100.0, 4.0), [10.0], 100.0) == 0.0
    assert coincidence_factor([], [], 100.0) == 1.0 and coincidence_factor([10.0], [], 100.0) == 0.0
    with pytest.raises(ValueError):
        coincidence_factor([10.0], [10.0], 0.0)
    with pytest.raises(ValueError):
        coincidence_factor([10.0], [10.0], 100.0, 0.0)


def test_unrelated_trains_coincide_by_chance_only():
    """Two independent Poisson trains at 10 Hz over 1000 s: Gamma near 0."""
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 1e6, 10000))
    b = np.sort(rng.uniform(0, 1e6, 10000))
    assert abs(coincidence_factor(a, b, 1e6)) < 0.05
    assert compare_trains(a, b, duration_ms=1e6).coincidence_factor == coincidence_factor(a, b, 1e6)


def test_every_caller_reads_the_one_comparison():
    """The teaching check, the crosscheck row, the standalone benchmark and the fitter give its answers."""
    from izh_brian.fitting import coincidence_factor as fit_gamma
    from izh_brian.interop.nest import spike_row
    from izh_brian.teaching.check import compare_trains as check_compare

    a, b = [13.0, 17.0, 31.5], [13.0, 17.25, 31.5, 45.0]
    c = compare_trains(a, b, dt_ms=DT)
    d = check_compare(a, b, DT)
    assert d == {"matches": False, "n_spikes": 3, "n_reference": 4, "max_abs_dt_ms": 0.25,
                 "first_difference_ms": 17.0, "n_off": 1}
    assert (d["matches"], d["max_abs_dt_ms"], d["first_difference_ms"]) == (c.same_steps, c.max_abs_dt_ms,
                                                                            c.first_difference_ms)
    row = spike_row("x", "nest", a, b, DT)
    assert row == {"name": "x", "simulator": "nest", "n_spikes_ours": 3, "n_spikes_theirs": 4, "max_dt_ms": None,
                   "agree": False}
    row = spike_row("x", "nest", [13.0, 17.0], [13.0, 17.25], DT)
    assert row["max_dt_ms"] == 0.25 and not row["agree"]
    row = spike_row("x", "nest", [], [], DT)
    assert row["max_dt_ms"] == 0.0 and row["agree"]
    assert fit_gamma([11.0, 55.0], [10.0, 50.0], 100.0) == coincidence_factor([11.0, 55.0], [10.0, 50.0], 100.0)
    assert not math.isnan(fit_gamma([11.0], [10.0], 100.0, 4.0))
