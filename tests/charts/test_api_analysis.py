"""charts/api canary: steps from values, global.canaryPause, and the AnalysisTemplate (queries,
thresholds, the no-data rule)."""

from __future__ import annotations

import re
from typing import Any

from chart_fixtures import chart_release_fixture

from chartkit.releases.manifest import Manifest, pod_template_metadata

CHART = "api"
VALUES = "values/univprepai.yaml"
RELEASE = "univprepai-api"
NAMESPACE = "univprepai"
NAME = "univprepai-api"
DEV = "values/env/dev.yaml"
DEFAULT_PROMETHEUS = "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090"

ANALYSIS_STEP = {
    "analysis": {
        "templates": [{"templateName": NAME}],
        "args": [{"name": "service", "value": NAME}],
    }
}


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def steps(manifest: Manifest) -> list[dict[str, Any]]:
    return manifest.get("Rollout")["spec"]["strategy"]["canary"]["steps"]


def metrics(manifest: Manifest) -> dict[str, dict[str, Any]]:
    template = manifest.get("AnalysisTemplate", NAME)
    return {m["name"]: m for m in template["spec"]["metrics"]}


def selector_labels(query: str) -> set[str]:
    """Label names used in the query's series selectors."""
    names: set[str] = set()
    for body in re.findall(r"\{([^{}]*(?:\{\{[^}]*\}\}[^{}]*)*)\}", query):
        names |= set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", body))
    return names


def test_default_steps(render) -> None:
    assert steps(render()) == [
        {"setWeight": 10},
        {"pause": {"duration": "60s"}},
        ANALYSIS_STEP,
        {"setWeight": 50},
        {"pause": {"duration": "60s"}},
        ANALYSIS_STEP,
    ]


def test_steps_follow_values(render) -> None:
    custom = [
        {"setWeight": 5},
        {"pause": {"duration": 120}},
        {"analysis": {}},
        {"setWeight": 25},
        {"pause": {"duration": "5m"}},
        {"setWeight": 75},
        {"pause": {}},
    ]
    assert steps(render(set_values={"rollouts.steps": custom})) == [
        {"setWeight": 5},
        {"pause": {"duration": 120}},
        ANALYSIS_STEP,
        {"setWeight": 25},
        {"pause": {"duration": "5m"}},
        {"setWeight": 75},
        {"pause": {}},
    ]


def test_canary_pause_replaces_every_timed_pause(render) -> None:
    custom = [{"setWeight": 20}, {"pause": {"duration": "5m"}}, {"pause": {}}, {"analysis": {}}]
    rendered = steps(render(DEV, set_values={"rollouts.steps": custom}))
    assert rendered[1] == {"pause": {"duration": "10s"}}
    # an untimed pause waits for a promotion, in every environment
    assert rendered[2] == {"pause": {}}
    rendered = steps(render(set_values={"rollouts.steps": custom, "global.canaryPause": "30s"}))
    assert rendered[1] == {"pause": {"duration": "30s"}}


def test_analysis_template_defaults(render) -> None:
    manifest = render()
    template = manifest.get("AnalysisTemplate", NAME)
    assert template["spec"]["args"] == [{"name": "service"}, {"name": "version", "value": "canary"}]
    found = metrics(manifest)
    assert set(found) == {"p95-latency", "error-rate"}
    for metric in found.values():
        assert metric["interval"] == "60s"
        assert metric["count"] == 5
        assert metric["failureLimit"] == 1
        assert metric["provider"]["prometheus"]["address"] == DEFAULT_PROMETHEUS
    assert found["p95-latency"]["successCondition"].endswith("result[0] < 0.3")
    assert found["error-rate"]["successCondition"].endswith("result[0] < 0.02")


def test_thresholds_and_timing_follow_values(render) -> None:
    found = metrics(
        render(
            set_values={
                "analysis.successP95Seconds": 0.5,
                "analysis.successErrorRate": 0.01,
                "analysis.interval": "30s",
                "analysis.count": 10,
                "analysis.failureLimit": 2,
                "analysis.rateWindow": "5m",
                "analysis.prometheusAddress": "http://prometheus.other.svc:9090",
            }
        )
    )
    assert found["p95-latency"]["successCondition"].endswith("result[0] < 0.5")
    assert found["error-rate"]["successCondition"].endswith("result[0] < 0.01")
    for metric in found.values():
        assert (metric["interval"], metric["count"], metric["failureLimit"]) == ("30s", 10, 2)
        assert metric["provider"]["prometheus"]["address"] == "http://prometheus.other.svc:9090"
        assert "[5m]" in metric["provider"]["prometheus"]["query"]


def test_no_data_and_nan_never_count_as_success(render) -> None:
    for metric in metrics(render()).values():
        condition = metric["successCondition"]
        assert condition.startswith("len(result) > 0 && !isNaN(result[0]) && ")
        assert "failureCondition" not in metric


def test_queries_select_the_canary_by_service_and_version_only(render) -> None:
    found = metrics(render())
    p95 = found["p95-latency"]["provider"]["prometheus"]["query"]
    errors = found["error-rate"]["provider"]["prometheus"]["query"]
    assert p95.startswith("histogram_quantile(0.95, sum by (le) (rate(")
    assert "http_request_duration_seconds_bucket{" in p95
    assert selector_labels(p95) == {"service", "version"}
    assert 'service="{{args.service}}",version="{{args.version}}"' in p95
    assert selector_labels(errors) == {"service", "version", "status"}
    assert errors.count("http_requests_total{") == 2
    assert 'status=~"5.."' in errors
    # no 5xx series yet counts as zero errors, but no traffic at all leaves the result empty
    assert "or vector(0)" in errors


def test_analysis_steps_pass_the_service_label_value(render) -> None:
    manifest = render(set_values={"serviceName": "univprepai"})
    analysis = [s["analysis"] for s in steps(manifest) if "analysis" in s]
    assert analysis and all(
        a["args"] == [{"name": "service", "value": "univprepai"}] for a in analysis
    )
    assert pod_template_metadata(manifest.get("Rollout"))["labels"]["service"] == "univprepai"
