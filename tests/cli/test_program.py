"""chartkit.cli.program: `chartkit render` run again with the same arguments gets its helm
run started before anything is imported, and the result is the same as without it.

The pinned helm of a temporary repository is a shell script that notes where its stdout
goes (a pipe when chartkit runs it as usual, a memory file when it was started early),
then runs the real helm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chartkit.cli.program import begin_head_start, helm_template
from chartkit.tools.head_start import supported
from helpers.fresh_python import run_python
from helpers.repository import ROOT, api_release, run_chartkit, write_inventory

DEFAULT_HELM = json.loads((ROOT / "ci" / "tools.json").read_text())["default_helm"]
REAL_HELM = ROOT / ".tools" / "helm" / DEFAULT_HELM / "helm"
ARGS = ("render", "seedtest-api")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An api release in a repository of its own (its own .cache/ for the plans)."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "charts", repo / "charts", symlinks=True)
    shutil.copytree(ROOT / "ci", repo / "ci")
    shutil.copytree(ROOT / "values" / "env", repo / "values" / "env")
    shutil.copy(ROOT / "values" / "seedtest.yaml", repo / "values" / "seedtest.yaml")
    write_inventory(repo, [api_release("seedtest-api", "seedtest", "values/seedtest.yaml")])
    shim = repo / ".tools" / "helm" / DEFAULT_HELM / "helm"
    shim.parent.mkdir(parents=True)
    shim.write_text(
        "#!/bin/sh\n"
        "stdout=$(readlink /proc/$$/fd/1)\n"
        f'echo "$stdout" >> "{repo / "helm-calls"}"\n'
        f'exec "{REAL_HELM}" "$@"\n'
    )
    shim.chmod(0o755)
    return repo


def calls(repo: Path) -> list[str]:
    log = repo / "helm-calls"
    return log.read_text().splitlines() if log.exists() else []


def render(repo: Path) -> tuple[str, str]:
    """stdout (the timing line left out) and the manifest of one run."""
    result = run_chartkit(repo, *ARGS)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if " validated against " not in line]
    return "\n".join(lines), (repo / "build/manifests/seedtest-api.yaml").read_text()


@pytest.mark.skipif(not supported(), reason="head starts need Linux (memfd, pidfd)")
def test_a_second_run_claims_the_helm_run_started_first(repo: Path) -> None:
    first = render(repo)
    assert [call.startswith("pipe:") for call in calls(repo)] == [True]  # nothing planned
    assert render(repo) == first
    second = calls(repo)[1:]
    assert len(second) == 1 and second[0].startswith("/memfd:stdout")  # started early


@pytest.mark.skipif(not supported(), reason="head starts need Linux (memfd, pidfd)")
def test_a_stale_plan_costs_a_run_and_changes_nothing(repo: Path) -> None:
    render(repo)
    moved = api_release("seedtest-api", "elsewhere", "values/seedtest.yaml")
    write_inventory(repo, [moved])
    _, manifest = render(repo)
    assert "namespace: elsewhere" in manifest and "namespace: seedtest" not in manifest
    # the planned run (the old namespace) was started and dropped, the right one run anew
    assert [call.split(":")[0] for call in calls(repo)[1:]] == ["/memfd", "pipe"]
    render(repo)
    assert calls(repo)[3].startswith("/memfd:stdout")  # the plan follows the inventory


def test_only_render_gets_a_head_start(repo: Path) -> None:
    assert begin_head_start(["lint"], str(repo)) is None
    assert begin_head_start([], str(repo)) is None
    assert begin_head_start(["render"], str(repo.parent)) is None  # no repository there


@pytest.mark.parametrize(
    ("command", "env", "allowed"),
    [
        ([".tools/helm/9.9.9/helm", "template", "x"], {"GOGC": "off"}, True),
        ([".tools/helm/9.9.9/helm", "template"], {"GOGC": "off", "GOMEMLIMIT": "1"}, True),
        ([".tools/helm/9.9.9/helm", "install", "x"], {}, False),
        ([".tools/helm/9.9.9/helm"], {}, False),
        ([".tools/bin/kubectl", "template"], {}, False),
        (["/bin/sh", "-c", "template"], {}, False),
        ([".tools/helm/../../evil/helm", "template"], {}, False),
        ([".tools/helm/9.9.9/helm", "template"], {"LD_PRELOAD": "/tmp/x.so"}, False),
    ],
)
def test_a_plan_may_start_only_a_pinned_helm_template(
    tmp_path: Path, command: list[str], env: dict[str, str], allowed: bool
) -> None:
    program = tmp_path / command[0] if not command[0].startswith("/") else Path(command[0])
    assert helm_template(str(tmp_path), [str(program), *command[1:]], env) == allowed


def test_the_program_starts_helm_before_it_loads_any_library() -> None:
    """What chartkit.cli.program imports before the head start: os-level modules only (a
    run planned starts some ten milliseconds after the interpreter)."""
    code = "import sys; import chartkit.cli.program; print(' '.join(sorted(sys.modules)))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    heavy = {"yaml", "argparse", "json", "subprocess", "pathlib", "typing", "threading"}
    assert "chartkit.tools.head_start" in loaded and not loaded & heavy


def test_a_pinned_helm_through_a_symlinked_tools_directory_may_be_planned(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared-tools"
    (shared / "helm" / "9.9.9").mkdir(parents=True)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".tools").symlink_to(shared)
    helm = repo / ".tools" / "helm" / "9.9.9" / "helm"
    assert helm_template(str(repo), [str(helm), "template"], {})
    assert not helm_template(str(repo), [str(shared.parent / "helm"), "template"], {})


def test_a_working_directory_that_is_gone_ends_in_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    script = f'cd "{gone}" && rmdir "{gone}" && exec "{sys.executable}" -m chartkit.cli render'
    result = subprocess.run(
        ["/bin/sh", "-c", script],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "chartkit: the working directory no longer exists: cd into the repository and run again\n"
    )
