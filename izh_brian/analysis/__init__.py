"""What a response means: one definition of each spike-train statistic (:mod:`.spiketrains`), the
tolerances (:mod:`.tolerances`), response features (:mod:`.features`), one validator per pattern
(:mod:`.validators`) and the classifier (:mod:`.classify`). The phase plane (:mod:`.phaseplane`) and the
numerics survey (:mod:`.numerics`) are imported from their modules."""

from izh_brian.analysis.classify import (
    CLASS_LABELS,
    Classification,
    class_map,
    classify,
    classify_features,
    resting_potential,
    step_response_features,
)
from izh_brian.analysis.features import (
    adaptation_index,
    after_depolarisation,
    boundaries_from_current,
    detect_bursts,
    epochs,
    isi_features,
    protocol_boundaries,
    ramp_onset,
    response_features,
    result_features,
    subthreshold_oscillation,
)
from izh_brian.analysis.spiketrains import (
    CV_DDOF,
    cv_isi,
    in_window,
    isi_rate_hz,
    isis_ms,
    window_rate_hz,
)
from izh_brian.analysis.tolerances import (
    TOL,
    Tolerances,
)
from izh_brian.analysis.validators import (
    COUNTER_EXAMPLES,
    NEEDS_TRACE_HINT,
    VALIDATORS,
    Criterion,
    Verdict,
    train_features,
    validate,
    validate_all,
    validate_features,
    validate_result,
    validation_matrix,
    validator_for,
)

__all__ = [
    "isis_ms",
    "cv_isi",
    "in_window",
    "window_rate_hz",
    "isi_rate_hz",
    "CV_DDOF",
    "Tolerances",
    "TOL",
    "protocol_boundaries",
    "epochs",
    "isi_features",
    "adaptation_index",
    "detect_bursts",
    "subthreshold_oscillation",
    "after_depolarisation",
    "ramp_onset",
    "response_features",
    "result_features",
    "boundaries_from_current",
    "Verdict",
    "Criterion",
    "NEEDS_TRACE_HINT",
    "train_features",
    "validate_features",
    "VALIDATORS",
    "COUNTER_EXAMPLES",
    "validator_for",
    "validate",
    "validate_result",
    "validate_all",
    "validation_matrix",
    "Classification",
    "CLASS_LABELS",
    "step_response_features",
    "classify_features",
    "classify",
    "class_map",
    "resting_potential",
]
