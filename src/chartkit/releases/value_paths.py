"""Dotted paths into values, where a `*` part stands for every key of a map: how
renamed-keys.yaml names an old key in each catalog entry (catalog.*.secretEnv) and how the
smoke plan copies each catalog service's port (catalog.*.port)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

KeyPath = tuple[str, ...]


def matches(values: Any, pattern: Sequence[str]) -> Iterator[tuple[KeyPath, Any]]:
    """(path, value) of every place pattern matches in values, in the values' order."""
    yield from _matches(values, tuple(pattern), ())


def _matches(node: Any, pattern: KeyPath, found: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    if not pattern:
        yield found, node
        return
    if not isinstance(node, Mapping):
        return
    head, rest = pattern[0], pattern[1:]
    keys = [str(k) for k in node] if head == "*" else [head] if head in node else []
    for key in keys:
        yield from _matches(node[key], rest, (*found, key))


def value_at(values: Any, pattern: Sequence[str]) -> Any:
    """The value at a path without `*` parts; None where it is absent."""
    return next((value for _, value in matches(values, pattern)), None)


def fill_stars(target: Sequence[str], pattern: Sequence[str], found: KeyPath) -> KeyPath:
    """target with its `*` parts replaced, in order, by the keys pattern's `*` parts
    matched in found."""
    stars = iter(key for key, part in zip(found, pattern, strict=True) if part == "*")
    return tuple(next(stars, "*") if part == "*" else part for part in target)
