"""`chartkit docs`: regenerate the chart READMEs' parameter tables, or (--check) fail when
one is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chartkit.tools.readme_generator import ReadmeGenerator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="fail when a README is stale")


def run(args: argparse.Namespace, root: Path) -> int:
    generator = ReadmeGenerator(root)
    stale = []
    for chart in generator.documented_charts():
        if args.check:
            if generator.stale(chart):
                stale.append(chart)
        else:
            generator.generate(chart)
            print(f"docs: {chart.relative_to(root)}/README.md")
    for chart in stale:
        print(
            f"docs: {chart.relative_to(root)}/README.md is stale: run `make docs` and commit it",
            file=sys.stderr,
        )
    return 1 if stale else 0
