"""chartkit.checks.release.ReleaseChecker.check_all: releases checked in order while helm
renders the next ones, and the kinds each chart rendered remembered for the next run."""

from __future__ import annotations

from pathlib import Path

from chartkit.checks.release import ReleaseChecker
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer
from chartkit.tools.disk_cache import DiskCache


def test_check_all_reports_in_the_order_asked(
    repo_root: Path, inventory: Inventory, tmp_path: Path
) -> None:
    names = ["eventstorming", "seedtest-api", "r-analytics"]
    prod = inventory.overlay("prod")
    renders = [(inventory.release(n), o, None) for o in (None, prod) for n in names]
    checker = ReleaseChecker(Renderer(repo_root, disk_cache=DiskCache(tmp_path)))
    labels = [report.label.split(" (helm")[0] for report in checker.check_all(renders)]
    assert labels == [*names, *(f"{name} +prod" for name in names)]


def test_the_kinds_each_chart_rendered_warm_the_next_run(
    repo_root: Path, inventory: Inventory, tmp_path: Path
) -> None:
    renders = [(inventory.release("seedtest-api"), None, None)]
    first = ReleaseChecker(Renderer(repo_root, disk_cache=DiskCache(tmp_path)))
    (report,) = first.check_all(renders)
    assert report.ok and report.manifest is not None
    rendered = {(o["apiVersion"], o["kind"]) for o in report.manifest}
    assert len(list(tmp_path.glob("chart-kinds-*.json"))) == 1
    second = ReleaseChecker(Renderer(repo_root, disk_cache=DiskCache(tmp_path)))
    assert set(second._remembered_kinds()["api"]) == rendered
    steps = list(second.validator.warm_up(second._remembered_kinds()["api"]))
    assert sorted(steps) == sorted(f"{api} {kind}" for api, kind in rendered)
    assert {(api, kind) for api, kind in second.validator.fast.kinds()} == rendered
