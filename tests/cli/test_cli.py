"""The chartkit command line on a small copy of the repository.

Most tests run the command line in this process (chartkit.cli.main with captured output);
a few run `python -m chartkit.cli` for what only a real process shows: exit codes,
streams and what a command imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from chartkit.cli.main import build_parser, main, terminal_columns
from chartkit.releases.inventory import find_root
from helpers.fresh_python import run_python
from helpers.repository import api_release, copy_charts_and_ci, run_chartkit, write_inventory

ROOT = find_root()


def make_repo(tmp_path: Path, values: dict) -> Path:
    """A repository with one api release whose values file is `values`."""
    repo = copy_charts_and_ci(tmp_path / "repo")
    (repo / "values" / "team.yaml").write_text(yaml.safe_dump(values))
    write_inventory(repo, [api_release("team-api", "team", "values/team.yaml")])
    return repo


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


Chartkit = Callable[..., Result]


@pytest.fixture
def chartkit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Chartkit:
    """chartkit(repo, *args): the command line run in this process, from repo."""

    def run(repo: Path, *args: str) -> Result:
        monkeypatch.chdir(repo)
        try:
            code = main(list(args))
        except SystemExit as exit:
            code = int(exit.code or 0)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def chartkit_process(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_chartkit(repo, *args)


GOOD_VALUES = yaml.safe_load((ROOT / "values" / "univprepai.yaml").read_text())


def test_render_writes_manifests_and_a_table(tmp_path: Path, chartkit: Chartkit) -> None:
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
    tmp_path: Path, chartkit: Chartkit, change: dict, field: str, words: str
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
    result = chartkit_process(repo, "render")
    assert result.returncode == 2
    assert "releases[0] (team-api)" in result.stderr and "namespace" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_commands_in_the_order_help_lists_them() -> None:
    usage = build_parser().format_usage()
    assert (
        "{render,migrate,lint,schema,docs,capacity,plan,verify,changed,diff,gitops,package,publish}"
        in usage
    )


def test_a_named_command_parses_with_its_own_parser_alone() -> None:
    parser = build_parser("render")
    assert "{render}" in parser.format_usage()
    assert parser.parse_args(["render", "--strict"]).strict
    assert "{render,migrate," in build_parser("").format_usage()  # listed, for --help


@pytest.mark.parametrize("columns", ["50", "120"])
def test_help_wraps_at_the_terminal_width_columns_gives(
    columns: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= int(columns) - 2
    assert max(map(len, lines)) > int(columns) - 20  # and fills it: the usage wraps there


def test_help_is_80_columns_wide_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_columns() == 80  # pytest's stdout is no terminal


def test_render_leaves_its_compiled_schemas_to_the_process_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chartkit.checks.release import ReleaseChecker
    from chartkit.cli.process_scope import ProcessScope

    repo = make_repo(tmp_path, GOOD_VALUES)
    monkeypatch.chdir(repo)
    scope = ProcessScope()
    assert main(["render"], scope) == 0
    assert [type(held) for held in scope._held] == [ReleaseChecker]


def summaries(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if " release(s) rendered to " in line]


def test_all_overlays_render_in_one_run_one_block_each(tmp_path: Path, chartkit: Chartkit) -> None:
    repo = make_repo(tmp_path, GOOD_VALUES)
    result = chartkit(repo, "render", "--all-overlays")
    assert result.returncode == 0, result.stderr
    overlays = sorted(p.stem for p in (repo / "values" / "env").glob("*.yaml"))
    wanted = ["build/manifests/", *(f"build/manifests/{o}/" for o in overlays)]
    assert [line.split(" rendered to ")[1].split()[0] for line in summaries(result.stdout)] == (
        wanted
    )
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("team-api")]
    assert rows == ["team-api"] * (1 + len(overlays))
    for overlay in overlays:
        assert (repo / "build/manifests" / overlay / "team-api.yaml").is_file()
    assert result.stdout.count("release  ") == 1 + len(overlays)  # one table per block


def test_repeated_overlays_render_only_those(tmp_path: Path, chartkit: Chartkit) -> None:
    repo = make_repo(tmp_path, GOOD_VALUES)
    result = chartkit(repo, "render", "--overlay", "prod", "--overlay", "dev", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert [line.split(" rendered to ")[1].split()[0] for line in summaries(result.stdout)] == [
        "build/manifests/prod/",
        "build/manifests/dev/",
    ]
    assert "team-api +prod" in result.stdout and "team-api +dev" in result.stdout
    assert not (repo / "build/manifests/team-api.yaml").exists()


def test_an_unknown_overlay_is_refused_with_the_known_ones(
    tmp_path: Path, chartkit: Chartkit
) -> None:
    repo = make_repo(tmp_path, GOOD_VALUES)
    result = chartkit(repo, "render", "--overlay", "dev", "--overlay", "staging")
    assert result.returncode == 2
    assert "overlay named 'staging'" in result.stderr and "(known: dev, prod)" in result.stderr


def test_a_failing_overlay_fails_the_run_and_names_itself(
    tmp_path: Path, chartkit: Chartkit
) -> None:
    repo = make_repo(tmp_path, GOOD_VALUES)
    (repo / "values" / "env" / "prod.yaml").write_text("replicaCount: many\n")
    result = chartkit(repo, "render", "--all-overlays")
    assert result.returncode == 1
    assert "team-api +prod (helm " in result.stderr
    assert "values/env/prod.yaml: replicaCount:" in result.stderr
    assert [line.split(": ")[-1] for line in summaries(result.stdout)][-1] == "0 ok, 1 failed"
    assert summaries(result.stdout)[0].endswith("1 ok, 0 failed")


def test_render_imports_only_what_rendering_needs(tmp_path: Path) -> None:
    """A valid release never needs jsonschema (jsonschema-rs says it is valid), nor the
    modules of the other commands (a second run: the first one filled the disk cache)."""
    repo = make_repo(tmp_path, GOOD_VALUES)
    code = (
        "import sys; from chartkit.cli.main import main; code = main(['render']); "
        "print(' '.join(sorted(sys.modules)), file=sys.stderr); sys.exit(code)"
    )
    for _ in range(2):
        result = run_python(code, cwd=repo)
        assert result.returncode == 0, result.stderr
    modules = set(result.stderr.split())
    assert "chartkit.cli.render_command" in modules and "jsonschema_rs" in modules
    unwanted = {
        "jsonschema",
        "kubernetes_validate",
        "subprocess_tee",
        "chartkit.cli.capacity_command",
        "chartkit.cli.verify_command",
        "chartkit.tools.readme_generator",
        "chartkit.tools.streaming",  # the cluster commands' output only
        "chartkit.checks.helm_refusals",  # only when helm refuses
        "chartkit.releases.render_cache",  # the tests' cache
        "concurrent.futures",  # the renders' pool is chartkit.tools.worker_pool
        "shutil",  # argparse's width comes from chartkit.cli.main.terminal_columns
        "tempfile",  # the disk cache writes its entries without it
    }
    assert modules & unwanted == set()


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_whole_number_of_one_or_more(
    tmp_path: Path, chartkit: Chartkit, jobs: str
) -> None:
    result = chartkit(make_repo(tmp_path, GOOD_VALUES), "render", "--jobs", jobs)
    assert result.returncode == 2
    assert f"argument --jobs: '{jobs}' is not a whole number of 1 or more" in result.stderr


def test_the_program_flushes_both_streams_and_exits_1_on_problems(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {**GOOD_VALUES, "replicaCount": "two"})
    result = chartkit_process(repo, "render")
    assert result.returncode == 1
    assert result.stdout.rstrip().endswith("0 ok, 1 failed")
    assert "team-api (helm " in result.stderr and "values/team.yaml: replicaCount:" in result.stderr


def test_a_reader_that_goes_away_ends_the_program_without_a_traceback(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, GOOD_VALUES)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "chartkit.cli", "render", "--all-overlays"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `| head -0`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
