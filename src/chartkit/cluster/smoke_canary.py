"""The canary step of a smoke run: after an upgrade to a new image tag, each Rollout pauses
at its first pause step with the canary pods on the new tag, is promoted through the
Rollouts API, and ends with the new tag stable."""

from __future__ import annotations

from collections.abc import Sequence

from chartkit.cluster.rollouts import Rollouts
from chartkit.cluster.smoke_objects import first_pause_step, rollouts_of
from chartkit.cluster.smoke_results import SmokeError
from chartkit.releases.manifest import Object, containers, name_of
from chartkit.tools.kubectl import Kubectl


def pod_images(kubectl: Kubectl, namespace: str, pod_hash: str, container: str) -> set[str]:
    """Images of one container in the live pods of one pod-template hash."""
    pods = kubectl.get_json("pods", None, namespace).get("items", [])
    images: set[str] = set()
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if labels.get("rollouts-pod-template-hash") != pod_hash:
            continue
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        for item in (pod.get("spec") or {}).get("containers") or []:
            if item.get("name") == container:
                images.add(str(item.get("image")))
    if not images:
        raise SmokeError(f"no running pods with template hash {pod_hash}")
    return images


def promote_canaries(
    rollouts: Rollouts,
    kubectl: Kubectl,
    manifest: Sequence[Object],
    tag: str,
    limit: float,
) -> str:
    """Every Rollout of the release paused on the canary with `tag`, promoted, stable on it."""
    notes = []
    for rollout in rollouts_of(manifest):
        name = name_of(rollout)
        pause_index = first_pause_step(rollout)
        if pause_index is None:
            raise SmokeError(f"Rollout {name} has no pause step to stop at")
        paused = rollouts.wait(name, lambda s: s.paused, limit, "paused")
        if paused.step_index != pause_index:
            raise SmokeError(
                f"Rollout {name} paused at step {paused.step_index}, expected the pause "
                f"step {pause_index}"
            )
        container = str(containers(rollout)[0]["name"])
        images = pod_images(kubectl, rollouts.namespace, paused.current_hash, container)
        if tag and not all(image.endswith(f":{tag}") for image in images):
            raise SmokeError(f"canary pods of {name} run {sorted(images)}, not tag {tag}")
        rollouts.promote(name)
        done = rollouts.wait(name, lambda s: s.healthy, limit, "healthy after promote")
        stable_images = pod_images(kubectl, rollouts.namespace, done.stable_hash, container)
        if tag and not all(image.endswith(f":{tag}") for image in stable_images):
            raise SmokeError(f"stable pods of {name} run {sorted(stable_images)}")
        notes.append(f"{name} paused at step {pause_index}, promoted, stable on {tag}")
    return "; ".join(notes)
