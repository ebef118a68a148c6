"""`chartkit render`: render, validate and police releases, write their manifests to
build/manifests/ and print one row per release, then each problem.

`--chart <chart> -f <file> [-f <file>...]` checks values files without an inventory entry:
a release of that chart (named by --release, else by the files' fullnameOverride, else the
first file's name) goes through the same checks, its manifest written under
build/manifests/charts/<chart>/."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from chartkit.checks.canary_weights import weight_warnings
from chartkit.checks.release import ReleaseChecker, ReleaseReport
from chartkit.cli.chart_release import (
    ArgumentProblem,
    chart_directory,
    chart_release,
    values_file,
)
from chartkit.cli.release_table import table
from chartkit.releases.inventory import Release, load
from chartkit.releases.render import Renderer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*", help="release names (default: all)")
    parser.add_argument("--overlay", help="environment overlay from values/env (dev, prod)")
    parser.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    parser.add_argument("--out", default="build/manifests", help="output directory")
    parser.add_argument(
        "--strict", action="store_true", help="warnings are problems too (exit 1 when any)"
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
    documents = [yaml.safe_dump(obj, sort_keys=False) for obj in report.manifest.objects]
    path.write_text(header + "".join(f"---\n{doc}" for doc in documents))
    return path


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
    inventory = load(root)
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
    checker = ReleaseChecker(Renderer(root))
    overlay = inventory.overlay(args.overlay) if args.overlay else None
    started = time.monotonic()
    reports = [checker.check(release, overlay, args.helm) for release in releases]
    for report in reports:
        if report.ok:
            write_manifest(report, out_dir)
        else:  # never leave a refused release's manifest where `kubectl apply -f` finds it
            manifest_path(report, out_dir).unlink(missing_ok=True)
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
        print(f"{'problem' if args.strict else 'warning'}: {line}", file=sys.stderr)
    where = out_dir / overlay.name if overlay else out_dir
    if where.is_relative_to(root):
        where = where.relative_to(root)
    print(
        f"\n{len(reports)} release(s) rendered to {where}/ and validated "
        f"against Kubernetes {', '.join(checker.validator.kube_versions)} in "
        f"{time.monotonic() - started:.1f}s: {len(reports) - len(failed)} ok, "
        f"{len(failed)} failed"
    )
    return 1 if failed or (args.strict and warnings) else 0
