"""The command line: argparse front end (`main`), one module per command (`*_command`),
and the text they print (`release_table`, `capacity_tables`, `plan_text`, `texttable`).

`chartkit.cli.program:start` is the program (pyproject.toml, [project.scripts]; and
`python -m chartkit.cli`); `chartkit.cli.main.main(argv)` runs a command, given what the
process hands it (`process_scope`), from the program or in this process (tests).
This __init__ imports nothing: the program starts its first helm runs before anything
else is loaded (chartkit.cli.program).

May import: chartkit.tools, chartkit.releases, chartkit.checks, chartkit.sizing,
chartkit.cluster, chartkit.delivery, chartkit.migration. Nothing imports this package.
"""
