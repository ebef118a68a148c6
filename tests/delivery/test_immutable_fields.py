"""The changes `chartkit diff` flags because helm upgrade cannot apply them in place, and the
readable form of a diff: label-only changes named once, a summary fenced and cut."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chartkit.delivery.diff_report import cut, fenced, markdown_summary
from chartkit.delivery.immutable_fields import immutable_changes
from chartkit.delivery.object_diff import object_changes
from chartkit.delivery.rendered_diff import ReleaseDiff, Render, Target


def obj(api: str, kind: str, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": "x", **metadata}, "spec": spec}


def changed(before: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    after = copy.deepcopy(before)
    node = after
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return after


SELECTOR = {"selector": {"matchLabels": {"app.kubernetes.io/name": "x"}}, "replicas": 1}
PVC = {
    "storageClassName": "nfs",
    "accessModes": ["ReadWriteMany"],
    "resources": {"requests": {"storage": "10Gi"}},
}


DEPLOYMENT = obj("apps/v1", "Deployment", SELECTOR)
STATEFULSET = obj("apps/v1", "StatefulSet", SELECTOR)
CLAIM = obj("v1", "PersistentVolumeClaim", PVC)
SERVICE = obj("v1", "Service", {"type": "ClusterIP"})
STORAGE = "spec.resources.requests.storage"


@pytest.mark.parametrize(
    ("before", "path", "value", "field"),
    [
        (DEPLOYMENT, "spec.selector.matchLabels.tier", "a", "spec.selector"),
        (obj("apps/v1", "DaemonSet", SELECTOR), "spec.selector", None, "spec.selector"),
        (obj("argoproj.io/v1alpha1", "Rollout", SELECTOR), "spec.selector.x", 1, "spec.selector"),
        (STATEFULSET, "spec.serviceName", "y", "spec.serviceName"),
        (STATEFULSET, "spec.volumeClaimTemplates", [], "spec.volumeClaimTemplates"),
        (obj("batch/v1", "Job", {"template": {}}), "spec.template.spec", {}, "spec.template"),
        (CLAIM, "spec.storageClassName", "ssd", "spec.storageClassName"),
        (CLAIM, "spec.accessModes", ["ReadWriteOnce"], "spec.accessModes"),
        (CLAIM, STORAGE, "9Gi", STORAGE),
        (SERVICE, "spec.clusterIP", "None", "spec.clusterIP"),
        (SERVICE, "spec.type", "ExternalName", "spec.type"),
    ],
)
def test_fields_that_cannot_change_in_place_are_flagged(
    before: dict[str, Any], path: str, value: Any, field: str
) -> None:
    (found,) = immutable_changes(before, changed(before, path, value))
    assert found.field == field


@pytest.mark.parametrize(
    ("before", "path", "value"),
    [
        (DEPLOYMENT, "spec.replicas", 3),
        (STATEFULSET, "spec.template", {"metadata": {}}),
        (CLAIM, STORAGE, "20Gi"),
        (SERVICE, "spec.type", "LoadBalancer"),
        (obj("v1", "ConfigMap", {}), "spec.anything", 1),
    ],
)
def test_fields_that_change_in_place_are_not(before: dict[str, Any], path: str, value: Any) -> None:
    assert immutable_changes(before, changed(before, path, value)) == []


def test_a_hook_job_helm_recreates_is_exempt() -> None:
    hook = {"helm.sh/hook": "pre-upgrade"}
    job = obj("batch/v1", "Job", {"template": {"spec": {}}}, annotations=hook)
    assert immutable_changes(job, changed(job, "spec.template.spec.x", 1)) == []
    kept = {**hook, "helm.sh/hook-delete-policy": "hook-succeeded"}
    job = obj("batch/v1", "Job", {"template": {"spec": {}}}, annotations=kept)
    assert len(immutable_changes(job, changed(job, "spec.template.spec.x", 1))) == 1


def labelled(chart: str, **spec: Any) -> dict[str, Any]:
    return obj("v1", "ConfigMap", spec, labels={"helm.sh/chart": chart}, namespace="ns")


def test_a_chart_label_only_change_is_told_apart() -> None:
    before = [labelled("x-1.0.0", a=1), {**labelled("x-1.0.0"), "metadata": {"name": "y"}}]
    after = [labelled("x-1.1.0", a=1), {**labelled("x-1.1.0", a=2), "metadata": {"name": "y"}}]
    first, second = object_changes(before, after, "ns", "r/default")
    assert first.chart_label_only and not second.chart_label_only
    assert first.diff[:2] == ["--- a/r/default/ConfigMap/ns/x", "+++ b/r/default/ConfigMap/ns/x"]


def test_the_summary_is_fenced_and_cut_at_a_line() -> None:
    text, left = cut(["a" * 10, "b" * 10, "c" * 10], 25)
    assert (text, left) == ("a" * 10 + "\n" + "b" * 10, 1)
    assert fenced("x\n```\ny", "diff") == "````diff\nx\n```\ny\n````"
    changes = object_changes([], [labelled(f"x-{i}", n="v" * 200) for i in range(1)], "ns", "r/d")
    changes = [*changes] * 50
    diff = ReleaseDiff(Target("r", "prod"), Render(), Render(version="1.0.0", chart="x"), changes)
    summary = markdown_summary([diff], "0123456789abcdef", limit=2_000)
    assert summary.startswith("## Rendered diff against 0123456789ab\n")
    assert "| r | prod | 50 | 0 | 0 |  |" in summary
    assert "more line(s) not shown: the job log has the whole diff." in summary
    assert len(summary) < 3_000
