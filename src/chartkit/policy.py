"""Policy rules run on a release's rendered objects.

Each rule has an id, a one-line reason, and reports the object and the field path of each
violation. A rule can be waived for one object only through an annotation on that object
(on a workload, its metadata or its pod template's metadata):

    policy.chartkit.io/exempt-<rule-id>: "<why this object needs the exception>"

An exemption with an empty reason, or naming a rule that does not exist, is itself a
violation (rule `policy-exemption`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from chartkit.releases.manifest import (
    Object,
    is_workload,
    name_of,
    pod_spec,
    pod_spec_path,
    pod_template_metadata,
)

EXEMPT_PREFIX = "policy.chartkit.io/exempt-"
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)
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

# Env var / ConfigMap key names that hold secrets, and value shapes that are secrets.
_SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|_KEY$|^KEY$)",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = re.compile(
    r"(_PATH|_FILE|_URL|_URI|_ENDPOINT|_ID|_NAME|_TIMEOUT\w*)$", re.IGNORECASE
)
_SECRET_VALUE = re.compile(
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\bsk-[A-Za-z0-9_-]{20,}"
    r"|\bsk-ant-[A-Za-z0-9_-]{20,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bAIza[0-9A-Za-z_-]{35}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|\blsv2_[A-Za-z0-9_]{20,}"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."
    r"|://[^/\s:@]+:[^/\s@]+@)"
)

Finding = tuple[str, str]  # (field path, message)


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
class Release:
    """All objects of one rendered release, for rules that look across objects."""

    objects: tuple[Object, ...]

    def workloads(self) -> list[Object]:
        return [o for o in self.objects if is_workload(o) and not _is_hook(o)]

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
            and _selector_of_service(s)
            and _labels_match(_selector_of_service(s), labels)
        ]


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str
    check: Callable[[Object, Release], Iterable[Finding]]


# -- helpers ------------------------------------------------------------------------------


def _is_hook(obj: Object) -> bool:
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def _selector_of_service(service: Object) -> dict[str, str]:
    return dict(((service.get("spec") or {}).get("selector")) or {})


def _labels_match(selector: dict[str, str], labels: dict[str, Any]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _label_selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    if not _labels_match(dict(selector.get("matchLabels") or {}), labels):
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


def _spec_prefix(obj: Object) -> str:
    return ".".join(pod_spec_path(obj))


def _all_containers(obj: Object) -> Iterator[tuple[str, Object]]:
    """(path, container) for init, regular and ephemeral containers."""
    spec = pod_spec(obj)
    prefix = _spec_prefix(obj)
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for index, item in enumerate(spec.get(field) or []):
            yield f"{prefix}.{field}[{index}]", item


def _pod_rule(
    check: Callable[[Object, Object, str], Iterable[Finding]],
) -> Callable[[Object, Release], Iterable[Finding]]:
    """Adapt a check on (workload, pod spec, pod spec path) to apply to workloads only."""

    def run(obj: Object, release: Release) -> Iterable[Finding]:
        if not is_workload(obj):
            return []
        return check(obj, pod_spec(obj), _spec_prefix(obj))

    return run


# -- pod security (restricted) ------------------------------------------------------------


def _host_namespaces(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for field in ("hostNetwork", "hostPID", "hostIPC", "hostUsers"):
        value = spec.get(field)
        if field != "hostUsers" and value is True:
            yield f"{prefix}.{field}", f"{field} is true: pods must not share the host's namespaces"


def _host_ports(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in _all_containers(obj):
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
    for path, item in _all_containers(obj):
        if (item.get("securityContext") or {}).get("privileged") is True:
            yield f"{path}.securityContext.privileged", "container runs privileged"


def _capabilities(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in _all_containers(obj):
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
    for path, item in _all_containers(obj):
        if (item.get("securityContext") or {}).get("allowPrivilegeEscalation") is not False:
            yield (f"{path}.securityContext.allowPrivilegeEscalation", "must be set to false")


def _run_as_non_root(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    pod_context = spec.get("securityContext") or {}
    if pod_context.get("runAsUser") == 0:
        yield f"{prefix}.securityContext.runAsUser", "runs as user 0 (root)"
    for path, item in _all_containers(obj):
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
    for path, item in _all_containers(obj):
        own = (((item.get("securityContext") or {}).get("seccompProfile")) or {}).get("type")
        effective = own or pod_type
        if effective not in allowed:
            yield (
                f"{path}.securityContext.seccompProfile.type",
                f"seccomp profile must be RuntimeDefault or Localhost, got {effective}",
            )


def _read_only_root(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in _all_containers(obj):
        if path.endswith("]") and ".ephemeralContainers[" in path:
            continue
        if (item.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            yield (
                f"{path}.securityContext.readOnlyRootFilesystem",
                "must be true (mount an emptyDir where the app writes)",
            )


def _resources(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in _all_containers(obj):
        if ".ephemeralContainers[" in path:
            continue
        resources = item.get("resources") or {}
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if not (resources.get(section) or {}).get(resource):
                    yield (
                        f"{path}.resources.{section}.{resource}",
                        f"container {item.get('name')!r} has no {resource} {section[:-1]}",
                    )


def _image_tag(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in _all_containers(obj):
        image = str(item.get("image") or "")
        if "@" in image:
            continue
        last = image.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        if not image:
            yield f"{path}.image", "image is empty"
        elif not tag:
            yield f"{path}.image", f"image {image!r} has no tag (pin a version or digest)"
        elif tag == "latest":
            yield f"{path}.image", f"image {image!r} uses the latest tag"


# -- workload wiring ----------------------------------------------------------------------


def _probes(obj: Object, release: Release) -> Iterator[Finding]:
    if not is_workload(obj) or _is_hook(obj) or not release.services_selecting(obj):
        return
    prefix = _spec_prefix(obj)
    for index, item in enumerate(pod_spec(obj).get("containers") or []):
        for probe in ("readinessProbe", "livenessProbe"):
            if not item.get(probe):
                yield (
                    f"{prefix}.containers[{index}].{probe}",
                    f"container {item.get('name')!r} is behind a Service but has no {probe}",
                )


def _selector_match(obj: Object, release: Release) -> Iterator[Finding]:
    if not is_workload(obj) or obj["kind"] in ("Pod", "Job", "CronJob"):
        return
    selector = (obj.get("spec") or {}).get("selector")
    if not selector:
        yield "spec.selector", "workload has no selector"
        return
    labels = pod_template_metadata(obj).get("labels") or {}
    if not _label_selector_matches(selector, labels):
        yield (
            "spec.selector",
            (f"selector {selector} does not match the pod template labels {labels}"),
        )


def _service_selects_pods(obj: Object, release: Release) -> Iterator[Finding]:
    if obj.get("kind") != "Service":
        return
    selector = _selector_of_service(obj)
    if not selector:
        return
    for workload in release.workloads():
        if _labels_match(selector, pod_template_metadata(workload).get("labels") or {}):
            return
    yield "spec.selector", f"selects no pod template of the release: {selector}"


def _standard_labels(obj: Object, release: Release) -> Iterator[Finding]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    missing = [label for label in STANDARD_LABELS if not labels.get(label)]
    if missing:
        yield "metadata.labels", f"missing {', '.join(missing)}"


def _hpa_no_replicas(obj: Object, release: Release) -> Iterator[Finding]:
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


def _pdb_allows_drain(obj: Object, release: Release) -> Iterator[Finding]:
    if obj.get("kind") != "PodDisruptionBudget":
        return
    spec = obj.get("spec") or {}
    selector = spec.get("selector")  # policy/v1: a null selector selects no pods
    selected = [
        w
        for w in release.workloads()
        if selector is not None
        and _label_selector_matches(selector, pod_template_metadata(w).get("labels") or {})
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


def _secret_literals(obj: Object, release: Release) -> Iterator[Finding]:
    kind = obj.get("kind")
    if kind == "Secret" and ((obj.get("data") or {}) or (obj.get("stringData") or {})):
        yield "data", "the chart renders secret material; reference a Secret or ExternalSecret"
    if kind == "ConfigMap":
        for key, value in (obj.get("data") or {}).items():
            if _looks_secret(str(key), str(value)):
                yield f"data.{key}", "looks like a secret; keep it in a Secret"
    if is_workload(obj):
        for path, item in _all_containers(obj):
            for index, env in enumerate(item.get("env") or []):
                if "value" in env and _looks_secret(str(env.get("name")), str(env["value"])):
                    yield (
                        f"{path}.env[{index}].value",
                        f"{env.get('name')} looks like a secret literal; use secretKeyRef",
                    )


def _looks_secret(name: str, value: str) -> bool:
    if not value.strip():
        return False
    if _SECRET_VALUE.search(value):
        return True
    if value.startswith("/") and " " not in value:
        return False  # a path to a mounted secret file names the secret, it is not one
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def _service_account_token(obj: Object, release: Release) -> Iterator[Finding]:
    if not is_workload(obj):
        return
    spec = pod_spec(obj)
    if "automountServiceAccountToken" in spec:
        return  # decided explicitly on the pod
    account = spec.get("serviceAccountName") or "default"
    for candidate in release.objects:
        if candidate.get("kind") == "ServiceAccount" and name_of(candidate) == account:
            if candidate.get("automountServiceAccountToken") is False:
                return
            break
    yield (
        f"{_spec_prefix(obj)}.automountServiceAccountToken",
        f"the API token of ServiceAccount {account!r} is mounted; set "
        "automountServiceAccountToken: false unless the pod calls the API",
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "pss-host-namespaces",
        "pods must not use the host's network, PID or IPC namespaces",
        _pod_rule(_host_namespaces),
    ),
    Rule("pss-host-ports", "containers must not bind host ports", _pod_rule(_host_ports)),
    Rule(
        "pss-volume-types",
        "only the volume types the restricted standard allows (no hostPath)",
        _pod_rule(_volume_types),
    ),
    Rule("pss-privileged", "containers must not run privileged", _pod_rule(_privileged)),
    Rule(
        "pss-capabilities",
        "containers drop ALL capabilities and add none but NET_BIND_SERVICE",
        _pod_rule(_capabilities),
    ),
    Rule(
        "pss-privilege-escalation",
        "allowPrivilegeEscalation must be false",
        _pod_rule(_privilege_escalation),
    ),
    Rule(
        "pss-run-as-non-root", "containers must run as a non-root user", _pod_rule(_run_as_non_root)
    ),
    Rule("pss-seccomp", "seccomp profile RuntimeDefault (or Localhost)", _pod_rule(_seccomp)),
    Rule(
        "read-only-root-filesystem",
        "containers write only to mounted volumes",
        _pod_rule(_read_only_root),
    ),
    Rule(
        "resources", "cpu and memory requests and limits on every container", _pod_rule(_resources)
    ),
    Rule("probes", "readiness and liveness probes on every container behind a Service", _probes),
    Rule(
        "image-tag", "images pinned to a tag other than latest, or a digest", _pod_rule(_image_tag)
    ),
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
    Rule(
        "no-secret-literals",
        "no secret values in env, ConfigMaps or rendered Secrets",
        _secret_literals,
    ),
    Rule(
        "service-account-token",
        "the ServiceAccount token is mounted only when asked for",
        _service_account_token,
    ),
)
RULE_IDS = frozenset(rule.id for rule in RULES)


def exemptions(obj: Object) -> dict[str, str]:
    """rule id -> reason, from the object's (and its pod template's) annotations."""
    found: dict[str, str] = {}
    sources = [(obj.get("metadata") or {}).get("annotations") or {}]
    if is_workload(obj) and obj["kind"] != "Pod":
        sources.append(pod_template_metadata(obj).get("annotations") or {})
    for source in sources:
        for key, value in source.items():
            if key.startswith(EXEMPT_PREFIX):
                found[key[len(EXEMPT_PREFIX) :]] = str(value or "").strip()
    return found


def _exemption_problem(rule_id: str, reason: str) -> str | None:
    """What is wrong with one exemption annotation, if anything."""
    if rule_id not in RULE_IDS:
        return f"exempts unknown rule {rule_id!r}"
    if not reason:
        return f"exemption from {rule_id} gives no reason"
    return None


def check(objects: Iterable[Object], rules: Iterable[Rule] = RULES) -> list[Violation]:
    """Every violation in one release's objects, exemptions applied."""
    release = Release(objects=tuple(objects))
    violations: list[Violation] = []
    rules = tuple(rules)
    for obj in release.objects:
        kind, name = str(obj.get("kind")), name_of(obj)
        waived = exemptions(obj)
        for rule_id, reason in sorted(waived.items()):
            problem = _exemption_problem(rule_id, reason)
            if problem:
                violations.append(
                    Violation("policy-exemption", kind, name, "metadata.annotations", problem)
                )
        for rule in rules:
            if waived.get(rule.id):
                continue
            for path, message in rule.check(obj, release):
                violations.append(Violation(rule.id, kind, name, path, message))
    return violations
