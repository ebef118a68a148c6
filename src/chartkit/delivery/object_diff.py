"""The difference between two renders of one release, object by object.

Objects are matched by kind, namespace and name (an apiVersion change is a change of the
object, not a new one) and written as YAML with sorted keys, multi-line strings as blocks
and no line wrapping, so a unified diff shows what changed and nothing else. An object
whose only change is its `helm.sh/chart` label (every object, when a chart's version goes
up) is real but says little: it is counted and named, without a hunk.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from chartkit.delivery.gitops_plan import CLUSTER_SCOPED_KINDS
from chartkit.delivery.immutable_fields import ImmutableChange, immutable_changes

Object = dict[str, Any]
CHART_LABEL = "helm.sh/chart"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class ObjectKey:
    kind: str
    namespace: str  # "" for cluster-scoped kinds
    name: str

    def label(self, release_namespace: str) -> str:
        where = f" in {self.namespace}" if self.namespace not in ("", release_namespace) else ""
        return f"{self.kind}/{self.name}{where}"


@dataclass
class ObjectChange:
    key: ObjectKey
    change: str  # added | removed | changed
    diff: list[str]  # unified diff lines
    chart_label_only: bool = False
    immutable: list[ImmutableChange] = field(default_factory=list)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks."""


def _string(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    )


_Dumper.add_representer(str, _string)


def object_lines(obj: Object | None) -> list[str]:
    if obj is None:
        return []
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=True, width=1_000_000).splitlines()


def key_of(obj: Object, release_namespace: str) -> ObjectKey:
    metadata = obj.get("metadata") or {}
    kind = str(obj.get("kind", ""))
    scoped = kind not in CLUSTER_SCOPED_KINDS
    namespace = str(metadata.get("namespace") or release_namespace) if scoped else ""
    return ObjectKey(kind, namespace, str(metadata.get("name", "")))


def without_chart_label(node: Any) -> Any:
    """A copy with every helm.sh/chart label blanked."""
    if isinstance(node, dict):
        return {
            key: ("" if key == CHART_LABEL else without_chart_label(value))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [without_chart_label(item) for item in node]
    return node


def object_change(
    key: ObjectKey, before: Object | None, after: Object | None, path: str
) -> ObjectChange | None:
    """The change of one object (None when there is none); path names it in the diff."""
    if before == after:
        return None
    change = ADDED if before is None else REMOVED if after is None else CHANGED
    diff = list(
        difflib.unified_diff(
            object_lines(before),
            object_lines(after),
            fromfile=f"a/{path}" if before is not None else "/dev/null",
            tofile=f"b/{path}" if after is not None else "/dev/null",
            lineterm="",
        )
    )
    result = ObjectChange(key, change, diff)
    if before is not None and after is not None:
        result.chart_label_only = without_chart_label(before) == without_chart_label(after)
        result.immutable = immutable_changes(copy.deepcopy(before), after)
    return result


def object_changes(
    before: Iterable[Object], after: Iterable[Object], release_namespace: str, prefix: str
) -> list[ObjectChange]:
    """Every object added, removed or changed from before to after, in the after render's
    order (removed ones last)."""
    old = {key_of(obj, release_namespace): obj for obj in before}
    new = {key_of(obj, release_namespace): obj for obj in after}
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        path = f"{prefix}/{key.kind}/{key.namespace + '/' if key.namespace else ''}{key.name}"
        found = object_change(key, old.get(key), new.get(key), path)
        if found:
            changes.append(found)
    return changes
