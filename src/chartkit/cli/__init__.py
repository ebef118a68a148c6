"""The command line: argparse front end, one module per command (`*_command`), and the
text they print (`release_table`, `capacity_tables`, `plan_text`, `texttable`).

`chartkit.cli:main` is the entry point (pyproject.toml, [project.scripts]); it is the one
name this package's __init__ exports.

May import: chartkit.tools, chartkit.releases, chartkit.checks, chartkit.sizing,
chartkit.cluster, chartkit.delivery, chartkit.migration. Nothing imports this package.
"""

from chartkit.cli.main import main

__all__ = ["main"]
