"""`chartkit render` on the canary weights: a warning per canary step whose real share of
requests (without a traffic router) is more than 5 points off its weight, naming the release,
the step, the weight asked and the share it gets; `--strict` makes them problems (exit 1).
On a small copy of the repository with api releases at 2, 3 and 10 replicas and one scaled
by an HPA."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartkit.releases.inventory import find_root
from helpers.repository import api_release, copy_charts_and_ci, run_chartkit, write_inventory

ROOT = find_root()
TEAM = yaml.safe_load((ROOT / "values" / "univprepai.yaml").read_text())
RELEASES = {
    "two-api": {"replicaCount": 2, "autoscaling": {"enabled": False}},
    "three-api": {"replicaCount": 3, "autoscaling": {"enabled": False}},
    "ten-api": {"replicaCount": 10, "autoscaling": {"enabled": False}},
    "scaled-api": {
        "replicaCount": 6,
        "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 6},
    },
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = copy_charts_and_ci(tmp_path_factory.mktemp("weights") / "repo")
    for name, change in RELEASES.items():
        values = {**TEAM, "fullnameOverride": name, "serviceName": name, **change}
        (repo / "values" / f"{name}.yaml").write_text(yaml.safe_dump(values))
    write_inventory(repo, [api_release(name, "team", f"values/{name}.yaml") for name in RELEASES])
    return repo


chartkit = run_chartkit


def lines(stderr: str, prefix: str) -> dict[str, str]:
    """Release name -> its line, for the lines starting with `prefix`."""
    found = {}
    for line in stderr.splitlines():
        if line.startswith(prefix):
            found[line.removeprefix(prefix).split()[0]] = line
    return found


def test_render_warns_about_approximate_weights_and_succeeds(repo: Path) -> None:
    result = chartkit(repo, "render")
    assert result.returncode == 0, result.stderr
    warnings = lines(result.stderr, "warning: ")
    assert sorted(warnings) == ["scaled-api", "three-api", "two-api"]
    assert (
        "two-api (helm 4.1.4): Rollout two-api steps[0] setWeight 10 sends 33% of requests "
        "to the canary, not 10%" in warnings["two-api"]
    )
    assert "sends 25% of requests to the canary, not 10%" in warnings["three-api"]
    assert "1 canary, 3 stable at 3 replicas" in warnings["three-api"]
    assert "at the HPA minimum of 2 replicas" in warnings["scaled-api"]


def test_the_overlay_decides_the_replicas_the_warning_is_about(repo: Path) -> None:
    result = chartkit(repo, "render", "--overlay", "dev")
    assert result.returncode == 0, result.stderr
    warnings = lines(result.stderr, "warning: ")
    # dev runs one pod each: the first canary pod is half of the pods, even at 10 replicas
    assert sorted(warnings) == sorted(RELEASES)
    assert "sends 50% of requests to the canary, not 10%" in warnings["ten-api"]
    assert "ten-api +dev (helm 4.1.4)" in warnings["ten-api"]


def test_strict_makes_the_warnings_problems(repo: Path) -> None:
    result = chartkit(repo, "render", "--strict")
    assert result.returncode == 1
    assert sorted(lines(result.stderr, "problem: ")) == ["scaled-api", "three-api", "two-api"]
    assert not lines(result.stderr, "warning: ")
    exact = chartkit(repo, "render", "ten-api", "--strict")
    assert exact.returncode == 0, exact.stderr
    assert "problem:" not in exact.stderr
