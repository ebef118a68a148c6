"""Which cluster the smoke tests use.

The choice, made once per run:

1. the cluster `--kube-context` names (in KUBECONFIG or ~/.kube/config), or the current
   context of the kubeconfig the KUBECONFIG environment variable names;
2. otherwise, when `kind` is on PATH and a Docker engine answers, a new kind cluster from
   ci/kind-config.yaml with the node image pinned for the chosen Kubernetes version,
   deleted afterwards unless --keep-cluster (chartkit.cluster.kind);
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

DOCKER_SOCKET = Path("/var/run/docker.sock")

Mode = Literal["existing", "kind", "none"]


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
