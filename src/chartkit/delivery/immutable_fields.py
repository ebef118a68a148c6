"""Changes `helm upgrade` cannot apply in place: fields the API server (or, for a Rollout,
its controller) refuses to change on an existing object. Such an upgrade fails half-way,
or needs the object deleted first, so `chartkit diff` flags each one.

- Deployment, StatefulSet, DaemonSet (apps) and Rollout (argoproj.io): `spec.selector`;
  StatefulSet also `spec.volumeClaimTemplates`, `spec.serviceName`,
  `spec.podManagementPolicy` (the API server allows only replicas, template, update
  strategy, minReadySeconds, ordinals and the claim retention policy to change).
- Job (batch): `spec.selector`, `spec.template`. A helm hook Job is exempt when helm deletes
  it before creating it again (`before-hook-creation`, the default delete policy).
- PersistentVolumeClaim: `spec.storageClassName`, `spec.accessModes`, `spec.volumeMode`,
  `spec.volumeName` once set, and `spec.resources.requests.storage` going down (a claim
  only grows, and only where its StorageClass allows expansion).
- Service: `spec.clusterIP`/`spec.clusterIPs` (including to or from headless `None`), and
  `spec.type` to or from ExternalName.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chartkit.sizing.quantity import QuantityError, parse

Object = dict[str, Any]
MISSING = object()


@dataclass(frozen=True)
class ImmutableChange:
    field: str  # dotted path, e.g. spec.selector
    why: str


def value_at(obj: Object, path: str) -> Any:
    node: Any = obj
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def shown(value: Any) -> str:
    if value is MISSING:
        return "(unset)"
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _fixed(*paths: str, why: str) -> Callable[[Object, Object], list[ImmutableChange]]:
    def check(before: Object, after: Object) -> list[ImmutableChange]:
        found = []
        for path in paths:
            old, new = value_at(before, path), value_at(after, path)
            if old != new:
                found.append(ImmutableChange(path, f"{why} ({shown(old)} -> {shown(new)})"))
        return found

    return check


_SELECTOR = _fixed(
    "spec.selector",
    why="the selector of an existing workload cannot change: delete the object "
    "(kubectl delete --cascade=orphan keeps its pods) and let the upgrade create it",
)
_STATEFULSET = _fixed(
    "spec.volumeClaimTemplates",
    "spec.serviceName",
    "spec.podManagementPolicy",
    why="a StatefulSet allows only replicas, template, updateStrategy and a few more to "
    "change: delete it with --cascade=orphan and let the upgrade create it",
)
_JOB = _fixed(
    "spec.selector",
    "spec.template",
    why="a Job's pod template and selector cannot change: delete the Job first",
)
_PVC = _fixed(
    "spec.storageClassName",
    "spec.accessModes",
    "spec.volumeMode",
    why="a bound claim keeps its class, access modes and volume mode: a new claim (and a "
    "copy of the data) is the way",
)


def _pvc(before: Object, after: Object) -> list[ImmutableChange]:
    found = _PVC(before, after)
    old_volume = value_at(before, "spec.volumeName")
    if old_volume is not MISSING and old_volume != value_at(after, "spec.volumeName"):
        found.append(ImmutableChange("spec.volumeName", f"a claim stays bound to {old_volume}"))
    path = "spec.resources.requests.storage"
    old, new = value_at(before, path), value_at(after, path)
    try:
        shrinks = MISSING not in (old, new) and parse(new) < parse(old)
    except QuantityError:
        shrinks = False
    if shrinks:
        found.append(ImmutableChange(path, f"a claim cannot shrink ({old} -> {new})"))
    return found


def _service(before: Object, after: Object) -> list[ImmutableChange]:
    found = _fixed(
        "spec.clusterIP",
        "spec.clusterIPs",
        why="a Service keeps its cluster IP (headless or not): delete and recreate it",
    )(before, after)
    old_type = value_at(before, "spec.type")
    new_type = value_at(after, "spec.type")
    if old_type != new_type and "ExternalName" in (old_type, new_type):
        found.append(
            ImmutableChange(
                "spec.type",
                f"{shown(old_type)} -> {shown(new_type)}: a Service does not turn into or out "
                "of ExternalName in place; delete and recreate it",
            )
        )
    return found


def _statefulset(before: Object, after: Object) -> list[ImmutableChange]:
    return [*_SELECTOR(before, after), *_STATEFULSET(before, after)]


RULES: dict[tuple[str, str], Callable[[Object, Object], list[ImmutableChange]]] = {
    ("apps", "Deployment"): _SELECTOR,
    ("apps", "DaemonSet"): _SELECTOR,
    ("apps", "StatefulSet"): _statefulset,
    ("argoproj.io", "Rollout"): _SELECTOR,
    ("batch", "Job"): _JOB,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "Service"): _service,
}


def group_of(obj: Object) -> str:
    api_version = str(obj.get("apiVersion", ""))
    return api_version.split("/")[0] if "/" in api_version else ""


def recreated_hook(obj: Object) -> bool:
    """A helm hook that helm deletes before creating it again."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if "helm.sh/hook" not in annotations:
        return False
    policy = str(annotations.get("helm.sh/hook-delete-policy", "before-hook-creation"))
    return "before-hook-creation" in policy


def immutable_changes(before: Object, after: Object) -> list[ImmutableChange]:
    """The changes from before to after (the same object) that cannot be applied in place."""
    rule = RULES.get((group_of(after), str(after.get("kind"))))
    if rule is None or recreated_hook(after):
        return []
    return rule(before, after)
