"""`chartkit diff`: the rendered objects a change adds, removes and changes, per release
and environment, against a base commit; exit 1 for a change `helm upgrade` cannot apply in
place (unless the chart's major version went up) or a release that no longer renders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chartkit.cli.base_revision import add_base_arguments, base_revision
from chartkit.cli.github_files import append_to_github_file
from chartkit.delivery.diff_report import markdown_summary, text_report
from chartkit.delivery.git import ChangesError
from chartkit.delivery.rendered_diff import rendered_diff


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_base_arguments(parser)
    parser.add_argument(
        "--github-summary",
        action="store_true",
        help="also append a Markdown summary to the file $GITHUB_STEP_SUMMARY names",
    )


def run(args: argparse.Namespace, root: Path) -> int:
    try:
        base = base_revision(args, root)
        diffs = rendered_diff(root, base)
    except ChangesError as error:
        print(f"chartkit diff: {error}", file=sys.stderr)
        return 2
    for line in text_report(diffs, base):
        print(line)
    problems = [problem for diff in diffs for problem in diff.problems()]
    if args.github_summary and not append_to_github_file(
        "diff", "--github-summary", "GITHUB_STEP_SUMMARY", markdown_summary(diffs, base)
    ):
        return 2
    for problem in problems:
        print(f"chartkit diff: {problem}", file=sys.stderr)
    return 1 if problems else 0
