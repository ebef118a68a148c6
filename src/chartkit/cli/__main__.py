"""`python -m chartkit.cli`: the same command line as `chartkit`."""

import sys

from chartkit.cli.main import main

sys.exit(main())
