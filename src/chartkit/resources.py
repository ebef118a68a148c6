"""What a release asks of the cluster: requests and limits summed over its pods."""

from __future__ import annotations

from dataclasses import dataclass

from chartkit.quantity import cpu_millis, memory_bytes
from chartkit.releases.manifest import Manifest, Object, containers, is_workload, name_of

GPU_RESOURCE = "nvidia.com/gpu"


@dataclass(frozen=True)
class PodShape:
    """Requests and limits of one pod (all its regular containers; init containers
    count when they ask for more, as the scheduler does)."""

    cpu_request: int = 0  # millicores
    memory_request: int = 0  # bytes
    gpu_request: int = 0
    cpu_limit: int = 0
    memory_limit: int = 0
    gpu_limit: int = 0


@dataclass(frozen=True)
class WorkloadDemand:
    kind: str
    name: str
    pod: PodShape
    replicas: int  # declared count (HPA minimum when an HPA owns it)
    max_replicas: int  # HPA maximum, or replicas
    required_anti_affinity: bool = False


@dataclass(frozen=True)
class Totals:
    cpu_request: int = 0
    memory_request: int = 0
    gpu_request: int = 0
    cpu_limit: int = 0
    memory_limit: int = 0
    gpu_limit: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.cpu_request,
            self.memory_request,
            self.gpu_request,
            self.cpu_limit,
            self.memory_limit,
            self.gpu_limit,
        )


def _sum(items: list[Object], section: str) -> tuple[int, int, int]:
    cpu = memory = gpu = 0
    for item in items:
        values = (item.get("resources") or {}).get(section) or {}
        cpu += cpu_millis(values["cpu"]) if "cpu" in values else 0
        memory += memory_bytes(values["memory"]) if "memory" in values else 0
        gpu += int(values.get(GPU_RESOURCE, 0))
    return cpu, memory, gpu


def pod_shape(workload: Object) -> PodShape:
    regular = containers(workload)
    init = [c for c in containers(workload, include_init=True) if c not in regular]
    requests = _sum(regular, "requests")
    limits = _sum(regular, "limits")
    for item in init:  # an init container runs alone: the pod needs the larger of the two
        own_requests, own_limits = _sum([item], "requests"), _sum([item], "limits")
        requests = tuple(max(a, b) for a, b in zip(requests, own_requests, strict=True))
        limits = tuple(max(a, b) for a, b in zip(limits, own_limits, strict=True))
    return PodShape(requests[0], requests[1], requests[2], limits[0], limits[1], limits[2])


def _has_required_anti_affinity(workload: Object) -> bool:
    from chartkit.releases.manifest import pod_spec

    anti = ((pod_spec(workload).get("affinity") or {}).get("podAntiAffinity")) or {}
    return any(
        term.get("topologyKey") == "kubernetes.io/hostname"
        for term in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []
    )


def workload_demands(manifest: Manifest) -> list[WorkloadDemand]:
    """One entry per workload that keeps pods running (hooks, Jobs and CronJobs left out)."""
    hpas = {
        (h["spec"]["scaleTargetRef"]["kind"], h["spec"]["scaleTargetRef"]["name"]): h["spec"]
        for h in manifest.all("HorizontalPodAutoscaler")
    }
    demands: list[WorkloadDemand] = []
    for obj in manifest.objects:
        if not is_workload(obj) or obj["kind"] in ("Job", "CronJob"):
            continue
        if "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {}):
            continue
        hpa = hpas.get((obj["kind"], name_of(obj)))
        if obj["kind"] == "Pod":
            replicas = maximum = 1
        elif hpa is not None:
            replicas, maximum = int(hpa.get("minReplicas", 1)), int(hpa["maxReplicas"])
        else:
            replicas = maximum = int((obj.get("spec") or {}).get("replicas", 1))
        demands.append(
            WorkloadDemand(
                kind=obj["kind"],
                name=name_of(obj),
                pod=pod_shape(obj),
                replicas=replicas,
                max_replicas=maximum,
                required_anti_affinity=_has_required_anti_affinity(obj),
            )
        )
    return demands


def totals(demands: list[WorkloadDemand], at_max: bool = False) -> Totals:
    total = Totals()
    for demand in demands:
        count = demand.max_replicas if at_max else demand.replicas
        pod = demand.pod
        total = total + Totals(
            pod.cpu_request * count,
            pod.memory_request * count,
            pod.gpu_request * count,
            pod.cpu_limit * count,
            pod.memory_limit * count,
            pod.gpu_limit * count,
        )
    return total
