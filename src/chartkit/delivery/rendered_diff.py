"""What a change does to the rendered objects: every release it affects, bare and in each
environment, rendered at the base commit (a temporary git worktree) and at the working
tree, compared object by object (chartkit.delivery.object_diff).

A render of release R in environment E reads R's chart and the charts it depends on, R's
values files, E's overlay, R's helmfile.yaml entry, and the CRDs and helm pin in ci/ (its
API versions, its helm). A change to any of them affects that render; documentation
(*.md) affects none. Both sides are rendered with the working tree's pinned helm, so the
diff shows what the change did, not a helm upgrade.

A change `helm upgrade` cannot apply in place (chartkit.delivery.immutable_fields) is a
problem unless the chart's major version went up between base and head: a major version
is where such a change belongs, with upgrade notes saying what to delete first.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from chartkit.delivery.changes import (
    changed_charts,
    chart_dependencies,
    dependents,
    is_docs,
)
from chartkit.delivery.git import changed_files, show
from chartkit.delivery.immutable_fields import ImmutableChange
from chartkit.delivery.object_diff import ADDED, CHANGED, REMOVED, ObjectChange, object_changes
from chartkit.delivery.worktree import base_worktree
from chartkit.releases.chart_version import chart_version, major_raised
from chartkit.releases.helmfile import (
    INVENTORY_FILE,
    OVERLAY_DIR,
    InventoryError,
    release_entries,
)
from chartkit.releases.inventory import Inventory, load
from chartkit.releases.manifest import Object
from chartkit.releases.render import Renderer
from chartkit.tools.disk_cache import DiskCache
from chartkit.tools.helm import HelmError
from chartkit.tools.toolbox import Toolbox

EVERY_RENDER = ("ci/crds/*", "ci/tools.json")  # inputs of every render


@dataclass(frozen=True)
class Target:
    release: str
    environment: str


@dataclass(frozen=True)
class Render:
    """One side of a target: the objects, or why there are none."""

    objects: tuple[Object, ...] = ()
    chart: str | None = None
    version: str | None = None
    namespace: str | None = None
    problem: str | None = None  # absent, or helm's error

    @property
    def error(self) -> bool:
        """The release is there but helm refuses to render it."""
        return self.problem is not None and not self.problem.startswith("absent")


@dataclass
class ReleaseDiff:
    target: Target
    base: Render
    head: Render
    changes: list[ObjectChange] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        return self.head.namespace or self.base.namespace or ""

    @property
    def major_bump(self) -> bool:
        return major_raised(self.base.version, self.head.version)

    def immutable(self) -> list[tuple[ObjectChange, ImmutableChange]]:
        return [(change, found) for change in self.changes for found in change.immutable]

    def problems(self) -> list[str]:
        label = f"{self.target.release} ({self.target.environment})"
        found = [f"{label}: does not render: {self.head.problem}"] if self.head.error else []
        if not self.major_bump:
            found += [
                f"{label}: {change.key.label(self.namespace)} {field_change.field}: "
                f"{field_change.why}"
                for change, field_change in self.immutable()
            ]
        return found

    @property
    def counts(self) -> dict[str, int]:
        counts = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        for change in self.changes:
            counts[change.change] += 1
        return counts


def render(inventory: Inventory | None, renderer: Renderer, target: Target) -> Render:
    if inventory is None:
        return Render(problem="absent: helmfile.yaml could not be read")
    names = [r.name for r in inventory.releases]
    if target.release not in names:
        return Render(problem="absent: no such release")
    if target.environment not in inventory.environments:
        return Render(problem=f"absent: no environment {target.environment}")
    release = inventory.release(target.release)
    side = Render(
        chart=release.chart_name, version=chart_version(release.chart), namespace=release.namespace
    )
    try:
        manifest = renderer.render_release(
            release, inventory.environment_overlay(target.environment)
        )
    except HelmError as error:
        return replace(side, problem=str(error))
    return replace(side, objects=tuple(manifest.objects))


def release_inputs(inventories: Sequence[Inventory], name: str) -> tuple[set[str], set[str]]:
    """The chart names and the values files (repository paths) of a release, at base and
    head."""
    charts, values = set(), set()
    for inventory in inventories:
        for release in inventory.releases:
            if release.name == name:
                charts.add(release.chart_name)
                values |= {v.relative_to(inventory.root).as_posix() for v in release.values}
    return charts, values


def affected_targets(
    root: Path, base: str, files: Sequence[str], head: Inventory, before: Inventory | None
) -> list[Target]:
    """The (release, environment) renders the changed files are inputs of."""
    relevant = [f for f in files if not is_docs(f)]
    everything = any(fnmatch.fnmatch(f, p) for f in relevant for p in EVERY_RENDER)
    charts = dependents(chart_dependencies(root), changed_charts(relevant))
    head_entries = release_entries((root / INVENTORY_FILE).read_text())
    base_entries = release_entries(show(root, base, INVENTORY_FILE) or None)
    inventories = [i for i in (head, before) if i is not None]
    environments = list(dict.fromkeys(e for i in inventories for e in i.environments))
    overlays = {e for e in environments if f"{OVERLAY_DIR.as_posix()}/{e}.yaml" in relevant}
    targets = []
    for name in dict.fromkeys(r.name for i in inventories for r in i.releases):
        release_charts, values = release_inputs(inventories, name)
        whole = (
            everything
            or bool(release_charts & charts)
            or bool(values & set(relevant))
            or (INVENTORY_FILE in relevant and base_entries.get(name) != head_entries.get(name))
        )
        targets += [Target(name, e) for e in environments if whole or e in overlays]
    return targets


def diff_target(
    target: Target,
    sides: tuple[tuple[Inventory | None, Renderer], tuple[Inventory | None, Renderer]],
) -> ReleaseDiff:
    (base_inventory, base_renderer), (head_inventory, head_renderer) = sides
    before = render(base_inventory, base_renderer, target)
    after = render(head_inventory, head_renderer, target)
    result = ReleaseDiff(target, before, after)
    if not after.error:
        prefix = f"{target.release}/{target.environment}"
        result.changes = object_changes(
            before.objects, after.objects, after.namespace or before.namespace or "", prefix
        )
    return result


def load_or_none(root: Path) -> Inventory | None:
    try:
        return load(root)
    except InventoryError:
        return None


def rendered_diff(root: Path, base: str, toolbox: Toolbox | None = None) -> list[ReleaseDiff]:
    """The diff of every affected render between base and the working tree."""
    toolbox = toolbox or Toolbox(root)
    files = changed_files(root, base)
    head = load(root)
    with base_worktree(root, base) as base_root:
        before = load_or_none(base_root)
        targets = affected_targets(root, base, files, head, before)
        # one disk cache for both sides: its entries are keyed by the contents they come
        # from, and the base's temporary worktree has none of its own
        cache = DiskCache.of_repository(root)
        sides = (
            (before, Renderer(base_root, toolbox, disk_cache=cache)),
            (head, Renderer(root, toolbox, disk_cache=cache)),
        )
        # helm runs as a process of its own: a thread per core keeps every core busy
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            return list(pool.map(lambda target: diff_target(target, sides), targets))
