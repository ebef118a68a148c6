"""Node profiles (ci/nodes.yaml): what a node of each machine type offers to workloads.

A profile gives the node's allocatable CPU, memory, GPUs and pod slots, what the system
pods (kube-proxy, logging, metrics agents) already request, its labels and its taints.
Every problem in the file names the profile and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chartkit.sizing.amount import Amount
from chartkit.sizing.quantity import QuantityError, cpu_millis, memory_bytes

NODES_FILE = Path("ci") / "nodes.yaml"
GPU_LABEL = "cloud.google.com/gke-accelerator"


class CapacityError(Exception):
    """Bad node profiles or --nodes argument; the message says what and where."""


@dataclass(frozen=True)
class Taint:
    key: str
    value: str = ""
    effect: str = "NoSchedule"


@dataclass(frozen=True)
class NodeProfile:
    name: str
    description: str
    allocatable: Amount
    system: Amount
    labels: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    taints: tuple[Taint, ...] = ()

    @property
    def free(self) -> Amount:
        """What a fresh node of this profile has left for workloads."""
        return self.allocatable - self.system

    @property
    def gpu_type(self) -> str | None:
        return self.labels.get(GPU_LABEL) if self.allocatable.gpu else None


@dataclass(frozen=True)
class NodeProfiles:
    profiles: Mapping[str, NodeProfile]
    default_cpu_profile: str | None = None

    def get(self, name: str) -> NodeProfile:
        if name not in self.profiles:
            raise CapacityError(
                f"no node profile {name!r} in {NODES_FILE} "
                f"(known: {', '.join(sorted(self.profiles))})"
            )
        return self.profiles[name]

    def with_gpu_type(self, gpu_type: str) -> list[NodeProfile]:
        return [p for p in self.profiles.values() if p.gpu_type == gpu_type]


def _amount(section: Mapping[str, Any] | None, where: str) -> Amount:
    section = section or {}
    unknown = set(section) - {"cpu", "memory", "gpu", "pods"}
    if unknown:
        raise CapacityError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        return Amount(
            cpu=cpu_millis(section.get("cpu", 0)),
            memory=memory_bytes(section.get("memory", 0)),
            gpu=int(section.get("gpu", 0)),
            pods=int(section.get("pods", 0)),
        )
    except (QuantityError, ValueError, TypeError) as error:
        raise CapacityError(f"{where}: {error}") from None


def _profile(name: str, entry: Any, where: str) -> NodeProfile:
    if not isinstance(entry, dict):
        raise CapacityError(f"{where}: expected a mapping")
    allocatable = _amount(entry.get("allocatable"), f"{where}.allocatable")
    system = _amount(entry.get("system"), f"{where}.system")
    if allocatable.cpu <= 0 or allocatable.memory <= 0:
        raise CapacityError(f"{where}.allocatable: cpu and memory are required")
    if not allocatable.covers(system):
        raise CapacityError(f"{where}.system: system pods request more than is allocatable")
    taints = tuple(
        Taint(str(t["key"]), str(t.get("value", "")), str(t.get("effect", "NoSchedule")))
        for t in entry.get("taints") or []
    )
    return NodeProfile(
        name=name,
        description=str(entry.get("description", "")),
        allocatable=allocatable,
        system=system,
        labels={str(k): str(v) for k, v in (entry.get("labels") or {}).items()},
        taints=taints,
    )


def load_profiles(root: Path, path: Path | None = None) -> NodeProfiles:
    path = path or root / NODES_FILE
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise CapacityError(f"{path} does not exist") from None
    except yaml.YAMLError as error:
        raise CapacityError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("profiles"), dict):
        raise CapacityError(f"{path}: expected a mapping with a `profiles:` mapping")
    profiles = {
        str(name): _profile(str(name), entry, f"{path.name}: profiles.{name}")
        for name, entry in document["profiles"].items()
    }
    default = document.get("defaultCpuProfile")
    if default is not None and default not in profiles:
        raise CapacityError(f"{path.name}: defaultCpuProfile {default!r} is not a profile")
    return NodeProfiles(profiles=profiles, default_cpu_profile=default)
