"""`python -m aigym.cli` runs the `aigym` command."""

import sys

from aigym.cli import main

sys.exit(main())
