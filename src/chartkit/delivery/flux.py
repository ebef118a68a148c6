"""Flux objects for one environment of the inventory: the source, the release namespaces and
one HelmRelease (helm-controller v2 API) per release, all in flux-system.

- Source `git`: one GitRepository of this repository; each HelmRelease builds its chart from
  charts/<chart> with the release's values files, the environment's overlay last
  (`valuesFiles`, paths in the repository). `reconcileStrategy: Revision`: a new commit
  rebuilds the chart, so a values change needs no chart version bump.
- Source `oci`: one OCIRepository per chart, the chart as `helm push` publishes it
  (<url>/<chart>:<Chart.yaml version>); an OCI chart carries no values files of ours, so the
  release's values files and the overlay are merged, in order, into `values`.
- The namespaces: every one a release's objects go to (not only the release's own), each
  labelled with the Pod Security level of the pods in it; those a chart creates (the
  ecp-tenant chart's) are left to the chart.
- `dependsOn` comes from helmfile.yaml's `needs:`.
- Drift detection is on; fields controllers set after install (the replicas an HPA sets,
  the HTTPRoute weights the Argo Rollouts Gateway API plugin shifts) are ignored.
- Releases with Argo Rollouts: helm-controller's default wait (kstatus, the `poller`
  strategy) cannot read a Rollout, so `healthCheckExprs` say how; they are evaluated only
  with the poller strategy, which is therefore set explicitly. `--rollout-wait legacy`
  uses Helm's legacy wait instead, which does not wait for Rollouts at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.delivery.gitops_plan import (
    EnvironmentPlan,
    PlannedRelease,
    gitops_labels,
    namespace_objects,
)
from chartkit.releases.render import Renderer
from chartkit.releases.values import supplied_values

FLUX_NAMESPACE = "flux-system"
HELM_API = "helm.toolkit.fluxcd.io/v2"
SOURCE_API = "source.toolkit.fluxcd.io/v1"
HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
SOURCES = ("git", "oci")
ROLLOUT_WAITS = ("poller", "legacy")
# CEL over an argoproj.io/v1alpha1 Rollout's status. A canary paused at a `pause: {}` step
# waits for a person to promote it: the release itself is in place, so Paused counts as
# current (Argo CD calls it Suspended); an aborted or stuck rollout is Degraded.
ROLLOUT_HEALTH = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "inProgress": "has(status.phase) && status.phase == 'Progressing'",
    "failed": "has(status.phase) && status.phase == 'Degraded'",
    "current": (
        "has(status.phase) && status.phase in ['Healthy', 'Paused'] && "
        "has(status.observedGeneration) && "
        "status.observedGeneration == string(metadata.generation)"
    ),
}


@dataclass(frozen=True)
class FluxSettings:
    name: str  # the source (its prefix for OCI)
    source: str  # git | oci
    url: str
    branch: str = "main"
    rollout_wait: str = "poller"


def source_objects(settings: FluxSettings, plan: EnvironmentPlan) -> list[dict[str, Any]]:
    own = gitops_labels(settings.name, plan.environment)
    if settings.source == "git":
        spec = {
            "interval": "5m",
            "url": settings.url,
            "ref": {"branch": settings.branch},
            # the HelmReleases read charts/ and values/ only
            "ignore": "/*\n!/charts/\n!/values/\n",
        }
        return [_object(SOURCE_API, "GitRepository", settings.name, own, spec)]
    charts = {r.chart_name: r.chart_version for r in plan.releases}
    return [
        _object(
            SOURCE_API,
            "OCIRepository",
            _oci_name(settings, chart),
            own,
            {
                "interval": "10m",
                "url": f"{settings.url.rstrip('/')}/{chart}",
                "ref": {"tag": version},
                "layerSelector": {"mediaType": HELM_CHART_LAYER, "operation": "copy"},
            },
        )
        for chart, version in charts.items()
    ]


def _oci_name(settings: FluxSettings, chart: str) -> str:
    return f"{settings.name}-{chart}"


def _object(api: str, kind: str, name: str, labels: dict[str, str], spec: dict) -> dict:
    metadata = {"name": name, "namespace": FLUX_NAMESPACE, "labels": labels}
    return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": spec}


def namespaces(plan: EnvironmentPlan, part_of: str) -> list[dict[str, Any]]:
    """Every namespace the releases write to but do not create, each enforcing the Pod
    Security level the pods in it need (Helm would create a release's own without the
    labels, and a second namespace of a chart's, such as codebeaker's worker's, not at all)."""
    return namespace_objects(plan, [*plan.namespaces, *plan.platform_namespaces], part_of)


def helm_release(
    settings: FluxSettings, plan: EnvironmentPlan, release: PlannedRelease, root: Path
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": "10m",
        "timeout": "10m",
        "releaseName": release.name,  # Flux's default would be <namespace>-<name>
        "targetNamespace": release.namespace,
        "storageNamespace": release.namespace,  # where `helm upgrade --install` keeps it
        **_chart(settings, release, root),
        "install": {"remediation": {"retries": 3}},
        "upgrade": {"cleanupOnFail": True, "remediation": {"retries": 3}},
        "test": {"enable": True},
        "driftDetection": {"mode": "enabled", "ignore": _drift_ignore(release)},
    }
    if release.needs:
        spec["dependsOn"] = [{"name": need} for need in release.needs]
    if release.has_rollouts and settings.rollout_wait == "poller":
        spec["waitStrategy"] = {"name": "poller"}
        spec["healthCheckExprs"] = [dict(ROLLOUT_HEALTH)]
    elif release.has_rollouts:
        spec["waitStrategy"] = {"name": "legacy"}
    own = {**gitops_labels(settings.name, plan.environment), **release.labels}
    return _object(HELM_API, "HelmRelease", release.name, own, spec)


def _chart(settings: FluxSettings, release: PlannedRelease, root: Path) -> dict[str, Any]:
    if settings.source == "git":
        return {
            "chart": {
                "spec": {
                    "chart": f"./{release.chart}",
                    "sourceRef": {"kind": "GitRepository", "name": settings.name},
                    "valuesFiles": list(release.values_files),
                    "reconcileStrategy": "Revision",
                }
            }
        }
    files = [root / path for path in release.values_files]
    return {
        "chartRef": {"kind": "OCIRepository", "name": _oci_name(settings, release.chart_name)},
        "values": supplied_values(Renderer(root).helm(), files),  # as helm merges -f files
    }


def _drift_ignore(release: PlannedRelease) -> list[dict[str, Any]]:
    return [
        {
            "paths": list(fields.pointers),
            "target": {"group": fields.group, "kind": fields.kind, "name": fields.name},
        }
        for fields in release.controller_fields
    ]


def flux_objects(settings: FluxSettings, plan: EnvironmentPlan, root: Path) -> list[dict]:
    return [
        *source_objects(settings, plan),
        *namespaces(plan, settings.name),
        *(helm_release(settings, plan, release, root) for release in plan.releases),
    ]
