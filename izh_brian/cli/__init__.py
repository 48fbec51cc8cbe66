"""The ``izh-brian`` command: :mod:`.app` dispatches to one module per area; :mod:`.types` holds the
argument types (finite numbers, ``--set``) and the error every subcommand raises."""

from izh_brian.cli.app import main

__all__ = ["main"]
