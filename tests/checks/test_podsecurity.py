"""The Pod Security Standard level a release's pods need: every control of baseline and
restricted, each with a failing and a passing case, on a bare Pod and the pod template of
every workload kind; and the level each smoke namespace enforces."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import kubernetes_validate
import pytest

from chartkit.checks import podsecurity
from chartkit.checks.policy.pod_security import CONTROLS, controls_at
from chartkit.cluster.smoke_config import release_values
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer

Object = dict[str, Any]
APPARMOR = "container.apparmor.security.beta.kubernetes.io/"


def render(renderer: Renderer, inventory: Inventory, name: str, smoke: bool) -> list[Any]:
    release = inventory.release(name)
    values = release_values(renderer.root, release) if smoke else list(release.values)
    return list(
        renderer.render(
            release.chart,
            release=release.name,
            namespace=release.namespace,
            values_files=values,
            api_versions=renderer.platform_api_versions,
        ).objects
    )


@pytest.mark.inventory_wide
def test_every_release_with_its_smoke_values_runs_under_restricted(
    renderer: Renderer, inventory: Inventory
) -> None:
    for release in inventory.releases:
        objects = render(renderer, inventory, release.name, smoke=True)
        level, why = podsecurity.required_level(objects)
        assert level == "restricted", f"{release.name}: {why}"


def test_codebeaker_docker_socket_worker_needs_a_privileged_namespace(
    renderer: Renderer, inventory: Inventory
) -> None:
    # The release's own values (docker-socket mode): the exception is annotated for the
    # policy rules, but admission still needs the namespace to allow the hostPath volume.
    for name in ("codebeaker", "codebeaker-dev"):
        level, why = podsecurity.required_level(render(renderer, inventory, name, smoke=False))
        assert level == "privileged"
        (line,) = why
        assert line.startswith("Deployment/codebeaker-worker spec.template.spec.volumes[")
        assert "hostPath: HostPath Volumes: volume 'docker-socket'" in line


def test_restricted_only_findings_need_baseline(renderer: Renderer, inventory: Inventory) -> None:
    objects = copy.deepcopy(render(renderer, inventory, "r-analytics", smoke=True))
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False
    deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 0
    level, why = podsecurity.required_level(objects)
    assert level == "baseline"
    assert any("Running as Non-root:" in line for line in why)
    assert any("Running as Non-root user:" in line for line in why)


# -- every control, on every kind of pod template -----------------------------------------


def hardened(name: str) -> Object:
    return {
        "name": name,
        "image": f"registry.example.com/{name}:1",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }


def restricted_pod() -> Object:
    """A pod spec that meets restricted, with init and ephemeral containers."""
    return {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "initContainers": [hardened("init")],
        "containers": [hardened("app")],
        "ephemeralContainers": [hardened("debug")],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }


KINDS = {
    "Pod": ("v1", ()),
    "Deployment": ("apps/v1", ("spec", "template")),
    "StatefulSet": ("apps/v1", ("spec", "template")),
    "DaemonSet": ("apps/v1", ("spec", "template")),
    "Job": ("batch/v1", ("spec", "template")),
    "CronJob": ("batch/v1", ("spec", "jobTemplate", "spec", "template")),
    "Rollout": ("argoproj.io/v1alpha1", ("spec", "template")),
}


def workload(kind: str, spec: Object, metadata: Object) -> Object:
    """`spec` and `metadata` as the pod (template) of a `kind`."""
    api_version, path = KINDS[kind]
    obj: Object = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "w"}}
    node = obj
    for key in path:
        node = node.setdefault(key, {})
    if path:
        node.update(metadata=metadata, spec=spec)
    else:
        obj.update(metadata={"name": "w", **metadata}, spec=spec)
    return obj


def spec_prefix(kind: str) -> str:
    return ".".join([*KINDS[kind][1], "spec"])


Mutation = Callable[[Object, Object], None]  # (pod spec, pod metadata)


def context(*where: str) -> Callable[[Object], Object]:
    """The securityContext of the pod (no argument) or of a container ("containers", 0)."""

    def get(spec: Object) -> Object:
        if not where:
            return spec["securityContext"]
        return spec[where[0]][int(where[1])].setdefault("securityContext", {})

    return get


def setting(getter: Callable[[Object], Object], key: str, value: Any) -> Mutation:
    return lambda spec, metadata: getter(spec).__setitem__(key, value)


def both(*mutations: Mutation) -> Mutation:
    def run(spec: Object, metadata: Object) -> None:
        for mutation in mutations:
            mutation(spec, metadata)

    return run


def volume(source: Object) -> Mutation:
    return lambda spec, metadata: spec["volumes"].append({"name": "v", **source})


def on_container(key: str, value: Any) -> Mutation:
    return lambda spec, metadata: spec["containers"][0].__setitem__(key, value)


def annotation(key: str, value: str) -> Mutation:
    return lambda spec, metadata: metadata.setdefault("annotations", {}).__setitem__(key, value)


POD = context()
APP = context("containers", "0")
INIT = context("initContainers", "0")
DEBUG = context("ephemeralContainers", "0")
USER_NAMESPACE = setting(lambda spec: spec, "hostUsers", False)


@dataclass(frozen=True)
class Case:
    control: str  # the control's id
    id: str
    mutate: Mutation
    level: str  # the least permissive level that admits the pod
    path: str = ""  # the field the finding names, below the pod spec (or metadata)


FAILING = [
    Case(
        "pss-host-process",
        "pod",
        setting(POD, "windowsOptions", {"hostProcess": True}),
        "privileged",
        "securityContext.windowsOptions.hostProcess",
    ),
    Case(
        "pss-host-namespaces",
        "host-pid",
        setting(lambda s: s, "hostPID", True),
        "privileged",
        "hostPID",
    ),
    Case(
        "pss-privileged",
        "ephemeral",
        setting(DEBUG, "privileged", True),
        "privileged",
        "ephemeralContainers[0].securityContext.privileged",
    ),
    Case(
        "pss-capabilities-baseline",
        "sys-admin",
        setting(APP, "capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        "privileged",
        "containers[0].securityContext.capabilities.add",
    ),
    Case(
        "pss-host-path-volumes",
        "socket",
        volume({"hostPath": {"path": "/run/x.sock"}}),
        "privileged",
        "volumes[1].hostPath",
    ),
    Case(
        "pss-host-ports",
        "container",
        on_container("ports", [{"containerPort": 80, "hostPort": 80}]),
        "privileged",
        "containers[0].ports[0].hostPort",
    ),
    Case(
        "pss-host-probes",
        "readiness",
        on_container("readinessProbe", {"httpGet": {"port": 80, "host": "10.0.0.1"}}),
        "privileged",
        "containers[0].readinessProbe.httpGet.host",
    ),
    Case(
        "pss-apparmor",
        "annotation",
        annotation(f"{APPARMOR}app", "unconfined"),
        "privileged",
        f"annotations[{APPARMOR}app]",
    ),
    Case(
        "pss-apparmor",
        "field",
        setting(INIT, "appArmorProfile", {"type": "Unconfined"}),
        "privileged",
        "initContainers[0].securityContext.appArmorProfile.type",
    ),
    Case(
        "pss-selinux",
        "type",
        setting(POD, "seLinuxOptions", {"type": "spc_t"}),
        "privileged",
        "securityContext.seLinuxOptions.type",
    ),
    Case(
        "pss-proc-mount",
        "unmasked",
        setting(APP, "procMount", "Unmasked"),
        "privileged",
        "containers[0].securityContext.procMount",
    ),
    Case(
        "pss-proc-mount",
        "unmasked-in-a-user-namespace",
        both(USER_NAMESPACE, setting(APP, "procMount", "Unmasked")),
        "baseline",
        "containers[0].securityContext.procMount",
    ),
    Case(
        "pss-seccomp-baseline",
        "unconfined",
        setting(POD, "seccompProfile", {"type": "Unconfined"}),
        "privileged",
        "securityContext.seccompProfile.type",
    ),
    Case(
        "pss-sysctls",
        "unsafe",
        setting(POD, "sysctls", [{"name": "kernel.msgmax", "value": "1"}]),
        "privileged",
        "securityContext.sysctls[0].name",
    ),
    Case(
        "pss-volume-types",
        "nfs",
        volume({"nfs": {"server": "n", "path": "/"}}),
        "baseline",
        "volumes[1].nfs",
    ),
    Case(
        "pss-privilege-escalation",
        "init",
        setting(INIT, "allowPrivilegeEscalation", True),
        "baseline",
        "initContainers[0].securityContext.allowPrivilegeEscalation",
    ),
    Case(
        "pss-run-as-non-root",
        "pod-false",
        setting(POD, "runAsNonRoot", False),
        "baseline",
        "securityContext.runAsNonRoot",
    ),
    Case(
        "pss-run-as-non-root-user",
        "ephemeral-root",
        setting(DEBUG, "runAsUser", 0),
        "baseline",
        "ephemeralContainers[0].securityContext.runAsUser",
    ),
    Case(
        "pss-seccomp",
        "unset",
        lambda spec, metadata: POD(spec).pop("seccompProfile"),
        "baseline",
        "containers[0].securityContext.seccompProfile.type",
    ),
    Case(
        "pss-capabilities",
        "chown",
        setting(APP, "capabilities", {"drop": ["ALL"], "add": ["CHOWN"]}),
        "baseline",
        "containers[0].securityContext.capabilities.add",
    ),
    Case(
        "pss-capabilities",
        "no-drop",
        setting(INIT, "capabilities", {}),
        "baseline",
        "initContainers[0].securityContext.capabilities.drop",
    ),
]

PASSING = [
    Case(
        "pss-host-process",
        "false",
        setting(APP, "windowsOptions", {"hostProcess": False}),
        "restricted",
    ),
    Case("pss-host-namespaces", "false", setting(lambda s: s, "hostNetwork", False), "restricted"),
    Case("pss-privileged", "false", setting(APP, "privileged", False), "restricted"),
    Case(
        "pss-capabilities-baseline",
        "chown-at-baseline",
        setting(APP, "capabilities", {"drop": ["ALL"], "add": ["CHOWN", "KILL"]}),
        "baseline",
    ),
    Case("pss-host-path-volumes", "empty-dir", volume({"emptyDir": {}}), "restricted"),
    Case(
        "pss-host-ports",
        "zero",
        on_container("ports", [{"containerPort": 80, "hostPort": 0}]),
        "restricted",
    ),
    Case(
        "pss-host-probes",
        "no-host",
        on_container("livenessProbe", {"tcpSocket": {"port": 80, "host": ""}}),
        "restricted",
    ),
    Case(
        "pss-apparmor",
        "runtime-default",
        both(
            annotation(f"{APPARMOR}app", "localhost/p"),
            setting(POD, "appArmorProfile", {"type": "RuntimeDefault"}),
        ),
        "restricted",
    ),
    Case(
        "pss-selinux",
        "container-type",
        setting(APP, "seLinuxOptions", {"type": "container_init_t", "level": "s0:c1"}),
        "restricted",
    ),
    Case("pss-proc-mount", "default", setting(APP, "procMount", "Default"), "restricted"),
    Case(
        "pss-seccomp-baseline",
        "runtime-default",
        setting(APP, "seccompProfile", {"type": "RuntimeDefault"}),
        "restricted",
    ),
    Case(
        "pss-sysctls",
        "safe",
        setting(POD, "sysctls", [{"name": "net.ipv4.ping_group_range", "value": "0 1"}]),
        "restricted",
    ),
    Case("pss-volume-types", "config-map", volume({"configMap": {"name": "c"}}), "restricted"),
    Case(
        "pss-privilege-escalation",
        "windows",
        both(
            setting(lambda s: s, "os", {"name": "windows"}),
            lambda spec, metadata: APP(spec).pop("allowPrivilegeEscalation"),
        ),
        "restricted",
    ),
    Case(
        "pss-run-as-non-root",
        "user-namespace",
        both(USER_NAMESPACE, setting(POD, "runAsNonRoot", False)),
        "restricted",
    ),
    Case(
        "pss-run-as-non-root-user",
        "user-namespace",
        both(USER_NAMESPACE, setting(POD, "runAsUser", 0)),
        "restricted",
    ),
    Case(
        "pss-seccomp",
        "localhost-on-every-container",
        both(
            lambda spec, metadata: POD(spec).pop("seccompProfile"),
            *(
                setting(c, "seccompProfile", {"type": "Localhost", "localhostProfile": "p"})
                for c in (APP, INIT, DEBUG)
            ),
        ),
        "restricted",
    ),
    Case(
        "pss-capabilities",
        "net-bind-service",
        setting(APP, "capabilities", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}),
        "restricted",
    ),
]


def judged(case: Case, kind: str) -> tuple[str, list[str]]:
    spec, metadata = restricted_pod(), {}
    case.mutate(spec, metadata)
    return podsecurity.required_level([workload(kind, spec, metadata)])


def test_every_control_has_a_failing_and_a_passing_case() -> None:
    ids = {control.id for control in CONTROLS}
    assert len(ids) == len(CONTROLS) == 18
    assert {case.control for case in FAILING} == ids
    assert {case.control for case in PASSING} == ids


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", FAILING, ids=lambda c: f"{c.control}:{c.id}")
def test_a_control_broken_needs_a_more_permissive_level(case: Case, kind: str) -> None:
    level, why = judged(case, kind)
    assert level == case.level, why
    control = next(c for c in CONTROLS if c.id == case.control)
    under = (
        ".".join([*KINDS[kind][1], "metadata"])
        if case.path.startswith("annotations")
        else (spec_prefix(kind))
    )
    assert [line for line in why if f"{under}.{case.path}: {control.name}: " in line], why


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", PASSING, ids=lambda c: f"{c.control}:{c.id}")
def test_a_control_met_keeps_the_level(case: Case, kind: str) -> None:
    level, why = judged(case, kind)
    assert level == case.level, why


def test_restricted_judges_the_stricter_form_of_replaced_controls() -> None:
    at_restricted = {c.id for c in controls_at("restricted")}
    assert {
        "pss-host-path-volumes",
        "pss-seccomp-baseline",
        "pss-capabilities-baseline",
    }.isdisjoint(at_restricted)
    assert {c.id for c in controls_at("baseline")} == {
        c.id for c in CONTROLS if c.level == "baseline"
    }
    assert controls_at("privileged") == ()


def test_a_compliant_pod_of_every_kind_is_restricted() -> None:
    for kind in KINDS:
        assert podsecurity.required_level([workload(kind, restricted_pod(), {})]) == (
            "restricted",
            [],
        )


def test_a_shared_namespace_enforces_what_its_most_permissive_pods_need() -> None:
    assert podsecurity.most_permissive(["restricted", "baseline", "restricted"]) == "baseline"
    assert podsecurity.most_permissive(["privileged", "baseline"]) == "privileged"
    assert podsecurity.most_permissive([]) == "restricted"


def test_stricter() -> None:
    assert podsecurity.stricter("restricted", "baseline")
    assert podsecurity.stricter("baseline", "privileged")
    assert not podsecurity.stricter("baseline", "baseline")
    assert not podsecurity.stricter("privileged", "restricted")


def test_namespace_labels() -> None:
    namespace = podsecurity.namespace_manifest(
        "seedtest", "restricted", {"app.kubernetes.io/managed-by": "chartkit-smoke"}
    )
    for version in ("1.30", "1.36"):
        kubernetes_validate.validate(namespace, version, strict=True)
    assert namespace["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "chartkit-smoke",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }
