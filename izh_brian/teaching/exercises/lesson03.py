"""Checks of lesson 03, "The cell classes of Izhikevich (2003)" (``notebooks/03_cell_classes_2003.ipynb``).

1. :func:`check_1`: name the class of a mystery neuron (:func:`mystery_neuron`)
   whose parameters are hidden and drawn from a seed the student chooses.
2. :func:`check_2`: a point (c, d), with a = 0.02 and b = 0.2, that the
   classifier labels chattering (CH), other than the 2003 CH cell itself.
3. :func:`check_3`: change one parameter of the regular-spiking (RS) cell so
   that the classifier labels it fast spiking (FS).

The class of a neuron is decided by :func:`izh_brian.analysis.classify.classify`: a
step of 10 mV/ms from t = 20 ms to 300 ms, dt = 0.25 ms, from the resting
potential.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from izh_brian import get_preset
from izh_brian.analysis.classify import _classify_presets, classify
from izh_brian.limits import load_npz
from izh_brian.simulation import simulate
from izh_brian.teaching.exercises import NotYet, as_float, as_seed, checker, one_parameter_change

__all__ = ["check_1", "check_2", "check_3", "mystery_neuron", "MysteryNeuron", "StepResponse", "MYSTERY_CLASSES",
           "RECORDED_CURRENTS", "save_mystery", "recorded_mystery_neuron", "RecordedMystery"]

LESSON = "03"

#: The 2003 Fig. 2 cells a mystery neuron is drawn around: (a, b, c, d).
MYSTERY_CLASSES = {
    "RS": (0.02, 0.2, -65.0, 8.0),
    "IB": (0.02, 0.2, -55.0, 4.0),
    "CH": (0.02, 0.2, -50.0, 2.0),
    "FS": (0.1, 0.2, -65.0, 2.0),
    "LTS": (0.02, 0.25, -65.0, 2.0),
}

_LAST: list = []


@dataclass(frozen=True)
class StepResponse:
    """A simulated step response: the grid ``t_ms``, ``v_mV`` (spikes drawn at 30 mV),
    the input ``I`` (mV/ms) and ``spike_times_ms``; ``onset_ms`` and ``stop_ms`` bound the step."""

    t_ms: np.ndarray
    v_mV: np.ndarray
    I: np.ndarray
    spike_times_ms: np.ndarray
    onset_ms: float
    stop_ms: float

    @property
    def n_spikes(self) -> int:
        return int(len(self.spike_times_ms))


class MysteryNeuron:
    """A neuron of one of the 2003 classes with hidden, slightly perturbed parameters.

    Call :meth:`step_response` to see what it does; its a, b, c, d are not shown.
    """

    def __init__(self, seed: int):
        self.seed = int(seed)
        rng = np.random.default_rng([2003, self.seed])
        names = list(MYSTERY_CLASSES)
        self._label = names[int(rng.integers(len(names)))]
        a, b, c, d = MYSTERY_CLASSES[self._label]
        self._params = (a, b, c, d)

        # Perturb a, c and d a little; keep a draw only if the classifier still gives the class.
        for _ in range(4):
            p = (a * rng.uniform(0.85, 1.15), b, c + rng.uniform(-1.5, 1.5), d * rng.uniform(0.85, 1.15))
            if classify(*p).label == self._label:
                self._params = p
                break

    def __repr__(self) -> str:
        return f"MysteryNeuron(seed={self.seed})"

    def step_response(self, current: float = 10.0, *, onset_ms: float = 20.0, duration_ms: float = 300.0) -> StepResponse:
        """Simulate the response to a step of ``current`` (mV/ms) from ``onset_ms`` to ``duration_ms``
        (dt = 0.25 ms, figure1.m's loop, starting from the neuron's resting potential)."""

        preset = _classify_presets([dict(zip("abcd", self._params))], float(current), None, float(duration_ms),
                                   float(onset_ms), 0.25)[0]
        r = simulate(preset)
        return StepResponse(r.t_ms, r.v_mV, r.I, r.spike_times_ms, float(onset_ms), float(duration_ms))


def mystery_neuron(seed: int) -> MysteryNeuron:
    """The mystery neuron of ``seed`` (an int you choose); its class is the answer to exercise 1."""
    m = MysteryNeuron(as_seed(seed))
    _LAST[:] = [m]
    return m


#: The steps (mV/ms, from 20 to 300 ms) a course's mystery neuron is recorded under (:func:`save_mystery`).
RECORDED_CURRENTS = (5.0, 10.0, 15.0)


class RecordedMystery:
    """A class's mystery neuron as data: its step responses at :data:`RECORDED_CURRENTS`, read from the file
    ``izh-brian course new`` wrote for one student. The file holds no parameters and no class; the teacher's
    grader knows them from the course secret, so :func:`check_1` in the notebook cannot say whether the
    answer is right (it says the teacher grades it)."""

    seed = None

    def __init__(self, responses: dict):
        self._responses = responses

    def __repr__(self) -> str:
        return "RecordedMystery(currents=%s)" % ", ".join(f"{c:g}" for c in sorted(self._responses))

    def step_response(self, current: float = 10.0, *, onset_ms: float = 20.0, duration_ms: float = 300.0) -> StepResponse:
        """The recorded response to a step of ``current`` (one of :data:`RECORDED_CURRENTS`, 20 .. 300 ms)."""
        key = float(current)
        if key not in self._responses or float(onset_ms) != 20.0 or float(duration_ms) != 300.0:
            raise ValueError(f"this mystery neuron was recorded for steps of "
                             f"{', '.join(f'{c:g}' for c in sorted(self._responses))} mV/ms from 20 to 300 ms; "
                             f"got current={current!r}, onset_ms={onset_ms!r}, duration_ms={duration_ms!r}")
        return self._responses[key]


def save_mystery(seed: int, path) -> None:
    """Write the step responses of the mystery neuron of ``seed`` at :data:`RECORDED_CURRENTS` to ``path``
    (``.npz``: ``currents``, ``t_ms``, ``v_mV`` and ``I`` one row per current, ``spike_times_ms`` with
    ``spike_counts``): what a student of a class receives instead of a seed."""
    m = MysteryNeuron(seed)
    rs = [m.step_response(c) for c in RECORDED_CURRENTS]
    np.savez(path, currents=np.array(RECORDED_CURRENTS), t_ms=rs[0].t_ms, v_mV=np.array([r.v_mV for r in rs]),
             I=np.array([r.I for r in rs]), spike_times_ms=np.concatenate([r.spike_times_ms for r in rs]),
             spike_counts=np.array([len(r.spike_times_ms) for r in rs]))


def recorded_mystery_neuron(path) -> RecordedMystery:
    """The mystery neuron of a class, from the ``.npz`` file your teacher gave you (:func:`save_mystery`)."""
    d = load_npz(path, what="mystery neuron file")
    try:
        currents, counts = [float(c) for c in d["currents"]], [int(n) for n in d["spike_counts"]]
        edges = np.concatenate([[0], np.cumsum(counts)])
        responses = {c: StepResponse(d["t_ms"], d["v_mV"][k], d["I"][k], d["spike_times_ms"][edges[k]:edges[k + 1]],
                                     20.0, 300.0) for k, c in enumerate(currents)}
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a mystery neuron file of lesson 03 ({type(exc).__name__}: {exc})") from None
    m = RecordedMystery(responses)
    _LAST[:] = [m]
    return m


@checker(LESSON, 1)
def check_1(answer, seed=None):
    """The class label (RS, IB, CH, FS or LTS) of the mystery neuron of ``seed``
    (default: the last one drawn with :func:`mystery_neuron`)."""
    if seed is None:
        if not _LAST:
            raise NotYet("draw your neuron first: neuron = lesson03.mystery_neuron(seed)")
        m = _LAST[0]
    else:
        m = MysteryNeuron(seed)
    if m.seed is None:
        raise NotYet("your class's mystery neuron is graded by your teacher (its class is not in your file); "
                     "your answer_1 is what counts")
    if not isinstance(answer, str):
        raise NotYet(f"give the class as a string, one of {', '.join(MYSTERY_CLASSES)}; got {answer!r}")
    label = answer.strip().upper()
    if label not in MYSTERY_CLASSES:
        raise NotYet(f"{answer!r} is not one of the classes {', '.join(MYSTERY_CLASSES)}")
    who = "your mystery neuron" if seed is not None else f"mystery neuron {m.seed}"  # a class's seed stays hidden
    if label == m._label:
        return f"{who} is {label}"
    raise NotYet(f"{who} is not {label}; compare its step response with the cells above "
                 f"(bursts or single spikes? fast or slow? does the rate adapt?)")


@checker(LESSON, 2)
def check_2(answer):
    """``(c, d)`` with a = 0.02, b = 0.2 that :func:`~izh_brian.analysis.classify.classify` labels ``CH``,
    other than the 2003 CH cell (c = -50, d = 2)."""

    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet("give a pair (c, d), e.g. (-60, 5)")
    c = as_float(answer[0], "c", unit="mV")
    d = as_float(answer[1], "d")
    if (c, d) == (-50.0, 2.0):
        raise NotYet("(-50, 2) is the 2003 CH cell itself; find another point of the CH region")
    if not (-100 <= c <= 0) or not (-50 <= d <= 50):
        raise NotYet(f"(c, d) = ({c:g}, {d:g}) is far outside the map; look for c between -70 and -45 mV")
    cls = classify(0.02, 0.2, c, d)
    if cls.label == "CH":
        return f"(c, d) = ({c:g}, {d:g}) chatters: {cls.reasons[0]}"
    raise NotYet(f"(c, d) = ({c:g}, {d:g}) is classified {cls.label}: {cls.reasons[0]}")


@checker(LESSON, 3)
def check_3(answer):
    """A dict changing one of a, b, c, d of RS (a=0.02, b=0.2, c=-65, d=8) that the classifier labels FS."""

    p = get_preset("RS")
    key, value = one_parameter_change(answer, p)
    params = {"a": p.a, "b": p.b, "c": p.c, "d": p.d, key: value}
    cls = classify(**params)
    if cls.label == "FS":
        return f"with {key} = {value:g} the RS cell fires like FS: {cls.reasons[0]}"
    raise NotYet(f"with {key} = {value:g} the cell is classified {cls.label}: {cls.reasons[0]}")
