"""The chartkit command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from chartkit import capacity, changes, plan, schema_assembly, verify
from chartkit.check import ReleaseChecker, ReleaseReport
from chartkit.docs import DocsError, ReadmeGenerator
from chartkit.helm import HelmError
from chartkit.inventory import Inventory, InventoryError, Release, find_root, load
from chartkit.render import Renderer
from chartkit.report import table
from chartkit.tools import ToolMissingError


def _selected(inventory: Inventory, names: Sequence[str]) -> list[Release]:
    if not names:
        return list(inventory.releases)
    return [inventory.release(name) for name in names]


def write_manifest(report: ReleaseReport, out_dir: Path) -> Path:
    directory = out_dir / report.overlay.name if report.overlay else out_dir
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{report.release.name}.yaml"
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


def command_render(args: argparse.Namespace, root: Path) -> int:
    inventory = load(root)
    checker = ReleaseChecker(Renderer(root))
    overlay = inventory.overlay(args.overlay) if args.overlay else None
    started = time.monotonic()
    reports = [
        checker.check(release, overlay, args.helm)
        for release in _selected(inventory, args.releases)
    ]
    out_dir = root / args.out
    for report in reports:
        if report.manifest is not None:
            write_manifest(report, out_dir)
    print(table(reports))
    failed = [r for r in reports if not r.ok]
    for report in failed:
        print(f"\n{report.label}:", file=sys.stderr)
        for line in report.problems():
            print(f"  {line}", file=sys.stderr)
    where = out_dir / overlay.name if overlay else out_dir
    if where.is_relative_to(root):
        where = where.relative_to(root)
    print(
        f"\n{len(reports)} release(s) rendered to {where}/ and validated "
        f"against Kubernetes {', '.join(checker.validator.kube_versions)} in "
        f"{time.monotonic() - started:.1f}s: {len(reports) - len(failed)} ok, "
        f"{len(failed)} failed"
    )
    return 1 if failed else 0


def command_lint(args: argparse.Namespace, root: Path) -> int:
    inventory = load(root)
    renderer = Renderer(root)
    versions = [args.helm] if args.helm else renderer.toolbox.helm_versions()
    failures = 0
    for release in _selected(inventory, args.releases):
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
    return 1 if failures else 0


def command_docs(args: argparse.Namespace, root: Path) -> int:
    generator = ReadmeGenerator(root)
    stale = []
    for chart in generator.documented_charts():
        if args.check:
            if generator.stale(chart):
                stale.append(chart)
        else:
            generator.generate(chart)
            print(f"docs: {chart.relative_to(root)}/README.md")
    for chart in stale:
        print(
            f"docs: {chart.relative_to(root)}/README.md is stale: run `make docs` and commit it",
            file=sys.stderr,
        )
    return 1 if stale else 0


def command_schema(args: argparse.Namespace, root: Path) -> int:
    return schema_assembly.run(args, root)


def command_capacity(args: argparse.Namespace, root: Path) -> int:
    return capacity.run(args, root)


def command_plan(args: argparse.Namespace, root: Path) -> int:
    return plan.run(args, root)


def command_verify(args: argparse.Namespace, root: Path) -> int:
    return verify.run(args, root)


def command_changed(args: argparse.Namespace, root: Path) -> int:
    return changes.run(args, root)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chartkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="render, validate and police releases")
    render.add_argument("releases", nargs="*", help="release names (default: all)")
    render.add_argument("--overlay", help="environment overlay from values/env (dev, prod)")
    render.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    render.add_argument("--out", default="build/manifests", help="output directory")
    render.set_defaults(handler=command_render)

    lint = sub.add_parser("lint", help="helm lint --strict every release's chart and values")
    lint.add_argument("releases", nargs="*")
    lint.add_argument("--helm", help="one helm version (default: every pinned version)")
    lint.set_defaults(handler=command_lint)

    docs = sub.add_parser("docs", help="regenerate chart READMEs from ## @param comments")
    docs.add_argument("--check", action="store_true", help="fail when a README is stale")
    docs.set_defaults(handler=command_docs)

    schema_parser = sub.add_parser(
        "schema", help="assemble each chart's values.schema.json from its source and common parts"
    )
    schema_assembly.add_arguments(schema_parser)
    schema_parser.set_defaults(handler=command_schema)

    capacity_parser = sub.add_parser(
        "capacity",
        help="requests and limits per release and namespace; do the pods fit on given nodes?",
    )
    capacity.add_arguments(capacity_parser)
    capacity_parser.set_defaults(handler=command_capacity)

    plan_parser = sub.add_parser(
        "plan", help="an ECP AI tenant's replicas, totals, monthly cost and warnings"
    )
    plan.add_arguments(plan_parser)
    plan_parser.set_defaults(handler=command_plan)

    verify_parser = sub.add_parser(
        "verify", help="server-side dry run of every release against the current cluster"
    )
    verify.add_arguments(verify_parser)
    verify_parser.set_defaults(handler=command_verify)

    changed_parser = sub.add_parser(
        "changed", help="charts and releases a change touches; chart version bump check"
    )
    changes.add_arguments(changed_parser)
    changed_parser.set_defaults(handler=command_changed)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args, find_root()))
    except (InventoryError, ToolMissingError, DocsError) as error:
        print(f"chartkit: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
