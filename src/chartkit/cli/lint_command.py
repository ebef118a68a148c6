"""`chartkit lint`: `helm lint --strict` of every release's chart with its values, with
every pinned helm; and every chart's metadata and CHANGELOG.md (chartkit.delivery.changelog)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chartkit.delivery.changelog import metadata_problems
from chartkit.releases.inventory import load
from chartkit.releases.render import Renderer
from chartkit.tools.helm import HelmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*")
    parser.add_argument("--helm", help="one helm version (default: every pinned version)")


def run(args: argparse.Namespace, root: Path) -> int:
    inventory = load(root)
    renderer = Renderer(root)
    versions = [args.helm] if args.helm else renderer.toolbox.helm_versions()
    failures = 0
    for release in inventory.select(args.releases):
        for version in versions:
            try:
                renderer.helm(version).lint(
                    release.chart, release.values, strict=True, namespace=release.namespace
                )
                print(f"lint ok    {release.name} (helm {version})")
            except HelmError as error:
                failures += 1
                print(
                    f"lint FAIL  {release.name} (helm {version}):\n{error.stderr}", file=sys.stderr
                )
    for chart_yaml in sorted((root / "charts").glob("*/Chart.yaml")):
        problems = metadata_problems(chart_yaml.parent)
        failures += len(problems)
        for problem in problems:
            print(f"lint FAIL  {problem}", file=sys.stderr)
        if not problems:
            print(f"lint ok    charts/{chart_yaml.parent.name}: Chart.yaml metadata, CHANGELOG.md")
    return 1 if failures else 0
