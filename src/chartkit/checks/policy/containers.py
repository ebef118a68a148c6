"""Rules on each container: a read-only root filesystem, requests and limits, probes when a
Service sends it traffic, and an image pinned to a tag other than latest or to a digest."""

from __future__ import annotations

from collections.abc import Iterator

from chartkit.checks.policy.base import (
    Finding,
    ReleaseObjects,
    Rule,
    all_containers,
    is_hook,
    pod_rule,
    spec_prefix,
)
from chartkit.releases.manifest import Object, is_workload, pod_spec


def _read_only_root(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in all_containers(obj):
        if path.endswith("]") and ".ephemeralContainers[" in path:
            continue
        if (item.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            yield (
                f"{path}.securityContext.readOnlyRootFilesystem",
                "must be true (mount an emptyDir where the app writes)",
            )


def _resources(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in all_containers(obj):
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


def _probes(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    if not is_workload(obj) or is_hook(obj) or not release.services_selecting(obj):
        return
    prefix = spec_prefix(obj)
    for index, item in enumerate(pod_spec(obj).get("containers") or []):
        for probe in ("readinessProbe", "livenessProbe"):
            if not item.get(probe):
                yield (
                    f"{prefix}.containers[{index}].{probe}",
                    f"container {item.get('name')!r} is behind a Service but has no {probe}",
                )


def _image_tag(obj: Object, spec: Object, prefix: str) -> Iterator[Finding]:
    for path, item in all_containers(obj):
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


RULES: tuple[Rule, ...] = (
    Rule(
        "read-only-root-filesystem",
        "containers write only to mounted volumes",
        pod_rule(_read_only_root),
    ),
    Rule(
        "resources", "cpu and memory requests and limits on every container", pod_rule(_resources)
    ),
    Rule("probes", "readiness and liveness probes on every container behind a Service", _probes),
    Rule(
        "image-tag", "images pinned to a tag other than latest, or a digest", pod_rule(_image_tag)
    ),
)
