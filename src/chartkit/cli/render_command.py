"""`chartkit render`: render, validate and police releases, write their manifests to
build/manifests/ and print one row per release, then each problem.

Several overlays (`--overlay dev --overlay prod`, or `--all-overlays` for bare and every
overlay) are checked in one run: helm renders all of them in parallel, and the output is
one block per overlay, each as a run for that overlay alone would print it.

`--chart <chart> -f <file> [-f <file>...]` checks values files without an inventory entry:
a release of that chart (named by --release, else by the files' fullnameOverride, else the
first file's name) goes through the same checks, its manifest written under
build/manifests/charts/<chart>/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from chartkit.cli.chart_release import (
    ArgumentProblem,
    chart_directory,
    chart_release,
    values_file,
)
from chartkit.releases.inventory import Inventory, Overlay, Release, load
from chartkit.releases.render import ReleaseRender, Renderer
from chartkit.tools import yaml_io

if TYPE_CHECKING:
    from chartkit.checks.release import ReleaseReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*", help="release names (default: all)")
    parser.add_argument(
        "--overlay",
        action="append",
        default=[],
        help="an environment's overlay from values/env (dev, prod); repeat for several",
    )
    parser.add_argument(
        "--all-overlays",
        action="store_true",
        help="bare and with every environment's overlay (what `make render` checks)",
    )
    parser.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    parser.add_argument("--out", default="build/manifests", help="output directory")
    parser.add_argument(
        "--strict", action="store_true", help="warnings are problems too (exit 1 when any)"
    )
    parser.add_argument(
        "--jobs", type=positive_int, help="helm processes at once (default: one per core)"
    )
    parser.add_argument(
        "--chart", help="check the -f values files with this chart, without an inventory entry"
    )
    parser.add_argument(
        "-f",
        "--values",
        action="append",
        default=[],
        metavar="FILE",
        help="a values file for --chart (repeatable, later files win)",
    )
    parser.add_argument("--namespace", help="namespace of the --chart release (default: default)")
    parser.add_argument("--release", help="name of the --chart release")


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def manifest_path(report: ReleaseReport, out_dir: Path) -> Path:
    directory = out_dir / report.overlay.name if report.overlay else out_dir
    return directory / f"{report.release.name}.yaml"


def write_manifest(report: ReleaseReport, out_dir: Path) -> Path:
    path = manifest_path(report, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert report.manifest is not None
    header = (
        f"# Release {report.release.name} (chart {report.release.chart_name}, namespace "
        f"{report.release.namespace}), rendered by chartkit with helm "
        f"{report.helm_version}.\n# Apply with: kubectl apply -n "
        f"{report.release.namespace} -f {path.name}\n"
    )
    path.write_text(header + yaml_io.dump_all(report.manifest.objects, sort_keys=False))
    return path


def chosen_overlays(args: argparse.Namespace, inventory: Inventory) -> list[Overlay | None]:
    """None for bare; in the order asked (bare first with --all-overlays)."""
    if args.all_overlays:
        return [None, *inventory.overlays]
    if not args.overlay:
        return [None]
    return [inventory.overlay(name) for name in args.overlay]


def print_block(reports: list[ReleaseReport], strict: bool) -> tuple[int, int]:
    """The table, each failed release's problems and the warnings (stderr); (failed,
    warnings)."""
    from chartkit.checks.canary_weights import weight_warnings
    from chartkit.cli.release_table import table  # both imported while helm runs, see below

    print(table(reports))
    failed = [r for r in reports if not r.ok]
    for report in failed:
        print(f"\n{report.label}:", file=sys.stderr)
        for line in report.problems():
            print(f"  {line}", file=sys.stderr)
    warnings = [
        line
        for report in reports
        if report.manifest is not None
        for line in weight_warnings(report.label, report.manifest.objects)
    ]
    for line in warnings:
        print(f"{'problem' if strict else 'warning'}: {line}", file=sys.stderr)
    return len(failed), len(warnings)


def _chart_release(args: argparse.Namespace, root: Path) -> Release:
    """The release --chart and -f describe."""
    if args.releases:
        raise ArgumentProblem("give release names or --chart with -f files, not both")
    if not args.chart or not args.values:
        raise ArgumentProblem("--chart <chart> and -f <values file> go together")
    chart = chart_directory(root, args.chart)
    files = [values_file(path) for path in args.values]
    return chart_release(chart, files, args.release, args.namespace)


def run(args: argparse.Namespace, root: Path) -> int:
    started = time.monotonic()
    inventory = load(root)
    overlays = chosen_overlays(args, inventory)
    out_dir = root / args.out
    try:
        if args.chart or args.values or args.release or args.namespace:
            releases = [_chart_release(args, root)]
            out_dir = out_dir / "charts" / releases[0].chart_name
        else:
            releases = inventory.select(args.releases)
    except ArgumentProblem as error:
        print(f"chartkit render: {error}", file=sys.stderr)
        return 2
    blocks = [[(release, overlay, args.helm) for release in releases] for overlay in overlays]
    renderer = Renderer(root, workers=args.jobs, head_start=args.scope.head_start)
    renderer.prefetch(render for block in blocks for render in block)
    try:
        return check_and_report(args, out_dir, renderer, blocks, started)
    finally:
        renderer.close()  # after an error, the renders not started yet are dropped


def check_and_report(
    args: argparse.Namespace,
    out_dir: Path,
    renderer: Renderer,
    blocks: list[list[ReleaseRender]],
    started: float,
) -> int:
    """Check the renders in order: write the manifests and print one block per overlay."""
    # helm is running: load the checks and what prints them meanwhile
    from chartkit.checks import canary_weights  # noqa: F401  (print_block's warnings)
    from chartkit.checks.release import ReleaseChecker
    from chartkit.cli import release_table  # noqa: F401  (print_block's table)

    checker = ReleaseChecker(renderer)
    args.scope.hold(checker)  # its compiled schemas: the process exit drops them at once
    reports = checker.check_all(render for block in blocks for render in block)
    failed = warned = 0
    for index, block in enumerate(blocks):
        if index:
            print()
        checked = [next(reports) for _ in block]
        for report in checked:
            if report.ok:
                write_manifest(report, out_dir)
            else:  # never leave a refused release's manifest where `kubectl apply -f` finds it
                manifest_path(report, out_dir).unlink(missing_ok=True)
        block_failed, block_warned = print_block(checked, args.strict)
        overlay = block[0][1] if block else None
        where = out_dir / overlay.name if overlay else out_dir
        if where.is_relative_to(renderer.root):
            where = where.relative_to(renderer.root)
        print(
            f"\n{len(checked)} release(s) rendered to {where}/ and validated against "
            f"Kubernetes {', '.join(checker.validator.kube_versions)} in "
            f"{time.monotonic() - started:.1f}s: {len(checked) - block_failed} ok, "
            f"{block_failed} failed"
        )
        failed, warned = failed + block_failed, warned + block_warned
    return 1 if failed or (args.strict and warned) else 0
