"""A tenant's plan: its services with their replicas, the totals, the preset's quota, the
monthly cost and the nodes it needs, and the plan as JSON (`chartkit plan --json`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chartkit.sizing.amount import ResourceRequirements


class PlanError(Exception):
    """The values file cannot be planned; the message says why."""


@dataclass(frozen=True)
class ServicePlan:
    name: str
    sessions: int
    sessions_per_replica: int
    replicas: int
    pod: ResourceRequirements  # one replica
    monthly_cost: Decimal

    @property
    def totals(self) -> ResourceRequirements:
        return self.pod * self.replicas


@dataclass(frozen=True)
class Cost:
    currency: str
    hours_per_month: Decimal
    cpu_core_hour: Decimal
    memory_gib_hour: Decimal
    gpu_hour: Decimal | None  # price of the tenant's GPU type; None when the table has none
    cpu: Decimal
    memory: Decimal
    gpu: Decimal

    @property
    def total(self) -> Decimal:
        return self.cpu + self.memory + self.gpu


@dataclass(frozen=True)
class NodeEstimate:
    profile: str
    pods: int
    nodes: int | None  # None: some pod never fits a node of this profile
    gpu_type: str | None = None


@dataclass(frozen=True)
class TenantPlan:
    values_file: str
    release: str
    overlay: str | None
    tenant: str
    display_name: str
    preset: str
    namespace: str
    gpu_type: str
    availability: Decimal
    response_time_ms: int
    services: tuple[ServicePlan, ...]
    totals: ResourceRequirements
    quota: dict[str, int]  # cpu (millicores), memory and storage (bytes), gpu
    cost: Cost
    nodes: tuple[NodeEstimate, ...]
    warnings: tuple[str, ...]

    @property
    def pods(self) -> int:
        return sum(s.replicas for s in self.services)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valuesFile": self.values_file,
            "release": self.release,
            "overlay": self.overlay,
            "tenant": {
                "id": self.tenant,
                "displayName": self.display_name,
                "preset": self.preset,
                "namespace": self.namespace,
                "gpuType": self.gpu_type,
                "sla": {
                    "availability": float(self.availability),
                    "responseTimeMs": self.response_time_ms,
                },
            },
            "services": [_service_dict(s) for s in self.services],
            "pods": self.pods,
            "totals": self.totals.as_dict(),
            "quota": {
                "cpuMillis": self.quota["cpu"],
                "memoryBytes": self.quota["memory"],
                "gpu": self.quota["gpu"],
                "storageBytes": self.quota["storage"],
            },
            "monthlyCost": {
                "currency": self.cost.currency,
                "hours": float(self.cost.hours_per_month),
                "cpu": _money(self.cost.cpu),
                "memory": _money(self.cost.memory),
                "gpu": _money(self.cost.gpu),
                "total": _money(self.cost.total),
            },
            "nodes": [
                {"profile": n.profile, "gpuType": n.gpu_type, "pods": n.pods, "nodes": n.nodes}
                for n in self.nodes
            ],
            "warnings": list(self.warnings),
        }


def _service_dict(service: ServicePlan) -> dict[str, Any]:
    return {
        "name": service.name,
        "sessions": service.sessions,
        "sessionsPerReplica": service.sessions_per_replica,
        "replicas": service.replicas,
        "perReplica": service.pod.as_dict(),
        "total": service.totals.as_dict(),
        "monthlyCost": _money(service.monthly_cost),
    }


def _money(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
