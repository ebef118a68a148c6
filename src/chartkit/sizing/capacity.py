"""Capacity: what releases ask of the cluster, per release and per namespace.

Demand is counted per release and per namespace (a namespace may hold several releases,
and a release may put its workloads in a namespace of its own): CPU, memory and GPU
requests and limits, at the declared replicas (HPA minimum where an HPA owns the count) and
at HPA maximum (chartkit.sizing.workloads). When nodes are given, the releases' pods are
placed on them (chartkit.sizing.placement).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chartkit.releases.inventory import Overlay, Release
from chartkit.releases.manifest import Manifest, Object, name_of
from chartkit.releases.render import Renderer
from chartkit.sizing.amount import ResourceRequirements
from chartkit.sizing.placement import Node, Placement, place
from chartkit.sizing.pods import PodRequest, release_pods
from chartkit.sizing.workloads import WorkloadDemand, totals, workload_demands
from chartkit.tools.helm import HelmError


@dataclass(frozen=True)
class Demand:
    """Requests and limits of a set of workloads, at declared replicas and at HPA max."""

    name: str  # release or namespace
    namespaces: tuple[str, ...]
    releases: tuple[str, ...]
    pods: int
    pods_at_max: int
    declared: ResourceRequirements
    at_max: ResourceRequirements

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "namespaces": list(self.namespaces),
            "releases": list(self.releases),
            "pods": self.pods,
            "podsAtMax": self.pods_at_max,
            "declared": self.declared.as_dict(),
            "atMax": self.at_max.as_dict(),
        }


@dataclass(frozen=True)
class WorkloadEntry:
    release: str
    namespace: str
    demand: WorkloadDemand


def workload_entries(release: str, namespace: str, manifest: Manifest) -> list[WorkloadEntry]:
    """Each workload's demand with the namespace it runs in (its own, or the release's)."""
    objects = {(o["kind"], name_of(o)): o for o in manifest.workloads()}
    entries = []
    for demand in workload_demands(manifest):
        obj: Object = objects[(demand.kind, demand.name)]
        own = (obj.get("metadata") or {}).get("namespace") or namespace
        entries.append(WorkloadEntry(release, own, demand))
    return entries


def summarize(
    name: str, entries: Sequence[WorkloadEntry], namespaces: Iterable[str] = ()
) -> Demand:
    demands = [e.demand for e in entries]
    return Demand(
        name=name,
        namespaces=tuple(sorted({e.namespace for e in entries} | set(namespaces))),
        releases=tuple(sorted({e.release for e in entries})),
        pods=sum(1 if d.kind == "DaemonSet" else d.replicas for d in demands),
        pods_at_max=sum(1 if d.kind == "DaemonSet" else d.max_replicas for d in demands),
        declared=totals(demands),
        at_max=totals(demands, at_max=True),
    )


@dataclass
class CapacityReport:
    at_max: bool
    releases: list[Demand]
    namespaces: list[Demand]
    total: Demand
    errors: dict[str, str]
    placement: Placement | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and (self.placement is None or self.placement.fits)

    def as_dict(self) -> dict[str, Any]:
        return {
            "atMax": self.at_max,
            "releases": [d.as_dict() for d in self.releases],
            "namespaces": [d.as_dict() for d in self.namespaces],
            "total": self.total.as_dict(),
            "errors": dict(self.errors),
            "placement": self.placement.as_dict() if self.placement else None,
        }


def build_report(
    renderer: Renderer,
    releases: Sequence[Release],
    overlay: Overlay | None = None,
    helm_version: str | None = None,
    at_max: bool = False,
    nodes: list[Node] | None = None,
    extra_pods: Sequence[PodRequest] = (),
) -> CapacityReport:
    """Render the releases and count their demand; place their pods when nodes are given."""
    per_release: list[Demand] = []
    all_entries: list[WorkloadEntry] = []
    pods: list[PodRequest] = []
    errors: dict[str, str] = {}
    for release in releases:
        try:
            manifest = renderer.render_release(release, overlay, helm_version)
        except HelmError as error:
            errors[release.name] = error.stderr.strip()
            continue
        entries = workload_entries(release.name, release.namespace, manifest)
        all_entries += entries
        per_release.append(summarize(release.name, entries, () if entries else [release.namespace]))
        pods += release_pods(release.name, release.namespace, manifest, at_max=at_max)
    namespaces = sorted({e.namespace for e in all_entries})
    per_namespace = [
        summarize(ns, [e for e in all_entries if e.namespace == ns]) for ns in namespaces
    ]
    placement = place([*pods, *extra_pods], nodes) if nodes is not None else None
    return CapacityReport(
        at_max=at_max,
        releases=per_release,
        namespaces=per_namespace,
        total=summarize("total", all_entries),
        errors=errors,
        placement=placement,
    )


def runs_in(
    renderer: Renderer,
    release: Release,
    overlay: Overlay | None,
    helm_version: str | None,
    namespaces: set[str],
) -> bool:
    """Whether the release runs workloads in one of the namespaces (or, when it runs none,
    is installed in one; a release that does not render is kept, to report its error)."""
    try:
        manifest = renderer.render_release(release, overlay, helm_version)
    except HelmError:
        return release.namespace in namespaces
    entries = workload_entries(release.name, release.namespace, manifest)
    if not entries:
        return release.namespace in namespaces
    return any(e.namespace in namespaces for e in entries)
