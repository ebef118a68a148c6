"""chartkit.checks.schema_fast: jsonschema-rs may say "valid" only where jsonschema does.

Whatever jsonschema-rs accepts is never looked at again, so these tests hold it to
jsonschema's answers: on the tricky corners (regular expressions, values that are not
JSON) and on rendered objects of every kind, broken one field at a time.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chartkit.checks.schema import SchemaValidator
from chartkit.checks.schema_fast import compile_fast, fast_is_valid
from chartkit.releases.manifest import Manifest
from chartkit.tools.toolbox import Toolbox

DRAFT7 = "http://json-schema.org/draft-07/schema#"
SECRET_NAMES = {
    "$schema": DRAFT7,
    "type": "object",
    "propertyNames": {
        "pattern": "^[A-Za-z_][A-Za-z0-9_.-]*$",
        "not": {"allOf": [{"pattern": "(?i)(TOKEN|_KEY$)"}, {"not": {"pattern": "(?i)_FILE$"}}]},
    },
}
NAMES = ["PORT", "api_token", "Api_Token_FILE", "TOKEN_FILE\n", "PORT\n", "SIGNING_KEY", "x-y"]


def jsonschema_is_valid(schema: dict[str, Any], instance: Any) -> bool:
    return jsonschema.validators.validator_for(schema)(schema).is_valid(instance)


@pytest.mark.parametrize("name", NAMES, ids=repr)
def test_patterns_match_as_pythons_re_does(name: str) -> None:
    """Inline flags and `$` before a final newline: Python's re, not ECMA-262."""
    fast = compile_fast(SECRET_NAMES)
    assert fast is not None
    instance = {name: "1"}
    assert fast_is_valid(fast, instance) == jsonschema_is_valid(SECRET_NAMES, instance)


def test_pattern_keywords_are_rewritten_only_where_they_are_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {"pattern": {"type": "string", "pattern": "^a"}},
        "enum": [{"pattern": "^b"}, {"pattern": "abc"}],
    }
    fast = compile_fast(schema)
    for instance in ({"pattern": "abc"}, {"pattern": "b"}, {"pattern": "^b"}):
        assert fast_is_valid(fast, instance) == jsonschema_is_valid(schema, instance), instance


def test_a_pattern_python_refuses_leaves_strings_to_jsonschema() -> None:
    schema = {"type": ["string", "integer"], "pattern": "^(?i)(abort|warn)?$"}
    fast = compile_fast(schema)
    assert fast_is_valid(fast, 3)  # no string, no pattern: jsonschema agrees
    assert jsonschema_is_valid(schema, 3)
    assert not fast_is_valid(fast, "warn")  # jsonschema decides (and names the error)


@pytest.mark.parametrize(
    "value", [datetime.date(2024, 1, 2), {1: "a"}, 10**30, float("nan")], ids=repr
)
def test_what_is_not_json_is_never_called_valid_unless_jsonschema_agrees(value: Any) -> None:
    schema = {"type": "object", "additionalProperties": {"type": "string"}}
    instance = {"key": value}
    if fast_is_valid(compile_fast(schema), instance):
        assert jsonschema_is_valid(schema, instance)


def test_formats_are_not_asserted_as_jsonschema_does_not() -> None:
    schema = {"$schema": DRAFT7, "type": "string", "format": "date-time"}
    assert fast_is_valid(compile_fast(schema), "yesterday")
    assert jsonschema_is_valid(schema, "yesterday")


# -- rendered objects, broken one field at a time ---------------------------------------------

RELEASES = ("seedtest-api", "codebeaker", "r-analytics", "ai-call-center-prod")


@pytest.fixture(scope="module")
def validator(repo_root: Path) -> SchemaValidator:
    pins = Toolbox(repo_root).pins["validate_kubernetes"]
    return SchemaValidator(pins, repo_root / "ci" / "crds")


@pytest.fixture(scope="module")
def objects(render_release) -> list[dict[str, Any]]:
    manifests: list[Manifest] = [render_release(name) for name in RELEASES]
    return [obj for manifest in manifests for obj in manifest]


def nodes(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict | list):
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            yield from nodes(child, (*path, key))


def broken(obj: dict[str, Any], every: int) -> Iterator[dict[str, Any]]:
    """Copies of obj, each with one field broken: an unknown key in a mapping, a scalar of
    another type, a list where a mapping was (every `every`-th node)."""
    for index, (path, node) in enumerate(nodes(obj)):
        if index % every or not path or path[:1] in (("apiVersion",), ("kind",)):
            continue
        copied = copy.deepcopy(obj)
        parent = copied
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(node, dict):
            parent[path[-1]] = {**node, "chartkitTypo": 1}
        elif isinstance(node, str):
            parent[path[-1]] = 12
        elif isinstance(node, bool | int | float):
            parent[path[-1]] = "twelve"
        elif isinstance(node, list):
            parent[path[-1]] = {"items": node}
        yield copied


def test_rendered_objects_are_valid_for_both(validator: SchemaValidator, objects) -> None:
    for obj in objects:
        assert validator.fast.is_valid(obj), obj["kind"]
        assert validator._problems(obj) == []


def test_every_broken_object_jsonschema_refuses_jsonschema_rs_refuses(
    validator: SchemaValidator, objects
) -> None:
    checked = refused = 0
    for obj in objects:
        for bad in broken(obj, every=9):
            checked += 1
            if validator._problems(bad):
                refused += 1
                assert not validator.fast.is_valid(bad), (bad["kind"], validator._problems(bad))
    assert checked > 300 and refused > checked // 2
