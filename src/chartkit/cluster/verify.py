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

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from chartkit.cluster.schedule import run_parallel
from chartkit.releases.inventory import Overlay, Release
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
class DryRunResult:
    """One release's server-side dry run: each object's outcome, or why it did not render."""

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
) -> DryRunResult:
    result = DryRunResult(release.name, release.namespace)
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
    report: Callable[[DryRunResult], Any] | None = None,
) -> list[DryRunResult]:
    check_cluster(kubectl)
    results = []
    for release in releases:
        result = verify_release(kubectl, renderer, release, overlay, helm_version, parallel)
        if report is not None:
            report(result)
        results.append(result)
    return results
