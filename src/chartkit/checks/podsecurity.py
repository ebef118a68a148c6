"""The Pod Security Standard level a release's pods need, and its namespace's labels.

Smoke-test namespaces enforce `restricted`. A release whose pods cannot meet it (a
documented, annotated exception such as codebeaker's docker-socket worker) gets the least
permissive level that admits them: `baseline` when only restricted-only rules fail
(non-root, seccomp, privilege escalation, dropped capabilities, volume types),
`privileged` when a baseline rule fails too (hostPath, host namespaces or ports,
privileged containers, added capabilities outside baseline's set).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from chartkit.checks import policy
from chartkit.checks.policy.base import ReleaseObjects
from chartkit.releases.manifest import Object, containers, is_workload, pod_spec

Level = Literal["restricted", "baseline", "privileged"]
LEVELS: tuple[Level, ...] = ("restricted", "baseline", "privileged")
PSS_LABEL = "pod-security.kubernetes.io"

# Capabilities the baseline standard allows containers to add.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def restricted_findings(objects: Iterable[Object]) -> list[str]:
    """Every restricted-standard finding of the pss-* policy rules, exemptions ignored
    (an exemption waives the policy rule, not the admission controller)."""
    release = ReleaseObjects(objects=tuple(objects))
    found: list[str] = []
    for rule in policy.RULES:
        if not rule.id.startswith("pss-"):
            continue
        for obj in release.objects:
            for path, message in rule.check(obj, release):
                found.append(f"[{rule.id}] {obj.get('kind')}/{_name(obj)} {path}: {message}")
    return found


def baseline_findings(objects: Iterable[Object]) -> list[str]:
    """What the baseline standard forbids."""
    found: list[str] = []
    for obj in objects:
        if not is_workload(obj):
            continue
        where = f"{obj.get('kind')}/{_name(obj)}"
        spec = pod_spec(obj)
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(field):
                found.append(f"{where}: {field}")
        for volume in spec.get("volumes") or []:
            if "hostPath" in volume:
                found.append(f"{where}: hostPath volume {volume.get('name')}")
        for container in containers(obj, include_init=True):
            context: dict[str, Any] = container.get("securityContext") or {}
            name = container.get("name")
            if context.get("privileged"):
                found.append(f"{where}: container {name} is privileged")
            added = set((context.get("capabilities") or {}).get("add") or [])
            if added - BASELINE_CAPABILITIES:
                found.append(f"{where}: container {name} adds {sorted(added)}")
            for port in container.get("ports") or []:
                if port.get("hostPort"):
                    found.append(f"{where}: container {name} uses hostPort {port['hostPort']}")
    return found


def required_level(objects: Iterable[Object]) -> tuple[Level, list[str]]:
    """The least permissive level that admits every pod, and why it is not restricted."""
    objects = list(objects)
    restricted = restricted_findings(objects)
    if not restricted:
        return "restricted", []
    baseline = baseline_findings(objects)
    if baseline:
        return "privileged", baseline
    return "baseline", restricted


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


def _name(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("name", "?"))
