"""Every changed chart must raise its Chart.yaml version above the merge base's; a new
chart has nothing to compare with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import semver
import yaml

from chartkit.delivery.git import show


def parse_version(text: str) -> semver.Version:
    """A chart version (SemVer 2; a leading "v" is allowed, as helm allows it)."""
    try:
        return semver.Version.parse(text.strip().removeprefix("v"))
    except ValueError:
        raise ValueError(f"not a SemVer version: {text!r}") from None


@dataclass(frozen=True)
class BumpProblem:
    chart: str
    message: str

    def __str__(self) -> str:
        return f"charts/{self.chart}/Chart.yaml: {self.message}"


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
    return problems
