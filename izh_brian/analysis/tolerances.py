"""Every threshold of every validator and of the classifier, in one frozen record (:data:`TOL`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = [
    "Tolerances",
    "TOL",
]


@dataclass(frozen=True)
class Tolerances:
    """The named thresholds of the validators and the classifier, in one place.

    Attributes
    ----------
    burst_isi_ms : float
        Largest inter-spike interval inside a burst (ms).
    burst_gap_ratio : float
        A group of closely spaced spikes is a burst only if the silence after
        it (to the next spike or the end of the epoch) is at least this many
        times its longest intra-burst interval.
    burst_min_spikes : int
        Fewest spikes of a burst (a doublet is not a burst).
    doublet_isi_ms : float
        TC: a first interval shorter than this is an onset doublet (RS-like).
    tonic_min_spikes : int
        Fewest spikes of sustained (tonic) firing during a step.
    sustain_factor : float
        Firing is sustained if the silence from the last spike to the end of
        the step is under this many times the late period (the longest of
        the last three inter-spike intervals, or the mean inter-burst interval).
    regular_cv_max : float
        Largest CV of the late inter-spike intervals (second half of the
        train) of regular tonic firing.
    phasic_quiet_fraction : float
        A phasic response leaves at least this fraction of the step silent
        after its last spike.
    adaptation_ratio_min : float
        Last ISI / first ISI of an adapting train (spike-frequency adaptation).
    mixed_gap_ratio : float
        Mixed mode / IB: the first tonic interval is at least this many times
        the longest interval of the onset burst.
    high_rate_hz : float
        Steady (late) rate that counts as high-frequency firing (FS, LTS).
    low_rate_hz : float
        Steady rate under which tonic firing is "regular" rather than fast (RS).
    fs_adaptation_max : float
        FS: last ISI / first ISI at most this (practically no adaptation).
    rs_adaptation_min : float
        Classifier: slow tonic firing with last / first ISI at least this is
        RS, below it TC.
    class_boundary_hz : float
        Firing rate at onset on a slow ramp separating class 1 (below:
        starts near 0 Hz) from class 2 (at or above: a clearly positive rate).
    rate_growth_min : float
        Class 1: the final rate is at least this many times the onset rate.
    latency_min_ms : float
        Spike latency: the spike comes at least this long after the pulse onset.
    rebound_window_ms : float
        Rebound: spikes counted within this time after an inhibitory pulse ends.
    osc_min_amp_mV : float
        Smallest peak-to-trough swing counted as one half-cycle of a
        subthreshold oscillation.
    osc_min_extrema : int
        Fewest alternating extrema (peaks and troughs) of an oscillation.
    adp_min_mV : float
        Smallest rise of v after the reset that counts as an after-depolarisation.
    adp_window_ms : float
        Window after a spike in which the after-depolarisation is looked for.
    switch_off_margin_ms : float
        Bistability: time after the second pulse ends within which a last
        spike may still come.
    ramp_current_ratio_max : float
        Accommodation: the fast ramp elicits a spike at a current below this
        fraction of the largest current of the slow ramp, which elicited none.
    current_jump : float
        Smallest jump of the input (mV/ms per sample) that separates epochs
        when the protocol is given as an array only.
    """

    burst_isi_ms: float = 12.0
    burst_gap_ratio: float = 2.0
    burst_min_spikes: int = 3
    doublet_isi_ms: float = 8.0
    tonic_min_spikes: int = 3
    sustain_factor: float = 2.0
    regular_cv_max: float = 0.25
    phasic_quiet_fraction: float = 0.5
    adaptation_ratio_min: float = 3.0
    mixed_gap_ratio: float = 6.0
    high_rate_hz: float = 50.0
    low_rate_hz: float = 50.0
    fs_adaptation_max: float = 2.5
    rs_adaptation_min: float = 1.5
    class_boundary_hz: float = 35.0
    rate_growth_min: float = 1.5
    latency_min_ms: float = 10.0
    rebound_window_ms: float = 100.0
    osc_min_amp_mV: float = 0.1
    osc_min_extrema: int = 3
    adp_min_mV: float = 2.0
    adp_window_ms: float = 10.0
    switch_off_margin_ms: float = 10.0
    ramp_current_ratio_max: float = 0.75
    current_jump: float = 0.25

    def to_dict(self) -> dict:
        """The thresholds as a plain dict."""
        return asdict(self)


#: The thresholds every validator and the classifier read.
TOL = Tolerances()
