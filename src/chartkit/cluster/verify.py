"""`chartkit verify --server`: ask a live cluster whether it would accept every release.

Every release is rendered as `helm upgrade --install` would render it, and each object is
sent to the current cluster as a server-side apply dry run (`kubectl apply --server-side
--dry-run=server --validate=strict`), so the API server runs its own validation, strict
field checking and every admission controller and webhook (Pod Security admission,
policy engines, CRD schemas of the operators actually installed) without changing
anything. Each rejection is reported with the release, the object and the server's
message.

An object whose namespace does not exist cannot be checked (the server would reject it for
that alone). When the release renders that Namespace itself (an ECP tenant), the Namespace
is dry-run first and its objects are reported as checked after the release's Namespace is
created, which fails nothing; with `temporary_namespaces` the Namespace is created with the
release's labels for the check and deleted afterwards (chartkit.cluster.verify_namespaces).
Any other missing namespace leaves its objects not verified, which fails the release.

Pod Security admission judges Pods, not the workloads that make them: the dry run of a
Deployment succeeds in a namespace that will refuse its pods. So each workload's needed
level (chartkit.checks.podsecurity) is compared with its namespace's
`pod-security.kubernetes.io/enforce` label, and a stricter label fails the release.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from chartkit.cluster.schedule import run_parallel
from chartkit.cluster.verify_namespaces import (
    TemporaryNamespaces,
    enforced_levels,
    existing_namespaces,
    pod_security_problems,
    temporary_namespaces,
)
from chartkit.releases.inventory import Overlay, Release
from chartkit.releases.manifest import Object, describe, name_of
from chartkit.releases.render import Renderer
from chartkit.tools.helm import HelmError
from chartkit.tools.kubectl import Kubectl, KubectlError

FIELD_MANAGER = "chartkit-verify"
Outcome = Literal["accepted", "rejected", "not-verified", "after-namespace"]
AFTER_NAMESPACE = "checked after the release's Namespace is created"

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
    pod_security: list[str] = field(default_factory=list)  # pods their namespace refuses

    @property
    def ok(self) -> bool:
        passing = ("accepted", "after-namespace")
        return (
            not self.error
            and not self.pod_security
            and all(o.outcome in passing for o in self.objects)
        )


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


def _namespace_result(
    release: str, obj: Object, namespace: str, namespaces: _Namespaces
) -> ObjectResult | None:
    """The outcome of an object whose namespace cannot take a dry run, if so."""
    if namespace in namespaces.existing or namespace in namespaces.made.created:
        return None
    if namespace not in namespaces.rendered:
        return ObjectResult(
            release,
            describe(obj),
            "not-verified",
            f"namespace {namespace} does not exist on the cluster (create it, then verify again)",
        )
    if namespace in namespaces.refused:
        why = f"the release's Namespace {namespace} was rejected"
        return ObjectResult(release, describe(obj), "not-verified", why)
    if namespace in namespaces.made.failed:
        why = f"namespace {namespace} could not be created for the check: "
        return ObjectResult(
            release, describe(obj), "not-verified", why + namespaces.made.failed[namespace]
        )
    return ObjectResult(release, describe(obj), "after-namespace", AFTER_NAMESPACE)


@dataclass
class _Namespaces:
    existing: dict[str, dict[str, str]]  # name -> labels, on the cluster
    rendered: dict[str, Object]  # the release's own Namespace objects
    refused: dict[str, str] = field(default_factory=dict)  # rendered ones the server refuses
    made: TemporaryNamespaces = field(default_factory=TemporaryNamespaces)


def verify_release(
    kubectl: Kubectl,
    renderer: Renderer,
    release: Release,
    options: VerifyOptions,
) -> DryRunResult:
    result = DryRunResult(release.name, release.namespace)
    try:
        manifest = renderer.render_release(release, options.overlay, options.helm_version)
        objects: Sequence[Object] = manifest.objects
        namespace_of = {describe(o): object_namespace(o, release.namespace) for o in objects}
        wanted = [ns for ns in namespace_of.values() if ns]
        namespaces = _Namespaces(
            existing_namespaces(kubectl, wanted),
            {name_of(o): o for o in objects if o.get("kind") == "Namespace"},
        )
    except (HelmError, KubectlError) as error:
        result.error = _failure(error)
        return result
    first = {  # the release's Namespaces, dry-run before anything in them
        name: dry_run(kubectl, release.name, release.namespace, obj)
        for name, obj in namespaces.rendered.items()
    }
    namespaces.refused = {n: r.message for n, r in first.items() if r.outcome == "rejected"}
    to_create = [
        obj
        for name, obj in namespaces.rendered.items()
        if options.temporary_namespaces
        and name not in namespaces.existing
        and name not in namespaces.refused
    ]

    def check(obj: Object) -> ObjectResult:
        if obj.get("kind") == "Namespace":
            return first[name_of(obj)]
        namespace = namespace_of[describe(obj)]
        if namespace is None:
            return dry_run(kubectl, release.name, release.namespace, obj)
        return _namespace_result(release.name, obj, namespace, namespaces) or dry_run(
            kubectl, release.name, namespace, obj
        )

    with temporary_namespaces(kubectl, to_create) as made:
        namespaces.made = made
        result.objects = run_parallel(list(objects), check, options.parallel)
    levels = enforced_levels(namespaces.existing, namespaces.rendered)
    result.pod_security = pod_security_problems(release.name, objects, namespace_of, levels)
    return result


def _failure(error: HelmError | KubectlError) -> str:
    if isinstance(error, HelmError):
        return f"render failed: {error.stderr.strip()}"
    return f"cannot read the release's namespaces: {clean_message(error.stderr)}"


@dataclass(frozen=True)
class VerifyOptions:
    overlay: Overlay | None = None
    helm_version: str | None = None
    parallel: int = 8
    temporary_namespaces: bool = False  # create a Namespace the release renders, for the check


def verify(
    kubectl: Kubectl,
    renderer: Renderer,
    releases: Sequence[Release],
    options: VerifyOptions | None = None,
    report: Callable[[DryRunResult], Any] | None = None,
) -> list[DryRunResult]:
    check_cluster(kubectl)
    results = []
    for release in releases:
        result = verify_release(kubectl, renderer, release, options or VerifyOptions())
        if report is not None:
            report(result)
        results.append(result)
    return results
