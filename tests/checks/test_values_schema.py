"""chartkit schema: each chart's values.schema.json assembled from its source and the shared
parts in charts/common/schemas/, written by `chartkit schema` and checked by `--check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chartkit.checks.values_schema import SchemaAssembler, SchemaSourceError
from chartkit.cli.main import main


def write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with two small parts and a chart `web` whose source uses them."""
    root = tmp_path / "repo"
    (root / "helmfile.yaml").parent.mkdir(parents=True)
    (root / "helmfile.yaml").write_text("releases: []\n")
    parts = root / "charts" / "common" / "schemas"
    write(parts / "size.json", {"type": "string", "pattern": "^[0-9]+Gi$"})
    write(
        parts / "box.json",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"size": {"$ref": "size.json"}, "label": {"type": "string"}},
            "required": ["size"],
        },
    )
    write(
        root / "charts" / "web" / "values.schema.source.json",
        {
            "$comment": "the source",
            "type": "object",
            "additionalProperties": False,
            "$include": ["../common/schemas/box.json"],
            "properties": {
                "label": {"type": "string", "enum": ["own"]},
                "inner": {"$ref": "../common/schemas/box.json"},
                "mode": {"$ref": "#/$defs/mode"},
            },
            "$defs": {"mode": {"enum": ["a", "b"]}},
        },
    )
    return root


def test_parts_are_bundled_and_included(repo: Path) -> None:
    schema = SchemaAssembler(repo).assemble(repo / "charts" / "web")
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "chartkit schema" in schema["$comment"]
    assert set(schema["$defs"]) == {"mode", "box", "size"}
    assert schema["properties"]["inner"] == {"$ref": "#/$defs/box"}
    assert schema["$defs"]["box"]["properties"]["size"] == {"$ref": "#/$defs/size"}
    # $include spliced box's properties and required in; the chart's own `label` won
    assert schema["properties"]["label"] == {"type": "string", "enum": ["own"]}
    assert schema["properties"]["size"] == {"$ref": "#/$defs/size"}
    assert schema["required"] == ["size"]
    assert "$include" not in json.dumps(schema)
    validator = jsonschema.Draft7Validator(schema)
    assert not list(validator.iter_errors({"size": "2Gi", "inner": {"size": "1Gi"}, "mode": "a"}))
    errors = {e.json_path for e in validator.iter_errors({"size": "2GB", "inner": {"x": 1}})}
    assert errors == {"$.size", "$.inner"}


def test_renamed_keys_are_admitted_as_deprecated(repo: Path) -> None:
    chart = repo / "charts" / "web"
    (chart / "renamed-keys.yaml").write_text(
        "renamed:\n"
        "  - {key: old.name, to: label}\n"
        "  - {key: inner.sz, to: inner.size}\n"
        "  - {key: inner, to: inner, form: list}\n"
    )
    schema = SchemaAssembler(repo).assemble(chart)
    old = schema["properties"]["old"]
    assert old["additionalProperties"] is False
    assert old["properties"]["name"]["deprecated"] is True
    assert "Renamed: label" in old["properties"]["name"]["description"]
    # the $ref to box was replaced at this place by a copy, so the shared part is unchanged
    inner = schema["properties"]["inner"]
    assert inner["type"] == ["object", "array"]
    assert inner["properties"]["sz"]["deprecated"] is True
    assert "sz" not in schema["$defs"]["box"]["properties"]
    validator = jsonschema.Draft7Validator(schema)
    assert not list(validator.iter_errors({"size": "1Gi", "old": {"name": "x"}, "inner": [1]}))


def test_a_star_in_a_renamed_key_admits_it_in_every_entry_of_a_map(repo: Path) -> None:
    chart = repo / "charts" / "web"
    source = chart / "values.schema.source.json"
    document = json.loads(source.read_text())
    document["properties"]["boxes"] = {
        "type": "object",
        "additionalProperties": {"$ref": "../common/schemas/box.json"},
    }
    write(source, document)
    (chart / "renamed-keys.yaml").write_text("renamed:\n  - {key: boxes.*.sz, to: boxes.*.size}\n")
    schema = SchemaAssembler(repo).assemble(chart)
    entry = schema["properties"]["boxes"]["additionalProperties"]
    assert entry["properties"]["sz"]["deprecated"] is True
    assert "Renamed: boxes.*.size" in entry["properties"]["sz"]["description"]
    assert "sz" not in schema["$defs"]["box"]["properties"]
    assert "*" not in json.dumps(schema["properties"]["boxes"].get("properties", {}))
    validator = jsonschema.Draft7Validator(schema)
    values = {"size": "1Gi", "boxes": {"a": {"size": "1Gi", "sz": 1}, "b": {"size": "2Gi"}}}
    assert not list(validator.iter_errors(values))
    (chart / "renamed-keys.yaml").write_text("renamed:\n  - {key: label.*.x, to: label}\n")
    with pytest.raises(SchemaSourceError, match=r"label\.\*\.x: `\*` stands for the entries"):
        SchemaAssembler(repo).assemble(chart)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"properties": {"x": {"$ref": "../common/schemas/missing.json"}}},
            "missing.json: no such",
        ),
        ({"$defs": {"size": {}}}, "$defs size clash with shared parts"),
        ({"properties": {"x": {"type": "nonsense"}}}, "not a valid schema"),
    ],
    ids=["missing-part", "defs-clash", "invalid"],
)
def test_a_bad_source_is_refused_naming_the_file(repo: Path, change, words) -> None:
    source = repo / "charts" / "web" / "values.schema.source.json"
    document = json.loads(source.read_text())
    for key, value in change.items():
        document[key] = {**document.get(key, {}), **value}
    write(source, document)
    where = r"values\.schema\.source\.json|missing\.json"
    with pytest.raises(SchemaSourceError, match=where) as error:
        SchemaAssembler(repo).assemble(repo / "charts" / "web")
    assert words in str(error.value)


def test_a_part_refers_to_parts_by_file(repo: Path) -> None:
    write(repo / "charts/common/schemas/size.json", {"$ref": "#/definitions/x"})
    with pytest.raises(SchemaSourceError, match=r"size\.json: a shared part refers"):
        SchemaAssembler(repo).assemble(repo / "charts" / "web")


def test_a_renamed_key_that_is_still_a_key_is_refused(repo: Path) -> None:
    chart = repo / "charts" / "web"
    (chart / "renamed-keys.yaml").write_text("renamed:\n  - {key: mode, to: label}\n")
    with pytest.raises(SchemaSourceError, match="mode is renamed but still a property"):
        SchemaAssembler(repo).assemble(chart)


def test_write_then_check_and_stale_names_the_file(repo: Path, monkeypatch, capsys) -> None:
    other = write(repo / "charts" / "old" / "values.schema.json", '{"type": "object"}\n')
    monkeypatch.chdir(repo)
    assert main(["schema", "--check"]) == 1
    assert "charts/web/values.schema.json is stale: run `make docs`" in capsys.readouterr().err
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == "schema: charts/web/values.schema.json\n"
    assert main(["schema", "--check"]) == 0
    # a part changes: every chart using it is stale again
    write(repo / "charts/common/schemas/size.json", {"type": "string"})
    assert main(["schema", "--check"]) == 1
    assert "charts/web/values.schema.json is stale" in capsys.readouterr().err
    # a chart without a source keeps its hand-written schema
    assert main(["schema"]) == 0
    assert other.read_text() == '{"type": "object"}\n'


def test_a_bad_source_fails_the_command_without_a_traceback(repo: Path, monkeypatch, capsys):
    write(repo / "charts" / "web" / "values.schema.source.json", "{not json")
    monkeypatch.chdir(repo)
    assert main(["schema", "--check"]) == 2
    err = capsys.readouterr().err
    assert "chartkit schema:" in err and "values.schema.source.json: not valid JSON" in err
    assert "Traceback" not in err


def test_the_committed_schemas_are_current(repo_root: Path) -> None:
    """What `make test` checks: every application chart has a schema source and its assembled
    schema is committed and current (the library chart has no values of its own)."""
    assembler = SchemaAssembler(repo_root)
    charts = assembler.charts()
    applications = {
        path.parent.name
        for path in (repo_root / "charts").glob("*/Chart.yaml")
        if path.parent.name != "common"
    }
    assert {chart.name for chart in charts} == applications
    assert [chart.name for chart in charts if assembler.stale(chart)] == []
