"""Upgrade from the base commit's chart in the smoke run (chartkit.cluster.smoke_upgrade),
against the simulated cluster of test_smoke_run: the base chart installed first with the
working tree's values, then upgraded, the lifecycle counted from there; skipped with the
reason when the chart is new or its major version went up; a base chart that refuses the
values fails its step clearly. One test takes the base chart from a real temporary git
worktree of a repository built from this one's charts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from test_smoke_run import FakeCluster, helm_calls, run_smoke, steps

from chartkit.cluster.smoke_results import SmokeResult
from chartkit.cluster.smoke_upgrade import UpgradeFrom, upgrade_sources
from chartkit.delivery.changes import analyse
from chartkit.delivery.worktree import base_worktree
from chartkit.releases.inventory import Inventory, load
from chartkit.releases.render import Renderer
from chartkit.tools.toolbox import Toolbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> FakeCluster:
    return FakeCluster()


def base_copy(tmp_path: Path, chart: str, version: str | None = None) -> Path:
    """A base checkout holding a copy of a chart (and the library it links to)."""
    base = tmp_path / "base"
    for name in (chart, "common"):
        if not (base / "charts" / name).exists():
            shutil.copytree(ROOT / "charts" / name, base / "charts" / name, symlinks=True)
    if version:
        chart_yaml = base / "charts" / chart / "Chart.yaml"
        document = yaml.safe_load(chart_yaml.read_text())
        chart_yaml.write_text(yaml.safe_dump({**document, "version": version}))
    return base


def run_upgrades(
    repo_root: Path,
    inventory: Inventory,
    renderer: Renderer,
    fake: FakeCluster,
    tmp_path: Path,
    sources: dict[str, UpgradeFrom],
) -> tuple[dict[str, SmokeResult], list[str]]:
    """The smoke run of the releases in `sources`, each installed from its base first."""
    names = list(sources)
    return run_smoke(repo_root, inventory, renderer, fake, tmp_path, names, sources, parallel=2)


def test_a_changed_charts_release_is_installed_from_the_base_chart_then_upgraded(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    base = base_copy(tmp_path, "eventstorming", "2.0.0")
    base = base_copy(tmp_path, "api")
    releases = [inventory.release("eventstorming"), inventory.release("seedtest-api")]
    sources = upgrade_sources(repo_root, base, "abc123", releases, ["eventstorming", "api"])
    results, _ = run_upgrades(repo_root, inventory, renderer, fake, tmp_path, sources)
    for result in results.values():
        assert result.ok, result.summary()
    assert steps(results["eventstorming"]) == [
        "namespace", "install-base", "install", "test", "upgrade", "rollback", "uninstall",
    ]  # fmt: skip
    first, second, _, upgrade, rollback, _ = helm_calls(fake, "eventstorming")
    assert first[:4] == [
        "upgrade",
        "--install",
        "eventstorming",
        str(base / "charts/eventstorming"),
    ]
    assert second[3] == str(repo_root / "charts" / "eventstorming")
    values = [first[i + 1] for i, a in enumerate(first) if a == "--values"]
    assert values[-2:] == [  # head's
        str(repo_root / "ci" / "smoke" / "charts" / "eventstorming.yaml"),
        str(repo_root / "build" / "smoke" / "values" / "eventstorming.yaml"),
    ]
    assert "--set-json" in upgrade and rollback[:3] == ["rollback", "eventstorming", "2"]
    result = results["eventstorming"]
    assert (
        result.step("install-base").detail == "revision 1 from chart eventstorming 2.0.0 at abc123"
    )
    assert result.step("install").detail == (
        "revision 2, upgraded from chart eventstorming 2.0.0 at abc123"
    )
    assert result.step("rollback").detail == "revision 4 = revision 2"
    # the canary chart: upgrading from the base rolls a canary out, promoted before the tests
    assert steps(results["seedtest-api"])[:4] == ["namespace", "install-base", "install", "test"]
    assert results["seedtest-api"].step("canary").ok


def test_a_new_chart_or_a_major_version_is_not_upgraded_from_the_base(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    base = base_copy(tmp_path, "r-analytics", "1.1.0")
    releases = [inventory.release("r-analytics"), inventory.release("eventstorming")]
    sources = upgrade_sources(repo_root, base, "abc123", releases, ["r-analytics", "eventstorming"])
    assert sources == {
        "r-analytics": UpgradeFrom(
            None,
            "chart r-analytics 1.1.0 -> 2.0.0 is a major version change: no in-place upgrade "
            "test (as ct install --upgrade)",
        ),
        "eventstorming": UpgradeFrom(None, "chart eventstorming did not exist at abc123"),
    }
    results, lines = run_upgrades(repo_root, inventory, renderer, fake, tmp_path, sources)
    for name, source in sources.items():
        step = results[name].step("install-base")
        assert step is not None and step.ok and step.detail == f"skipped: {source.reason}"
        assert results[name].ok and results[name].step("rollback").detail.endswith("revision 1")
    assert any("eventstorming" in line and "skipped: chart eventstorming did not" in line
               for line in lines)  # fmt: skip
    assert not [call for call in fake.helm_calls if str(base) in " ".join(call)]


def test_a_base_chart_refusing_the_values_fails_its_step_clearly(
    repo_root: Path, inventory: Inventory, renderer: Renderer, fake: FakeCluster, tmp_path: Path
) -> None:
    base = base_copy(tmp_path, "eventstorming", "2.0.0")
    (base / "charts/eventstorming/templates/new.yaml").write_text(
        '{{ required "settings.queuePath is required" .Values.settings.queuePath }}\n'
    )
    sources = upgrade_sources(
        repo_root, base, "abc123", [inventory.release("eventstorming")], ["eventstorming"]
    )
    results, _ = run_upgrades(repo_root, inventory, renderer, fake, tmp_path, sources)
    result = results["eventstorming"]
    assert steps(result) == ["namespace", "install-base"]
    step = result.step("install-base")
    assert not step.ok
    assert step.detail.startswith(
        "the base chart (chart eventstorming 2.0.0 at abc123) does not render with the "
        "working tree's values and smoke values, which a minor or patch version must accept"
    )
    assert "settings.queuePath is required" in step.detail
    assert not [c for c in fake.helm_calls if c[0] == "upgrade"]  # nothing was installed


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def test_the_base_chart_comes_from_a_temporary_worktree_and_renders_with_the_heads_values(
    fake: FakeCluster, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    for chart in ("common", "eventstorming"):
        shutil.copytree(ROOT / "charts" / chart, repo / "charts" / chart, symlinks=True)
    shutil.copytree(ROOT / "ci", repo / "ci", ignore=shutil.ignore_patterns("gitops"))
    shutil.copytree(ROOT / "values", repo / "values")
    entry = {
        "name": "eventstorming",
        "namespace": "eventstorming",
        "chart": "./charts/eventstorming",
        "values": ["values/eventstorming.yaml"],
    }
    (repo / "helmfile.yaml").write_text(yaml.safe_dump({"releases": [entry]}))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=CI", "-c", "user.email=ci@example.com", "add", "-A")
    git(repo, "-c", "user.name=CI", "-c", "user.email=ci@example.com", "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    template = repo / "charts/eventstorming/templates/configmap.yaml"
    template.write_text(template.read_text().replace("metadata:", "metadata:\n  # 2.0.1", 1))
    chart_yaml = repo / "charts/eventstorming/Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("version: 2.0.0", "version: 2.0.1"))
    inventory = load(repo)
    renderer = Renderer(repo, Toolbox(ROOT))
    changes = analyse(repo, base)
    assert changes.changed_charts == ["eventstorming"]
    with base_worktree(repo, base) as base_root:
        sources = upgrade_sources(
            repo, base_root, base[:12], inventory.releases, changes.affected_charts
        )
        assert sources["eventstorming"].chart == base_root / "charts" / "eventstorming"
        results, _ = run_upgrades(repo, inventory, renderer, fake, tmp_path, sources)
    assert not base_root.exists()
    result = results["eventstorming"]
    assert result.ok, result.summary()
    assert result.step("install-base").detail == (
        f"revision 1 from chart eventstorming 2.0.0 at {base[:12]}"
    )
    first = helm_calls(fake, "eventstorming")[0]
    assert first[3] == str(base_root / "charts" / "eventstorming")
