"""A release made from a chart and values files given on the command line (no inventory
entry), for `chartkit render --chart` and `chartkit migrate`: the same Release the inventory
gives, so every check takes the same path."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from chartkit.releases.chart_metadata import chart_metadata
from chartkit.releases.inventory import Inventory, Release

_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$")
DEFAULT_NAMESPACE = "default"


class ArgumentProblem(Exception):
    """A chart, values file or name given on the command line cannot be used."""


def application_charts(root: Path) -> list[str]:
    """The charts under charts/ a release can use (library charts left out)."""
    import yaml

    names = []
    for chart_file in sorted((root / "charts").glob("*/Chart.yaml")):
        try:
            kind = chart_metadata(chart_file.parent).get("type", "application")
        except yaml.YAMLError:
            kind = "application"
        if kind != "library":
            names.append(chart_file.parent.name)
    return names


def chart_directory(root: Path, chart: str) -> Path:
    """A chart by name (a directory of charts/) or by path."""
    named = root / "charts" / chart
    candidates = [named] if "/" not in chart else [Path(chart), root / chart]
    for candidate in candidates:
        if (candidate / "Chart.yaml").is_file():
            return candidate.resolve()
    known = ", ".join(application_charts(root))
    raise ArgumentProblem(f"--chart {chart}: no such chart (charts: {known})")


def values_file(path: str) -> Path:
    file = Path(path)
    if not file.is_file():
        raise ArgumentProblem(f"{path}: no such values file")
    return file.resolve()


def _fullname_override(files: Sequence[Path]) -> str | None:
    import yaml

    name = None
    for file in files:
        try:
            values = yaml.safe_load(file.read_text())
        except yaml.YAMLError:
            continue  # the values check reports it
        if isinstance(values, dict) and isinstance(values.get("fullnameOverride"), str):
            name = values["fullnameOverride"] or name
    return name


def release_name(chart: Path, files: Sequence[Path]) -> str:
    """The files' fullnameOverride, else the first file's name, else the chart's."""
    for candidate in (_fullname_override(files), files[0].stem if files else None):
        if candidate and _RELEASE_NAME.match(candidate):
            return candidate
    return chart.name


def chart_release(
    chart: Path, files: Sequence[Path], name: str | None = None, namespace: str | None = None
) -> Release:
    name = name or release_name(chart, files)
    if not _RELEASE_NAME.match(name):
        raise ArgumentProblem(
            f"--release {name}: a release name is a DNS-1123 label of at most 53 characters"
        )
    namespace = namespace or DEFAULT_NAMESPACE
    if not _RELEASE_NAME.match(namespace):
        raise ArgumentProblem(f"--namespace {namespace}: a namespace is a DNS-1123 label")
    return Release(name=name, namespace=namespace, chart=chart, values=tuple(files))


def releases_using(inventory: Inventory, file: Path) -> list[Release]:
    """The inventory's releases that list this values file."""
    return [release for release in inventory.releases if file in release.values]
