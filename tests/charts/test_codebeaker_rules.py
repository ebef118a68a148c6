"""charts/codebeaker: values the chart refuses, each with a message naming the field.

The file queue supports at most 10 workers; the Redis queue lifts the limit. Schema
rejections (unknown keys, wrong types and ranges) and the cross-field rules.
"""

from __future__ import annotations

import pytest
from refusals import names

from chartkit.checks import policy
from chartkit.releases.manifest import container, pod_spec
from helpers.helm_versions import HELMS

CHART = "codebeaker"
API, WORKER, CONFIG = "codebeaker-api", "codebeaker-worker", "codebeaker-config"
REDIS = {"queue.type": "redis", "queue.redis.existingSecret": "codebeaker-redis"}


def assert_names_the_redis_way_out(error: str) -> None:
    assert "at most 10" in error
    assert "queue.type: redis" in error and "Secret" in error


# -- the file queue's worker maximum ---------------------------------------------------------


def test_worker_hpa_maximum_above_10_is_refused_with_the_file_queue(chart_error) -> None:
    error = chart_error(CHART, set_values={"worker.autoscaling.maxReplicas": 11})
    assert "worker.autoscaling.maxReplicas" in error and "11" in error
    assert_names_the_redis_way_out(error)


def test_worker_hpa_minimum_above_10_is_refused_with_the_file_queue(chart_error) -> None:
    error = chart_error(
        CHART,
        set_values={"worker.autoscaling.minReplicas": 12, "worker.autoscaling.maxReplicas": 12},
    )
    assert "worker.autoscaling.minReplicas" in error
    assert_names_the_redis_way_out(error)


def test_worker_replicas_above_10_are_refused_without_hpa(chart_error) -> None:
    error = chart_error(
        CHART, set_values={"worker.autoscaling.enabled": False, "worker.replicaCount": 11}
    )
    assert "worker.replicaCount" in error
    assert_names_the_redis_way_out(error)


def test_the_rule_holds_for_the_overlay_replica_count(chart_error) -> None:
    error = chart_error(
        CHART,
        "values/codebeaker-dev.yaml",
        set_values={"global.autoscaling": False, "global.replicaCount": 12},
    )
    assert "global.replicaCount" in error and "12" in error
    assert_names_the_redis_way_out(error)


def test_the_rule_holds_for_the_overlay_minimum(chart_error) -> None:
    error = chart_error(CHART, "values/codebeaker-prod.yaml", set_values={"global.minReplicas": 11})
    assert "global.minReplicas" in error
    assert_names_the_redis_way_out(error)


def test_ten_workers_are_allowed(render_chart) -> None:
    manifest = render_chart(
        CHART, set_values={"worker.autoscaling.enabled": False, "worker.replicaCount": 10}
    )
    assert manifest.get("Deployment", WORKER)["spec"]["replicas"] == 10


def test_a_surging_worker_rollout_is_refused_with_the_file_queue(chart_error) -> None:
    error = chart_error(CHART, set_values={"worker.updateStrategy.rollingUpdate.maxSurge": 1})
    assert "worker.updateStrategy.rollingUpdate.maxSurge" in error and "10" in error


# -- the Redis queue -----------------------------------------------------------------------


def test_redis_queue_lifts_the_worker_limit(render_chart) -> None:
    manifest = render_chart(
        CHART,
        set_values={
            **REDIS,
            "worker.autoscaling.maxReplicas": 40,
            "worker.updateStrategy.rollingUpdate.maxSurge": "25%",
        },
    )
    assert manifest.get("HorizontalPodAutoscaler", WORKER)["spec"]["maxReplicas"] == 40
    assert (
        manifest.get("Deployment", WORKER)["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == "25%"
    )
    assert manifest.get("ConfigMap", CONFIG)["data"]["QUEUE_TYPE"] == "redis"


def test_redis_url_comes_from_the_secret_in_both_components(render_chart) -> None:
    manifest = render_chart(CHART, set_values={**REDIS, "queue.redis.secretKey": "redis-url"})
    for name in (API, WORKER):
        env = {
            e["name"]: e for e in pod_spec(manifest.get("Deployment", name))["containers"][0]["env"]
        }
        assert env["REDIS_URL"] == {
            "name": "REDIS_URL",
            "valueFrom": {"secretKeyRef": {"name": "codebeaker-redis", "key": "redis-url"}},
        }
    assert policy.check(manifest.objects) == []


def test_file_queue_has_no_redis_env(render_chart) -> None:
    manifest = render_chart(CHART)
    for name in (API, WORKER):
        env = [
            e["name"]
            for e in container(manifest.get("Deployment", name), name.split("-")[-1])["env"]
        ]
        assert "REDIS_URL" not in env


def test_redis_queue_requires_its_secret(chart_error) -> None:
    error = chart_error(CHART, set_values={"queue.type": "redis"})
    assert "queue.redis.existingSecret" in error and "Secret" in error


# -- other cross-field rules ------------------------------------------------------------------


def test_worker_grace_period_must_outlast_a_job(chart_error) -> None:
    error = chart_error(CHART, set_values={"config.executionTimeoutSeconds": 60})
    assert "worker.terminationGracePeriodSeconds" in error
    assert "config.executionTimeoutSeconds" in error


def test_api_grace_period_must_outlast_the_prestop_sleep(chart_error) -> None:
    error = chart_error(CHART, set_values={"api.preStopSleepSeconds": 30})
    assert (
        "values error: api.preStopSleepSeconds: 30 must be below terminationGracePeriodSeconds"
        in error
    )


def test_prestop_sleep_zero_removes_the_hook(render_chart) -> None:
    manifest = render_chart(CHART, set_values={"api.preStopSleepSeconds": 0})
    assert "lifecycle" not in container(manifest.get("Deployment", API), "api")


@pytest.mark.parametrize(
    "label", ["app.kubernetes.io/name", "app.kubernetes.io/component", "helm.sh/chart"]
)
def test_pod_labels_may_not_replace_the_charts_own(chart_error, label: str) -> None:
    error = chart_error(CHART, set_values={"worker.podLabels": {label: "x"}})
    assert "worker.podLabels" in error and label in error


def test_extra_settings_may_not_replace_derived_ones(chart_error) -> None:
    error = chart_error(CHART, set_values={"config.extra": {"QUEUE_BASE_DIR": "/tmp/queue"}})
    assert "config.extra.QUEUE_BASE_DIR" in error


def test_extra_settings_must_be_env_var_names(chart_error) -> None:
    error = chart_error(CHART, set_values={"config.extra": {"log-level": "debug"}})
    assert "config.extra" in error and "log-level" in error


@pytest.mark.parametrize("field", ["api.image.tag", "worker.image.tag"])
def test_latest_tag_is_refused(chart_error, field: str) -> None:
    error = chart_error(CHART, set_values={field: "latest"})
    assert field in error and "latest" in error


# -- schema -------------------------------------------------------------------------------


def schema_path(field: str) -> str:
    """Helm 4 names the field as a JSON pointer, helm 3 with dots."""
    return "/" + field.replace(".", "/")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"replicas": 3}, ""),
        ({"worker.runtime.socket": True}, "worker.runtime"),
        ({"api.probes.readiness.url": "/ready"}, "api.probes.readiness"),
        ({"persistence.accessModes": ["ReadWriteOnce"]}, "persistence"),
        ({"networkPolicy.worker.ingressFrom": []}, "networkPolicy.worker"),
    ],
    ids=lambda v: v if isinstance(v, str) else next(iter(v)),
)
def test_schema_rejects_unknown_keys(chart_error, values, field: str) -> None:
    error = chart_error(CHART, set_values=values)
    assert "additional properties" in error
    assert f"'{schema_path(field) if field else ''}'" in error
    assert repr(next(iter(values)).split(".")[-1]) in error


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("api.containerPort", 0),
        ("api.containerPort", 70000),
        ("api.service.port", 0),
        ("api.loadBalancer.port", 65536),
        ("queue.type", "kafka"),
        ("worker.runtime.mode", "privileged"),
        ("worker.autoscaling.minReplicas", 0),
        ("api.autoscaling.targetCPUUtilizationPercentage", 0),
        ("api.replicaCount", 0),
        ("api.loadBalancer.externalTrafficPolicy", "Nearest"),
        ("persistence.size", "ten gigabytes"),
        ("worker.runtime.dockerSocket.groupId", -1),
        ("api.podAntiAffinityPreset", "always"),
        ("config.workerConcurrency", 0),
        (
            "ingress.hosts",
            [{"host": "codebeaker.example.com", "paths": [{"path": "/", "pathType": "Regex"}]}],
        ),
    ],
    ids=lambda v: str(v),
)
def test_schema_rejects_out_of_range_values(chart_error, field: str, value) -> None:
    error = chart_error(CHART, set_values={field: value})
    assert "schema" in error
    assert schema_path(field) in error


def test_helm_3_names_the_field_too(chart_error) -> None:
    error = chart_error(CHART, set_values={"api.containerPort": 70000}, helm="3.18.0")
    assert "api.containerPort" in error


# -- the workload model's rules, on both workloads -------------------------------------------

HOST_PATH = {"name": "host", "hostPath": {"path": "/var/lib"}}

# name -> (values given over the chart's defaults, field the error names, words of the fix)
MODEL_RULES: dict[str, tuple[dict, str, str]] = {
    "worker-cpu-request-above-limit": (
        {"worker.resources.requests.cpu": "2"},
        "worker.resources.requests.cpu",
        "2 is above worker.resources.limits.cpu (1000m)",
    ),
    "api-memory-request-above-limit": (
        {"api.resources.requests.memory": "1Gi"},
        "api.resources.requests.memory",
        "lower the request or raise the limit",
    ),
    "worker-hpa-min-above-max": (
        {"worker.autoscaling.minReplicas": 5, "worker.autoscaling.maxReplicas": 4},
        "worker.autoscaling.minReplicas",
        "5 is above worker.autoscaling.maxReplicas (4)",
    ),
    "api-probe-port-undeclared": (
        {"api.probes.liveness.port": "admin"},
        "api.probes.liveness.port",
        "admin is not a port of container api (its ports: http (5039))",
    ),
    "worker-env-twice": (
        {"worker.extraEnv": [{"name": "WORKER_HEARTBEAT_FILE", "value": "/tmp/x"}]},
        "worker.extraEnv[0]",
        "sets WORKER_HEARTBEAT_FILE, which the chart (worker.heartbeat.path) sets already",
    ),
    "api-secret-as-plain-value": (
        {"api.env": {"API_SIGNING_KEY": "hunter2"}},
        "api.env.API_SIGNING_KEY",
        "read it from a Secret instead",
    ),
    "worker-host-path": (
        {"worker.extraVolumes": [HOST_PATH]},
        "worker.extraVolumes[0].hostPath",
        "hostPath volumes are not allowed",
    ),
    "api-repository-empty": ({"api.image.repository": ""}, "api.image.repository", "is required"),
    "worker-runtime-class-name": (
        {"worker.runtimeClassName": "kata"},
        "worker.runtimeClassName",
        "worker.runtime.runtimeClassName: kata",
    ),
}


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("rule", MODEL_RULES)
def test_the_models_rules_name_the_workloads_field(chart_error, rule: str, helm: str) -> None:
    values, field, words = MODEL_RULES[rule]
    error = chart_error(CHART, set_values=values, helm=helm)
    assert f"values error: {field}:" in error, error
    assert words in error, error
    assert "hunter2" not in error


# name -> (values, field); helm's schema check names the field (helm 4 as a JSON pointer,
# helm 3 with dots) before a template would.
SCHEMA_RULES: dict[str, tuple[dict, str]] = {
    "quantity-2GB": ({"worker.resources.limits.memory": "2GB"}, "worker.resources.limits.memory"),
    "load-balancer-cidr": (
        {"api.loadBalancer.loadBalancerSourceRanges": ["10.0.0.0/33"]},
        "api.loadBalancer.loadBalancerSourceRanges.0",
    ),
    "network-policy-cidr": (
        {"networkPolicy.api.loadBalancerCIDRs": ["300.1.1.1/8"]},
        "networkPolicy.api.loadBalancerCIDRs.0",
    ),
    "storage-size-zero": ({"persistence.size": "0"}, "persistence.size"),
    "storage-class": (
        {"persistence.storageClassName": "nfs client"},
        "persistence.storageClassName",
    ),
    "ingress-host": (
        {"ingress.enabled": True, "ingress.hosts": [{"host": "not a host!"}]},
        "ingress.hosts.0.host",
    ),
    "tmp-size-zero": ({"worker.tmpDir.sizeLimit": "0"}, "worker.tmpDir.sizeLimit"),
}


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("rule", SCHEMA_RULES)
def test_the_shared_schema_parts_name_the_field(chart_error, rule: str, helm: str) -> None:
    values, field = SCHEMA_RULES[rule]
    error = chart_error(CHART, set_values=values, helm=helm)
    assert names(error, field), error
