"""The report: sections computed from runs (:mod:`.sections`), figures (:mod:`.figures`), the build into
Typst and PDF (:mod:`.build`; the Typst sources are the checkout's top-level ``report/``, read through the
link ``templates/``, package data in a wheel), and an independent transcription of figure1.m for the
agreement table (:mod:`.transcription`)."""

from izh_brian.report.build import (
    build_outputs,
    make_figures,
    compute_sections,
    build_pdf,
    templates,
    render_lessons,
    find_notebooks,
    REPORT_PDF,
    REPORT_DATA,
)

__all__ = [
    "build_outputs",
    "make_figures",
    "compute_sections",
    "build_pdf",
    "templates",
    "render_lessons",
    "find_notebooks",
    "REPORT_PDF",
    "REPORT_DATA",
]
