"""Which charts and releases a change touches, and whether changed charts bumped their version.

Like chart-testing: the change is everything between the merge base of HEAD and the target
branch and the working tree (committed, staged, unstaged and untracked files). Changes to
documentation only (*.md) count for nothing.

- A chart changes when a file under charts/<chart>/ changes. Charts that depend on it
  through a `file://` dependency are affected too (every chart depends on charts/common,
  so a library change affects them all).
- A release is affected when its chart is, when one of its values files or its smoke
  values (ci/smoke/<release>.yaml) changes, or when its helmfile.yaml entry changes.
- A change to the smoke machinery (cluster set-up, prerequisites, kind config, CRDs, the
  smoke tests) affects every release.

Every changed chart (not merely affected) must raise its Chart.yaml version above the
merge base's; a new chart has nothing to compare with.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

DOCS_PATTERNS = ("*.md",)
# Files whose change means every release is smoke-tested again.
SMOKE_MACHINERY = (
    "ci/prereqs.yaml",
    "ci/kind-config.yaml",
    "ci/smoke/plan.yaml",
    "ci/crds/*",
    "ci/tools.json",
    "src/chartkit/cluster/choice.py",
    "src/chartkit/cluster/kind.py",
    "src/chartkit/cluster/prereq*.py",
    "src/chartkit/cluster/release_run.py",
    "src/chartkit/cluster/rollouts.py",
    "src/chartkit/cluster/schedule.py",
    "src/chartkit/cluster/shared_volume.py",
    "src/chartkit/cluster/smoke*.py",
    "src/chartkit/checks/podsecurity.py",
    "src/chartkit/tools/helm.py",
    "src/chartkit/tools/kubectl.py",
    "tests/smoke/*",
)


class ChangesError(Exception):
    """git failed, or the repository is not in a state changes can be read from."""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise ChangesError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def merge_base(repo: Path, target: str) -> str:
    return git(repo, "merge-base", target, "HEAD").strip()


def resolve(repo: Path, revision: str) -> str:
    """The commit a revision names."""
    return git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()


def changed_files(repo: Path, base: str) -> list[str]:
    """Files that differ between `base` and the working tree, untracked ones included."""
    tracked = git(repo, "diff", "--name-only", "--no-renames", base, "--").splitlines()
    untracked = git(repo, "ls-files", "--others", "--exclude-standard").splitlines()
    return sorted({f for f in [*tracked, *untracked] if f})


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
        document = yaml.safe_load(chart_yaml.read_text()) or {}
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
    if not text:
        return {}
    document = yaml.safe_load(text) or {}
    return {
        str(entry.get("name")): entry
        for entry in document.get("releases") or []
        if isinstance(entry, dict)
    }


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
    base_entries = _release_entries(_show(root, base, "helmfile.yaml"))
    reasons: dict[str, str] = {}
    machinery = [f for f in relevant if _matches(f, SMOKE_MACHINERY)]
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


def _show(root: Path, revision: str, path: str) -> str | None:
    try:
        return git(root, "show", f"{revision}:{path}")
    except ChangesError:
        return None


# -- version bumps --------------------------------------------------------------------------


def parse_version(text: str) -> tuple[tuple[int, int, int], tuple[Any, ...]]:
    """A SemVer 2 version as a sortable key (pre-releases sort before their release)."""
    core, _, rest = text.strip().lstrip("v").partition("-")
    core = core.split("+")[0]
    pre = rest.split("+")[0]
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a SemVer version: {text!r}")
    major, minor, patch = (int(p) for p in parts)
    if not pre:
        return (major, minor, patch), (1,)
    identifiers = tuple(
        (0, int(item), "") if item.isdigit() else (1, 0, item) for item in pre.split(".")
    )
    return (major, minor, patch), (0, *identifiers)


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
        before_text = _show(root, base, path)
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


def github_output(changes: Changes) -> str:
    """Lines for $GITHUB_OUTPUT."""
    return "\n".join(
        [
            f"charts={json.dumps(changes.affected_charts)}",
            f"releases={','.join(changes.releases)}",
            f"smoke={'true' if changes.releases else 'false'}",
        ]
    )


# -- command line ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target-branch",
        default="origin/main",
        help="branch the change goes to; the merge base with HEAD is the base "
        "(default: origin/main)",
    )
    parser.add_argument(
        "--base", help="compare with this revision instead of a merge base (e.g. a push's before)"
    )
    parser.add_argument(
        "--all", action="store_true", help="treat every chart and release as changed"
    )
    parser.add_argument(
        "--check-versions",
        action="store_true",
        help="exit 1 when a changed chart did not raise its Chart.yaml version",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--github-output",
        action="store_true",
        help="also append charts=, releases= and smoke= to the file $GITHUB_OUTPUT names",
    )


def run(args: argparse.Namespace, root: Path) -> int:
    try:
        if args.all:
            changes = everything(root)
        else:
            base = resolve(root, args.base) if args.base else merge_base(root, args.target_branch)
            changes = analyse(root, base)
    except ChangesError as error:
        print(f"chartkit changed: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(changes.as_dict(), indent=2))
    else:
        print(f"base: {changes.base}")
        print(f"changed charts: {' '.join(changes.changed_charts) or '(none)'}")
        print(f"affected charts: {' '.join(changes.affected_charts) or '(none)'}")
        print("releases to smoke-test:" + ("" if changes.releases else " (none)"))
        for release in changes.releases:
            print(f"  {release}: {changes.reasons[release]}")
    if args.github_output:
        target = os.environ.get("GITHUB_OUTPUT")
        if not target:
            print("chartkit changed: --github-output needs GITHUB_OUTPUT set", file=sys.stderr)
            return 2
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(github_output(changes) + "\n")
    if args.check_versions and not args.all:
        problems = version_problems(root, changes.base, changes.changed_charts)
        for problem in problems:
            print(f"version: {problem}", file=sys.stderr)
        if problems:
            return 1
        if changes.changed_charts:
            print(f"versions raised: {' '.join(changes.changed_charts)}")
    return 0


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
