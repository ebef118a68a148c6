"""charts/api monitoring: ServiceMonitor and the metric label policy, and the Grafana dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chart_fixtures import chart_release_fixture

from chartkit.releases.manifest import Manifest

CHART = "api"
VALUES = "values/univprepai.yaml"
RELEASE = "univprepai-api"
NAMESPACE = "univprepai"
NAME = "univprepai-api"
ALLOWED_LABELS = {"service", "version", "method", "path", "status"}
# `le` is the bucket bound of a Prometheus histogram, needed by histogram_quantile().
HISTOGRAM_BUCKET_LABEL = "le"


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def dashboard_of(manifest: Manifest) -> dict[str, Any]:
    configmap = manifest.get("ConfigMap", f"{NAME}-dashboard")
    (text,) = configmap["data"].values()
    return json.loads(text)


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def labels_in(expr: str) -> set[str]:
    """Label names a PromQL expression matches on or aggregates by."""
    names: set[str] = set()
    for body in re.findall(r"\{([^}]*)\}", expr):
        names |= set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", body))
    for group in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr):
        names |= {label.strip() for label in group.split(",") if label.strip()}
    return names


# -- ServiceMonitor ---------------------------------------------------------------------------


def test_service_monitor_scrapes_http_metrics(render) -> None:
    monitor = render().get("ServiceMonitor", NAME)
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http"
    assert endpoint["path"] == "/metrics"
    assert endpoint["interval"] == "30s"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}


def test_forbidden_labels_are_dropped_at_scrape_time(render) -> None:
    (endpoint,) = render().get("ServiceMonitor")["spec"]["endpoints"]
    drops = [r for r in endpoint["metricRelabelings"] if r["action"] == "labeldrop"]
    assert len(drops) == 1
    regex = re.compile(drops[0]["regex"])
    for label in ("user_id", "trace_id", "timestamp"):
        assert regex.fullmatch(label)
    for label in ALLOWED_LABELS | {"__name__", "le", "instance", "job"}:
        assert not regex.fullmatch(label)


def test_drop_list_is_configurable_and_extra_relabelings_follow(render) -> None:
    extra = {"action": "drop", "sourceLabels": ["__name__"], "regex": "go_gc_.*"}
    (endpoint,) = render(
        set_values={
            "serviceMonitor.dropLabels": ["session_id"],
            "serviceMonitor.metricRelabelings": [extra],
        }
    ).get("ServiceMonitor")["spec"]["endpoints"]
    assert endpoint["metricRelabelings"] == [
        {"action": "labeldrop", "regex": "^(session_id)$"},
        extra,
    ]


def test_pod_service_and_version_labels_reach_the_series(render) -> None:
    monitor = render().get("ServiceMonitor")
    assert monitor["spec"]["podTargetLabels"] == ["service", "version"]


def test_service_monitor_and_dashboard_can_be_turned_off(render) -> None:
    manifest = render(set_values={"serviceMonitor.enabled": False, "dashboard.enabled": False})
    assert not manifest.all("ServiceMonitor")
    assert not manifest.all("ConfigMap")


# -- dashboard ----------------------------------------------------------------------------------


def test_dashboard_file_is_json_and_shipped_with_the_sidecar_label(render, repo_root) -> None:
    source = json.loads((repo_root / "charts/api/dashboards/api.json").read_text())
    manifest = render()
    configmap = manifest.get("ConfigMap", f"{NAME}-dashboard")
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert list(configmap["data"]) == [f"{NAME}.json"]
    dashboard = dashboard_of(manifest)
    assert dashboard["panels"] == _with_limits(source["panels"], 0.3, 0.02)
    assert dashboard["uid"] == f"api-{NAME}" and len(dashboard["uid"]) <= 40
    assert dashboard["title"] == f"API / {NAME}"


def _with_limits(panels: list[dict[str, Any]], p95: float, errors: float) -> list[dict[str, Any]]:
    limits = {"p95 latency": p95, "5xx error rate": errors}
    panels = json.loads(json.dumps(panels))
    for panel in panels:
        if panel["title"] in limits:
            panel["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] = limits[
                panel["title"]
            ]
    return panels


def test_dashboard_label_is_configurable(render) -> None:
    configmap = render(set_values={"dashboard.labels": {"grafana_dashboard": "api"}}).get(
        "ConfigMap"
    )
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "api"


def test_dashboard_panels(render) -> None:
    dashboard = dashboard_of(render())
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert titles == [
        "Request rate",
        "5xx error rate",
        "p95 latency",
        "p99 latency",
        "Top endpoints",
    ]
    by_title = {panel["title"]: panel for panel in dashboard["panels"]}
    assert "histogram_quantile(0.95" in by_title["p95 latency"]["targets"][0]["expr"]
    assert "histogram_quantile(0.99" in by_title["p99 latency"]["targets"][0]["expr"]
    assert 'status=~"5.."' in by_title["5xx error rate"]["targets"][0]["expr"]
    top = by_title["Top endpoints"]["targets"][0]["expr"]
    assert top.startswith("topk(10, sum by (method, path)")


def test_dashboard_variables_service_and_version(render) -> None:
    variables = {v["name"]: v for v in dashboard_of(render())["templating"]["list"]}
    assert {"service", "version"} <= set(variables)
    assert set(variables) - {"service", "version"} == {"datasource"}
    assert variables["service"]["current"]["value"] == NAME
    assert "label_values(http_requests_total, service)" in variables["service"]["definition"]
    assert variables["version"]["includeAll"] is True


def test_dashboard_queries_use_only_allowed_labels_and_the_variables(render) -> None:
    dashboard = dashboard_of(render())
    queries = expressions(dashboard) + [
        v["definition"] for v in dashboard["templating"]["list"] if v["type"] == "query"
    ]
    assert queries
    for expr in expressions(dashboard):
        used = labels_in(expr)
        assert used <= ALLOWED_LABELS | {HISTOGRAM_BUCKET_LABEL}, expr
        if HISTOGRAM_BUCKET_LABEL in used:
            assert "histogram_quantile(" in expr
        assert 'service="$service"' in expr and 'version=~"$version"' in expr
        for metric in re.findall(r"\b(http_[a-z_]+)\{", expr):
            assert metric in ("http_requests_total", "http_request_duration_seconds_bucket")
    for query in queries[len(expressions(dashboard)) :]:
        assert labels_in(query) <= ALLOWED_LABELS
    # every panel reads the Prometheus chosen in the datasource variable
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"


def test_dashboard_thresholds_follow_the_analysis(render) -> None:
    dashboard = dashboard_of(
        render(set_values={"analysis.successP95Seconds": 0.5, "analysis.successErrorRate": 0.05})
    )
    by_title = {panel["title"]: panel for panel in dashboard["panels"]}
    assert by_title["p95 latency"]["fieldConfig"]["defaults"]["thresholds"]["steps"][-1] == {
        "color": "red",
        "value": 0.5,
    }
    errors = by_title["5xx error rate"]["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]
    assert errors["value"] == 0.05


def test_dashboard_is_unique_per_release(render_chart) -> None:
    uids = set()
    for service in ("my-ktube", "mediprepai"):
        manifest = render_chart(CHART, f"values/{service}.yaml", release=f"{service}-api")
        uids.add(dashboard_of_named(manifest, f"{service}-api")["uid"])
    assert len(uids) == 2


def dashboard_of_named(manifest: Manifest, name: str) -> dict[str, Any]:
    (text,) = manifest.get("ConfigMap", f"{name}-dashboard")["data"].values()
    return json.loads(text)


def test_dashboard_source_file_parses(repo_root: Path) -> None:
    dashboard = json.loads((repo_root / "charts/api/dashboards/api.json").read_text())
    assert dashboard["panels"] and dashboard["templating"]["list"]
