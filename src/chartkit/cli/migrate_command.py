"""`chartkit migrate FILE... [--chart CHART] [--check]`: rewrite values files onto their
chart's current keys (charts/<chart>/renamed-keys.yaml), keeping comments and key order.

Each change made is printed as `<file>: <old> -> <new>`; a change that cannot be made
mechanically is printed with its line and left. The migrated file is then checked as
`chartkit render` checks a release (values schema, render, strict validation, policy) and
what is still wrong is printed. With --check nothing is written.

Exit 0: every file is on the current keys and passes; 1: a file needs migrating (--check),
or something is left to do by hand; 2: bad arguments.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.checks.release import ReleaseChecker, ReleaseReport
from chartkit.cli.chart_release import (
    ArgumentProblem,
    application_charts,
    chart_directory,
    chart_release,
    releases_using,
    values_file,
)
from chartkit.migration.document import DocumentError, ValuesDocument
from chartkit.migration.rewrite import Layered, Names, migrate, plain
from chartkit.migration.schema_paths import split_path
from chartkit.migration.table import TableError, load_schema, renamed_keys
from chartkit.releases.inventory import Inventory, Release, load
from chartkit.releases.render import Renderer
from chartkit.releases.values import supplied_values
from chartkit.tools.helm import Helm

_VALUES_ERROR = re.compile(r"values error: (?P<field>[^:\n]+): (?P<message>.+)", re.S)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="values files to migrate")
    parser.add_argument(
        "--chart",
        help="the chart of files no release in helmfile.yaml uses (a name under charts/)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a file needs migrating"
    )


@dataclass(frozen=True)
class Target:
    """A values file to migrate, its label as given, and the release it is checked in."""

    file: Path
    label: str
    release: Release
    in_inventory: bool

    @property
    def chart(self) -> Path:
        return self.release.chart


def _target(root: Path, inventory: Inventory, given: str, chart_option: str | None) -> Target:
    file = values_file(given)
    chart = chart_directory(root, chart_option) if chart_option else None
    users = releases_using(inventory, file)
    charts = sorted({release.chart.name for release in users})
    if users and chart is not None and chart not in {r.chart for r in users}:
        raise ArgumentProblem(
            f"{given}: release {users[0].name} of chart {users[0].chart_name} uses it "
            f"(helmfile.yaml), not chart {chart.name}: leave out --chart"
        )
    if len(charts) > 1 and chart is None:
        raise ArgumentProblem(
            f"{given}: releases of charts {', '.join(charts)} use it: give --chart <chart>"
        )
    users = [r for r in users if chart is None or r.chart == chart]
    if users:
        return Target(file, given, users[0], in_inventory=True)
    if chart is None:
        known = ", ".join(application_charts(root))
        raise ArgumentProblem(
            f"{given}: no release in helmfile.yaml uses this file, so its chart is not known: "
            f"give --chart <chart> ({known})"
        )
    return Target(file, given, chart_release(chart, [file]), in_inventory=False)


def _layered(helm: Helm, target: Target) -> Layered:
    """The values the file renders with, given its own: helm merges the chart's values.yaml,
    the release's files before it, its own, and the files after it."""
    files = list(target.release.values)
    position = files.index(target.file) if target.file in files else 0

    def layered(own: dict[str, Any]) -> Mapping[str, Any]:
        with tempfile.TemporaryDirectory(prefix="chartkit-migrate-") as workdir:
            mine = Path(workdir) / target.file.name
            mine.write_text(json.dumps(own))  # JSON is YAML, and keeps ruamel's scalar types
            layers = [target.chart / "values.yaml", *files[:position], mine]
            return supplied_values(helm, [*layers, *files[position + 1 :]])

    return layered


def _names(target: Target, values: Mapping[str, Any]) -> Names:
    """The release's full name (as common.names.fullname makes it) and namespace."""
    override = values.get("fullnameOverride")
    if isinstance(override, str) and override:
        return Names(override, target.release.namespace if target.in_inventory else None)
    if not target.in_inventory:
        return Names()
    name = values.get("nameOverride") or target.chart.name
    release = target.release.name
    return Names(release if name in release else f"{release}-{name}", target.release.namespace)


def _remaining(
    report: ReleaseReport, document: ValuesDocument, target: Target, root: Path
) -> list[str]:
    """What the check still finds; the file's own problems with their lines (a problem of
    the file's values, or the chart's refusal of one of them), the others as render says."""
    schema = load_schema(target.chart)

    def at(field: str, message: str) -> str:
        line = document.line(split_path(field, schema)) if field else None
        return f"{target.label}{f':{line}' if line else ''}: {field or '(top level)'}: {message}"

    own = [p for p in report.values_problems if (root / p.file).resolve() == target.file]
    lines = [at(problem.field, problem.message) for problem in own]
    problems = [f"values: {p}" for p in report.values_problems if p not in own]
    error = _VALUES_ERROR.search(report.render_error or "")
    if error:
        message = error["message"].split("\n\nUse --debug")[0].strip()
        lines.append(at(error["field"].split(",")[0].strip(), message))
    elif report.render_error and not own:  # a schema refusal repeats the file's problems
        problems.append(f"render: {report.render_error.strip()}")
    problems += [f"schema: {p}" for p in report.schema_problems]
    problems += [f"policy: {v}" for v in report.violations]
    return lines + [f"{target.label}: {problem}" for problem in problems]


def _migrate_one(target: Target, check_only: bool, checker: Callable[[], ReleaseChecker]) -> int:
    try:
        document = ValuesDocument(target.file.read_text())
        table = renamed_keys(target.chart)
    except (DocumentError, TableError) as error:
        print(f"{target.label}: {error}")
        return 1
    layered = _layered(checker().renderer.helm(), target)
    migration = migrate(
        document, table, layered, lambda: _names(target, layered(plain(document.data)))
    )
    for change in migration.changes:
        print(f"{target.label}: {change}")
    migrated = ValuesDocument(document.text()) if migration.changes else document
    for manual in migration.manual:
        line = manual.line(migrated)
        print(f"{target.label}{f':{line}' if line else ''}: {manual.text}")
    if check_only:
        needed = bool(migration.changes or migration.manual)
        if needed:
            chart = "" if target.in_inventory else f" --chart {target.chart.name}"
            print(f"{target.label}: needs migrating: chartkit migrate {target.label}{chart}")
        return 1 if needed else 0
    if migration.changes:
        target.file.write_text(document.text())
    report = checker().check(target.release)
    remaining = _remaining(report, migrated, target, checker().renderer.root)
    for line in remaining:
        print(line)
    written = f"{len(migration.changes)} change(s) written" if migration.changes else ""
    print(f"{target.label}: {written or 'nothing to migrate'}", end="")
    print(f"; {len(remaining)} problem(s) left" if remaining else "; renders and passes")
    return 1 if remaining or migration.manual else 0


def run(args: argparse.Namespace, root: Path) -> int:
    try:
        inventory = load(root)
        targets = [_target(root, inventory, given, args.chart) for given in args.files]
    except ArgumentProblem as error:
        print(f"chartkit migrate: {error}", file=sys.stderr)
        return 2
    checkers: list[ReleaseChecker] = []

    def checker() -> ReleaseChecker:
        if not checkers:
            checkers.append(ReleaseChecker(Renderer(root)))
        return checkers[0]

    return max(_migrate_one(target, args.check, checker) for target in targets)
