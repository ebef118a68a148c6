"""`chartkit lint`: each release's values files checked on their own (duplicated keys,
unknown keys with the nearest valid one, the schema's words for a failed pattern), then
`helm lint --strict` of its chart with its values, with every pinned helm (a chart's own
refusal included, which helm's lint mode only logs); and every chart's metadata and
CHANGELOG.md (chartkit.delivery.changelog)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chartkit.checks.values_files import ValuesChecker
from chartkit.delivery.changelog import metadata_problems
from chartkit.releases.inventory import Release, load
from chartkit.releases.render import Renderer
from chartkit.tools.helm import HelmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*")
    parser.add_argument("--helm", help="one helm version (default: every pinned version)")


def run(args: argparse.Namespace, root: Path) -> int:
    inventory = load(root)
    renderer = Renderer(root)
    checker = ValuesChecker(root)
    versions = [args.helm] if args.helm else renderer.toolbox.helm_versions()
    failures = 0
    for release in inventory.select(args.releases):
        for version in versions:
            problems = lint_release(renderer, checker, release, version)
            if problems:
                failures += 1
                print(f"lint FAIL  {release.name} (helm {version}):", file=sys.stderr)
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
            else:
                print(f"lint ok    {release.name} (helm {version})")
    for chart_yaml in sorted((root / "charts").glob("*/Chart.yaml")):
        problems = metadata_problems(chart_yaml.parent)
        failures += len(problems)
        for problem in problems:
            print(f"lint FAIL  {problem}", file=sys.stderr)
        if not problems:
            print(f"lint ok    charts/{chart_yaml.parent.name}: Chart.yaml metadata, CHANGELOG.md")
    return 1 if failures else 0


def lint_release(
    renderer: Renderer, checker: ValuesChecker, release: Release, version: str
) -> list[str]:
    """The release's problems with one helm version, one line each ([] when it lints)."""
    files = list(release.values)
    reported = [p for f in files for p in checker.check(release.chart, f)]
    redact = checker.redactor(files)
    lines = [redact(f"values: {problem}") for problem in reported]
    try:
        renderer.helm(version).lint(
            release.chart, release.values, strict=True, namespace=release.namespace
        )
    except HelmError as error:
        refusal = checker.refusal(release.chart, files, error.stderr, reported, lint=True)
        lines += [f"lint: {line}" for line in refusal]
    return lines
