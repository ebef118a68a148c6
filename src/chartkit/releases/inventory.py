"""The release inventory: helmfile.yaml's `releases:` and the environment overlays.

Only the fields the harness needs are read (name, namespace, chart, values, labels);
helmfile accepts more, and they are left alone. Every problem names the entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

INVENTORY_FILE = "helmfile.yaml"
OVERLAY_DIR = Path("values") / "env"

# Helm release names: DNS-1123 labels of at most 53 characters.
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class InventoryError(Exception):
    """The inventory file is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    chart: Path  # absolute path of the chart directory
    values: tuple[Path, ...]  # absolute paths, in order
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def chart_name(self) -> str:
        return self.chart.name


@dataclass(frozen=True)
class Overlay:
    name: str
    path: Path


@dataclass(frozen=True)
class Inventory:
    root: Path
    releases: tuple[Release, ...]
    overlays: tuple[Overlay, ...]

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
        known = ", ".join(o.name for o in self.overlays)
        raise InventoryError(f"no overlay named {name!r} in {OVERLAY_DIR} (known: {known})")

    def charts(self) -> list[Path]:
        return sorted({release.chart for release in self.releases})


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest directory upwards holding helmfile.yaml."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / INVENTORY_FILE).is_file():
            return candidate
    raise InventoryError(f"no {INVENTORY_FILE} in {here} or any parent directory")


def load(root: Path) -> Inventory:
    path = root / INVENTORY_FILE
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise InventoryError(f"{path} does not exist") from None
    except yaml.YAMLError as error:
        raise InventoryError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("releases"), list):
        raise InventoryError(f"{path}: expected a mapping with a `releases:` list")
    releases = [
        _parse_release(root, index, entry) for index, entry in enumerate(document["releases"])
    ]
    seen: dict[str, int] = {}
    for index, release in enumerate(releases):
        if release.name in seen:
            raise InventoryError(
                f"{INVENTORY_FILE}: releases[{index}] ({release.name}): name already used by "
                f"releases[{seen[release.name]}]; release names must be unique"
            )
        seen[release.name] = index
    return Inventory(root=root, releases=tuple(releases), overlays=tuple(_overlays(root)))


def _parse_release(root: Path, index: int, entry: Any) -> Release:
    where = f"{INVENTORY_FILE}: releases[{index}]"
    if not isinstance(entry, dict):
        raise InventoryError(f"{where}: expected a mapping, got {type(entry).__name__}")
    name = entry.get("name")
    if isinstance(name, str):
        where += f" ({name})"
    if not isinstance(name, str) or not _RELEASE_NAME.match(name):
        raise InventoryError(
            f"{where}: `name` must be a DNS-1123 label of at most 53 characters, got {name!r}"
        )
    namespace = entry.get("namespace")
    if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
        raise InventoryError(f"{where}: `namespace` must be a DNS-1123 label, got {namespace!r}")
    chart_field = entry.get("chart")
    if not isinstance(chart_field, str) or not chart_field:
        raise InventoryError(
            f"{where}: `chart` must be a path such as ./charts/api, got {chart_field!r}"
        )
    chart = (root / chart_field).resolve()
    if not (chart / "Chart.yaml").is_file():
        raise InventoryError(
            f"{where}: `chart` {chart_field!r} is not a chart directory (no Chart.yaml)"
        )
    values_field = entry.get("values", [])
    if not isinstance(values_field, list):
        raise InventoryError(f"{where}: `values` must be a list of file paths")
    values: list[Path] = []
    for position, item in enumerate(values_field):
        if not isinstance(item, str):
            raise InventoryError(
                f"{where}: values[{position}] must be a file path; inline "
                "values are not used in this repository"
            )
        values_path = (root / item).resolve()
        if not values_path.is_file():
            raise InventoryError(f"{where}: values[{position}] {item!r} does not exist")
        values.append(values_path)
    labels = entry.get("labels", {}) or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise InventoryError(f"{where}: `labels` must map names to strings")
    return Release(
        name=name, namespace=namespace, chart=chart, values=tuple(values), labels=dict(labels)
    )


def _overlays(root: Path) -> list[Overlay]:
    directory = root / OVERLAY_DIR
    if not directory.is_dir():
        return []
    return [Overlay(name=path.stem, path=path) for path in sorted(directory.glob("*.yaml"))]
