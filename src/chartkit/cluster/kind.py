"""The kind cluster the smoke tests create when no cluster is named: the node image pinned
for each Kubernetes version in ci/prereqs.yaml, created from ci/kind-config.yaml, used and
deleted."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from chartkit.cluster.prereq_config import PREREQS_FILE

KIND_CONFIG = Path("ci") / "kind-config.yaml"


class ClusterError(Exception):
    """Creating, reaching or deleting the cluster failed."""


@dataclass(frozen=True)
class KindPins:
    version: str  # the kind release the images were built for, e.g. v0.30.0
    default_kubernetes: str
    node_images: dict[str, str]  # "1.34" -> kindest/node:v1.34.0@sha256:...

    def image(self, kubernetes_version: str | None) -> str:
        minor = kubernetes_version or self.default_kubernetes
        minor = ".".join(minor.lstrip("v").split(".")[:2])
        if minor not in self.node_images:
            pinned = ", ".join(sorted(self.node_images))
            raise ClusterError(
                f"no kind node image pinned for Kubernetes {minor} in {PREREQS_FILE} "
                f"(kind.nodeImages has: {pinned})"
            )
        return self.node_images[minor]


def kind_pins(root: Path) -> KindPins:
    document = yaml.safe_load((root / PREREQS_FILE).read_text())
    kind = document["kind"]
    return KindPins(
        version=str(kind["version"]),
        default_kubernetes=str(kind["defaultKubernetesVersion"]),
        node_images={str(k): str(v) for k, v in kind["nodeImages"].items()},
    )


@dataclass(frozen=True)
class KindCluster:
    """A kind cluster the smoke tests own: created, used, deleted."""

    name: str
    config: Path
    image: str
    kubeconfig: Path
    binary: str = "kind"
    docker: str = "docker"
    timeout_seconds: float = 600.0

    def _run(self, args: list[str], timeout: float | None = None) -> str:
        command = [self.binary, *args]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout or self.timeout_seconds
            )
        except subprocess.TimeoutExpired:
            raise ClusterError(f"{' '.join(command[:3])} timed out") from None
        if result.returncode != 0:
            raise ClusterError(f"{' '.join(command[:3])} failed: {result.stderr.strip()}")
        return result.stdout

    def create_args(self) -> list[str]:
        return [
            "create",
            "cluster",
            "--name",
            self.name,
            "--config",
            str(self.config),
            "--image",
            self.image,
            "--kubeconfig",
            str(self.kubeconfig),
            "--wait",
            "180s",
        ]

    def exists(self) -> bool:
        return self.name in self._run(["get", "clusters"], timeout=60).split()

    def create(self) -> None:
        self.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        self._run(self.create_args())

    def export_kubeconfig(self) -> None:
        """Write the kubeconfig of an existing cluster (one kept by --keep-cluster)."""
        self.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        self._run(
            ["export", "kubeconfig", "--name", self.name, "--kubeconfig", str(self.kubeconfig)],
            timeout=60,
        )

    def delete(self) -> None:
        self._run(
            ["delete", "cluster", "--name", self.name, "--kubeconfig", str(self.kubeconfig)],
            timeout=300,
        )

    def nodes(self) -> list[str]:
        return self._run(["get", "nodes", "--name", self.name], timeout=60).split()

    def make_directory(self, path: str) -> None:
        """A world-writable directory on every node (for hostPath volumes): the pods run
        as a non-root user, and hostPath volumes get no fsGroup ownership change."""
        for node in self.nodes():
            result = subprocess.run(
                [self.docker, "exec", node, "mkdir", "-p", "-m", "0777", path],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if result.returncode != 0:
                raise ClusterError(f"mkdir {path} on node {node}: {result.stderr.strip()}")
