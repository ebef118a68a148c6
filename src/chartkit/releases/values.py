"""The values a chart renders with, merged the way Helm coalesces values files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


def merge_values(*documents: Mapping[str, Any] | None) -> dict[str, Any]:
    """Values documents merged the way Helm coalesces them: later files win, maps merge key
    by key, lists and scalars are replaced, and null removes a key."""
    merged: dict[str, Any] = {}
    for document in documents:
        merged = _merge(merged, dict(document or {}))
    return merged


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _merge(dict(result[key]), value)
        else:
            result[key] = value
    return result


def nest(set_values: Mapping[str, Any]) -> dict[str, Any]:
    """{"a.b": 1} (helm --set style keys) as {"a": {"b": 1}}."""
    nested: dict[str, Any] = {}
    for dotted, value in set_values.items():
        node = nested
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


def load_values(
    root: Path, chart: str, *values_files: str, set_values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The values a chart renders with: its values.yaml, each file in order, then
    set_values (helm --set style dotted keys)."""
    documents = [yaml.safe_load((root / "charts" / chart / "values.yaml").read_text())]
    documents += [yaml.safe_load((root / f).read_text()) for f in values_files]
    return merge_values(*documents, nest(set_values or {}))


def dig(values: Mapping[str, Any], dotted: str) -> Any:
    """values["a"]["b"] for "a.b"; KeyError naming the path when absent."""
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"values have no {dotted}")
        node = node[part]
    return node
