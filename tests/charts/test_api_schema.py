"""charts/api values.schema.json (assembled by `chartkit schema` from values.schema.source.json
and charts/common/schemas/): what it refuses, with an error naming the field, under both
pinned helm versions (they use different JSON Schema libraries and wordings), and what it
leaves to the templates, whose messages say more than a schema error can."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from chart_fixtures import chart_release_fixture

from helpers.helm_versions import HELMS

CHART = "api"
VALUES = "values/univprepai.yaml"
RELEASE = "univprepai-api"
NAMESPACE = "univprepai"


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


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


def names_value_field(error: str, field: str) -> bool:
    """The templates' errors (common.fail): "values error: <field>: <message>"."""
    return f"values error: {field}:" in error


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_image_repository_is_required(refuse, helm, value) -> None:
    error = refuse({"image.repository": value}, helm=helm)
    assert names_value_field(error, "image.repository")
    assert "is required" in error


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
@pytest.mark.parametrize("tag", ["latest", "LATEST"])
def test_latest_tag_is_refused_with_the_pin_message(refuse, helm, tag) -> None:
    error = refuse({"image.tag": tag}, helm=helm)
    assert names_value_field(error, "image.tag")
    assert "Pin a version tag" in error and "image.digest" in error
    assert "'not' failed" not in error and "const" not in error


@pytest.mark.parametrize("helm", HELMS)
def test_hostpath_volumes_are_refused(refuse, helm) -> None:
    error = refuse(
        {"extraVolumes": [{"name": "host", "hostPath": {"path": "/var/run"}}]}, helm=helm
    )
    assert names_value_field(error, "extraVolumes[0].hostPath")
    assert "restricted Pod Security Standard" in error


@pytest.mark.parametrize("helm", HELMS)
def test_secret_looking_env_names_come_from_a_secret(refuse, helm, render_chart) -> None:
    error = refuse({"env": {"DB_PASSWORD": "hunter2"}}, helm=helm)
    assert names_value_field(error, "env.DB_PASSWORD")
    assert "secretKeyRef" in error
    assert "hunter2" not in error  # never echo a secret value
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
@pytest.mark.parametrize("label", ["version", "service", "app.kubernetes.io/name", "helm.sh/x"])
def test_reserved_pod_labels_are_refused(refuse, helm, label) -> None:
    error = refuse({"podLabels": {label: "x"}}, helm=helm)
    assert names_value_field(error, f"podLabels.{label}")
    assert "choose another label name" in error


# Raw Kubernetes structures (and the key Helm adds for the library chart), open on purpose.
RAW_OBJECTS = {
    ".common",
    ".podSecurityContext",
    ".containerSecurityContext",
    ".lifecycle",
    ".extraEnv[]",
    ".envFrom[]",
    ".extraVolumes[]",
    ".extraVolumeMounts[]",
    ".tolerations[]",
    ".affinity",
    ".topologySpreadConstraints[]",
    ".serviceMonitor.metricRelabelings[]",
    ".serviceMonitor.relabelings[]",
    ".autoscaling.behavior",
    ".networkPolicy.extraIngress[]",
    ".networkPolicy.egress.extra[]",
    # validated in the rendered HTTPRoute against the Gateway API CRD
    ".rollouts.trafficRouting.gatewayAPI.matches[]",
}
# Containers (sidecars, initContainers, the metrics adapter) take the same container values
# as the API container: their raw structures are open in the same places.
CONTAINER_RAW = {
    ".containerSecurityContext",
    ".lifecycle",
    ".extraEnv[]",
    ".envFrom[]",
    ".extraVolumeMounts[]",
}


def test_schema_is_strict_at_every_level_the_chart_defines(repo_root) -> None:
    schema = json.loads((repo_root / "charts/api/values.schema.json").read_text())
    table = yaml.safe_load((repo_root / "charts/api/renamed-keys.yaml").read_text())["renamed"]
    renamed = {f".{e['key']}" for e in table if e.get("form") != "list"}
    open_objects: list[str] = []
    deprecated: set[str] = set()

    def walk(node: dict[str, Any], path: str) -> None:
        if node.get("deprecated") and "properties" not in node:
            deprecated.add(path)  # an old key, admitted so the templates can name its new one
            return
        if "$ref" in node:
            walk(schema["$defs"][node["$ref"].removeprefix("#/$defs/")], path)
            return
        for sub in node.get("allOf", []) + node.get("anyOf", []) + node.get("oneOf", []):
            walk(sub, path)
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "object" in kinds or "properties" in node:
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
    containers = {".sidecars.*", ".initContainers.*", ".metricsAdapter"}
    expected = RAW_OBJECTS | {f"{c}{raw}" for c in containers for raw in CONTAINER_RAW}
    assert set(open_objects) == expected
    assert deprecated == renamed
    # maps of labels, annotations and env are typed: string keys to scalar values
    for key in ("podLabels", "podAnnotations", "nodeSelector"):
        node = schema["properties"][key]
        node = schema["$defs"].get(node.get("$ref", "").removeprefix("#/$defs/"), node)
        assert node["additionalProperties"]["type"]
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_schema_uses_only_local_references(repo_root) -> None:
    """Helm reads the one file: every $ref points into it, and no source keyword is left."""
    text = (repo_root / "charts/api/values.schema.json").read_text()
    schema = json.loads(text)
    references = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            assert "$include" not in node
            if "$ref" in node:
                references.append(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(schema)
    assert references and all(r.startswith("#/$defs/") for r in references)
    for reference in references:
        assert reference.removeprefix("#/$defs/").split("/")[0] in schema["$defs"]
