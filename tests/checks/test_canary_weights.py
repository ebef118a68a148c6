"""The share of requests a canary step really gets without a traffic router
(chartkit.checks.canary_weights): Argo Rollouts' pod arithmetic, the replica count it reads
from the rendered Rollout or its HPA (overlays applied), and the warnings for steps more
than 5 points off their weight, on api Rollouts rendered with 2, 3 and 10 replicas and with
an HPA."""

from __future__ import annotations

import pytest

from chartkit.checks.canary_weights import canary_pods, scaled, step_shares, weight_warnings

VALUES = "values/univprepai.yaml"
RELEASE, NAMESPACE = "univprepai-api", "univprepai"
DEV, PROD = "values/env/dev.yaml", "values/env/prod.yaml"
NGINX = "charts/api/ci/nginx-values.yaml"
FIXED = {"autoscaling.enabled": False}

# Rows of Argo Rollouts' own table for approximateWeightedCanaryStableReplicaCounts
# (utils/replicaset/canary_test.go): replicas, weight, maxSurge -> canary, stable pods.
ARGO_CASES = [
    (1, 1, 0, 0, 1),
    (1, 50, 0, 1, 0),
    (1, 1, 1, 1, 1),
    (1, 100, 1, 1, 0),
    (2, 1, 0, 1, 1),
    (2, 1, 1, 1, 2),
    (2, 50, 1, 1, 1),
    (2, 99, 1, 2, 1),
    (3, 10, 0, 1, 2),
    (3, 50, 0, 2, 1),
    (3, 10, 1, 1, 3),
    (3, 33, 1, 1, 2),
    (3, 49, 1, 2, 2),
    (10, 14, 0, 1, 9),
    (10, 15, 0, 2, 8),
    (10, 1, 1, 1, 10),
    (10, 18, 1, 2, 9),
    (10, 24, 1, 3, 8),
    (10, 99, 1, 10, 1),
    (10, 100, 1, 10, 0),
]


@pytest.mark.parametrize(("replicas", "weight", "surge", "canary", "stable"), ARGO_CASES)
def test_pod_counts_follow_argo_rollouts(replicas, weight, surge, canary, stable) -> None:
    assert canary_pods(replicas, weight, surge) == (canary, stable)


def test_max_surge_percentages_round_up() -> None:
    assert [scaled("25%", n, round_up=True) for n in (1, 2, 3, 4, 10)] == [1, 1, 1, 1, 3]
    assert scaled("25%", 10, round_up=False) == 2
    assert scaled(2, 10, round_up=True) == scaled("2", 10, round_up=True) == 2


@pytest.fixture(scope="session")
def render(chart_release):
    return chart_release("api", VALUES, release=RELEASE, namespace=NAMESPACE).render


def first_step(manifest):
    (first, *_) = step_shares(manifest.objects)
    return first


@pytest.mark.parametrize(
    ("replicas", "canary", "stable", "share"),
    [(2, 1, 2, 100 / 3), (3, 1, 3, 25.0), (10, 1, 9, 10.0)],
)
def test_first_step_share_at_fixed_replicas(render, replicas, canary, stable, share) -> None:
    step = first_step(render(set_values={**FIXED, "replicaCount": replicas}))
    assert (step.index, step.weight, step.replicas, step.from_hpa) == (0, 10, replicas, False)
    assert (step.canary_pods, step.stable_pods) == (canary, stable)
    assert step.share == pytest.approx(share)


def test_an_hpa_is_read_at_its_minimum_with_the_overlay_applied(render) -> None:
    hpa = {"autoscaling.enabled": True, "autoscaling.minReplicas": 1, "replicaCount": 8}
    step = first_step(render(set_values=hpa))
    assert (step.replicas, step.from_hpa, step.canary_pods, step.stable_pods) == (1, True, 1, 1)
    # the prod overlay raises the HPA's minimum to 2
    step = first_step(render(PROD, set_values=hpa))
    assert (step.replicas, step.from_hpa, step.canary_pods, step.stable_pods) == (2, True, 1, 2)
    # the dev overlay turns the HPA off and runs one pod: the canary is half of the pods
    step = first_step(render(DEV, set_values=hpa))
    assert (step.replicas, step.from_hpa, step.share) == (1, False, 50.0)


def test_the_second_step_of_50_is_exact_at_2_and_3_replicas(render) -> None:
    for replicas in (2, 3):
        shares = step_shares(render(set_values={**FIXED, "replicaCount": replicas}).objects)
        assert [(s.index, s.weight) for s in shares] == [(0, 10), (3, 50)]
        assert shares[1].share == 50.0


@pytest.mark.parametrize("replicas", [2, 3])
def test_a_step_far_from_its_weight_warns_naming_release_step_weight_and_share(
    render, replicas
) -> None:
    manifest = render(set_values={**FIXED, "replicaCount": replicas})
    (warning,) = weight_warnings("univprepai-api +prod", manifest.objects)
    share = {2: 33, 3: 25}[replicas]
    assert warning.startswith(
        f"univprepai-api +prod: Rollout univprepai-api steps[0] setWeight 10 sends {share}% "
        "of requests to the canary, not 10%"
    )
    assert f"stable at {replicas} replicas" in warning
    assert "rollouts.trafficRouting" in warning


def test_an_hpa_minimum_is_named_in_the_warning(render) -> None:
    manifest = render(PROD)  # univprepai: HPA, minimum 2
    (warning,) = weight_warnings(RELEASE, manifest.objects)
    assert "1 canary, 2 stable at the HPA minimum of 2 replicas" in warning


def test_no_warning_within_5_points(render) -> None:
    ten = render(set_values={**FIXED, "replicaCount": 10})
    assert weight_warnings(RELEASE, ten.objects) == []
    # 5% of 10 pods is one canary next to 10 stable (maxSurge 3): 9.1%, 4.1 points off
    five = {**FIXED, "replicaCount": 10, "rollouts.steps": [{"setWeight": 5}, {"pause": {}}]}
    step = first_step(render(set_values=five))
    assert step.share == pytest.approx(100 / 11)
    assert weight_warnings(RELEASE, render(set_values=five).objects) == []


def test_a_traffic_router_makes_every_weight_exact(render) -> None:
    manifest = render(NGINX, set_values={**FIXED, "replicaCount": 2})
    assert step_shares(manifest.objects) == []
    assert weight_warnings(RELEASE, manifest.objects) == []
