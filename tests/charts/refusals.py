"""Reading helm's refusals in chart tests: whether an error names a values field (or, for a
schema error, the key and its parent), and the checks a chart's renamed-keys.yaml gets (each
old key refused naming its new one, admitted by the schema, no longer a key of values.yaml).

Imported by the tests in this directory as `refusals` (pytest puts it on sys.path)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml


def names(error: str, field: str) -> bool:
    """Whether an error names a values field ("a.b[0].c"), in any of the three wordings:
    the templates' "values error: a.b[0].c:", helm 4's at '/a/b/0/c' and helm 3's - a.b.0.c:"""
    dotted = re.sub(r"\[(\d+)\]", r".\1", field)
    return (
        f"values error: {field}:" in error
        or f"'/{dotted.replace('.', '/')}'" in error
        or f"- {dotted}:" in error
    )


def names_the_field_or_its_parent(error: str, field: str) -> bool:
    """Whether a schema error names a values field ("a.b.c"; helm 4: at '/a/b/c', helm 3:
    a.b.c), or the key and the object holding it (an unknown key: 'c' at '/a/b')."""

    def named(path: str) -> bool:
        return f"'/{path.replace('.', '/')}'" in error or path in error

    parent, _, key = field.rpartition(".")
    return named(field) or (key in error and named(parent))


def renamed_keys(chart: Path) -> list[dict[str, Any]]:
    """The entries of a chart's renamed-keys.yaml."""
    return yaml.safe_load((chart / "renamed-keys.yaml").read_text())["renamed"]


def new_keys(entry: dict[str, Any]) -> list[str]:
    return entry["to"] if isinstance(entry["to"], list) else [entry["to"]]


def assert_names_the_new_key(error: str, entry: dict[str, Any]) -> None:
    """The chart's refusal of one old key: the key, its new name(s), since when, and how to
    rewrite the values file."""
    key = entry["key"]
    assert f"values error: {key}:" in error, error
    line = f"{key} is now {' and '.join(new_keys(entry))} (since {entry['since']})"
    assert line in error, error
    assert "`chartkit migrate <values file>` rewrites them" in error


def assert_each_refused_naming_its_new_key(
    refuse: Callable[..., str],
    entries: list[dict[str, Any]],
    old_values: Mapping[str, Any],
    helm: str | None = None,
) -> None:
    """Each old key, set on its own to its value in old_values, is refused naming its new
    key(s) (assert_names_the_new_key)."""
    for entry in entries:
        error = refuse({entry["key"]: old_values[entry["key"]]}, helm=helm)
        assert_names_the_new_key(error, entry)


def assert_admitted_and_not_a_default(chart: Path, entries: list[dict[str, Any]]) -> None:
    """Each old key is a deprecated property of the assembled schema (so helm's schema check
    lets it reach the chart's message) and is set nowhere in the chart's values.yaml."""
    schema = json.loads((chart / "values.schema.json").read_text())
    defaults = yaml.safe_load((chart / "values.yaml").read_text())
    for entry in entries:
        node: Any = schema
        value: Any = defaults
        for part in entry["key"].split("."):
            node = node["properties"][part]
            value = value.get(part) if isinstance(value, dict) else None
        assert node.get("deprecated") is True, entry["key"]
        assert value is None, entry["key"]
