"""``python -m randfb``: the command-line stability calculator (see :mod:`randfb.cli`)."""

from .cli import main

raise SystemExit(main())
