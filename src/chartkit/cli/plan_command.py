"""`chartkit plan`: its arguments and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chartkit.cli.plan_text import format_plan
from chartkit.releases.inventory import InventoryError, load
from chartkit.releases.render import Renderer
from chartkit.sizing.nodes import CapacityError, load_profiles
from chartkit.sizing.plan.build import plan_values_file
from chartkit.sizing.plan.model import PlanError
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
    try:
        profiles = load_profiles(root)
        if args.cpu_profile:
            profiles.get(args.cpu_profile)
        overlay = load(root).overlay(args.overlay) if args.overlay else None
        plan = plan_values_file(
            renderer, Path(args.values_file), overlay, args.helm, args.cpu_profile, profiles
        )
    except (PlanError, CapacityError, InventoryError) as error:
        print(f"chartkit plan: {error}", file=sys.stderr)
        return 2
    except HelmError as error:
        print(
            f"chartkit plan: {args.values_file} does not render:\n{error.stderr.strip()}",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps(plan.as_dict(), indent=2))
    else:
        print(format_plan(plan))
    return 1 if (args.strict and plan.warnings) else 0
