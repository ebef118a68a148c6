"""chartkit.checks.schema_units: a core kind's schema with exactly the definitions it
reaches, self-contained, shared by the Kubernetes versions whose units are equal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chartkit.checks.schema import SchemaValidator
from chartkit.checks.schema_fast import OBJECT_META, as_text, fast_schema
from chartkit.checks.schema_sources import DEFINITIONS_URI, SchemaSources
from chartkit.checks.schema_units import CoreUnits, ForeignReference, unit
from chartkit.tools.disk_cache import DiskCache

VERSIONS = ["1.30", "1.36"]
DEFINITIONS = {
    "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
    "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "description": "x"},
    "C": {"type": "string"},
}


def units(tmp_path: Path, repo_root: Path) -> CoreUnits:
    sources = SchemaSources(repo_root / "ci" / "crds", DiskCache(tmp_path / "cache"))
    return CoreUnits(VERSIONS, sources, fast_schema, as_text)


def pod(**spec: Any) -> dict[str, Any]:
    containers = [{"name": "app", "image": "registry.example.com/app:1.0.0"}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": containers, **spec},
    }


def test_a_unit_holds_the_closure_of_its_refs_and_nothing_else() -> None:
    schema = {"$id": "https://kubernetes.io/api/x.json", "$ref": "/api/_definitions.json#/$defs/A"}
    built = unit(schema, DEFINITIONS, fast_schema)
    assert "$id" not in built and built["$ref"] == "#/$defs/A"
    assert sorted(built["$defs"]) == ["A", "B"]  # B through A, back to A: once each
    assert "description" not in built["$defs"]["B"]  # prepared as jsonschema-rs gets it
    validator = jsonschema.Draft202012Validator(built)  # no registry needed
    assert validator.is_valid({"b": {"a": {}}})
    assert not validator.is_valid({"b": {"a": 1}})


def test_a_ref_by_the_definitions_uri_is_made_local() -> None:
    built = unit({"$ref": f"{DEFINITIONS_URI}#/$defs/C"}, DEFINITIONS, fast_schema)
    assert built == {"$ref": "#/$defs/C", "$defs": {"C": {"type": "string"}}}


@pytest.mark.parametrize(
    "ref", ["https://example.com/other.json#/$defs/A", "#/$defs/Missing", "#/properties/x"]
)
def test_a_ref_out_of_the_definitions_cannot_make_a_unit(ref: str) -> None:
    with pytest.raises(ForeignReference):
        unit({"$ref": ref}, DEFINITIONS, fast_schema)


def test_data_that_looks_like_a_ref_is_left_alone() -> None:
    schema = {"enum": [{"$ref": "anything"}], "default": {"$ref": "x"}}
    assert unit(schema, DEFINITIONS, fast_schema) == {**schema, "$defs": {}}


def test_versions_with_equal_units_share_one(tmp_path: Path, repo_root: Path) -> None:
    config_map = units(tmp_path, repo_root).of_kind("v1", "ConfigMap")
    assert len(config_map["units"]) == 1 and config_map["versions"] == [0, 0]
    pod_units = units(tmp_path, repo_root).of_kind("v1", "Pod")  # PodSpec grew in 1.36
    assert len(pod_units["units"]) == 2 and pod_units["versions"] == [0, 1]
    assert all(isinstance(text, str) and json.loads(text)["$defs"] for text in pod_units["units"])


def test_a_kind_a_version_lacks_has_no_unit_there(tmp_path: Path, repo_root: Path) -> None:
    found = units(tmp_path, repo_root).of_kind("example.com/v1", "Widget")
    assert found == {"units": [], "versions": [None, None]}


def test_units_are_read_back_without_the_definitions(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = units(tmp_path, repo_root)
    built = first.of_kind("v1", "Pod"), first.of_ref(OBJECT_META)
    again = units(tmp_path, repo_root)

    def unread(_version: str) -> Any:
        raise AssertionError("the definitions were read although the units were cached")

    monkeypatch.setattr(again.sources, "definitions", unread)
    assert (again.of_kind("v1", "Pod"), again.of_ref(OBJECT_META)) == built


def test_a_kind_whose_unit_cannot_be_built_is_left_to_jsonschema(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = SchemaValidator(VERSIONS, repo_root / "ci" / "crds", DiskCache(tmp_path))

    def foreign(*_: Any) -> Any:
        raise ForeignReference("https://example.com/other.json")

    monkeypatch.setattr(validator.fast.units, "of_kind", foreign)
    assert not validator.fast.is_valid(pod())  # jsonschema decides
    assert validator.validate(pod()) == []
    problems = validator.validate(pod(restartPolicy=3))
    assert {p.kube_version for p in problems} == set(VERSIONS)
    assert all(p.path == "spec.restartPolicy" for p in problems)
