"""The report: sections computed from runs (:mod:`.sections`), figures (:mod:`.figures`), the build into
Typst and PDF (:mod:`.build`; the Typst sources are the checkout's top-level ``report/``, read through the
link ``templates/``, package data in a wheel), and an independent transcription of figure1.m for the
agreement table (:mod:`.transcription`)."""

from izh_brian.report import build as _build
from izh_brian.report.build import *  # noqa: F403

# Each public name is listed once, in its module's __all__.
__all__ = [*_build.__all__]
