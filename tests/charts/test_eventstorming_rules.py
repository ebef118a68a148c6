"""charts/eventstorming refusals: what would run two consumers of the job queue (a rolling
update, an HPA, a PodDisruptionBudget), the workload model's value rules as they apply to the
worker, the chart's own (its port, a setting hidden by a variable), and the 1.x keys renamed
in 2.0.0, each refused naming the field (and the reason) under both pinned helm versions."""

from __future__ import annotations

from typing import Any

import pytest
from chart_fixtures import chart_release_fixture
from refusals import (
    assert_admitted_and_not_a_default,
    assert_each_refused_naming_its_new_key,
    names,
)

from chartkit.releases.manifest import pod_template_metadata
from helpers.helm_versions import HELMS

CHART = "eventstorming"
VALUES = "values/eventstorming.yaml"
RELEASE = "eventstorming"
NAMESPACE = "eventstorming"
INGRESS = {
    "service.type": "ClusterIP",
    "ingress": {"enabled": True, "hosts": [{"host": "eventstorming.example.com"}]},
    "networkPolicy.ingressFrom": [{"namespace": "ingress-nginx"}],
}


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


# -- refusals: the singleton, the shared value rules and the chart's own ---------------------

# name -> (values over values/eventstorming.yaml, field the error names, words of the reason)
REFUSALS: dict[str, tuple[dict[str, Any], str, str]] = {
    "rolling-update": (
        {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0}}},
        "updateStrategy.type",
        "two pods could take the same job",
    ),
    "autoscaling": (
        {"autoscaling": {"enabled": True, "maxReplicas": 3}},
        "autoscaling",
        "no HorizontalPodAutoscaler",
    ),
    "pod-disruption-budget": (
        {"podDisruptionBudget": {"enabled": True}},
        "podDisruptionBudget",
        "block every node drain",
    ),
    "reserved-pod-label": (
        {"podLabels": {"app.kubernetes.io/name": "other"}},
        "podLabels.app.kubernetes.io/name",
        "app.kubernetes.io/* and helm.sh/*",
    ),
    "reserved-instance-label": (
        {"podLabels": {"app.kubernetes.io/instance": "other"}},
        "podLabels.app.kubernetes.io/instance",
        "choose another label name",
    ),
    "env-sets-a-chart-variable": ({"env": {"HOME": "/root"}}, "env.HOME", "writableDirs.home"),
    "extra-env-sets-an-api-key": (
        {"extraEnv": [{"name": "OPENAI_API_KEY", "value": "not-a-real-one"}]},
        "extraEnv[0]",
        "apiKeys.env.OPENAI_API_KEY",
    ),
    "secret-looking-plain-env": (
        {"env": {"FIREBASE_TOKEN": "not-a-real-one"}},
        "env.FIREBASE_TOKEN",
        "read it from a Secret",
    ),
    "setting-shadowed-by-env": (
        {"env": {"LOG_LEVEL": "DEBUG"}},
        "settings.extra.LOG_LEVEL",
        "set it in one place",
    ),
    "setting-shadowed-by-extra-env": (
        {"extraEnv": [{"name": "LOG_LEVEL", "value": "DEBUG"}]},
        "settings.extra.LOG_LEVEL",
        "extraEnv[0], which would hide the setting",
    ),
    "cidr-prefix": (
        {"service.loadBalancerSourceRanges": ["203.0.113.0/24", "10.0.0.0/33"]},
        "service.loadBalancerSourceRanges[1]",
        "",
    ),
    "egress-cidr": (
        {"networkPolicy.egressHttps.cidr": "0.0.0.0/64"},
        "networkPolicy.egressHttps.cidr",
        "",
    ),
    "egress-except": (
        {"networkPolicy.egressHttps.except": ["169.254.169.254"]},
        "networkPolicy.egressHttps.except[0]",
        "",
    ),
    "quantity-2GB": ({"resources.limits.memory": "2GB"}, "resources.limits.memory", ""),
    "request-above-limit": ({"resources.requests.cpu": "500m"}, "resources.requests.cpu", ""),
    "tmp-size-zero": ({"tmpDir.sizeLimit": "0"}, "tmpDir.sizeLimit", ""),
    "home-size-zero": ({"writableDirs.home.sizeLimit": "0"}, "writableDirs.home.sizeLimit", ""),
    "probe-port-undeclared": ({"probes.liveness.port": 8080}, "probes.liveness.port", ""),
    "host-path": (
        {"extraVolumes": [{"name": "docker", "hostPath": {"path": "/var/run"}}]},
        "extraVolumes[0].hostPath",
        "",
    ),
    "volume-name-taken": (
        {"extraVolumes": [{"name": "home", "emptyDir": {}}]},
        "extraVolumes[0]",
        "defined by the chart already",
    ),
    "ingress-host": (
        {**INGRESS, "ingress": {**INGRESS["ingress"], "hosts": [{"host": "Not A Host"}]}},
        "ingress.hosts[0].host",
        "",
    ),
}


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("rule", REFUSALS)
def test_refusals_name_the_field_and_the_reason(refuse, rule: str, helm: str) -> None:
    values, field, words = REFUSALS[rule]
    error = refuse(values, helm=helm)
    assert names(error, field), error
    assert words in error, error
    assert "not-a-real-one" not in error
    assert "Traceback" not in error


def test_pod_labels_of_1x_that_were_dropped_are_refused_now_and_others_kept(render, refuse) -> None:
    """1.x dropped podLabels app.kubernetes.io/name and instance silently; 2.0.0 refuses any
    label the chart sets itself, and keeps the team's own labels."""
    deployment = render(set_values={"podLabels": {"team": "es"}}).get("Deployment")
    assert pod_template_metadata(deployment)["labels"]["team"] == "es"
    error = refuse({"podLabels": {"app.kubernetes.io/part-of": "x"}})
    assert "values error: podLabels.app.kubernetes.io/part-of:" in error


def test_the_chart_refuses_rolling_updates_whatever_the_surge(refuse) -> None:
    error = refuse({"updateStrategy": {"type": "RollingUpdate"}})
    assert 'updateStrategy.type: "RollingUpdate" is not allowed: must be Recreate' in error
    error = refuse({"updateStrategy": {"rollingUpdate": {"maxSurge": 1}}})
    assert "values error: updateStrategy.rollingUpdate: applies to RollingUpdate only" in error


@pytest.mark.parametrize("helm", HELMS)
def test_a_missing_container_port_is_refused(refuse, helm: str) -> None:
    error = refuse({"containerPorts": {"http": None}}, helm=helm)
    assert "values error: containerPorts.http: is required" in error


# -- renamed keys (renamed-keys.yaml) --------------------------------------------------------


OLD_VALUES: dict[str, Any] = {
    "containerPort": 2024,
    "probes.path": "/ok",
    "writableDirs.tmp.sizeLimit": "256Mi",
    "podAntiAffinity": "soft",
    "serviceAccount.automountToken": False,
}


def test_every_1x_key_is_in_the_table(renamed) -> None:
    assert {entry["key"] for entry in renamed} == set(OLD_VALUES)


@pytest.mark.parametrize("helm", HELMS)
def test_every_old_key_fails_naming_its_new_key(refuse, renamed, helm: str) -> None:
    assert_each_refused_naming_its_new_key(refuse, renamed, OLD_VALUES, helm)


def test_old_keys_are_admitted_by_the_schema_and_gone_from_the_defaults(repo_root, renamed) -> None:
    assert_admitted_and_not_a_default(repo_root / "charts" / CHART, renamed)
