"""Upgrade from the previous version, as chart-testing's `ct install --upgrade` does: each
release of a changed chart is first installed from the base commit's chart, with the
working tree's values files and smoke values, then upgraded to the working tree's chart
(the `install` step), and goes through its usual steps from there.

The base commit's checkout is the caller's (a temporary git worktree); this module only
reads it. A release is not upgraded from the base, with the reason printed, when its chart
did not exist there, or when the chart's major version went up (a major version may break
the upgrade path, as ct's own rule says). A minor or patch version must accept the values
of the version before: a base chart that refuses them fails the `install-base` step with
helm's message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chartkit.releases.chart_version import chart_version, major_raised
from chartkit.releases.inventory import Release

INSTALL_BASE = "install-base"


@dataclass(frozen=True)
class UpgradeFrom:
    """Where a release's smoke run starts: the base commit's chart, or why not (chart None)."""

    chart: Path | None
    reason: str  # what the chart is ("chart api 2.0.0 at 1a2b3c4d5e6f"), or why skipped


def upgrade_sources(
    root: Path,
    base_root: Path,
    base_label: str,
    releases: Sequence[Release],
    changed_charts: Iterable[str],
) -> dict[str, UpgradeFrom]:
    """release name -> where its smoke run starts, for the releases of changed charts."""
    changed = set(changed_charts)
    sources: dict[str, UpgradeFrom] = {}
    for release in releases:
        if release.chart_name not in changed:
            continue
        base_chart = base_root / release.chart.relative_to(root)
        name = release.chart_name
        if not (base_chart / "Chart.yaml").is_file():
            sources[release.name] = UpgradeFrom(None, f"chart {name} did not exist at {base_label}")
            continue
        before, after = chart_version(base_chart), chart_version(release.chart)
        if major_raised(before, after):
            reason = (
                f"chart {name} {before} -> {after} is a major version change: no in-place "
                "upgrade test (as ct install --upgrade)"
            )
            sources[release.name] = UpgradeFrom(None, reason)
            continue
        sources[release.name] = UpgradeFrom(base_chart, f"chart {name} {before} at {base_label}")
    return sources
