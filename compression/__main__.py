"""Entry point of ``python -m compression``."""

import sys

from .cli import main

sys.exit(main())
