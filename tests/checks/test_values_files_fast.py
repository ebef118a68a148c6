"""chartkit.checks.values_files asks jsonschema-rs first: its "valid" must agree with
jsonschema on what the fast path could get wrong (inline flags, `$` before a final newline,
$ref, values that are not JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from chartkit.checks.values_files import ValuesChecker

# A chart schema with what the fast path must get right: a $ref, a required key (ignored
# file by file), an inline-flag pattern under `not`, and `$` before a final newline.
SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["image"],
    "definitions": {"name": {"type": "string", "pattern": "^[a-z]+$"}},
    "properties": {
        "image": {"type": "object", "properties": {"tag": {"$ref": "#/definitions/name"}}},
        "env": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
            "propertyNames": {
                "not": {
                    "allOf": [{"pattern": "(?i)(PASSWORD|TOKEN)"}, {"not": {"pattern": "_FILE$"}}]
                }
            },
        },
    },
}


@pytest.fixture
def checker(tmp_path: Path) -> ValuesChecker:
    chart = tmp_path / "charts" / "web"
    chart.mkdir(parents=True)
    (chart / "values.schema.json").write_text(json.dumps(SCHEMA))
    return ValuesChecker(tmp_path)


def check(checker: ValuesChecker, values: dict | str) -> list[str]:
    path = checker.root / "values" / "team.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(values if isinstance(values, str) else yaml.safe_dump(values))
    return [str(p) for p in checker.check(checker.root / "charts" / "web", path)]


def test_a_valid_file_is_not_handed_to_jsonschema(
    checker: ValuesChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(schema_path: Path) -> None:
        raise AssertionError("jsonschema was asked about a valid file")

    monkeypatch.setattr(checker, "_validator", refuse)
    assert check(checker, {"env": {"LOG_LEVEL": "info", "TOKEN_FILE": "/run/t"}}) == []


@pytest.mark.parametrize("name", ["DB_PASSWORD", "db_password", "Api_Token"])
def test_an_inline_flag_pattern_refuses_in_any_case(checker: ValuesChecker, name: str) -> None:
    (problem,) = check(checker, {"env": {name: "x"}})
    assert problem.startswith(f"values/team.yaml: env: '{name}' should not be valid under")


def test_dollar_matches_before_a_final_newline_as_in_python(checker: ValuesChecker) -> None:
    assert check(checker, {"env": {"TOKEN_FILE\n": "x"}}) == []
    (problem,) = check(checker, {"image": {"tag": "v1"}})
    assert problem == """values/team.yaml: image.tag: "v1" does not match '^[a-z]+$'"""
    assert check(checker, {"image": {"tag": "stable\n"}}) == []


def test_unknown_keys_are_named_and_required_keys_are_left_to_the_chart(
    checker: ValuesChecker,
) -> None:
    (problem,) = check(checker, {"imagee": {}})
    assert "imagee" in problem and "did you mean image?" in problem


def test_a_yaml_date_is_named_as_the_wrong_type(checker: ValuesChecker) -> None:
    (problem,) = check(checker, "env:\n  RELEASED: 2024-01-02\n")
    assert "env.RELEASED" in problem and "is not of type 'string', 'number', 'boolean'" in problem


def test_the_next_checker_reads_the_prepared_schema_back(
    checker: ValuesChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert check(checker, {"image": {"tag": "v"}}) == []
    again = ValuesChecker(checker.root)

    def unprepared(schema_path: Path) -> None:
        raise AssertionError("the schema was read and prepared again")

    monkeypatch.setattr(again, "_schema", unprepared)
    assert check(again, {"image": {"tag": "v"}}) == []
    monkeypatch.undo()  # jsonschema, for a file jsonschema-rs refuses, reads the schema
    assert check(again, {"image": {"tag": "V1"}}) != []


def test_a_changed_schema_is_prepared_again(checker: ValuesChecker) -> None:
    assert check(checker, {"extra": 1}) != []
    schema_path = checker.root / "charts" / "web" / "values.schema.json"
    schema_path.write_text(json.dumps({**SCHEMA, "additionalProperties": True}))
    assert check(ValuesChecker(checker.root), {"extra": 1}) == []
