"""Which cluster the smoke tests use, the kind settings, and the kind commands."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml

from chartkit.cluster.choice import DockerStatus, choose_cluster, detect, docker_status
from chartkit.cluster.kind import KIND_CONFIG, ClusterError, KindCluster, kind_pins

ENGINE = DockerStatus(True, "engine 27.3.1 at /var/run/docker.sock")
NO_ENGINE = DockerStatus(False, "no engine at /var/run/docker.sock and DOCKER_HOST unset")


def never_asked() -> DockerStatus:
    raise AssertionError("the Docker engine must not be probed when a cluster is named")


def test_a_named_context_wins_and_docker_is_not_probed(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("apiVersion: v1\n")
    choice = choose_cluster("staging", {"KUBECONFIG": str(config)}, "/usr/bin/kind", never_asked)
    assert choice.mode == "existing"
    assert choice.context == "staging" and choice.kubeconfig == config
    assert "--kube-context" in choice.reason


def test_kubeconfig_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("apiVersion: v1\n")
    choice = choose_cluster(None, {"KUBECONFIG": str(config)}, None, never_asked)
    assert (choice.mode, choice.kubeconfig, choice.context) == ("existing", config, None)
    assert str(config) in choice.reason


def test_a_kubeconfig_list_is_left_to_kubectl(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_text("apiVersion: v1\n")
    choice = choose_cluster(None, {"KUBECONFIG": f"{first}{os.pathsep}{second}"}, None, never_asked)
    assert choice.mode == "existing" and choice.kubeconfig is None


def test_kind_when_nothing_is_named_and_an_engine_answers() -> None:
    choice = choose_cluster(None, {}, "/usr/local/bin/kind", lambda: ENGINE)
    assert choice.mode == "kind" and choice.available
    assert "engine 27.3.1" in choice.reason


def test_no_cluster_says_what_is_missing_in_one_line() -> None:
    choice = choose_cluster(None, {}, None, lambda: NO_ENGINE)
    assert not choice.available
    assert choice.reason == (
        "no cluster: KUBECONFIG unset and no --kube-context; kind not on PATH "
        "(docker: no engine at /var/run/docker.sock and DOCKER_HOST unset)"
    )
    assert "\n" not in choice.reason


def test_kind_without_an_engine_is_no_cluster() -> None:
    choice = choose_cluster(None, {}, "/usr/local/bin/kind", lambda: NO_ENGINE)
    assert choice.mode == "none"
    assert "kind found at /usr/local/bin/kind but docker: no engine" in choice.reason


def test_a_kubeconfig_variable_naming_no_file_falls_through(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    choice = choose_cluster(None, {"KUBECONFIG": str(missing)}, None, lambda: NO_ENGINE)
    assert choice.mode == "none"
    assert f"KUBECONFIG={missing} names no file" in choice.reason


def test_docker_status_without_a_docker_command() -> None:
    status = docker_status({}, which=lambda name: None)
    assert status == DockerStatus(False, "no docker command on PATH")


def test_docker_status_asks_the_engine(tmp_path: Path) -> None:
    docker = fake_binary(tmp_path, "docker", 'echo "27.3.1"')
    status = docker_status({"DOCKER_HOST": "tcp://127.0.0.1:2375"}, which=lambda n: docker)
    assert status.available and status.detail == "engine 27.3.1 at tcp://127.0.0.1:2375"
    down = fake_binary(
        tmp_path, "docker-down", 'echo "Cannot connect to the Docker daemon" >&2; exit 1'
    )
    status = docker_status({"DOCKER_HOST": "tcp://127.0.0.1:2375"}, which=lambda n: down)
    assert not status.available and "Cannot connect to the Docker daemon" in status.detail


# -- kind ---------------------------------------------------------------------------------


def test_kind_config_is_one_node(repo_root: Path) -> None:
    config = yaml.safe_load((repo_root / KIND_CONFIG).read_text())
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert [node["role"] for node in config["nodes"]] == ["control-plane"]


def test_node_images_are_pinned_by_tag_and_digest(repo_root: Path) -> None:
    pins = kind_pins(repo_root)
    assert pins.version.startswith("v0.")
    assert pins.default_kubernetes in pins.node_images
    for minor, image in pins.node_images.items():
        pattern = rf"kindest/node:v{re.escape(minor)}\.\d+@sha256:[0-9a-f]{{64}}"
        assert re.fullmatch(pattern, image), image
    # the repository claims Kubernetes >= 1.30: the oldest and a current minor are pinned
    assert "1.30" in pins.node_images and len(pins.node_images) >= 2


def test_kubernetes_version_selects_the_image(repo_root: Path) -> None:
    pins = kind_pins(repo_root)
    assert pins.image("1.30").startswith("kindest/node:v1.30.")
    assert pins.image("v1.30.13") == pins.image("1.30")
    assert pins.image(None) == pins.image(pins.default_kubernetes)
    with pytest.raises(ClusterError, match=r"no kind node image pinned for Kubernetes 1\.19"):
        pins.image("1.19")


def fake_binary(directory: Path, name: str, body: str) -> str:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_kind_cluster_commands(tmp_path: Path, repo_root: Path) -> None:
    log = tmp_path / "calls"
    kind = fake_binary(
        tmp_path,
        "kind",
        f'echo "$@" >> {log}\n'
        'case "$1 $2" in "get clusters") echo chartkit-smoke other;; '
        '"get nodes") echo chartkit-smoke-control-plane;; esac',
    )
    docker = fake_binary(tmp_path, "docker", f'echo "docker $@" >> {log}')
    image = kind_pins(repo_root).image("1.30")
    cluster_ = KindCluster(
        name="chartkit-smoke",
        config=repo_root / KIND_CONFIG,
        image=image,
        kubeconfig=tmp_path / "out" / "kubeconfig",
        binary=kind,
        docker=docker,
    )
    assert cluster_.exists()
    cluster_.create()
    cluster_.make_directory("/var/local/chartkit-smoke/ns-claim")
    cluster_.delete()
    calls = log.read_text().splitlines()
    assert calls[0] == "get clusters"
    assert calls[1] == (
        f"create cluster --name chartkit-smoke --config {repo_root / KIND_CONFIG} "
        f"--image {image} --kubeconfig {tmp_path / 'out' / 'kubeconfig'} --wait 180s"
    )
    assert calls[2:] == [
        "get nodes --name chartkit-smoke",
        "docker exec chartkit-smoke-control-plane mkdir -p -m 0777 "
        "/var/local/chartkit-smoke/ns-claim",
        f"delete cluster --name chartkit-smoke --kubeconfig {tmp_path / 'out' / 'kubeconfig'}",
    ]
    assert (tmp_path / "out").is_dir()


def test_a_failing_kind_command_raises_with_its_error(tmp_path: Path) -> None:
    kind = fake_binary(tmp_path, "kind", 'echo "ERROR: failed to create cluster: boom" >&2; exit 1')
    cluster_ = KindCluster("x", Path("c.yaml"), "img", tmp_path / "k", binary=kind)
    with pytest.raises(ClusterError, match="failed to create cluster: boom"):
        cluster_.create()


def test_detect_uses_this_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("apiVersion: v1\n")
    monkeypatch.setenv("KUBECONFIG", str(config))
    assert detect().mode == "existing"
