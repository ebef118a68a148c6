"""What a smoke run reads from a release's rendered objects (its Rollouts, its ReadWriteMany
claims and who mounts them), and the pod it runs to read a claim after uninstall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chartkit.cluster.smoke_results import SmokeError
from chartkit.releases.manifest import Object, containers, name_of, pod_spec

# Labels of the objects the smoke tests create themselves (namespaces, reader pods).
MANAGED_BY = {"app.kubernetes.io/managed-by": "chartkit-smoke"}


def rollouts_of(objects: Sequence[Object]) -> list[Object]:
    return [o for o in objects if o.get("kind") == "Rollout"]


def first_pause_step(rollout: Object) -> int | None:
    steps = (((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}).get(
        "steps"
    ) or []
    return next((i for i, step in enumerate(steps) if "pause" in step), None)


def rwx_claims(objects: Sequence[Object], storage_class: str) -> list[Object]:
    return [
        o
        for o in objects
        if o.get("kind") == "PersistentVolumeClaim"
        and (o.get("spec") or {}).get("storageClassName") == storage_class
        and "ReadWriteMany" in ((o.get("spec") or {}).get("accessModes") or [])
    ]


@dataclass(frozen=True)
class Mount:
    workload: str  # Deployment name
    kind: str
    container: str
    image: str
    path: str  # where the claim is mounted


def claim_mount(objects: Sequence[Object], claim: str, component: str) -> Mount:
    """The workload of a component that mounts a claim, with its container and path."""
    for obj in objects:
        labels = ((obj.get("metadata") or {}).get("labels")) or {}
        if (
            obj.get("kind") not in ("Deployment", "StatefulSet")
            or labels.get("app.kubernetes.io/component") != component
        ):
            continue
        volumes = {
            v["name"]
            for v in pod_spec(obj).get("volumes") or []
            if (v.get("persistentVolumeClaim") or {}).get("claimName") == claim
        }
        for container in containers(obj):
            for mount in container.get("volumeMounts") or []:
                if mount.get("name") in volumes:
                    return Mount(
                        name_of(obj),
                        str(obj["kind"]).lower(),
                        str(container["name"]),
                        str(container["image"]),
                        str(mount["mountPath"]).rstrip("/"),
                    )
    raise SmokeError(f"no {component} workload mounts claim {claim}")


def reader_pod(name: str, claim: str, mount: Mount, file: str) -> Object:
    """A restricted pod that prints one file of a claim (to check it after uninstall)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": dict(MANAGED_BY)},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 1001,
                "runAsGroup": 1001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "read",
                    "image": mount.image,
                    "command": ["cat", f"{mount.path}/{file}"],
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "16Mi"},
                        "limits": {"cpu": "100m", "memory": "64Mi"},
                    },
                    "volumeMounts": [{"name": "data", "mountPath": mount.path, "readOnly": True}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }
