"""charts/api PrometheusRule: when it renders, what each alert carries, and promtool unit
tests (tests/promtool/api/<Alert>.test.yaml) run against the rules of every api release
with the prod overlay, and against values that change every threshold and duration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chart_fixtures import chart_release_fixture
from refusals import names_the_field_or_its_parent

from chartkit.releases.inventory import find_root, load
from chartkit.releases.manifest import Manifest, containers, pod_template_metadata
from helpers.helm_versions import HELMS
from helpers.manifests import find
from helpers.monitoring.alert_series import (
    alert_placeholders,
    error_counts,
    latency_buckets,
    scrape_limit_counts,
)
from helpers.monitoring.rule_tests import AlertTests, Typo, check_rules_of
from helpers.monitoring.rules import alert_rules
from helpers.monitoring.scrape_jobs import scrape_job

ROOT = find_root()
INVENTORY = load(ROOT)
CHART = "api"
API_RELEASES = [r.name for r in INVENTORY.releases if r.chart_name == CHART]
VALUES = "values/univprepai.yaml"
RELEASE, NAMESPACE = "univprepai-api", "univprepai"
DEV, PROD = "values/env/dev.yaml", "values/env/prod.yaml"
TESTS = ROOT / "tests" / "promtool" / "api"
# alert -> its section of prometheusRule
ALERTS = {
    "ApiHighErrorRate": "errorRate",
    "ApiHighLatencyP95": "latency",
    "ApiScrapeLimitHit": "scrapeLimitHit",
    "ApiContainerRestarts": "restarts",
}
# Conditions on a gauge hold from the first sample; those on rate() and increase() need two.
CONDITION_FROM = {"ApiScrapeLimitHit": 0}

chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def placeholders(manifest: Manifest, values: dict[str, Any]) -> dict[str, Any]:
    """Labels from the workload the series come from; numbers and times from the values."""
    workload = find(manifest, "Rollout") or manifest.get("Deployment")
    name, namespace = workload["metadata"]["name"], workload["metadata"]["namespace"]
    rules = values["prometheusRule"]
    found: dict[str, Any] = {
        "namespace": namespace,
        "service": pod_template_metadata(workload)["labels"]["service"],
        "pod": f"{name}-6f7b9c8d4-k2x9q",
        "canary_pod": f"{name}-7d9f8b6c5-z8n4r",
        "other_pod": f"{name}-v2-6f7b9c8d4-k2x9q",
        "container": containers(workload)[0]["name"],
        "restarts_tolerated": rules["restarts"]["threshold"],
        "restarts_above": rules["restarts"]["threshold"] + 1,
    }
    found.update(error_counts(rules["errorRate"]["threshold"], rules["errorRate"]["window"]))
    found["errors_above_stable"] = found["errors_above"] // 2
    found["errors_above_canary"] = found["errors_above"] - found["errors_above_stable"]
    found.update(latency_buckets(rules["latency"]["thresholdSeconds"]))
    # the targets' job: the name of the Service the ServiceMonitor selects
    found["job"] = scrape_job(manifest.objects, f"ServiceMonitor/{name}")
    found.update(scrape_limit_counts(values["serviceMonitor"]["sampleLimit"]))
    found.update(
        alert_placeholders(
            rules,
            {alert: (section, CONDITION_FROM.get(alert, 60)) for alert, section in ALERTS.items()},
        )
    )
    return found


run_alert_test = AlertTests(TESTS, placeholders)


# -- when it renders --------------------------------------------------------------------------


def test_off_by_default_and_in_dev_on_in_prod(render) -> None:
    assert not render().all("PrometheusRule")
    assert not render(DEV).all("PrometheusRule")
    assert len(render(PROD).all("PrometheusRule")) == 1


def test_the_overlay_decides_over_the_chart_value(render) -> None:
    assert len(render(set_values={"prometheusRule.enabled": True}).all("PrometheusRule")) == 1
    assert not render(DEV, set_values={"prometheusRule.enabled": True}).all("PrometheusRule")
    assert not render(
        set_values={"global.prometheusRules": False, "prometheusRule.enabled": True}
    ).all("PrometheusRule")


def test_rule_object_carries_standard_and_selector_labels(render) -> None:
    rule = render(PROD).get("PrometheusRule", RELEASE)
    labels = rule["metadata"]["labels"]
    assert rule["metadata"]["namespace"] == NAMESPACE
    assert labels["release"] == "kube-prometheus-stack"
    assert labels["app.kubernetes.io/name"] == "api"
    assert labels["app.kubernetes.io/instance"] == RELEASE
    assert labels["app.kubernetes.io/version"] == "3.2.4"
    assert {"app.kubernetes.io/managed-by", "helm.sh/chart"} <= set(labels)
    (group,) = rule["spec"]["groups"]
    assert group["name"] == f"{RELEASE}.alerts"
    assert [r["alert"] for r in group["rules"]] == list(ALERTS)
    relabelled = render(PROD, set_values={"prometheusRule.labels": {"prometheus": "apps"}})
    assert relabelled.get("PrometheusRule")["metadata"]["labels"]["prometheus"] == "apps"


@pytest.mark.parametrize("helm", HELMS)
def test_rule_validates_against_the_crd(render, validator, helm) -> None:
    rule = render(
        PROD, set_values={"prometheusRule.runbookUrl": "https://runbooks.example.com"}, helm=helm
    )
    assert validator.validate(rule.get("PrometheusRule")) == []


def test_helm_3_and_4_render_the_same_rule(render) -> None:
    assert render(PROD, helm="4.1.4").all("PrometheusRule") == render(PROD, helm="3.18.0").all(
        "PrometheusRule"
    )


# -- what each alert carries --------------------------------------------------------------------


def test_alert_labels_name_service_namespace_and_severity(render) -> None:
    alerts = alert_rules(render(PROD).objects)
    severities = {"ApiHighErrorRate": "critical", "ApiHighLatencyP95": "warning"}
    for name, rule in alerts.items():
        assert rule["labels"]["service"] == RELEASE
        assert rule["labels"]["namespace"] == NAMESPACE
        assert rule["labels"]["severity"] == severities.get(name, "warning")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert "runbook_url" not in rule["annotations"]
    assert {r["for"] for r in alerts.values()} == {"5m", "10m"}


def test_alert_labels_and_runbooks_from_values(render) -> None:
    manifest = render(
        PROD,
        set_values={
            "serviceName": "univprepai",
            "prometheusRule.alertLabels": {"team": "univprepai", "tier": 1},
            "prometheusRule.runbookUrl": "https://runbooks.example.com/api/",
        },
    )
    for name, rule in alert_rules(manifest.objects).items():
        assert rule["labels"]["team"] == "univprepai"
        assert rule["labels"]["tier"] == "1"
        assert rule["labels"]["service"] == "univprepai"
        assert 'service="univprepai"' in rule["expr"] or name in (
            "ApiContainerRestarts",
            "ApiScrapeLimitHit",
        )
        assert (
            rule["annotations"]["runbook_url"] == f"https://runbooks.example.com/api/{name.lower()}"
        )


def test_alerts_on_the_service_metrics_need_the_service_monitor(render) -> None:
    manifest = render(PROD, set_values={"serviceMonitor.enabled": False})
    assert list(alert_rules(manifest.objects)) == ["ApiContainerRestarts"]


def test_each_alert_can_be_turned_off_and_none_left_renders_nothing(render) -> None:
    off = {f"prometheusRule.{section}.enabled": False for section in ALERTS.values()}
    assert not render(PROD, set_values=off).all("PrometheusRule")
    manifest = render(PROD, set_values={"prometheusRule.latency.enabled": False})
    assert list(alert_rules(manifest.objects)) == [
        "ApiHighErrorRate",
        "ApiScrapeLimitHit",
        "ApiContainerRestarts",
    ]


def test_restarts_select_the_release_pods_by_name(render) -> None:
    expr = alert_rules(render(PROD).objects)["ApiContainerRestarts"]["expr"]
    assert f'pod=~"{RELEASE}-[a-z0-9]+-[a-z0-9]+"' in expr
    assert f'namespace="{NAMESPACE}"' in expr


# -- values the schema refuses ---------------------------------------------------------------


REFUSED = [
    ("prometheusRule.errorRate.threshold", 1.5),
    ("prometheusRule.errorRate.threshold", 0),
    ("prometheusRule.latency.severity", "page"),
    ("prometheusRule.restarts.window", "15 minutes"),
    ("prometheusRule.latency.for", "10"),
    ("prometheusRule.runbookUrl", "runbooks/api"),
    ("prometheusRule.alertLabels", {"service": "other"}),
    ("prometheusRule.alertLabels", {"team-name": "x"}),
    ("prometheusRule.restarts.threshold", -1),
    ("prometheusRule.errorRate.treshold", 0.1),
]


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(("field", "value"), REFUSED, ids=[f"{f}={v}" for f, v in REFUSED])
def test_schema_refuses(refuse, helm, field, value) -> None:
    error = refuse({field: value}, helm=helm)
    assert names_the_field_or_its_parent(error, field), error


# -- promtool ------------------------------------------------------------------------------------


@pytest.mark.parametrize("release", API_RELEASES)
def test_rendered_rules_pass_promtool_check(render_release, promtool, tmp_path, release) -> None:
    result = check_rules_of(promtool, render_release(release, "prod"), tmp_path)
    assert result.ok, str(result)


def test_every_alert_has_a_promtool_test_file(render) -> None:
    rendered = set(alert_rules(render(PROD).objects))
    files = run_alert_test.test_file_names()
    assert rendered == set(ALERTS)
    assert rendered <= files
    assert files - rendered == {"canary-analysis"}


@pytest.mark.parametrize("alert", list(ALERTS))
@pytest.mark.parametrize("release", API_RELEASES)
def test_promtool_unit_tests_of_each_release(
    computed_values, render_release, promtool, tmp_path: Path, release: str, alert: str
) -> None:
    manifest = render_release(release, "prod")
    entry = INVENTORY.release(release)
    values = computed_values.of(CHART, [*entry.values, PROD])
    result = run_alert_test(promtool, manifest, values, alert, tmp_path)
    assert result.ok, f"{release}:\n{result}"


# Values that move every threshold, window, duration and severity away from the defaults.
CUSTOM = {
    "prometheusRule.errorRate": {
        "enabled": True,
        "threshold": 0.01,
        "window": "10m",
        "for": "2m",
        "severity": "warning",
    },
    "prometheusRule.latency": {
        "enabled": True,
        "thresholdSeconds": 1.2,
        "window": "3m",
        "for": "30m",
        "severity": "critical",
    },
    "prometheusRule.restarts": {
        "enabled": True,
        "threshold": 5,
        "window": "1h",
        "for": "0m",
        "severity": "info",
    },
    "prometheusRule.scrapeLimitHit": {"enabled": True, "for": "15m", "severity": "critical"},
    "serviceMonitor.sampleLimit": 2500,
}


@pytest.mark.parametrize("alert", list(ALERTS))
@pytest.mark.parametrize("mode", ["rollout", "deployment"])
def test_promtool_unit_tests_follow_the_values(
    chart_values, render, promtool, tmp_path: Path, alert: str, mode: str
) -> None:
    set_values = {**CUSTOM, "rollouts.enabled": mode == "rollout", "serviceName": "univprepai"}
    manifest = render(PROD, set_values=set_values)
    values = chart_values(PROD, set_values=set_values)
    result = run_alert_test(promtool, manifest, values, alert, tmp_path)
    assert result.ok, str(result)


# A wrong label, threshold, comparison or duration in the template must make a test fail.
MUTATIONS = [
    Typo("ApiHighErrorRate", "expr", 'service="', 'servcie="'),
    Typo("ApiHighErrorRate", "expr", 'namespace="', 'namepsace="'),
    Typo("ApiHighErrorRate", "expr", "> 0.05", "> 0.1"),
    Typo("ApiHighErrorRate", "expr", "> 0.05", "> 0.025"),
    Typo("ApiHighErrorRate", "expr", "> 0.05", ">= 0.05"),
    Typo("ApiHighErrorRate", "expr", '=~"5.."', '=~"4.."'),
    Typo("ApiHighErrorRate", "for", "5m", "3m"),
    Typo("ApiHighErrorRate", "for", "5m", "8m"),
    Typo("ApiHighLatencyP95", "expr", 'service="', 'svc="'),
    Typo("ApiHighLatencyP95", "expr", "> 0.5", "> 1"),
    Typo("ApiHighLatencyP95", "expr", "> 0.5", ">= 0.5"),
    Typo("ApiHighLatencyP95", "expr", "0.95,", "0.99,"),
    Typo("ApiHighLatencyP95", "for", "10m", "5m"),
    Typo("ApiContainerRestarts", "expr", "> 2", "> 1"),
    Typo("ApiContainerRestarts", "expr", "> 2", ">= 2"),
    Typo("ApiContainerRestarts", "expr", 'pod=~"', 'pod_name=~"'),
    Typo("ApiContainerRestarts", "expr", "[a-z0-9]+-[a-z0-9]+", ".*"),
    Typo("ApiContainerRestarts", "for", "5m", "1m"),
    Typo("ApiScrapeLimitHit", "expr", 'job="', 'jbo="'),
    Typo("ApiScrapeLimitHit", "expr", 'namespace="', 'ns="'),
    Typo("ApiScrapeLimitHit", "expr", "== 0", "== 1"),
    Typo("ApiScrapeLimitHit", "expr", "> 0", ">= 0"),
    Typo("ApiScrapeLimitHit", "expr", "and", "or"),
    Typo("ApiScrapeLimitHit", "for", "5m", "3m"),
]


@pytest.mark.parametrize("typo", MUTATIONS, ids=str)
def test_a_typo_in_the_rule_fails_its_promtool_test(
    chart_values, render, promtool, tmp_path: Path, typo: Typo
) -> None:
    run_alert_test.assert_typo_fails(promtool, render(PROD), chart_values(PROD), typo, tmp_path)
