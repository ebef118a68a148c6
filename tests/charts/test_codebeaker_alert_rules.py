"""charts/codebeaker PrometheusRule: the worker HPA at its maximum (the file queue cannot
take more workers) and the API's 5xx share. When each alert renders, what it carries, and
promtool unit tests (tests/promtool/codebeaker/<Alert>.test.yaml) run against the rules
rendered for both releases with the prod overlay, with the ServiceMonitor on, and with
other values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chart_fixtures import chart_release_fixture
from refusals import names_the_field_or_its_parent

from chartkit.releases.inventory import find_root, load
from chartkit.releases.manifest import Manifest, pod_template_metadata
from helpers.helm_versions import HELMS
from helpers.manifests import find
from helpers.monitoring.alert_series import (
    alert_placeholders,
    error_counts,
    hpa_placeholders,
    scrape_limit_counts,
)
from helpers.monitoring.rule_tests import AlertTests, Typo, check_rules_of
from helpers.monitoring.rules import alert_rules
from helpers.monitoring.scrape_jobs import scrape_job

ROOT = find_root()
INVENTORY = load(ROOT)
CHART = "codebeaker"
VALUES = "values/codebeaker-prod.yaml"
RELEASE = NAMESPACE = "codebeaker"
DEV, PROD = "values/env/dev.yaml", "values/env/prod.yaml"
TESTS = ROOT / "tests" / "promtool" / "codebeaker"
# alert -> (its section of prometheusRule, when its condition starts holding: 0 for a gauge)
ALERTS = {
    "CodebeakerWorkerHpaMaxedOut": ("workerHpaMaxedOut", 0),
    "CodebeakerApiHighErrorRate": ("apiErrorRate", 60),
    "CodebeakerScrapeLimitHit": ("scrapeLimitHit", 0),
}
SCRAPED = {"serviceMonitor.enabled": True}
COMPONENT = "app.kubernetes.io/component"

chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def component(manifest: Manifest, kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in manifest.all(kind) if o["metadata"]["labels"].get(COMPONENT) == name]
    return found


def placeholders(manifest: Manifest, values: dict[str, Any]) -> dict[str, Any]:
    """Labels from the objects the series come from; numbers and times from the values."""
    api = component(manifest, "Deployment", "api")
    worker = component(manifest, "Deployment", "worker")
    rules = values["prometheusRule"]
    errors = rules["apiErrorRate"]
    found: dict[str, Any] = {
        "namespace": api["metadata"]["namespace"],
        # alerts name the platform (the release's full name, the part-of label)
        "alert_service": pod_template_metadata(worker)["labels"]["app.kubernetes.io/part-of"],
        "pod": f"{api['metadata']['name']}-84c5d7f9b-t6v2x",
        "metric": errors["metric"],
        "status_label": errors["statusLabel"],
    }
    monitor = find(manifest, "ServiceMonitor")
    if monitor is not None:
        # the Prometheus operator labels the series with the selected Service's name
        selector = monitor["spec"]["selector"]["matchLabels"]
        (service,) = [
            s
            for s in manifest.all("Service")
            if selector.items() <= (s["metadata"].get("labels") or {}).items()
        ]
        found["service"] = service["metadata"]["name"]
        found["job"] = scrape_job(manifest.objects, f"ServiceMonitor/{monitor['metadata']['name']}")
    found.update(scrape_limit_counts(values["serviceMonitor"]["sampleLimit"]))
    hpas = [
        h
        for h in manifest.all("HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    ]
    if hpas:
        (hpa,) = hpas
        found.update(hpa_placeholders(hpa))
        # the worker's namespace, where kube-state-metrics reports its HPA
        found["hpa_namespace"] = hpa["metadata"]["namespace"]
    found.update(error_counts(errors["threshold"], errors["window"]))
    found.update(alert_placeholders(rules, ALERTS))
    return found


run_alert_test = AlertTests(TESTS, placeholders)


# -- when it renders, and what --------------------------------------------------------------


def test_off_by_default_and_in_dev_on_in_prod(render) -> None:
    assert not render().all("PrometheusRule")
    assert not render(DEV).all("PrometheusRule")
    rule = render(PROD).get("PrometheusRule", "codebeaker")
    assert rule["metadata"]["namespace"] == NAMESPACE
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule["metadata"]["labels"]["app.kubernetes.io/name"] == "codebeaker"
    assert rule["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE


def test_prod_release_alerts_on_the_workers_and_the_api(render) -> None:
    alerts = alert_rules(render(PROD).objects)
    assert list(alerts) == list(ALERTS)
    worker = alerts["CodebeakerWorkerHpaMaxedOut"]
    assert worker["labels"] == {
        "severity": "warning",
        "service": "codebeaker",
        "component": "worker",
        "namespace": NAMESPACE,
    }
    assert worker["for"] == "15m"
    assert (
        'namespace="codebeaker-worker",horizontalpodautoscaler="codebeaker-worker"'
        in worker["expr"]
    )
    assert "file queue" in worker["annotations"]["description"]
    assert alerts["CodebeakerApiHighErrorRate"]["labels"]["component"] == "api"
    assert alerts["CodebeakerApiHighErrorRate"]["labels"]["severity"] == "critical"


def test_api_alert_needs_the_api_to_be_scraped(render) -> None:
    unscraped = alert_rules(render(PROD, set_values={"serviceMonitor.enabled": False}).objects)
    assert list(unscraped) == ["CodebeakerWorkerHpaMaxedOut"]  # nor its scrape-limit alert


def test_dev_release_with_the_prod_overlay_has_no_alert(render_release) -> None:
    # codebeaker-dev runs fixed single workers (no HPA) and no ServiceMonitor
    assert not render_release("codebeaker-dev", "prod").all("PrometheusRule")


def test_worker_alert_needs_a_worker_hpa_that_can_scale(render) -> None:
    fixed = render(PROD, set_values={"worker.autoscaling.enabled": False, **SCRAPED})
    assert list(alert_rules(fixed.objects)) == [
        "CodebeakerApiHighErrorRate",
        "CodebeakerScrapeLimitHit",
    ]
    pinned = {
        "worker.autoscaling.minReplicas": 10,
        "worker.autoscaling.maxReplicas": 10,
        "serviceMonitor.enabled": False,
    }
    assert not render(PROD, set_values=pinned).all("PrometheusRule")


def test_redis_queue_changes_the_worker_alert_explanation(render) -> None:
    redis = {
        "queue.type": "redis",
        "queue.redis.existingSecret": "codebeaker-redis",
        "worker.autoscaling.maxReplicas": 30,
    }
    worker = alert_rules(render(PROD, set_values=redis).objects)["CodebeakerWorkerHpaMaxedOut"]
    assert "file queue" not in worker["annotations"]["description"]
    assert "maximum of 30 workers" in worker["annotations"]["summary"]


def test_api_metric_and_status_label_from_values(render) -> None:
    otel = {
        **SCRAPED,
        "prometheusRule.apiErrorRate.metric": "http_server_request_duration_seconds_count",
        "prometheusRule.apiErrorRate.statusLabel": "http_response_status_code",
    }
    expr = alert_rules(render(PROD, set_values=otel).objects)["CodebeakerApiHighErrorRate"]["expr"]
    assert 'http_server_request_duration_seconds_count{namespace="codebeaker"' in expr
    assert 'http_response_status_code=~"5.."' in expr


def test_alert_labels_keep_the_chart_labels(render) -> None:
    manifest = render(PROD, set_values={"prometheusRule.alertLabels": {"team": "codebeaker"}})
    rules = alert_rules(manifest.objects)
    assert {name: rule["labels"]["team"] for name, rule in rules.items()} == {
        name: "codebeaker" for name in ALERTS
    }
    assert rules["CodebeakerWorkerHpaMaxedOut"]["labels"]["component"] == "worker"


@pytest.mark.parametrize("helm", HELMS)
def test_rule_validates_against_the_crd_and_helm_versions_agree(render, validator, helm) -> None:
    manifest = render(PROD, set_values=SCRAPED, helm=helm)
    assert validator.validate(manifest.get("PrometheusRule")) == []
    assert manifest.all("PrometheusRule") == render(PROD, set_values=SCRAPED).all("PrometheusRule")


REFUSED = [
    ("prometheusRule.apiErrorRate.threshold", 2),
    ("prometheusRule.apiErrorRate.statusLabel", "status-code"),
    ("prometheusRule.apiErrorRate.metric", ""),
    ("prometheusRule.workerHpaMaxedOut.severity", "high"),
    ("prometheusRule.alertLabels", {"component": "queue"}),
    ("prometheusRule.workerHpa", {"enabled": True}),
]


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(("field", "value"), REFUSED, ids=[f"{f}={v}" for f, v in REFUSED])
def test_schema_refuses(refuse, helm, field, value) -> None:
    assert names_the_field_or_its_parent(refuse({field: value}, helm=helm), field)


# -- promtool ------------------------------------------------------------------------------------


@pytest.mark.parametrize("set_values", [None, SCRAPED], ids=["prod", "scraped"])
def test_rendered_rules_pass_promtool_check(render, promtool, tmp_path, set_values) -> None:
    result = check_rules_of(promtool, render(PROD, set_values=set_values), tmp_path)
    assert result.ok, str(result)


def test_every_alert_has_a_promtool_test_file(render) -> None:
    rendered = set(alert_rules(render(PROD, set_values=SCRAPED).objects))
    assert rendered == set(ALERTS) == run_alert_test.test_file_names()


@pytest.mark.parametrize("alert", list(ALERTS))
def test_promtool_unit_tests_of_the_release(
    chart_values, render_release, render, promtool, tmp_path, alert
):
    if alert == "CodebeakerApiHighErrorRate":
        # rendered only with the ServiceMonitor, which the values file leaves off
        manifest = render(PROD, set_values=SCRAPED)
        values = chart_values(PROD, set_values=SCRAPED)
    else:
        manifest = render_release(RELEASE, "prod")
        values = chart_values(PROD)
    result = run_alert_test(promtool, manifest, values, alert, tmp_path)
    assert result.ok, str(result)


CUSTOM = {
    **SCRAPED,
    "fullnameOverride": "beaker",
    "worker.autoscaling.maxReplicas": 7,
    "prometheusRule.workerHpaMaxedOut": {"enabled": True, "for": "30m", "severity": "critical"},
    "prometheusRule.apiErrorRate": {
        "enabled": True,
        "metric": "http_server_request_duration_seconds_count",
        "statusLabel": "http_response_status_code",
        "threshold": 0.2,
        "window": "2m",
        "for": "1m",
        "severity": "warning",
    },
    "prometheusRule.scrapeLimitHit": {"enabled": True, "for": "10m", "severity": "info"},
    "serviceMonitor.sampleLimit": 20000,
}


@pytest.mark.parametrize("alert", list(ALERTS))
def test_promtool_unit_tests_follow_the_values(
    chart_values, render, promtool, tmp_path: Path, alert
) -> None:
    manifest = render(PROD, set_values=CUSTOM)
    values = chart_values(PROD, set_values=CUSTOM)
    found = placeholders(manifest, values)
    assert (found["service"], found["hpa"], found["hpa_max"]) == ("beaker-api", "beaker-worker", 7)
    result = run_alert_test(promtool, manifest, values, alert, tmp_path)
    assert result.ok, str(result)


MUTATIONS = [
    Typo(
        "CodebeakerWorkerHpaMaxedOut",
        "expr",
        'horizontalpodautoscaler="codebeaker-worker"',
        'horizontalpodautoscaler="codebeaker-api"',
    ),
    Typo("CodebeakerWorkerHpaMaxedOut", "expr", 'namespace="', 'namespcae="'),
    Typo("CodebeakerWorkerHpaMaxedOut", "expr", ">=", ">"),
    Typo("CodebeakerWorkerHpaMaxedOut", "for", "15m", "20m"),
    Typo("CodebeakerApiHighErrorRate", "expr", 'service="codebeaker-api"', 'service="codebeaker"'),
    Typo("CodebeakerApiHighErrorRate", "expr", 'code=~"5.."', 'status=~"5.."'),
    Typo("CodebeakerApiHighErrorRate", "expr", "> 0.05", "> 0.1"),
    Typo("CodebeakerApiHighErrorRate", "expr", "> 0.05", ">= 0.05"),
    Typo("CodebeakerApiHighErrorRate", "for", "5m", "2m"),
    Typo("CodebeakerScrapeLimitHit", "expr", 'job="codebeaker-api"', 'job="codebeaker"'),
    Typo("CodebeakerScrapeLimitHit", "expr", 'namespace="', 'namespcae="'),
    Typo("CodebeakerScrapeLimitHit", "expr", "> 0", ">= 0"),
    Typo("CodebeakerScrapeLimitHit", "expr", "== 0", "== 1"),
    Typo("CodebeakerScrapeLimitHit", "for", "5m", "4m"),
]


@pytest.mark.parametrize("typo", MUTATIONS, ids=str)
def test_a_typo_in_the_rule_fails_its_promtool_test(
    chart_values, render, promtool, tmp_path: Path, typo: Typo
) -> None:
    manifest = render(PROD, set_values=SCRAPED)
    values = chart_values(PROD, set_values=SCRAPED)
    run_alert_test.assert_typo_fails(promtool, manifest, values, typo, tmp_path)
