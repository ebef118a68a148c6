"""charts/codebeaker: the worker runtime modes (runtime-class, docker-socket, none).

The Docker socket appears only in docker-socket mode, only on the worker, with exactly the
policy exemptions it needs; the API stays restricted in every mode.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chartkit.checks import policy
from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata

CHART = "codebeaker"
API, WORKER = "codebeaker-api", "codebeaker-worker"
NODE_POOL = {"codebeaker.io/node-pool": "worker"}
TAINT = [
    {
        "key": "codebeaker.io/dedicated",
        "operator": "Equal",
        "value": "worker",
        "effect": "NoSchedule",
    }
]
SOCKET = {
    "worker.runtime.mode": "docker-socket",
    "worker.nodeSelector": NODE_POOL,
    "worker.tolerations": TAINT,
}
MODES: dict[str, dict[str, Any]] = {
    "runtime-class": {"worker.runtime.mode": "runtime-class"},
    "docker-socket": SOCKET,
    "docker-socket-as-root": {**SOCKET, "worker.runtime.dockerSocket.runAsRoot": True},
    "none": {"worker.runtime.mode": "none"},
}
EXEMPT = policy.EXEMPT_PREFIX


def render_mode(render_chart, mode: str) -> Manifest:
    return render_chart(CHART, set_values=MODES[mode])


def exemptions(workload: dict[str, Any]) -> dict[str, str]:
    return {
        key[len(EXEMPT) :]: value
        for key, value in (workload["metadata"].get("annotations") or {}).items()
        if key.startswith(EXEMPT)
    }


def host_paths(workload: dict[str, Any]) -> list[str]:
    return [v["hostPath"]["path"] for v in pod_spec(workload).get("volumes", []) if "hostPath" in v]


def violations_of(manifest: Manifest, name: str, strip_exemptions: bool = False) -> set[str]:
    objects = copy.deepcopy(list(manifest.objects))
    if strip_exemptions:
        for obj in objects:
            annotations = obj["metadata"].get("annotations") or {}
            for key in [k for k in annotations if k.startswith(EXEMPT)]:
                del annotations[key]
    return {v.rule for v in policy.check(objects) if v.kind == "Deployment" and v.name == name}


def test_default_mode_is_a_sandboxed_runtime_class(render_chart) -> None:
    manifest = render_chart(CHART)
    worker = manifest.get("Deployment", WORKER)
    assert pod_spec(worker)["runtimeClassName"] == "gvisor"
    assert host_paths(worker) == []
    assert exemptions(worker) == {}
    assert violations_of(manifest, WORKER) == set()


def test_runtime_class_name_comes_from_values(render_chart) -> None:
    manifest = render_chart(CHART, set_values={"worker.runtime.runtimeClassName": "kata"})
    assert pod_spec(manifest.get("Deployment", WORKER))["runtimeClassName"] == "kata"
    assert "runtimeClassName" not in pod_spec(manifest.get("Deployment", API))


@pytest.mark.parametrize("mode", MODES)
def test_socket_appears_only_in_docker_socket_mode(render_chart, mode: str) -> None:
    manifest = render_mode(render_chart, mode)
    worker = manifest.get("Deployment", WORKER)
    socket_mode = mode.startswith("docker-socket")
    assert host_paths(worker) == (["/var/run/docker.sock"] if socket_mode else [])
    mounts = [m["mountPath"] for m in container(worker, "worker")["volumeMounts"]]
    assert ("/var/run/docker.sock" in mounts) is socket_mode
    env = {e["name"]: e.get("value") for e in container(worker, "worker")["env"]}
    assert (env.get("DOCKER_HOST") == "unix:///var/run/docker.sock") is socket_mode
    assert ("runtimeClassName" in pod_spec(worker)) is (mode == "runtime-class")
    for workload in manifest.workloads():
        if workload is not worker:
            assert host_paths(workload) == []


@pytest.mark.parametrize("mode", MODES)
def test_api_pods_are_restricted_in_every_mode(render_chart, mode: str) -> None:
    manifest = render_mode(render_chart, mode)
    api = manifest.get("Deployment", API)
    assert exemptions(api) == {}
    assert not any(k.startswith(EXEMPT) for k in pod_template_metadata(api).get("annotations", {}))
    assert violations_of(manifest, API, strip_exemptions=True) == set()
    spec = pod_spec(api)
    assert "runtimeClassName" not in spec and host_paths(api) == []
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert "supplementalGroups" not in spec["securityContext"]


@pytest.mark.parametrize("mode", MODES)
def test_the_whole_release_passes_policy_in_every_mode(render_chart, mode: str) -> None:
    assert policy.check(render_mode(render_chart, mode).objects) == []


def test_docker_socket_exempts_the_worker_from_exactly_the_rule_it_breaks(render_chart) -> None:
    manifest = render_mode(render_chart, "docker-socket")
    worker = manifest.get("Deployment", WORKER)
    assert set(exemptions(worker)) == {"pss-volume-types"}
    assert "docker" in exemptions(worker)["pss-volume-types"].lower()
    assert violations_of(manifest, WORKER, strip_exemptions=True) == {"pss-volume-types"}
    (volume,) = [v for v in pod_spec(worker)["volumes"] if "hostPath" in v]
    assert volume["hostPath"]["type"] == "Socket"


def test_docker_socket_reaches_the_socket_as_non_root_through_its_group(render_chart) -> None:
    worker = render_mode(render_chart, "docker-socket").get("Deployment", WORKER)
    security = pod_spec(worker)["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] != 0
    assert security["supplementalGroups"] == [999]
    own = container(worker, "worker")["securityContext"]
    assert own["allowPrivilegeEscalation"] is False and own["capabilities"]["drop"] == ["ALL"]
    assert own["readOnlyRootFilesystem"] is True and own["privileged"] is False


def test_docker_socket_group_is_configurable(render_chart) -> None:
    manifest = render_chart(
        CHART, set_values={**SOCKET, "worker.runtime.dockerSocket.groupId": 998}
    )
    security = pod_spec(manifest.get("Deployment", WORKER))["securityContext"]
    assert security["supplementalGroups"] == [998]


def test_docker_socket_as_root_adds_the_run_as_non_root_exemption(render_chart) -> None:
    manifest = render_mode(render_chart, "docker-socket-as-root")
    worker = manifest.get("Deployment", WORKER)
    as_root = {"pss-volume-types", "pss-run-as-non-root", "pss-run-as-non-root-user"}
    assert set(exemptions(worker)) == as_root
    assert violations_of(manifest, WORKER, strip_exemptions=True) == as_root
    assert pod_spec(worker)["securityContext"]["runAsUser"] == 0


def test_docker_socket_pins_workers_to_dedicated_nodes(render_chart) -> None:
    manifest = render_mode(render_chart, "docker-socket")
    worker = pod_spec(manifest.get("Deployment", WORKER))
    assert worker["nodeSelector"] == NODE_POOL
    assert worker["tolerations"] == TAINT
    api = pod_spec(manifest.get("Deployment", API))
    assert "nodeSelector" not in api and "tolerations" not in api


def test_docker_socket_without_node_selector_is_refused(chart_error) -> None:
    error = chart_error(CHART, set_values={"worker.runtime.mode": "docker-socket"})
    assert "worker.nodeSelector" in error
    assert "docker-socket" in error and "dedicated" in error


def test_runtime_class_mode_requires_a_runtime_class_name(chart_error) -> None:
    error = chart_error(CHART, set_values={"worker.runtime.runtimeClassName": ""})
    assert "worker.runtime.runtimeClassName" in error and "runtime-class" in error


def test_unknown_mode_is_refused_by_the_schema(chart_error) -> None:
    error = chart_error(CHART, set_values={"worker.runtime.mode": "privileged"})
    assert "worker" in error and "mode" in error
    assert "docker-socket" in error  # the allowed values are listed


@pytest.mark.parametrize("values", ["values/codebeaker-prod.yaml", "values/codebeaker-dev.yaml"])
def test_inventory_values_opt_into_docker_socket_explicitly(
    render_chart, repo_root, values: str
) -> None:
    text = (repo_root / values).read_text()
    assert "mode: docker-socket" in text and "EXCEPTION" in text
    manifest = render_chart(CHART, values)
    worker = manifest.get("Deployment", WORKER)
    assert set(exemptions(worker)) == {"pss-volume-types"}
    assert pod_spec(worker)["nodeSelector"]
    assert pod_spec(worker)["tolerations"]
    assert policy.check(manifest.objects) == []
