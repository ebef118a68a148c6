"""`chartkit schema`: assemble each chart's values.schema.json from its
values.schema.source.json and the shared parts in charts/common/schemas/, or (--check) fail
when a committed one is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chartkit.checks.values_schema import SCHEMA_NAME, SchemaAssembler, SchemaSourceError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="fail when a committed values.schema.json is stale"
    )


def run(args: argparse.Namespace, root: Path) -> int:
    assembler = SchemaAssembler(root)
    try:
        if not args.check:
            for chart in assembler.charts():
                path = assembler.write(chart)
                print(f"schema: {path.relative_to(root)}")
            return 0
        stale = [chart for chart in assembler.charts() if assembler.stale(chart)]
    except SchemaSourceError as error:
        print(f"chartkit schema: {error}", file=sys.stderr)
        return 2
    for chart in stale:
        print(
            f"schema: {(chart / SCHEMA_NAME).relative_to(root)} is stale: run `make docs` "
            "and commit it",
            file=sys.stderr,
        )
    return 1 if stale else 0
