"""`chartkit verify --server`: its arguments and what it prints."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from chartkit.cluster.verify import (
    AFTER_NAMESPACE,
    DryRunResult,
    NoClusterError,
    VerifyOptions,
    check_cluster,
    verify,
)
from chartkit.releases.inventory import load
from chartkit.releases.render import Renderer
from chartkit.tools.kubectl import Kubectl


def format_result(result: DryRunResult) -> list[str]:
    """Report lines of one release: a summary, then each object not accepted (those
    waiting for the release's Namespace one line per namespace), then each workload whose
    pods its namespace would refuse."""
    if result.error:
        return [f"FAIL {result.release}: {result.error}"]
    counts = Counter(o.outcome for o in result.objects)
    head = "ok  " if result.ok else "FAIL"
    summary = f"{counts['accepted']} accepted, {counts['rejected']} rejected"
    if counts["not-verified"]:
        summary += f", {counts['not-verified']} not verified"
    if counts["after-namespace"]:
        summary += f", {counts['after-namespace']} {AFTER_NAMESPACE}"
    if result.pod_security:
        summary += f", {len(result.pod_security)} with pods their namespace refuses"
    lines = [f"{head} {result.release} (namespace {result.namespace}): {summary}"]
    lines += [
        f"     {o.object} {o.outcome}: {o.message}"
        for o in result.objects
        if o.outcome in ("rejected", "not-verified")
    ]
    waiting = Counter(
        o.object.split("/")[0] for o in result.objects if o.outcome == "after-namespace"
    )
    if waiting:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(waiting.items()))
        lines.append(
            f"     {kinds}: in a namespace the release creates, {AFTER_NAMESPACE} (or give "
            f"--allow-temporary-namespaces to check them now)"
        )
    lines += [f"     Pod Security: {problem}" for problem in result.pod_security]
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*", help="release names (default: every release)")
    parser.add_argument(
        "--server",
        action="store_true",
        help="server-side dry run of every object against the current cluster (required)",
    )
    parser.add_argument("--overlay", help="environment overlay from values/env (dev, prod)")
    parser.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    parser.add_argument("--kube-context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: kubectl's)")
    parser.add_argument(
        "--parallel", type=int, default=8, help="objects checked at once (default: 8)"
    )
    parser.add_argument(
        "--allow-temporary-namespaces",
        action="store_true",
        help="create each namespace a release renders itself and the cluster lacks (with the "
        "release's labels) for the check, and delete it afterwards; by default their objects "
        "are reported as checked after the release's Namespace is created",
    )


def kubeconfig_hint(
    kubeconfig: str | None, context: str | None, environ: Mapping[str, str], home: Path
) -> str:
    """Why kubectl may have no cluster, when nothing names one."""
    if kubeconfig or context or environ.get("KUBECONFIG"):
        return ""
    if (home / ".kube" / "config").exists():
        return ""
    return " (KUBECONFIG is unset and ~/.kube/config does not exist)"


def run(args: argparse.Namespace, root: Path) -> int:
    if not args.server:
        print(
            "chartkit verify: give --server to check the releases against the current "
            "cluster (offline checks: chartkit render)",
            file=sys.stderr,
        )
        return 2
    inventory = load(root)
    releases = inventory.select(args.releases)
    overlay = inventory.overlay(args.overlay) if args.overlay else None
    renderer = Renderer(root)
    kubectl = Kubectl(
        renderer.toolbox.kubectl(),
        kubeconfig=Path(args.kubeconfig) if args.kubeconfig else None,
        context=args.kube_context,
    )
    try:
        version = check_cluster(kubectl)
    except NoClusterError as error:
        hint = kubeconfig_hint(args.kubeconfig, args.kube_context, os.environ, Path.home())
        print(f"chartkit verify: {error}{hint}", file=sys.stderr)
        return 2
    print(f"server-side dry run against Kubernetes {version} (nothing is changed)")

    def report(result: DryRunResult) -> None:
        for line in format_result(result):
            print(line, flush=True)

    options = VerifyOptions(
        overlay=overlay,
        helm_version=args.helm,
        parallel=max(1, args.parallel),
        temporary_namespaces=args.allow_temporary_namespaces,
    )
    results = verify(kubectl, renderer, list(releases), options, report=report)
    failed = [r for r in results if not r.ok]
    print(
        f"\n{len(results)} release(s) checked: {len(results) - len(failed)} accepted, "
        f"{len(failed)} with rejections, unchecked objects or pods their namespace refuses"
    )
    return 1 if failed else 0
