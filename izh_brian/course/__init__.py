"""Teaching a class: lesson sources, student notebooks, variants and grading."""

__all__ = []
