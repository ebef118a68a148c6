"""`chartkit publish oci://HOST/PATH`: push the archives of build/charts/ with `helm push`,
skipping versions the registry already holds and refusing to overwrite one with other
content (chartkit.delivery.publishing)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chartkit.delivery.chart_archives import PACKAGE_DIR, PackagingError, archives_in
from chartkit.delivery.publishing import (
    REFUSE,
    PublishError,
    check_registry,
    plan_publish,
    publish,
)
from chartkit.releases.render import Renderer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "registry", help="the registry path the charts go under, e.g. oci://ghcr.io/acme/charts"
    )
    parser.add_argument(
        "--plain-http", action="store_true", help="talk HTTP, not HTTPS (a local registry)"
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=PACKAGE_DIR,
        help=f"the archives to push (default {PACKAGE_DIR}, written by `chartkit package`)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="compare with the registry, push nothing"
    )
    parser.add_argument("--helm", help="helm version to push with (default: the pinned one)")


def run(args: argparse.Namespace, root: Path) -> int:
    source = args.source if args.source.is_absolute() else root / args.source
    try:
        registry = check_registry(args.registry)
        archives = archives_in(source) if source.is_dir() else []
        if not archives:
            raise PublishError(f"no chart archives in {source}: run `chartkit package` first")
        helm = Renderer(root).helm(args.helm)
        steps = plan_publish(helm, registry, archives, args.plain_http)
        for step in steps:
            print(step)
        if any(step.action == REFUSE for step in steps):
            print("chartkit publish: refused, nothing was pushed", file=sys.stderr)
            return 1
        if args.dry_run:
            return 0
        for step in publish(helm, registry, steps, args.plain_http):
            archive = step.archive
            signed = " with its provenance" if archive.provenance else ""
            print(
                f"pushed {registry}/{archive.chart}:{archive.version} "
                f"(chart layer {archive.digest}){signed}"
            )
    except (PublishError, PackagingError) as error:
        print(f"chartkit publish: {error}", file=sys.stderr)
        return 2
    return 0
