"""What a smoke run saves when a release's step fails: the events, objects, `kubectl
describe` output and pod logs of every namespace the release uses, and its helm history."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from chartkit.releases.manifest import Object
from chartkit.tools.helm import Helm, HelmError
from chartkit.tools.kubectl import Kubectl


def _namespaces(manifest: Sequence[Object], namespace: str) -> list[str]:
    """The release's namespace first, then the others its objects name."""
    others = {
        str(o["metadata"]["namespace"])
        for o in manifest
        if (o.get("metadata") or {}).get("namespace") and o["metadata"]["namespace"] != namespace
    }
    return [namespace, *sorted(others)]


def _sections(ns: str, instance: str) -> list[tuple[str, list[str]]]:
    """(title, kubectl arguments) of what is saved for one namespace."""
    logs = ["logs", "--namespace", ns, "-l", instance, "--all-containers", "--prefix"]
    return [
        (f"events in {ns}", ["get", "events", "--namespace", ns, "--sort-by=.lastTimestamp"]),
        (f"objects in {ns}", ["get", "all,pvc,networkpolicies", "--namespace", ns, "-o", "wide"]),
        (
            f"describe workloads in {ns}",
            ["describe", "deployments,replicasets,pods", "--namespace", ns, "-l", instance],
        ),
        (f"describe rollouts in {ns}", ["describe", "rollouts.argoproj.io", "--namespace", ns]),
        (
            f"describe external secrets in {ns}",
            ["describe", "externalsecrets.external-secrets.io", "--namespace", ns],
        ),
        (f"describe claims in {ns}", ["describe", "pvc", "--namespace", ns]),
        (f"pod logs in {ns}", [*logs, "--tail=200", "--ignore-errors"]),
    ]


def collect_diagnostics(
    kubectl: Kubectl,
    helm: Helm,
    release: str,
    namespace: str,
    manifest: Sequence[Object],
    path: Path,
) -> Path:
    """Write the diagnostics of one release to `path` (kubectl failures are noted, not
    raised) and return it."""
    instance = f"app.kubernetes.io/instance={release}"
    out = [f"# smoke diagnostics: release {release}, namespace {namespace}"]
    for ns in _namespaces(manifest, namespace):
        for title, args in _sections(ns, instance):
            ok, text = kubectl.attempt(args, timeout=60)
            out.append(f"\n## {title}{'' if ok else ' (failed)'}\n{text.rstrip()}")
    history = ""
    with contextlib.suppress(HelmError):
        history = helm.history(release, namespace, output="table")
    out.append(f"\n## helm history\n{history.rstrip()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")
    return path
