"""Brian2 preferences that only some Brian2 releases have, set only where they exist.

Every supported stack runs every feature: a preference added in a later Brian2 (for example
``logging.warn_for_unused_objects``, absent from Brian2 2.9.0) is skipped where the installed
Brian2 does not know it, instead of raising ``KeyError``.
"""

from __future__ import annotations

import contextlib

from brian2 import prefs

__all__ = ["has_pref", "set_pref", "pref_set"]


def has_pref(name: str) -> bool:
    """Whether the installed Brian2 has the preference ``name`` (dotted, e.g. ``"codegen.target"``)."""
    return name in prefs


def set_pref(name: str, value) -> bool:
    """Set the preference ``name`` to ``value`` where this Brian2 has it; return whether it was set."""
    if not has_pref(name):
        return False
    prefs[name] = value
    return True


@contextlib.contextmanager
def pref_set(name: str, value):
    """Within the block, the preference ``name`` is ``value`` (where this Brian2 has it); restored after."""
    if not has_pref(name):
        yield False
        return
    saved = prefs[name]
    prefs[name] = value
    try:
        yield True
    finally:
        prefs[name] = saved
