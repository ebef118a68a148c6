"""The rules of the restricted Pod Security Standard (rule ids `pss-*`): no host namespaces,
ports or volumes, no privileged containers or added capabilities, no privilege escalation,
non-root users and a RuntimeDefault (or Localhost) seccomp profile."""

from __future__ import annotations

from collections.abc import Iterator

from chartkit.checks.policy.base import Finding, Rule, all_containers, pod_rule
from chartkit.releases.manifest import Object

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
_VOLUME_META_KEYS = frozenset({"name"})
ALLOWED_ADDED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})


def _host_namespaces(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for field in ("hostNetwork", "hostPID", "hostIPC", "hostUsers"):
        value = spec.get(field)
        if field != "hostUsers" and value is True:
            yield f"{prefix}.{field}", f"{field} is true: pods must not share the host's namespaces"


def _host_ports(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in all_containers(obj):
        for index, port in enumerate(item.get("ports") or []):
            if port.get("hostPort"):
                yield f"{path}.ports[{index}].hostPort", f"hostPort {port['hostPort']} is set"


def _volume_types(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for index, volume in enumerate(spec.get("volumes") or []):
        kinds = set(volume) - _VOLUME_META_KEYS
        for kind in sorted(kinds - RESTRICTED_VOLUME_TYPES):
            yield (
                f"{prefix}.volumes[{index}].{kind}",
                f"volume {volume.get('name')!r} of type {kind} is not allowed (allowed: "
                f"{', '.join(sorted(RESTRICTED_VOLUME_TYPES))})",
            )


def _privileged(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in all_containers(obj):
        if (item.get("securityContext") or {}).get("privileged") is True:
            yield f"{path}.securityContext.privileged", "container runs privileged"


def _capabilities(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in all_containers(obj):
        caps = (item.get("securityContext") or {}).get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            yield f"{path}.securityContext.capabilities.drop", "must drop ALL capabilities"
        added = set(caps.get("add") or []) - ALLOWED_ADDED_CAPABILITIES
        if added:
            yield (
                f"{path}.securityContext.capabilities.add",
                f"adds {', '.join(sorted(added))}; only NET_BIND_SERVICE may be added",
            )


def _privilege_escalation(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in all_containers(obj):
        if (item.get("securityContext") or {}).get("allowPrivilegeEscalation") is not False:
            yield (f"{path}.securityContext.allowPrivilegeEscalation", "must be set to false")


def _run_as_non_root(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    pod_context = spec.get("securityContext") or {}
    if pod_context.get("runAsUser") == 0:
        yield f"{prefix}.securityContext.runAsUser", "runs as user 0 (root)"
    for path, item in all_containers(obj):
        context = item.get("securityContext") or {}
        non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        if non_root is not True:
            yield (
                f"{path}.securityContext.runAsNonRoot",
                "runAsNonRoot must be true (here or in the pod securityContext)",
            )
        if context.get("runAsUser") == 0:
            yield f"{path}.securityContext.runAsUser", "runs as user 0 (root)"


def _seccomp(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    allowed = ("RuntimeDefault", "Localhost")
    pod_type = ((spec.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
    if pod_type is not None and pod_type not in allowed:
        yield f"{prefix}.securityContext.seccompProfile.type", f"{pod_type} is not allowed"
    for path, item in all_containers(obj):
        own = (((item.get("securityContext") or {}).get("seccompProfile")) or {}).get("type")
        effective = own or pod_type
        if effective not in allowed:
            yield (
                f"{path}.securityContext.seccompProfile.type",
                f"seccomp profile must be RuntimeDefault or Localhost, got {effective}",
            )


RULES: tuple[Rule, ...] = (
    Rule(
        "pss-host-namespaces",
        "pods must not use the host's network, PID or IPC namespaces",
        pod_rule(_host_namespaces),
    ),
    Rule("pss-host-ports", "containers must not bind host ports", pod_rule(_host_ports)),
    Rule(
        "pss-volume-types",
        "only the volume types the restricted standard allows (no hostPath)",
        pod_rule(_volume_types),
    ),
    Rule("pss-privileged", "containers must not run privileged", pod_rule(_privileged)),
    Rule(
        "pss-capabilities",
        "containers drop ALL capabilities and add none but NET_BIND_SERVICE",
        pod_rule(_capabilities),
    ),
    Rule(
        "pss-privilege-escalation",
        "allowPrivilegeEscalation must be false",
        pod_rule(_privilege_escalation),
    ),
    Rule(
        "pss-run-as-non-root", "containers must run as a non-root user", pod_rule(_run_as_non_root)
    ),
    Rule("pss-seccomp", "seccomp profile RuntimeDefault (or Localhost)", pod_rule(_seccomp)),
)
