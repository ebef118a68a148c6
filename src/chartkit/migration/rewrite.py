"""One values file migrated onto its chart's current keys: every renamed key found is moved
to its new place (to each, when it became several), its value reshaped where the table's
note says how, and removed where the note says so; what cannot be done mechanically is
left as it is and reported with its line."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from chartkit.migration.document import Comments, DocumentError, Path_, ValuesDocument
from chartkit.migration.schema_paths import join_path
from chartkit.migration.table import RenamedKey
from chartkit.releases.value_paths import fill_stars, value_at

# The values the file is rendered with, given the file's own (plain) values: the chart's
# defaults and the release's other files around it.
Layered = Callable[[dict[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class Names:
    """What the table's notes call <release> and <namespace>, when known."""

    release: str | None = None
    namespace: str | None = None

    def fill(self, text: str) -> str:
        text = text.replace("<release>", self.release) if self.release else text
        return text.replace("<namespace>", self.namespace) if self.namespace else text


@dataclass(frozen=True)
class Manual:
    """A change left for a hand edit: where it is (the key, and the item of a list) and
    what to do."""

    path: Path_
    index: int | None
    text: str

    def line(self, document: ValuesDocument) -> int | None:
        """Its line in document (the file as migrated: the key was left where it was)."""
        return document.line(self.path, self.index) if self.path else None


@dataclass
class Migration:
    changes: list[str] = field(default_factory=list)
    manual: list[Manual] = field(default_factory=list)


def plain(node: Any) -> Any:
    """A ruamel node as plain dicts, lists and scalars."""
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    return node


def _block(value: Any, flow: bool) -> Any:
    """A plain value as ruamel nodes, maps in flow style when flow."""
    if isinstance(value, Mapping):
        node = CommentedMap((k, _block(v, flow)) for k, v in value.items())
        if flow:
            node.fa.set_flow_style()
        return node
    return value


class Migrator:
    """Applies a chart's renamed keys to one document."""

    def __init__(
        self,
        document: ValuesDocument,
        table: list[RenamedKey],
        layered: Layered,
        names: Callable[[], Names],
    ) -> None:
        self.doc = document
        self.table = table
        self.layered = layered
        self._names = names
        self._known: Names | None = None
        self.result = Migration()

    def run(self) -> Migration:
        for entry in self.table:
            for found in list(self.doc.matches(entry.key)):
                if self.doc.has(found):
                    self._one(entry, found)
        return self.result

    def fill(self, text: str) -> str:
        """text with <release> and <namespace> filled in (asking for them once, if ever)."""
        if "<release>" not in text and "<namespace>" not in text:
            return text
        if self._known is None:
            self._known = self._names()
        return self._known.fill(text)

    def _manual(self, path: Path_, text: str, index: int | None = None) -> None:
        where = join_path(path) + (f"[{index}]" if index is not None else "")
        self.result.manual.append(Manual(path, index, f"{where}: {text}; left as it is"))

    def _one(self, entry: RenamedKey, found: Path_) -> None:
        if entry.list_form:
            self._list_to_map(found)
            return
        targets = [fill_stars(t, entry.key, found) for t in entry.targets]
        if entry.only_when is not None:
            setting = value_at(self.layered(plain(self.doc.data)), entry.only_when.key.split("."))
            if setting != entry.only_when.value:
                self.doc.remove(found)
                why = self.fill(entry.only_when.reason)
                self.result.changes.append(
                    f"{join_path(found)} removed ({entry.only_when.key} is not "
                    f"{json.dumps(entry.only_when.value)}): {why}"
                )
                return
        value = self.doc.node(found)
        if entry.reshape is not None:
            value = self._reshaped(entry, found, value)
            if value is None:
                return
        self._move(entry, found, targets, value)

    def _reshaped(self, entry: RenamedKey, found: Path_, value: Any) -> Any:
        reshape = entry.reshape
        assert reshape is not None
        if not isinstance(value, CommentedMap):
            self._manual(found, f"expected a map of NAME: {reshape.old_form()}")
            return None
        misfits = [name for name, item in value.items() if not reshape.fits(plain(item))]
        for name in misfits:
            self._manual(
                (*found, str(name)),
                f"expected {reshape.old_form()}, the old form of each entry",
            )
        if misfits:
            return None
        reshaped = CommentedMap()
        for name, item in value.items():
            flow = bool(getattr(item, "fa", None) and item.fa.flow_style())
            reshaped[name] = _block(reshape.apply(dict(item)), flow)
        return reshaped

    def _conflicts(self, found: Path_, targets: list[Path_], value: Any) -> list[str]:
        conflicts = []
        for target in targets:
            if not self.doc.has(target):
                for depth in range(1, len(target)):
                    if self.doc.has(target[:depth]) and not isinstance(
                        self.doc.node(target[:depth]), CommentedMap
                    ):
                        conflicts.append(f"{join_path(target[:depth])} is not a map")
                continue
            there = self.doc.node(target)
            if isinstance(there, CommentedMap) and isinstance(value, CommentedMap):
                clash = [k for k in value if k in there and plain(there[k]) != plain(value[k])]
                conflicts += [f"{join_path((*target, str(k)))} is set too" for k in clash]
            elif plain(there) != plain(value):
                conflicts.append(f"{join_path(target)} is set too")
        return conflicts

    def _move(self, entry: RenamedKey, found: Path_, targets: list[Path_], value: Any) -> None:
        conflicts = self._conflicts(found, targets, value)
        if conflicts:
            self._manual(found, f"{'; '.join(conflicts)}: keep one")
            return
        merged = [t for t in targets if self.doc.has(t)]
        for target in merged:
            there = self.doc.node(target)
            for key, item in value.items() if isinstance(value, CommentedMap) else ():
                if key not in there:
                    there[key] = item
        removed = self.doc.remove(found)
        top = removed.branch_comments if removed.branch != found else None
        first = True
        for target in (t for t in targets if t not in merged):
            depth = len(removed.branch) - 1
            beside = target[:depth] == removed.branch[:depth] and not self.doc.has(
                target[: depth + 1]
            )
            self.doc.put(
                target,
                value if first else copy.deepcopy(value),
                removed.comments if first else Comments(),
                near=removed,
                top_comments=top if first else None,
            )
            removed.index += 1 if beside else 0  # the next one goes after it
            first = False
        text = f"{join_path(found)} -> {' and '.join(join_path(t) for t in targets)}"
        if merged:
            text += f" (into the {' and '.join(join_path(t) for t in merged)} already there)"
        note = self.fill(entry.note)
        self.result.changes.append(f"{text}: {note}" if note else text)

    def _list_to_map(self, found: Path_) -> None:
        value = self.doc.node(found)
        if not isinstance(value, CommentedSeq):
            return  # a map: the current form
        names: list[str] = []
        fits = True
        for index, item in enumerate(value):
            name = item.get("name") if isinstance(item, CommentedMap) else None
            if not isinstance(name, str) or not name:
                self._manual(found, "an item without a `name`, the key it needs in the map", index)
                fits = False
            elif name in names:
                self._manual(found, f"`name: {name}` is used twice", index)
                fits = False
            names.append(str(name))
        if not fits:
            return
        mapping = CommentedMap()
        for item in value:
            name = str(item["name"])
            del item["name"]
            mapping[name] = item
        self.doc.replace(found, mapping)
        self.result.changes.append(
            f"{join_path(found)}: a list -> a map of name to values ({', '.join(names)})"
        )


def migrate(
    document: ValuesDocument,
    table: list[RenamedKey],
    layered: Layered,
    names: Callable[[], Names],
) -> Migration:
    """Migrate document in place; what changed and what was left. layered(own values) gives
    the values the file renders with, names() the release's names the notes mention."""
    try:
        return Migrator(document, table, layered, names).run()
    except DocumentError as error:  # a shape the edits cannot handle: nothing half-done
        return Migration(manual=[Manual((), None, str(error))])
