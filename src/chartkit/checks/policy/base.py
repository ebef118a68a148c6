"""What every policy rule is made of: the violation it reports, the rule itself, the view of
a whole rendered release that rules looking across objects use, the Pod Security Standard
controls and the pod template they judge, and the helpers the rule groups share
(containers with their field paths, label selectors, helm hooks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from chartkit.releases.manifest import (
    Object,
    is_workload,
    name_of,
    pod_spec,
    pod_spec_path,
    pod_template_metadata,
)

Finding = tuple[str, str]  # (field path, message)
Level = Literal["restricted", "baseline", "privileged"]


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


@dataclass(frozen=True)
class PodTemplate:
    """The pod a workload (or a bare Pod) creates, with the field paths of its parts."""

    obj: Object

    @property
    def spec(self) -> Object:
        return pod_spec(self.obj)

    @property
    def prefix(self) -> str:
        """The field path of the pod spec, e.g. spec.template.spec."""
        return spec_prefix(self.obj)

    @property
    def metadata(self) -> Object:
        return pod_template_metadata(self.obj)

    @property
    def metadata_prefix(self) -> str:
        return ".".join([*pod_spec_path(self.obj)[:-1], "metadata"])

    def containers(self) -> Iterator[tuple[str, Object]]:
        """(path, container) for init, regular and ephemeral containers."""
        return all_containers(self.obj)

    @property
    def context(self) -> Object:
        """The pod-level securityContext."""
        return self.spec.get("securityContext") or {}

    @property
    def user_namespace(self) -> bool:
        """The pod runs in its own user namespace (hostUsers: false)."""
        return self.spec.get("hostUsers") is False

    @property
    def linux(self) -> bool:
        """Not a Windows pod (spec.os.name), for the Linux-only controls."""
        return (self.spec.get("os") or {}).get("name") != "windows"


@dataclass(frozen=True)
class Control:
    """One control of a Pod Security Standard, named as the standard names it.

    `check` reports each field that breaks it, for a pod judged at `level` (a control may
    be judged differently at baseline and at restricted). A restricted control may replace
    a baseline one (`replaces`), as Pod Security admission does: at restricted only the
    stricter one is judged.
    """

    id: str
    name: str
    level: Level
    summary: str
    check: Callable[[PodTemplate, Level], Iterable[Finding]]
    replaces: str = ""


def context_of(item: Object) -> Object:
    """A container's (or pod's) securityContext, {} when unset."""
    return item.get("securityContext") or {}
