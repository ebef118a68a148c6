"""What a GitOps controller needs to know about each release of one environment.

The inventory gives the chart, the values files (the release's own, then the
environment's overlay), the needs and the labels; the release rendered for that
environment gives the rest: which workloads an HPA scales (their replicas belong to the
HPA), whether it runs Argo Rollouts, which namespaces its objects go to (a chart may put a
workload in a namespace of its own, as codebeaker's `worker.namespace` does), the Pod
Security level each of those namespaces must enforce (from the pods in it, not from the
release), and the Namespaces it creates. Both `argocd` and `flux` build on this plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.checks.podsecurity import Level, most_permissive, namespace_manifest, required_level
from chartkit.releases.chart_metadata import chart_metadata
from chartkit.releases.inventory import Inventory, Release
from chartkit.releases.manifest import Object
from chartkit.releases.render import Renderer
from chartkit.tools.helm import HelmError

# Kinds without a namespace that a chart could render. Only Namespace is ever allowed
# (the ecp-tenant chart creates its tenant's); anything else is refused.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterSecretStore",
        "CSIDriver",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeSnapshotClass",
    }
)
ROLLOUT = ("argoproj.io/v1alpha1", "Rollout")
GATEWAY_API_PLUGIN = "argoproj-labs/gatewayAPI"


def gitops_labels(part_of: str, environment: str | None = None) -> dict[str, str]:
    """The labels of every generated object."""
    found = {"app.kubernetes.io/managed-by": "chartkit", "app.kubernetes.io/part-of": part_of}
    return {**found, "chartkit.io/environment": environment} if environment else found


class GitOpsError(Exception):
    """The inventory cannot be turned into GitOps objects; the message says why and how."""


@dataclass(frozen=True)
class ControllerFields:
    """Fields of a rendered object that a controller sets after install (JSON pointers), so
    a GitOps sync or drift correction must leave them as the cluster has them: the replicas
    of a workload an HPA scales, the backend weights of an HTTPRoute the Argo Rollouts
    Gateway API plugin shifts during a canary."""

    api_version: str
    kind: str
    name: str
    pointers: tuple[str, ...]

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""


@dataclass(frozen=True)
class PlannedRelease:
    name: str
    namespace: str
    chart: str  # repository-relative path, e.g. charts/api
    chart_name: str
    chart_version: str
    values_files: tuple[str, ...]  # repository-relative, in order, the overlay last
    needs: tuple[str, ...]
    labels: dict[str, str]
    controller_fields: tuple[ControllerFields, ...]
    has_rollouts: bool
    namespaces_created: tuple[str, ...]  # Namespace objects the chart renders
    namespaces_used: tuple[str, ...] = ()  # where its namespaced objects go, its own first


@dataclass(frozen=True)
class EnvironmentPlan:
    environment: str
    overlay: str | None  # repository-relative path of the overlay
    releases: tuple[PlannedRelease, ...]  # in install order (needs first)
    pod_security: dict[str, Level]  # namespace -> level the pods in it need

    @property
    def namespaces(self) -> list[str]:
        """Release namespaces, in install order of their first release."""
        return list(dict.fromkeys(r.namespace for r in self.releases))

    @property
    def namespaces_used(self) -> list[str]:
        """Every namespace a release's objects go to, release namespaces first."""
        used = (ns for release in self.releases for ns in release.namespaces_used)
        return list(dict.fromkeys([*self.namespaces, *used]))

    @property
    def platform_namespaces(self) -> list[str]:
        """Namespaces releases write to that no release is deployed to or creates: the
        platform must create them (a GitOps controller creates only a release's own)."""
        created = {ns for release in self.releases for ns in release.namespaces_created}
        return [
            ns for ns in self.namespaces_used if ns not in self.namespaces and ns not in created
        ]


def plan(inventory: Inventory, renderer: Renderer, environment: str) -> EnvironmentPlan:
    """Every release of the inventory as the environment deploys it."""
    check_environment(inventory, environment)
    overlay = inventory.environment_overlay(environment)
    planned: list[PlannedRelease] = []
    levels: dict[str, list[Level]] = {}
    for release in inventory.in_install_order():
        try:
            objects = list(renderer.render_release(release, overlay).objects)
        except HelmError as error:
            raise GitOpsError(
                f"release {release.name} ({environment}) does not render: {error}"
            ) from None
        planned.append(_planned(inventory.root, release, overlay and overlay.path, objects))
        for namespace, found in by_namespace(release.namespace, objects).items():
            levels.setdefault(namespace, []).append(required_level(found)[0])
    return EnvironmentPlan(
        environment=environment,
        overlay=_relative(inventory.root, overlay.path) if overlay else None,
        releases=tuple(planned),
        pod_security={ns: most_permissive(found) for ns, found in levels.items()},
    )


def namespace_objects(
    plan: EnvironmentPlan, names: Iterable[str], part_of: str
) -> list[dict[str, Any]]:
    """Namespaces enforcing the Pod Security level the pods in each need."""
    labels = gitops_labels(part_of, plan.environment)
    return [namespace_manifest(ns, plan.pod_security.get(ns, "restricted"), labels) for ns in names]


def check_environment(inventory: Inventory, environment: str) -> None:
    if environment not in inventory.environments:
        known = ", ".join(inventory.environments)
        raise GitOpsError(f"no environment {environment!r} in helmfile.yaml (known: {known})")


def _planned(
    root: Path, release: Release, overlay: Path | None, objects: Sequence[Object]
) -> PlannedRelease:
    deployed = [o for o in objects if not _is_hook(o)]
    outside = sorted(
        f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}"
        for o in deployed
        if o.get("kind") in CLUSTER_SCOPED_KINDS - {"Namespace"}
    )
    if outside:
        raise GitOpsError(
            f"release {release.name} renders cluster-scoped {', '.join(outside)}: the GitOps "
            "project allows Namespaces only; install such objects with the platform instead"
        )
    chart = chart_metadata(release.chart)
    values = [*release.values, *([overlay] if overlay else [])]
    return PlannedRelease(
        name=release.name,
        namespace=release.namespace,
        chart=_relative(root, release.chart),
        chart_name=str(chart["name"]),
        chart_version=str(chart["version"]),
        values_files=tuple(_relative(root, path) for path in values),
        needs=release.needs,
        labels=dict(release.labels),
        controller_fields=tuple(_controller_fields(deployed)),
        has_rollouts=any((o.get("apiVersion"), o.get("kind")) == ROLLOUT for o in deployed),
        namespaces_created=tuple(
            str(o["metadata"]["name"]) for o in deployed if o.get("kind") == "Namespace"
        ),
        namespaces_used=tuple(by_namespace(release.namespace, deployed)),
    )


def by_namespace(default: str, objects: Iterable[Object]) -> dict[str, list[Object]]:
    """Namespaced objects by the namespace they go to (helm's default for those that name
    none), the release's own namespace first."""
    found: dict[str, list[Object]] = {default: []}
    for obj in objects:
        if obj.get("kind") in CLUSTER_SCOPED_KINDS:
            continue
        namespace = str((obj.get("metadata") or {}).get("namespace") or default)
        found.setdefault(namespace, []).append(obj)
    return found


def _controller_fields(objects: Sequence[Object]) -> list[ControllerFields]:
    found = set(_hpa_replicas(objects)) | set(_plugin_route_weights(objects))
    return sorted(found, key=lambda f: (f.kind, f.name))


def _hpa_replicas(objects: Iterable[Object]) -> Iterable[ControllerFields]:
    for obj in objects:
        if obj.get("kind") == "HorizontalPodAutoscaler":
            ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
            yield ControllerFields(
                str(ref["apiVersion"]), str(ref["kind"]), str(ref["name"]), ("/spec/replicas",)
            )


def _plugin_route_weights(objects: Sequence[Object]) -> Iterable[ControllerFields]:
    """The backend weights of each HTTPRoute a Rollout's Gateway API plugin routes through.
    (The Services whose selectors Argo Rollouts extends need nothing: with server-side apply
    the controller owns the key it adds, and no sync removes it.)"""
    routes = {}
    for obj in objects:
        if obj.get("kind") != ROLLOUT[1]:
            continue
        canary = ((obj.get("spec") or {}).get("strategy") or {}).get("canary") or {}
        plugins = (canary.get("trafficRouting") or {}).get("plugins") or {}
        route = (plugins.get(GATEWAY_API_PLUGIN) or {}).get("httpRoute")
        if route:
            routes[str(route)] = obj
    for obj in objects:
        name = str((obj.get("metadata") or {}).get("name"))
        if obj.get("kind") != "HTTPRoute" or name not in routes:
            continue
        pointers = tuple(
            f"/spec/rules/{i}/backendRefs/{j}/weight"
            for i, rule in enumerate((obj.get("spec") or {}).get("rules") or [])
            for j, _ in enumerate(rule.get("backendRefs") or [])
        )
        yield ControllerFields(str(obj["apiVersion"]), "HTTPRoute", name, pointers)


def _is_hook(obj: Object) -> bool:
    """A helm hook (the charts' test Pods): not part of what a controller keeps in sync."""
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def _relative(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()
