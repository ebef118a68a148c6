"""Capacity: what releases ask of the cluster, and whether their pods fit on given nodes.

Demand is counted per release and per namespace (a namespace may hold several releases,
and a release may put its workloads in a namespace of its own): CPU, memory and GPU
requests and limits, at the declared replicas (HPA minimum where an HPA owns the count) and
at HPA maximum. It builds on chartkit.resources (pod_shape, workload_demands, totals).

Placement answers "do these pods fit on these nodes?" for node profiles from ci/nodes.yaml
(`--nodes e2-medium:3,e2-standard-4:2`). It is first-fit decreasing: pods are sorted by
GPU, then CPU, then memory request, largest first, and each goes to the first node, in
the order the nodes were given, where

- its requests fit in what is left (allocatable minus system pods minus pods placed),
- the node's labels satisfy the pod's nodeSelector and the pod tolerates the node's taints,
- for a workload with required pod anti-affinity on kubernetes.io/hostname, no pod of the
  same workload runs yet (one pod per node).

DaemonSet pods go first, one on every node they may run on. The Kubernetes scheduler scores
nodes differently (by default it spreads pods), so a placement found here shows that the
pods can fit, and a pod reported as not fitting would at best fit after a different
arrangement; node affinity other than nodeSelector is not modelled.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chartkit.quantity import QuantityError, cpu_millis, format_cpu, format_memory, memory_bytes
from chartkit.releases.inventory import Inventory, Overlay, Release, load
from chartkit.releases.manifest import Manifest, Object, name_of, pod_spec
from chartkit.releases.render import Renderer
from chartkit.resources import Totals, WorkloadDemand, totals, workload_demands
from chartkit.texttable import text_table
from chartkit.tools.helm import HelmError

NODES_FILE = Path("ci") / "nodes.yaml"
GPU_LABEL = "cloud.google.com/gke-accelerator"


class CapacityError(Exception):
    """Bad node profiles or --nodes argument; the message says what and where."""


# -- resources ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """Schedulable amounts: CPU millicores, memory bytes, GPUs and pod slots."""

    cpu: int = 0
    memory: int = 0
    gpu: int = 0
    pods: int = 0

    def __add__(self, other: Amount) -> Amount:
        return Amount(
            self.cpu + other.cpu,
            self.memory + other.memory,
            self.gpu + other.gpu,
            self.pods + other.pods,
        )

    def __sub__(self, other: Amount) -> Amount:
        return Amount(
            self.cpu - other.cpu,
            self.memory - other.memory,
            self.gpu - other.gpu,
            self.pods - other.pods,
        )

    def covers(self, other: Amount) -> bool:
        return (
            self.cpu >= other.cpu
            and self.memory >= other.memory
            and self.gpu >= other.gpu
            and self.pods >= other.pods
        )

    def shortfalls(self, needed: Amount) -> list[str]:
        """What `needed` lacks here, e.g. ["cpu 250m > 227m left"]."""
        short = []
        if needed.cpu > self.cpu:
            short.append(f"cpu {format_cpu(needed.cpu)} > {format_cpu(max(self.cpu, 0))} left")
        if needed.memory > self.memory:
            short.append(
                f"memory {format_memory(needed.memory)} > {format_memory(max(self.memory, 0))} left"
            )
        if needed.gpu > self.gpu:
            short.append(f"gpu {needed.gpu} > {max(self.gpu, 0)} left")
        if needed.pods > self.pods:
            short.append(f"pod slots {needed.pods} > {max(self.pods, 0)} left")
        return short

    def describe(self, gpu: bool = True) -> str:
        text = f"cpu {format_cpu(self.cpu)}, memory {format_memory(self.memory)}"
        if gpu and self.gpu:
            text += f", gpu {self.gpu}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "cpu": format_cpu(self.cpu),
            "cpuMillis": self.cpu,
            "memory": format_memory(self.memory),
            "memoryBytes": self.memory,
            "gpu": self.gpu,
            "pods": self.pods,
        }


def _amount(section: Mapping[str, Any] | None, where: str) -> Amount:
    section = section or {}
    unknown = set(section) - {"cpu", "memory", "gpu", "pods"}
    if unknown:
        raise CapacityError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        return Amount(
            cpu=cpu_millis(section.get("cpu", 0)),
            memory=memory_bytes(section.get("memory", 0)),
            gpu=int(section.get("gpu", 0)),
            pods=int(section.get("pods", 0)),
        )
    except (QuantityError, ValueError, TypeError) as error:
        raise CapacityError(f"{where}: {error}") from None


# -- node profiles ------------------------------------------------------------------------


@dataclass(frozen=True)
class Taint:
    key: str
    value: str = ""
    effect: str = "NoSchedule"


@dataclass(frozen=True)
class NodeProfile:
    name: str
    description: str
    allocatable: Amount
    system: Amount
    labels: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    taints: tuple[Taint, ...] = ()

    @property
    def free(self) -> Amount:
        """What a fresh node of this profile has left for workloads."""
        return self.allocatable - self.system

    @property
    def gpu_type(self) -> str | None:
        return self.labels.get(GPU_LABEL) if self.allocatable.gpu else None


@dataclass(frozen=True)
class NodeProfiles:
    profiles: Mapping[str, NodeProfile]
    default_cpu_profile: str | None = None

    def get(self, name: str) -> NodeProfile:
        if name not in self.profiles:
            raise CapacityError(
                f"no node profile {name!r} in {NODES_FILE} "
                f"(known: {', '.join(sorted(self.profiles))})"
            )
        return self.profiles[name]

    def with_gpu_type(self, gpu_type: str) -> list[NodeProfile]:
        return [p for p in self.profiles.values() if p.gpu_type == gpu_type]


def load_profiles(root: Path, path: Path | None = None) -> NodeProfiles:
    path = path or root / NODES_FILE
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise CapacityError(f"{path} does not exist") from None
    except yaml.YAMLError as error:
        raise CapacityError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("profiles"), dict):
        raise CapacityError(f"{path}: expected a mapping with a `profiles:` mapping")
    profiles: dict[str, NodeProfile] = {}
    for name, entry in document["profiles"].items():
        where = f"{path.name}: profiles.{name}"
        if not isinstance(entry, dict):
            raise CapacityError(f"{where}: expected a mapping")
        allocatable = _amount(entry.get("allocatable"), f"{where}.allocatable")
        system = _amount(entry.get("system"), f"{where}.system")
        if allocatable.cpu <= 0 or allocatable.memory <= 0:
            raise CapacityError(f"{where}.allocatable: cpu and memory are required")
        if not allocatable.covers(system):
            raise CapacityError(f"{where}.system: system pods request more than is allocatable")
        taints = tuple(
            Taint(str(t["key"]), str(t.get("value", "")), str(t.get("effect", "NoSchedule")))
            for t in entry.get("taints") or []
        )
        profiles[str(name)] = NodeProfile(
            name=str(name),
            description=str(entry.get("description", "")),
            allocatable=allocatable,
            system=system,
            labels={str(k): str(v) for k, v in (entry.get("labels") or {}).items()},
            taints=taints,
        )
    default = document.get("defaultCpuProfile")
    if default is not None and default not in profiles:
        raise CapacityError(f"{path.name}: defaultCpuProfile {default!r} is not a profile")
    return NodeProfiles(profiles=profiles, default_cpu_profile=default)


# -- pods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodRequest:
    """One pod to place, with what the scheduler looks at."""

    release: str
    namespace: str
    kind: str
    workload: str
    index: int  # 1-based
    count: int  # pods of this workload
    requests: Amount
    node_selector: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    tolerations: tuple[Mapping[str, Any], ...] = field(default=(), hash=False, compare=False)
    anti_affinity: bool = False  # required, on kubernetes.io/hostname
    daemon: bool = False

    @property
    def group(self) -> tuple[str, str, str]:
        return (self.namespace, self.kind, self.workload)

    @property
    def label(self) -> str:
        if self.daemon:
            return f"{self.release}/{self.kind}/{self.workload}"
        return f"{self.release}/{self.kind}/{self.workload} pod {self.index}/{self.count}"

    def tolerates(self, taint: Taint) -> bool:
        if taint.effect not in ("NoSchedule", "NoExecute"):
            return True  # PreferNoSchedule only scores
        for toleration in self.tolerations:
            effect = toleration.get("effect") or ""
            if effect and effect != taint.effect:
                continue
            key = toleration.get("key") or ""
            if toleration.get("operator") == "Exists":
                if not key or key == taint.key:
                    return True
            elif key == taint.key and str(toleration.get("value") or "") == taint.value:
                return True
        return False


def synthetic_pod(
    name: str,
    cpu: str | int = 0,
    memory: str | int = 0,
    gpu: int = 0,
    count: int = 1,
    namespace: str = "default",
    anti_affinity: bool = False,
) -> list[PodRequest]:
    """Pods of a made-up workload, for what-if questions and tests."""
    requests = Amount(cpu_millis(cpu), memory_bytes(memory), gpu, 1)
    return [
        PodRequest(name, namespace, "Pod", name, i, count, requests, anti_affinity=anti_affinity)
        for i in range(1, count + 1)
    ]


def _request_amount(demand: WorkloadDemand) -> Amount:
    return Amount(demand.pod.cpu_request, demand.pod.memory_request, demand.pod.gpu_request, 1)


def release_pods(
    release: str, namespace: str, manifest: Manifest, at_max: bool = False
) -> list[PodRequest]:
    """The pods a rendered release runs (helm hooks, Jobs and CronJobs left out)."""
    objects = {(o["kind"], name_of(o)): o for o in manifest.workloads()}
    pods: list[PodRequest] = []
    for demand in workload_demands(manifest):
        obj = objects[(demand.kind, demand.name)]
        spec = pod_spec(obj)
        own_namespace = (obj.get("metadata") or {}).get("namespace") or namespace
        daemon = demand.kind == "DaemonSet"
        count = 1 if daemon else (demand.max_replicas if at_max else demand.replicas)
        for index in range(1, count + 1):
            pods.append(
                PodRequest(
                    release=release,
                    namespace=own_namespace,
                    kind=demand.kind,
                    workload=demand.name,
                    index=index,
                    count=count,
                    requests=_request_amount(demand),
                    node_selector=dict(spec.get("nodeSelector") or {}),
                    tolerations=tuple(spec.get("tolerations") or ()),
                    anti_affinity=demand.required_anti_affinity,
                    daemon=daemon,
                )
            )
    return pods


# -- demand per release and namespace -----------------------------------------------------


@dataclass(frozen=True)
class Demand:
    """Requests and limits of a set of workloads, at declared replicas and at HPA max."""

    name: str  # release or namespace
    namespaces: tuple[str, ...]
    releases: tuple[str, ...]
    pods: int
    pods_at_max: int
    declared: Totals
    at_max: Totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "namespaces": list(self.namespaces),
            "releases": list(self.releases),
            "pods": self.pods,
            "podsAtMax": self.pods_at_max,
            "declared": _totals_dict(self.declared),
            "atMax": _totals_dict(self.at_max),
        }


def _totals_dict(total: Totals) -> dict[str, Any]:
    return {
        "requests": {
            "cpu": format_cpu(total.cpu_request),
            "cpuMillis": total.cpu_request,
            "memory": format_memory(total.memory_request),
            "memoryBytes": total.memory_request,
            "gpu": total.gpu_request,
        },
        "limits": {
            "cpu": format_cpu(total.cpu_limit),
            "cpuMillis": total.cpu_limit,
            "memory": format_memory(total.memory_limit),
            "memoryBytes": total.memory_limit,
            "gpu": total.gpu_limit,
        },
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


# -- placement ----------------------------------------------------------------------------


@dataclass
class Node:
    name: str
    profile: NodeProfile
    pods: list[PodRequest] = field(default_factory=list)

    @property
    def used(self) -> Amount:
        used = self.profile.system
        for pod in self.pods:
            used = used + pod.requests
        return used

    @property
    def left(self) -> Amount:
        return self.profile.allocatable - self.used

    def eligible(self, pod: PodRequest) -> str | None:
        """Why the pod may never run here (labels, taints), or None."""
        for key, value in pod.node_selector.items():
            if self.profile.labels.get(key) != str(value):
                return f"nodeSelector {key}={value}"
        for taint in self.profile.taints:
            if not pod.tolerates(taint):
                return f"taint {taint.key}={taint.value}:{taint.effect}"
        return None

    def runs_group_of(self, pod: PodRequest) -> bool:
        return any(other.group == pod.group for other in self.pods)

    def accepts(self, pod: PodRequest) -> bool:
        if self.eligible(pod) is not None:
            return False
        if pod.anti_affinity and self.runs_group_of(pod):
            return False
        return self.left.covers(pod.requests)


def parse_nodes(spec: str, profiles: NodeProfiles) -> list[Node]:
    """Nodes from "e2-medium:3,e2-standard-4:2" (count defaults to 1), named
    "<profile>-<n>"."""
    nodes: list[Node] = []
    counters: dict[str, int] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, count_text = part.partition(":")
        profile = profiles.get(name.strip())
        try:
            count = int(count_text) if count_text else 1
        except ValueError:
            count = -1
        if count < 1:
            raise CapacityError(
                f"--nodes {spec!r}: {part!r} must be <profile>:<count> with a count of at least 1"
            )
        for _ in range(count):
            counters[profile.name] = counters.get(profile.name, 0) + 1
            nodes.append(Node(f"{profile.name}-{counters[profile.name]}", profile))
    if not nodes:
        raise CapacityError(f"--nodes {spec!r}: no nodes given (e.g. e2-medium:3)")
    return nodes


@dataclass(frozen=True)
class Unplaced:
    pod: PodRequest
    reason: str

    def __str__(self) -> str:
        return f"{self.pod.label} ({self.pod.requests.describe()}): {self.reason}"


@dataclass
class Placement:
    nodes: list[Node]
    unplaced: list[Unplaced]

    @property
    def fits(self) -> bool:
        return not self.unplaced

    def as_dict(self) -> dict[str, Any]:
        return {
            "fits": self.fits,
            "nodes": [
                {
                    "name": node.name,
                    "profile": node.profile.name,
                    "pods": [pod.label for pod in node.pods],
                    "allocatable": node.profile.allocatable.as_dict(),
                    "system": node.profile.system.as_dict(),
                    "used": node.used.as_dict(),
                    "left": node.left.as_dict(),
                }
                for node in self.nodes
            ],
            "unplaced": [
                {"pod": u.pod.label, "requests": u.pod.requests.as_dict(), "reason": u.reason}
                for u in self.unplaced
            ],
        }


def _size_key(pod: PodRequest) -> tuple[int, int, int]:
    return (pod.requests.gpu, pod.requests.cpu, pod.requests.memory)


def _why_not(pod: PodRequest, nodes: Sequence[Node]) -> str:
    if not nodes:
        return "no nodes"
    eligible = [n for n in nodes if n.eligible(pod) is None]
    if not eligible:
        reasons = sorted({str(n.eligible(pod)) for n in nodes})
        return "no node it may run on: " + "; ".join(
            f"{r} ({'not on any node' if r.startswith('nodeSelector') else 'not tolerated'})"
            for r in reasons
        )
    free = [n for n in eligible if not (pod.anti_affinity and n.runs_group_of(pod))]
    if not free:
        return (
            f"required pod anti-affinity: each of the {len(eligible)} node(s) it may run on "
            "already runs a pod of this workload"
        )
    roomiest = sorted(free, key=lambda n: (n.left.gpu, n.left.cpu, n.left.memory), reverse=True)
    details = "; ".join(
        f"{n.name}: {', '.join(n.left.shortfalls(pod.requests))}" for n in roomiest[:3]
    )
    more = f" (and {len(roomiest) - 3} more)" if len(roomiest) > 3 else ""
    return f"does not fit in what is left on any node: {details}{more}"


def place(pods: Iterable[PodRequest], nodes: list[Node]) -> Placement:
    """First-fit decreasing placement of pods onto nodes (which keep what they hold)."""
    pods = list(pods)
    unplaced: list[Unplaced] = []
    for pod in (p for p in pods if p.daemon):
        targets = [n for n in nodes if n.eligible(pod) is None]
        for node in targets:
            if node.left.covers(pod.requests):
                node.pods.append(pod)
            else:
                unplaced.append(
                    Unplaced(
                        pod, f"on {node.name}: " + ", ".join(node.left.shortfalls(pod.requests))
                    )
                )
    ordered = sorted((p for p in pods if not p.daemon), key=_size_key, reverse=True)
    for pod in ordered:
        for node in nodes:
            if node.accepts(pod):
                node.pods.append(pod)
                break
        else:
            unplaced.append(Unplaced(pod, _why_not(pod, nodes)))
    return Placement(nodes=nodes, unplaced=unplaced)


def nodes_needed(pods: Sequence[PodRequest], profile: NodeProfile, limit: int = 1000) -> int | None:
    """How many fresh nodes of one profile first-fit decreasing needs for the pods, or None
    when some pod can never run on that profile (too large, nodeSelector, taints)."""
    nodes: list[Node] = []
    for pod in sorted(pods, key=_size_key, reverse=True):
        probe = Node("probe", profile)
        if not probe.accepts(pod):
            return None
        target = next((n for n in nodes if n.accepts(pod)), None)
        if target is None:
            if len(nodes) >= limit:
                return None
            target = Node(f"{profile.name}-{len(nodes) + 1}", profile)
            nodes.append(target)
        target.pods.append(pod)
    return len(nodes)


# -- the report ---------------------------------------------------------------------------


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


def _cpu_mem_gpu(cpu: int, memory: int, gpu: int, show_gpu: bool) -> str:
    text = f"{format_cpu(cpu)}/{format_memory(memory)}"
    return text + f"/{gpu}" if show_gpu else text


def _names(names: Sequence[str]) -> str:
    if len(names) > 3:
        return f"{len(names)} ({', '.join(names[:2])}, ...)"
    return ",".join(names) or "-"


def demand_table(demands: Sequence[Demand], first: str, show_gpu: bool) -> str:
    unit = "cpu/mem/gpu" if show_gpu else "cpu/mem"
    headers = (
        first,
        "namespace" if first == "release" else "releases",
        "pods",
        f"requests {unit}",
        f"limits {unit}",
        "pods@max",
        f"requests@max {unit}",
        f"limits@max {unit}",
    )
    rows = []
    for d in demands:
        rows.append(
            (
                d.name,
                _names(d.namespaces if first == "release" else d.releases),
                str(d.pods),
                _cpu_mem_gpu(
                    d.declared.cpu_request,
                    d.declared.memory_request,
                    d.declared.gpu_request,
                    show_gpu,
                ),
                _cpu_mem_gpu(
                    d.declared.cpu_limit, d.declared.memory_limit, d.declared.gpu_limit, show_gpu
                ),
                str(d.pods_at_max),
                _cpu_mem_gpu(
                    d.at_max.cpu_request, d.at_max.memory_request, d.at_max.gpu_request, show_gpu
                ),
                _cpu_mem_gpu(
                    d.at_max.cpu_limit, d.at_max.memory_limit, d.at_max.gpu_limit, show_gpu
                ),
            )
        )
    return text_table(headers, rows)


def placement_table(placement: Placement) -> str:
    show_gpu = any(n.profile.allocatable.gpu for n in placement.nodes)
    unit = "cpu/mem/gpu" if show_gpu else "cpu/mem"
    headers = (
        "node",
        "pods",
        f"allocatable {unit}",
        f"system {unit}",
        f"workloads {unit}",
        f"left {unit}",
    )
    rows = []
    for node in placement.nodes:
        workloads = node.used - node.profile.system
        rows.append(
            (
                node.name,
                str(len(node.pods)),
                *(
                    _cpu_mem_gpu(a.cpu, a.memory, a.gpu, show_gpu)
                    for a in (node.profile.allocatable, node.profile.system, workloads, node.left)
                ),
            )
        )
    return text_table(headers, rows)


def format_report(report: CapacityReport, node_spec: str | None = None) -> str:
    show_gpu = bool(report.total.declared.gpu_request or report.total.at_max.gpu_request)
    replicas = "HPA maximum" if report.at_max else "declared replicas (HPA minimum)"
    parts = [
        "Demand per release (requests and limits at declared replicas, and at HPA maximum):",
        demand_table([*report.releases, report.total], "release", show_gpu),
        "",
        "Demand per namespace:",
        demand_table([*report.namespaces, report.total], "namespace", show_gpu),
    ]
    if report.placement is not None:
        placed = sum(len(n.pods) for n in report.placement.nodes)
        parts += [
            "",
            f"Placement on {node_spec} at {replicas}: first-fit, largest pods first "
            f"(GPU, then CPU, then memory); {placed} pod(s) placed:",
            placement_table(report.placement),
        ]
        if report.placement.fits:
            parts.append("\nEverything fits.")
        else:
            parts.append(f"\nDoes not fit: {len(report.placement.unplaced)} pod(s)")
            parts += [f"  {u}" for u in report.placement.unplaced]
    for release, error in report.errors.items():
        parts.append(f"\n{release}: cannot render: {error}")
    return "\n".join(parts)


# -- command line -------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("releases", nargs="*", help="release names (default: every release)")
    parser.add_argument(
        "--all", action="store_true", help="every release in helmfile.yaml (the default)"
    )
    parser.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        help="only releases whose workloads run in this namespace (repeatable)",
    )
    parser.add_argument(
        "--nodes",
        help="place the pods on these nodes, e.g. e2-medium:3,e2-standard-4:2 "
        f"(profiles from {NODES_FILE}); exit 1 when a pod does not fit",
    )
    parser.add_argument(
        "--at-max", action="store_true", help="place pods at HPA maximum instead of declared"
    )
    parser.add_argument("--overlay", help="environment overlay from values/env (dev, prod)")
    parser.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--list-profiles", action="store_true", help=f"list the node profiles in {NODES_FILE}"
    )


def _profiles_table(profiles: NodeProfiles) -> str:
    rows = [
        (
            p.name,
            _cpu_mem_gpu(p.allocatable.cpu, p.allocatable.memory, p.allocatable.gpu, True),
            _cpu_mem_gpu(p.system.cpu, p.system.memory, p.system.gpu, True),
            _cpu_mem_gpu(p.free.cpu, p.free.memory, p.free.gpu, True),
            p.gpu_type or "-",
            p.description,
        )
        for p in profiles.profiles.values()
    ]
    headers = ("profile", "allocatable cpu/mem/gpu", "system", "free", "gpu type", "machine")
    return text_table(headers, rows)


def _select(inventory: Inventory, names: Sequence[str]) -> list[Release]:
    if not names:
        return list(inventory.releases)
    return [inventory.release(name) for name in names]


def run(args: argparse.Namespace, root: Path) -> int:
    """`chartkit capacity`: 0 when everything fits (or no nodes were given), 1 when a pod
    does not fit or a release does not render, 2 on bad arguments."""
    try:
        profiles = load_profiles(root)
        if args.list_profiles:
            print(_profiles_table(profiles))
            return 0
        if args.all and args.releases:
            raise CapacityError("give release names or --all, not both")
        inventory = load(root)
        releases = _select(inventory, args.releases)
        nodes = parse_nodes(args.nodes, profiles) if args.nodes else None
        overlay = inventory.overlay(args.overlay) if args.overlay else None
    except CapacityError as error:
        print(f"chartkit capacity: {error}", file=sys.stderr)
        return 2
    renderer = Renderer(root)
    if args.namespace:
        wanted = set(args.namespace)
        releases = [r for r in releases if _runs_in(renderer, r, overlay, args.helm, wanted)]
        if not releases:
            print(
                f"chartkit capacity: no release runs workloads in {', '.join(sorted(wanted))}",
                file=sys.stderr,
            )
            return 2
    report = build_report(renderer, releases, overlay, args.helm, args.at_max, nodes)
    if args.namespace:
        report.namespaces = [d for d in report.namespaces if d.name in set(args.namespace)]
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report, args.nodes))
    return 0 if report.ok else 1


def _runs_in(
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
