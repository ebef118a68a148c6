"""charts/r-analytics refusals: the workload model's value rules as they apply to the chart,
the chart's own (its port, the token's one source), and the 1.x keys renamed in 2.0.0, each
refused naming the field under both pinned helm versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_fixtures import chart_release_fixture
from refusals import (
    assert_admitted_and_not_a_default,
    assert_each_refused_naming_its_new_key,
    names,
)

from helpers.helm_versions import HELMS

CHART = "r-analytics"
VALUES = "values/r-analytics.yaml"
RELEASE = "r-analytics"
NAMESPACE = "seedtest"


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


# -- refusals: the shared value rules and the chart's own -------------------------------------

# name -> (values over values/r-analytics.yaml, field the error names)
REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    # the old pattern ^[0-9.]+[a-zA-Z]*$ let these through; the shared one refuses them
    "quantity-8gb": ({"resources.requests.memory": "8gb"}, "resources.requests.memory"),
    "quantity-1.2.3": ({"resources.limits.cpu": "1.2.3"}, "resources.limits.cpu"),
    "request-above-limit": ({"resources.requests.cpu": "5"}, "resources.requests.cpu"),
    "hpa-min-above-max": (
        {"autoscaling.minReplicas": 11, "autoscaling.maxReplicas": 10},
        "autoscaling.minReplicas",
    ),
    "hpa-max-above-bound": ({"autoscaling.maxReplicas": 201}, "autoscaling.maxReplicas"),
    "replicas-zero": ({"replicaCount": 0}, "replicaCount"),
    "tmp-size-zero": ({"tmpDir.sizeLimit": "0"}, "tmpDir.sizeLimit"),
    "tmp-size-2GB": ({"tmpDir.sizeLimit": "2GB"}, "tmpDir.sizeLimit"),
    "probe-port-undeclared": ({"probes.liveness.port": "admin"}, "probes.liveness.port"),
    "both-surge-and-unavailable-zero": (
        {"updateStrategy.rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
        "updateStrategy.rollingUpdate",
    ),
    "pre-stop-beyond-grace": ({"preStopSleepSeconds": 60}, "preStopSleepSeconds"),
    "reserved-pod-label": ({"podLabels": {"app.kubernetes.io/name": "other"}}, ""),
    "helm-pod-label": ({"podLabels": {"helm.sh/chart": "x"}}, ""),
    "host-path": (
        {"extraVolumes": [{"name": "host", "hostPath": {"path": "/var/lib"}}]},
        "extraVolumes[0].hostPath",
    ),
    "container-port-zero": ({"containerPorts.http": 0}, "containerPorts.http"),
    "anti-affinity-unknown": ({"podAntiAffinityPreset": "always"}, "podAntiAffinityPreset"),
    "store-kind": (
        {"externalSecret.secretStoreRef.kind": "Vault"},
        "externalSecret.secretStoreRef.kind",
    ),
    "service-port": ({"service.port": 70000}, "service.port"),
    "token-in-extra-env": (
        {"extraEnv": [{"name": "R_ANALYTICS_INTERNAL_TOKEN", "value": "x"}]},
        "extraEnv[0]",
    ),
    "secret-looking-plain-env": ({"env": {"DB_PASSWORD": "not-a-real-one"}}, "env.DB_PASSWORD"),
}


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("rule", REFUSALS)
def test_refusals_name_the_field(refuse, rule: str, helm: str):
    values, field = REFUSALS[rule]
    error = refuse(values, helm=helm)
    if field:
        assert names(error, field), error
    else:  # a reserved label: the templates name podLabels.<label> and the reserved names
        [label] = values["podLabels"]
        assert f"values error: podLabels.{label}:" in error, error
        assert "app.kubernetes.io/* and helm.sh/*" in error
    assert "not-a-real-one" not in error
    assert "Traceback" not in error


@pytest.mark.parametrize("helm", HELMS)
def test_a_quantity_kubernetes_would_refuse_is_refused_by_the_schema(refuse, helm: str):
    """2GB reached chartkit's quantity parser through the old schema and crashed it; the
    shared quantity part stops it at helm's schema check, with what a quantity looks like."""
    error = refuse({"resources": {"limits": {"memory": "2GB"}}}, helm=helm)
    assert names(error, "resources.limits.memory"), error
    assert "does not match pattern" in error.lower()


@pytest.mark.parametrize("helm", HELMS)
def test_hpa_min_above_max_names_both_bounds(refuse, helm: str):
    error = refuse({"autoscaling.minReplicas": 11, "autoscaling.maxReplicas": 10}, helm=helm)
    assert (
        "values error: autoscaling.minReplicas: 11 is above autoscaling.maxReplicas (10)" in error
    )


@pytest.mark.parametrize("helm", HELMS)
def test_unknown_keys_are_refused(refuse, helm):
    assert "replicas" in refuse({"replicas": 3}, helm=helm)
    error = refuse({"autoscaling.targetCPU": 50}, helm=helm)
    assert "autoscaling" in error and "targetCPU" in error


@pytest.mark.parametrize("helm", HELMS)
def test_a_missing_container_port_is_refused(refuse, helm: str):
    error = refuse({"containerPorts": {"http": None, "metrics": 9100}}, helm=helm)
    assert "values error: containerPorts.http: is required" in error


# -- renamed keys (renamed-keys.yaml) --------------------------------------------------------


OLD_VALUES: dict[str, Any] = {
    "containerPort": 8010,
    "rollingUpdate.maxSurge": 1,
    "probes.path": "/health",
    "tmpVolume.sizeLimit": "1Gi",
    "pdb": {"enabled": True},
    "podAntiAffinity": "soft",
    "serviceAccount.automountToken": False,
}


def test_every_1x_key_is_in_the_table(renamed):
    assert {entry["key"] for entry in renamed} == set(OLD_VALUES)


@pytest.mark.parametrize("helm", HELMS)
def test_every_old_key_fails_naming_its_new_key(refuse, renamed, helm: str):
    assert_each_refused_naming_its_new_key(refuse, renamed, OLD_VALUES, helm)


def test_old_keys_are_admitted_by_the_schema_and_gone_from_the_defaults(repo_root, renamed):
    assert_admitted_and_not_a_default(repo_root / "charts" / CHART, renamed)


def test_a_1x_values_file_fails_naming_every_old_key(chart_error, tmp_path: Path):
    old = tmp_path / "r-analytics-1x.yaml"
    old.write_text(
        yaml.safe_dump(
            {
                "containerPort": 8010,
                "rollingUpdate": {"maxSurge": 1},
                "probes": {"path": "/health"},
                "tmpVolume": {"sizeLimit": "1Gi"},
                "podAntiAffinity": "soft",
            }
        )
    )
    error = chart_error(CHART, VALUES, str(old), release=RELEASE, namespace=NAMESPACE)
    assert (
        "values error: containerPort, rollingUpdate.maxSurge, probes.path, tmpVolume.sizeLimit, "
        "podAntiAffinity:" in error
    )
    assert "probes.path is now probes.startup.path and probes.readiness.path and " in error
