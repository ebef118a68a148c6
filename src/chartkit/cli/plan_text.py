"""What `chartkit plan` prints: the tenant, a table of its services, totals against the
preset's quota, the monthly cost, the nodes and the warnings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from chartkit.cli.texttable import text_table
from chartkit.sizing.amount import Amount
from chartkit.sizing.plan.model import TenantPlan
from chartkit.sizing.quantity import format_cpu, format_memory


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _percent(used: int, limit: int) -> str:
    return f"{used * 100 // limit}%" if limit else "-"


def _columns(requests: Amount) -> tuple[str, str, str]:
    return format_cpu(requests.cpu), format_memory(requests.memory), str(requests.gpu)


def services_table(plan: TenantPlan) -> str:
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
        f"{plan.cost.currency}/month",
    )
    rows = [
        (
            s.name,
            str(s.sessions),
            str(s.sessions_per_replica),
            str(s.replicas),
            *_columns(s.pod.requests),
            *_columns(s.totals.requests),
            _amount(s.monthly_cost),
        )
        for s in plan.services
    ]
    sessions = str(sum(s.sessions for s in plan.services))
    total = _columns(plan.totals.requests)
    rows.append(
        ("total", sessions, "", str(plan.pods), "", "", "", *total, _amount(plan.cost.total))
    )
    return text_table(headers, rows, right={1, 2, 3, 4, 5, 6, 7, 8, 9, 10})


def _totals_lines(plan: TenantPlan) -> list[str]:
    requests, limits, q = plan.totals.requests, plan.totals.limits, plan.quota
    return [
        f"Requests: cpu {format_cpu(requests.cpu)}, memory {format_memory(requests.memory)}, "
        f"gpu {requests.gpu}; limits: cpu {format_cpu(limits.cpu)}, memory "
        f"{format_memory(limits.memory)}, gpu {limits.gpu}",
        f"Quota of preset {plan.preset}: cpu {format_cpu(q['cpu'])} "
        f"({_percent(limits.cpu, q['cpu'])} used), memory {format_memory(q['memory'])} "
        f"({_percent(limits.memory, q['memory'])}), gpu {q['gpu']} "
        f"({_percent(limits.gpu, q['gpu'])}), storage {format_memory(q['storage'])}",
    ]


def _cost_line(plan: TenantPlan) -> str:
    c = plan.cost
    gpu_price = (
        f", {plan.gpu_type} {c.gpu_hour}/GPU-hour"
        if c.gpu_hour is not None and plan.totals.requests.gpu
        else ""
    )
    return (
        f"Estimated monthly cost: {c.currency} {_amount(c.total)} (cpu {_amount(c.cpu)} + "
        f"memory {_amount(c.memory)} + gpu {_amount(c.gpu)}; {c.hours_per_month} hours of "
        f"requests at {c.cpu_core_hour}/core-hour, {c.memory_gib_hour}/GiB-hour{gpu_price})"
    )


def _nodes_line(plan: TenantPlan) -> str:
    parts = []
    for n in plan.nodes:
        what = (
            f"{n.pods} pod(s) with {n.gpu_type} GPUs"
            if n.gpu_type
            else f"{n.pods} pod(s) without GPUs"
        )
        count = f"{n.nodes} x {n.profile}" if n.nodes is not None else f"no {n.profile} fits"
        parts.append(f"{count} for {what}")
    return "Nodes (ci/nodes.yaml, first-fit on fresh nodes): " + "; ".join(parts)


def format_plan(plan: TenantPlan) -> str:
    name = f"{plan.tenant} ({plan.display_name})" if plan.display_name else plan.tenant
    overlay = f" with overlay {plan.overlay}" if plan.overlay else ""
    lines = [
        f"Tenant {name}: namespace {plan.namespace}, preset {plan.preset}, SLA "
        f"{plan.availability}% availability / {plan.response_time_ms}ms, GPU type "
        f"{plan.gpu_type or '-'}",
        f"{plan.values_file}{overlay}, rendered as release {plan.release}",
        "",
        services_table(plan),
        "",
        *_totals_lines(plan),
        _cost_line(plan),
    ]
    if plan.nodes:
        lines.append(_nodes_line(plan))
    if plan.warnings:
        lines += ["", "Warnings:", *(f"  - {w}" for w in plan.warnings)]
    return "\n".join(lines)
