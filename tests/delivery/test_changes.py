"""Changed-chart detection and the version-bump check, on a temporary git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from chartkit.delivery import changes
from chartkit.delivery.git import ChangesError, merge_base
from chartkit.delivery.version_bump import version_problems
from chartkit.releases.chart_version import parse_version
from helpers.repository import run_chartkit

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout


def write(repo: Path, path: str, text: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def chart_yaml(name: str, version: str, deps: bool = True, kind: str = "application") -> str:
    document = {"apiVersion": "v2", "name": name, "version": version, "type": kind}
    if deps:
        document["dependencies"] = [
            {"name": "common", "version": "1.0.0", "repository": "file://../common"}
        ]
    return yaml.safe_dump(document)


def changelog(*versions: str) -> str:
    """A CHANGELOG.md with one entry per version, newest first."""
    entries = [f"## {v} - 2026-12-01\n\n### Changed\n- What {v} changed.\n" for v in versions]
    return "# Changelog\n\n" + "\n".join(entries)


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: a library chart, two charts on it (api, worker), one without (plain), four
    releases; then a branch `change` checked out."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    write(repo, "charts/common/Chart.yaml", chart_yaml("common", "1.0.0", False, "library"))
    write(repo, "charts/common/templates/_names.tpl", '{{- define "x" -}}x{{- end -}}\n')
    for chart in ("api", "worker"):
        write(repo, f"charts/{chart}/Chart.yaml", chart_yaml(chart, "1.0.0"))
        write(repo, f"charts/{chart}/templates/deployment.yaml", "kind: Deployment\n")
        write(repo, f"charts/{chart}/README.md", f"# {chart}\n")
        write(repo, f"charts/{chart}/CHANGELOG.md", changelog("1.0.0"))
    write(repo, "charts/plain/Chart.yaml", chart_yaml("plain", "0.1.0", deps=False))
    write(repo, "charts/plain/templates/cm.yaml", "kind: ConfigMap\n")
    releases = [
        {"name": "a-api", "namespace": "a", "chart": "./charts/api", "values": ["values/a.yaml"]},
        {"name": "b-api", "namespace": "b", "chart": "./charts/api", "values": ["values/b.yaml"]},
        {"name": "jobs", "namespace": "j", "chart": "./charts/worker", "values": ["values/j.yaml"]},
        {"name": "misc", "namespace": "m", "chart": "./charts/plain", "values": ["values/m.yaml"]},
    ]
    write(repo, "helmfile.yaml", yaml.safe_dump({"releases": releases}, sort_keys=False))
    for name in ("a", "b", "j", "m"):
        write(repo, f"values/{name}.yaml", "replicaCount: 1\n")
    for chart in ("api", "worker", "plain"):
        write(repo, f"ci/smoke/charts/{chart}.yaml", "{}\n")
    write(repo, "ci/smoke/misc.yaml", "{}\n")
    write(repo, "README.md", "# suite\n")
    commit(repo, "initial")
    git(repo, "checkout", "-q", "-b", "change")
    return repo


def analyse(repo: Path) -> changes.Changes:
    return changes.analyse(repo, merge_base(repo, "main"))


def test_no_change_touches_nothing(repo: Path) -> None:
    result = analyse(repo)
    assert (result.files, result.changed_charts, result.releases) == ([], [], [])


def test_a_chart_change_smokes_its_releases(repo: Path) -> None:
    write(repo, "charts/api/templates/deployment.yaml", "kind: Deployment\nspec: {}\n")
    commit(repo, "api change")
    result = analyse(repo)
    assert result.changed_charts == ["api"] and result.affected_charts == ["api"]
    assert result.releases == ["a-api", "b-api"]
    assert result.reasons["a-api"] == "chart api changed"


def test_a_library_change_reaches_every_chart_depending_on_it(repo: Path) -> None:
    write(repo, "charts/common/templates/_names.tpl", '{{- define "x" -}}y{{- end -}}\n')
    commit(repo, "library change")
    result = analyse(repo)
    assert result.changed_charts == ["common"]
    assert result.affected_charts == ["api", "common", "worker"]
    assert result.releases == ["a-api", "b-api", "jobs"]
    assert result.reasons["jobs"] == "chart worker depends on a changed chart"


def test_documentation_only_changes_touch_nothing(repo: Path) -> None:
    write(repo, "charts/api/README.md", "# api\n\nMore words.\n")
    write(repo, "README.md", "# suite\n\nMore words.\n")
    commit(repo, "docs")
    result = analyse(repo)
    assert len(result.files) == 2
    assert (result.changed_charts, result.releases) == ([], [])
    assert version_problems(repo, result.base, result.changed_charts) == []


def test_values_and_smoke_values_changes_smoke_one_release(repo: Path) -> None:
    write(repo, "values/a.yaml", "replicaCount: 2\n")
    write(repo, "ci/smoke/misc.yaml", "x: 1\n")
    commit(repo, "values")
    result = analyse(repo)
    assert result.changed_charts == []
    assert result.releases == ["a-api", "misc"]
    assert result.reasons == {
        "a-api": "values changed (values/a.yaml)",
        "misc": "smoke values changed",
    }


def test_a_charts_smoke_values_change_smokes_its_releases(repo: Path) -> None:
    write(repo, "ci/smoke/charts/api.yaml", "x: 1\n")
    commit(repo, "smoke values of api")
    result = analyse(repo)
    assert (result.changed_charts, result.releases) == ([], ["a-api", "b-api"])
    assert result.reasons["b-api"] == "smoke values of chart api changed"


def test_an_inventory_change_smokes_the_entries_that_changed(repo: Path) -> None:
    document = yaml.safe_load((repo / "helmfile.yaml").read_text())
    document["releases"][3]["namespace"] = "misc"
    document["releases"].append(
        {"name": "c-api", "namespace": "c", "chart": "./charts/api", "values": ["values/a.yaml"]}
    )
    write(repo, "helmfile.yaml", yaml.safe_dump(document, sort_keys=False))
    commit(repo, "inventory")
    assert analyse(repo).releases == ["misc", "c-api"]


def test_smoke_machinery_changes_smoke_everything(repo: Path) -> None:
    write(repo, "ci/prereqs.yaml", "kind: {}\n")
    commit(repo, "prereqs")
    result = analyse(repo)
    assert result.releases == ["a-api", "b-api", "jobs", "misc"]
    assert result.reasons["misc"] == "smoke machinery changed (ci/prereqs.yaml)"


def harness(repo: Path) -> None:
    """A small chartkit: the smoke tests import cluster.run, which imports tools.helm;
    cli.render imports tools.helm too, and nothing the smoke tests import imports it."""
    files = {
        "src/chartkit/__init__.py": "",
        "src/chartkit/tools/__init__.py": "",
        "src/chartkit/tools/helm.py": "HELM = 1\n",
        "src/chartkit/cluster/__init__.py": "",
        "src/chartkit/cluster/run.py": "from chartkit.tools import helm\n",
        "src/chartkit/cli/__init__.py": "",
        "src/chartkit/cli/render.py": "from chartkit.tools.helm import HELM\n",
        "tests/smoke/test_smoke.py": "from chartkit.cluster.run import helm\n",
    }
    for path, text in files.items():
        write(repo, path, text)
    commit(repo, "harness")
    git(repo, "branch", "-f", "main")


@pytest.mark.parametrize(
    "changed",
    ["src/chartkit/tools/helm.py", "src/chartkit/cluster/run.py", "src/chartkit/tools/__init__.py"],
)
def test_a_module_the_smoke_tests_reach_smokes_everything(repo: Path, changed: str) -> None:
    harness(repo)
    write(repo, changed, (repo / changed).read_text() + "# changed\n")
    result = analyse(repo)
    assert result.releases == ["a-api", "b-api", "jobs", "misc"]
    assert result.reasons["jobs"] == f"smoke machinery changed ({changed})"


def test_a_module_the_smoke_tests_do_not_reach_smokes_nothing(repo: Path) -> None:
    harness(repo)
    write(repo, "src/chartkit/cli/render.py", "from chartkit.tools.helm import HELM as H\n")
    write(repo, "src/chartkit/cli/new.py", "from chartkit.cli import render\n")
    assert analyse(repo).releases == []


def test_the_smoke_tests_reach_the_cluster_code_and_not_the_command_line() -> None:
    """Nor the GitOps generators, packaging or the rendered diff: of delivery, only what
    finds the base commit's charts."""
    reached = changes.smoke_modules(ROOT)
    assert {
        "src/chartkit/cluster/smoke.py",
        "src/chartkit/cluster/release_run.py",
        "src/chartkit/checks/podsecurity.py",
        "src/chartkit/checks/policy/pod_security.py",
        "src/chartkit/tools/helm.py",
        "src/chartkit/tools/kubectl.py",
        "src/chartkit/cluster/__init__.py",
        "src/chartkit/__init__.py",
        "tests/conftest.py",
    } <= reached
    assert not {f for f in reached if f.startswith("src/chartkit/cli/")}
    # --upgrade-from: the merge base, the changed charts and the base commit's worktree
    upgrade_from = {"__init__", "changes", "git", "import_graph", "worktree"}
    assert {f for f in reached if f.startswith("src/chartkit/delivery/")} == {
        f"src/chartkit/delivery/{name}.py" for name in upgrade_from
    }


def test_uncommitted_and_untracked_files_count(repo: Path) -> None:
    write(repo, "charts/plain/templates/cm.yaml", "kind: ConfigMap\ndata: {}\n")  # unstaged
    write(repo, "charts/worker/templates/new.yaml", "kind: Service\n")  # untracked
    result = analyse(repo)
    assert result.changed_charts == ["plain", "worker"]
    assert result.releases == ["jobs", "misc"]


def test_the_merge_base_ignores_what_landed_on_the_target_since(repo: Path) -> None:
    write(repo, "values/b.yaml", "replicaCount: 3\n")
    commit(repo, "branch change")
    git(repo, "checkout", "-q", "main")
    write(repo, "charts/plain/templates/cm.yaml", "kind: ConfigMap\ndata: {a: b}\n")
    commit(repo, "main moved on")
    git(repo, "checkout", "-q", "change")
    result = analyse(repo)
    assert result.files == ["values/b.yaml"]
    assert result.releases == ["b-api"]


def test_an_unknown_target_is_an_error(repo: Path) -> None:
    with pytest.raises(ChangesError, match="merge-base"):
        merge_base(repo, "origin/nope")


# -- version bumps --------------------------------------------------------------------------


def test_a_changed_chart_must_raise_its_version(repo: Path) -> None:
    write(repo, "charts/api/templates/deployment.yaml", "kind: Deployment\nspec: {}\n")
    commit(repo, "api change")
    result = analyse(repo)
    problems = version_problems(repo, result.base, result.changed_charts)
    assert [str(p) for p in problems] == [
        "charts/api/Chart.yaml: the chart changed but its version 1.0.0 is not above 1.0.0 "
        f"(at {result.base[:12]}); raise `version` (docs-only changes need none)"
    ]
    write(repo, "charts/api/Chart.yaml", chart_yaml("api", "1.0.1"))
    write(repo, "charts/api/CHANGELOG.md", changelog("1.0.1", "1.0.0"))
    commit(repo, "bump")
    assert version_problems(repo, result.base, ["api"]) == []


def test_a_raised_version_needs_its_changelog_entry_on_top(repo: Path) -> None:
    base = merge_base(repo, "main")
    write(repo, "charts/api/Chart.yaml", chart_yaml("api", "1.1.0"))
    assert [str(p) for p in version_problems(repo, base, ["api"])] == [
        "charts/api/CHANGELOG.md: no entry for 1.1.0, the raised Chart.yaml version: add "
        "`## 1.1.0` on top, with what changed"
    ]
    write(repo, "charts/api/CHANGELOG.md", changelog("1.0.0", "1.1.0"))
    assert [str(p) for p in version_problems(repo, base, ["api"])] == [
        "charts/api/CHANGELOG.md: the 1.1.0 entry must be the top one"
    ]
    (repo / "charts/api/CHANGELOG.md").unlink()
    assert [str(p) for p in version_problems(repo, base, ["api"])] == [
        "charts/api/CHANGELOG.md: missing: add it with a `## 1.1.0` entry"
    ]
    write(repo, "charts/api/CHANGELOG.md", changelog("1.1.0") + "### Breaking\n- x\n")
    (problem,) = version_problems(repo, base, ["api"])
    assert str(problem).startswith("charts/api/CHANGELOG.md:")
    assert "section 'Breaking'; use one of Added, Changed, Deprecated" in str(problem)
    write(repo, "charts/api/CHANGELOG.md", changelog("1.1.0", "1.0.0"))
    assert version_problems(repo, base, ["api"]) == []


def test_a_changelog_only_change_needs_no_bump(repo: Path) -> None:
    write(repo, "charts/api/CHANGELOG.md", changelog("1.0.0") + "- Also this.\n")
    commit(repo, "changelog wording")
    result = analyse(repo)
    assert result.changed_charts == []


def test_a_lower_or_pre_release_version_is_not_a_bump(repo: Path) -> None:
    base = merge_base(repo, "main")
    write(repo, "charts/api/Chart.yaml", chart_yaml("api", "1.0.0-rc.1"))
    write(repo, "charts/worker/Chart.yaml", chart_yaml("worker", "0.9.0"))
    write(repo, "charts/plain/Chart.yaml", chart_yaml("plain", "1.0", deps=False))
    problems = version_problems(repo, base, ["api", "worker", "plain"])
    assert [p.chart for p in problems] == ["api", "plain", "worker"]
    assert "not a SemVer version: '1.0'" in str(problems[1])


def test_new_and_removed_charts_need_no_bump(repo: Path) -> None:
    base = merge_base(repo, "main")
    write(repo, "charts/fresh/Chart.yaml", chart_yaml("fresh", "0.1.0"))
    git(repo, "rm", "-q", "-r", "charts/plain")
    result = changes.analyse(repo, base)
    assert result.changed_charts == ["fresh", "plain"]
    assert version_problems(repo, base, result.changed_charts) == []


def test_semver_ordering() -> None:
    ordered = [
        "0.9.9",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0",
    ]
    keys = [parse_version(v) for v in ordered]
    assert keys == sorted(keys)
    assert parse_version("v1.2.3+build.5") == parse_version("1.2.3")
    for refused in ("1.0", "01.0.0", "1.0.0-01", "1.2.3-rc..1", "1.2.3.4"):
        with pytest.raises(ValueError, match="not a SemVer version"):
            parse_version(refused)


# -- command line ---------------------------------------------------------------------------


def chartkit(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_chartkit(repo, "changed", *args, env=env, timeout=120)


def test_changed_command(repo: Path, tmp_path: Path) -> None:
    write(repo, "charts/common/templates/_names.tpl", '{{- define "x" -}}z{{- end -}}\n')
    commit(repo, "library change")
    result = chartkit(repo, "--target-branch", "main")
    assert result.returncode == 0, result.stderr
    assert "changed charts: common\n" in result.stdout
    assert "affected charts: api common worker\n" in result.stdout
    assert "  jobs: chart worker depends on a changed chart\n" in result.stdout

    output = tmp_path / "github-output"
    result = chartkit(
        repo,
        "--target-branch",
        "main",
        "--json",
        "--github-output",
        env={"GITHUB_OUTPUT": str(output)},
    )
    assert json.loads(result.stdout)["releases"] == ["a-api", "b-api", "jobs"]
    assert output.read_text().splitlines() == [
        'charts=["api", "common", "worker"]',
        "releases=a-api,b-api,jobs",
        "smoke=true",
    ]

    result = chartkit(repo, "--target-branch", "main", "--check-versions")
    assert result.returncode == 1
    assert "version: charts/common/Chart.yaml: the chart changed" in result.stderr

    write(repo, "charts/common/Chart.yaml", chart_yaml("common", "1.0.1", False, "library"))
    result = chartkit(repo, "--target-branch", "main", "--check-versions")
    assert result.returncode == 1
    assert "version: charts/common/CHANGELOG.md: missing: add it with a `## 1.0.1` entry" in (
        result.stderr
    )
    write(repo, "charts/common/CHANGELOG.md", changelog("1.0.1"))
    result = chartkit(repo, "--target-branch", "main", "--check-versions")
    assert result.returncode == 0, result.stderr
    assert "versions raised: common" in result.stdout


def test_changed_command_without_changes_or_base(repo: Path, tmp_path: Path) -> None:
    output = tmp_path / "github-output"
    result = chartkit(
        repo,
        "--target-branch",
        "main",
        "--check-versions",
        "--github-output",
        env={"GITHUB_OUTPUT": str(output)},
    )
    assert result.returncode == 0, result.stderr
    assert "releases to smoke-test: (none)" in result.stdout
    assert output.read_text().splitlines()[1:] == ["releases=", "smoke=false"]
    result = chartkit(repo, "--all")
    assert "  misc: every release (--all)" in result.stdout
    result = chartkit(repo, "--target-branch", "origin/nope")
    assert result.returncode == 2 and "chartkit changed: git merge-base" in result.stderr
    result = chartkit(repo, "--base", "main~0")
    assert result.stdout.startswith(f"base: {git(repo, 'rev-parse', 'main').strip()}\n")
    result = chartkit(repo, "--base", "0" * 40)
    assert result.returncode == 2 and "chartkit changed: git rev-parse" in result.stderr


def test_the_real_repository_graph() -> None:
    graph = changes.chart_dependencies(ROOT)
    assert graph["common"] == set()
    for chart, deps in graph.items():
        if chart != "common":
            assert "common" in deps, chart
    assert changes.dependents(graph, ["common"]) == set(graph)
