"""The table `chartkit render` prints."""

from __future__ import annotations

from collections.abc import Sequence

from chartkit.checks.release import ReleaseReport
from chartkit.cli.texttable import text_table
from chartkit.sizing.amount import Amount
from chartkit.sizing.workloads import totals, workload_demands

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


def _cell(amount: Amount) -> str:
    """cpu/memory, with /<n>gpu when there are GPUs (the column headers name none)."""
    return amount.cell(show_gpu=bool(amount.gpu), gpu_unit="gpu")


def resources_summary(report: ReleaseReport) -> tuple[str, str]:
    """(requests, limits), each "at declared replicas (at HPA maximum)" when they differ."""
    demands = workload_demands(report.manifest) if report.manifest is not None else []
    declared = totals(demands)
    at_max = totals(demands, at_max=True)
    cells = []
    for now, peak in ((declared.requests, at_max.requests), (declared.limits, at_max.limits)):
        now_text, peak_text = _cell(now), _cell(peak)
        cells.append(now_text if now_text == peak_text else f"{now_text} ({peak_text})")
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
