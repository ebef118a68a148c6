"""Which cluster the smoke tests use, and the kind cluster they create when there is none.

The choice, made once per run:

1. the cluster `--kube-context` names (in KUBECONFIG or ~/.kube/config), or the current
   context of the kubeconfig the KUBECONFIG environment variable names;
2. otherwise, when `kind` is on PATH and a Docker engine answers, a new kind cluster from
   ci/kind-config.yaml with the node image pinned for the chosen Kubernetes version,
   deleted afterwards unless --keep-cluster;
3. otherwise none, with one line saying what is missing.

A kubeconfig that merely exists in ~/.kube/config is not used unless a context is named:
the smoke tests install and delete releases, so they never pick a cluster implicitly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

KIND_CONFIG = Path("ci") / "kind-config.yaml"
PREREQS_FILE = Path("ci") / "prereqs.yaml"
DOCKER_SOCKET = Path("/var/run/docker.sock")

Mode = Literal["existing", "kind", "none"]


class ClusterError(Exception):
    """Creating, reaching or deleting the cluster failed."""


@dataclass(frozen=True)
class ClusterChoice:
    mode: Mode
    reason: str  # one line: why this cluster, or what is missing
    kubeconfig: Path | None = None
    context: str | None = None

    @property
    def available(self) -> bool:
        return self.mode != "none"


@dataclass(frozen=True)
class DockerStatus:
    available: bool
    detail: str  # what answered, or why not


def choose_cluster(
    kube_context: str | None,
    environ: Mapping[str, str],
    kind_binary: str | None,
    docker: Callable[[], DockerStatus],
) -> ClusterChoice:
    """Decide which cluster to use (see the module docstring). `docker` is only asked
    when kind is needed, since probing the engine takes a moment."""
    kubeconfig_env = environ.get("KUBECONFIG", "").strip()
    if kube_context:
        kubeconfig = Path(kubeconfig_env.split(os.pathsep)[0]) if kubeconfig_env else None
        return ClusterChoice(
            "existing",
            f"context {kube_context!r} (--kube-context)",
            kubeconfig=kubeconfig,
            context=kube_context,
        )
    if kubeconfig_env:
        paths = [Path(p) for p in kubeconfig_env.split(os.pathsep) if p]
        existing = [p for p in paths if p.is_file()]
        if existing:
            return ClusterChoice(
                "existing",
                f"current context of KUBECONFIG={kubeconfig_env}",
                kubeconfig=existing[0] if len(paths) == 1 else None,
            )
        missing_config = f"KUBECONFIG={kubeconfig_env} names no file"
    else:
        missing_config = "KUBECONFIG unset and no --kube-context"
    if not kind_binary:
        status = docker()
        docker_part = "docker: " + status.detail
        return ClusterChoice(
            "none", f"no cluster: {missing_config}; kind not on PATH ({docker_part})"
        )
    status = docker()
    if not status.available:
        return ClusterChoice(
            "none",
            f"no cluster: {missing_config}; kind found at {kind_binary} but docker: "
            f"{status.detail}",
        )
    return ClusterChoice("kind", f"new kind cluster ({kind_binary}; docker: {status.detail})")


def docker_status(
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    timeout: float = 20.0,
) -> DockerStatus:
    """Whether a Docker engine answers `docker info`."""
    environ = os.environ if environ is None else environ
    host = environ.get("DOCKER_HOST", "")
    docker = which("docker")
    if not docker:
        return DockerStatus(False, "no docker command on PATH")
    if not host and not DOCKER_SOCKET.exists():
        return DockerStatus(False, f"no engine at {DOCKER_SOCKET} and DOCKER_HOST unset")
    try:
        result = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return DockerStatus(False, f"`docker info` did not answer within {timeout:.0f}s")
    where = host or str(DOCKER_SOCKET)
    if result.returncode != 0 or not result.stdout.strip():
        first = (result.stderr.strip().splitlines() or ["no answer"])[0]
        return DockerStatus(False, f"no engine answering at {where} ({first})")
    return DockerStatus(True, f"engine {result.stdout.strip()} at {where}")


def detect(kube_context: str | None = None) -> ClusterChoice:
    """choose_cluster with this machine's environment, PATH and Docker engine."""
    return choose_cluster(kube_context, os.environ, shutil.which("kind"), docker_status)


# -- kind ----------------------------------------------------------------------------------


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
