"""Dotted values paths split into keys, the chart's values schema telling a key that holds
a dot (``limits.nvidia.com/gpu``) from nested keys (``limits.cpu``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]


def _resolve(node: Any, root: Schema) -> Any:
    """node with its local $ref (a JSON pointer into the schema) followed."""
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 32:
        pointer = node["$ref"]
        if not pointer.startswith("#/"):
            return node
        target: Any = root
        for token in pointer[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or token not in target:
                return {}
            target = target[token]
        node, seen = target, seen + 1
    return node


def _branches(node: Any, root: Schema) -> list[Mapping[str, Any]]:
    """The object schemas node stands for: itself and its allOf/anyOf/oneOf members."""
    node = _resolve(node, root)
    if not isinstance(node, Mapping):
        return []
    found = [node]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for member in node.get(keyword) or []:
            found += _branches(member, root)
    return found


def _child(node: Any, key: str, root: Schema) -> Any:
    for branch in _branches(node, root):
        properties = branch.get("properties") or {}
        if key in properties:
            return properties[key]
    for branch in _branches(node, root):
        extra = branch.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra
    return {}


def _has_property(node: Any, key: str, root: Schema) -> bool:
    return any(key in (b.get("properties") or {}) for b in _branches(node, root))


def split_path(dotted: str, schema: Schema | None) -> tuple[str, ...]:
    """The keys of a dotted path. Where the schema has a property whose name joins several
    dotted parts (nvidia.com/gpu), the longest such name is one key; `*` stays a part."""
    parts = dotted.split(".")
    if not schema:
        return tuple(parts)
    keys: list[str] = []
    node: Any = schema
    index = 0
    while index < len(parts):
        width = 1
        for end in range(len(parts), index + 1, -1):
            if _has_property(node, ".".join(parts[index:end]), schema):
                width = end - index
                break
        key = ".".join(parts[index : index + width])
        keys.append(key)
        node = _child(node, key, schema) if key != "*" else _child(node, "\0", schema)
        index += width
    return tuple(keys)


def join_path(keys: tuple[str, ...] | list[str]) -> str:
    return ".".join(keys)
