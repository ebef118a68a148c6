"""Unit tests for chartkit.checks.schema (strict schema validation) and
chartkit.checks.crd_schema."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chartkit.checks.crd_schema import strict_schema
from chartkit.checks.schema import MAX_ERRORS_PER_OBJECT, SchemaProblem, SchemaValidator

Object = dict[str, Any]
VERSIONS = ["1.30", "1.36"]


@pytest.fixture(scope="module")
def validator(repo_root: Path) -> SchemaValidator:
    return SchemaValidator(VERSIONS, repo_root / "ci" / "crds")


def problems(validator: SchemaValidator, obj: Object) -> set[tuple[str, str]]:
    """(path, message) of every problem, asserting each is reported for every version."""
    found = validator.validate(obj)
    by_version = {v: {(p.path, p.message) for p in found if p.kube_version == v} for v in VERSIONS}
    assert by_version["1.30"] == by_version["1.36"], found
    return by_version["1.30"]


def paths(validator: SchemaValidator, obj: Object) -> set[str]:
    return {path for path, _ in problems(validator, obj)}


def the_problem(validator: SchemaValidator, obj: Object) -> tuple[str, str]:
    found = problems(validator, obj)
    assert len(found) == 1, found
    return next(iter(found))


# -- example objects ---------------------------------------------------------------------------


def deployment() -> Object:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "web:1.0",
                            "ports": [{"containerPort": 8080}],
                            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                        }
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def service_monitor() -> Object:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "web", "labels": {"release": "prometheus"}},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "namespaceSelector": {"matchNames": ["shop"]},
            "endpoints": [
                {"port": "http", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
            ],
        },
    }


def pod_monitor() -> Object:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "worker"},
        "spec": {
            "selector": {"matchLabels": {"app": "worker"}},
            "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics"}],
        },
    }


def prometheus_rule() -> Object:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "web"},
        "spec": {
            "groups": [
                {
                    "name": "web",
                    "rules": [
                        {
                            "alert": "WebDown",
                            "expr": "up{job='web'} == 0",
                            "for": "5m",
                            "labels": {"severity": "page"},
                            "annotations": {"summary": "web is down"},
                        },
                        {"record": "job:up:sum", "expr": "sum by (job) (up)"},
                    ],
                }
            ]
        },
    }


def rollout() -> Object:
    obj = deployment()
    obj["apiVersion"] = "argoproj.io/v1alpha1"
    obj["kind"] = "Rollout"
    obj["spec"]["strategy"] = {
        "canary": {
            "maxSurge": "25%",
            "maxUnavailable": 0,
            "steps": [{"setWeight": 20}, {"pause": {"duration": "1m"}}, {"setWeight": 100}],
            "analysis": {"templates": [{"templateName": "success-rate"}]},
        }
    }
    return obj


def analysis_template() -> Object:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "success-rate"},
        "spec": {
            "args": [{"name": "service"}],
            "metrics": [
                {
                    "name": "success-rate",
                    "interval": "1m",
                    "successCondition": "result[0] >= 0.95",
                    "failureLimit": 3,
                    "provider": {
                        "prometheus": {
                            "address": "http://prometheus.monitoring:9090",
                            "query": "sum(rate(http_requests_total{code!~'5..'}[5m]))",
                        }
                    },
                }
            ],
        },
    }


def external_secret() -> Object:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "web-db"},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "aws", "kind": "SecretStore"},
            "target": {"name": "web-db", "creationPolicy": "Owner"},
            "data": [{"secretKey": "password", "remoteRef": {"key": "shop/web/db"}}],
        },
    }


def secret_store() -> Object:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "SecretStore",
        "metadata": {"name": "aws"},
        "spec": {
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-west-1",
                    "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets"}}},
                }
            }
        },
    }


def at(obj: Object, dotted: str) -> Any:
    node: Any = obj
    for part in dotted.split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


# Each custom resource: a valid example, and a typo at a path (parent path, bad key).
CUSTOM_RESOURCES = {
    "ServiceMonitor": (service_monitor, "spec.endpoints.0", "intervall"),
    "PodMonitor": (pod_monitor, "spec", "podMetricsEndpoint"),
    "PrometheusRule": (prometheus_rule, "spec.groups.0.rules.0", "annotation"),
    "Rollout": (rollout, "spec.strategy.canary", "maxSurges"),
    "AnalysisTemplate": (analysis_template, "spec.metrics.0.provider.prometheus", "querry"),
    "ExternalSecret": (external_secret, "spec.secretStoreRef", "nmae"),
    "SecretStore": (secret_store, "spec.provider.aws", "regoin"),
}


def dotted_path(path: str) -> str:
    """spec.endpoints.0 -> spec.endpoints[0], as SchemaProblem paths are written."""
    out = ""
    for part in path.split("."):
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


# -- core kinds --------------------------------------------------------------------------------


def test_valid_deployment_passes(validator: SchemaValidator) -> None:
    assert validator.validate(deployment()) == []


def test_valid_core_objects_of_grouped_api_versions_pass(validator: SchemaValidator) -> None:
    objects = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "r"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "n"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "h"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "w"},
                "maxReplicas": 3,
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "p"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "w"}}},
        },
    ]
    assert validator.validate_all(objects) == []


def test_unknown_field_in_core_object_is_reported_with_its_path(
    validator: SchemaValidator,
) -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    found = validator.validate(obj)
    assert [(p.kube_version, p.object, p.path) for p in found] == [
        ("1.30", "Deployment/web", "spec.template.spec.containers[0]"),
        ("1.36", "Deployment/web", "spec.template.spec.containers[0]"),
    ]
    assert all("unknown field" in p.message and "imagePullPolcy" in p.message for p in found)
    assert str(found[0]) == (
        "[k8s 1.30] Deployment/web spec.template.spec.containers[0]: " + found[0].message
    )


def test_unknown_top_level_field(validator: SchemaValidator) -> None:
    obj = deployment()
    obj["sepc"] = {}
    path, message = the_problem(validator, obj)
    assert path == ""
    assert "sepc" in message
    assert str(SchemaProblem("1.30", "Deployment/web", "", message)).startswith(
        "[k8s 1.30] Deployment/web: "
    )


def test_wrong_type_is_reported(validator: SchemaValidator) -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "two"
    path, message = the_problem(validator, obj)
    assert path == "spec.replicas"
    assert "'two' is not of type 'integer'" in message


def test_missing_required_field_in_core_object(validator: SchemaValidator) -> None:
    obj = deployment()
    del obj["spec"]["template"]["spec"]["containers"][0]["name"]
    assert problems(validator, obj) == {
        ("spec.template.spec.containers[0]", "'name' is a required property")
    }


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("example.com/v1", "Widget"),
        ("apps/v1beta1", "Deployment"),
        ("extensions/v1beta1", "Ingress"),
        ("monitoring.coreos.com/v1alpha1", "ServiceMonitor"),
    ],
)
def test_unknown_kind_is_an_error(validator: SchemaValidator, api_version: str, kind: str) -> None:
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {}}
    found = validator.validate(obj)
    assert [p.kube_version for p in found] == VERSIONS
    for problem in found:
        assert problem.path == ""
        assert problem.message.startswith(f"unknown kind: no schema for {kind} in {api_version}")


def test_crd_version_that_is_not_served_is_an_unknown_kind(validator: SchemaValidator) -> None:
    """The pinned external-secrets CRDs keep v1beta1 only as `served: false`."""
    obj = external_secret()
    obj["apiVersion"] = "external-secrets.io/v1beta1"
    found = validator.validate(obj)
    assert [p.kube_version for p in found] == VERSIONS
    assert all("unknown kind" in p.message for p in found), found


def test_missing_api_version_or_kind(validator: SchemaValidator) -> None:
    obj = deployment()
    del obj["apiVersion"]
    (problem,) = validator.validate(obj)
    assert problem.message == "apiVersion and kind are required"
    assert problem.object == "Deployment/web"


def test_each_kubernetes_version_has_its_own_schema(validator: SchemaValidator) -> None:
    """Pod-level resources exist in the 1.36 PodSpec, not in 1.30."""
    obj = deployment()
    obj["spec"]["template"]["spec"]["resources"] = {"limits": {"cpu": "1"}}
    found = validator.validate(obj)
    assert [(p.kube_version, p.path) for p in found] == [("1.30", "spec.template.spec")]
    assert "resources" in found[0].message


def test_problems_per_object_are_capped(validator: SchemaValidator) -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"] = [
        {"name": f"c{i}", "image": "x:1", "typo": True} for i in range(MAX_ERRORS_PER_OBJECT + 5)
    ]
    found = validator.validate(obj)
    assert len(found) == 2 * MAX_ERRORS_PER_OBJECT


# -- custom resources --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(CUSTOM_RESOURCES))
def test_valid_custom_resource_passes(validator: SchemaValidator, kind: str) -> None:
    factory, _, _ = CUSTOM_RESOURCES[kind]
    obj = factory()
    assert validator.is_custom_resource(obj)
    assert validator.validate(obj) == []


@pytest.mark.parametrize("kind", sorted(CUSTOM_RESOURCES))
def test_typo_in_custom_resource_is_reported_with_its_path(
    validator: SchemaValidator, kind: str
) -> None:
    factory, parent, typo = CUSTOM_RESOURCES[kind]
    obj = factory()
    at(obj, parent)[typo] = "x"
    path, message = the_problem(validator, obj)
    assert path == dotted_path(parent)
    assert "unknown field" in message and repr(typo) in message


@pytest.mark.parametrize("value", [8080, "http"])
def test_service_monitor_target_port_is_int_or_string(
    validator: SchemaValidator, value: Any
) -> None:
    obj = service_monitor()
    endpoint = obj["spec"]["endpoints"][0]
    del endpoint["port"]
    endpoint["targetPort"] = value
    assert validator.validate(obj) == []


@pytest.mark.parametrize("value", [True, 8.5, ["http"]])
def test_service_monitor_target_port_rejects_other_types(
    validator: SchemaValidator, value: Any
) -> None:
    obj = service_monitor()
    obj["spec"]["endpoints"][0]["targetPort"] = value
    assert paths(validator, obj) == {"spec.endpoints[0].targetPort"}


@pytest.mark.parametrize("value", [1, "25%"])
def test_rollout_max_surge_is_int_or_string(validator: SchemaValidator, value: Any) -> None:
    obj = rollout()
    obj["spec"]["strategy"]["canary"]["maxSurge"] = value
    assert validator.validate(obj) == []


def test_rollout_max_surge_rejects_an_object(validator: SchemaValidator) -> None:
    obj = rollout()
    obj["spec"]["strategy"]["canary"]["maxSurge"] = {"percent": 25}
    assert paths(validator, obj) == {"spec.strategy.canary.maxSurge"}


@pytest.mark.parametrize(
    ("factory", "parent", "required"),
    [
        (prometheus_rule, "spec.groups.0", "name"),
        (analysis_template, "spec.metrics.0", "provider"),
        (secret_store, "spec", "provider"),
        (service_monitor, "spec", "endpoints"),
        (pod_monitor, "spec", "selector"),
    ],
    ids=["PrometheusRule", "AnalysisTemplate", "SecretStore", "ServiceMonitor", "PodMonitor"],
)
def test_missing_required_field_in_custom_resource(
    validator: SchemaValidator, factory: Any, parent: str, required: str
) -> None:
    obj = factory()
    del at(obj, parent)[required]
    assert problems(validator, obj) == {
        (dotted_path(parent), f"{required!r} is a required property")
    }


def test_enum_violation_in_custom_resource(validator: SchemaValidator) -> None:
    obj = external_secret()
    obj["spec"]["target"]["creationPolicy"] = "Sometimes"
    path, message = the_problem(validator, obj)
    assert path == "spec.target.creationPolicy"
    assert "'Sometimes' is not one of" in message and "'Owner'" in message


def test_rollout_pod_template_typo_is_reported_once(validator: SchemaValidator) -> None:
    obj = rollout()
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    found = validator.validate(obj)
    assert [(p.kube_version, p.path) for p in found] == [
        ("1.30", "spec.template.spec.containers[0]"),
        ("1.36", "spec.template.spec.containers[0]"),
    ]
    assert all("imagePullPolcy" in p.message for p in found)


def test_rollout_pod_template_is_checked_as_core_where_the_crd_is_open(
    validator: SchemaValidator,
) -> None:
    """The Rollout CRD keeps volumes open (preserve-unknown-fields); core PodSpec does not."""
    obj = rollout()
    obj["spec"]["template"]["spec"]["volumes"][0] = {"name": "tmp", "emptyDirr": {}}
    path, message = the_problem(validator, obj)
    assert path == "spec.template.spec.volumes[0]"
    assert "emptyDirr" in message


def test_rollout_pod_template_wrong_type(validator: SchemaValidator) -> None:
    obj = rollout()
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    assert "spec.template.spec.containers[0].ports[0].containerPort" in paths(validator, obj)


@pytest.mark.parametrize("kind", ["ServiceMonitor", "ExternalSecret", "Rollout"])
def test_metadata_typo_in_custom_resource_is_reported(
    validator: SchemaValidator, kind: str
) -> None:
    obj = CUSTOM_RESOURCES[kind][0]()
    obj["metadata"]["lables"] = {"app": "web"}
    path, message = the_problem(validator, obj)
    assert path == "metadata"
    assert "lables" in message


def test_metadata_wrong_type_in_custom_resource(validator: SchemaValidator) -> None:
    obj = service_monitor()
    obj["metadata"]["labels"]["replicas"] = 3
    path, _ = the_problem(validator, obj)
    assert path == "metadata.labels.replicas"


def test_unknown_kube_version_is_refused(repo_root: Path) -> None:
    validator = SchemaValidator(["1.99"], repo_root / "ci" / "crds")
    with pytest.raises(ValueError, match=r"no strict schemas for 1\.99"):
        validator.validate(deployment())


def test_each_schema_is_compiled_once(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crds = tmp_path / "crds"
    crds.mkdir()
    shutil.copy(repo_root / "ci/crds/monitoring.coreos.com_prometheusrules.yaml", crds)
    compiled: list[Any] = []
    original = jsonschema.Draft202012Validator

    def counting(schema: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(schema)
        return original(schema, *args, **kwargs)

    monkeypatch.setattr(jsonschema, "Draft202012Validator", counting)
    validator = SchemaValidator(["1.30"], crds)
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80}]},
    }
    broken = deployment()
    broken["spec"]["replicas"] = "two"
    for _ in range(10):
        assert validator.validate(deployment()) == []
        assert validator.validate(service) == []
        assert validator.validate(prometheus_rule()) == []
        assert len(validator.validate(widget)) == 1
        assert len(validator.validate(broken)) == 1
    # Deployment, Service, PrometheusRule and (for the CR's metadata) ObjectMeta
    assert len(compiled) == 4
    assert set(validator._validators) == {
        ("1.30", "apps/v1", "Deployment"),
        ("1.30", "v1", "Service"),
        ("1.30", "monitoring.coreos.com/v1", "PrometheusRule"),
        ("1.30", "example.com/v1", "Widget"),
    }


# -- crd_schema.strict_schema ------------------------------------------------------------------


def accepts(schema: dict[str, Any], instance: Any) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(instance)


def structural(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def test_objects_with_properties_become_closed_at_every_depth() -> None:
    schema = strict_schema(
        structural(
            spec=structural(
                items={"type": "array", "items": structural(name={"type": "string"})},
                byName={"type": "object", "additionalProperties": structural(x={"type": "string"})},
            )
        )
    )
    assert accepts(schema, {"spec": {"items": [{"name": "a"}], "byName": {"k": {"x": "1"}}}})
    assert not accepts(schema, {"extra": 1})
    assert not accepts(schema, {"spec": {"extra": 1}})
    assert not accepts(schema, {"spec": {"items": [{"nmae": "a"}]}})
    assert not accepts(schema, {"spec": {"byName": {"k": {"y": "1"}}}})


def test_preserve_unknown_fields_keeps_an_object_open() -> None:
    schema = strict_schema(
        structural(
            config={
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "properties": {"known": {"type": "string"}},
            }
        )
    )
    assert accepts(schema, {"config": {"known": "a", "anything": {"nested": [1]}}})
    assert not accepts(schema, {"config": {"known": 1}})
    assert not accepts(schema, {"other": {}})


def test_nullable_accepts_null() -> None:
    schema = strict_schema(structural(a={"type": "string", "nullable": True}, b={"type": "string"}))
    assert accepts(schema, {"a": None, "b": "x"})
    assert not accepts(schema, {"b": None})
    assert not accepts(schema, {"a": 1})


def test_int_or_string() -> None:
    schema = strict_schema(
        structural(
            port={
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "x-kubernetes-int-or-string": True,
            }
        )
    )
    assert schema["properties"]["port"] == {"type": ["integer", "string"]}
    for value in (8080, "http"):
        assert accepts(schema, {"port": value})
    for value in (8.5, True, None, {"a": 1}):
        assert not accepts(schema, {"port": value})


def test_nullable_int_or_string_accepts_null() -> None:
    schema = strict_schema(structural(port={"x-kubernetes-int-or-string": True, "nullable": True}))
    assert accepts(schema, {"port": None})
    assert accepts(schema, {"port": 1}) and accepts(schema, {"port": "a"})


def test_additional_properties_maps_are_left_open_to_any_key() -> None:
    source = structural(labels={"type": "object", "additionalProperties": {"type": "string"}})
    schema = strict_schema(source)
    assert schema["properties"]["labels"] == {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }
    assert accepts(schema, {"labels": {"any": "x", "key": "y"}})
    assert not accepts(schema, {"labels": {"any": 1}})


def test_explicit_additional_properties_true_is_kept() -> None:
    schema = strict_schema(
        {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True}
    )
    assert accepts(schema, {"a": "x", "b": 1})


def test_any_of_branches_are_not_made_strict() -> None:
    branch = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    source = structural(
        choice={"type": "object", "anyOf": [branch, {"required": ["b"]}]},
    )
    schema = strict_schema(source)
    assert schema["properties"]["choice"]["anyOf"][0] == branch
    assert accepts(schema, {"choice": {"a": "x", "b": 1}})
    assert accepts(schema, {"choice": {"b": 1, "c": 2}})
    assert not accepts(schema, {"choice": {"c": 2}})


def test_embedded_resource_accepts_type_meta_and_metadata() -> None:
    schema = strict_schema(
        structural(
            template={
                "type": "object",
                "x-kubernetes-embedded-resource": True,
                "properties": {"spec": {"type": "object"}},
            }
        )
    )
    ok = {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {}}}
    assert accepts(schema, ok)
    assert not accepts(schema, {"template": {"spec": {}, "status": {}}})


def test_kubernetes_extensions_are_removed_and_input_untouched() -> None:
    source = structural(
        items={
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": structural(name={"type": "string"}),
        },
        rule={"type": "string", "x-kubernetes-validations": [{"rule": "self != ''"}]},
    )
    original = copy.deepcopy(source)
    schema = strict_schema(source)
    assert source == original

    def keys(node: Any) -> set[str]:
        if isinstance(node, dict):
            return set(node) | {k for v in node.values() for k in keys(v)}
        if isinstance(node, list):
            return {k for v in node for k in keys(v)}
        return set()

    assert not [k for k in keys(schema) if k.startswith("x-kubernetes-")]


def test_non_json_schema_type_is_dropped() -> None:
    schema = strict_schema(structural(when={"type": "date-time"}))
    assert "type" not in schema["properties"]["when"]
    assert accepts(schema, {"when": "2026-01-01"})
