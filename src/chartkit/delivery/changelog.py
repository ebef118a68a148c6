"""Each chart's CHANGELOG.md, its Chart.yaml metadata, and the `artifacthub.io/changes`
annotation that repeats the current version's entry.

A CHANGELOG.md holds one entry per version, newest first, in Keep a Changelog's shape:

    ## 2.0.0 - 2026-12-01
    ### Changed
    - One change, which may go on
      over several lines.

The sections are Artifact Hub's change kinds (Added, Changed, Deprecated, Removed, Fixed,
Security). The top entry's version is the Chart.yaml version, and the annotation lists the
same changes, in order, as `{kind, description}` objects (Artifact Hub's documented form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartkit.releases.chart_metadata import chart_metadata

CHANGELOG = "CHANGELOG.md"
CHANGES_ANNOTATION = "artifacthub.io/changes"
CHANGE_KINDS = ("added", "changed", "deprecated", "removed", "fixed", "security")
REQUIRED_METADATA = ("maintainers", "home", "sources")
_ENTRY = re.compile(r"^## \[?(?P<version>[0-9][^\]\s]*)\]?(?:\s+-\s+(?P<date>\S+))?\s*$")
_SECTION = re.compile(r"^### (?P<kind>\w+)\s*$")


@dataclass(frozen=True)
class Change:
    kind: str  # one of CHANGE_KINDS
    description: str


@dataclass(frozen=True)
class Entry:
    version: str
    date: str | None
    changes: tuple[Change, ...]


class ChangelogError(Exception):
    """A CHANGELOG.md or a changes annotation that cannot be read."""


def parse_changelog(text: str, where: str = CHANGELOG) -> list[Entry]:
    """The entries, in the file's order (newest first)."""
    entries: list[Entry] = []
    version, date, kind = None, None, None
    changes: list[Change] = []
    bullet: list[str] = []

    def close_bullet() -> None:
        if bullet:
            if kind is None:
                raise ChangelogError(f"{where}: a change outside a ### section of {version}")
            changes.append(Change(kind, " ".join(bullet)))
            bullet.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ENTRY.match(line):
            close_bullet()
            if version is not None:
                entries.append(Entry(version, date, tuple(changes)))
            version, date, kind, changes = match["version"], match["date"], None, []
        elif version is None:
            continue  # the title and introduction
        elif match := _SECTION.match(line):
            close_bullet()
            kind = match["kind"].lower()
            if kind not in CHANGE_KINDS:
                raise ChangelogError(
                    f"{where}:{number}: section {match['kind']!r}; use one of "
                    f"{', '.join(k.capitalize() for k in CHANGE_KINDS)}"
                )
        elif line.startswith("- "):
            close_bullet()
            bullet.append(line[2:].strip())
        elif line.startswith("  ") and bullet:
            bullet.append(line.strip())
        else:
            close_bullet()
    close_bullet()
    if version is not None:
        entries.append(Entry(version, date, tuple(changes)))
    return entries


def read_changelog(chart_dir: Path) -> list[Entry] | None:
    """The chart's entries; None when it has no CHANGELOG.md."""
    path = chart_dir / CHANGELOG
    if not path.is_file():
        return None
    return parse_changelog(path.read_text(), f"charts/{chart_dir.name}/{CHANGELOG}")


def annotation_changes(chart: dict[str, Any], where: str) -> list[Change]:
    """The changes the Chart.yaml annotation lists ([] when it has none)."""
    text = (chart.get("annotations") or {}).get(CHANGES_ANNOTATION)
    if text is None:
        return []
    try:
        items = yaml.safe_load(str(text))
    except yaml.YAMLError as error:
        raise ChangelogError(f"{where}: {CHANGES_ANNOTATION} is not YAML: {error}") from None
    if not isinstance(items, list):
        raise ChangelogError(f"{where}: {CHANGES_ANNOTATION} must be a YAML list of changes")
    changes = []
    for index, item in enumerate(items):
        kind = item.get("kind") if isinstance(item, dict) else None
        description = item.get("description") if isinstance(item, dict) else None
        if kind not in CHANGE_KINDS or not isinstance(description, str) or not description:
            raise ChangelogError(
                f"{where}: {CHANGES_ANNOTATION}[{index}] must be {{kind, description}} with "
                f"kind one of {', '.join(CHANGE_KINDS)}, got {item!r}"
            )
        changes.append(Change(kind, " ".join(description.split())))
    return changes


def changes_annotation(entry: Entry) -> str:
    """The annotation's text for an entry (what Chart.yaml must hold)."""
    items = [{"kind": c.kind, "description": c.description} for c in entry.changes]
    return yaml.safe_dump(items, sort_keys=False, width=92)


def metadata_problems(chart_dir: Path) -> list[str]:
    """What the chart's Chart.yaml and CHANGELOG.md lack or disagree on."""
    where = f"charts/{chart_dir.name}/Chart.yaml"
    chart = chart_metadata(chart_dir)
    problems = [
        f"{where}: `{key}` is missing (every chart names its maintainers, home and sources)"
        for key in REQUIRED_METADATA
        if not chart.get(key)
    ]
    try:
        entries = read_changelog(chart_dir)
        annotated = annotation_changes(chart, where)
    except ChangelogError as error:
        return [*problems, str(error)]
    log = f"charts/{chart_dir.name}/{CHANGELOG}"
    version = str(chart.get("version", ""))
    if not entries:
        return [*problems, f"{log}: missing or without a `## <version>` entry"]
    top = entries[0]
    if top.version != version:
        problems.append(
            f"{log}: the top entry is {top.version}, Chart.yaml says {version}: add a "
            f"`## {version}` entry above it"
        )
    elif not top.changes:
        problems.append(f"{log}: the {version} entry lists no change")
    elif annotated != list(top.changes):
        problems.append(
            f"{where}: {CHANGES_ANNOTATION} must repeat the {version} entry of {log}:\n"
            + changes_annotation(top)
        )
    return problems
