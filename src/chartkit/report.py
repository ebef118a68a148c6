"""The table `chartkit render` prints."""

from __future__ import annotations

from collections.abc import Sequence

from chartkit.checks.release import ReleaseReport
from chartkit.quantity import format_cpu, format_memory
from chartkit.resources import totals, workload_demands
from chartkit.texttable import text_table

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


def _pair(cpu: int, memory: int, gpu: int) -> str:
    text = f"{format_cpu(cpu)}/{format_memory(memory)}"
    return f"{text}/{gpu}gpu" if gpu else text


def resources_summary(report: ReleaseReport) -> tuple[str, str]:
    """(requests, limits), each "at declared replicas (at HPA maximum)" when they differ."""
    demands = workload_demands(report.manifest) if report.manifest is not None else []
    declared = totals(demands)
    at_max = totals(demands, at_max=True)
    cells = []
    for section in ("request", "limit"):
        now = _pair(*(getattr(declared, f"{r}_{section}") for r in ("cpu", "memory", "gpu")))
        peak = _pair(*(getattr(at_max, f"{r}_{section}") for r in ("cpu", "memory", "gpu")))
        cells.append(now if now == peak else f"{now} ({peak})")
    return cells[0], cells[1]


def table(reports: Sequence[ReleaseReport]) -> str:
    headers = (
        "release",
        "chart",
        "namespace",
        "objects",
        "requests cpu/mem (HPA max)",
        "limits cpu/mem (HPA max)",
        "problems",
    )
    rows = []
    for report in reports:
        requests, limits = resources_summary(report)
        rows.append(
            (
                report.release.name + (f" +{report.overlay.name}" if report.overlay else ""),
                report.release.chart_name,
                report.release.namespace,
                kinds_summary(report),
                requests,
                limits,
                "ok" if report.ok else str(len(report.problems())),
            )
        )
    return text_table(headers, rows)
