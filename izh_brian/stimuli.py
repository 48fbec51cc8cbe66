"""Input-current protocols of the Izhikevich papers, sampled on the time grid.

A protocol is a :class:`Stimulus`: a baseline current and a few :class:`Piece` s
(steps, pulses, ramps) that replace the baseline inside their windows. It is
sampled on the simulation grid ``t_k = k * dt`` (ms) exactly as the papers'
MATLAB programs evaluate it: at the start of each step, with the inequality
(strict or not) that the program used. A pulse ``T1 < t < T1 + w`` therefore
lasts ``w/dt - 1`` samples.

Currents are in the paper's implicit units (mV/ms); times in ms. The arrays
produced here are what a simulation injects, for one neuron or, stacked as
columns, for many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Piece",
    "Stimulus",
    "step",
    "pulses",
    "ramp",
    "time_grid_ms",
    "n_steps",
    "stimulus_matrix",
]


@dataclass(frozen=True)
class Piece:
    """One window of a protocol, where the current is ``value + gain*(t - origin)/divisor``.

    Parameters
    ----------
    start, stop : float
        Window edges in ms (``-inf``/``inf`` for open-ended windows).
    value : float
        Current at ``t = origin`` (mV/ms).
    gain, divisor : float
        Ramp slope written as the papers write it (``t/25`` is gain 1, divisor 25);
        the expression is evaluated in this order so that samples equal the
        reference programs' bit for bit.
    origin : float or None
        Time the ramp is measured from; defaults to ``start`` (0 when ``start``
        is infinite).
    closed_start, closed_stop : bool
        Whether ``t == start`` / ``t == stop`` belong to the window. The papers'
        pulses are open on both sides (``T1 < t < T1 + w``).
    """

    start: float
    stop: float
    value: float = 0.0
    gain: float = 0.0
    divisor: float = 1.0
    origin: float | None = None
    closed_start: bool = False
    closed_stop: bool = False

    def __post_init__(self):
        if not (self.start < self.stop):
            raise ValueError(f"Piece window must have start < stop, got start={self.start}, stop={self.stop}")
        if self.divisor == 0:
            raise ValueError("Piece divisor must be non-zero")

    def mask(self, t_ms: np.ndarray) -> np.ndarray:
        """Boolean mask of the grid samples inside the window."""
        lo = t_ms >= self.start if self.closed_start else t_ms > self.start
        hi = t_ms <= self.stop if self.closed_stop else t_ms < self.stop
        return lo & hi

    def values(self, t_ms: np.ndarray) -> np.ndarray:
        """Current inside the window at the times ``t_ms`` (ignores the window)."""
        if self.gain == 0:
            return np.full_like(t_ms, self.value, dtype=float)
        origin = self.origin if self.origin is not None else (self.start if math.isfinite(self.start) else 0.0)
        return self.value + self.gain * (t_ms - origin) / self.divisor


@dataclass(frozen=True)
class Stimulus:
    """A protocol: ``baseline`` everywhere except inside its pieces.

    Pieces must not overlap on any grid; where they are listed in order, a later
    piece would win, but the built-in protocols never overlap.

    Examples
    --------
    >>> s = step(14.0, onset=10.0)
    >>> s.sample(dt=0.25, duration=11.0)[-5:].tolist()
    [0.0, 14.0, 14.0, 14.0, 14.0]
    """

    baseline: float = 0.0
    pieces: tuple[Piece, ...] = field(default_factory=tuple)
    label: str = ""

    def at(self, t_ms) -> np.ndarray:
        """Current (mV/ms) at the times ``t_ms`` (array-like, ms)."""
        t_ms = np.asarray(t_ms, dtype=float)
        out = np.full(t_ms.shape, float(self.baseline))
        for piece in self.pieces:
            m = piece.mask(t_ms)
            if np.any(m):
                out[m] = piece.values(t_ms[m])
        return out

    def sample(self, dt: float, duration: float) -> np.ndarray:
        """Sample on the grid ``t_k = k*dt``, ``k = 0 .. n_steps(dt, duration)-1``."""
        return self.at(time_grid_ms(dt, duration))

    def scaled(self, factor: float) -> "Stimulus":
        """The same protocol with every current multiplied by ``factor``."""
        pieces = tuple(
            Piece(p.start, p.stop, p.value * factor, p.gain * factor, p.divisor, p.origin, p.closed_start, p.closed_stop)
            for p in self.pieces
        )
        return Stimulus(self.baseline * factor, pieces, self.label)

    def describe(self) -> str:
        """A one-line human description."""
        if self.label:
            return self.label
        parts = [f"baseline {self.baseline:g}"]
        for p in self.pieces:
            lo = "[" if p.closed_start else "("
            hi = "]" if p.closed_stop else ")"
            val = f"{p.value:g}" if p.gain == 0 else f"{p.value:g} + {p.gain:g}(t-{p.origin if p.origin is not None else p.start:g})/{p.divisor:g}"
            parts.append(f"{val} on t in {lo}{p.start:g}, {p.stop:g}{hi}")
        return "; ".join(parts)


def n_steps(dt: float, duration: float) -> int:
    """Number of grid samples of ``t = 0:dt:duration`` (inclusive, as MATLAB's colon)."""
    if not (dt > 0) or not math.isfinite(dt):
        raise ValueError(f"dt must be a positive number of ms, got {dt!r}")
    if not (duration >= dt):
        raise ValueError(f"duration must be at least dt ({dt} ms), got {duration!r}")
    return int(math.floor(duration / dt + 1e-9)) + 1


def time_grid_ms(dt: float, duration: float) -> np.ndarray:
    """The grid ``t_k = k*dt`` in ms, ``k = 0 .. n_steps-1`` (duration included)."""
    return np.arange(n_steps(dt, duration), dtype=float) * dt


def step(amplitude: float, onset: float = 0.0, baseline: float = 0.0, closed: bool = False) -> Stimulus:
    """A step to ``amplitude`` for ``t > onset`` (``t >= onset`` when ``closed``)."""
    return Stimulus(baseline, (Piece(onset, math.inf, amplitude, closed_start=closed),))


def pulses(amplitude, starts, width: float, baseline: float = 0.0) -> Stimulus:
    """Pulses ``start < t < start + width`` of ``amplitude`` (a number or one per pulse)."""
    starts = list(starts)
    amps = list(amplitude) if np.ndim(amplitude) else [amplitude] * len(starts)
    if len(amps) != len(starts):
        raise ValueError("give one amplitude, or one per pulse start")
    return Stimulus(baseline, tuple(Piece(s, s + width, a) for s, a in zip(starts, amps)))


def ramp(slope: float, onset: float = 0.0, baseline: float = 0.0, stop: float = math.inf) -> Stimulus:
    """A ramp ``baseline + slope*(t - onset)`` for ``onset < t < stop``, ``baseline`` elsewhere."""
    return Stimulus(baseline, (Piece(onset, stop, baseline, gain=slope),))


def stimulus_matrix(stimuli, dt: float, n: int) -> np.ndarray:
    """Sample several protocols on one grid of ``n`` samples: shape ``(n, len(stimuli))``.

    Each column is one neuron's input; this is the layout of a 2-D input table.
    """
    t = np.arange(n, dtype=float) * dt
    return np.column_stack([s.at(t) for s in stimuli]) if stimuli else np.zeros((n, 0))
