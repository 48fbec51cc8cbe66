"""The 2003 network of net.m: building and running it (:mod:`.build`) and its rhythms (:mod:`.analysis`).
The numpy transcription of net.m (:mod:`.netm`) and the cpp_standalone runner (:mod:`.standalone`) are
imported from their modules."""

from izh_brian.network.analysis import (
    ALPHA_BAND_HZ,
    GAMMA_BAND_HZ,
    analyze_spikes,
    compute_band_powers,
    compute_population_rate,
    compute_rates,
    compute_spectrum,
    compute_synchrony,
    dominant_frequency,
)
from izh_brian.network.build import (
    SCENARIOS,
    NetworkResult,
    NetworkSpec,
    NetworkTooLargeError,
    Scenario,
    build_network,
    check_memory,
    draw_network,
    estimate_memory,
    get_scenario,
    make_spec,
    memory_limit_bytes,
    run_network,
    simulate_network,
)

__all__ = [
    "Scenario",
    "SCENARIOS",
    "NetworkSpec",
    "NetworkResult",
    "NetworkTooLargeError",
    "get_scenario",
    "make_spec",
    "draw_network",
    "estimate_memory",
    "check_memory",
    "memory_limit_bytes",
    "build_network",
    "run_network",
    "simulate_network",
    "compute_rates",
    "compute_population_rate",
    "compute_spectrum",
    "compute_band_powers",
    "dominant_frequency",
    "compute_synchrony",
    "analyze_spikes",
    "ALPHA_BAND_HZ",
    "GAMMA_BAND_HZ",
]
