"""What a release's workloads ask of the cluster: requests and limits summed over its pods."""

from __future__ import annotations

from dataclasses import dataclass

from chartkit.releases.manifest import Manifest, Object, containers, is_workload, name_of, pod_spec
from chartkit.sizing.amount import Amount, ResourceRequirements
from chartkit.sizing.quantity import cpu_millis, memory_bytes

GPU_RESOURCE = "nvidia.com/gpu"
# What one pod takes besides its containers' requests: a pod slot on its node.
POD_SLOT = Amount(pods=1)


@dataclass(frozen=True)
class WorkloadDemand:
    kind: str
    name: str
    pod: ResourceRequirements  # one pod
    replicas: int  # declared count (HPA minimum when an HPA owns it)
    max_replicas: int  # HPA maximum, or replicas
    required_anti_affinity: bool = False


def _sum(items: list[Object], section: str) -> Amount:
    total = Amount()
    for item in items:
        values = (item.get("resources") or {}).get(section) or {}
        total += Amount(
            cpu=cpu_millis(values["cpu"]) if "cpu" in values else 0,
            memory=memory_bytes(values["memory"]) if "memory" in values else 0,
            gpu=int(values.get(GPU_RESOURCE, 0)),
        )
    return total


def pod_resources(workload: Object) -> ResourceRequirements:
    """Requests and limits of one pod: all its regular containers; init containers count
    when they ask for more, as the scheduler does. The requests hold the pod's slot."""
    regular = containers(workload)
    init = [c for c in containers(workload, include_init=True) if c not in regular]
    requests = _sum(regular, "requests")
    limits = _sum(regular, "limits")
    for item in init:  # an init container runs alone: the pod needs the larger of the two
        requests = requests.max_with(_sum([item], "requests"))
        limits = limits.max_with(_sum([item], "limits"))
    return ResourceRequirements(requests + POD_SLOT, limits)


def _has_required_anti_affinity(workload: Object) -> bool:
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
                pod=pod_resources(obj),
                replicas=replicas,
                max_replicas=maximum,
                required_anti_affinity=_has_required_anti_affinity(obj),
            )
        )
    return demands


def totals(demands: list[WorkloadDemand], at_max: bool = False) -> ResourceRequirements:
    total = ResourceRequirements()
    for demand in demands:
        total += demand.pod * (demand.max_replicas if at_max else demand.replicas)
    return total
