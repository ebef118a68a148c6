"""The table `chartkit render` prints."""

from __future__ import annotations

from collections.abc import Sequence

from chartkit.check import ReleaseReport
from chartkit.quantity import format_cpu, format_memory
from chartkit.resources import totals

_KIND_ABBREVIATIONS = {
    "HorizontalPodAutoscaler": "HPA",
    "PodDisruptionBudget": "PDB",
    "NetworkPolicy": "NetPol",
    "ServiceAccount": "SA",
    "ServiceMonitor": "SM",
    "AnalysisTemplate": "AnalysisTmpl",
    "PrometheusRule": "PromRule",
    "PersistentVolumeClaim": "PVC",
    "ExternalSecret": "ExtSecret",
    "ConfigMap": "CM",
}


def kinds_summary(report: ReleaseReport) -> str:
    if report.manifest is None:
        return "-"
    counts = report.manifest.kinds()
    return " ".join(
        f"{_KIND_ABBREVIATIONS.get(kind, kind)}:{count}" for kind, count in sorted(counts.items())
    )


def _resources(report: ReleaseReport, at_max: bool) -> tuple[str, str]:
    total = totals(list(report.demands), at_max=at_max)
    requests = f"{format_cpu(total.cpu_request)}/{format_memory(total.memory_request)}"
    limits = f"{format_cpu(total.cpu_limit)}/{format_memory(total.memory_limit)}"
    if total.gpu_request or total.gpu_limit:
        requests += f"/{total.gpu_request}gpu"
        limits += f"/{total.gpu_limit}gpu"
    return requests, limits


def table(reports: Sequence[ReleaseReport]) -> str:
    headers = (
        "release",
        "chart",
        "namespace",
        "objects",
        "requests cpu/mem",
        "limits cpu/mem",
        "at HPA max req",
        "problems",
    )
    rows = []
    for report in reports:
        requests, limits = _resources(report, at_max=False)
        max_requests, _ = _resources(report, at_max=True)
        rows.append(
            (
                report.release.name + (f" +{report.overlay.name}" if report.overlay else ""),
                report.release.chart_name,
                report.release.namespace,
                kinds_summary(report),
                requests,
                limits,
                max_requests,
                "ok" if report.ok else str(len(report.problems())),
            )
        )
    widths = [max(len(str(row[i])) for row in (headers, *rows)) for i in range(len(headers))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
