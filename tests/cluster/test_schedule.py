"""Smoke scheduling: groups by namespace, order inside a group, parallel runs, progress."""

from __future__ import annotations

import threading
import time

import pytest

from chartkit.cluster import schedule
from chartkit.cluster.schedule import Group
from chartkit.releases.inventory import Inventory


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


def test_a_release_goes_after_the_releases_of_its_group_it_needs(inventory: Inventory) -> None:
    # seedtest-api needs seedtest/r-analytics (helmfile.yaml): listed first, installed second
    needs = {r.name: r.needs for r in inventory.releases}
    order = schedule.order_by_needs(["seedtest-api", "r-analytics"], needs)
    assert order == ["r-analytics", "seedtest-api"]


def test_order_without_needs_keeps_the_given_order_and_ignores_other_groups() -> None:
    needs = {"a": ("b",), "b": (), "c": ("elsewhere",)}
    assert schedule.order_by_needs(["c", "a", "b"], needs) == ["c", "b", "a"]
    assert schedule.order_by_needs(["a", "c"], needs) == ["a", "c"]
    assert schedule.order_by_needs(["x", "y"], {}) == ["x", "y"]


def test_a_chain_of_needs_comes_first_and_others_keep_their_place() -> None:
    needs = {"reader": ("middle",), "middle": ("first",)}
    order = schedule.order_by_needs(["reader", "solo", "middle", "first"], needs)
    assert order == ["solo", "first", "middle", "reader"]


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
