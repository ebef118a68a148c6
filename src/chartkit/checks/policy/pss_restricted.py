"""The controls the restricted Pod Security Standard (Kubernetes 1.36) adds to baseline,
named as the standard names them: Volume Types, Privilege Escalation, Running as Non-root,
Running as Non-root user, Seccomp and Capabilities. Each looks at the pod, its init,
regular and ephemeral containers.

As Pod Security admission does, Volume Types replaces baseline's HostPath Volumes, and
Seccomp and Capabilities replace their baseline forms, at restricted. Privilege
Escalation, Seccomp and Capabilities apply to Linux pods only (not `os.name: windows`);
Running as Non-root and Running as Non-root user do not apply to a pod in its own user
namespace (`hostUsers: false`, Kubernetes 1.35 and later).
"""

from __future__ import annotations

from collections.abc import Iterator

from chartkit.checks.policy.base import Control, Finding, Level, PodTemplate, context_of

# Volume types the restricted Pod Security Standard allows.
RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
ALLOWED_ADDED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
SECCOMP_TYPES = ("RuntimeDefault", "Localhost")


def _volume_types(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for index, volume in enumerate(pod.spec.get("volumes") or []):
        for kind in sorted(set(volume) - {"name"} - RESTRICTED_VOLUME_TYPES):
            yield (
                f"{pod.prefix}.volumes[{index}].{kind}",
                f"volume {volume.get('name')!r} of type {kind} is not allowed (allowed: "
                f"{', '.join(sorted(RESTRICTED_VOLUME_TYPES))})",
            )


def _privilege_escalation(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    if not pod.linux:
        return
    for path, item in pod.containers():
        if context_of(item).get("allowPrivilegeEscalation") is not False:
            yield f"{path}.securityContext.allowPrivilegeEscalation", "must be set to false"


def _run_as_non_root(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    if pod.user_namespace:
        return
    pod_value = pod.context.get("runAsNonRoot")
    if pod_value is False:
        yield f"{pod.prefix}.securityContext.runAsNonRoot", "the pod sets runAsNonRoot: false"
    for path, item in pod.containers():
        value = context_of(item).get("runAsNonRoot")
        if value is False or (value is None and pod_value is not True):
            yield (
                f"{path}.securityContext.runAsNonRoot",
                "runAsNonRoot must be true (here or in the pod securityContext)",
            )


def _run_as_non_root_user(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    if pod.user_namespace:
        return
    if pod.context.get("runAsUser") == 0:
        yield f"{pod.prefix}.securityContext.runAsUser", "runs as user 0 (root)"
    for path, item in pod.containers():
        if context_of(item).get("runAsUser") == 0:
            yield f"{path}.securityContext.runAsUser", "runs as user 0 (root)"


def _seccomp(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    if not pod.linux:
        return
    pod_type = (pod.context.get("seccompProfile") or {}).get("type")
    if pod_type is not None and pod_type not in SECCOMP_TYPES:
        yield f"{pod.prefix}.securityContext.seccompProfile.type", f"{pod_type} is not allowed"
    for path, item in pod.containers():
        effective = (context_of(item).get("seccompProfile") or {}).get("type") or pod_type
        if effective not in SECCOMP_TYPES:
            yield (
                f"{path}.securityContext.seccompProfile.type",
                f"seccomp profile must be RuntimeDefault or Localhost, got {effective}",
            )


def _capabilities(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    if not pod.linux:
        return
    for path, item in pod.containers():
        capabilities = context_of(item).get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            yield f"{path}.securityContext.capabilities.drop", "must drop ALL capabilities"
        added = set(capabilities.get("add") or []) - ALLOWED_ADDED_CAPABILITIES
        if added:
            yield (
                f"{path}.securityContext.capabilities.add",
                f"adds {', '.join(sorted(added))}; only NET_BIND_SERVICE may be added",
            )


RESTRICTED: tuple[Control, ...] = (
    Control(
        "pss-volume-types",
        "Volume Types",
        "restricted",
        "only the volume types the restricted standard allows (no hostPath)",
        _volume_types,
        replaces="pss-host-path-volumes",
    ),
    Control(
        "pss-privilege-escalation",
        "Privilege Escalation",
        "restricted",
        "allowPrivilegeEscalation false",
        _privilege_escalation,
    ),
    Control(
        "pss-run-as-non-root",
        "Running as Non-root",
        "restricted",
        "runAsNonRoot true",
        _run_as_non_root,
    ),
    Control(
        "pss-run-as-non-root-user",
        "Running as Non-root user",
        "restricted",
        "runAsUser never 0",
        _run_as_non_root_user,
    ),
    Control(
        "pss-seccomp",
        "Seccomp",
        "restricted",
        "seccomp profile RuntimeDefault or Localhost",
        _seccomp,
        replaces="pss-seccomp-baseline",
    ),
    Control(
        "pss-capabilities",
        "Capabilities",
        "restricted",
        "drop ALL capabilities, add none but NET_BIND_SERVICE",
        _capabilities,
        replaces="pss-capabilities-baseline",
    ),
)
