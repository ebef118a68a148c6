"""A smoke session: the kind cluster made and removed, prerequisites planned and installed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from kubefake import ALL_CRDS, FakeKubectl

from chartkit.cluster import smoke
from chartkit.cluster.choice import ClusterChoice
from chartkit.cluster.kind import kind_pins
from chartkit.releases.inventory import Inventory

CRDS = "\n".join(f"customresourcedefinition.apiextensions.k8s.io/{name}" for name in ALL_CRDS)


@pytest.fixture
def kind_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake `kind` first on PATH, logging its arguments."""
    log = tmp_path / "kind.log"
    binary = tmp_path / "bin" / "kind"
    binary.parent.mkdir()
    binary.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{binary.parent}{os.pathsep}{os.environ['PATH']}")
    return log


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> FakeKubectl:
    fake = FakeKubectl(
        {
            "get /version": lambda a, s: '{"gitVersion": "v1.30.13"}',
            "get crd": lambda a, s: CRDS,
            "get deployments": lambda a, s: "deployment.apps/x",
        }
    )
    made: list[tuple[object, object]] = []

    def factory(binary: Path, kubeconfig: Path | None = None, context: str | None = None):
        made.append((kubeconfig, context))
        object.__setattr__(fake, "kubeconfig", kubeconfig)
        object.__setattr__(fake, "context", context)
        return fake

    monkeypatch.setattr(smoke, "Kubectl", factory)
    return fake


def test_a_kind_session(
    repo_root: Path, inventory: Inventory, kind_log: Path, cluster: FakeKubectl
) -> None:
    lines: list[str] = []
    choice = ClusterChoice("kind", "new kind cluster")
    options = smoke.SmokeOptions(kube_version="1.30")
    with smoke.session(repo_root, inventory, choice, options, lines.append) as ctx:
        assert ctx.kind is not None and ctx.kind.image == kind_pins(repo_root).image("1.30")
        assert cluster.kubeconfig == repo_root / "build" / "smoke" / "kubeconfig"
        assert ctx.helm.kubeconfig == cluster.kubeconfig and ctx.helm_version == "4.1.4"
        assert ctx.keep_namespaces is False
    calls = kind_log.read_text().splitlines()
    assert calls[0] == "get clusters"
    assert calls[1].startswith("create cluster --name chartkit-smoke ")
    assert calls[-1].startswith("delete cluster --name chartkit-smoke ")
    text = "\n".join(lines)
    assert "creating kind cluster chartkit-smoke (kindest/node:v1.30." in text
    assert "cluster: new kind cluster; Kubernetes v1.30.13; helm 4.1.4" in text
    # operators already there: only the smoke tests' own store and storage class
    assert "prerequisite: ClusterSecretStore chartkit-smoke (fake provider" in text
    assert "prerequisite: StorageClass chartkit-smoke-rwx (hostPath volumes on the node)" in text
    assert "prerequisite: Argo Rollouts" not in text
    assert lines[-1].endswith("deleting kind cluster chartkit-smoke")
    kinds = [obj["kind"] for obj in cluster.applied()]
    assert kinds == ["ClusterSecretStore", "StorageClass"]


def test_keep_cluster_keeps_it(
    repo_root: Path, inventory: Inventory, kind_log: Path, cluster: FakeKubectl
) -> None:
    options = smoke.SmokeOptions(keep_cluster=True)
    choice = ClusterChoice("kind", "new kind cluster")
    with smoke.session(repo_root, inventory, choice, options, lambda line: None) as ctx:
        assert ctx.keep_namespaces
    assert not any(c.startswith("delete") for c in kind_log.read_text().splitlines())


def test_an_existing_cluster_is_used_as_named(
    repo_root: Path, inventory: Inventory, kind_log: Path, cluster: FakeKubectl
) -> None:
    cluster.handlers["get storageclass"] = lambda a, s: "storageclass.storage.k8s.io/x"
    choice = ClusterChoice("existing", "context 'staging'", context="staging")
    options = smoke.SmokeOptions(namespace_prefix="smoke-", helm_version="3.18.0")
    with smoke.session(repo_root, inventory, choice, options, lambda line: None) as ctx:
        assert ctx.kind is None and ctx.namespace_prefix == "smoke-"
        assert (cluster.context, ctx.helm.kube_context, ctx.helm_version) == (
            "staging",
            "staging",
            "3.18.0",
        )
    assert not kind_log.exists()
    assert [obj["kind"] for obj in cluster.applied()] == ["ClusterSecretStore"]
