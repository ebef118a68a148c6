"""Chart versions: SemVer 2, as Helm requires, read from a chart's Chart.yaml."""

from __future__ import annotations

from pathlib import Path

import semver

from chartkit.releases.chart_metadata import chart_metadata


def parse_version(text: str) -> semver.Version:
    """A chart version (SemVer 2; a leading "v" is allowed, as helm allows it)."""
    try:
        return semver.Version.parse(text.strip().removeprefix("v"))
    except ValueError:
        raise ValueError(f"not a SemVer version: {text!r}") from None


def chart_version(chart_dir: Path) -> str:
    """The `version` of the chart in chart_dir."""
    return str(chart_metadata(chart_dir).get("version"))


def major_raised(before: str | None, after: str | None) -> bool:
    """Whether a chart's major version went up (False when either is not a version)."""
    try:
        return parse_version(after or "").major > parse_version(before or "").major
    except ValueError:
        return False
