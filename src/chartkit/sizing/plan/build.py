"""A tenant's plan, built from its rendered objects only.

The values file is rendered with the tenant chart (as its inventory release when
helmfile.yaml has one, else as release <file name> in the chart's namespace), then:

- replicas and per-replica requests and limits come from each service's Deployment
  (through chartkit.sizing.workloads), so the totals are the sums over what would be
  deployed;
- sessions, the quota of the preset and the price table come from the tenant's sizing
  ConfigMap.

To that it adds an estimated monthly cost, the nodes of each profile in ci/nodes.yaml the
pods need (first-fit, chartkit.sizing.placement), and warnings, such as the GPU total
exceeding what one node of the GPU profile offers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chartkit.releases.inventory import Inventory, Overlay, Release, load
from chartkit.releases.manifest import Manifest, Object, name_of
from chartkit.releases.render import Renderer
from chartkit.sizing.amount import ResourceRequirements
from chartkit.sizing.nodes import NodeProfiles, load_profiles
from chartkit.sizing.placement import nodes_needed
from chartkit.sizing.plan.cost import monthly_cost, to_decimal
from chartkit.sizing.plan.model import Cost, NodeEstimate, PlanError, ServicePlan, TenantPlan
from chartkit.sizing.plan.tenant_chart import ECP_TENANT, TenantChart
from chartkit.sizing.pods import PodRequest, release_pods
from chartkit.sizing.quantity import cpu_millis, memory_bytes
from chartkit.sizing.workloads import WorkloadDemand, totals, workload_demands

QUOTA_WARNING_PERCENT = 90


def sizing_record(manifest: Manifest, tenant_chart: TenantChart = ECP_TENANT) -> dict[str, Any]:
    key = tenant_chart.sizing_key
    for obj in manifest.all("ConfigMap"):
        data = obj.get("data") or {}
        if key in data and name_of(obj).endswith("-sizing"):
            return json.loads(data[key])
    raise PlanError(
        f"the rendered objects hold no sizing record (ConfigMap <name>-sizing, key {key}):"
        f" is this a values file of charts/{tenant_chart.chart}?"
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


def _service_plans(
    record: Mapping[str, Any], demands: Mapping[str, WorkloadDemand], gpu_type: str
) -> list[ServicePlan]:
    """Each service of the sizing record, checked against the Deployment that runs it."""
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
        cost = monthly_cost(demand.pod.requests * demand.replicas, record["pricing"], gpu_type)
        services.append(
            ServicePlan(
                name=name,
                sessions=int(sized["sessions"]),
                sessions_per_replica=int(sized["sessionsPerReplica"]),
                replicas=demand.replicas,
                pod=demand.pod,
                monthly_cost=cost.total,
            )
        )
    return services


def _quota(quota: Mapping[str, Any]) -> dict[str, int]:
    return {
        "cpu": cpu_millis(quota["cpu"]),
        "memory": memory_bytes(quota["memory"]),
        "gpu": int(quota["gpu"]),
        "storage": memory_bytes(quota["storage"]),
    }


def _budget_warnings(
    total: ResourceRequirements, quota: Mapping[str, int], cost: Cost, gpu_type: str, preset: str
) -> list[str]:
    """GPUs the price table has no price for, and limits close to the preset's quota."""
    warnings = []
    if total.requests.gpu and cost.gpu_hour is None:
        warnings.append(
            f"pricing.gpuHour has no price for GPU type {gpu_type!r}: the estimate leaves the "
            f"{total.requests.gpu} GPU(s) out"
        )
    for label, used, limit in (
        ("cpu", total.limits.cpu, quota["cpu"]),
        ("memory", total.limits.memory, quota["memory"]),
        ("nvidia.com/gpu", total.limits.gpu, quota["gpu"]),
    ):
        if limit and used * 100 >= limit * QUOTA_WARNING_PERCENT:
            warnings.append(
                f"{label} uses {used * 100 // limit}% of preset {preset}'s quota: "
                "little room to grow"
            )
    return warnings


def build_plan(
    manifest: Manifest,
    release: str,
    values_file: str,
    profiles: NodeProfiles,
    overlay: str | None = None,
    cpu_profile: str | None = None,
    tenant_chart: TenantChart = ECP_TENANT,
) -> TenantPlan:
    record = sizing_record(manifest, tenant_chart)
    tenant, namespace = record["tenant"], record["namespace"]
    deployments: dict[str, Object] = {
        name_of(o): o
        for o in manifest.all("Deployment")
        if tenant_chart.service_label in ((o.get("metadata") or {}).get("labels") or {})
    }
    demands = {d.name: d for d in workload_demands(manifest) if d.name in deployments}
    gpu_type = str(tenant.get("gpuType") or "")
    services = _service_plans(record, demands, gpu_type)
    extra = sorted(set(deployments) - set(record["services"]))
    if extra:
        raise PlanError(f"Deployments {', '.join(extra)} are not in the sizing record")
    total = totals([demands[s.name] for s in services])
    quota = _quota(record["quota"])
    cost = monthly_cost(total.requests, record["pricing"], gpu_type)
    pods = [
        p
        for p in release_pods(release, namespace, manifest)
        if p.kind == "Deployment" and p.workload in deployments
    ]
    nodes, warnings = _node_estimates(pods, gpu_type, profiles, cpu_profile)
    warnings += _budget_warnings(total, quota, cost, gpu_type, tenant["preset"])
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
        availability=to_decimal(tenant["sla"]["availability"], "tenant.sla.availability"),
        response_time_ms=int(tenant["sla"]["responseTimeMs"]),
        services=tuple(services),
        totals=total,
        quota=quota,
        cost=cost,
        nodes=tuple(nodes),
        warnings=tuple(warnings),
    )


# -- rendering a values file --------------------------------------------------------------


def release_for(
    inventory: Inventory, values_file: Path, tenant_chart: TenantChart = ECP_TENANT
) -> Release | None:
    """The inventory release of the tenant chart that deploys this values file, if any."""
    wanted = values_file.resolve()
    for release in inventory.releases:
        if release.chart_name == tenant_chart.chart and wanted in release.values:
            return release
    return None


def plan_values_file(
    renderer: Renderer,
    values_file: Path,
    overlay: Overlay | None = None,
    helm_version: str | None = None,
    cpu_profile: str | None = None,
    profiles: NodeProfiles | None = None,
    tenant_chart: TenantChart = ECP_TENANT,
) -> TenantPlan:
    """Render a tenant values file (raises HelmError when the chart refuses it) and plan it."""
    root = renderer.root
    path = values_file if values_file.is_absolute() else (root / values_file)
    if not path.is_file():
        raise PlanError(f"{values_file} does not exist")
    release = release_for(load(root), path, tenant_chart)
    if release is not None:
        manifest = renderer.render_release(release, overlay, helm_version)
        name = release.name
    else:
        name = path.stem
        manifest = renderer.render(
            tenant_chart.chart,
            release=name,
            namespace=tenant_chart.namespace,
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
        tenant_chart,
    )
