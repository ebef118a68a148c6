"""The objects the smoke tests own on a cluster: the fake ClusterSecretStore, the
ReadWriteMany StorageClass, and (on kind) hostPath volumes bound in advance to claims."""

from __future__ import annotations

from typing import Any

from chartkit.cluster.prereq_config import PrereqConfig


def fake_store_manifest(config: PrereqConfig) -> dict[str, Any]:
    store = config.fake_store
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": store["name"], "labels": {"app.kubernetes.io/part-of": "chartkit"}},
        "spec": {
            "provider": {
                "fake": {
                    "data": [
                        {"key": str(item["key"]), "value": str(item["value"])}
                        for item in store["data"]
                    ]
                }
            }
        },
    }


def rwx_storage_class(
    config: PrereqConfig, copy_of: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The smoke tests' ReadWriteMany class: a no-provisioner class (kind, with a volume
    made per claim), or a copy of an existing class's provisioner and parameters."""
    name = config.rwx["storageClassName"]
    manifest: dict[str, Any] = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "chartkit"}},
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
        "provisioner": "kubernetes.io/no-provisioner",
    }
    if copy_of is not None:
        manifest["provisioner"] = copy_of["provisioner"]
        for key in ("parameters", "mountOptions", "volumeBindingMode", "allowVolumeExpansion"):
            if key in copy_of:
                manifest[key] = copy_of[key]
    return manifest


def hostpath_volume(
    config: PrereqConfig, namespace: str, claim: str, size: str, node: str
) -> dict[str, Any]:
    """A ReadWriteMany hostPath PersistentVolume bound in advance to one claim, on one
    node (kind). The claim's pods follow it to that node through the node affinity."""
    name = f"chartkit-smoke-{namespace}-{claim}"[:253]
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "chartkit"}},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": config.rwx["storageClassName"],
            "claimRef": {"namespace": namespace, "name": claim},
            "hostPath": {"path": hostpath_directory(config, namespace, claim), "type": "Directory"},
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "kubernetes.io/hostname",
                                    "operator": "In",
                                    "values": [node],
                                }
                            ]
                        }
                    ]
                }
            },
        },
    }


def hostpath_directory(config: PrereqConfig, namespace: str, claim: str) -> str:
    return f"{config.rwx['kindHostPath'].rstrip('/')}/{namespace}-{claim}"
