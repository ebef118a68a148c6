"""`python -m chartkit.cli`: the same program as `chartkit`."""

from chartkit.cli.program import start

start()
