"""Smoke scheduling: groups by namespace, order inside a group, parallel runs, progress."""

from __future__ import annotations

import threading
import time

import pytest

from chartkit.cluster import schedule
from chartkit.cluster.schedule import Group
from chartkit.cluster.smoke_config import release_values
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer


def test_releases_sharing_a_namespace_form_one_group(inventory: Inventory) -> None:
    groups = schedule.group_by_namespace({r.name: r.namespace for r in inventory.releases})
    by_namespace = {g.namespace: g.releases for g in groups}
    assert set(by_namespace["seedtest"]) == {"seedtest-api", "r-analytics"}
    assert by_namespace["codebeaker"] == ("codebeaker",)
    assert by_namespace["codebeaker-dev"] == ("codebeaker-dev",)
    assert len(by_namespace["ecp-tenants"]) == 2  # both tenants' release records
    assert sum(len(g.releases) for g in groups) == len(inventory.releases)
    # in order of first appearance in the inventory
    assert groups[0].namespace == inventory.releases[0].namespace


def test_grouping_keeps_inventory_order() -> None:
    groups = schedule.group_by_namespace({"a": "x", "b": "y", "c": "x"})
    assert groups == [Group("x", ("a", "c")), Group("y", ("b",))]


def test_a_release_reading_a_secret_another_makes_goes_after_it(
    renderer: Renderer, inventory: Inventory
) -> None:
    manifests = {}
    for name in ("seedtest-api", "r-analytics"):
        release = inventory.release(name)
        manifests[name] = list(
            renderer.render(
                release.chart,
                release=name,
                namespace="seedtest",
                values_files=release_values(renderer.root, release),
                api_versions=renderer.platform_api_versions,
            ).objects
        )
    # seedtest-api reads r-analytics-credentials, which r-analytics' ExternalSecret makes
    assert ("seedtest", "r-analytics-credentials") in schedule.secrets_read(
        manifests["seedtest-api"], "seedtest"
    )
    assert ("seedtest", "r-analytics-credentials") in schedule.secrets_made(
        manifests["r-analytics"], "seedtest"
    )
    order = schedule.order_by_secrets(["seedtest-api", "r-analytics"], manifests, "seedtest")
    assert order == ["r-analytics", "seedtest-api"]


def deployment(name: str, env_secret: str | None = None, volume_secret: str | None = None) -> dict:
    container: dict = {"name": "c", "image": "x:1"}
    if env_secret:
        container["env"] = [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": env_secret, "key": "k"}}}
        ]
    spec: dict = {"containers": [container]}
    if volume_secret:
        spec["volumes"] = [{"name": "v", "secret": {"secretName": volume_secret}}]
    return {
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"template": {"spec": spec}},
    }


def secret(name: str) -> dict:
    return {"kind": "Secret", "metadata": {"name": name}}


def test_order_without_dependencies_or_in_a_cycle_keeps_the_given_order() -> None:
    manifests = {
        "a": [deployment("a", env_secret="b-secret"), secret("a-secret")],
        "b": [deployment("b", volume_secret="a-secret"), secret("b-secret")],
        "c": [deployment("c")],
    }
    assert schedule.order_by_secrets(["c", "a", "b"], manifests, "ns") == ["c", "a", "b"]
    assert schedule.order_by_secrets(["a", "c"], manifests, "ns") == ["a", "c"]


def test_a_chain_of_makers_comes_first_and_others_keep_their_place() -> None:
    # reader reads middle's Secret, middle reads first's; solo reads nothing
    manifests = {
        "reader": [deployment("reader", env_secret="middle-secret")],
        "solo": [deployment("solo"), secret("solo-secret")],
        "middle": [deployment("middle", volume_secret="first-secret"), secret("middle-secret")],
        "first": [deployment("first"), secret("first-secret")],
    }
    order = schedule.order_by_secrets(["reader", "solo", "middle", "first"], manifests, "ns")
    assert order == ["solo", "first", "middle", "reader"]


def test_optional_secret_references_do_not_order() -> None:
    reader = deployment("r", env_secret="s")
    reader["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"][
        "optional"
    ] = True
    assert schedule.secrets_read([reader], "ns") == set()


def test_groups_run_in_parallel() -> None:
    # Each item waits at a barrier for the other: run one after the other, it would time out.
    barrier = threading.Barrier(2, timeout=10)
    results = schedule.run_parallel(["a", "b"], lambda item: (item, barrier.wait() >= 0), 2)
    assert results == [("a", True), ("b", True)]


def test_at_most_parallel_items_run_at_once() -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    def work(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return item * 2

    assert schedule.run_parallel(list(range(6)), work, 2) == [0, 2, 4, 6, 8, 10]
    assert peak == 2


def test_a_failing_item_is_raised_after_the_others_finished() -> None:
    finished = []

    def work(item: str) -> str:
        if item == "bad":
            raise RuntimeError("boom")
        time.sleep(0.05)
        finished.append(item)
        return item

    with pytest.raises(RuntimeError, match="boom"):
        schedule.run_parallel(["bad", "x", "y"], work, 3)
    assert sorted(finished) == ["x", "y"]


def test_progress_lines_name_the_release_and_the_step_s_duration() -> None:
    now = [100.0]
    lines: list[str] = []
    progress = schedule.Progress(lines.append, clock=lambda: now[0])
    now[0] = 112.34
    progress.step("r-analytics", "install", True, 8.06, "revision 1")
    progress.step("seedtest-api", "upgrade", False, 41.25, "Error: timed out\nmore")
    progress.step("eventstorming", "test", True, 3.0)
    progress.output("r-analytics")("STATUS: deployed")
    progress.note("deleting kind cluster chartkit-smoke")
    assert lines == [
        "[r-analytics] install done in 8.1s: revision 1",
        "[seedtest-api] upgrade FAILED after 41.2s: Error: timed out",
        "[eventstorming] test done in 3.0s",
        "[r-analytics] STATUS: deployed",
        "[   12.3s] deleting kind cluster chartkit-smoke",
    ]
