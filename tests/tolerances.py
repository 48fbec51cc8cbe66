"""One place for the test tolerances."""

#: Spike times must equal the oracle's to this (ms): the same step of the grid.
SPIKE_TIME_ATOL_MS = 1e-9
