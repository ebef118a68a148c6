"""The pods a release runs, each with what the scheduler looks at: requests, nodeSelector,
tolerations and required pod anti-affinity on kubernetes.io/hostname."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chartkit.releases.manifest import Manifest, name_of, pod_spec
from chartkit.sizing.amount import Amount
from chartkit.sizing.nodes import Taint
from chartkit.sizing.workloads import workload_demands


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
                    requests=demand.pod.requests,
                    node_selector=dict(spec.get("nodeSelector") or {}),
                    tolerations=tuple(spec.get("tolerations") or ()),
                    anti_affinity=demand.required_anti_affinity,
                    daemon=daemon,
                )
            )
    return pods
