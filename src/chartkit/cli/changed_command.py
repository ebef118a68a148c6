"""`chartkit changed`: its arguments and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chartkit.cli.base_revision import add_base_arguments, base_revision
from chartkit.cli.github_files import append_to_github_file
from chartkit.delivery.changes import analyse, everything, github_output
from chartkit.delivery.git import ChangesError
from chartkit.delivery.version_bump import version_problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_base_arguments(parser)
    parser.add_argument(
        "--all", action="store_true", help="treat every chart and release as changed"
    )
    parser.add_argument(
        "--check-versions",
        action="store_true",
        help="exit 1 when a changed chart did not raise its Chart.yaml version",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--github-output",
        action="store_true",
        help="also append charts=, releases= and smoke= to the file $GITHUB_OUTPUT names",
    )


def run(args: argparse.Namespace, root: Path) -> int:
    try:
        changes = everything(root) if args.all else analyse(root, base_revision(args, root))
    except ChangesError as error:
        print(f"chartkit changed: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(changes.as_dict(), indent=2))
    else:
        print(f"base: {changes.base}")
        print(f"changed charts: {' '.join(changes.changed_charts) or '(none)'}")
        print(f"affected charts: {' '.join(changes.affected_charts) or '(none)'}")
        print("releases to smoke-test:" + ("" if changes.releases else " (none)"))
        for release in changes.releases:
            print(f"  {release}: {changes.reasons[release]}")
    if args.github_output and not append_to_github_file(
        "changed", "--github-output", "GITHUB_OUTPUT", github_output(changes) + "\n"
    ):
        return 2
    if args.check_versions and not args.all:
        problems = version_problems(root, changes.base, changes.changed_charts)
        for problem in problems:
            print(f"version: {problem}", file=sys.stderr)
        if problems:
            return 1
        if changes.changed_charts:
            print(f"versions raised: {' '.join(changes.changed_charts)}")
    return 0
