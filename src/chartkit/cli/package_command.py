"""`chartkit package`: versioned chart archives in build/charts/, the library chart bundled
as files, optionally signed (a .prov file beside each archive)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chartkit.delivery.chart_archives import PACKAGE_DIR, PackagingError, charts_of, package_charts
from chartkit.releases.render import Renderer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("charts", nargs="*", help="chart names (default: every chart)")
    parser.add_argument(
        "--out", type=Path, default=PACKAGE_DIR, help=f"where archives go ({PACKAGE_DIR})"
    )
    parser.add_argument("--helm", help="helm version to package with (default: the pinned one)")
    parser.add_argument(
        "--sign",
        metavar="KEY",
        help="sign each archive with this GPG key (name or email in the keyring): a .prov "
        "file beside it, which `helm push` uploads and `helm pull --verify` checks",
    )
    parser.add_argument(
        "--keyring",
        type=Path,
        help="the secret keyring holding KEY, in GnuPG's legacy format "
        "(gpg --export-secret-keys > secring.gpg)",
    )
    parser.add_argument("--passphrase-file", type=Path, help="the key's passphrase, if any")


def signing(args: argparse.Namespace) -> dict[str, str] | None:
    if not args.sign:
        if args.keyring or args.passphrase_file:
            raise PackagingError("--keyring and --passphrase-file go with --sign KEY")
        return None
    if not args.keyring or not args.keyring.is_file():
        raise PackagingError(
            f"--sign {args.sign} needs --keyring FILE, an existing secret keyring "
            f"(got {args.keyring})"
        )
    sign = {"key": args.sign, "keyring": str(args.keyring)}
    if args.passphrase_file:
        sign["passphrase_file"] = str(args.passphrase_file)
    return sign


def run(args: argparse.Namespace, root: Path) -> int:
    out = args.out if args.out.is_absolute() else root / args.out
    try:
        helm = Renderer(root).helm(args.helm)
        archives = package_charts(helm, root, charts_of(root, args.charts), out, signing(args))
    except PackagingError as error:
        print(f"chartkit package: {error}", file=sys.stderr)
        return 2
    for archive in archives:
        path = archive.path
        where = path.relative_to(root) if path.is_relative_to(root) else path
        bundled = f", bundles {', '.join(archive.bundled)}" if archive.bundled else ""
        signed = ", signed" if archive.provenance else ""
        print(f"{archive.chart} {archive.version}: {where} {archive.digest}{bundled}{signed}")
    return 0
