"""One YAML file read the way a values file must be: a key written twice in a mapping is
found (helm, like every YAML loader, silently keeps the last one), and a file that cannot be
read or parsed raises YamlFileError, one line naming the file, line and column.

The loader is the one chartkit.tools.yaml_io reads with (libyaml's C loader when PyYAML has
it) with a mapping constructor that checks each mapping's keys before building it; it is
built, and PyYAML imported, when the first file is read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartkit.tools import yaml_io

if TYPE_CHECKING:
    import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlFileError(Exception):
    """A YAML file that cannot be read or parsed: one line, naming file, line and column."""

    def __init__(
        self, file: str, problem: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.file = file
        self.problem = problem
        self.line = line
        self.column = column
        where = f":{line}" + (f":{column}" if column else "") if line else ""
        super().__init__(f"{file}{where}: {problem}")


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one mapping: the key, its dotted path, and both lines
    (1-based)."""

    key: str
    path: str
    line: int
    first_line: int


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    duplicates: tuple[DuplicateKey, ...] = ()


@functools.cache
def key_checking_loader() -> type:
    """yaml_io's safe loader, its mapping constructor recording every key written twice
    (`repeats`: mapping node, repeated key node, line of the key's first occurrence)."""
    import yaml

    class KeyCheckingLoader(yaml_io.safe_loader_class()):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.repeats: list[tuple[yaml.MappingNode, yaml.Node, int]] = []

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                    continue  # a `<<:` merge's keys may be overridden: that is its purpose
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    self.repeats.append((node, key_node, seen[key_node.value]))
                else:
                    seen[key_node.value] = line
            return super().construct_mapping(node, deep=deep)

    return KeyCheckingLoader


def parse_yaml(text: str, label: str) -> YamlDocument:
    """The one YAML document in text (None when empty) and the keys written twice in it;
    YamlFileError naming `label` when it is not valid YAML or holds several documents."""
    import yaml

    loader = key_checking_loader()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        raise YamlFileError(label, *yaml_problem(error, text)) from None
    finally:
        loader.dispose()
    if not loader.repeats:
        return YamlDocument(data)
    paths = _mapping_paths(node)
    duplicates = tuple(
        DuplicateKey(
            key=str(key.value),
            path=_join(paths.get(id(mapping), ""), str(key.value)),
            line=key.start_mark.line + 1,
            first_line=first,
        )
        for mapping, key, first in loader.repeats
    )
    return YamlDocument(data, duplicates)


def read_yaml(path: Path, label: str | None = None) -> YamlDocument:
    """parse_yaml of a file; a file that is missing or unreadable is a YamlFileError too."""
    label = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlFileError(label, "does not exist") from None
    except IsADirectoryError:
        raise YamlFileError(label, "is a directory, not a YAML file") from None
    except UnicodeDecodeError as error:
        raise YamlFileError(label, f"is not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise YamlFileError(label, f"cannot be read: {error.strerror}") from None
    return parse_yaml(text, label)


def yaml_problem(error: yaml.YAMLError, text: str = "") -> tuple[str, int | None, int | None]:
    """A YAML error in one line, and the line and column (1-based) it points at."""
    import yaml

    if not isinstance(error, yaml.MarkedYAMLError):
        return f"not valid YAML: {_one_line(str(error))}", None, None
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    problem = _one_line(error.problem or error.context or "")
    if "expected a single document" in (error.context or ""):
        return (
            "holds more than one YAML document (a `---` line starts another one here): a "
            "values file is one mapping",
            line,
            column,
        )
    if mark and text[mark.index : mark.index + 1] == "\t":
        problem += " (a tab: YAML indents with spaces)"
    if error.context and error.problem and error.context_mark:
        started = error.context_mark.line + 1
        problem += f" ({_one_line(error.context)} that starts at line {started})"
    return f"not valid YAML: {problem}", line, column


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _mapping_paths(root: yaml.Node | None) -> dict[int, str]:
    """id(mapping node) -> its dotted path ("a.b[0]"), for every mapping under root."""
    import yaml

    paths: dict[int, str] = {}
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in paths:
            continue  # an alias: the node was reached (and named) before
        children: list[tuple[yaml.Node, str]] = []
        if isinstance(node, yaml.MappingNode):
            children = [
                (value, _join(path, str(key.value)))
                for key, value in node.value
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG
            ]
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, f"{path}[{index}]") for index, item in enumerate(node.value)]
        else:
            continue
        paths[id(node)] = path
        stack.extend(reversed(children))  # in the order written: an alias's target first
    return paths


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
