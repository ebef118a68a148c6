"""Bad input to any chartkit command ends in one line per problem naming the file and the
field, never a Python traceback and never an echo of a secret value: bad YAML, a values file
that is a list, a missing file, an unknown release, bad --nodes, a non-tenant file given to
plan, a duplicated key, a closed stdout pipe. In-process through chartkit.cli.main, and a
few through real subprocesses."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.cli import render_command
from chartkit.cli.main import main
from chartkit.releases.inventory import find_root
from helpers.repository import run_chartkit, share_tools_and_cache

ROOT = find_root(Path(__file__).parent)
TEAM = yaml.safe_load((ROOT / "values/univprepai.yaml").read_text())
TENANT = "values/tenants/ai-call-center-prod.yaml"
KEY = "sk-proj-4fJq9ZxT2mLw8RbN6yHc3VdK"
# the lines `chartkit render` and `lint` print per failed release
PROBLEM_LINE = re.compile(r"^  (values|render|schema|policy|lint): \S")
HEADER = re.compile(r"^(lint FAIL  )?\S+ \(helm [0-9.]+\):$")
WARNING = re.compile(r"^warning: \S+ \(helm [0-9.]+\): ")  # chartkit render's canary warnings


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the real charts, one api release (team-api, values/team.yaml) and
    the ECP tenant; the working directory for the test."""
    repo = tmp_path / "repo"
    (repo / "values" / "tenants").mkdir(parents=True)
    for shared in ("charts", "ci"):
        (repo / shared).symlink_to(ROOT / shared)
    share_tools_and_cache(repo, ROOT)
    (repo / TENANT).write_text((ROOT / TENANT).read_text())
    write_values(repo, TEAM)
    releases = [
        {"name": "team-api", "namespace": "team", "chart": "./charts/api"},
        {"name": "tenant", "namespace": "ecp", "chart": "./charts/ecp-tenant"},
    ]
    releases[0]["values"] = ["values/team.yaml"]
    releases[1]["values"] = [TENANT]
    (repo / "helmfile.yaml").write_text(yaml.safe_dump({"releases": releases}))
    monkeypatch.chdir(repo)
    return repo


def write_values(repo: Path, values: dict[str, Any] | str) -> Path:
    path = repo / "values" / "team.yaml"
    path.write_text(values if isinstance(values, str) else yaml.safe_dump(values))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return code, out.out, out.err


def problem_lines(err: str) -> list[str]:
    """The problem lines of render or lint output, checking that each problem is one line."""
    lines = [line for line in err.splitlines() if line.strip()]
    problems = [line for line in lines if PROBLEM_LINE.match(line)]
    known = (PROBLEM_LINE, HEADER, WARNING)
    stray = [line for line in lines if not any(pattern.match(line) for pattern in known)]
    assert not stray, f"lines that are neither a problem nor a release: {stray}"
    return problems


@pytest.mark.parametrize("command", ["render", "lint"])
@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("image: [\n  tag: x\n", "values/team.yaml:3:1: not valid YAML: did not find expected"),
        ("- replicaCount: 2\n", "values/team.yaml: is a list; a values file is a mapping"),
        (
            yaml.safe_dump(TEAM) + "replicaCount: 3\n",
            "replicaCount: duplicated key 'replicaCount' (first at line",
        ),
        (
            yaml.safe_dump({**TEAM, "servicemonitor": {"enabled": True}, "replicas": 3}),
            "values/team.yaml: replicas: unknown key 'replicas': did you mean replicaCount?",
        ),
    ],
    ids=["bad-yaml", "a-list", "duplicated-key", "unknown-key"],
)
def test_a_bad_values_file_is_one_line_per_problem(repo, capsys, command, text, line) -> None:
    write_values(repo, text)
    helm = ["--helm", "4.1.4"] if command == "lint" else []
    code, _, err = run(capsys, command, "team-api", *helm)
    assert code == 1
    problems = problem_lines(err)
    assert any(line in p and p.startswith("  values: values/team.yaml") for p in problems), err


def test_a_refused_release_leaves_no_manifest(repo, capsys) -> None:
    assert run(capsys, "render", "team-api")[0] == 0
    manifest = repo / "build/manifests/team-api.yaml"
    assert manifest.is_file()
    write_values(repo, {**TEAM, "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}})
    code, _, err = run(capsys, "render", "team-api")
    assert code == 1
    assert "  render: values/team.yaml: resources.requests.cpu: 2 is above" in err
    assert not manifest.exists()


@pytest.mark.parametrize("command", ["render", "lint"])
def test_a_secret_value_is_never_echoed(repo, capsys, command) -> None:
    """helm 4 quotes a value that fails a pattern; jsonschema quotes a value of a wrong
    shape: both are masked."""
    write_values(
        repo,
        {
            **TEAM,
            "env": {"OPENAI_API_KEY": {"value": KEY}},
            "image": {"repository": "r", "tag": KEY + "!"},
        },
    )
    code, out, err = run(capsys, command, "team-api")
    assert code == 1
    assert KEY not in out + err
    assert "sk-p…(redacted)" in err


def test_capacity_of_a_release_that_does_not_render_is_one_line_per_problem(repo, capsys) -> None:
    resources = {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
    write_values(
        repo, {**TEAM, "resources": resources, "image": {"repository": "r", "tag": KEY + "!"}}
    )
    code, out, err = run(capsys, "capacity", "team-api")
    assert code == 1
    assert '\nteam-api: cannot render:\n  values/team.yaml: image.tag: "sk-p…(redacted)!"' in out
    assert KEY not in out + err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "nope"], "chartkit: no release named 'nope' in helmfile.yaml (known: "),
        (["lint", "nope"], "chartkit: no release named 'nope'"),
        (["capacity", "nope"], "chartkit: no release named 'nope'"),
        (["capacity", "--nodes", "e2-medium:x"], "'e2-medium:x' must be <profile>:<count>"),
        (["capacity", "--nodes", ""], "--nodes '': no nodes given"),
        (["capacity", "--nodes", "e2-medium:99999999999"], "makes more than 1000 nodes"),
        (["capacity", "--nodes", "e9-huge:2"], "no node profile 'e9-huge' in ci/nodes.yaml"),
        (["plan", "values/gone.yaml"], "chartkit plan: values/gone.yaml: does not exist"),
        (["plan", "values"], "chartkit plan: values is a directory"),
        (
            ["plan", "values/team.yaml"],
            "values/team.yaml is the values file of release team-api (chart api), not an ECP "
            "tenant's",
        ),
        (["render", "--overlay", "prod"], "no environment with an overlay named 'prod'"),
    ],
    ids=[
        "release",
        "lint-release",
        "capacity-release",
        "nodes-count",
        "nodes-empty",
        "nodes-huge",
        "nodes-profile",
        "plan-missing",
        "plan-directory",
        "plan-not-a-tenant",
        "overlay",
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(repo, capsys, argv, message) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_missing_values_file_names_the_inventory_entry(repo, capsys) -> None:
    (repo / "values/team.yaml").unlink()
    code, _, err = run(capsys, "render", "team-api")
    assert code == 2
    assert err.strip() == (
        "chartkit: helmfile.yaml: releases[0] (team-api): values[0] 'values/team.yaml' does "
        "not exist"
    )


def test_bad_yaml_in_the_inventory_is_one_line(repo, capsys) -> None:
    (repo / "helmfile.yaml").write_text("releases: [\n  - name: x\n")
    code, _, err = run(capsys, "render")
    assert code == 2
    assert "helmfile.yaml is not valid YAML: " in err and "(line 2, column 3)" in err
    assert len(err.strip().splitlines()) == 1, err


def test_plan_of_a_file_the_chart_refuses_names_file_and_field(repo, capsys) -> None:
    tenant = yaml.safe_load((repo / TENANT).read_text())
    tenant["services"]["callbot"] = {"concurrentSessions": 100}
    tenant["services"]["stt"]["env"]["STT_VENDOR_TOKEN"] = ["nope"]
    (repo / TENANT).write_text(yaml.safe_dump(tenant))
    code, _, err = run(capsys, "plan", TENANT)
    assert code == 1
    assert err.splitlines()[0] == f"chartkit plan: {TENANT} cannot be planned:"
    assert (
        f"  values: {TENANT}: services.callbot.concurrentSessions: unknown key "
        "'concurrentSessions': did you mean services.callbot.sessions?"
    ) in err.splitlines()


def test_an_interrupt_and_an_unwritable_file_are_one_line(repo, capsys, monkeypatch) -> None:
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    def unwritable(*_: object) -> None:
        raise PermissionError(13, "Permission denied", "build/manifests/team-api.yaml")

    monkeypatch.setattr(render_command, "write_manifest", interrupted)
    assert run(capsys, "render", "team-api")[::2] == (130, "chartkit: interrupted\n")
    monkeypatch.setattr(render_command, "write_manifest", unwritable)
    code, _, err = run(capsys, "render", "team-api")
    assert (code, err) == (2, "chartkit: build/manifests/team-api.yaml: Permission denied\n")


class ClosedPipe:
    """A stdout whose reader has gone away."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def test_a_closed_stdout_pipe_ends_quietly_in_process(repo, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["plan", TENANT, "--json"]) == 1
    assert capsys.readouterr().err == ""


# -- through real processes ------------------------------------------------------------------


def chartkit(repo: Path, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return run_chartkit(repo, *args, stderr=subprocess.PIPE, **options)


def test_plan_json_into_a_closed_pipe_is_no_broken_pipe_traceback(repo) -> None:
    """`chartkit plan --json | head`: the reader is gone before chartkit writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = chartkit(repo, "plan", TENANT, "--json", stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert result.stderr == ""


def test_a_bad_values_file_through_a_process(repo) -> None:
    write_values(repo, "image: [\n")
    result = chartkit(repo, "render", stdout=subprocess.DEVNULL)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "  values: values/team.yaml:2:1: not valid YAML:" in result.stderr
    problem_lines(result.stderr)
