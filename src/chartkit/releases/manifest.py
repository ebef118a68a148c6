"""Rendered objects of one release, and accessors for the pod spec inside workloads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Object = dict[str, Any]

# Where each workload kind keeps its pod template's spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def is_workload(obj: Object) -> bool:
    return obj.get("kind") in POD_SPEC_PATHS


def pod_spec_path(obj: Object) -> tuple[str, ...]:
    return POD_SPEC_PATHS[obj["kind"]]


def pod_spec(obj: Object) -> Object:
    """The pod spec of a workload (empty dict when absent)."""
    node: Any = obj
    for key in pod_spec_path(obj):
        node = (node or {}).get(key)
    return node or {}


def pod_template_metadata(obj: Object) -> Object:
    """Metadata of the pods a workload creates (the object's own metadata for a Pod)."""
    if obj["kind"] == "Pod":
        return obj.get("metadata") or {}
    path = pod_spec_path(obj)[:-1]
    node: Any = obj
    for key in path:
        node = (node or {}).get(key)
    return (node or {}).get("metadata") or {}


def containers(obj: Object, include_init: bool = False) -> list[Object]:
    spec = pod_spec(obj)
    found = list(spec.get("containers") or [])
    if include_init:
        found = list(spec.get("initContainers") or []) + found
    return found


def container(obj: Object, name: str) -> Object:
    for item in containers(obj, include_init=True):
        if item.get("name") == name:
            return item
    names = [c.get("name") for c in containers(obj, include_init=True)]
    raise AssertionError(f"{obj['kind']}/{name_of(obj)} has no container {name!r}: {names}")


def name_of(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("name", "?"))


def describe(obj: Object) -> str:
    return f"{obj.get('kind', '?')}/{name_of(obj)}"


@dataclass(frozen=True)
class Manifest:
    """The objects one `helm template` produced."""

    objects: tuple[Object, ...]

    def __iter__(self) -> Iterator[Object]:
        return iter(self.objects)

    def __len__(self) -> int:
        return len(self.objects)

    def all(self, kind: str) -> list[Object]:
        return [obj for obj in self.objects if obj.get("kind") == kind]

    def names(self, kind: str) -> list[str]:
        return [name_of(obj) for obj in self.all(kind)]

    def kinds(self) -> Counter[str]:
        return Counter(str(obj.get("kind")) for obj in self.objects)

    def get(self, kind: str, name: str | None = None) -> Object:
        """The one object of this kind (and name); AssertionError otherwise."""
        matches = [o for o in self.all(kind) if name is None or name_of(o) == name]
        if len(matches) != 1:
            present = sorted(describe(o) for o in self.objects)
            wanted = f"{kind}/{name}" if name else kind
            raise AssertionError(f"expected one {wanted}, found {len(matches)}; objects: {present}")
        return matches[0]

    def workloads(self) -> list[Object]:
        return [obj for obj in self.objects if is_workload(obj)]
