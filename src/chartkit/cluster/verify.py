"""`chartkit verify --server`: ask a live cluster whether it would accept every release.

Every release is rendered as `helm upgrade --install` would render it, and each object is
sent to the current cluster as a server-side apply dry run (`kubectl apply --server-side
--dry-run=server --validate=strict`), so the API server runs its own validation, strict
field checking and every admission controller and webhook (Pod Security admission,
policy engines, CRD schemas of the operators actually installed) without changing
anything. Each rejection is reported with the release, the object and the server's
message. An object whose namespace does not exist cannot be checked (the server would
reject it for that alone) and is reported as not verified.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from chartkit.cluster.schedule import run_parallel
from chartkit.releases.inventory import Overlay, Release, load
from chartkit.releases.manifest import Object, describe
from chartkit.releases.render import Renderer
from chartkit.tools.helm import HelmError
from chartkit.tools.kubectl import Kubectl, KubectlError

FIELD_MANAGER = "chartkit-verify"
Outcome = Literal["accepted", "rejected", "not-verified"]

# kubectl's prefixes on a server error, dropped from the report for readability.
_ERROR_PREFIX = re.compile(
    r'^(Error from server( \([A-Za-z]+\))?: )?(error when [a-z]+ "STDIN": )?'
)


class NoClusterError(Exception):
    """No cluster answers; the message is one line saying why."""


@dataclass(frozen=True)
class ObjectResult:
    release: str
    object: str  # Kind/name
    outcome: Outcome
    message: str = ""

    def __str__(self) -> str:
        text = f"{self.release}: {self.object} {self.outcome}"
        return f"{text}: {self.message}" if self.message else text


@dataclass
class ReleaseResult:
    release: str
    namespace: str
    objects: list[ObjectResult] = field(default_factory=list)
    error: str = ""  # render failure

    @property
    def ok(self) -> bool:
        return not self.error and all(o.outcome == "accepted" for o in self.objects)


def dry_run_args(namespace: str) -> list[str]:
    """kubectl arguments of one object's server-side dry run (the object on stdin)."""
    return [
        "apply",
        "--server-side",
        "--dry-run=server",
        "--validate=strict",
        f"--field-manager={FIELD_MANAGER}",
        "--force-conflicts",
        "--namespace",
        namespace,
        "-o",
        "name",
        "-f",
        "-",
    ]


def clean_message(stderr: str) -> str:
    """kubectl's error output, one line each, without its boilerplate prefixes."""
    lines = []
    for line in stderr.strip().splitlines():
        line = _ERROR_PREFIX.sub("", line.strip())
        if line:
            lines.append(line)
    return " | ".join(lines)


def check_cluster(kubectl: Kubectl) -> str:
    """The server version, or NoClusterError with kubectl's reason in one line."""
    try:
        return kubectl.server_version()
    except KubectlError as error:
        reason = clean_message(error.stderr).split(" | ")[0] or f"exit {error.returncode}"
        raise NoClusterError(f"no cluster reachable through kubectl: {reason}") from None


# Kinds without a namespace: sent as they are, whatever namespaces exist.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PersistentVolume",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "ClusterSecretStore",
        "ClusterExternalSecret",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    }
)


def object_namespace(obj: Object, default: str) -> str | None:
    """The namespace an object goes to (None for cluster-scoped kinds)."""
    if obj.get("kind") in CLUSTER_SCOPED:
        return None
    return str((obj.get("metadata") or {}).get("namespace") or default)


def dry_run(kubectl: Kubectl, release: str, namespace: str, obj: Object) -> ObjectResult:
    ok, output = kubectl.attempt(dry_run_args(namespace), stdin=json.dumps(obj), timeout=60)
    if ok:
        return ObjectResult(release, describe(obj), "accepted")
    return ObjectResult(release, describe(obj), "rejected", clean_message(output))


def verify_release(
    kubectl: Kubectl,
    renderer: Renderer,
    release: Release,
    overlay: Overlay | None,
    helm_version: str | None,
    parallel: int,
) -> ReleaseResult:
    result = ReleaseResult(release.name, release.namespace)
    try:
        manifest = renderer.render_release(release, overlay, helm_version)
    except HelmError as error:
        result.error = f"render failed: {error.stderr.strip()}"
        return result
    objects: Sequence[Object] = manifest.objects
    wanted = {object_namespace(o, release.namespace) for o in objects} - {None}
    missing = {ns for ns in wanted if ns and not kubectl.exists("namespace", ns)}

    def check(obj: Object) -> ObjectResult:
        namespace = object_namespace(obj, release.namespace)
        if namespace in missing:
            return ObjectResult(
                release.name,
                describe(obj),
                "not-verified",
                f"namespace {namespace} does not exist on the cluster (create it, then "
                f"verify again)",
            )
        return dry_run(kubectl, release.name, namespace or release.namespace, obj)

    result.objects = run_parallel(list(objects), check, parallel)
    return result


def verify(
    kubectl: Kubectl,
    renderer: Renderer,
    releases: Sequence[Release],
    overlay: Overlay | None = None,
    helm_version: str | None = None,
    parallel: int = 8,
    report: Callable[[ReleaseResult], Any] | None = None,
) -> list[ReleaseResult]:
    check_cluster(kubectl)
    results = []
    for release in releases:
        result = verify_release(kubectl, renderer, release, overlay, helm_version, parallel)
        if report is not None:
            report(result)
        results.append(result)
    return results


def format_result(result: ReleaseResult) -> list[str]:
    """Report lines of one release: a summary, then each object not accepted."""
    if result.error:
        return [f"FAIL {result.release}: {result.error}"]
    counts = {
        outcome: sum(1 for o in result.objects if o.outcome == outcome)
        for outcome in ("accepted", "rejected", "not-verified")
    }
    head = "ok  " if result.ok else "FAIL"
    summary = f"{counts['accepted']} accepted, {counts['rejected']} rejected"
    if counts["not-verified"]:
        summary += f", {counts['not-verified']} not verified"
    lines = [f"{head} {result.release} (namespace {result.namespace}): {summary}"]
    lines += [
        f"     {o.object} {o.outcome}: {o.message}"
        for o in result.objects
        if o.outcome != "accepted"
    ]
    return lines


# -- command line ---------------------------------------------------------------------------


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
    releases = (
        [inventory.release(n) for n in args.releases] if args.releases else inventory.releases
    )
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

    def report(result: ReleaseResult) -> None:
        for line in format_result(result):
            print(line, flush=True)

    results = verify(
        kubectl,
        renderer,
        list(releases),
        overlay=overlay,
        helm_version=args.helm,
        parallel=max(1, args.parallel),
        report=report,
    )
    failed = [r for r in results if not r.ok]
    print(
        f"\n{len(results)} release(s) checked: {len(results) - len(failed)} accepted, "
        f"{len(failed)} with rejections or unchecked objects"
    )
    return 1 if failed else 0
