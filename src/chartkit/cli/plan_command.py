"""`chartkit plan`: its arguments and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chartkit.checks.redaction import Redactor
from chartkit.checks.values_files import ValuesChecker
from chartkit.cli.plan_text import format_plan
from chartkit.releases.inventory import Inventory, InventoryError, load
from chartkit.releases.render import Renderer
from chartkit.releases.yaml_file import YamlDocument, YamlFileError
from chartkit.sizing.nodes import CapacityError, load_profiles
from chartkit.sizing.plan.build import plan_values_file
from chartkit.sizing.plan.model import PlanError
from chartkit.sizing.plan.tenant_chart import ECP_TENANT
from chartkit.tools.helm import HelmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("values_file", help="a tenant values file, e.g. values/tenants/acme.yaml")
    parser.add_argument("--overlay", help="environment overlay from values/env (dev, prod)")
    parser.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--cpu-profile",
        help="node profile for pods without GPUs (default: defaultCpuProfile of ci/nodes.yaml)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")


def run(args: argparse.Namespace, root: Path) -> int:
    """`chartkit plan`: 0 planned (1 with --strict and warnings), 1 when the chart refuses the
    values (over quota, say), 2 on bad arguments."""
    renderer = Renderer(root)
    checker = ValuesChecker(root)
    given = Path(args.values_file)
    path = given if given.is_absolute() else root / given
    chart = root / "charts" / ECP_TENANT.chart
    overlay = None
    try:
        inventory = load(root)
        not_a_tenant = _not_a_tenant_file(inventory, checker, path)
        if not_a_tenant:
            raise PlanError(not_a_tenant)
        profiles = load_profiles(root)
        if args.cpu_profile:
            profiles.get(args.cpu_profile)
        overlay = inventory.overlay(args.overlay) if args.overlay else None
        reported = checker.check(chart, path)
        if reported:
            lines = [f"values: {p}" for p in reported]
            return _refused(checker.label(path), lines, checker.redactor([path]))
        plan = plan_values_file(renderer, path, overlay, args.helm, args.cpu_profile, profiles)
    except (PlanError, CapacityError, InventoryError) as error:
        print(f"chartkit plan: {error}", file=sys.stderr)
        return 2
    except HelmError as error:
        files = [path, *([overlay.path] if overlay else [])]
        refusal = checker.refusal(chart, files, error.stderr)
        lines = [f"render: {line}" for line in refusal]
        return _refused(checker.label(path), lines, checker.redactor(files))
    if args.json:
        print(json.dumps(plan.as_dict(), indent=2))
    else:
        print(format_plan(plan))
    return 1 if (args.strict and plan.warnings) else 0


def _refused(label: str, lines: list[str], redact: Redactor) -> int:
    print(f"chartkit plan: {label} cannot be planned:", file=sys.stderr)
    for line in lines:
        print(f"  {redact(line)}", file=sys.stderr)
    return 1


def _not_a_tenant_file(inventory: Inventory, checker: ValuesChecker, path: Path) -> str:
    """Why the file is not an ECP tenant's values file ("" when it may be one)."""
    label = checker.label(path)
    example = "e.g. values/tenants/ai-call-center-prod.yaml"
    if path.is_dir():
        return f"{label} is a directory; give a tenant's values file ({example})"
    for release in inventory.releases:
        if path.resolve() in release.values and release.chart_name != ECP_TENANT.chart:
            return (
                f"{label} is the values file of release {release.name} (chart "
                f"{release.chart_name}), not an ECP tenant's: chartkit plan reads the values "
                f"of charts/{ECP_TENANT.chart} ({example})"
            )
    document = checker.read(path)
    if isinstance(document, YamlFileError) and not document.line:
        return str(document)  # missing or unreadable: nothing to check
    data = document.data if isinstance(document, YamlDocument) else None
    if isinstance(data, dict) and "tenant" not in data:
        return (
            f"{label} has no `tenant:`, so it is no ECP tenant's values file: chartkit plan "
            f"reads the values of charts/{ECP_TENANT.chart} ({example})"
        )
    return ""
