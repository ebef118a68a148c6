"""The valid key nearest to an unknown one, from a chart's values schema.

First among the keys allowed where the unknown key was written (case-insensitive, difflib's
similarity): `servicemonitor` -> `serviceMonitor`, `replicas` -> `replicaCount`. When none
is close, among the keys allowed anywhere in the schema (nearly the same word only), named
by their full path: a top-level `tag` -> `image.tag`. Renamed (deprecated) keys are never
suggested: the chart refuses them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

CUTOFF = 0.6
# A key elsewhere in the schema is suggested only when it is (nearly) the same word.
ELSEWHERE_CUTOFF = 0.85
MAX_DEPTH = 8
ENTRY = "<name>"  # a map's entry in a suggested path ("services.<name>.sessions")


def allowed_keys(schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    """The keys an object schema names as properties, renamed ones left out."""
    properties = resolve(schema, root).get("properties") or {}
    return [key for key, node in properties.items() if not resolve(node, root).get("deprecated")]


def nearest(unknown: str, candidates: Sequence[str], cutoff: float = CUTOFF) -> str | None:
    """The candidate closest to `unknown`, ignoring case; None when none is close."""
    lowered = {candidate.lower(): candidate for candidate in candidates}
    if unknown.lower() in lowered:
        return lowered[unknown.lower()]
    match = difflib.get_close_matches(unknown.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def suggest(
    unknown: str,
    parent: Sequence[str | int],
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
) -> str | None:
    """The full path to suggest for key `unknown` written at `parent` (the path of the
    object holding it) whose schema is `schema`; None when nothing is close."""
    sibling = nearest(unknown, allowed_keys(schema, root))
    if sibling is not None:
        return _dotted([*parent, sibling])
    by_leaf: dict[str, list[tuple[str, ...]]] = {}
    for path in schema_paths(root):
        if path:
            by_leaf.setdefault(path[-1], []).append(path)
    leaf = nearest(unknown, list(by_leaf), ELSEWHERE_CUTOFF)
    if leaf is None:
        return None
    written = [str(p) for p in parent]
    # the path sharing the most of where the key was written, then the shortest
    best = max(by_leaf[leaf], key=lambda p: (_shared(p, written), -len(p)))
    return _dotted(best)


def schema_paths(root: Mapping[str, Any]) -> Iterator[tuple[str, ...]]:
    """Every key path the schema allows ("a", "a.b", ...), a map's entries as ENTRY."""
    stack: list[tuple[Mapping[str, Any], tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        node = resolve(node, root)
        if len(path) >= MAX_DEPTH:
            continue
        for key, child in (node.get("properties") or {}).items():
            if isinstance(child, Mapping) and not resolve(child, root).get("deprecated"):
                yield (*path, key)
                stack.append((child, (*path, key)))
        entries = node.get("additionalProperties")
        if isinstance(entries, Mapping):
            stack.append((entries, (*path, ENTRY)))
        for branch in (*node.get("anyOf", ()), *node.get("oneOf", ()), *node.get("allOf", ())):
            if isinstance(branch, Mapping):
                stack.append((branch, path))


def resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema node with its local $ref ("#/$defs/x/properties/y") followed."""
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 16:
        reference = node["$ref"]
        if not reference.startswith("#"):
            break
        target: Any = root
        for part in reference.lstrip("#").strip("/").split("/") if reference != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                return node
            target = target[part]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **extra} if extra else target
        seen += 1
    return node if isinstance(node, Mapping) else {}


def _shared(path: Sequence[str], written: Sequence[str]) -> int:
    count = 0
    for mine, theirs in zip(path, written, strict=False):
        if mine != theirs and mine != ENTRY:
            break
        count += 1
    return count


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
