"""The controls of the baseline Pod Security Standard (Kubernetes 1.36), named as the
standard names them: HostProcess, Host Namespaces, Privileged Containers, Capabilities,
HostPath Volumes, Host Ports, Host Probes / Lifecycle Hooks, AppArmor, SELinux, /proc Mount
Type, Seccomp and Sysctls. Each looks at the pod, its init, regular and ephemeral
containers.

Like Pod Security admission since 1.35, a pod in its own user namespace (`hostUsers:
false`) may set any /proc mount type at baseline (restricted still requires Default).
"""

from __future__ import annotations

from collections.abc import Iterator

from chartkit.checks.policy.base import Control, Finding, Level, PodTemplate, context_of

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
SELINUX_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HOOKS = ("postStart", "preStop")


def _contexts(pod: PodTemplate) -> Iterator[tuple[str, dict]]:
    """(path, securityContext) of the pod and of each container."""
    yield f"{pod.prefix}.securityContext", pod.context
    for path, item in pod.containers():
        yield f"{path}.securityContext", context_of(item)


def _host_process(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, context in _contexts(pod):
        if (context.get("windowsOptions") or {}).get("hostProcess") is True:
            yield f"{path}.windowsOptions.hostProcess", "runs a Windows HostProcess container"


def _host_namespaces(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.get(field) is True:
            yield (
                f"{pod.prefix}.{field}",
                f"{field} is true: pods must not share the host's namespaces",
            )


def _privileged(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, item in pod.containers():
        if context_of(item).get("privileged") is True:
            yield f"{path}.securityContext.privileged", "container runs privileged"


def _capabilities(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, item in pod.containers():
        added = set((context_of(item).get("capabilities") or {}).get("add") or [])
        if added - BASELINE_CAPABILITIES:
            yield (
                f"{path}.securityContext.capabilities.add",
                f"adds {', '.join(sorted(added - BASELINE_CAPABILITIES))}, beyond the baseline set",
            )


def _host_path_volumes(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for index, volume in enumerate(pod.spec.get("volumes") or []):
        if "hostPath" in volume:
            yield (
                f"{pod.prefix}.volumes[{index}].hostPath",
                f"volume {volume.get('name')!r} is a hostPath volume",
            )


def _host_ports(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, item in pod.containers():
        for index, port in enumerate(item.get("ports") or []):
            if port.get("hostPort"):
                yield f"{path}.ports[{index}].hostPort", f"hostPort {port['hostPort']} is set"


def _host_probes(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, item in pod.containers():
        handlers = [(f"{path}.{p}", item.get(p)) for p in PROBES]
        lifecycle = item.get("lifecycle") or {}
        handlers += [(f"{path}.lifecycle.{h}", lifecycle.get(h)) for h in HOOKS]
        for where, handler in handlers:
            for action in ("httpGet", "tcpSocket"):
                host = ((handler or {}).get(action) or {}).get("host")
                if host:
                    yield f"{where}.{action}.host", f"host {host!r} is set"


def _apparmor(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, context in _contexts(pod):
        kind = (context.get("appArmorProfile") or {}).get("type")
        if kind is not None and kind not in APPARMOR_TYPES:
            yield f"{path}.appArmorProfile.type", f"AppArmor profile {kind} is not allowed"
    for key, value in sorted((pod.metadata.get("annotations") or {}).items()):
        profile = str(value or "")
        if key.startswith(APPARMOR_ANNOTATION) and not (
            profile in ("", "runtime/default") or profile.startswith("localhost/")
        ):
            yield f"{pod.metadata_prefix}.annotations[{key}]", f"AppArmor profile {profile}"


def _selinux(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, context in _contexts(pod):
        options = context.get("seLinuxOptions") or {}
        if str(options.get("type") or "") not in SELINUX_TYPES:
            yield f"{path}.seLinuxOptions.type", f"SELinux type {options['type']} is not allowed"
        for field in ("user", "role"):
            if options.get(field):
                yield f"{path}.seLinuxOptions.{field}", f"sets a custom SELinux {field}"


def _proc_mount(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    if level == "baseline" and pod.user_namespace:
        return
    for path, item in pod.containers():
        mount = context_of(item).get("procMount")
        if mount is not None and mount != "Default":
            yield f"{path}.securityContext.procMount", f"/proc mount type {mount}"


def _seccomp(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for path, context in _contexts(pod):
        if (context.get("seccompProfile") or {}).get("type") == "Unconfined":
            yield f"{path}.seccompProfile.type", "seccomp profile Unconfined"


def _sysctls(pod: PodTemplate, level: Level) -> Iterator[Finding]:
    for index, sysctl in enumerate(pod.context.get("sysctls") or []):
        if sysctl.get("name") not in SAFE_SYSCTLS:
            yield (
                f"{pod.prefix}.securityContext.sysctls[{index}].name",
                f"sysctl {sysctl.get('name')} is not in the safe set",
            )


BASELINE: tuple[Control, ...] = (
    Control(
        "pss-host-process",
        "HostProcess",
        "baseline",
        "no Windows HostProcess containers",
        _host_process,
    ),
    Control(
        "pss-host-namespaces",
        "Host Namespaces",
        "baseline",
        "no host network, PID or IPC namespace",
        _host_namespaces,
    ),
    Control(
        "pss-privileged",
        "Privileged Containers",
        "baseline",
        "no privileged containers",
        _privileged,
    ),
    Control(
        "pss-capabilities-baseline",
        "Capabilities",
        "baseline",
        "no capabilities added beyond the baseline set",
        _capabilities,
    ),
    Control(
        "pss-host-path-volumes",
        "HostPath Volumes",
        "baseline",
        "no hostPath volumes",
        _host_path_volumes,
    ),
    Control("pss-host-ports", "Host Ports", "baseline", "no host ports", _host_ports),
    Control(
        "pss-host-probes",
        "Host Probes / Lifecycle Hooks",
        "baseline",
        "no host in probes and lifecycle hooks",
        _host_probes,
    ),
    Control(
        "pss-apparmor",
        "AppArmor",
        "baseline",
        "AppArmor profile RuntimeDefault or Localhost, if set",
        _apparmor,
    ),
    Control(
        "pss-selinux",
        "SELinux",
        "baseline",
        "SELinux type of the container types only, no custom user or role",
        _selinux,
    ),
    Control(
        "pss-proc-mount",
        "/proc Mount Type",
        "baseline",
        "the Default /proc mount type",
        _proc_mount,
    ),
    Control(
        "pss-seccomp-baseline", "Seccomp", "baseline", "seccomp profile not Unconfined", _seccomp
    ),
    Control("pss-sysctls", "Sysctls", "baseline", "only the safe sysctls", _sysctls),
)
