"""Benchmarks of izh_brian, outside the package as Brian2 keeps ``dev/benchmarks``.

``make bench`` (``python -m benchmarks.bench all``) runs them from a source checkout; each prints ratios
against a baseline measured in the same run."""
