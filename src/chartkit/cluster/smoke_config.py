"""What ci/smoke/ says: how each chart's releases are exercised (ci/smoke/plan.yaml: the
upgrade values, canary, shared volume, step timeouts) and each release's smoke values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartkit.cluster.smoke_results import SmokeError
from chartkit.releases.inventory import Release

SMOKE_DIR = Path("ci") / "smoke"
PLAN_FILE = SMOKE_DIR / "plan.yaml"


@dataclass(frozen=True)
class SharedVolume:
    writer: str  # app.kubernetes.io/component of the writing workload
    reader: str


@dataclass(frozen=True)
class ChartPlan:
    upgrade: dict[str, Any]  # --set-json values of the upgrade step
    canary: bool = False
    shared_volume: SharedVolume | None = None


@dataclass(frozen=True)
class SmokePlan:
    timeouts: dict[str, str]
    charts: dict[str, ChartPlan]

    def chart(self, name: str) -> ChartPlan:
        if name not in self.charts:
            raise SmokeError(f"{PLAN_FILE} has no entry for chart {name!r}")
        return self.charts[name]


def load_plan(root: Path) -> SmokePlan:
    document = yaml.safe_load((root / PLAN_FILE).read_text())
    charts: dict[str, ChartPlan] = {}
    for name, entry in (document.get("charts") or {}).items():
        shared = entry.get("sharedVolume")
        charts[str(name)] = ChartPlan(
            upgrade=dict(entry.get("upgrade") or {}),
            canary=bool(entry.get("canary", False)),
            shared_volume=SharedVolume(str(shared["writer"]), str(shared["reader"]))
            if shared
            else None,
        )
    return SmokePlan(timeouts={k: str(v) for k, v in document["timeouts"].items()}, charts=charts)


def smoke_values_file(root: Path, release: Release) -> Path:
    return root / SMOKE_DIR / f"{release.name}.yaml"


def release_values(root: Path, release: Release) -> list[Path]:
    """The files a smoke install uses: the release's own, then its smoke values."""
    return [*release.values, smoke_values_file(root, release)]
