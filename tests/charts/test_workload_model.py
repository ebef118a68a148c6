"""The workload model of charts/common (common.podTemplate, common.container), through the
pods it renders: charts/api as a single-workload chart, and tests/charts/fixtures/model as a
two-workload chart (component values under web. and worker., shared defaultPodOptions, a
ConfigMap its pods read)."""

from __future__ import annotations

from typing import Any

import pytest

from chartkit.checks import policy
from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata

API = "api"
VALUES = "values/univprepai.yaml"
RELEASE = "univprepai-api"
NAMESPACE = "univprepai"
FIXTURES = "tests/charts/fixtures"
PROXY = f"{FIXTURES}/values/sidecar-proxy.yaml"
LOGS = f"{FIXTURES}/values/sidecar-logs.yaml"
MODEL = f"{FIXTURES}/model"
DEV = "values/env/dev.yaml"
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


@pytest.fixture(scope="session")
def api(chart_release):
    return chart_release(API, VALUES, release=RELEASE, namespace=NAMESPACE)


@pytest.fixture(scope="session")
def model(chart_release):
    return chart_release(MODEL, release="model", namespace="model")


def names(items: list[dict[str, Any]] | None) -> list[str]:
    return [item["name"] for item in items or []]


# -- sidecars and initContainers: keyed maps that merge across values files -----------------


def test_sidecars_and_init_containers_are_maps_by_name(api) -> None:
    spec = pod_spec(api.render(PROXY).get("Rollout"))
    assert names(spec["containers"]) == ["api", "proxy"]
    assert names(spec["initContainers"]) == ["migrate"]
    proxy = container(api.render(PROXY).get("Rollout"), "proxy")
    assert proxy["image"] == "envoyproxy/envoy:v1.31.2"
    assert proxy["ports"] == [{"name": "admin", "containerPort": 9901, "protocol": "TCP"}]
    assert proxy["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "admin"}
    assert proxy["livenessProbe"] == {"tcpSocket": {"port": "admin"}}


def test_a_second_values_file_adds_a_sidecar_and_changes_one_key(api) -> None:
    rollout = api.render(PROXY, LOGS).get("Rollout")
    assert names(pod_spec(rollout)["containers"]) == ["api", "logs", "proxy"]
    proxy = container(rollout, "proxy")
    assert proxy["image"] == "envoyproxy/envoy:v1.32.0"  # the second file's tag
    assert proxy["ports"][0]["containerPort"] == 9901  # the first file's port stays
    assert names(pod_spec(rollout)["initContainers"]) == ["migrate"]


def test_every_container_goes_through_the_same_renderer(api) -> None:
    """Sidecars and init containers get the API container's defaults: restricted security
    context, the writable /tmp, requests scaled by the overlay, limits as written."""
    manifest = api.render(PROXY, LOGS, DEV)
    rollout = manifest.get("Rollout")
    for item in [*pod_spec(rollout)["containers"], *pod_spec(rollout)["initContainers"]]:
        assert item["securityContext"] == RESTRICTED, item["name"]
        assert {"name": "tmp", "mountPath": "/tmp"} in item["volumeMounts"], item["name"]
        assert item["imagePullPolicy"] == "IfNotPresent"
    logs = container(rollout, "logs")
    assert logs["resources"]["requests"] == {"cpu": "10m", "memory": "16Mi"}
    assert logs["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}
    (migrate,) = pod_spec(rollout)["initContainers"]
    assert not {"readinessProbe", "livenessProbe", "startupProbe", "lifecycle"} & set(migrate)
    assert migrate["command"] == ["/app/migrate"]
    assert not policy.check(manifest.objects)


def test_a_list_of_sidecars_is_refused_naming_the_map_form(api) -> None:
    error = api.refuse({"sidecars": [{"name": "proxy", "image": "envoyproxy/envoy:v1.31.2"}]})
    assert "values error: sidecars:" in error
    assert "sidecars is now sidecars (since 2.0.0) (a list before)" in error
    assert "chartkit migrate" in error


SMALL = {"requests": {"cpu": "1m", "memory": "1Mi"}, "limits": {"cpu": "1m", "memory": "1Mi"}}


def test_init_containers_take_no_probes(api) -> None:
    init = {"image": {"repository": "x/y", "tag": "1"}, "resources": SMALL}
    error = api.refuse(
        {"initContainers": {"migrate": {**init, "probes": {"readiness": {"path": "/"}}}}}
    )
    assert "values error: initContainers.migrate.probes.readiness:" in error


def test_a_container_name_is_used_once(api) -> None:
    error = api.refuse(
        {"sidecars": {"api": {"image": {"repository": "x/y", "tag": "1"}, "resources": SMALL}}}
    )
    assert 'values error: sidecars.api: container name "api" is taken' in error


# -- env: one list from the chart's env, the env map and extraEnv ---------------------------


def test_env_map_takes_plain_values_and_references(api) -> None:
    api_container = container(
        api.render(
            set_values={
                "env": {
                    "A_PLAIN": "x",
                    "B_NUMBER": 3,
                    "C_SECRET": {"secretKeyRef": {"name": "s", "key": "k", "optional": True}},
                    "D_SETTING": {"configMapKeyRef": {"name": "c", "key": "k"}},
                    "E_POD": {"fieldRef": {"fieldPath": "metadata.name"}},
                },
                "extraEnv": [{"name": "F_RAW", "value": "y"}],
            }
        ).get("Rollout"),
        "api",
    )
    env = api_container["env"]
    assert names(env) == ["A_PLAIN", "B_NUMBER", "C_SECRET", "D_SETTING", "E_POD", "F_RAW"]
    assert env[1] == {"name": "B_NUMBER", "value": "3"}
    assert env[2]["valueFrom"] == {"secretKeyRef": {"name": "s", "key": "k", "optional": True}}
    assert env[4]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"name": "LOG_LEVEL", "value": "debug"}, "sets LOG_LEVEL, which env.LOG_LEVEL sets"),
        (
            {"name": "LOG_LEVEL", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
            "sets LOG_LEVEL, which env.LOG_LEVEL sets",
        ),
    ],
    ids=["plain-twice", "plain-beside-secret"],
)
def test_a_variable_set_twice_is_refused_naming_both(api, extra, message) -> None:
    error = api.refuse({"extraEnv": [extra]})
    assert f"values error: extraEnv[0]: {message}" in error


def test_the_charts_own_env_counts_too(model) -> None:
    error = model.refuse({"worker": {"env": {"COMPONENT": "other"}}})
    assert (
        "values error: worker.env.COMPONENT: sets COMPONENT, which the chart (the component's "
        "name) sets already" in error
    )


def test_an_env_reference_is_one_source(model) -> None:
    reference = {"secretKeyRef": {"name": "s", "key": "k"}, "value": "v"}
    error = model.refuse({"web": {"env": {"X": reference}}})
    assert "values error: web.env.X: has keys secretKeyRef, value" in error


# -- probes ------------------------------------------------------------------------------------


def test_probe_types(api) -> None:
    api_container = container(
        api.render(
            set_values={
                "probes": {
                    "startup": {"type": "tcp", "path": None},
                    "readiness": {"command": ["/bin/ready"], "path": None, "port": None},
                    "liveness": {"port": 8006},
                }
            }
        ).get("Rollout"),
        "api",
    )
    assert api_container["startupProbe"]["tcpSocket"] == {"port": "http"}
    assert api_container["readinessProbe"]["exec"] == {"command": ["/bin/ready"]}
    assert api_container["livenessProbe"]["httpGet"] == {"path": "/health", "port": 8006}


@pytest.mark.parametrize("port", ["admin", 9999])
def test_a_probe_port_must_be_declared(api, port) -> None:
    error = api.refuse({"probes": {"readiness": {"port": port}}})
    assert f"values error: probes.readiness.port: {port} is not a port of container api" in error
    assert "http (8006)" in error
    declared = api.render(
        set_values={"containerPorts": {"admin": 9999}, "probes.readiness.port": port}
    )
    assert container(declared.get("Rollout"), "api")["readinessProbe"]["httpGet"]["port"] == port


def test_an_exec_probe_on_another_workload(model) -> None:
    worker = container(model.render().get("Deployment", "model-worker"), "worker")
    assert worker["livenessProbe"] == {
        "exec": {"command": ["/bin/sh", "-c", "test -f /tmp/alive"]},
        "periodSeconds": 30,
    }
    assert "ports" not in worker and "readinessProbe" not in worker


# -- pod defaults ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [True, False], ids=["rollout", "deployment"])
def test_pod_defaults(api, mode: bool) -> None:
    manifest = api.render(set_values={"rollouts.enabled": mode})
    spec = pod_spec(manifest.get("Rollout" if mode else "Deployment"))
    assert spec["enableServiceLinks"] is False
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1001,
        "runAsGroup": 1001,
        "fsGroup": 1001,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["containers"][0]["securityContext"] == RESTRICTED
    assert spec["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "128Mi"}}]


def test_a_security_override_replaces_that_key_only(api) -> None:
    spec = pod_spec(
        api.render(
            set_values={
                "podSecurityContext": {"runAsUser": 2000, "fsGroup": 2000},
                "containerSecurityContext": {
                    "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
                },
            }
        ).get("Rollout")
    )
    assert spec["securityContext"]["runAsUser"] == 2000
    assert spec["securityContext"]["runAsNonRoot"] is True
    security = spec["containers"][0]["securityContext"]
    assert security["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    assert security["readOnlyRootFilesystem"] is True


def test_pod_options_pass_through(api) -> None:
    rollout = api.render(
        set_values={
            "runtimeClassName": "gvisor",
            "imagePullSecrets": ["registry"],
            "image.registry": "ghcr.io",
            "image.repository": "dreamseedai/univprepai-api",
            "command": ["/app/server"],
            "args": ["--port=8006"],
            "lifecycle": {"preStop": {"exec": {"command": ["/app/drain"]}}},
            "serviceAccount.automountServiceAccountToken": True,
        }
    ).get("Rollout")
    spec = pod_spec(rollout)
    api_container = container(rollout, "api")
    assert spec["runtimeClassName"] == "gvisor"
    assert spec["imagePullSecrets"] == [{"name": "registry"}]
    assert spec["automountServiceAccountToken"] is True
    assert api_container["image"] == "ghcr.io/dreamseedai/univprepai-api:3.2.4"
    assert (api_container["command"], api_container["args"]) == (["/app/server"], ["--port=8006"])
    assert api_container["lifecycle"] == {"preStop": {"exec": {"command": ["/app/drain"]}}}


def test_extra_volumes_cannot_reuse_a_name(api) -> None:
    error = api.refuse({"extraVolumes": [{"name": "tmp", "emptyDir": {}}]})
    assert 'values error: extraVolumes[0]: volume "tmp" is defined by the chart' in error


# -- a multi-workload chart --------------------------------------------------------------------


def test_each_workload_has_its_own_values_and_shares_the_defaults(model) -> None:
    manifest = model.render()
    web, worker = (
        manifest.get("Deployment", "model-web"),
        manifest.get("Deployment", "model-worker"),
    )
    assert pod_spec(web)["imagePullSecrets"] == [{"name": "registry-credentials"}]
    assert pod_spec(worker)["imagePullSecrets"] == [{"name": "registry-credentials"}]
    assert pod_spec(worker)["runtimeClassName"] == "gvisor"
    assert "runtimeClassName" not in pod_spec(web)
    assert pod_template_metadata(worker)["labels"]["app.kubernetes.io/component"] == "worker"
    own = model.render(set_values={"worker": {"imagePullSecrets": ["worker-registry"]}})
    assert pod_spec(own.get("Deployment", "model-worker"))["imagePullSecrets"] == [
        {"name": "worker-registry"}
    ]
    assert pod_spec(own.get("Deployment", "model-web"))["imagePullSecrets"] == [
        {"name": "registry-credentials"}
    ]


def test_errors_name_the_workloads_field(model) -> None:
    error = model.refuse({"worker": {"resources": {"requests": {"cpu": "2"}}}})
    assert (
        "values error: worker.resources.requests.cpu: 2 is above worker.resources.limits.cpu"
        in error
    )


def checksum(manifest: Manifest, name: str) -> str:
    return pod_template_metadata(manifest.get("Deployment", name))["annotations"]["checksum/config"]


def test_pods_roll_when_the_configmap_they_read_changes(model) -> None:
    before = model.render()
    changed = model.render(set_values={"settings": {"greeting": "bonjour"}})
    unrelated = model.render(set_values={"web": {"replicaCount": 3}})
    for name in ("model-web", "model-worker"):
        assert len(checksum(before, name)) == 64
        assert checksum(changed, name) != checksum(before, name)
        assert checksum(unrelated, name) == checksum(before, name)


def test_chart_annotations_win_over_pod_annotations(model) -> None:
    manifest = model.render(
        set_values={"web": {"podAnnotations": {"checksum/config": "x", "a": "b"}}}
    )
    annotations = pod_template_metadata(manifest.get("Deployment", "model-web"))["annotations"]
    assert annotations["a"] == "b"
    assert annotations["checksum/config"] == checksum(model.render(), "model-web")
