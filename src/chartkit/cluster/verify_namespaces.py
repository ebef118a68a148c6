"""The namespaces `chartkit verify --server` checks objects in: which exist on the cluster
(and the Pod Security level each enforces), which the release itself creates, and the
temporary copies of those it may make for the check.

A release such as an ECP tenant renders its own Namespace and every other object in it.
Before the release is installed that namespace does not exist, and the API server refuses
any object in it for that alone. Only when the user allows it (`--allow-temporary-
namespaces`) is such a namespace created, from the release's own Namespace object (its
labels, so Pod Security admission judges the pods as it will), and deleted afterwards,
also when the check fails or is interrupted.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

from chartkit.checks import podsecurity
from chartkit.releases.manifest import Object, describe, is_workload, name_of
from chartkit.tools.kubectl import Kubectl

ENFORCE_LABEL = f"{podsecurity.PSS_LABEL}/enforce"
TEMPORARY_ANNOTATION = "verify.chartkit.io/temporary"


def existing_namespaces(kubectl: Kubectl, names: Sequence[str]) -> dict[str, dict[str, str]]:
    """name -> labels of each of the namespaces that exists on the cluster."""
    found: dict[str, dict[str, str]] = {}
    for name in sorted(set(names)):
        out = kubectl.run(["get", "namespace", name, "--ignore-not-found", "-o", "json"])
        if out.strip():
            found[name] = dict((json.loads(out).get("metadata") or {}).get("labels") or {})
    return found


@dataclass
class TemporaryNamespaces:
    """The namespaces made for the check, and why others could not be."""

    created: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)


def _temporary(namespace: Object) -> Object:
    metadata = namespace.get("metadata") or {}
    annotations = {
        **(metadata.get("annotations") or {}),
        TEMPORARY_ANNOTATION: "created by chartkit verify --server for a dry run; deleted after",
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name_of(namespace),
            "labels": dict(metadata.get("labels") or {}),
            "annotations": annotations,
        },
    }


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def temporary_namespaces(
    kubectl: Kubectl, namespaces: Sequence[Object]
) -> Iterator[TemporaryNamespaces]:
    """Create each Namespace object for the duration of the block; delete those created
    afterwards, whatever happens (SIGTERM is turned into SystemExit meanwhile)."""
    made = TemporaryNamespaces()
    previous = None
    if namespaces and threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        for namespace in namespaces:
            name = name_of(namespace)
            ok, output = kubectl.attempt(
                ["create", "-f", "-", "-o", "name"], stdin=json.dumps(_temporary(namespace))
            )
            if ok:
                made.created.add(name)
            else:
                made.failed[name] = output.strip()
        yield made
    finally:
        for name in sorted(made.created):
            kubectl.attempt(["delete", "namespace", name, "--ignore-not-found", "--wait=false"])
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def pod_security_problems(
    release: str,
    objects: Sequence[Object],
    namespace_of: Mapping[str, str | None],
    enforced: Mapping[str, str],
) -> list[str]:
    """Each workload whose namespace enforces a stricter Pod Security level than its pods
    need: the API server would accept the workload and refuse its pods.

    namespace_of maps describe(obj) to its namespace; enforced maps a namespace to its
    `pod-security.kubernetes.io/enforce` label (namespaces without one are left out).
    """
    problems = []
    levels = {level: level for level in podsecurity.LEVELS}
    for obj in objects:
        namespace = namespace_of.get(describe(obj)) or ""
        level = levels.get(enforced.get(namespace, ""))
        if not is_workload(obj) or level is None:
            continue
        needed, why = podsecurity.required_level([obj])
        if podsecurity.stricter(level, needed):
            reason = why[0].split(": ", 1)[1] + (f"; {len(why) - 1} more" if len(why) > 1 else "")
            problems.append(
                f"{release}: {describe(obj)} needs Pod Security level {needed} ({reason}) "
                f"but namespace {namespace} enforces {level}: its pods would be refused; "
                f"label the namespace {ENFORCE_LABEL}={needed}"
            )
    return problems


def enforced_levels(
    existing: Mapping[str, Mapping[str, str]], rendered: Mapping[str, Object]
) -> dict[str, str]:
    """namespace -> its enforce label: on the cluster, else on the release's own Namespace."""
    levels = {}
    for name, obj in rendered.items():
        label = ((obj.get("metadata") or {}).get("labels") or {}).get(ENFORCE_LABEL)
        if label:
            levels[name] = str(label)
    for name, labels in existing.items():
        if labels.get(ENFORCE_LABEL):
            levels[name] = str(labels[ENFORCE_LABEL])
        else:
            levels.pop(name, None)
    return levels
