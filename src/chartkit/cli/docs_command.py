"""`chartkit docs`: regenerate the chart READMEs' parameter tables, or (--check) fail when
one is stale (the charts are checked in parallel, one generator per core)."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chartkit.releases.render import default_workers
from chartkit.tools.readme_generator import ReadmeGenerator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="fail when a README is stale")


def run(args: argparse.Namespace, root: Path) -> int:
    generator = ReadmeGenerator(root)
    charts = generator.documented_charts()
    stale = []
    if args.check:
        with ThreadPoolExecutor(default_workers()) as pool:
            verdicts = pool.map(generator.stale, charts)
            stale = [chart for chart, old in zip(charts, verdicts, strict=True) if old]
    else:
        for chart in charts:
            generator.generate(chart)
            print(f"docs: {chart.relative_to(root)}/README.md")
    for chart in stale:
        print(
            f"docs: {chart.relative_to(root)}/README.md is stale: run `make docs` and commit it",
            file=sys.stderr,
        )
    return 1 if stale else 0
