"""What a response means: one definition of each spike-train statistic (:mod:`.spiketrains`), the
tolerances (:mod:`.tolerances`), response features (:mod:`.features`), one validator per pattern
(:mod:`.validators`) and the classifier (:mod:`.classify`). The phase plane (:mod:`.phaseplane`) and the
numerics survey (:mod:`.numerics`) are imported from their modules."""

from izh_brian.analysis import classify as _classify
from izh_brian.analysis import features as _features
from izh_brian.analysis import spiketrains as _spiketrains
from izh_brian.analysis import tolerances as _tolerances
from izh_brian.analysis import validators as _validators
from izh_brian.analysis.classify import *  # noqa: F403
from izh_brian.analysis.features import *  # noqa: F403
from izh_brian.analysis.spiketrains import *  # noqa: F403
from izh_brian.analysis.tolerances import *  # noqa: F403
from izh_brian.analysis.validators import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [*_classify.__all__, *_features.__all__, *_spiketrains.__all__, *_tolerances.__all__, *_validators.__all__]

