"""What every policy rule is made of: the violation it reports, the rule itself, the view of
a whole rendered release that rules looking across objects use, and the helpers the rule
groups share (containers with their field paths, label selectors, helm hooks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from chartkit.releases.manifest import (
    Object,
    is_workload,
    name_of,
    pod_spec,
    pod_spec_path,
    pod_template_metadata,
)

Finding = tuple[str, str]  # (field path, message)


@dataclass(frozen=True)
class Violation:
    rule: str
    kind: str
    name: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.kind}/{self.name}" + (f" {self.path}" if self.path else "")
        return f"[{self.rule}] {where}: {self.message}"


@dataclass(frozen=True)
class ReleaseObjects:
    """All objects of one rendered release, for rules that look across objects."""

    objects: tuple[Object, ...]

    def workloads(self) -> list[Object]:
        return [o for o in self.objects if is_workload(o) and not is_hook(o)]

    def hpa_target(self, hpa: Object) -> Object | None:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        for obj in self.objects:
            if obj.get("kind") == ref.get("kind") and name_of(obj) == ref.get("name"):
                return obj
        return None

    def hpa_for(self, workload: Object) -> Object | None:
        for hpa in self.objects:
            if hpa.get("kind") == "HorizontalPodAutoscaler" and self.hpa_target(hpa) is workload:
                return hpa
        return None

    def min_pods(self, workload: Object) -> int:
        hpa = self.hpa_for(workload)
        if hpa is not None:
            return int((hpa.get("spec") or {}).get("minReplicas", 1))
        return int((workload.get("spec") or {}).get("replicas", 1))

    def services_selecting(self, workload: Object) -> list[Object]:
        labels = pod_template_metadata(workload).get("labels") or {}
        return [
            s
            for s in self.objects
            if s.get("kind") == "Service"
            and service_selector(s)
            and labels_match(service_selector(s), labels)
        ]


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str
    check: Callable[[Object, ReleaseObjects], Iterable[Finding]]


def is_hook(obj: Object) -> bool:
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def service_selector(service: Object) -> dict[str, str]:
    return dict(((service.get("spec") or {}).get("selector")) or {})


def labels_match(selector: dict[str, str], labels: dict[str, Any]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def label_selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    if not labels_match(dict(selector.get("matchLabels") or {}), labels):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def spec_prefix(obj: Object) -> str:
    return ".".join(pod_spec_path(obj))


def all_containers(obj: Object) -> Iterator[tuple[str, Object]]:
    """(path, container) for init, regular and ephemeral containers."""
    spec = pod_spec(obj)
    prefix = spec_prefix(obj)
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for index, item in enumerate(spec.get(field) or []):
            yield f"{prefix}.{field}[{index}]", item


def pod_rule(
    check: Callable[[Object, Object, str], Iterable[Finding]],
) -> Callable[[Object, ReleaseObjects], Iterable[Finding]]:
    """Adapt a check on (workload, pod spec, pod spec path) to apply to workloads only."""

    def run(obj: Object, release: ReleaseObjects) -> Iterable[Finding]:
        if not is_workload(obj):
            return []
        return check(obj, pod_spec(obj), spec_prefix(obj))

    return run
