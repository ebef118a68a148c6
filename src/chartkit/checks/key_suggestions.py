"""The valid key nearest to an unknown one, from a chart's values schema.

First among the keys allowed where the unknown key was written (case-insensitive, difflib's
similarity, or one word ending with the other or both starting alike): `servicemonitor` ->
`serviceMonitor`, `replicas` -> `replicaCount`, `concurrentSessions` -> `sessions`. When none
is close, among the keys allowed anywhere in the schema (nearly the same word only), named
by their full path: a top-level `tag` -> `image.tag`. Renamed (deprecated) keys are never
suggested: the chart refuses them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

# How alike a key must be to one allowed where it was written (difflib's ratio), unless one
# ends with the other or both start with three quarters of the shorter (`concurrentSessions`
# -> `sessions`, `replicas` -> `replicaCount`), which scores AFFIX for words of at least
# MIN_AFFIX letters.
CUTOFF = 0.75
AFFIX = 0.8
MIN_AFFIX = 4
# A key elsewhere in the schema is suggested only when it is (nearly) the same word.
ELSEWHERE_CUTOFF = 0.85
MAX_DEPTH = 8
GLOBAL = "global"
ENTRY = "<name>"  # a map's entry in a suggested path ("services.<name>.sessions")


def allowed_keys(schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    """The keys an object schema names as properties, renamed ones left out."""
    properties = resolve(schema, root).get("properties") or {}
    return [key for key, node in properties.items() if not resolve(node, root).get("deprecated")]


def nearest(
    unknown: str, candidates: Sequence[str], cutoff: float = CUTOFF, affixes: bool = True
) -> str | None:
    """The candidate closest to `unknown`, ignoring case; None when none is close."""
    word = unknown.lower()
    best, best_score = None, cutoff
    for candidate in candidates:
        other = candidate.lower()
        if other == word:
            return candidate
        score = difflib.SequenceMatcher(None, word, other).ratio()
        shorter, longer = sorted((word, other), key=len)
        shared = _shared_prefix(shorter, longer)
        affix = longer.endswith(shorter) or shared >= max(MIN_AFFIX, len(shorter) * 3 / 4)
        if affixes and affix and len(shorter) >= MIN_AFFIX:
            score = max(score, AFFIX)
        if score > best_score or (best is None and score == best_score):
            best, best_score = candidate, score
    return best


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
        return field_of([*parent, sibling])
    by_leaf: dict[str, list[tuple[str, ...]]] = {}
    written = [str(p) for p in parent]
    for path in schema_paths(root):
        # `global` is the environment overlays' (values/env): not where a team's key goes
        if path and (path[0] != GLOBAL or written[:1] == [GLOBAL]):
            by_leaf.setdefault(path[-1], []).append(path)
    leaf = nearest(unknown, list(by_leaf), ELSEWHERE_CUTOFF, affixes=False)
    if leaf is None:
        return None
    # the path sharing the most of where the key was written, then the shortest
    best = max(by_leaf[leaf], key=lambda p: (_shared(p, written), -len(p)))
    return field_of(best)


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


def _shared_prefix(shorter: str, longer: str) -> int:
    for index, (mine, theirs) in enumerate(zip(shorter, longer, strict=False)):
        if mine != theirs:
            return index
    return len(shorter)


def _shared(path: Sequence[str], written: Sequence[str]) -> int:
    count = 0
    for mine, theirs in zip(path, written, strict=False):
        if mine != theirs and mine != ENTRY:
            break
        count += 1
    return count


def field_of(path: Sequence[str | int]) -> str:
    """A key path as the charts name fields: `ingress.hosts[0].host`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
