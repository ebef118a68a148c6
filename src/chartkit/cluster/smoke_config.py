"""What ci/smoke/ says: how each chart's releases are exercised (ci/smoke/plan.yaml: the
upgrade values, canary, shared volume, step timeouts, values copied from the release) and
the smoke values each release is installed with: its chart's ci/smoke/charts/<chart>.yaml,
then ci/smoke/<release>.yaml where a release needs more."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chartkit.cluster.smoke_results import SmokeError
from chartkit.releases.inventory import Release
from chartkit.releases.value_paths import fill_stars, matches
from chartkit.releases.values import supplied_values
from chartkit.tools.helm import Helm
from chartkit.tools.toolbox import Toolbox

SMOKE_DIR = Path("ci") / "smoke"
PLAN_FILE = SMOKE_DIR / "plan.yaml"
CHART_VALUES_DIR = SMOKE_DIR / "charts"
# The fromRelease values of each release, written for helm -f (never edited by hand).
COPIED_VALUES_DIR = Path("build") / "smoke" / "values"


@dataclass(frozen=True)
class SharedVolume:
    writer: str  # app.kubernetes.io/component of the writing workload
    reader: str


@dataclass(frozen=True)
class ChartPlan:
    upgrade: dict[str, Any]  # --set-json values of the upgrade step
    canary: bool = False
    shared_volume: SharedVolume | None = None
    # smoke values key -> the release's values key its value is copied from
    from_release: dict[str, str] = field(default_factory=dict)


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
            from_release={str(k): str(v) for k, v in (entry.get("fromRelease") or {}).items()},
        )
    return SmokePlan(timeouts={k: str(v) for k, v in document["timeouts"].items()}, charts=charts)


def smoke_values_file(root: Path, release: Release) -> Path:
    """The release's own smoke values (optional: only where a release needs more)."""
    return root / SMOKE_DIR / f"{release.name}.yaml"


def chart_smoke_values_file(root: Path, chart: str) -> Path:
    return root / CHART_VALUES_DIR / f"{chart}.yaml"


def copied_values(values: Mapping[str, Any], from_release: Mapping[str, str]) -> dict[str, Any]:
    """The fromRelease values ({"a.b": "c.d"}: a.b set to the string of values' c.d), as
    nested values."""
    copied: dict[str, Any] = {}
    for target, source in from_release.items():
        pattern = source.split(".")
        for found, value in matches(values, pattern):
            if value is None or isinstance(value, Mapping | list):
                continue
            node = copied
            *parents, last = fill_stars(target.split("."), pattern, found)
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = str(value).lower() if isinstance(value, bool) else str(value)
    return copied


def _copied_values_file(
    root: Path,
    release: Release,
    files: list[Path],
    from_release: Mapping[str, str],
    helm: Helm | None,
) -> Path:
    """build/smoke/values/<release>.yaml, from the release's values as helm merges them
    (its chart's values.yaml first); written again only when one of those files changed."""
    path = root / COPIED_VALUES_DIR / f"{release.name}.yaml"
    sources = [release.chart / "values.yaml", *files]
    digest = hashlib.sha256(json.dumps(from_release, sort_keys=True).encode())
    for source in sources:
        digest.update(source.read_bytes())
    stamp = f"# from files with sha256 {digest.hexdigest()}\n"
    if path.is_file() and stamp in path.read_text():
        return path
    values = supplied_values(helm or Helm(Toolbox(root).helm()), sources)
    text = (
        f"# Smoke values of release {release.name} copied from its own values "
        f"({PLAN_FILE}: fromRelease).\n# Written by chartkit: edit the plan, not this file.\n"
        + stamp
        + yaml.safe_dump(copied_values(values, from_release), sort_keys=True)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, path)
    return path


def release_values(root: Path, release: Release, helm: Helm | None = None) -> list[Path]:
    """The files a smoke install uses: the release's own, its chart's smoke values, the
    release's own smoke values where it has them, then the values the plan copies from the
    release (build/smoke/values/<release>.yaml; helm, the pinned one by default, merges the
    files they are read from)."""
    chart_file = chart_smoke_values_file(root, release.chart_name)
    if not chart_file.is_file():
        raise SmokeError(
            f"{chart_file.relative_to(root)} does not exist: every chart with a release has "
            "its smoke values there (the stand-in image and what a smoke cluster lacks)"
        )
    files = [*release.values, chart_file]
    if smoke_values_file(root, release).is_file():
        files.append(smoke_values_file(root, release))
    plan = load_plan(root).charts.get(release.chart_name)
    if plan and plan.from_release:
        files.append(_copied_values_file(root, release, files, plan.from_release, helm))
    return files
