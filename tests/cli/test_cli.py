"""The chartkit command line on a small copy of the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chartkit.cli.main import build_parser
from chartkit.releases.inventory import find_root

ROOT = find_root()


def make_repo(tmp_path: Path, values: dict) -> Path:
    """A repository with one api release whose values file is `values`."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "charts", repo / "charts", symlinks=True)
    shutil.copytree(ROOT / "ci", repo / "ci")
    (repo / "values" / "env").mkdir(parents=True)
    for overlay in (ROOT / "values" / "env").glob("*.yaml"):
        shutil.copy(overlay, repo / "values" / "env" / overlay.name)
    (repo / ".tools").symlink_to(ROOT / ".tools")
    (repo / "values" / "team.yaml").write_text(yaml.safe_dump(values))
    inventory = {
        "releases": [
            {
                "name": "team-api",
                "namespace": "team",
                "chart": "./charts/api",
                "values": ["values/team.yaml"],
            }
        ]
    }
    (repo / "helmfile.yaml").write_text(yaml.safe_dump(inventory))
    return repo


def chartkit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "chartkit.cli", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


GOOD_VALUES = yaml.safe_load((ROOT / "values" / "univprepai.yaml").read_text())


def test_render_writes_manifests_and_a_table(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, GOOD_VALUES)
    result = chartkit(repo, "render")
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header[:4] == ["release", "chart", "namespace", "objects"]
    row = next(line for line in result.stdout.splitlines() if line.startswith("team-api"))
    assert "Rollout:1" in row and row.rstrip().endswith("ok")
    objects = [
        d for d in yaml.safe_load_all((repo / "build/manifests/team-api.yaml").read_text()) if d
    ]
    assert {o["kind"] for o in objects} >= {"Rollout", "Service", "AnalysisTemplate"}
    assert all(o["metadata"].get("namespace") in ("team", None) for o in objects)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"image": {"repository": "x/y", "tagg": "1.0"}},
            "image.tagg",
            "unknown key 'tagg': did you mean image.tag?",
        ),
        ({"service": {"port": "eighty"}}, "service.port", "not of type 'integer'"),
        ({"replicaCount": "two"}, "replicaCount", "not of type 'integer'"),
    ],
    ids=["unknown-key", "wrong-type-port", "wrong-type-replicas"],
)
def test_bad_values_fail_render_and_lint_naming_file_and_field(
    tmp_path: Path, change: dict, field: str, words: str
) -> None:
    repo = make_repo(tmp_path, {**GOOD_VALUES, **change})
    render = chartkit(repo, "render")
    assert render.returncode == 1
    assert f"values/team.yaml: {field}:" in render.stderr
    assert words in render.stderr
    lint = chartkit(repo, "lint", "--helm", "4.1.4")
    assert lint.returncode == 1
    assert "team-api" in lint.stderr


def test_a_malformed_inventory_entry_is_named(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, GOOD_VALUES)
    (repo / "helmfile.yaml").write_text(
        yaml.safe_dump(
            {"releases": [{"name": "team-api", "namespace": "Team_NS", "chart": "./charts/api"}]}
        )
    )
    result = chartkit(repo, "render")
    assert result.returncode == 2
    assert "releases[0] (team-api)" in result.stderr and "namespace" in result.stderr


def test_the_commands_in_the_order_help_lists_them() -> None:
    usage = build_parser().format_usage()
    assert (
        "{render,migrate,lint,schema,docs,capacity,plan,verify,changed,diff,gitops,package,publish}"
        in usage
    )
