"""Entry point of ``python -m compression``."""

import sys

from compression.cli import main

sys.exit(main())
