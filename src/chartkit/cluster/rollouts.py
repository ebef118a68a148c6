"""Argo Rollouts through its API: read a Rollout's state, promote it, wait for it.

No kubectl plugin is needed: the state is read from the Rollout's status, and promotion
is the merge patch the plugin's `promote` sends (unpause the spec when the spec is paused;
clear the status pause conditions through the status subresource when a canary pause
step holds it; otherwise advance the step index past the current step).

Helm 4's watcher wait cannot wait for a Rollout (its status.observedGeneration is a string
and it has no Ready condition, so kstatus reports it Unknown until the timeout), so the
smoke tests install Rollout releases with `--wait=legacy` and wait here instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chartkit.tools.kubectl import Kubectl
from chartkit.tools.streaming import LineOutput

Object = dict[str, Any]


class RolloutError(Exception):
    """The Rollout did not reach the state waited for; the message says what it showed."""


@dataclass(frozen=True)
class RolloutState:
    phase: str  # Progressing, Paused, Healthy, Degraded (or "" before the controller saw it)
    message: str
    observed: bool  # status.observedGeneration matches metadata.generation
    step_index: int | None
    steps: int
    paused_at_step: bool  # held by a canary pause step (status.pauseConditions)
    spec_paused: bool
    stable_hash: str
    current_hash: str
    aborted: bool

    @property
    def healthy(self) -> bool:
        """Fully rolled out: the current pods are the stable ones."""
        return (
            self.observed
            and self.phase == "Healthy"
            and not self.paused_at_step
            and not self.spec_paused
            and bool(self.current_hash)
            and self.current_hash == self.stable_hash
        )

    @property
    def paused(self) -> bool:
        return self.observed and (self.paused_at_step or self.spec_paused)

    def describe(self) -> str:
        step = f"step {self.step_index}/{self.steps}" if self.step_index is not None else "no step"
        extra = f": {self.message}" if self.message else ""
        return f"phase {self.phase or '-'}, {step}{', aborted' if self.aborted else ''}{extra}"


def state(rollout: Object) -> RolloutState:
    metadata = rollout.get("metadata") or {}
    spec = rollout.get("spec") or {}
    status = rollout.get("status") or {}
    steps = ((spec.get("strategy") or {}).get("canary") or {}).get("steps") or []
    index = status.get("currentStepIndex")
    reasons = {str(c.get("reason")) for c in status.get("pauseConditions") or []}
    return RolloutState(
        phase=str(status.get("phase") or ""),
        message=str(status.get("message") or ""),
        observed=str(status.get("observedGeneration", "")) == str(metadata.get("generation")),
        step_index=int(index) if index is not None else None,
        steps=len(steps),
        paused_at_step="CanaryPauseStep" in reasons,
        spec_paused=bool(spec.get("paused")),
        stable_hash=str(status.get("stableRS") or ""),
        current_hash=str(status.get("currentPodHash") or ""),
        aborted=bool(status.get("abort")),
    )


def promote_patches(rollout: Object) -> tuple[Object | None, Object | None]:
    """(spec patch, status patch) that promote a paused Rollout to its next step."""
    spec = rollout.get("spec") or {}
    status = rollout.get("status") or {}
    spec_patch = {"spec": {"paused": False}} if spec.get("paused") else None
    status_patch: Object | None = None
    if status.get("pauseConditions"):
        status_patch = {"status": {"pauseConditions": None}}
    elif (spec.get("strategy") or {}).get("canary") is not None:
        steps = (spec["strategy"]["canary"] or {}).get("steps") or []
        index = int(status.get("currentStepIndex") or 0)
        if steps:
            status_patch = {
                "status": {"pauseConditions": None, "currentStepIndex": min(index + 1, len(steps))}
            }
    return spec_patch, status_patch


class Rollouts:
    """Rollouts of one namespace, through kubectl."""

    def __init__(
        self,
        kubectl: Kubectl,
        namespace: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll: float = 3.0,
        output: LineOutput | None = None,
    ) -> None:
        self.kubectl = kubectl
        self.namespace = namespace
        self.clock = clock
        self.sleep = sleep
        self.poll = poll
        self.output = output  # told each state a waited-for Rollout shows, and promotions

    def get(self, name: str) -> Object:
        return self.kubectl.get_json("rollouts.argoproj.io", name, self.namespace)

    def promote(self, name: str) -> None:
        spec_patch, status_patch = promote_patches(self.get(name))
        if status_patch is not None:
            self._patch(name, status_patch, subresource="status")
        if spec_patch is not None:
            self._patch(name, spec_patch)
        if self.output is not None:
            self.output(f"Rollout {name}: promoted")

    def _patch(self, name: str, patch: Object, subresource: str | None = None) -> None:
        args = [
            "patch",
            "rollouts.argoproj.io",
            name,
            "--namespace",
            self.namespace,
            "--type=merge",
            "--patch",
            json.dumps(patch),
        ]
        if subresource:
            args.append(f"--subresource={subresource}")
        self.kubectl.run(args)

    def wait(
        self,
        name: str,
        until: Callable[[RolloutState], bool],
        timeout: float,
        what: str,
        promote_pauses: bool = False,
    ) -> RolloutState:
        """Poll until `until(state)`; fail early when the Rollout aborts or degrades.
        With promote_pauses, every pause on the way is promoted (a rollback replays the
        canary steps). Each state the Rollout shows goes to `output` once."""
        deadline = self.clock() + timeout
        last: RolloutState | None = None
        shown = ""
        while True:
            last = state(self.get(name))
            if self.output is not None and last.describe() != shown:
                shown = last.describe()
                self.output(f"Rollout {name}: {shown}")
            if until(last):
                return last
            if last.observed and (last.aborted or last.phase == "Degraded"):
                raise RolloutError(f"Rollout {name} {last.describe()} while waiting for {what}")
            if promote_pauses and last.paused:
                self.promote(name)
            if self.clock() >= deadline:
                raise RolloutError(
                    f"Rollout {name} not {what} after {timeout:.0f}s: {last.describe()}"
                )
            self.sleep(self.poll)
