"""Every changed chart must raise its Chart.yaml version above the merge base's (a new
chart has nothing to compare with), and its CHANGELOG.md must grow with it: a raised
version needs its entry, on top."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from chartkit.delivery.changelog import CHANGELOG, ChangelogError, read_changelog
from chartkit.delivery.git import show
from chartkit.releases.chart_version import parse_version


@dataclass(frozen=True)
class BumpProblem:
    chart: str
    message: str
    file: str = "Chart.yaml"

    def __str__(self) -> str:
        return f"charts/{self.chart}/{self.file}: {self.message}"


def version_problems(root: Path, base: str, charts: Iterable[str]) -> list[BumpProblem]:
    """Changed charts whose version is not above the merge base's."""
    problems = []
    for chart in sorted(charts):
        path = f"charts/{chart}/Chart.yaml"
        if not (root / path).exists():
            continue  # the chart was removed
        before_text = show(root, base, path)
        if before_text is None:
            continue  # a new chart
        before = str((yaml.safe_load(before_text) or {}).get("version", ""))
        after = str((yaml.safe_load((root / path).read_text()) or {}).get("version", ""))
        try:
            bumped = parse_version(after) > parse_version(before)
        except ValueError as error:
            problems.append(BumpProblem(chart, str(error)))
            continue
        if not bumped:
            problems.append(
                BumpProblem(
                    chart,
                    f"the chart changed but its version {after} is not above {before} "
                    f"(at {base[:12]}); raise `version` (docs-only changes need none)",
                )
            )
            continue
        problems += changelog_problems(root, chart, after)
    return problems


def changelog_problems(root: Path, chart: str, version: str) -> list[BumpProblem]:
    """A raised version without its CHANGELOG.md entry, or with one below an older one."""
    try:
        entries = read_changelog(root / "charts" / chart)
    except ChangelogError as error:
        return [BumpProblem(chart, str(error).split(": ", 1)[-1], CHANGELOG)]
    if entries is None:
        return [BumpProblem(chart, f"missing: add it with a `## {version}` entry", CHANGELOG)]
    versions = [entry.version for entry in entries]
    if version not in versions:
        return [
            BumpProblem(
                chart,
                f"no entry for {version}, the raised Chart.yaml version: add `## {version}` "
                "on top, with what changed",
                CHANGELOG,
            )
        ]
    if versions[0] != version:
        return [BumpProblem(chart, f"the {version} entry must be the top one", CHANGELOG)]
    return []
