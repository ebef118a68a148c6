"""The shared ReadWriteMany volume of a release whose components share one claim: a file
written by one component is read by the other, after the upgrade too, and is still in the
claim kept after uninstall. On kind, a hostPath volume is bound in advance to each such
claim (kind has no ReadWriteMany provisioner)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chartkit.cluster.kind import KindCluster
from chartkit.cluster.prereq_config import PrereqConfig
from chartkit.cluster.prereq_objects import hostpath_directory, hostpath_volume
from chartkit.cluster.smoke_config import SharedVolume
from chartkit.cluster.smoke_objects import Mount, claim_mount, reader_pod, rwx_claims
from chartkit.cluster.smoke_results import SmokeError
from chartkit.releases.manifest import Object, name_of
from chartkit.tools.kubectl import Kubectl
from chartkit.tools.streaming import LineOutput


@dataclass(frozen=True)
class SharedVolumeCheck:
    """One release's shared claim, with the writing and the reading component."""

    kubectl: Kubectl
    namespace: str
    release: str
    token: str  # what is written, unique to the run
    claim: Object
    writer: Mount
    reader: Mount
    output: LineOutput | None = None  # where the wait for the reader pod prints

    @property
    def file(self) -> str:
        return f"chartkit-smoke-{self.release}.txt"

    def exec(self, mount: Mount, script: str, *args: str) -> str:
        return self.kubectl.run(
            [
                "exec",
                "--namespace",
                self.namespace,
                f"{mount.kind}/{mount.workload}",
                "-c",
                mount.container,
                "--",
                "sh",
                "-c",
                script,
                "sh",
                *args,
            ],
            timeout=60,
        )

    def write(self) -> str:
        path = f"{self.writer.path}/{self.file}"
        self.exec(self.writer, 'printf %s "$1" > "$2"', self.token, path)
        return self.read(f"written by {self.writer.workload}, ")

    def read(self, prefix: str = "") -> str:
        reader = self.reader
        found = self.exec(reader, 'cat "$1"', f"{reader.path}/{self.file}")
        if found != self.token:
            raise SmokeError(f"{reader.workload} read {found!r}, expected {self.token!r}")
        return f"{prefix}read by {reader.workload}"

    def claim_kept(self) -> str:
        claim_name = name_of(self.claim)
        kubectl = self.kubectl
        if not kubectl.exists("persistentvolumeclaim", claim_name, self.namespace):
            raise SmokeError(f"claim {claim_name} was deleted with the release")
        pod = f"chartkit-smoke-read-{self.token[:8]}"
        kubectl.apply([reader_pod(pod, claim_name, self.reader, self.file)], self.namespace)
        try:
            kubectl.run(
                [
                    "wait",
                    f"pod/{pod}",
                    "--namespace",
                    self.namespace,
                    "--for=jsonpath={.status.phase}=Succeeded",
                    "--timeout=180s",
                ],
                timeout=200,
                output=self.output,
            )
            found = kubectl.run(["logs", pod, "--namespace", self.namespace])
        finally:
            kubectl.attempt(["delete", "pod", pod, "--namespace", self.namespace, "--wait=false"])
        if found != self.token:
            raise SmokeError(f"claim {claim_name} holds {found!r} after uninstall")
        return f"claim {claim_name} kept with the file"


def shared_volume_check(
    kubectl: Kubectl,
    namespace: str,
    release: str,
    token: str,
    manifest: Sequence[Object],
    spec: SharedVolume | None,
    storage_class: str,
    output: LineOutput | None = None,
) -> SharedVolumeCheck | None:
    """The check of the release's first ReadWriteMany claim, when its chart shares one."""
    claims = rwx_claims(manifest, storage_class)
    if spec is None or not claims:
        return None
    claim = claims[0]
    name = name_of(claim)
    return SharedVolumeCheck(
        kubectl,
        namespace,
        release,
        token,
        claim,
        claim_mount(manifest, name, spec.writer),
        claim_mount(manifest, name, spec.reader),
        output,
    )


def prepare_rwx_volumes(
    kind: KindCluster,
    kubectl: Kubectl,
    config: PrereqConfig,
    namespace: str,
    manifest: Sequence[Object],
) -> None:
    """A hostPath volume bound in advance to each RWX claim of the release, on kind."""
    node = kind.nodes()[0]
    for claim in rwx_claims(manifest, config.rwx["storageClassName"]):
        name = name_of(claim)
        size = claim["spec"]["resources"]["requests"]["storage"]
        volume = hostpath_volume(config, namespace, name, size, node)
        # A volume left by an earlier run (--keep-cluster) is bound to a claim that is
        # gone: make it afresh (the directory, and what the claim held, stay).
        kubectl.run(
            [
                "delete",
                "persistentvolume",
                volume["metadata"]["name"],
                "--ignore-not-found",
                "--timeout=60s",
            ],
            timeout=90,
        )
        kind.make_directory(hostpath_directory(config, namespace, name))
        kubectl.apply([volume])
