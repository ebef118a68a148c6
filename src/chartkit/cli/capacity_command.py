"""`chartkit capacity`: its arguments and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chartkit.checks.values_files import ValuesChecker
from chartkit.cli.capacity_tables import format_report, profiles_table
from chartkit.releases.inventory import Overlay, Release, load
from chartkit.releases.render import Renderer
from chartkit.sizing.capacity import build_report, runs_in
from chartkit.sizing.nodes import NODES_FILE, CapacityError, load_profiles
from chartkit.sizing.placement import parse_nodes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*", help="release names (default: every release)")
    parser.add_argument(
        "--all", action="store_true", help="every release in helmfile.yaml (the default)"
    )
    parser.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        help="only releases whose workloads run in this namespace (repeatable)",
    )
    parser.add_argument(
        "--nodes",
        help="place the pods on these nodes, <profile>:<count>,... (e.g. "
        f"e2-medium:3,e2-standard-4:2; profiles from {NODES_FILE}); a profile without "
        ":<count> is one node; exit 1 when a pod does not fit",
    )
    parser.add_argument(
        "--at-max", action="store_true", help="place pods at HPA maximum instead of declared"
    )
    parser.add_argument("--overlay", help="environment overlay from values/env (dev, prod)")
    parser.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--list-profiles", action="store_true", help=f"list the node profiles in {NODES_FILE}"
    )


def run(args: argparse.Namespace, root: Path) -> int:
    """`chartkit capacity`: 0 when everything fits (or no nodes were given), 1 when a pod
    does not fit or a release does not render, 2 on bad arguments."""
    try:
        profiles = load_profiles(root)
        if args.list_profiles:
            print(profiles_table(profiles))
            return 0
        if args.all and args.releases:
            raise CapacityError("give release names or --all, not both")
        inventory = load(root)
        releases = inventory.select(args.releases)
        nodes = parse_nodes(args.nodes, profiles) if args.nodes is not None else None
        overlay = inventory.overlay(args.overlay) if args.overlay else None
    except CapacityError as error:
        print(f"chartkit capacity: {error}", file=sys.stderr)
        return 2
    renderer = Renderer(root)
    if args.namespace:
        wanted = set(args.namespace)
        renderer.prefetch((release, overlay, args.helm) for release in releases)
        releases = [r for r in releases if runs_in(renderer, r, overlay, args.helm, wanted)]
        if not releases:
            print(
                f"chartkit capacity: no release runs workloads in {', '.join(sorted(wanted))}",
                file=sys.stderr,
            )
            return 2
    report = build_report(renderer, releases, overlay, args.helm, args.at_max, nodes)
    if args.namespace:
        report.namespaces = [d for d in report.namespaces if d.name in set(args.namespace)]
    report.errors = _one_line_per_problem(root, report.errors, releases, overlay)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report, args.nodes))
    return 0 if report.ok else 1


def _one_line_per_problem(
    root: Path, errors: dict[str, str], releases: list[Release], overlay: Overlay | None
) -> dict[str, str]:
    """Each release's helm error as its problems, one masked line each naming the files
    and the field."""
    checker = ValuesChecker(root)
    by_name = {release.name: release for release in releases}
    read: dict[str, str] = {}
    for name, error in errors.items():
        release = by_name[name]
        files = [*release.values, *([overlay.path] if overlay else [])]
        read[name] = "\n".join(checker.refusal(release.chart, files, error))
    return read
