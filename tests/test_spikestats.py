"""One definition of each spike-train statistic (izh_brian.analysis.spiketrains), and every user agrees with it.

The first round had the CV of intervals with ddof=0 in the validators and ddof=1 in the atlas, and the
response window as ``onset <= t`` in one and ``onset < t`` in the other. These tests pin the definitions
with hand-computed values and check that the validators' features, the classifier's step response and the
vectorised atlas give the same numbers on the same trains.
"""

import math

import numpy as np
import pytest

from izh_brian.analysis import isi_features, step_response_features
from izh_brian.analysis import spiketrains as spikestats
from izh_brian.atlas import spike_features


def test_cv_is_population_sd_over_mean():
    """CV of intervals 8, 10, 12: mean 10, population SD sqrt(8/3) = 1.633 (the sample SD would be 2.0)."""
    assert spikestats.cv_isi([8.0, 10.0, 12.0]) == pytest.approx(math.sqrt(8 / 3) / 10)
    assert spikestats.cv_isi([5.0, 5.0, 5.0]) == 0.0
    assert math.isnan(spikestats.cv_isi([5.0]))


def test_a_poisson_train_has_cv_near_one():
    """Exponential intervals (a Poisson train) have CV 1."""
    rng = np.random.default_rng(1)
    assert spikestats.cv_isi(rng.exponential(10.0, 20000)) == pytest.approx(1.0, abs=0.02)


def test_window_is_half_open_after_onset():
    """A step switched on at onset acts from the next sample (t > onset), so a spike at onset itself is
    not part of the response, and one at stop is."""
    st = [10.0, 20.0, 35.0, 50.0]
    assert spikestats.in_window(st, 20.0, 50.0).tolist() == [35.0, 50.0]
    assert spikestats.window_rate_hz(st, 20.0, 50.0) == pytest.approx(2 / 0.030)
    with pytest.raises(ValueError, match="stop > onset"):
        spikestats.window_rate_hz(st, 50.0, 20.0)


def test_every_user_agrees_with_the_definitions():
    """The validators' ISI features, the classifier's step response and the vectorised atlas give the
    spikestats values on the same train (same window, same CV)."""
    st = np.array([20.0, 24.0, 29.0, 36.0, 45.0, 57.0, 70.0])
    onset, stop = 20.0, 100.0
    resp = spikestats.in_window(st, onset, stop)
    assert isi_features(st)["cv_isi"] == pytest.approx(spikestats.cv_isi(np.diff(st)))
    f = step_response_features(st, onset, stop)
    assert f["n_spikes"] == len(resp) == 6 and f["n_before"] == 1
    assert f["latency_ms"] == pytest.approx(resp[0] - onset)
    a = spike_features(np.zeros(len(st), int), st, 1, onset, stop)
    assert a["n_spikes_input"][0] == len(resp)
    assert a["rate_hz"][0] == pytest.approx(spikestats.window_rate_hz(st, onset, stop))
    assert a["cv_isi"][0] == pytest.approx(spikestats.cv_isi(np.diff(resp)))
    assert a["mean_isi_ms"][0] == pytest.approx(np.mean(np.diff(resp)))
