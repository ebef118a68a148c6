"""Reading Argo Rollouts status, promoting through the API, waiting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubefake import FakeKubectl

from chartkit.cluster import rollouts
from chartkit.cluster.rollouts import RolloutError, Rollouts

STEPS = [{"setWeight": 50}, {"pause": {}}]


def rollout(
    generation: int = 2,
    observed: str = "2",
    phase: str = "Healthy",
    step: int | None = 2,
    pause_reasons: tuple[str, ...] = (),
    spec_paused: bool = False,
    stable: str = "abc",
    current: str = "abc",
    abort: bool = False,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "observedGeneration": observed,
        "phase": phase,
        "stableRS": stable,
        "currentPodHash": current,
    }
    if step is not None:
        status["currentStepIndex"] = step
    if pause_reasons:
        status["pauseConditions"] = [
            {"reason": r, "startTime": "2025-01-01T00:00:00Z"} for r in pause_reasons
        ]
    if abort:
        status["abort"] = True
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "api", "generation": generation},
        "spec": {"paused": spec_paused, "strategy": {"canary": {"steps": STEPS}}},
        "status": status,
    }


def test_healthy_means_observed_and_stable() -> None:
    assert rollouts.state(rollout()).healthy
    assert not rollouts.state(rollout(observed="1")).healthy  # controller not caught up
    assert not rollouts.state(rollout(current="def")).healthy  # new pods not stable yet
    assert not rollouts.state(rollout(phase="Progressing")).healthy


def test_paused_at_a_canary_step() -> None:
    state = rollouts.state(
        rollout(phase="Paused", step=1, pause_reasons=("CanaryPauseStep",), current="def")
    )
    assert state.paused and state.paused_at_step and not state.healthy
    assert state.step_index == 1 and state.steps == 2
    assert state.describe() == "phase Paused, step 1/2"


def test_promote_clears_the_pause_condition_through_the_status() -> None:
    paused = rollout(phase="Paused", step=1, pause_reasons=("CanaryPauseStep",))
    assert rollouts.promote_patches(paused) == (None, {"status": {"pauseConditions": None}})


def test_promote_unpauses_a_paused_spec() -> None:
    paused = rollout(spec_paused=True, pause_reasons=("PausedBySomeone",))
    assert rollouts.promote_patches(paused) == (
        {"spec": {"paused": False}},
        {"status": {"pauseConditions": None}},
    )


def test_promote_without_a_pause_condition_advances_the_step() -> None:
    running = rollout(phase="Progressing", step=0)
    assert rollouts.promote_patches(running) == (
        None,
        {"status": {"pauseConditions": None, "currentStepIndex": 1}},
    )
    done = rollout(step=2)
    assert rollouts.promote_patches(done)[1] == {
        "status": {"pauseConditions": None, "currentStepIndex": 2}
    }


def sequence_cluster(states: list[dict[str, Any]]) -> FakeKubectl:
    """A cluster whose Rollout shows `states` one per read, the last one from then on."""
    reads = iter(states)
    last: dict[str, Any] = {}

    def get(args: list[str], stdin: str | None) -> str:
        nonlocal last
        last = next(reads, last)
        return json.dumps(last)

    return FakeKubectl({"get rollouts.argoproj.io": get})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_promote_patches_the_status_subresource() -> None:
    kubectl = sequence_cluster(
        [rollout(phase="Paused", step=1, pause_reasons=("CanaryPauseStep",))]
    )
    Rollouts(kubectl, "team").promote("api")  # type: ignore[arg-type]
    assert kubectl.calls[-1] == [
        "patch",
        "rollouts.argoproj.io",
        "api",
        "--namespace",
        "team",
        "--type=merge",
        "--patch",
        '{"status": {"pauseConditions": null}}',
        "--subresource=status",
    ]


def test_wait_until_healthy() -> None:
    clock = Clock()
    kubectl = sequence_cluster(
        [rollout(phase="Progressing", current="def"), rollout(observed="1"), rollout()]
    )
    waiter = Rollouts(kubectl, "team", clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    state = waiter.wait("api", lambda s: s.healthy, timeout=60, what="healthy")
    assert state.healthy and clock.now == 6.0


def test_wait_promotes_pauses_when_asked() -> None:
    clock = Clock()
    kubectl = sequence_cluster(
        [
            rollout(phase="Paused", step=1, pause_reasons=("CanaryPauseStep",), current="d"),
            rollout(phase="Paused", step=1, pause_reasons=("CanaryPauseStep",), current="d"),
            rollout(),
        ]
    )
    waiter = Rollouts(kubectl, "team", clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    waiter.wait("api", lambda s: s.healthy, 60, "healthy", promote_pauses=True)
    assert sum(1 for call in kubectl.calls if call[0] == "patch") == 1


def test_wait_fails_fast_on_an_aborted_rollout() -> None:
    clock = Clock()
    kubectl = sequence_cluster([rollout(phase="Degraded", abort=True, current="d")])
    waiter = Rollouts(kubectl, "team", clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    with pytest.raises(RolloutError, match="aborted while waiting for healthy"):
        waiter.wait("api", lambda s: s.healthy, 60, "healthy")
    assert clock.now == 0.0


def test_wait_times_out_with_the_last_state() -> None:
    clock = Clock()
    kubectl = sequence_cluster([rollout(phase="Progressing", current="d", step=0)])
    waiter = Rollouts(kubectl, "team", clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    with pytest.raises(RolloutError, match=r"not paused after 30s: phase Progressing, step 0/2"):
        waiter.wait("api", lambda s: s.paused, 30, "paused")
