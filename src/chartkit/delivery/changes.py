"""Which charts and releases a change touches.

Like chart-testing: the change is everything between the merge base of HEAD and the target
branch and the working tree (committed, staged, unstaged and untracked files). Changes to
documentation only (*.md) count for nothing.

- A chart changes when a file under charts/<chart>/ changes. Charts that depend on it
  through a `file://` dependency are affected too (every chart depends on charts/common,
  so a library change affects them all).
- A release is affected when its chart is, when one of its values files or its smoke
  values (its chart's ci/smoke/charts/<chart>.yaml, its own ci/smoke/<release>.yaml)
  change, or when its helmfile.yaml entry changes.
- A change to the smoke machinery affects every release: the smoke tests, their settings
  (prerequisites, kind config, the smoke plan, CRDs, pinned tools) and every chartkit
  module the smoke tests import, directly or not (read from the import graph).

Every changed chart (not merely affected) must raise its Chart.yaml version above the
merge base's (chartkit.delivery.version_bump).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from chartkit.delivery.git import changed_files, show
from chartkit.delivery.import_graph import import_graph, imported_modules, package_modules
from chartkit.releases.chart_metadata import chart_metadata
from chartkit.releases.helmfile import release_entries

DOCS_PATTERNS = ("*.md",)
# Files besides chartkit's own modules whose change means every release is smoke-tested
# again; the modules are those the smoke tests import (smoke_modules).
SMOKE_DATA = (
    "ci/prereqs.yaml",
    "ci/kind-config.yaml",
    "ci/smoke/plan.yaml",
    "ci/crds/*",
    "ci/tools.json",
    "tests/smoke/*",
)
SMOKE_TESTS = PurePosixPath("tests/smoke")
PACKAGE = "chartkit"


def smoke_modules(root: Path) -> set[str]:
    """Files (relative to root) of every chartkit module the smoke tests import, directly or
    through other modules, with the __init__ of each package above them (importing a module
    runs those), and the conftest.py files pytest loads for the smoke tests."""
    src = root / "src"
    modules = package_modules(src, PACKAGE)
    graph = import_graph(src, PACKAGE)
    conftests = [
        root / directory / "conftest.py"
        for directory in (SMOKE_TESTS.parent, PurePosixPath("."))
        if (root / directory / "conftest.py").is_file()
    ]
    entry_points = sorted((root / SMOKE_TESTS).rglob("*.py")) + conftests
    pending = set().union(*(imported_modules(path, "tests", modules) for path in entry_points))
    reached: set[str] = set()
    while pending:
        module = pending.pop()
        reached.add(module)
        parts = module.split(".")
        parents = {".".join(parts[:end]) for end in range(1, len(parts))}
        pending |= (graph[module] | (parents & set(modules))) - reached
    files = {modules[module].relative_to(root).as_posix() for module in reached}
    return files | {path.relative_to(root).as_posix() for path in conftests}


def is_docs(path: str) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatch(name, pattern) for pattern in DOCS_PATTERNS)


def _matches(path: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


# -- charts ---------------------------------------------------------------------------------


def chart_dependencies(root: Path) -> dict[str, set[str]]:
    """chart -> charts it depends on through file:// repositories."""
    graph: dict[str, set[str]] = {}
    for chart_yaml in sorted((root / "charts").glob("*/Chart.yaml")):
        chart = chart_yaml.parent
        document = chart_metadata(chart)
        deps: set[str] = set()
        for dep in document.get("dependencies") or []:
            repository = str(dep.get("repository") or "")
            if repository.startswith("file://"):
                target = (chart / repository.removeprefix("file://")).resolve()
                deps.add(target.name)
        graph[chart.name] = deps
    return graph


def dependents(graph: dict[str, set[str]], charts: Iterable[str]) -> set[str]:
    """The charts given and every chart depending on them, directly or not."""
    found = set(charts)
    grew = True
    while grew:
        grew = False
        for chart, deps in graph.items():
            if chart not in found and deps & found:
                found.add(chart)
                grew = True
    return found


def changed_charts(files: Iterable[str]) -> set[str]:
    charts = set()
    for path in files:
        parts = PurePosixPath(path).parts
        if len(parts) >= 3 and parts[0] == "charts" and not is_docs(path):
            charts.add(parts[1])
    return charts


# -- releases -------------------------------------------------------------------------------


def _release_entries(text: str | None) -> dict[str, Any]:
    return release_entries(text or None)


def _chart_name(entry: dict[str, Any]) -> str:
    return PurePosixPath(str(entry.get("chart", ""))).name


@dataclass
class Changes:
    base: str
    files: list[str]
    changed_charts: list[str]  # files changed under charts/<chart>/ (not docs only)
    affected_charts: list[str]  # changed charts and every chart depending on them
    releases: list[str]  # releases to smoke-test
    reasons: dict[str, str] = field(default_factory=dict)  # release -> why

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "changed_charts": self.changed_charts,
            "affected_charts": self.affected_charts,
            "releases": self.releases,
            "reasons": self.reasons,
        }


def analyse(root: Path, base: str, files: Sequence[str] | None = None) -> Changes:
    files = list(changed_files(root, base) if files is None else files)
    relevant = [f for f in files if not is_docs(f)]
    charts = changed_charts(relevant)
    affected = dependents(chart_dependencies(root), charts)
    head_entries = _release_entries(
        (root / "helmfile.yaml").read_text() if (root / "helmfile.yaml").exists() else None
    )
    base_entries = _release_entries(show(root, base, "helmfile.yaml"))
    reasons: dict[str, str] = {}
    harness = smoke_modules(root) if (root / "src" / PACKAGE).is_dir() else set()
    machinery = [f for f in relevant if _matches(f, SMOKE_DATA) or f in harness]
    for name, entry in head_entries.items():
        values = [str(v).removeprefix("./") for v in entry.get("values") or []]
        if machinery:
            reasons[name] = f"smoke machinery changed ({machinery[0]})"
        elif _chart_name(entry) in affected:
            chart = _chart_name(entry)
            reasons[name] = (
                f"chart {chart} changed"
                if chart in charts
                else (f"chart {chart} depends on a changed chart")
            )
        elif changed_values := [v for v in values if v in relevant]:
            reasons[name] = f"values changed ({changed_values[0]})"
        elif f"ci/smoke/{name}.yaml" in relevant:
            reasons[name] = "smoke values changed"
        elif f"ci/smoke/charts/{_chart_name(entry)}.yaml" in relevant:
            reasons[name] = f"smoke values of chart {_chart_name(entry)} changed"
        elif "helmfile.yaml" in relevant and base_entries.get(name) != entry:
            reasons[name] = "helmfile.yaml entry changed"
    return Changes(
        base=base,
        files=files,
        changed_charts=sorted(charts),
        affected_charts=sorted(affected),
        releases=[name for name in head_entries if name in reasons],
        reasons=reasons,
    )


def github_output(changes: Changes) -> str:
    """Lines for $GITHUB_OUTPUT."""
    return "\n".join(
        [
            f"charts={json.dumps(changes.affected_charts)}",
            f"releases={','.join(changes.releases)}",
            f"smoke={'true' if changes.releases else 'false'}",
        ]
    )


def everything(root: Path) -> Changes:
    """Every chart and release, as when no base can be found (a new branch's first push)."""
    charts = sorted(chart_dependencies(root))
    entries = _release_entries((root / "helmfile.yaml").read_text())
    return Changes(
        base="(all)",
        files=[],
        changed_charts=charts,
        affected_charts=charts,
        releases=list(entries),
        reasons={name: "every release (--all)" for name in entries},
    )
