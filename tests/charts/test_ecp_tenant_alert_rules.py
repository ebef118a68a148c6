"""charts/ecp-tenant scrape limits: the PodMonitor's per-scrape limits and the alert on a
service pod whose scrapes Prometheus refuses (EcpTenantScrapeLimitHit), with its promtool
unit test (tests/promtool/ecp-tenant/EcpTenantScrapeLimitHit.test.yaml) run against the rules
of both tenant releases with the prod overlay, and against other values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chart_fixtures import chart_release_fixture

from chartkit.releases.inventory import find_root, load
from chartkit.releases.manifest import Manifest, name_of, pod_template_metadata
from helpers.monitoring.alert_series import alert_placeholders, scrape_limit_counts
from helpers.monitoring.rule_tests import AlertTests, Typo
from helpers.monitoring.rules import alert_rules
from helpers.monitoring.scrape_jobs import scrape_job

ROOT = find_root()
INVENTORY = load(ROOT)
CHART = "ecp-tenant"
TENANTS = [r.name for r in INVENTORY.releases if r.chart_name == CHART]
VALUES = "values/tenants/ai-call-center-prod.yaml"
RELEASE, NAMESPACE = "ai-call-center-prod", "ecp-tenants"
DEV, PROD = "values/env/dev.yaml", "values/env/prod.yaml"
TESTS = ROOT / "tests" / "promtool" / "ecp-tenant"
ALERT = "EcpTenantScrapeLimitHit"
LIMITS = ("sampleLimit", "labelLimit", "labelNameLengthLimit", "labelValueLengthLimit")

chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def placeholders(manifest: Manifest, values: dict[str, Any]) -> dict[str, Any]:
    """Labels from the PodMonitor and the service pods it scrapes; numbers from the values."""
    monitor = manifest.get("PodMonitor")
    deployment = manifest.all("Deployment")[0]
    pod_labels = pod_template_metadata(deployment)["labels"]
    found: dict[str, Any] = {
        "namespace": monitor["metadata"]["namespace"],
        "job": scrape_job(manifest.objects, f"PodMonitor/{name_of(monitor)}"),
        # the PodMonitor's relabelings copy these pod labels onto every target
        "tenant": pod_labels["ecp.ai/tenant"],
        "ai_service": pod_labels["ecp.ai/service"],
        "pod": f"{name_of(deployment)}-7b9c6d5f8-r2d7k",
    }
    found.update(scrape_limit_counts(values["monitoring"]["sampleLimit"]))
    found.update(alert_placeholders(values["monitoring"]["rules"], {ALERT: ("scrapeLimitHit", 0)}))
    return found


run_alert_test = AlertTests(TESTS, placeholders)


# -- the PodMonitor's limits ----------------------------------------------------------------


def test_pod_monitor_limits_every_scrape_from_the_values(render, chart_values, validator) -> None:
    chart = chart_values()["monitoring"]
    monitor = render().get("PodMonitor")
    assert {key: monitor["spec"][key] for key in LIMITS} == {key: chart[key] for key in LIMITS}
    assert monitor["spec"]["sampleLimit"] == 10000
    changed = render(set_values={"monitoring.sampleLimit": 40000, "monitoring.labelLimit": 0})
    spec = changed.get("PodMonitor")["spec"]
    assert (spec["sampleLimit"], spec["labelLimit"]) == (40000, 0)  # 0: no limit
    assert validator.validate(changed.get("PodMonitor")) == []


@pytest.mark.parametrize("value", [-1, "10k", 1.5])
def test_schema_refuses_a_limit_that_is_not_a_count(chart_error, value) -> None:
    error = chart_error(
        CHART, VALUES, set_values={"monitoring.sampleLimit": value}, namespace=NAMESPACE
    )
    assert "sampleLimit" in error


# -- the alert ------------------------------------------------------------------------------


def test_alert_renders_with_the_tenant_rules_in_prod_and_names_the_tenant(render) -> None:
    assert not render(DEV).all("PrometheusRule")
    rule = alert_rules(render(PROD).objects)[ALERT]
    assert rule["labels"] == {"severity": "warning", "tenant_id": RELEASE}
    assert rule["for"] == "5m"
    job = f"ecp-ai-{RELEASE}/{RELEASE}-ecp-tenant"
    assert f'job="{job}"' in rule["expr"]
    description = rule["annotations"]["description"]
    assert "sampleLimit 10000" in description and "labelValueLengthLimit 512" in description


def test_alert_can_be_turned_off_alone(render) -> None:
    off = render(PROD, set_values={"monitoring.rules.scrapeLimitHit.enabled": False})
    alerts = alert_rules(off.objects)
    assert ALERT not in alerts and len(alerts) == 3


@pytest.mark.parametrize("release", TENANTS)
def test_promtool_unit_tests_of_each_tenant(
    computed_values, render_release, promtool, tmp_path, release
) -> None:
    manifest = render_release(release, "prod")
    values = computed_values.of(CHART, [*INVENTORY.release(release).values, PROD])
    result = run_alert_test(promtool, manifest, values, ALERT, tmp_path)
    assert result.ok, f"{release}:\n{result}"


CUSTOM = {
    "monitoring.sampleLimit": 1500,
    "monitoring.rules.scrapeLimitHit": {"enabled": True, "for": "12m", "severity": "critical"},
}


def test_promtool_unit_tests_follow_the_values(
    chart_values, render, promtool, tmp_path: Path
) -> None:
    manifest = render(PROD, set_values=CUSTOM)
    values = chart_values(PROD, set_values=CUSTOM)
    assert placeholders(manifest, values)["samples_above"] == 1501
    result = run_alert_test(promtool, manifest, values, ALERT, tmp_path)
    assert result.ok, str(result)


MUTATIONS = [
    Typo(ALERT, "expr", "-ecp-tenant", "-podmonitor"),
    Typo(ALERT, "expr", 'namespace="', 'tenant_namespace="'),
    Typo(ALERT, "expr", "> 0", ">= 0"),
    Typo(ALERT, "expr", "and", "unless"),
    Typo(ALERT, "for", "5m", "2m"),
]


@pytest.mark.parametrize("typo", MUTATIONS, ids=lambda typo: f"{typo.old}->{typo.new}")
def test_a_typo_in_the_rule_fails_its_promtool_test(
    chart_values, render, promtool, tmp_path: Path, typo: Typo
) -> None:
    run_alert_test.assert_typo_fails(promtool, render(PROD), chart_values(PROD), typo, tmp_path)
