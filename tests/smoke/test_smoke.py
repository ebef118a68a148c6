"""Install smoke tests: each release installed, tested, upgraded, rolled back and
uninstalled in a real cluster (see tests/smoke/conftest.py and chartkit.cluster.smoke)."""

from __future__ import annotations

import pytest

from chartkit.cluster.smoke_config import load_plan
from chartkit.cluster.smoke_results import SmokeResult
from chartkit.releases.inventory import find_root, load

pytestmark = pytest.mark.smoke

ROOT = find_root()
INVENTORY = load(ROOT)
PLAN = load_plan(ROOT)
RELEASES = [r.name for r in INVENTORY.releases]
# A chart missing from ci/smoke/plan.yaml fails its releases' lifecycle test (and make test).
CHART_PLANS = {r.name: PLAN.charts.get(r.chart_name) for r in INVENTORY.releases}
CANARY = [name for name, plan in CHART_PLANS.items() if plan and plan.canary]
SHARED = [name for name, plan in CHART_PLANS.items() if plan and plan.shared_volume]


def result_of(results: dict[str, SmokeResult], release: str) -> SmokeResult:
    if release not in results:
        pytest.skip(f"{release} not selected (--smoke-releases)")
    return results[release]


@pytest.mark.parametrize("release", RELEASES)
def test_install_test_upgrade_rollback_uninstall(
    smoke_results: dict[str, SmokeResult], release: str
) -> None:
    result = result_of(smoke_results, release)
    assert result.ok, result.summary()
    for step in ("install", "test", "upgrade", "rollback", "uninstall"):
        assert result.step(step) is not None, f"{release}: step {step} did not run"


@pytest.mark.parametrize("release", CANARY)
def test_canary_pauses_and_is_promoted_through_the_api(
    smoke_results: dict[str, SmokeResult], release: str
) -> None:
    step = result_of(smoke_results, release).step("canary")
    assert step is not None and step.ok, smoke_results[release].summary()


@pytest.mark.parametrize("release", SHARED)
def test_shared_volume_survives_upgrade_and_uninstall(
    smoke_results: dict[str, SmokeResult], release: str
) -> None:
    result = result_of(smoke_results, release)
    for name in ("shared-volume", "shared-volume-upgraded", "claim-kept"):
        step = result.step(name)
        assert step is not None and step.ok, result.summary()
