"""The Pod Security Standard level a release's pods need, and its namespace's labels.

The level is the least permissive one whose controls (chartkit.checks.policy.pod_security,
every control of the standards, exemption annotations ignored: they waive a policy rule,
not the admission controller) admit every pod: `restricted`, else `baseline`, else
`privileged`. Smoke-test namespaces enforce `restricted`; a release whose pods cannot meet
it (a documented, annotated exception such as codebeaker's docker-socket worker, whose
hostPath volume breaks baseline's HostPath Volumes) gets the level it needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chartkit.checks.policy.base import Level
from chartkit.checks.policy.pod_security import controls_at, judge
from chartkit.releases.manifest import Object, describe

LEVELS: tuple[Level, ...] = ("restricted", "baseline", "privileged")  # strictest first
PSS_LABEL = "pod-security.kubernetes.io"


def findings_at(level: Level, objects: Iterable[Object]) -> list[str]:
    """What the controls judged at `level` find in the objects' pods, one line each."""
    found: list[str] = []
    for obj in objects:
        for control in controls_at(level):
            for path, message in judge(control, obj, level):
                found.append(f"{describe(obj)} {path}: {control.name}: {message}")
    return found


def required_level(objects: Iterable[Object]) -> tuple[Level, list[str]]:
    """The least permissive level that admits every pod, and what the stricter levels
    find (empty for restricted)."""
    objects = list(objects)
    why: list[str] = []
    for level in LEVELS[:-1]:
        found = findings_at(level, objects)
        if not found:
            return level, why
        why = found
    return LEVELS[-1], why


def most_permissive(levels: Iterable[Level]) -> Level:
    """The most permissive of several levels: what a namespace shared by pods needing them
    must enforce (restricted when there are none)."""
    return max(levels, key=LEVELS.index, default="restricted")


def stricter(level: Level, than: Level) -> bool:
    """Whether `level` admits less than `than` (restricted is stricter than baseline)."""
    return LEVELS.index(level) < LEVELS.index(than)


def namespace_manifest(
    name: str, level: Level, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """A Namespace that enforces, audits and warns at `level`."""
    pss = {
        f"{PSS_LABEL}/enforce": level,
        f"{PSS_LABEL}/enforce-version": "latest",
        f"{PSS_LABEL}/audit": level,
        f"{PSS_LABEL}/warn": level,
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {**(labels or {}), **pss}},
    }
