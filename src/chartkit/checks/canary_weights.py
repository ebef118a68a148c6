"""The share of requests each canary step of an Argo Rollout really gets without a traffic
router, and the warnings `chartkit render` prints when it is far from the step's weight.

Without `spec.strategy.canary.trafficRouting` Argo Rollouts has no way to split requests: it
scales the canary and the stable ReplicaSet so that the canary's share of the pods behind
the one Service approximates `setWeight`, and the Service spreads requests over the pods.
The pod counts follow the controller's own arithmetic (utils/replicaset/canary.go,
approximateWeightedCanaryStableReplicaCounts): for `replicas` pods and weight `w` it weighs
ceil(replicas*w/100) and floor(replicas*w/100) canary pods against `replicas` in total, and,
when maxSurge allows one extra pod, against replicas + 1; keeps at least one canary and one
stable pod for weights 1-99; prefers the larger count on a tie; and takes the option closest
to `w`. So 2 replicas at setWeight 10 run 1 canary next to 2 stable pods: a third of the
requests, not a tenth.

The replica count is the Rollout's `spec.replicas` or, when an HPA scales it, the HPA's
`minReplicas` (the fewest pods, where a step is coarsest), both as rendered with the
overlays' `global` applied. The check reads the rendered objects rather than a number the
chart computes, so the arithmetic lives here once, beside the controller's, and holds for any
chart's Rollout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from chartkit.releases.manifest import Object, name_of

# How far (in percentage points) a step's real share may be from its weight before the
# render warns.
TOLERANCE_POINTS = 5.0
# Argo Rollouts' maxSurge when a canary leaves it out.
DEFAULT_MAX_SURGE = "25%"


@dataclass(frozen=True)
class StepShare:
    """One setWeight step of a basic canary: the pods it runs and the share they serve."""

    rollout: str
    index: int  # position in spec.strategy.canary.steps
    weight: int  # the step's setWeight
    replicas: int  # the Rollout's replica count the step was computed for
    from_hpa: bool  # replicas is the HPA's minimum
    canary_pods: int
    stable_pods: int

    @property
    def share(self) -> float:
        """Percentage of requests the canary serves: its share of the ready pods."""
        total = self.canary_pods + self.stable_pods
        return 100.0 * self.canary_pods / total if total else 0.0

    @property
    def off_by(self) -> float:
        return abs(self.share - self.weight)


def scaled(value: int | str, total: int, round_up: bool) -> int:
    """An int-or-percent (maxSurge "25%", 1) as a pod count of `total`, rounded up or down
    (Kubernetes' GetScaledValueFromIntOrPercent)."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.endswith("%"):
        return int(text)
    exact = int(text[:-1]) * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def max_surge(canary: Object, replicas: int) -> int:
    """Extra pods a canary may run (Argo Rollouts' resolveFenceposts): maxSurge of the
    replicas rounded up."""
    return scaled(canary.get("maxSurge", DEFAULT_MAX_SURGE), replicas, round_up=True)


def _tied(weight: int, total: int) -> bool:
    """Whether floor and ceiling are equally far from the weight (3 pods at 50%)."""
    return math.modf(total * weight / 100)[0] == 0.5


def _delta(weight: int, canary: int, total: int) -> float:
    return abs(canary * 100 / total - weight)


def canary_pods(replicas: int, weight: int, surge: int) -> tuple[int, int]:
    """(canary, stable) pods Argo Rollouts runs at a step of a canary without traffic routing."""
    if replicas == 0:
        return 0, 0
    ceil_count = math.ceil(replicas * weight / 100)
    floor_count = math.floor(replicas * weight / 100)
    zero_allowed = weight in (0, 100) or (replicas == 1 and surge == 0)
    options: list[tuple[int, int]] = []  # (canary pods, total pods)
    if ceil_count < replicas or zero_allowed:
        options.append((ceil_count, replicas))
    if not _tied(weight, replicas) and (floor_count != 0 or zero_allowed):
        options.append((floor_count, replicas))
    if surge > 0:
        options.append((ceil_count, replicas + 1))
        if not _tied(weight, replicas + 1) and (floor_count != 0 or zero_allowed):
            options.append((floor_count, replicas + 1))
    if not options:
        return 0, replicas
    best = options[0]
    for option in options[1:]:
        if _delta(weight, *option) < _delta(weight, *best):
            best = option
    return best[0], best[1] - best[0]


def _hpa_minimum(rollout: Object, objects: Iterable[Object]) -> int | None:
    for obj in objects:
        if obj.get("kind") != "HorizontalPodAutoscaler":
            continue
        target = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("kind") == "Rollout" and target.get("name") == name_of(rollout):
            return int((obj.get("spec") or {}).get("minReplicas", 1))
    return None


def step_shares(objects: Iterable[Object]) -> list[StepShare]:
    """Every setWeight step of every Rollout among the objects that has no traffic router,
    with the pods it runs."""
    objects = list(objects)
    found = []
    for rollout in objects:
        if rollout.get("kind") != "Rollout":
            continue
        spec = rollout.get("spec") or {}
        canary = (spec.get("strategy") or {}).get("canary")
        if not canary or canary.get("trafficRouting"):
            continue
        hpa_minimum = _hpa_minimum(rollout, objects)
        replicas = hpa_minimum if hpa_minimum is not None else int(spec.get("replicas", 1))
        surge = max_surge(canary, replicas)
        for index, step in enumerate(canary.get("steps") or []):
            if "setWeight" not in step:
                continue
            weight = int(step["setWeight"])
            canary_count, stable_count = canary_pods(replicas, weight, surge)
            found.append(
                StepShare(
                    name_of(rollout),
                    index,
                    weight,
                    replicas,
                    hpa_minimum is not None,
                    canary_count,
                    stable_count,
                )
            )
    return found


def describe_share(step: StepShare) -> str:
    replicas = (
        f"at the HPA minimum of {step.replicas} replicas"
        if step.from_hpa
        else f"at {step.replicas} replicas"
    )
    return (
        f"Rollout {step.rollout} steps[{step.index}] setWeight {step.weight} sends "
        f"{step.share:.0f}% of requests to the canary, not {step.weight}%: without a traffic "
        f"router the weight is the canary's share of pods ({step.canary_pods} canary, "
        f"{step.stable_pods} stable {replicas})"
    )


def weight_warnings(release: str, objects: Iterable[Object]) -> list[str]:
    """One line per canary step whose real share is more than TOLERANCE_POINTS from its
    weight, naming the release, the step, the weight asked and the share it gets."""
    return [
        f"{release}: {describe_share(step)}. For exact weights give the Rollout a traffic "
        "router (api chart: rollouts.trafficRouting.type nginx or gatewayAPI), or run more "
        "replicas"
        for step in step_shares(objects)
        if step.off_by > TOLERANCE_POINTS
    ]
