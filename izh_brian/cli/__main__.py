"""``python -m izh_brian.cli``: the same as ``izh-brian``."""

import sys

from izh_brian.cli.app import main

sys.exit(main())
