"""Rules on how a release's objects fit together: selectors that match their pods, Services
that select a pod, the standard labels, HPAs that own the replica count, and
PodDisruptionBudgets that never block a node drain."""

from __future__ import annotations

from collections.abc import Iterator

from chartkit.checks.policy.base import (
    Finding,
    ReleaseObjects,
    Rule,
    label_selector_matches,
    labels_match,
    service_selector,
)
from chartkit.releases.manifest import Object, is_workload, name_of, pod_template_metadata

STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)


def _selector_match(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    if not is_workload(obj) or obj["kind"] in ("Pod", "Job", "CronJob"):
        return
    selector = (obj.get("spec") or {}).get("selector")
    if not selector:
        yield "spec.selector", "workload has no selector"
        return
    labels = pod_template_metadata(obj).get("labels") or {}
    if not label_selector_matches(selector, labels):
        yield (
            "spec.selector",
            (f"selector {selector} does not match the pod template labels {labels}"),
        )


def _service_selects_pods(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    if obj.get("kind") != "Service":
        return
    selector = service_selector(obj)
    if not selector:
        return
    for workload in release.workloads():
        if labels_match(selector, pod_template_metadata(workload).get("labels") or {}):
            return
    yield "spec.selector", f"selects no pod template of the release: {selector}"


def _standard_labels(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    missing = [label for label in STANDARD_LABELS if not labels.get(label)]
    if missing:
        yield "metadata.labels", f"missing {', '.join(missing)}"


def _hpa_no_replicas(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    if obj.get("kind") != "HorizontalPodAutoscaler":
        return
    target = release.hpa_target(obj)
    ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
    if target is None:
        yield (
            "spec.scaleTargetRef",
            (f"targets {ref.get('kind')}/{ref.get('name')}, which the release does not render"),
        )
    elif "replicas" in (target.get("spec") or {}):
        yield (
            "spec.scaleTargetRef",
            (
                f"{target['kind']}/{name_of(target)} sets spec.replicas; "
                "the HPA owns the count, so each upgrade would reset it"
            ),
        )


def _pdb_allows_drain(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    if obj.get("kind") != "PodDisruptionBudget":
        return
    spec = obj.get("spec") or {}
    selector = spec.get("selector")  # policy/v1: a null selector selects no pods
    selected = [
        w
        for w in release.workloads()
        if selector is not None
        and label_selector_matches(selector, pod_template_metadata(w).get("labels") or {})
    ]
    if not selected:
        yield "spec.selector", "selects no pod template of the release"
        return
    pods = sum(release.min_pods(w) for w in selected)
    if "maxUnavailable" in spec:
        value = spec["maxUnavailable"]
        if value in (0, "0", "0%"):
            yield "spec.maxUnavailable", "maxUnavailable 0 blocks every node drain"
        elif pods < 1:
            yield "spec.maxUnavailable", "selected workloads run no pods"
    if "minAvailable" in spec:
        value = spec["minAvailable"]
        if isinstance(value, str) and value.endswith("%"):
            allowed = pods - (pods * int(value[:-1]) + 99) // 100
        else:
            allowed = pods - int(value)
        if allowed < 1:
            yield (
                "spec.minAvailable",
                (
                    f"minAvailable {value} with {pods} pod(s) at minimum "
                    "leaves no pod that may be evicted: drains block"
                ),
            )


RULES: tuple[Rule, ...] = (
    Rule(
        "selector-match", "a workload's selector matches its pod template labels", _selector_match
    ),
    Rule(
        "service-selects-pods",
        "every Service selects a pod template of the release",
        _service_selects_pods,
    ),
    Rule(
        "standard-labels",
        "app.kubernetes.io/{name,instance,version,managed-by} and helm.sh/chart on every object",
        _standard_labels,
    ),
    Rule("hpa-no-replicas", "no replicas on a workload an HPA scales", _hpa_no_replicas),
    Rule(
        "pdb-allows-drain",
        "a PodDisruptionBudget always lets a node drain evict a pod",
        _pdb_allows_drain,
    ),
)
