"""The revision a change is compared with, for the commands that compare (`changed`,
`diff`): --base names it, else it is the merge base of HEAD and --target-branch."""

from __future__ import annotations

import argparse
from pathlib import Path

from chartkit.delivery.git import merge_base, resolve


def add_base_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target-branch",
        default="origin/main",
        help="branch the change goes to; the merge base with HEAD is the base "
        "(default: origin/main)",
    )
    parser.add_argument(
        "--base",
        help="compare with this revision (a commit, tag or branch; e.g. a push's before) "
        "instead of a merge base",
    )


def base_revision(args: argparse.Namespace, root: Path) -> str:
    """The base commit; ChangesError when git cannot name it."""
    return resolve(root, args.base) if args.base else merge_base(root, args.target_branch)
