"""`chartkit lint`: `helm lint --strict` of every release's chart with its values, with
every pinned helm (one helm process per core at a time, reported in order)."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chartkit.releases.inventory import Release, load
from chartkit.releases.render import Renderer, default_workers
from chartkit.tools.helm import HelmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*")
    parser.add_argument("--helm", help="one helm version (default: every pinned version)")


def run(args: argparse.Namespace, root: Path) -> int:
    inventory = load(root)
    renderer = Renderer(root)
    versions = [args.helm] if args.helm else renderer.toolbox.helm_versions()
    lints = [(r, v) for r in inventory.select(args.releases) for v in versions]

    def lint(item: tuple[Release, str]) -> HelmError | None:
        release, version = item
        try:
            renderer.helm(version).lint(
                release.chart, release.values, strict=True, namespace=release.namespace
            )
        except HelmError as error:
            return error
        return None

    failures = 0
    with ThreadPoolExecutor(default_workers()) as pool:
        for (release, version), error in zip(lints, pool.map(lint, lints), strict=True):
            if error is None:
                print(f"lint ok    {release.name} (helm {version})")
            else:
                failures += 1
                print(
                    f"lint FAIL  {release.name} (helm {version}):\n{error.stderr}", file=sys.stderr
                )
    return 1 if failures else 0
