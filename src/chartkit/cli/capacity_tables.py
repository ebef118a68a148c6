"""The tables `chartkit capacity` prints: demand per release and per namespace, the
placement on the nodes given, and the node profiles."""

from __future__ import annotations

from collections.abc import Sequence

from chartkit.cli.texttable import text_table
from chartkit.sizing.capacity import CapacityReport, Demand
from chartkit.sizing.nodes import NodeProfiles
from chartkit.sizing.placement import Placement


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
    rows = [
        (
            d.name,
            _names(d.namespaces if first == "release" else d.releases),
            str(d.pods),
            d.declared.requests.cell(show_gpu),
            d.declared.limits.cell(show_gpu),
            str(d.pods_at_max),
            d.at_max.requests.cell(show_gpu),
            d.at_max.limits.cell(show_gpu),
        )
        for d in demands
    ]
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
        amounts = (node.profile.allocatable, node.profile.system, workloads, node.left)
        rows.append((node.name, str(len(node.pods)), *(a.cell(show_gpu) for a in amounts)))
    return text_table(headers, rows)


def format_report(report: CapacityReport, node_spec: str | None = None) -> str:
    total = report.total
    show_gpu = bool(total.declared.requests.gpu or total.at_max.requests.gpu)
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
        parts.append(f"\n{release}: cannot render:")
        parts += [f"  {line}" for line in error.splitlines()]
    return "\n".join(parts)


def profiles_table(profiles: NodeProfiles) -> str:
    rows = [
        (
            p.name,
            p.allocatable.cell(show_gpu=True),
            p.system.cell(show_gpu=True),
            p.free.cell(show_gpu=True),
            p.gpu_type or "-",
            p.description,
        )
        for p in profiles.profiles.values()
    ]
    headers = ("profile", "allocatable cpu/mem/gpu", "system", "free", "gpu type", "machine")
    return text_table(headers, rows)
