"""The GitHub Actions workflows: valid against the GitHub schemas (check-jsonschema ships
them, so this needs no network), and consistent with the repository's pins."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.cluster.kind import kind_pins
from chartkit.tools.toolbox import Toolbox

ROOT = Path(__file__).resolve().parents[2]
# owner/name@v4 (a release line, updated by Dependabot) or owner/name@<commit sha>
PINNED_ACTION = re.compile(r"[\w.-]+/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})")
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def check_jsonschema() -> str:
    candidates = [
        Path(sys.executable).parent / "check-jsonschema",
        ROOT / ".venv" / "bin" / "check-jsonschema",
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("check-jsonschema")
    if not found:
        pytest.fail("check-jsonschema is missing: run `make setup` (it is a dev dependency)")
    return found


def validate(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [check_jsonschema(), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def load(path: Path) -> dict[str, Any]:
    # PyYAML reads the `on:` key as True
    document = yaml.safe_load(path.read_text())
    if True in document:
        document["on"] = document.pop(True)
    return document


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load(ROOT / ".github" / "workflows" / "ci.yaml")


def test_workflows_are_valid_github_actions_workflows() -> None:
    assert WORKFLOWS, "no workflow files"
    result = validate("vendor.github-workflows", WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_is_valid() -> None:
    result = validate("vendor.dependabot", [ROOT / ".github" / "dependabot.yml"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_invalid_workflow_is_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    step: []\n")
    assert validate("vendor.github-workflows", [bad]).returncode != 0


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_make_test_runs_on_push_and_pull_request(ci: dict[str, Any]) -> None:
    assert set(ci["on"]) == {"push", "pull_request"}
    assert "make test" in runs(ci["jobs"]["test"])
    assert ci["permissions"] == {"contents": "read"}


def test_render_matrix_is_the_pinned_helm_versions(ci: dict[str, Any]) -> None:
    matrix = ci["jobs"]["render"]["strategy"]["matrix"]["helm"]
    assert sorted(matrix) == sorted(Toolbox(ROOT).helm_versions())
    assert '--helm "$HELM_VERSION"' in runs(ci["jobs"]["render"])


def test_smoke_runs_on_two_pinned_kubernetes_versions_for_changed_releases(
    ci: dict[str, Any],
) -> None:
    smoke = ci["jobs"]["smoke"]
    versions = smoke["strategy"]["matrix"]["kubernetes"]
    assert len(versions) >= 2
    assert set(versions) <= set(kind_pins(ROOT).node_images)
    assert smoke["needs"] == "changes"
    assert smoke["if"] == "needs.changes.outputs.smoke == 'true'"
    script = runs(smoke)
    assert "make smoke" in script and "--smoke-releases=$RELEASES" in script
    assert "--kube-version=$KUBERNETES" in script
    assert 'go install "sigs.k8s.io/kind@${version}"' in script


def test_changes_and_version_bump_use_the_merge_base(ci: dict[str, Any]) -> None:
    changes = ci["jobs"]["changes"]
    checkout = changes["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    assert 'chartkit changed --target-branch "origin/$TARGET" --github-output' in runs(changes)
    assert set(changes["outputs"]) == {"charts", "releases", "smoke"}
    bump = ci["jobs"]["version-bump"]
    assert bump["if"] == "github.event_name == 'pull_request'"
    assert "--check-versions" in runs(bump)


def test_actions_are_pinned_to_a_release() -> None:
    for path in WORKFLOWS:
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert PINNED_ACTION.fullmatch(step["uses"]), step["uses"]


def test_no_untrusted_expression_is_expanded_inside_a_script() -> None:
    """Event data reaches scripts through env, never by ${{ }} inside run: (script injection)."""
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", ""), f"{path.name} {name}: {step.get('name')}"


def test_make_smoke_registers_the_smoke_options() -> None:
    # the target names tests/smoke, so the options in its conftest (--kube-context...) load
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^smoke: .*\n\t\$\(BIN\)/pytest tests/smoke -m smoke ", makefile, re.M)


def test_helmfile_job_lints_and_templates_with_the_pinned_helmfile(ci: dict[str, Any]) -> None:
    job = ci["jobs"]["helmfile"]
    script = runs(job)
    assert Toolbox(ROOT).pins["helmfile"]["version"]
    assert '["helmfile"]["version"]' in script and "ci/tools.json" in script
    assert 'sha256sum --check --ignore-missing --strict "helmfile_${version}_checksums.txt"' in (
        script
    )
    assert "helmfile lint --skip-deps" in script
    assert "helmfile -e prod template --skip-deps" in script
    assert "scripts/install-tools" in script  # helm, the version the suite pins


def test_pull_requests_get_the_rendered_diff_in_the_job_summary(ci: dict[str, Any]) -> None:
    job = ci["jobs"]["diff"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["steps"][0]["with"]["fetch-depth"] == 0  # the merge base
    step = next(s for s in job["steps"] if "chartkit diff" in s.get("run", ""))
    assert step["shell"] == "bash"  # -o pipefail: the diff's exit code survives tee
    assert 'chartkit diff --target-branch "origin/$TARGET" --github-summary' in step["run"]


def test_smoke_upgrades_from_the_merge_base_on_pull_requests(ci: dict[str, Any]) -> None:
    smoke = ci["jobs"]["smoke"]
    assert smoke["steps"][0]["with"]["fetch-depth"] == 0
    script = runs(smoke)
    assert 'if [ "$EVENT" = "pull_request" ]; then upgrade="--upgrade-from=origin/$TARGET"' in (
        script
    )
    assert "--smoke-releases=$RELEASES $upgrade" in script


def test_every_job_setting_up_the_tools_installs_their_debian_packages(
    ci: dict[str, Any],
) -> None:
    for name, job in ci["jobs"].items():
        script = runs(job)
        if any(cmd in script for cmd in ("make setup", "make test", "scripts/install-tools")):
            assert "--no-install-recommends prometheus docker-registry" in script, name


def test_only_pushes_to_main_publish_and_only_that_job_writes_packages(
    ci: dict[str, Any],
) -> None:
    job = ci["jobs"]["publish"]
    assert job["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert job["needs"] == "test"
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    script = runs(job)
    assert "chartkit package" in script
    assert 'chartkit publish "oci://ghcr.io/${OWNER,,}/charts"' in script
    assert "--password-stdin" in script
    others = [n for n, j in ci["jobs"].items() if n != "publish" and "permissions" in j]
    assert others == []
