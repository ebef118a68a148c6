"""chartkit.checks.values_files: a values file on its own against its chart's schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartkit.checks.values_files import ValuesChecker


@pytest.fixture(scope="module")
def checker(repo_root: Path) -> ValuesChecker:
    return ValuesChecker(repo_root)


def check(checker: ValuesChecker, tmp_path: Path, values: dict | str) -> list[str]:
    path = tmp_path / "team.yaml"
    path.write_text(values if isinstance(values, str) else yaml.safe_dump(values))
    return [str(p) for p in checker.check(checker.root / "charts" / "api", path)]


def test_a_valid_file_is_not_handed_to_jsonschema(
    checker: ValuesChecker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(schema_path: Path) -> None:
        raise AssertionError("jsonschema was asked about a valid file")

    monkeypatch.setattr(checker, "_validator", refuse)
    assert check(checker, tmp_path, {"replicaCount": 2, "env": {"LOG_LEVEL": "info"}}) == []


@pytest.mark.parametrize("name", ["DB_PASSWORD", "db_password", "Api_Token"])
def test_secret_looking_env_names_are_refused_in_any_case(
    checker: ValuesChecker, tmp_path: Path, name: str
) -> None:
    (problem,) = check(checker, tmp_path, {"env": {name: "x"}})
    assert problem.startswith(f"{tmp_path / 'team.yaml'}: env: '{name}' should not be valid")


@pytest.mark.parametrize("name", ["TOKEN_FILE", "api_key_path", "SECRET_NAME"])
def test_env_names_of_paths_and_names_are_allowed(
    checker: ValuesChecker, tmp_path: Path, name: str
) -> None:
    assert check(checker, tmp_path, {"env": {name: "/run/x"}}) == []


def test_a_yaml_date_is_named_as_the_wrong_type(checker: ValuesChecker, tmp_path: Path) -> None:
    (problem,) = check(checker, tmp_path, "env:\n  RELEASED: 2024-01-02\n")
    assert "env.RELEASED" in problem and "is not of type 'string', 'number', 'boolean'" in problem


def test_a_file_that_is_not_yaml_is_named(checker: ValuesChecker, tmp_path: Path) -> None:
    (problem,) = check(checker, tmp_path, "env:\n  A: 1\n B: 2\n")
    assert ": (top level): not valid YAML: " in problem and "line 3" in problem
