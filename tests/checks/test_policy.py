"""Unit tests for chartkit.checks.policy: every rule fails on a broken object and passes on a
fixed one.

Each test starts from `compliant_release()`, a Deployment (or Argo Rollout) + Service +
ServiceAccount release that passes every rule, and breaks or changes one field.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from chartkit.checks.policy import EXEMPT_PREFIX, RULE_IDS, RULES, Violation, check

Object = dict[str, Any]
Mutation = Callable[[list[Object]], None]

WORKLOAD = "<workload>"  # placeholder for the workload kind under test (Deployment or Rollout)
POD = "spec.template.spec"
C0 = f"{POD}.containers[0]"
SC0 = f"{C0}.securityContext"
DIGEST = "sha256:" + "a" * 64
APPARMOR = "container.apparmor.security.beta.kubernetes.io/"


# -- a fully compliant release --------------------------------------------------------------


def labels(name: str = "web") -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": "shop",
        "app.kubernetes.io/version": "1.2.3",
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": f"{name}-0.1.0",
    }


def selector(name: str = "web") -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": "shop"}


def metadata(name: str = "web", component: str = "web") -> Object:
    return {"name": name, "labels": labels(component)}


def container_security() -> Object:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def resources() -> Object:
    return {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }


def make_container(name: str = "web") -> Object:
    return {
        "name": name,
        "image": "registry.example.com/shop/web:1.2.3",
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
        "securityContext": container_security(),
        "resources": resources(),
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
        "livenessProbe": {"httpGet": {"path": "/live", "port": "http"}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def init_container() -> Object:
    return {
        "name": "migrate",
        "image": "registry.example.com/shop/migrate:1.2.3",
        "securityContext": container_security(),
        "resources": resources(),
    }


def ephemeral_container() -> Object:
    """Compliant as an ephemeral container: no resources, no read-only root needed."""
    return {
        "name": "debug",
        "image": "registry.example.com/tools/debug:1.0",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }


def pod_spec(name: str = "web") -> Object:
    return {
        "serviceAccountName": "web",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [make_container(name)],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }


def make_workload(kind: str = "Deployment", name: str = "web", replicas: int | None = 2) -> Object:
    api_version = "argoproj.io/v1alpha1" if kind == "Rollout" else "apps/v1"
    spec: Object = {
        "selector": {"matchLabels": selector(name)},
        "template": {"metadata": {"labels": labels(name)}, "spec": pod_spec(name)},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    if kind == "Rollout":
        spec["strategy"] = {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata(name, name), "spec": spec}


def make_service(name: str = "web") -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name),
        "spec": {
            "selector": selector(name),
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def make_service_account(name: str = "web") -> Object:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(name),
        "automountServiceAccountToken": False,
    }


def compliant_release(kind: str = "Deployment") -> list[Object]:
    return [make_service_account(), make_workload(kind), make_service()]


def make_hpa(target: Object, min_replicas: int = 2, target_name: str | None = None) -> Object:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata("web"),
        "spec": {
            "scaleTargetRef": {
                "apiVersion": target["apiVersion"],
                "kind": target["kind"],
                "name": target_name or target["metadata"]["name"],
            },
            "minReplicas": min_replicas,
            "maxReplicas": 10,
        },
    }


def make_pdb(match: dict[str, str] | None = None, **spec: Any) -> Object:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata("web"),
        "spec": {"selector": {"matchLabels": selector() if match is None else match}, **spec},
    }


def make_config_map(data: dict[str, str]) -> Object:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata("web"), "data": data}


def make_secret(**content: Any) -> Object:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata("web"), **content}


def helm_test_pod(pod_labels: dict[str, str] | None = None) -> Object:
    """A `helm test` hook Pod, compliant with the pod rules, without probes."""
    container = make_container("web")
    del container["readinessProbe"], container["livenessProbe"], container["ports"]
    meta = metadata("web-test")
    meta["labels"] = pod_labels or labels("web")
    meta["annotations"] = {"helm.sh/hook": "test"}
    spec = pod_spec()
    spec["containers"] = [container]
    spec["restartPolicy"] = "Never"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


# -- accessors used by the mutations --------------------------------------------------------


def of_kind(objects: list[Object], kind: str, name: str = "web") -> Object:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"fixture has no single {kind}/{name}"
    return matches[0]


def wl(objects: list[Object]) -> Object:
    return next(o for o in objects if o["kind"] in ("Deployment", "Rollout"))


def pod(objects: list[Object]) -> Object:
    return wl(objects)["spec"]["template"]["spec"]


def ctr(objects: list[Object]) -> Object:
    return pod(objects)["containers"][0]


def sec(objects: list[Object]) -> Object:
    return ctr(objects)["securityContext"]


def pod_sec(objects: list[Object]) -> Object:
    return pod(objects)["securityContext"]


def svc(objects: list[Object]) -> Object:
    return of_kind(objects, "Service")


def sa(objects: list[Object]) -> Object:
    return of_kind(objects, "ServiceAccount")


def keyed(objects: list[Object]) -> set[tuple[str, str, str, str]]:
    return {(v.rule, v.kind, v.name, v.path) for v in check(objects)}


def rules_reported(objects: list[Object]) -> set[str]:
    return {v.rule for v in check(objects)}


# -- mutations ------------------------------------------------------------------------------


def steps(*mutations: Mutation) -> Mutation:
    def run(objects: list[Object]) -> None:
        for mutation in mutations:
            mutation(objects)

    return run


def add(factory: Callable[[list[Object]], Object]) -> Mutation:
    return lambda objects: objects.append(factory(objects))


def set_in(getter: Callable[[list[Object]], Object], key: str, value: Any) -> Mutation:
    return lambda objects: getter(objects).__setitem__(key, value)


def drop(getter: Callable[[list[Object]], Object], key: str) -> Mutation:
    return lambda objects: getter(objects).pop(key)


def add_env(name: str, value: str | None = None, **extra: Any) -> Mutation:
    entry: Object = {"name": name, **extra}
    if value is not None:
        entry["value"] = value
    return lambda objects: ctr(objects)["env"].append(entry)


def add_init(**changes: Any) -> Mutation:
    def run(objects: list[Object]) -> None:
        item = init_container()
        item.update(changes)
        pod(objects).setdefault("initContainers", []).append(item)

    return run


def add_volume(volume: Object) -> Mutation:
    return lambda objects: pod(objects)["volumes"].append(volume)


drop_replicas = drop(lambda o: wl(o)["spec"], "replicas")


def hpa(min_replicas: int = 2, target_name: str | None = None) -> Mutation:
    return add(lambda o: make_hpa(wl(o), min_replicas, target_name))


def pdb(match: dict[str, str] | None = None, **spec: Any) -> Mutation:
    return add(lambda o: make_pdb(match, **spec))


@dataclass(frozen=True)
class Fail:
    """A mutation of the compliant release that `rule` must report at `path`."""

    rule: str
    id: str
    mutate: Mutation
    path: str
    kind: str = WORKLOAD
    name: str = "web"
    message: str = ""  # a fragment the violation message must contain
    also: frozenset[str] = field(default_factory=frozenset)  # other rules it may trigger


@dataclass(frozen=True)
class Pass:
    """A change to the compliant release after which no rule reports anything."""

    rule: str
    id: str
    mutate: Mutation


SECRET_VALUES = {
    "openai-key": "sk-proj-" + "A1b2C3d4" * 4,
    "anthropic-key": "sk-ant-api03-" + "x" * 30,
    "aws-access-key": "AKIA" + "ABCDEFGHIJKLMNOP",
    "github-token": "ghp_" + "a1B2" * 9,
    "private-key": "-----BEGIN RSA PRIVATE KEY-----\nMIIE...",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
    "url-credentials": "postgres://app:s3cret@db.internal:5432/app",
}

FAILING: list[Fail] = [
    # pss-host-namespaces
    *(
        Fail("pss-host-namespaces", field_, set_in(pod, field_, True), f"{POD}.{field_}")
        for field_ in ("hostNetwork", "hostPID", "hostIPC")
    ),
    # pss-host-ports
    Fail(
        "pss-host-ports",
        "container",
        lambda o: ctr(o)["ports"][0].__setitem__("hostPort", 8080),
        f"{C0}.ports[0].hostPort",
    ),
    Fail(
        "pss-host-ports",
        "init-container",
        add_init(ports=[{"containerPort": 9000, "hostPort": 9000}]),
        f"{POD}.initContainers[0].ports[0].hostPort",
    ),
    # pss-volume-types
    Fail(
        "pss-volume-types",
        "hostPath",
        add_volume({"name": "host", "hostPath": {"path": "/var/run"}}),
        f"{POD}.volumes[1].hostPath",
    ),
    Fail(
        "pss-volume-types",
        "nfs",
        add_volume({"name": "share", "nfs": {"server": "nfs", "path": "/"}}),
        f"{POD}.volumes[1].nfs",
    ),
    # pss-privileged
    Fail("pss-privileged", "container", set_in(sec, "privileged", True), f"{SC0}.privileged"),
    Fail(
        "pss-privileged",
        "init-container",
        add_init(securityContext={**container_security(), "privileged": True}),
        f"{POD}.initContainers[0].securityContext.privileged",
    ),
    # pss-capabilities
    Fail(
        "pss-capabilities", "no-drop", set_in(sec, "capabilities", {}), f"{SC0}.capabilities.drop"
    ),
    Fail(
        "pss-capabilities",
        "drop-not-all",
        set_in(sec, "capabilities", {"drop": ["NET_RAW"]}),
        f"{SC0}.capabilities.drop",
    ),
    Fail(
        "pss-capabilities",
        "add-sys-admin",
        set_in(sec, "capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        f"{SC0}.capabilities.add",
        message="SYS_ADMIN",
    ),
    Fail(
        "pss-capabilities",
        "ephemeral-container",
        lambda o: pod(o).__setitem__("ephemeralContainers", [{"name": "dbg", "image": "d:1"}]),
        f"{POD}.ephemeralContainers[0].securityContext.capabilities.drop",
        also=frozenset({"pss-privilege-escalation", "pss-run-as-non-root"}),
    ),
    # pss-privilege-escalation
    Fail(
        "pss-privilege-escalation",
        "unset",
        drop(sec, "allowPrivilegeEscalation"),
        f"{SC0}.allowPrivilegeEscalation",
    ),
    Fail(
        "pss-privilege-escalation",
        "true",
        set_in(sec, "allowPrivilegeEscalation", True),
        f"{SC0}.allowPrivilegeEscalation",
    ),
    # pss-run-as-non-root
    Fail(
        "pss-run-as-non-root",
        "unset",
        drop(lambda o: pod(o)["securityContext"], "runAsNonRoot"),
        f"{SC0}.runAsNonRoot",
    ),
    Fail(
        "pss-run-as-non-root",
        "container-overrides-pod",
        set_in(sec, "runAsNonRoot", False),
        f"{SC0}.runAsNonRoot",
    ),
    Fail(
        "pss-run-as-non-root",
        "pod-false-container-true",
        steps(set_in(pod_sec, "runAsNonRoot", False), set_in(sec, "runAsNonRoot", True)),
        f"{POD}.securityContext.runAsNonRoot",
    ),
    # pss-run-as-non-root-user
    Fail(
        "pss-run-as-non-root-user",
        "pod-root-user",
        set_in(pod_sec, "runAsUser", 0),
        f"{POD}.securityContext.runAsUser",
    ),
    Fail(
        "pss-run-as-non-root-user",
        "container-root-user",
        set_in(sec, "runAsUser", 0),
        f"{SC0}.runAsUser",
    ),
    Fail(
        "pss-run-as-non-root-user",
        "init-container-root-user",
        add_init(securityContext={**container_security(), "runAsUser": 0}),
        f"{POD}.initContainers[0].securityContext.runAsUser",
    ),
    # pss-host-process
    Fail(
        "pss-host-process",
        "pod",
        set_in(pod_sec, "windowsOptions", {"hostProcess": True}),
        f"{POD}.securityContext.windowsOptions.hostProcess",
    ),
    Fail(
        "pss-host-process",
        "ephemeral-container",
        lambda o: pod(o).__setitem__(
            "ephemeralContainers",
            [
                {
                    **ephemeral_container(),
                    "securityContext": {
                        **ephemeral_container()["securityContext"],
                        "windowsOptions": {"hostProcess": True},
                    },
                }
            ],
        ),
        f"{POD}.ephemeralContainers[0].securityContext.windowsOptions.hostProcess",
    ),
    # pss-host-probes
    Fail(
        "pss-host-probes",
        "readiness-http",
        lambda o: ctr(o)["readinessProbe"]["httpGet"].__setitem__("host", "10.0.0.1"),
        f"{C0}.readinessProbe.httpGet.host",
    ),
    Fail(
        "pss-host-probes",
        "pre-stop-tcp",
        set_in(ctr, "lifecycle", {"preStop": {"tcpSocket": {"port": 80, "host": "node"}}}),
        f"{C0}.lifecycle.preStop.tcpSocket.host",
    ),
    Fail(
        "pss-host-probes",
        "sidecar-liveness",
        add_init(restartPolicy="Always", livenessProbe={"tcpSocket": {"port": 9, "host": "h"}}),
        f"{POD}.initContainers[0].livenessProbe.tcpSocket.host",
    ),
    # pss-apparmor
    Fail(
        "pss-apparmor",
        "pod-unconfined",
        set_in(pod_sec, "appArmorProfile", {"type": "Unconfined"}),
        f"{POD}.securityContext.appArmorProfile.type",
    ),
    Fail(
        "pss-apparmor",
        "container-unconfined",
        set_in(sec, "appArmorProfile", {"type": "Unconfined"}),
        f"{SC0}.appArmorProfile.type",
        message="Unconfined",
    ),
    Fail(
        "pss-apparmor",
        "annotation-unconfined",
        lambda o: wl(o)["spec"]["template"]["metadata"].__setitem__(
            "annotations", {f"{APPARMOR}web": "unconfined"}
        ),
        f"spec.template.metadata.annotations[{APPARMOR}web]",
    ),
    # pss-selinux
    Fail(
        "pss-selinux",
        "container-type",
        set_in(sec, "seLinuxOptions", {"type": "spc_t"}),
        f"{SC0}.seLinuxOptions.type",
        message="spc_t",
    ),
    Fail(
        "pss-selinux",
        "pod-user",
        set_in(pod_sec, "seLinuxOptions", {"user": "system_u"}),
        f"{POD}.securityContext.seLinuxOptions.user",
    ),
    Fail(
        "pss-selinux",
        "init-role",
        add_init(securityContext={**container_security(), "seLinuxOptions": {"role": "r"}}),
        f"{POD}.initContainers[0].securityContext.seLinuxOptions.role",
    ),
    # pss-proc-mount
    Fail("pss-proc-mount", "unmasked", set_in(sec, "procMount", "Unmasked"), f"{SC0}.procMount"),
    Fail(
        "pss-proc-mount",
        "unmasked-in-a-user-namespace",
        steps(set_in(pod, "hostUsers", False), set_in(sec, "procMount", "Unmasked")),
        f"{SC0}.procMount",
    ),
    # pss-sysctls
    Fail(
        "pss-sysctls",
        "unsafe",
        set_in(pod_sec, "sysctls", [{"name": "kernel.msgmax", "value": "65536"}]),
        f"{POD}.securityContext.sysctls[0].name",
        message="kernel.msgmax",
    ),
    # pss-seccomp
    Fail(
        "pss-seccomp",
        "unset",
        drop(lambda o: pod(o)["securityContext"], "seccompProfile"),
        f"{SC0}.seccompProfile.type",
    ),
    Fail(
        "pss-seccomp",
        "pod-unconfined",
        set_in(lambda o: pod(o)["securityContext"], "seccompProfile", {"type": "Unconfined"}),
        f"{POD}.securityContext.seccompProfile.type",
    ),
    Fail(
        "pss-seccomp",
        "container-unconfined",
        set_in(sec, "seccompProfile", {"type": "Unconfined"}),
        f"{SC0}.seccompProfile.type",
        message="Unconfined",
    ),
    # read-only-root-filesystem
    Fail(
        "read-only-root-filesystem",
        "false",
        set_in(sec, "readOnlyRootFilesystem", False),
        f"{SC0}.readOnlyRootFilesystem",
    ),
    Fail(
        "read-only-root-filesystem",
        "unset",
        drop(sec, "readOnlyRootFilesystem"),
        f"{SC0}.readOnlyRootFilesystem",
    ),
    # resources
    Fail(
        "resources",
        "no-memory-limit",
        lambda o: ctr(o)["resources"]["limits"].pop("memory"),
        f"{C0}.resources.limits.memory",
    ),
    Fail("resources", "no-requests", drop(ctr, "resources"), f"{C0}.resources.requests.cpu"),
    Fail(
        "resources",
        "init-container",
        add_init(resources={"limits": {"cpu": "1", "memory": "1Gi"}}),
        f"{POD}.initContainers[0].resources.requests.memory",
    ),
    # probes
    Fail("probes", "no-readiness", drop(ctr, "readinessProbe"), f"{C0}.readinessProbe"),
    Fail("probes", "no-liveness", drop(ctr, "livenessProbe"), f"{C0}.livenessProbe"),
    # image-tag
    Fail(
        "image-tag",
        "no-tag",
        set_in(ctr, "image", "registry.example.com/shop/web"),
        f"{C0}.image",
        message="no tag",
    ),
    Fail(
        "image-tag",
        "registry-port-is-not-a-tag",
        set_in(ctr, "image", "registry.example.com:5000/shop/web"),
        f"{C0}.image",
    ),
    Fail(
        "image-tag",
        "latest",
        set_in(ctr, "image", "registry.example.com/shop/web:latest"),
        f"{C0}.image",
        message="latest",
    ),
    Fail("image-tag", "empty", set_in(ctr, "image", ""), f"{C0}.image", message="empty"),
    Fail(
        "image-tag",
        "init-container",
        add_init(image="busybox"),
        f"{POD}.initContainers[0].image",
    ),
    # selector-match
    Fail(
        "selector-match",
        "mismatch",
        set_in(lambda o: wl(o)["spec"], "selector", {"matchLabels": selector("other")}),
        "spec.selector",
    ),
    Fail("selector-match", "missing", drop(lambda o: wl(o)["spec"], "selector"), "spec.selector"),
    Fail(
        "selector-match",
        "expression-not-in",
        set_in(
            lambda o: wl(o)["spec"],
            "selector",
            {
                "matchExpressions": [
                    {"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["web"]}
                ]
            },
        ),
        "spec.selector",
    ),
    Fail(
        "selector-match",
        "expression-does-not-exist",
        set_in(
            lambda o: wl(o)["spec"],
            "selector",
            {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "DoesNotExist"}]},
        ),
        "spec.selector",
    ),
    # service-selects-pods
    Fail(
        "service-selects-pods",
        "selector-matches-nothing",
        set_in(lambda o: svc(o)["spec"], "selector", selector("other")),
        "spec.selector",
        kind="Service",
    ),
    # standard-labels
    Fail(
        "standard-labels",
        "service-missing-chart-label",
        lambda o: svc(o)["metadata"]["labels"].pop("helm.sh/chart"),
        "metadata.labels",
        kind="Service",
        message="helm.sh/chart",
    ),
    Fail(
        "standard-labels",
        "service-account-unlabelled",
        lambda o: sa(o)["metadata"].pop("labels"),
        "metadata.labels",
        kind="ServiceAccount",
        message="app.kubernetes.io/managed-by",
    ),
    Fail(
        "standard-labels",
        "workload-empty-version",
        lambda o: wl(o)["metadata"]["labels"].__setitem__("app.kubernetes.io/version", ""),
        "metadata.labels",
        message="app.kubernetes.io/version",
    ),
    # hpa-no-replicas
    Fail(
        "hpa-no-replicas",
        "target-sets-replicas",
        hpa(),
        "spec.scaleTargetRef",
        kind="HorizontalPodAutoscaler",
        message="sets spec.replicas",
    ),
    Fail(
        "hpa-no-replicas",
        "target-missing",
        steps(drop_replicas, hpa(target_name="gone")),
        "spec.scaleTargetRef",
        kind="HorizontalPodAutoscaler",
        message="does not render",
    ),
    # pdb-allows-drain
    Fail(
        "pdb-allows-drain",
        "max-unavailable-0",
        pdb(maxUnavailable=0),
        "spec.maxUnavailable",
        kind="PodDisruptionBudget",
    ),
    Fail(
        "pdb-allows-drain",
        "max-unavailable-0%",
        pdb(maxUnavailable="0%"),
        "spec.maxUnavailable",
        kind="PodDisruptionBudget",
    ),
    Fail(
        "pdb-allows-drain",
        "min-available-equals-replicas",
        pdb(minAvailable=2),
        "spec.minAvailable",
        kind="PodDisruptionBudget",
    ),
    Fail(
        "pdb-allows-drain",
        "min-available-100%",
        pdb(minAvailable="100%"),
        "spec.minAvailable",
        kind="PodDisruptionBudget",
    ),
    Fail(
        "pdb-allows-drain",
        "min-available-50%-of-one-pod",
        steps(set_in(lambda o: wl(o)["spec"], "replicas", 1), pdb(minAvailable="50%")),
        "spec.minAvailable",
        kind="PodDisruptionBudget",
    ),
    Fail(
        "pdb-allows-drain",
        "min-available-equals-hpa-min",
        steps(drop_replicas, hpa(min_replicas=2), pdb(minAvailable=2)),
        "spec.minAvailable",
        kind="PodDisruptionBudget",
    ),
    Fail(
        "pdb-allows-drain",
        "selects-no-pods",
        pdb(match={"app.kubernetes.io/name": "other"}, maxUnavailable=1),
        "spec.selector",
        kind="PodDisruptionBudget",
    ),
    # no-secret-literals
    *(
        Fail(
            "no-secret-literals",
            f"value-{label}-{name}",
            add_env(name, value),
            f"{C0}.env[1].value",
            message=name,
        )
        for label, value in SECRET_VALUES.items()
        for name in ("LLM_SETTING", "CONFIG_PATH")
    ),
    Fail(
        "no-secret-literals",
        "DB_PASSWORD",
        add_env("DB_PASSWORD", "hunter2"),
        f"{C0}.env[1].value",
        message="DB_PASSWORD",
    ),
    Fail(
        "no-secret-literals",
        "stripe_api_key-lowercase",
        add_env("stripe_api_key", "not-a-known-shape"),
        f"{C0}.env[1].value",
    ),
    Fail(
        "no-secret-literals",
        "init-container-env",
        add_init(env=[{"name": "GITHUB_TOKEN", "value": "abc123"}]),
        f"{POD}.initContainers[0].env[0].value",
    ),
    Fail(
        "no-secret-literals",
        "configmap-API_TOKEN",
        add(lambda o: make_config_map({"LOG_LEVEL": "info", "API_TOKEN": "abc123"})),
        "data.API_TOKEN",
        kind="ConfigMap",
    ),
    Fail(
        "no-secret-literals",
        "configmap-secret-value",
        add(lambda o: make_config_map({"settings": "key=" + SECRET_VALUES["openai-key"]})),
        "data.settings",
        kind="ConfigMap",
    ),
    Fail(
        "no-secret-literals",
        "rendered-secret-data",
        add(lambda o: make_secret(data={"password": "aHVudGVyMg=="})),
        "data",
        kind="Secret",
    ),
    Fail(
        "no-secret-literals",
        "rendered-secret-stringData",
        add(lambda o: make_secret(stringData={"password": "hunter2"})),
        "data",
        kind="Secret",
    ),
    # service-account-token
    Fail(
        "service-account-token",
        "sa-does-not-opt-out",
        drop(sa, "automountServiceAccountToken"),
        f"{POD}.automountServiceAccountToken",
        message="'web'",
    ),
    Fail(
        "service-account-token",
        "default-sa",
        drop(pod, "serviceAccountName"),
        f"{POD}.automountServiceAccountToken",
        message="'default'",
    ),
    Fail(
        "service-account-token",
        "sa-not-in-release",
        set_in(pod, "serviceAccountName", "shared"),
        f"{POD}.automountServiceAccountToken",
        message="'shared'",
    ),
    Fail(
        "service-account-token",
        "sa-true",
        set_in(sa, "automountServiceAccountToken", True),
        f"{POD}.automountServiceAccountToken",
    ),
]

ALLOWED_VOLUMES: list[Object] = [
    {"name": "cm", "configMap": {"name": "web"}},
    {"name": "sec", "secret": {"secretName": "web"}},
    {"name": "proj", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
    {"name": "down", "downwardAPI": {"items": []}},
    {"name": "data", "persistentVolumeClaim": {"claimName": "web"}},
    {"name": "csi", "csi": {"driver": "secrets-store.csi.k8s.io"}},
    {"name": "eph", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
]

NOT_SECRET_ENV = {
    "FIREBASE_SERVICE_ACCOUNT_PATH": "/app/.auth/x.json",
    "R_ANALYTICS_TIMEOUT_SECS": "20",
    "R_ANALYTICS_BASE_URL": "http://r-analytics.seedtest.svc.cluster.local:8000",
    "JWT_SECRET_PATH": "/var/run/secrets/jwt/key",
    "OAUTH_TOKEN_URL": "https://auth.example.com/oauth/token",
    "SECRET_NAME": "web-credentials",
    "TOKEN_TIMEOUT": "30s",
    "DB_PASSWORD": "",
}

PASSING: list[Pass] = [
    Pass(
        "pss-host-namespaces",
        "explicit-false",
        steps(*(set_in(pod, f, False) for f in ("hostNetwork", "hostPID", "hostIPC"))),
    ),
    Pass("pss-host-namespaces", "host-users-false", set_in(pod, "hostUsers", False)),
    Pass(
        "pss-host-process",
        "explicit-false",
        steps(
            set_in(pod_sec, "windowsOptions", {"hostProcess": False}),
            set_in(sec, "windowsOptions", {"hostProcess": False}),
        ),
    ),
    Pass(
        "pss-host-probes",
        "empty-host",
        lambda o: ctr(o)["livenessProbe"]["httpGet"].__setitem__("host", ""),
    ),
    Pass(
        "pss-apparmor",
        "runtime-default-and-localhost",
        steps(
            set_in(pod_sec, "appArmorProfile", {"type": "RuntimeDefault"}),
            set_in(sec, "appArmorProfile", {"type": "Localhost", "localhostProfile": "p"}),
            lambda o: wl(o)["spec"]["template"]["metadata"].__setitem__(
                "annotations", {f"{APPARMOR}web": "runtime/default", f"{APPARMOR}x": "localhost/p"}
            ),
        ),
    ),
    Pass(
        "pss-selinux",
        "container-type-and-level",
        set_in(sec, "seLinuxOptions", {"type": "container_t", "level": "s0:c123,c456"}),
    ),
    Pass("pss-proc-mount", "default", set_in(sec, "procMount", "Default")),
    Pass(
        "pss-sysctls",
        "safe-set",
        set_in(
            pod_sec,
            "sysctls",
            [
                {"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"},
                {"name": "net.ipv4.tcp_keepalive_time", "value": "300"},
            ],
        ),
    ),
    Pass("pss-run-as-non-root-user", "non-zero", set_in(sec, "runAsUser", 1000)),
    Pass(
        "pss-run-as-non-root-user",
        "root-in-a-user-namespace",
        steps(
            set_in(pod, "hostUsers", False),
            set_in(pod_sec, "runAsUser", 0),
            set_in(pod_sec, "runAsNonRoot", False),
        ),
    ),
    Pass(
        "pss-seccomp",
        "windows-pod",
        steps(
            set_in(pod, "os", {"name": "windows"}),
            drop(pod_sec, "seccompProfile"),
            drop(sec, "allowPrivilegeEscalation"),
            drop(sec, "capabilities"),
        ),
    ),
    Pass("pss-host-ports", "container-port-only", add_init(ports=[{"containerPort": 9000}])),
    Pass(
        "pss-host-ports",
        "host-port-zero",
        lambda o: ctr(o)["ports"][0].__setitem__("hostPort", 0),
    ),
    Pass(
        "pss-volume-types",
        "restricted-types",
        steps(*(add_volume(copy.deepcopy(v)) for v in ALLOWED_VOLUMES)),
    ),
    Pass("pss-privileged", "explicit-false", set_in(sec, "privileged", False)),
    Pass(
        "pss-capabilities",
        "add-net-bind-service",
        set_in(sec, "capabilities", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}),
    ),
    Pass("pss-privilege-escalation", "init-container-false", add_init()),
    Pass(
        "pss-run-as-non-root",
        "on-container-only",
        steps(
            drop(lambda o: pod(o)["securityContext"], "runAsNonRoot"),
            set_in(sec, "runAsNonRoot", True),
        ),
    ),
    Pass(
        "pss-seccomp",
        "container-localhost",
        steps(
            drop(lambda o: pod(o)["securityContext"], "seccompProfile"),
            set_in(sec, "seccompProfile", {"type": "Localhost", "localhostProfile": "p.json"}),
        ),
    ),
    Pass(
        "read-only-root-filesystem",
        "ephemeral-container-exempt",
        lambda o: pod(o).__setitem__("ephemeralContainers", [ephemeral_container()]),
    ),
    Pass(
        "resources",
        "integer-cpu",
        lambda o: ctr(o)["resources"]["limits"].__setitem__("cpu", 1),
    ),
    Pass(
        "resources",
        "ephemeral-container-exempt",
        lambda o: pod(o).__setitem__("ephemeralContainers", [ephemeral_container()]),
    ),
    Pass(
        "probes",
        "no-service-no-probes",
        steps(
            lambda o: o.remove(svc(o)),
            drop(ctr, "readinessProbe"),
            drop(ctr, "livenessProbe"),
        ),
    ),
    Pass(
        "probes",
        "init-container-needs-none",
        add_init(),
    ),
    Pass("image-tag", "digest", set_in(ctr, "image", f"registry.example.com/shop/web@{DIGEST}")),
    Pass("image-tag", "registry-port-and-tag", set_in(ctr, "image", "registry:5000/shop/web:1.0")),
    Pass(
        "selector-match",
        "match-expressions",
        set_in(
            lambda o: wl(o)["spec"],
            "selector",
            {
                "matchLabels": {"app.kubernetes.io/instance": "shop"},
                "matchExpressions": [
                    {"key": "app.kubernetes.io/name", "operator": "In", "values": ["web", "x"]},
                    {"key": "app.kubernetes.io/version", "operator": "Exists"},
                    {"key": "tier", "operator": "DoesNotExist"},
                    {"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["x"]},
                ],
            },
        ),
    ),
    Pass(
        "service-selects-pods",
        "service-without-selector",
        lambda o: o.append({**make_service("external"), "spec": {"type": "ExternalName"}}),
    ),
    Pass(
        "standard-labels",
        "extra-labels",
        lambda o: svc(o)["metadata"]["labels"].__setitem__("team", "shop"),
    ),
    Pass("hpa-no-replicas", "hpa-owns-replicas", steps(drop_replicas, hpa())),
    Pass("pdb-allows-drain", "max-unavailable-1-of-2", pdb(maxUnavailable=1)),
    Pass("pdb-allows-drain", "min-available-1-of-2", pdb(minAvailable=1)),
    Pass("pdb-allows-drain", "min-available-50%-of-2", pdb(minAvailable="50%")),
    Pass(
        "pdb-allows-drain",
        "hpa-min-3-min-available-2",
        steps(drop_replicas, hpa(min_replicas=3), pdb(minAvailable=2)),
    ),
    Pass(
        "no-secret-literals",
        "references-and-settings",
        steps(*(add_env(name, value) for name, value in NOT_SECRET_ENV.items())),
    ),
    Pass(
        "no-secret-literals",
        "secret-key-ref",
        add_env("DB_PASSWORD", valueFrom={"secretKeyRef": {"name": "web-db", "key": "password"}}),
    ),
    Pass(
        "no-secret-literals",
        "configmap-without-secrets",
        add(lambda o: make_config_map(dict(NOT_SECRET_ENV))),
    ),
    Pass(
        "no-secret-literals",
        "secret-without-data",
        add(lambda o: make_secret(type="kubernetes.io/service-account-token")),
    ),
    Pass(
        "service-account-token",
        "pod-opts-out",
        steps(
            drop(sa, "automountServiceAccountToken"),
            set_in(pod, "automountServiceAccountToken", False),
        ),
    ),
    Pass(
        "service-account-token",
        "pod-explicitly-true",
        steps(
            drop(sa, "automountServiceAccountToken"),
            set_in(pod, "automountServiceAccountToken", True),
        ),
    ),
    Pass("service-account-token", "sa-opts-out", lambda o: None),
]


@pytest.fixture(params=["Deployment", "Rollout"])
def workload_kind(request: pytest.FixtureRequest) -> str:
    return request.param


# -- the table-driven tests -----------------------------------------------------------------


def test_compliant_release_has_no_violations(workload_kind: str) -> None:
    objects = compliant_release(workload_kind)
    assert check(objects) == []
    assert [o["kind"] for o in objects] == ["ServiceAccount", workload_kind, "Service"]


@pytest.mark.parametrize("case", FAILING, ids=lambda c: f"{c.rule}:{c.id}")
def test_rule_reports_violation(case: Fail, workload_kind: str) -> None:
    objects = compliant_release(workload_kind)
    case.mutate(objects)
    violations = check(objects)
    kind = workload_kind if case.kind == WORKLOAD else case.kind
    matching = [
        v
        for v in violations
        if (v.rule, v.kind, v.name, v.path) == (case.rule, kind, case.name, case.path)
    ]
    assert matching, f"expected [{case.rule}] {kind}/{case.name} {case.path}, got {violations}"
    assert case.message in matching[0].message
    unexpected = {v.rule for v in violations} - {case.rule} - case.also
    assert not unexpected, f"the mutation also broke {unexpected}: {violations}"


@pytest.mark.parametrize("case", PASSING, ids=lambda c: f"{c.rule}:{c.id}")
def test_rule_accepts_compliant_variant(case: Pass, workload_kind: str) -> None:
    objects = compliant_release(workload_kind)
    case.mutate(objects)
    assert check(objects) == []


def test_every_rule_has_failing_and_passing_cases() -> None:
    """A new rule without a failing and a passing case here fails this test."""
    rule_ids = [rule.id for rule in RULES]
    assert len(rule_ids) == len(set(rule_ids)) == len(RULE_IDS)
    assert sorted(RULE_IDS - {c.rule for c in FAILING}) == [], "rules without a failing case"
    assert sorted(RULE_IDS - {c.rule for c in PASSING}) == [], "rules without a passing case"
    stale = ({c.rule for c in FAILING} | {c.rule for c in PASSING}) - RULE_IDS
    assert not stale, f"cases for rules that do not exist: {stale}"


def test_each_rule_fires_only_through_its_own_check() -> None:
    """Running one rule alone reports exactly that rule's failing cases."""
    for rule in RULES:
        cases = [c for c in FAILING if c.rule == rule.id]
        for case in cases:
            objects = compliant_release()
            case.mutate(objects)
            alone = check(objects, rules=[rule])
            assert {v.rule for v in alone} == {rule.id}, (case.id, alone)


def test_violation_str_names_rule_object_and_path() -> None:
    objects = compliant_release()
    set_in(sec, "privileged", True)(objects)
    (violation,) = check(objects)
    assert str(violation) == (
        f"[pss-privileged] Deployment/web {SC0}.privileged: container runs privileged"
    )
    assert str(Violation("r", "Service", "web", "", "m")) == "[r] Service/web: m"


# -- exemptions ------------------------------------------------------------------------------


def exempt(obj: Object, rule: str, reason: Any, on_template: bool = False) -> None:
    meta = obj["spec"]["template"]["metadata"] if on_template else obj["metadata"]
    meta.setdefault("annotations", {})[EXEMPT_PREFIX + rule] = reason


def two_privileged_workloads(kind: str) -> list[Object]:
    """web (behind the Service) and worker, both privileged and binding a host port."""
    objects = compliant_release(kind)
    worker = make_workload(kind, "worker")
    worker["spec"]["template"]["spec"]["serviceAccountName"] = "web"
    objects.append(worker)
    for workload in (wl(objects), worker):
        item = workload["spec"]["template"]["spec"]["containers"][0]
        item["securityContext"]["privileged"] = True
        item["ports"][0]["hostPort"] = 8080
    return objects


@pytest.mark.parametrize("on_template", [False, True], ids=["metadata", "pod-template"])
def test_exemption_waives_exactly_that_rule_for_exactly_that_object(
    workload_kind: str, on_template: bool
) -> None:
    objects = two_privileged_workloads(workload_kind)
    before = keyed(objects)
    exempt(wl(objects), "pss-privileged", "runs the node agent", on_template)
    after = keyed(objects)
    waived = ("pss-privileged", workload_kind, "web", f"{SC0}.privileged")
    assert waived in before
    assert before - after == {waived}
    assert after - before == set()
    # still reported: the other rule on web, and the same rule on worker
    assert ("pss-host-ports", workload_kind, "web", f"{C0}.ports[0].hostPort") in after
    assert ("pss-privileged", workload_kind, "worker", f"{SC0}.privileged") in after


def test_exemption_on_a_non_workload() -> None:
    objects = compliant_release()
    svc(objects)["spec"]["selector"] = selector("other")
    assert rules_reported(objects) == {"service-selects-pods"}
    exempt(svc(objects), "service-selects-pods", "endpoints are managed by the operator")
    assert check(objects) == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_exemption_without_reason_is_a_violation_and_waives_nothing(reason: Any) -> None:
    objects = compliant_release()
    set_in(sec, "privileged", True)(objects)
    exempt(wl(objects), "pss-privileged", reason)
    found = check(objects)
    assert {(v.rule, v.path) for v in found} == {
        ("policy-exemption", "metadata.annotations"),
        ("pss-privileged", f"{SC0}.privileged"),
    }
    (problem,) = [v for v in found if v.rule == "policy-exemption"]
    assert (problem.kind, problem.name) == ("Deployment", "web")
    assert "pss-privileged" in problem.message and "no reason" in problem.message


def test_exemption_of_unknown_rule_is_a_violation() -> None:
    objects = compliant_release()
    exempt(wl(objects), "pss-privilegd", "typo in the rule id")
    (problem,) = check(objects)
    assert (problem.rule, problem.kind, problem.name, problem.path) == (
        "policy-exemption",
        "Deployment",
        "web",
        "metadata.annotations",
    )
    assert "'pss-privilegd'" in problem.message


# -- Argo Rollouts -----------------------------------------------------------------------------


def test_rollout_pod_spec_is_checked_like_a_deployment() -> None:
    def broken(kind: str) -> set[tuple[str, str]]:
        objects = compliant_release(kind)
        set_in(sec, "privileged", True)(objects)
        drop(ctr, "resources")(objects)
        set_in(pod, "hostNetwork", True)(objects)
        return {(v.rule, v.path) for v in check(objects)}

    rollout = broken("Rollout")
    assert rollout == broken("Deployment")
    assert ("pss-privileged", f"{SC0}.privileged") in rollout
    assert ("pss-host-namespaces", f"{POD}.hostNetwork") in rollout
    assert ("resources", f"{C0}.resources.limits.memory") in rollout


def test_hpa_targeting_a_rollout() -> None:
    objects = compliant_release("Rollout")
    hpa()(objects)
    (violation,) = check(objects)
    assert (violation.rule, violation.kind, violation.path) == (
        "hpa-no-replicas",
        "HorizontalPodAutoscaler",
        "spec.scaleTargetRef",
    )
    assert "Rollout/web" in violation.message
    drop_replicas(objects)
    assert check(objects) == []


# -- cross-object rules ------------------------------------------------------------------------


def test_hpa_matches_its_target_by_kind_as_well_as_name() -> None:
    objects = compliant_release()
    drop_replicas(objects)
    objects.append(make_hpa({**wl(objects), "kind": "StatefulSet"}))
    (violation,) = check(objects)
    assert violation.rule == "hpa-no-replicas"
    assert "StatefulSet/web" in violation.message and "does not render" in violation.message


def test_pdb_counts_hpa_minimum_not_the_default_replica_count() -> None:
    objects = compliant_release()
    drop_replicas(objects)  # without the HPA the workload would run 1 pod
    pdb(minAvailable=1)(objects)
    assert rules_reported(objects) == {"pdb-allows-drain"}
    hpa(min_replicas=2)(objects)
    assert check(objects) == []


def test_pdb_counts_every_selected_workload() -> None:
    objects = compliant_release()
    worker = make_workload("Deployment", "worker", replicas=1)
    worker["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] = "web"
    worker["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "web"
    worker["spec"]["template"]["spec"]["containers"][0]["name"] = "worker"
    objects.append(worker)
    pdb(minAvailable=2)(objects)  # 2 + 1 pods at minimum: one may be evicted
    assert check(objects) == []
    pdb_obj = of_kind(objects, "PodDisruptionBudget")
    pdb_obj["spec"]["minAvailable"] = 3
    assert keyed(objects) == {
        ("pdb-allows-drain", "PodDisruptionBudget", "web", "spec.minAvailable")
    }


def test_pdb_without_selector_selects_no_pods() -> None:
    """policy/v1: a null selector matches no pods (only an empty {} selector matches all)."""
    objects = compliant_release()
    pdb(maxUnavailable=1)(objects)
    of_kind(objects, "PodDisruptionBudget")["spec"].pop("selector")
    assert keyed(objects) == {("pdb-allows-drain", "PodDisruptionBudget", "web", "spec.selector")}


def test_pdb_ignores_hook_pods() -> None:
    objects = [make_service_account(), helm_test_pod(), make_pdb(maxUnavailable=1)]
    assert keyed(objects) == {("pdb-allows-drain", "PodDisruptionBudget", "web", "spec.selector")}


def test_probes_required_only_behind_a_service() -> None:
    objects = compliant_release()
    worker = make_workload("Deployment", "worker")
    worker["spec"]["template"]["spec"]["serviceAccountName"] = "web"
    worker_container = worker["spec"]["template"]["spec"]["containers"][0]
    del worker_container["readinessProbe"], worker_container["livenessProbe"]
    objects.append(worker)
    assert check(objects) == []
    # the same worker selected by a Service now needs probes
    objects.append(make_service("worker"))
    assert keyed(objects) == {
        ("probes", "Deployment", "worker", f"{C0}.readinessProbe"),
        ("probes", "Deployment", "worker", f"{C0}.livenessProbe"),
    }


def test_probes_not_required_on_init_containers() -> None:
    objects = compliant_release()
    add_init()(objects)
    assert "readinessProbe" not in pod(objects)["initContainers"][0]
    assert check(objects) == []


def test_helm_test_hook_pod_needs_no_probes_even_when_labels_match_the_service() -> None:
    objects = compliant_release()
    objects.append(helm_test_pod(labels("web")))
    assert check(objects) == []


def test_helm_test_hook_pod_is_not_a_selected_pod_template() -> None:
    objects = [make_service_account(), helm_test_pod(labels("web")), make_service()]
    assert keyed(objects) == {("service-selects-pods", "Service", "web", "spec.selector")}


def test_hook_pod_is_still_checked_by_pod_rules() -> None:
    test_pod = helm_test_pod()
    test_pod["spec"]["containers"][0]["securityContext"]["privileged"] = True
    objects = [*compliant_release(), test_pod]
    assert keyed(objects) == {
        ("pss-privileged", "Pod", "web-test", "spec.containers[0].securityContext.privileged")
    }


def test_cronjob_paths_and_no_selector_rule() -> None:
    job = make_workload("Deployment", "nightly")
    template = job["spec"]["template"]
    template["spec"]["containers"][0]["securityContext"]["privileged"] = True
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata("nightly", "nightly"),
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}},
    }
    cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["serviceAccountName"] = "web"
    objects = [*compliant_release(), cronjob]
    prefix = "spec.jobTemplate.spec.template.spec"
    assert keyed(objects) == {
        (
            "pss-privileged",
            "CronJob",
            "nightly",
            f"{prefix}.containers[0].securityContext.privileged",
        )
    }


# -- secret literals -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "MODEL", "CONFIG_PATH", "SERVICE_URL"])
def test_secret_shaped_value_is_flagged_under_any_name(name: str) -> None:
    objects = compliant_release()
    add_env(name, "sk-" + "Zz9" * 10)(objects)
    assert keyed(objects) == {("no-secret-literals", "Deployment", "web", f"{C0}.env[1].value")}


@pytest.mark.parametrize(("name", "value"), sorted(NOT_SECRET_ENV.items()))
def test_settings_and_references_are_not_secrets(name: str, value: str) -> None:
    objects = compliant_release()
    add_env(name, value)(objects)
    assert check(objects) == []


def test_configmap_values_are_checked_by_key_and_value() -> None:
    objects = compliant_release()
    objects.append(
        make_config_map(
            {
                "API_TOKEN": "abc123",
                "R_ANALYTICS_BASE_URL": "http://r-analytics:8000",
                "FIREBASE_SERVICE_ACCOUNT_PATH": "/app/.auth/x.json",
                "notes": "see https://user:pass@example.com/x",
            }
        )
    )
    assert {v.path for v in check(objects)} == {"data.API_TOKEN", "data.notes"}
