"""A values file as a YAML round trip (ruamel.yaml) that keeps its comments, key order,
quoting and indentation, with the two edits a rename needs: remove a key, put a key.

ruamel.yaml keeps the comment lines after a value with that value (so the comment above a
key sits on the key before it). Here a key's own comment is the run of comment lines
directly above it (no blank line in between) plus its end-of-line comment: moving a key
carries them along, and every other comment line stays where it was.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from chartkit.releases.value_paths import matches

Path_ = tuple[str, ...]
_NESTED_KEY = re.compile(r"^[^\s#-][^:#\n]*:[ \t]*(#.*)?\n( +)[^\s#-]", re.M)


class DocumentError(Exception):
    """The file is not a YAML mapping this module can edit."""


@dataclass(frozen=True)
class Eol:
    """An end-of-line comment: its text and how far after the end of its key it starts."""

    text: str
    offset: int


@dataclass
class Comments:
    """A key's own comment: the lines directly above it (unindented) and its end of line."""

    above: list[str] = field(default_factory=list)
    eol: Eol | None = None

    def __add__(self, other: Comments) -> Comments:
        return Comments(self.above + other.above, other.eol or self.eol)


@dataclass
class Removed:
    """What remove() took out: the value and its comments, and the highest key removed (the
    key itself, or the map it left empty) with that key's comments and place."""

    value: Any
    comments: Comments
    branch: Path_
    branch_comments: Comments
    index: int


def _yaml(text: str) -> tuple[YAML, int]:
    yaml = YAML()
    yaml.preserve_quotes = True  # read by ruamel: a quoted "1.0" stays quoted
    yaml.width = 4096
    yaml.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    nested = _NESTED_KEY.search(text)
    mapping = len(nested.group(2)) if nested else 2
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
    except YAMLError:
        sequence, offset = mapping, None
    if offset is None:
        yaml.indent(mapping=mapping, sequence=mapping, offset=0)
    else:
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml, mapping


class ValuesDocument:
    """One values file, loaded for editing."""

    def __init__(self, text: str) -> None:
        self._yaml, self.indent = _yaml(text)
        try:
            data = self._yaml.load(text)
        except YAMLError as error:
            raise DocumentError(f"not valid YAML: {error}") from None
        if data is None:
            data = CommentedMap()
        if not isinstance(data, CommentedMap):
            raise DocumentError("must be a mapping of values")
        self.data: CommentedMap = data

    def text(self) -> str:
        out = io.StringIO()
        self._yaml.dump(self.data, out)
        return out.getvalue()

    # -- reading ---------------------------------------------------------------------------

    def node(self, path: Path_) -> Any:
        """The node at path; KeyError when absent."""
        node: Any = self.data
        for key in path:
            if not isinstance(node, CommentedMap) or key not in node:
                raise KeyError(".".join(path))
            node = node[key]
        return node

    def has(self, path: Path_) -> bool:
        try:
            self.node(path)
        except KeyError:
            return False
        return True

    def matches(self, pattern: Path_) -> Iterator[Path_]:
        """Every path in the file matching pattern, a `*` part matching each key of a map."""
        for path, _ in matches(self.data, pattern):
            yield path

    def line(self, path: Path_, index: int | None = None) -> int | None:
        """1-based line of the key at path (of its item at index), as loaded; None for a
        key added since."""
        try:
            if index is not None:
                return int(self.node(path).lc.item(index)[0]) + 1
            if not path:
                return 1
            return int(self.node(path[:-1]).lc.key(path[-1])[0]) + 1
        except (KeyError, AttributeError, TypeError, IndexError):
            return None

    # -- editing ---------------------------------------------------------------------------

    def remove(self, path: Path_) -> Removed:
        """Remove the key at path, and the maps it leaves empty."""
        parent: CommentedMap = self.node(path[:-1])
        index = list(parent).index(path[-1])
        value, comments = self._detach(parent, path[-1], len(path) - 1)
        removed = Removed(value, comments, path, Comments(), index)
        while len(removed.branch) > 1 and not self.node(removed.branch[:-1]):
            branch = removed.branch[:-1]
            parent = self.node(branch[:-1])
            removed.index = list(parent).index(branch[-1])
            _, removed.branch_comments = self._detach(parent, branch[-1], len(branch) - 1)
            removed.branch = branch
        return removed

    def replace(self, path: Path_, value: Any) -> None:
        """Give the key at path another value, in its place."""
        self.node(path[:-1])[path[-1]] = value

    def put(
        self,
        path: Path_,
        value: Any,
        comments: Comments | None = None,
        near: Removed | None = None,
        top_comments: Comments | None = None,
    ) -> None:
        """Set path (absent) to value, creating the maps on the way. A key new to its map
        goes where `near` was removed from, or before the key of near's path in that map,
        else last; the first key created gets top_comments."""
        node: CommentedMap = self.data
        depth = 0
        while depth < len(path) - 1 and isinstance(node.get(path[depth]), CommentedMap):
            node = node[path[depth]]
            depth += 1
        if path[depth] in node:
            raise DocumentError(f"{'.'.join(path[: depth + 1])} is set already")
        child = value
        if depth < len(path) - 1:
            child = leaf = CommentedMap()
            for key in path[depth + 1 : -1]:
                leaf[key] = CommentedMap()
                leaf = leaf[key]
            self._attach(leaf, 0, path[-1], value, len(path) - 1, comments)
            comments = top_comments
        elif top_comments:
            comments = top_comments + (comments or Comments())
        self._attach(node, _place(node, path, depth, near), path[depth], child, depth, comments)

    # -- comments --------------------------------------------------------------------------

    def _detach(self, parent: CommentedMap, key: str, depth: int) -> tuple[Any, Comments]:
        index = list(parent).index(key)
        eol_before, lines = self._before(parent, index)
        kept, above = _split_own(lines)
        value = parent[key]
        key_end = self._key_end(parent, key, depth)
        eol, after = _split_tail(self._slot_token(parent, key))
        if isinstance(value, CommentedMap | CommentedSeq) and len(value):
            self._set_slot(parent, key, [], eol)  # the last line's comment stays there
            eol = None
        if isinstance(value, CommentedMap) and not len(value):
            after = _start_lines(value) + after
        parent.ca.items.pop(key, None)
        del parent[key]
        self._set_before(parent, index, eol_before, kept + _reindent(after, depth * self.indent))
        own_eol = Eol(eol.value, eol.column - key_end) if eol else None
        return value, Comments([line.lstrip(" ") for line in above], own_eol)

    def _attach(
        self,
        parent: CommentedMap,
        index: int,
        key: str,
        value: Any,
        depth: int,
        comments: Comments | None,
    ) -> None:
        eol_before, lines = self._before(parent, index) if len(parent) else (None, [])
        kept, next_own = _split_own(lines) if index < len(parent) else ([], lines)
        above = _reindent(comments.above, depth * self.indent) if comments else []
        parent.insert(index, key, value)
        self._set_before(parent, index, eol_before, kept + above)
        eol = None
        if comments and comments.eol and not isinstance(value, CommentedMap | CommentedSeq):
            column = depth * self.indent + len(key) + comments.eol.offset
            eol = CommentToken(comments.eol.text, CommentMark(max(column, 0)), None)
        if next_own or eol:
            self._set_slot(parent, key, next_own, eol)

    def _key_end(self, parent: CommentedMap, key: str, depth: int) -> int:
        try:
            return int(parent.lc.key(key)[1]) + len(key)
        except (KeyError, AttributeError, TypeError):
            return depth * self.indent + len(key)

    def _before(self, parent: CommentedMap, index: int) -> tuple[CommentToken | None, list[str]]:
        """The comment lines before parent's key at index, with the end-of-line comment of
        the key before it (None when there is none)."""
        if index:
            return _split_tail(self._slot_token(parent, list(parent)[index - 1]))
        return None, _start_lines(parent)

    def _set_before(
        self, parent: CommentedMap, index: int, eol: CommentToken | None, lines: list[str]
    ) -> None:
        if index:
            self._set_slot(parent, list(parent)[index - 1], lines, eol)
        else:
            _set_start(parent, lines if parent is self.data else _without_leading_blanks(lines))

    @staticmethod
    def _tail(container: CommentedMap | CommentedSeq, key: Any) -> tuple[Any, Any, int]:
        """Where the comment lines after container[key] are kept: the last item nested in
        its value, and the slot of the comment list there."""
        value = container[key]
        while isinstance(value, CommentedMap | CommentedSeq) and len(value):
            container = value
            key = list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1
            value = container[key]
        return container, key, 2 if isinstance(container, CommentedMap) else 0

    def _slot_token(self, container: Any, key: Any) -> CommentToken | None:
        holder, inner, slot = self._tail(container, key)
        entry = holder.ca.items.get(inner)
        token = entry[slot] if entry and len(entry) > slot else None
        return token if isinstance(token, CommentToken) else None

    def _set_slot(
        self, container: Any, key: Any, lines: list[str], eol: CommentToken | None
    ) -> None:
        holder, inner, slot = self._tail(container, key)
        if eol is None:
            eol, _ = _split_tail(self._slot_token(container, key))
        text = (eol.value if eol else "\n") + "".join(lines)
        entry = holder.ca.items.setdefault(inner, [None, None, None, None])
        column = eol.column if eol else 0
        entry[slot] = None if text == "\n" else CommentToken(text, CommentMark(column), None)


def _place(node: CommentedMap, path: Path_, depth: int, near: Removed | None) -> int:
    """Where a key new to node (the map at path[:depth]) goes."""
    if near is None:
        return len(node)
    if near.branch[:-1] == path[:depth]:
        return min(near.index, len(node))
    beside = len(near.branch) > depth and near.branch[:depth] == path[:depth]
    if beside and near.branch[depth] in node:
        return list(node).index(near.branch[depth])
    return len(node)


def _split_tail(token: CommentToken | None) -> tuple[CommentToken | None, list[str]]:
    """A value's trailing comment as (its end-of-line comment, the lines after it)."""
    if token is None:
        return None, []
    text = token.value
    if text.startswith("#"):
        first, _, rest = text.partition("\n")
        eol = CommentToken(first + "\n", CommentMark(token.column), None)
        return eol, rest.splitlines(keepends=True)
    return None, text[1:].splitlines(keepends=True) if text.startswith("\n") else []


def _split_own(lines: list[str]) -> tuple[list[str], list[str]]:
    """Comment lines before a key as (the lines that stay where they are, the key's own:
    the comment lines directly above it, no blank line in between)."""
    own = len(lines)
    while own and lines[own - 1].strip().startswith("#"):
        own -= 1
    return lines[:own], lines[own:]


def _start_lines(mapping: CommentedMap) -> list[str]:
    comment = mapping.ca.comment
    tokens = comment[1] if comment and len(comment) > 1 and comment[1] else []
    text = "".join(t.value for t in tokens if isinstance(t, CommentToken))
    return text.splitlines(keepends=True)


def _set_start(mapping: CommentedMap, lines: list[str]) -> None:
    text = "".join(lines)
    token = [CommentToken(text, CommentMark(0), None)] if text else []
    if mapping.ca.comment and len(mapping.ca.comment) > 1 and mapping.ca.comment[1]:
        mapping.ca.comment[1][:] = token
    elif token:
        mapping.ca.comment = [None, token]


def _without_leading_blanks(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


def _reindent(lines: list[str], column: int) -> list[str]:
    return [(" " * column + line.lstrip(" ")) if line.strip() else line for line in lines]
