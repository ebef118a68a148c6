"""charts/api values.schema.json: what it refuses, with an error naming the field, under both
pinned helm versions (they use different JSON Schema libraries and wordings)."""

from __future__ import annotations

import json
from typing import Any

import pytest

CHART = "api"
VALUES = "values/univprepai.yaml"
RELEASE = "univprepai-api"
NAMESPACE = "univprepai"
HELMS = ("4.1.4", "3.18.0")


@pytest.fixture(scope="session")
def refuse(chart_release):
    return chart_release(CHART, VALUES, release=RELEASE, namespace=NAMESPACE).refuse


def names_field(error: str, field: str) -> bool:
    """helm 4 says at '/a/b/0/c'; helm 3 says a.b.0.c."""
    return f"'/{field.replace('.', '/')}'" in error or f"- {field}:" in error


REJECTED: list[tuple[str, dict[str, Any], str]] = [
    ("unknown top-level key", {"replicas": 3}, "replicas"),
    ("unknown nested key", {"rollouts.strategy": "canary"}, "strategy"),
    ("unknown key in a step", {"rollouts.steps": [{"setWeigth": 10}]}, "setWeigth"),
    ("unknown analysis key", {"analysis.threshold": 0.3}, "threshold"),
]


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(("case", "values", "key"), REJECTED, ids=[c[0] for c in REJECTED])
def test_unknown_keys_are_rejected(refuse, helm, case, values, key) -> None:
    error = refuse(values, helm=helm)
    assert key in error
    assert "additional propert" in error.lower()


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("port", [0, 70000])
def test_port_out_of_range(refuse, helm, port) -> None:
    assert names_field(refuse({"service.port": port}, helm=helm), "service.port")


@pytest.mark.parametrize("helm", HELMS)
def test_metrics_adapter_port_out_of_range(refuse, helm) -> None:
    assert names_field(refuse({"metricsAdapter.port": 70000}, helm=helm), "metricsAdapter.port")


@pytest.mark.parametrize("helm", HELMS)
def test_version_is_canary_or_stable(refuse, helm) -> None:
    error = refuse({"version": "beta"}, helm=helm)
    assert names_field(error, "version")
    assert "canary" in error and "stable" in error


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("weight", [0, 101])
def test_weights_are_1_to_100(refuse, helm, weight) -> None:
    error = refuse({"rollouts.steps": [{"setWeight": weight}, {"analysis": {}}]}, helm=helm)
    assert names_field(error, "rollouts.steps.0.setWeight")


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_image_repository_is_required(refuse, helm, value) -> None:
    error = refuse({"image.repository": value}, helm=helm)
    assert "repository" in error
    assert names_field(error, "image") or names_field(error, "image.repository")


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rollouts.steps.0.pause.duration", "5 minutes"),
        ("rollouts.steps.0.pause.duration", "1d"),
        ("rollouts.steps.0.pause.duration", -1),
    ],
)
def test_pause_durations_as_argo_accepts_them(refuse, helm, field, value) -> None:
    error = refuse({"rollouts.steps": [{"pause": {"duration": value}}]}, helm=helm)
    assert names_field(error, field)


@pytest.mark.parametrize("helm", HELMS)
def test_analysis_interval_is_a_duration(refuse, helm) -> None:
    assert names_field(refuse({"analysis.interval": "1 minute"}, helm=helm), "analysis.interval")


@pytest.mark.parametrize("helm", HELMS)
def test_a_step_is_one_kind_of_step(refuse, helm) -> None:
    error = refuse({"rollouts.steps": [{"setWeight": 10, "pause": {}}]}, helm=helm)
    assert names_field(error, "rollouts.steps.0")


@pytest.mark.parametrize("helm", HELMS)
def test_thresholds_are_positive(refuse, helm) -> None:
    error = refuse({"analysis.successErrorRate": 0}, helm=helm)
    assert names_field(error, "analysis.successErrorRate")
    error = refuse({"analysis.successP95Seconds": -0.1}, helm=helm)
    assert names_field(error, "analysis.successP95Seconds")


@pytest.mark.parametrize("helm", HELMS)
def test_latest_tag_is_refused(refuse, helm) -> None:
    assert names_field(refuse({"image.tag": "latest"}, helm=helm), "image.tag")


@pytest.mark.parametrize("helm", HELMS)
def test_hostpath_volumes_are_refused(refuse, helm) -> None:
    error = refuse(
        {"extraVolumes": [{"name": "host", "hostPath": {"path": "/var/run"}}]}, helm=helm
    )
    assert names_field(error, "extraVolumes.0.hostPath")


@pytest.mark.parametrize("helm", HELMS)
def test_secret_looking_env_names_belong_in_secret_env(refuse, helm, render_chart) -> None:
    error = refuse({"env": {"DB_PASSWORD": "hunter2"}}, helm=helm)
    assert "DB_PASSWORD" in error
    # names of paths, URLs and timeouts are plain settings
    render_chart(
        CHART,
        VALUES,
        set_values={"env": {"TOKEN_URL": "https://auth.example.org/token", "API_KEY_FILE": "/k"}},
        release=RELEASE,
        namespace=NAMESPACE,
        helm=helm,
    )


@pytest.mark.parametrize("helm", HELMS)
def test_reserved_pod_labels_are_refused(refuse, helm) -> None:
    for label in ("version", "service", "app.kubernetes.io/name"):
        error = refuse({"podLabels": {label: "x"}}, helm=helm)
        assert label in error


# Raw Kubernetes structures (and the key Helm adds for the library chart), open on purpose.
RAW_OBJECTS = {
    ".common",
    ".podSecurityContext",
    ".containerSecurityContext",
    ".extraEnv[]",
    ".envFrom[]",
    ".extraVolumes[]",
    ".extraVolumeMounts[]",
    ".sidecars[]",
    ".metricsAdapter.volumeMounts[]",
    ".tolerations[]",
    ".affinity",
    ".topologySpreadConstraints[]",
    ".serviceMonitor.metricRelabelings[]",
    ".serviceMonitor.relabelings[]",
    ".autoscaling.behavior",
    ".networkPolicy.extraIngress[]",
    ".networkPolicy.egress.extra[]",
}


def test_schema_is_strict_at_every_level_the_chart_defines(repo_root) -> None:
    schema = json.loads((repo_root / "charts/api/values.schema.json").read_text())
    open_objects: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        if "$ref" in node:
            walk(schema["definitions"][node["$ref"].rsplit("/", 1)[-1]], path)
            return
        for sub in node.get("allOf", []) + node.get("anyOf", []) + node.get("oneOf", []):
            walk(sub, path)
        if node.get("type") == "object" or "properties" in node:
            extra = node.get("additionalProperties")
            if extra is not False and not isinstance(extra, dict):
                open_objects.append(path)
        for key, child in (node.get("properties") or {}).items():
            walk(child, f"{path}.{key}")
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{path}.*")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]")

    walk(schema, "")
    assert set(open_objects) == RAW_OBJECTS
    # maps of labels, annotations and env are typed: string keys to scalar values
    for key in ("podLabels", "podAnnotations", "nodeSelector", "env"):
        assert schema["properties"][key]["additionalProperties"]["type"]
