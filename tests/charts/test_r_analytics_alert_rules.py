"""charts/r-analytics PrometheusRule: when it renders and which alerts it holds, and promtool
unit tests (tests/promtool/r-analytics/<Alert>.test.yaml) run against the rules rendered
for the release with the prod overlay, with the latency alert on, and with other values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chart_fixtures import chart_release_fixture
from refusals import names_the_field_or_its_parent

from chartkit.releases.inventory import find_root
from chartkit.releases.manifest import Manifest, containers
from helpers.helm_versions import HELMS
from helpers.manifests import find
from helpers.monitoring.alert_series import (
    alert_placeholders,
    hpa_placeholders,
    latency_buckets,
    scrape_limit_counts,
)
from helpers.monitoring.rule_tests import AlertTests, Typo, check_rules_of
from helpers.monitoring.rules import alert_rules
from helpers.monitoring.scrape_jobs import scrape_job

ROOT = find_root()
CHART = "r-analytics"
VALUES = "values/r-analytics.yaml"
RELEASE = "r-analytics"
NAMESPACE = "seedtest"
DEV, PROD = "values/env/dev.yaml", "values/env/prod.yaml"
TESTS = ROOT / "tests" / "promtool" / "r-analytics"
# alert -> (its section of prometheusRule, when its condition starts holding: 0 for a gauge)
ALERTS = {
    "RAnalyticsTargetDown": ("targetDown", 0),
    "RAnalyticsHpaMaxedOut": ("hpaMaxedOut", 0),
    "RAnalyticsHighLatencyP95": ("latency", 60),
    "RAnalyticsScrapeLimitHit": ("scrapeLimitHit", 0),
}
LATENCY_ON = {"prometheusRule.latency.enabled": True}

chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def scraped_service(manifest: Manifest) -> dict[str, Any]:
    """The Service the ServiceMonitor selects: its name is the `service` label of the
    series (set by the Prometheus operator)."""
    selector = manifest.get("ServiceMonitor")["spec"]["selector"]["matchLabels"]
    (service,) = [
        s
        for s in manifest.all("Service")
        if selector.items() <= (s["metadata"].get("labels") or {}).items()
    ]
    return service


def placeholders(manifest: Manifest, values: dict[str, Any]) -> dict[str, Any]:
    """Labels from the objects the series come from; numbers and times from the values."""
    deployment = manifest.get("Deployment")
    name = deployment["metadata"]["name"]
    container = containers(deployment)[0]
    rules = values["prometheusRule"]
    found: dict[str, Any] = {
        "namespace": deployment["metadata"]["namespace"],
        "service": scraped_service(manifest)["metadata"]["name"],
        "pod": f"{name}-5c8f7d9b6-h4k7s",
        "pod_2": f"{name}-5c8f7d9b6-w9q2m",
        "container": container["name"],
        "port": container["ports"][0]["containerPort"],
        "histogram": rules["latency"]["histogram"],
        "job": scrape_job(manifest.objects, f"ServiceMonitor/{name}"),
    }
    found.update(scrape_limit_counts(values["serviceMonitor"]["sampleLimit"]))
    hpa = find(manifest, "HorizontalPodAutoscaler")
    if hpa is not None:
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
        found.update(hpa_placeholders(hpa))
    found.update(latency_buckets(rules["latency"]["thresholdSeconds"]))
    found.update(alert_placeholders(rules, ALERTS))
    return found


run_alert_test = AlertTests(TESTS, placeholders)


# -- when it renders, and what --------------------------------------------------------------


def test_off_by_default_and_in_dev_on_in_prod(render) -> None:
    assert not render().all("PrometheusRule")
    assert not render(DEV).all("PrometheusRule")
    assert not render(DEV, set_values={"prometheusRule.enabled": True}).all("PrometheusRule")
    assert len(render(set_values={"prometheusRule.enabled": True}).all("PrometheusRule")) == 1
    rule = render(PROD).get("PrometheusRule", "r-analytics")
    assert rule["metadata"]["namespace"] == NAMESPACE
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule["metadata"]["labels"]["app.kubernetes.io/name"] == "r-analytics"
    assert rule["metadata"]["labels"]["app.kubernetes.io/version"] == "1.0.0"


def test_prod_alerts_and_their_labels(render) -> None:
    alerts = alert_rules(render(PROD).objects)
    # the latency alert waits for a histogram the service does not expose today
    assert list(alerts) == [
        "RAnalyticsTargetDown",
        "RAnalyticsScrapeLimitHit",
        "RAnalyticsHpaMaxedOut",
    ]
    assert alerts["RAnalyticsTargetDown"]["labels"] == {
        "severity": "critical",
        "service": "r-analytics",
        "namespace": NAMESPACE,
    }
    assert alerts["RAnalyticsTargetDown"]["for"] == "5m"
    assert alerts["RAnalyticsHpaMaxedOut"]["labels"]["severity"] == "warning"
    assert alerts["RAnalyticsHpaMaxedOut"]["for"] == "15m"
    assert "maximum of 10 " in alerts["RAnalyticsHpaMaxedOut"]["annotations"]["summary"]


def test_latency_alert_reads_the_configured_histogram(render) -> None:
    manifest = render(
        PROD, set_values={**LATENCY_ON, "prometheusRule.latency.histogram": "plumber_seconds"}
    )
    rule = alert_rules(manifest.objects)["RAnalyticsHighLatencyP95"]
    assert "rate(plumber_seconds_bucket{" in rule["expr"]
    assert rule["expr"].rstrip().endswith("> 10")


def test_no_hpa_alert_without_an_hpa_or_when_it_cannot_scale(render) -> None:
    no_hpa = render(PROD, set_values={"autoscaling.enabled": False})
    assert list(alert_rules(no_hpa.objects)) == ["RAnalyticsTargetDown", "RAnalyticsScrapeLimitHit"]
    pinned = render(PROD, set_values={"autoscaling.minReplicas": 4, "autoscaling.maxReplicas": 4})
    assert "RAnalyticsHpaMaxedOut" not in alert_rules(pinned.objects)
    # the prod overlay's minimum of 2 leaves room below 3
    three = render(PROD, set_values={"autoscaling.minReplicas": 1, "autoscaling.maxReplicas": 3})
    assert (
        "maximum of 3 "
        in alert_rules(three.objects)["RAnalyticsHpaMaxedOut"]["annotations"]["summary"]
    )


def test_scrape_alerts_need_the_service_monitor(render) -> None:
    manifest = render(PROD, set_values={**LATENCY_ON, "serviceMonitor.enabled": False})
    assert list(alert_rules(manifest.objects)) == ["RAnalyticsHpaMaxedOut"]
    nothing = render(
        PROD, set_values={"serviceMonitor.enabled": False, "autoscaling.enabled": False}
    )
    assert not nothing.all("PrometheusRule")


def test_alert_labels_and_runbooks(render) -> None:
    manifest = render(
        PROD,
        set_values={
            "prometheusRule.alertLabels": {"team": "seedtest"},
            "prometheusRule.runbookUrl": "https://runbooks.example.com/r-analytics",
        },
    )
    for name, rule in alert_rules(manifest.objects).items():
        assert rule["labels"]["team"] == "seedtest"
        assert rule["annotations"]["runbook_url"] == (
            f"https://runbooks.example.com/r-analytics/{name.lower()}"
        )


@pytest.mark.parametrize("helm", HELMS)
def test_rule_validates_against_the_crd_and_helm_versions_agree(render, validator, helm) -> None:
    manifest = render(PROD, set_values=LATENCY_ON, helm=helm)
    assert validator.validate(manifest.get("PrometheusRule")) == []
    assert manifest.all("PrometheusRule") == render(PROD, set_values=LATENCY_ON).all(
        "PrometheusRule"
    )


REFUSED = [
    ("prometheusRule.targetDown.severity", "urgent"),
    ("prometheusRule.hpaMaxedOut.for", "15 minutes"),
    ("prometheusRule.latency.thresholdSeconds", 0),
    ("prometheusRule.latency.histogram", "plumber-seconds"),
    ("prometheusRule.alertLabels", {"namespace": "other"}),
    ("prometheusRule.targetDown.threshold", 1),
]


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(("field", "value"), REFUSED, ids=[f"{f}={v}" for f, v in REFUSED])
def test_schema_refuses(refuse, helm, field, value) -> None:
    assert names_the_field_or_its_parent(refuse({field: value}, helm=helm), field)


# -- promtool ------------------------------------------------------------------------------------


@pytest.mark.parametrize("set_values", [None, LATENCY_ON], ids=["prod", "latency-on"])
def test_rendered_rules_pass_promtool_check(render, promtool, tmp_path, set_values) -> None:
    result = check_rules_of(promtool, render(PROD, set_values=set_values), tmp_path)
    assert result.ok, str(result)


def test_every_alert_has_a_promtool_test_file(render) -> None:
    rendered = set(alert_rules(render(PROD, set_values=LATENCY_ON).objects))
    assert rendered == set(ALERTS) == run_alert_test.test_file_names()


@pytest.mark.parametrize("alert", list(ALERTS))
def test_promtool_unit_tests_of_the_release(
    chart_values, render_release, render, promtool, tmp_path: Path, alert: str
) -> None:
    if alert == "RAnalyticsHighLatencyP95":
        # off in the release: tested with the release's values plus the alert turned on
        manifest = render(PROD, set_values=LATENCY_ON)
        values = chart_values(PROD, set_values=LATENCY_ON)
    else:
        manifest = render_release(RELEASE, "prod")
        values = chart_values(PROD)
    result = run_alert_test(promtool, manifest, values, alert, tmp_path)
    assert result.ok, str(result)


CUSTOM = {
    "fullnameOverride": "analytics",
    "autoscaling.maxReplicas": 6,
    "prometheusRule.targetDown": {"enabled": True, "for": "2m", "severity": "warning"},
    "prometheusRule.hpaMaxedOut": {"enabled": True, "for": "45m", "severity": "info"},
    "prometheusRule.latency": {
        "enabled": True,
        "histogram": "plumber_request_duration_seconds",
        "thresholdSeconds": 2.5,
        "window": "10m",
        "for": "3m",
        "severity": "critical",
    },
    "prometheusRule.scrapeLimitHit": {"enabled": True, "for": "20m", "severity": "critical"},
    "serviceMonitor.sampleLimit": 800,
}


@pytest.mark.parametrize("alert", list(ALERTS))
def test_promtool_unit_tests_follow_the_values(
    chart_values, render, promtool, tmp_path: Path, alert
) -> None:
    manifest = render(PROD, set_values=CUSTOM)
    values = chart_values(PROD, set_values=CUSTOM)
    assert placeholders(manifest, values)["service"] == "analytics"
    result = run_alert_test(promtool, manifest, values, alert, tmp_path)
    assert result.ok, str(result)


MUTATIONS = [
    Typo("RAnalyticsTargetDown", "expr", 'service="', 'servcie="'),
    Typo("RAnalyticsTargetDown", "expr", "== 0", "== 1"),
    Typo("RAnalyticsTargetDown", "expr", "absent(", "count("),
    Typo("RAnalyticsTargetDown", "for", "5m", "2m"),
    Typo("RAnalyticsTargetDown", "for", "5m", "10m"),
    Typo(
        "RAnalyticsHpaMaxedOut",
        "expr",
        'horizontalpodautoscaler="r-analytics"',
        'hpa="r-analytics"',
    ),
    Typo("RAnalyticsHpaMaxedOut", "expr", ">=", "<"),
    Typo("RAnalyticsHpaMaxedOut", "expr", "spec_max_replicas", "spec_min_replicas"),
    Typo("RAnalyticsHpaMaxedOut", "for", "15m", "5m"),
    Typo("RAnalyticsHighLatencyP95", "expr", "> 10", "> 20"),
    Typo("RAnalyticsHighLatencyP95", "expr", "> 10", ">= 10"),
    Typo("RAnalyticsHighLatencyP95", "expr", 'namespace="', 'ns="'),
    Typo("RAnalyticsScrapeLimitHit", "expr", 'job="r-analytics"', 'job="seedtest/r-analytics"'),
    Typo("RAnalyticsScrapeLimitHit", "expr", "\nup{", "\nscrape_samples_scraped{"),
    Typo("RAnalyticsScrapeLimitHit", "expr", "> 0", ">= 0"),
    Typo("RAnalyticsScrapeLimitHit", "for", "5m", "10m"),
]


@pytest.mark.parametrize("typo", MUTATIONS, ids=str)
def test_a_typo_in_the_rule_fails_its_promtool_test(
    chart_values, render, promtool, tmp_path: Path, typo: Typo
) -> None:
    manifest = render(PROD, set_values=LATENCY_ON)
    values = chart_values(PROD, set_values=LATENCY_ON)
    run_alert_test.assert_typo_fails(promtool, manifest, values, typo, tmp_path)
