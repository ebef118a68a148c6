"""chartkit diff on temporary git repositories built from this repository's charts: the
releases a change affects rendered at the base (a temporary worktree) and at the working
tree, diffed per object, changes helm cannot apply in place refused unless the chart's
major version went up."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from chartkit.cli.main import main
from helpers.repository import share_tools_and_cache

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = {
    "environments": {"default": {}, "prod": {}},
}
RELEASES = {
    "releases": [
        {
            "name": "r-analytics",
            "namespace": "seedtest",
            "chart": "./charts/r-analytics",
            "values": ["values/r-analytics.yaml", "values/env/{{ .Environment.Name }}.yaml"],
            "missingFileHandler": "Info",
        }
    ]
}
SELECTOR = '(dict "context" .) | nindent 6'


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: the r-analytics chart on the library, its values, the prod overlay, the CRDs
    and tool pins, one release in two environments; then a branch `change` checked out."""
    repo = tmp_path / "repo"
    for chart in ("common", "r-analytics"):
        shutil.copytree(ROOT / "charts" / chart, repo / "charts" / chart, symlinks=True)
    shutil.copytree(ROOT / "ci" / "crds", repo / "ci" / "crds")
    for path in ("ci/tools.json", "values/r-analytics.yaml", "values/env/prod.yaml", ".gitignore"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, repo / path)
    helmfile = yaml.safe_dump(INVENTORY) + "---\n" + yaml.safe_dump(RELEASES, sort_keys=False)
    (repo / "helmfile.yaml").write_text(helmfile)
    share_tools_and_cache(repo, ROOT)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    commit(repo, "initial")
    git(repo, "checkout", "-q", "-b", "change")
    monkeypatch.chdir(repo)
    return repo


def diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", "--base", "main", *args])
    out, err = capsys.readouterr()
    return code, out, err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def test_an_unchanged_tree_prints_no_change(repo: Path, capsys) -> None:
    (repo / "charts/r-analytics/README.md").write_text("# r-analytics\n\nMore words.\n")
    code, out, _ = diff(capsys)
    base = git(repo, "rev-parse", "main").strip()
    assert (code, out) == (
        0,
        f"no change: nothing the releases render from changed since {base[:12]}\n",
    )
    assert git(repo, "worktree", "list").count("\n") == 1  # the base worktree is gone


def test_a_changed_environment_value_shows_one_changed_object(
    repo: Path, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (repo / "values/env/prod.yaml").open("a") as overlay:
        overlay.write("env:\n  LOG_LEVEL: warn\n")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = diff(capsys, "--github-summary")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "=== r-analytics (prod): 0 added, 0 removed, 1 changed (chart r-analytics 2.0.0)"
    )
    assert "--- a/r-analytics/prod/Deployment/seedtest/r-analytics" in lines
    added = [line for line in lines if line.startswith("+") and not line.startswith("+++")]
    assert [line[1:].strip() for line in added] == ["- name: LOG_LEVEL", "value: warn"]
    assert "(default)" not in out  # the overlay is prod's only
    assert lines[-1].endswith(": 1 with changes, 0 unchanged")
    text = summary.read_text()
    assert "| r-analytics | prod | 0 | 0 | 1 |  |" in text
    assert "```diff\n=== r-analytics (prod)" in text and text.rstrip().endswith("```")


def change_selector(repo: Path) -> None:
    edit(
        repo / "charts/r-analytics/templates/deployment.yaml",
        SELECTOR,
        '(dict "context" . "component" "api") | nindent 6',
    )


def test_a_changed_selector_label_is_refused_naming_the_object_and_field(
    repo: Path, capsys
) -> None:
    change_selector(repo)
    code, out, err = diff(capsys)
    assert code == 1
    for environment in ("default", "prod"):
        assert (
            f"=== r-analytics ({environment}): 0 added, 0 removed, 1 changed; 1 immutable "
            "field change(s), NOT APPLICABLE IN PLACE (chart r-analytics 2.0.0)" in out
        )
        assert (
            f"chartkit diff: r-analytics ({environment}): Deployment/r-analytics "
            "spec.selector: the selector of an existing workload cannot change" in err
        )
    assert "+      app.kubernetes.io/component: api" in out
    assert "IMMUTABLE: Deployment/r-analytics spec.selector:" in out


def test_a_changed_selector_with_a_major_version_is_allowed_with_a_note(repo: Path, capsys) -> None:
    change_selector(repo)
    edit(repo / "charts/r-analytics/Chart.yaml", "version: 2.0.0", "version: 3.0.0")
    code, out, err = diff(capsys)
    assert code == 0, err
    assert "allowed by the major version (chart r-analytics 2.0.0 -> 3.0.0)" in out
    assert (
        "note: Deployment/r-analytics spec.selector cannot change in place; allowed because "
        "the chart's major version went up (chart r-analytics 2.0.0 -> 3.0.0)" in out
    )
    # the chart label changed on every object: named once, with no hunk of its own
    assert "only helm.sh/chart changed: " in out and "ServiceAccount/r-analytics" in out
    assert "-    helm.sh/chart: r-analytics-2.0.0" in out  # in the Deployment's own hunk


def test_a_release_that_no_longer_renders_fails(repo: Path, capsys) -> None:
    with (repo / "values/r-analytics.yaml").open("a") as values:
        values.write("replicaCount: 0\n")
    code, out, err = diff(capsys)
    assert code == 1
    assert "=== r-analytics (default): does not render" in out
    assert "chartkit diff: r-analytics (default): does not render: helm template failed" in err


def test_an_unknown_base_is_an_error(repo: Path, capsys) -> None:
    code = main(["diff", "--base", "nope"])
    assert code == 2 and "chartkit diff: git rev-parse" in capsys.readouterr().err


def test_a_new_release_shows_every_object_added(repo: Path, capsys) -> None:
    document = yaml.safe_load_all((repo / "helmfile.yaml").read_text())
    environments, releases = list(document)
    second = {**releases["releases"][0], "name": "r-analytics-b", "namespace": "other"}
    releases["releases"].append(second)
    helmfile = yaml.safe_dump(environments) + "---\n" + yaml.safe_dump(releases, sort_keys=False)
    (repo / "helmfile.yaml").write_text(helmfile)
    code, out, err = diff(capsys)
    assert code == 0, err
    assert "r-analytics (default)" not in out  # its entry did not change
    summary = next(line for line in out.splitlines() if line.startswith("=== r-analytics-b (prod)"))
    assert summary.startswith("=== r-analytics-b (prod): 10 added, 0 removed, 0 changed")
    assert "  base: absent: no such release; every object counts as added" in out
    assert "+++ b/r-analytics-b/prod/Deployment/other/r-analytics-b" in out
