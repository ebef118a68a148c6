"""What a GitOps controller needs to know about each release of one environment.

The inventory gives the chart, the values files (the release's own, then the
environment's overlay), the needs and the labels; the release rendered for that
environment gives the rest: which workloads an HPA scales (their replicas belong to the
HPA), whether it runs Argo Rollouts, the Pod Security level its namespace must enforce,
and what it creates outside its namespace. Both `argocd` and `flux` build on this plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from chartkit.checks.podsecurity import Level, most_permissive, required_level
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


def gitops_labels(part_of: str, environment: str | None = None) -> dict[str, str]:
    """The labels of every generated object."""
    found = {"app.kubernetes.io/managed-by": "chartkit", "app.kubernetes.io/part-of": part_of}
    return {**found, "chartkit.io/environment": environment} if environment else found


class GitOpsError(Exception):
    """The inventory cannot be turned into GitOps objects; the message says why and how."""


@dataclass(frozen=True)
class ScaledWorkload:
    """A workload whose replicas an HPA sets."""

    api_version: str
    kind: str
    name: str

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
    scaled: tuple[ScaledWorkload, ...]
    has_rollouts: bool
    namespaces_created: tuple[str, ...]  # Namespace objects the chart renders


@dataclass(frozen=True)
class EnvironmentPlan:
    environment: str
    overlay: str | None  # repository-relative path of the overlay
    releases: tuple[PlannedRelease, ...]  # in install order (needs first)
    pod_security: dict[str, Level]  # namespace -> level its pods need

    @property
    def namespaces(self) -> list[str]:
        """Release namespaces, in install order of their first release."""
        return list(dict.fromkeys(r.namespace for r in self.releases))


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
        levels.setdefault(release.namespace, []).append(required_level(objects)[0])
    return EnvironmentPlan(
        environment=environment,
        overlay=_relative(inventory.root, overlay.path) if overlay else None,
        releases=tuple(planned),
        pod_security={ns: most_permissive(found) for ns, found in levels.items()},
    )


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
    chart = yaml.safe_load((release.chart / "Chart.yaml").read_text())
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
        scaled=tuple(_scaled(deployed)),
        has_rollouts=any((o.get("apiVersion"), o.get("kind")) == ROLLOUT for o in deployed),
        namespaces_created=tuple(
            str(o["metadata"]["name"]) for o in deployed if o.get("kind") == "Namespace"
        ),
    )


def _scaled(objects: Iterable[Object]) -> list[ScaledWorkload]:
    targets = []
    for obj in objects:
        if obj.get("kind") != "HorizontalPodAutoscaler":
            continue
        ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        targets.append(ScaledWorkload(str(ref["apiVersion"]), str(ref["kind"]), str(ref["name"])))
    return sorted(set(targets), key=lambda t: (t.kind, t.name))


def _is_hook(obj: Object) -> bool:
    """A helm hook (the charts' test Pods): not part of what a controller keeps in sync."""
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def _relative(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()
