"""`chartkit plan values/tenants/<tenant>.yaml`: what an ECP AI tenant needs.

The values file is rendered with charts/ecp-tenant (as its inventory release when
helmfile.yaml has one, else as release <file name> in namespace ecp-tenants), and the plan
is read from the rendered objects only:

- replicas and per-replica requests and limits from each service's Deployment (through
  chartkit.resources), so the totals are the sums over what would be deployed;
- sessions, the quota of the preset and the price table from the tenant's sizing ConfigMap.

It adds an estimated monthly cost (requested CPU, memory and GPUs times the price table),
the nodes of each profile in ci/nodes.yaml the pods need (first-fit, chartkit.capacity),
and warnings, such as the GPU total exceeding what one node of the GPU profile offers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from chartkit.capacity import (
    CapacityError,
    NodeProfiles,
    PodRequest,
    load_profiles,
    nodes_needed,
    release_pods,
)
from chartkit.quantity import cpu_millis, format_cpu, format_memory, memory_bytes
from chartkit.releases.inventory import Inventory, InventoryError, Overlay, Release, load
from chartkit.releases.manifest import Manifest, Object, name_of
from chartkit.releases.render import Renderer
from chartkit.resources import PodShape, Totals, totals, workload_demands
from chartkit.texttable import text_table
from chartkit.tools.helm import HelmError

CHART = "ecp-tenant"
RELEASE_NAMESPACE = "ecp-tenants"
SIZING_KEY = "sizing.json"
SERVICE_LABEL = "ecp.ai/service"
GIB = Decimal(2**30)
QUOTA_WARNING_PERCENT = 90


class PlanError(Exception):
    """The values file cannot be planned; the message says why."""


@dataclass(frozen=True)
class ServicePlan:
    name: str
    sessions: int
    sessions_per_replica: int
    replicas: int
    pod: PodShape  # one replica
    monthly_cost: Decimal

    @property
    def totals(self) -> Totals:
        pod, n = self.pod, self.replicas
        return Totals(
            pod.cpu_request * n,
            pod.memory_request * n,
            pod.gpu_request * n,
            pod.cpu_limit * n,
            pod.memory_limit * n,
            pod.gpu_limit * n,
        )


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
    totals: Totals
    quota: dict[str, int]  # cpu (millicores), memory and storage (bytes), gpu
    cost: Cost
    nodes: tuple[NodeEstimate, ...]
    warnings: tuple[str, ...]

    @property
    def pods(self) -> int:
        return sum(s.replicas for s in self.services)

    def as_dict(self) -> dict[str, Any]:
        t = self.totals
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
            "services": [
                {
                    "name": s.name,
                    "sessions": s.sessions,
                    "sessionsPerReplica": s.sessions_per_replica,
                    "replicas": s.replicas,
                    "perReplica": _shape_dict(s.pod),
                    "total": _totals_dict(s.totals),
                    "monthlyCost": _money(s.monthly_cost),
                }
                for s in self.services
            ],
            "pods": self.pods,
            "totals": _totals_dict(t),
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


def _shape_dict(pod: PodShape) -> dict[str, Any]:
    return {
        "requests": {
            "cpuMillis": pod.cpu_request,
            "memoryBytes": pod.memory_request,
            "gpu": pod.gpu_request,
        },
        "limits": {
            "cpuMillis": pod.cpu_limit,
            "memoryBytes": pod.memory_limit,
            "gpu": pod.gpu_limit,
        },
    }


def _totals_dict(t: Totals) -> dict[str, Any]:
    return {
        "requests": {
            "cpuMillis": t.cpu_request,
            "memoryBytes": t.memory_request,
            "gpu": t.gpu_request,
        },
        "limits": {"cpuMillis": t.cpu_limit, "memoryBytes": t.memory_limit, "gpu": t.gpu_limit},
    }


def _money(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise PlanError(f"{where}: {value!r} is not a number") from None


# -- reading the rendered tenant ----------------------------------------------------------


def sizing_record(manifest: Manifest) -> dict[str, Any]:
    for obj in manifest.all("ConfigMap"):
        data = obj.get("data") or {}
        if SIZING_KEY in data and name_of(obj).endswith("-sizing"):
            return json.loads(data[SIZING_KEY])
    raise PlanError(
        f"the rendered objects hold no sizing record (ConfigMap <name>-sizing, key {SIZING_KEY}):"
        f" is this a values file of charts/{CHART}?"
    )


def monthly_cost(
    cpu_millicores: int, memory: int, gpus: int, pricing: dict[str, Any], gpu_type: str
) -> Cost:
    hours = _decimal(pricing["hoursPerMonth"], "pricing.hoursPerMonth")
    cpu_price = _decimal(pricing["cpuCoreHour"], "pricing.cpuCoreHour")
    memory_price = _decimal(pricing["memoryGiBHour"], "pricing.memoryGiBHour")
    gpu_prices = pricing.get("gpuHour") or {}
    gpu_price = (
        _decimal(gpu_prices[gpu_type], f"pricing.gpuHour.{gpu_type}")
        if gpu_type in gpu_prices
        else None
    )
    return Cost(
        currency=str(pricing["currency"]),
        hours_per_month=hours,
        cpu_core_hour=cpu_price,
        memory_gib_hour=memory_price,
        gpu_hour=gpu_price,
        cpu=Decimal(cpu_millicores) / 1000 * cpu_price * hours,
        memory=Decimal(memory) / GIB * memory_price * hours,
        gpu=Decimal(gpus) * (gpu_price or Decimal(0)) * hours,
    )


def _node_estimates(
    pods: Sequence[PodRequest], gpu_type: str, profiles: NodeProfiles, cpu_profile: str | None
) -> tuple[list[NodeEstimate], list[str]]:
    """Nodes of each profile the pods need: GPU pods on the profiles offering the tenant's GPU
    type, the others on the CPU profile."""
    estimates: list[NodeEstimate] = []
    warnings: list[str] = []
    group = [p for p in pods if p.requests.gpu]
    if group:
        total_gpu = sum(p.requests.gpu for p in group)
        matching = profiles.with_gpu_type(gpu_type)
        if not matching:
            known = sorted({p.gpu_type for p in profiles.profiles.values() if p.gpu_type})
            warnings.append(
                f"no node profile in ci/nodes.yaml offers GPU type {gpu_type!r} "
                f"(profiles offer: {', '.join(known) or 'none'}): {total_gpu} GPU(s) cannot be "
                "placed"
            )
        for profile in matching:
            needed = nodes_needed(group, profile)
            estimates.append(NodeEstimate(profile.name, len(group), needed, gpu_type))
            per_node = profile.allocatable.gpu
            if needed is None:
                largest = max(group, key=lambda p: (p.requests.gpu, p.requests.cpu))
                warnings.append(
                    f"{largest.workload} pods ({largest.requests.describe()}) do not fit a "
                    f"fresh {profile.name} node ({profile.free.describe()} free)"
                )
            elif total_gpu > per_node:
                warnings.append(
                    f"GPU total {total_gpu} exceeds the capacity of one {profile.name} node "
                    f"({per_node} x {gpu_type}): the GPU services need at least {needed} "
                    f"{profile.name} nodes"
                )
    other = [p for p in pods if not p.requests.gpu]
    name = cpu_profile or profiles.default_cpu_profile
    if other and name:
        profile = profiles.get(name)
        needed = nodes_needed(other, profile)
        estimates.append(NodeEstimate(profile.name, len(other), needed))
        if needed is None:
            largest = max(other, key=lambda p: (p.requests.cpu, p.requests.memory))
            warnings.append(
                f"{largest.workload} pods ({largest.requests.describe()}) do not fit a fresh "
                f"{profile.name} node ({profile.free.describe()} free): choose a larger "
                "--cpu-profile"
            )
    return estimates, warnings


def build_plan(
    manifest: Manifest,
    release: str,
    values_file: str,
    profiles: NodeProfiles,
    overlay: str | None = None,
    cpu_profile: str | None = None,
) -> TenantPlan:
    record = sizing_record(manifest)
    tenant = record["tenant"]
    namespace = record["namespace"]
    deployments: dict[str, Object] = {
        name_of(o): o
        for o in manifest.all("Deployment")
        if SERVICE_LABEL in ((o.get("metadata") or {}).get("labels") or {})
    }
    demands = {d.name: d for d in workload_demands(manifest) if d.name in deployments}
    pricing = record["pricing"]
    gpu_type = str(tenant.get("gpuType") or "")
    services: list[ServicePlan] = []
    for name, sized in sorted(record["services"].items()):
        demand = demands.get(name)
        if demand is None:
            raise PlanError(f"service {name} is in the sizing record but has no Deployment")
        if demand.replicas != int(sized["replicas"]):
            raise PlanError(
                f"service {name}: the Deployment runs {demand.replicas} replicas, the sizing "
                f"record says {sized['replicas']}"
            )
        pod = demand.pod
        cost = monthly_cost(
            pod.cpu_request * demand.replicas,
            pod.memory_request * demand.replicas,
            pod.gpu_request * demand.replicas,
            pricing,
            gpu_type,
        )
        services.append(
            ServicePlan(
                name=name,
                sessions=int(sized["sessions"]),
                sessions_per_replica=int(sized["sessionsPerReplica"]),
                replicas=demand.replicas,
                pod=pod,
                monthly_cost=cost.total,
            )
        )
    extra = sorted(set(deployments) - set(record["services"]))
    if extra:
        raise PlanError(f"Deployments {', '.join(extra)} are not in the sizing record")
    total = totals([demands[s.name] for s in services])
    quota_record = record["quota"]
    quota = {
        "cpu": cpu_millis(quota_record["cpu"]),
        "memory": memory_bytes(quota_record["memory"]),
        "gpu": int(quota_record["gpu"]),
        "storage": memory_bytes(quota_record["storage"]),
    }
    cost = monthly_cost(
        total.cpu_request, total.memory_request, total.gpu_request, pricing, gpu_type
    )
    pods = [
        p
        for p in release_pods(release, namespace, manifest)
        if p.kind == "Deployment" and p.workload in deployments
    ]
    nodes, warnings = _node_estimates(pods, gpu_type, profiles, cpu_profile)
    if total.gpu_request and cost.gpu_hour is None:
        warnings.append(
            f"pricing.gpuHour has no price for GPU type {gpu_type!r}: the estimate leaves the "
            f"{total.gpu_request} GPU(s) out"
        )
    for label, used, limit in (
        ("cpu", total.cpu_limit, quota["cpu"]),
        ("memory", total.memory_limit, quota["memory"]),
        ("nvidia.com/gpu", total.gpu_limit, quota["gpu"]),
    ):
        if limit and used * 100 >= limit * QUOTA_WARNING_PERCENT:
            warnings.append(
                f"{label} uses {used * 100 // limit}% of preset {tenant['preset']}'s quota: "
                "little room to grow"
            )
    if not services:
        warnings.append("no service has sessions above 0: nothing runs")
    return TenantPlan(
        values_file=values_file,
        release=release,
        overlay=overlay,
        tenant=str(tenant["id"]),
        display_name=str(tenant.get("displayName") or ""),
        preset=str(tenant["preset"]),
        namespace=namespace,
        gpu_type=gpu_type,
        availability=_decimal(tenant["sla"]["availability"], "tenant.sla.availability"),
        response_time_ms=int(tenant["sla"]["responseTimeMs"]),
        services=tuple(services),
        totals=total,
        quota=quota,
        cost=cost,
        nodes=tuple(nodes),
        warnings=tuple(warnings),
    )


# -- rendering a values file --------------------------------------------------------------


def release_for(inventory: Inventory, values_file: Path) -> Release | None:
    """The inventory release of charts/ecp-tenant that deploys this values file, if any."""
    wanted = values_file.resolve()
    for release in inventory.releases:
        if release.chart_name == CHART and wanted in release.values:
            return release
    return None


def plan_values_file(
    renderer: Renderer,
    values_file: Path,
    overlay: Overlay | None = None,
    helm_version: str | None = None,
    cpu_profile: str | None = None,
    profiles: NodeProfiles | None = None,
) -> TenantPlan:
    """Render a tenant values file (raises HelmError when the chart refuses it) and plan it."""
    root = renderer.root
    path = values_file if values_file.is_absolute() else (root / values_file)
    if not path.is_file():
        raise PlanError(f"{values_file} does not exist")
    inventory = load(root)
    release = release_for(inventory, path)
    if release is not None:
        manifest = renderer.render_release(release, overlay, helm_version)
        name = release.name
    else:
        name = path.stem
        manifest = renderer.render(
            CHART,
            release=name,
            namespace=RELEASE_NAMESPACE,
            values_files=[path, *([overlay.path] if overlay else [])],
            api_versions=renderer.platform_api_versions,
            helm_version=helm_version,
        )
    label = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    return build_plan(
        manifest,
        name,
        label,
        profiles or load_profiles(root),
        overlay.name if overlay else None,
        cpu_profile,
    )


# -- output -------------------------------------------------------------------------------


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _percent(used: int, limit: int) -> str:
    return f"{used * 100 // limit}%" if limit else "-"


def format_plan(plan: TenantPlan) -> str:
    t = plan.totals
    currency = plan.cost.currency
    name = f"{plan.tenant} ({plan.display_name})" if plan.display_name else plan.tenant
    overlay = f" with overlay {plan.overlay}" if plan.overlay else ""
    lines = [
        f"Tenant {name}: namespace {plan.namespace}, preset {plan.preset}, SLA "
        f"{plan.availability}% availability / {plan.response_time_ms}ms, GPU type "
        f"{plan.gpu_type or '-'}",
        f"{plan.values_file}{overlay}, rendered as release {plan.release}",
        "",
    ]
    headers = (
        "service",
        "sessions",
        "sessions/replica",
        "replicas",
        "cpu/replica",
        "mem/replica",
        "gpu/replica",
        "cpu",
        "memory",
        "gpu",
        f"{currency}/month",
    )
    rows = [
        (
            s.name,
            str(s.sessions),
            str(s.sessions_per_replica),
            str(s.replicas),
            format_cpu(s.pod.cpu_request),
            format_memory(s.pod.memory_request),
            str(s.pod.gpu_request),
            format_cpu(s.totals.cpu_request),
            format_memory(s.totals.memory_request),
            str(s.totals.gpu_request),
            _amount(s.monthly_cost),
        )
        for s in plan.services
    ]
    rows.append(
        (
            "total",
            str(sum(s.sessions for s in plan.services)),
            "",
            str(plan.pods),
            "",
            "",
            "",
            format_cpu(t.cpu_request),
            format_memory(t.memory_request),
            str(t.gpu_request),
            _amount(plan.cost.total),
        )
    )
    lines.append(text_table(headers, rows, right={1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
    q = plan.quota
    lines += [
        "",
        f"Requests: cpu {format_cpu(t.cpu_request)}, memory {format_memory(t.memory_request)}, "
        f"gpu {t.gpu_request}; limits: cpu {format_cpu(t.cpu_limit)}, memory "
        f"{format_memory(t.memory_limit)}, gpu {t.gpu_limit}",
        f"Quota of preset {plan.preset}: cpu {format_cpu(q['cpu'])} "
        f"({_percent(t.cpu_limit, q['cpu'])} used), memory {format_memory(q['memory'])} "
        f"({_percent(t.memory_limit, q['memory'])}), gpu {q['gpu']} "
        f"({_percent(t.gpu_limit, q['gpu'])}), storage {format_memory(q['storage'])}",
    ]
    c = plan.cost
    gpu_price = (
        f", {plan.gpu_type} {c.gpu_hour}/GPU-hour"
        if c.gpu_hour is not None and t.gpu_request
        else ""
    )
    lines.append(
        f"Estimated monthly cost: {currency} {_amount(c.total)} (cpu {_amount(c.cpu)} + memory "
        f"{_amount(c.memory)} + gpu {_amount(c.gpu)}; {c.hours_per_month} hours of requests at "
        f"{c.cpu_core_hour}/core-hour, {c.memory_gib_hour}/GiB-hour{gpu_price})"
    )
    if plan.nodes:
        parts = []
        for n in plan.nodes:
            what = (
                f"{n.pods} pod(s) with {n.gpu_type} GPUs"
                if n.gpu_type
                else f"{n.pods} pod(s) without GPUs"
            )
            count = f"{n.nodes} x {n.profile}" if n.nodes is not None else f"no {n.profile} fits"
            parts.append(f"{count} for {what}")
        lines.append("Nodes (ci/nodes.yaml, first-fit on fresh nodes): " + "; ".join(parts))
    if plan.warnings:
        lines += ["", "Warnings:", *(f"  - {w}" for w in plan.warnings)]
    return "\n".join(lines)


# -- command line -------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("values_file", help="a tenant values file, e.g. values/tenants/acme.yaml")
    parser.add_argument("--overlay", help="environment overlay from values/env (dev, prod)")
    parser.add_argument("--helm", help="helm version to render with (default: the pinned one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--cpu-profile",
        help="node profile for pods without GPUs (default: defaultCpuProfile of ci/nodes.yaml)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")


def run(args: argparse.Namespace, root: Path) -> int:
    """`chartkit plan`: 0 planned (1 with --strict and warnings), 1 when the chart refuses the
    values (over quota, say), 2 on bad arguments."""
    renderer = Renderer(root)
    try:
        profiles = load_profiles(root)
        if args.cpu_profile:
            profiles.get(args.cpu_profile)
        overlay = load(root).overlay(args.overlay) if args.overlay else None
        plan = plan_values_file(
            renderer, Path(args.values_file), overlay, args.helm, args.cpu_profile, profiles
        )
    except (PlanError, CapacityError, InventoryError) as error:
        print(f"chartkit plan: {error}", file=sys.stderr)
        return 2
    except HelmError as error:
        print(
            f"chartkit plan: {args.values_file} does not render:\n{error.stderr.strip()}",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps(plan.as_dict(), indent=2))
    else:
        print(format_plan(plan))
    return 1 if (args.strict and plan.warnings) else 0
