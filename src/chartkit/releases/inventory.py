"""The release inventory: helmfile.yaml's releases, their needs and the environments.

Only the fields the harness needs are read (name, namespace, chart, values, labels, needs,
and the environments with their overlays, chartkit.releases.helmfile); helmfile accepts
more, and they are left alone. Every problem names the entry and the field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chartkit.releases.helmfile import (
    DEFAULT_ENVIRONMENT,
    INVENTORY_FILE,
    OVERLAY_DIR,
    InventoryError,
    check_overlay_entry,
    environment_names,
    is_overlay_entry,
    read_state,
)
from chartkit.releases.needs import in_order, parse_needs, resolve_needs
from chartkit.releases.repository_root import repository_root
from chartkit.tools.disk_cache import DiskCache

# Helm release names: DNS-1123 labels of at most 53 characters.
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    chart: Path  # absolute path of the chart directory
    values: tuple[Path, ...]  # absolute paths, in order (the environment's overlay excluded)
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    needs: tuple[str, ...] = ()  # names of the releases installed before this one

    @property
    def chart_name(self) -> str:
        return self.chart.name


@dataclass(frozen=True)
class Overlay:
    """The overlay of an environment other than `default`: values/env/<name>.yaml."""

    name: str
    path: Path


@dataclass(frozen=True)
class Inventory:
    root: Path
    releases: tuple[Release, ...]
    overlays: tuple[Overlay, ...]  # one per environment but `default`, in helmfile order
    environments: tuple[str, ...] = (DEFAULT_ENVIRONMENT,)

    def release(self, name: str) -> Release:
        for release in self.releases:
            if release.name == name:
                return release
        known = ", ".join(r.name for r in self.releases)
        raise InventoryError(f"no release named {name!r} in {INVENTORY_FILE} (known: {known})")

    def select(self, names: Sequence[str]) -> list[Release]:
        """The releases named, in the order given; every release when none is named."""
        if not names:
            return list(self.releases)
        return [self.release(name) for name in names]

    def overlay(self, name: str) -> Overlay:
        for overlay in self.overlays:
            if overlay.name == name:
                return overlay
        known = ", ".join(o.name for o in self.overlays) or "none"
        why = " (the default environment has no overlay)" if name == DEFAULT_ENVIRONMENT else ""
        raise InventoryError(
            f"no environment with an overlay named {name!r} in {INVENTORY_FILE}{why} "
            f"(known: {known})"
        )

    def environment_overlay(self, environment: str) -> Overlay | None:
        """The overlay of a helmfile environment: None for `default`."""
        if environment == DEFAULT_ENVIRONMENT:
            return None
        return self.overlay(environment)

    def in_install_order(self, releases: Sequence[Release] | None = None) -> list[Release]:
        """Releases (all by default) each after those of them it needs, else in order."""
        chosen = list(self.releases if releases is None else releases)
        by_name = {r.name: r for r in chosen}
        order = in_order([r.name for r in chosen], {r.name: r.needs for r in chosen})
        return [by_name[name] for name in order]

    def charts(self) -> list[Path]:
        return sorted({release.chart for release in self.releases})


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest directory upwards holding helmfile.yaml."""
    try:
        here = (start or Path.cwd()).resolve()
    except FileNotFoundError:  # the working directory was removed under the shell
        raise InventoryError(
            "the working directory no longer exists: cd into the repository and run again"
        ) from None
    found = repository_root(str(here))
    if found is None:
        raise InventoryError(f"no {INVENTORY_FILE} in {here} or any parent directory")
    return Path(found)


def load(root: Path) -> Inventory:
    state = read_state(root / INVENTORY_FILE, DiskCache.of_repository(root))
    environments = environment_names(state, root)
    parsed = [
        _parse_release(root, index, entry, environments)
        for index, entry in enumerate(state["releases"])
    ]
    seen: dict[str, int] = {}
    for index, (release, _) in enumerate(parsed):
        if release.name in seen:
            raise InventoryError(
                f"{_where(index, release.name)}: name already used by "
                f"releases[{seen[release.name]}]; release names must be unique"
            )
        seen[release.name] = index
    needs = resolve_needs(
        {release.name: written for release, written in parsed},
        {release.name: release.namespace for release, _ in parsed},
        {release.name: _where(index, release.name) for index, (release, _) in enumerate(parsed)},
    )
    releases = tuple(replace(release, needs=needs[release.name]) for release, _ in parsed)
    overlays = tuple(Overlay(e, root / OVERLAY_DIR / f"{e}.yaml") for e in environments[1:])
    return Inventory(root=root, releases=releases, overlays=overlays, environments=environments)


def _where(index: int, name: str | None = None) -> str:
    return f"{INVENTORY_FILE}: releases[{index}]" + (f" ({name})" if name else "")


def _parse_release(
    root: Path, index: int, entry: Any, environments: tuple[str, ...]
) -> tuple[Release, tuple[str, ...]]:
    """The release, and its needs as written."""
    if not isinstance(entry, dict):
        raise InventoryError(f"{_where(index)}: expected a mapping, got {type(entry).__name__}")
    name = entry.get("name")
    where = _where(index, name if isinstance(name, str) else None)
    if not isinstance(name, str) or not _RELEASE_NAME.match(name):
        raise InventoryError(
            f"{where}: `name` must be a DNS-1123 label of at most 53 characters, got {name!r}"
        )
    namespace = entry.get("namespace")
    if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
        raise InventoryError(f"{where}: `namespace` must be a DNS-1123 label, got {namespace!r}")
    chart = _chart(root, where, entry.get("chart"))
    values = _values(root, where, entry.get("values", []))
    check_overlay_entry(where, entry, environments)
    labels = entry.get("labels", {}) or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise InventoryError(f"{where}: `labels` must map names to strings")
    release = Release(
        name=name,
        namespace=namespace,
        chart=chart,
        values=values,
        labels=dict(labels),
    )
    return release, parse_needs(where, entry)


def _chart(root: Path, where: str, chart_field: Any) -> Path:
    if not isinstance(chart_field, str) or not chart_field:
        raise InventoryError(
            f"{where}: `chart` must be a path such as ./charts/api, got {chart_field!r}"
        )
    chart = (root / chart_field).resolve()
    if not (chart / "Chart.yaml").is_file():
        raise InventoryError(
            f"{where}: `chart` {chart_field!r} is not a chart directory (no Chart.yaml)"
        )
    return chart


def _values(root: Path, where: str, values_field: Any) -> tuple[Path, ...]:
    """The release's own values files (the overlay entry is the environment's)."""
    if not isinstance(values_field, list):
        raise InventoryError(f"{where}: `values` must be a list of file paths")
    values: list[Path] = []
    for position, item in enumerate(values_field):
        if not isinstance(item, str):
            raise InventoryError(
                f"{where}: values[{position}] must be a file path; inline "
                "values are not used in this repository"
            )
        if is_overlay_entry(item):
            continue
        values_path = (root / item).resolve()
        if not values_path.is_file():
            raise InventoryError(f"{where}: values[{position}] {item!r} does not exist")
        values.append(values_path)
    return tuple(values)
