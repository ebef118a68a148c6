"""A chart's renamed-keys.yaml as entries migration can act on.

The table is read by chartkit.checks.values_schema.read_renamed_keys, the reader the schema
assembly uses, so the chart's refusal, its schema and migration follow one file. Two forms
of `note` say more than a rename, and migration acts on them:

- ``each NAME: {secretName: s, key: k} becomes NAME: {secretKeyRef: {name: s, key: k}}``:
  every entry of the old map changes shape; the lower-case words are the values carried
  over (one the old entry lacks is left out of the new one);
- ``only in Deployment mode (rollouts.enabled: false); in Rollout mode (the default) remove
  it: <why>``: the key is renamed where the values hold that setting and removed, with the
  reason, everywhere else.

Any other note is printed with the change, for the reader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartkit.checks.values_schema import SCHEMA_NAME, read_renamed_keys
from chartkit.migration.schema_paths import Schema, join_path, split_path

Path_ = tuple[str, ...]

_EACH = re.compile(r"^each (?P<name>[A-Z_]+): (?P<old>\{.*\}) becomes (?P=name): (?P<new>\{.*\})$")
_ONLY = re.compile(
    r"^only (?:in|when|with) [^;]*?\((?P<key>[\w.]+): (?P<value>[^)]+)\)[^;]*;"
    r"[^:]*remove it: (?P<reason>.+)$",
    re.S,
)


class TableError(Exception):
    """A renamed-keys.yaml entry migration cannot read; names the file and the entry."""


@dataclass(frozen=True)
class Reshape:
    """`each NAME: {old} becomes NAME: {new}`: old maps keys to variables, new is the new
    entry with those variables in it."""

    old: dict[str, str]
    new: dict[str, Any]

    def apply(self, entry: dict[str, Any]) -> dict[str, Any]:
        bound = {self.old[key]: value for key, value in entry.items()}
        return _fill(self.new, bound)

    def fits(self, entry: Any) -> bool:
        return isinstance(entry, dict) and bool(entry) and set(entry) <= set(self.old)

    def old_form(self) -> str:
        return "{" + ", ".join(self.old) + "}"


def _fill(template: dict[str, Any], bound: dict[str, Any]) -> dict[str, Any]:
    filled: dict[str, Any] = {}
    for key, value in template.items():
        if isinstance(value, dict):
            inner = _fill(value, bound)
            if inner:
                filled[key] = inner
        elif isinstance(value, str) and value in bound:
            filled[key] = bound[value]
        elif not isinstance(value, str):
            filled[key] = value
    return filled


@dataclass(frozen=True)
class OnlyWhen:
    """`only ... (key: value) ...; ... remove it: why`."""

    key: str
    value: Any
    reason: str


@dataclass(frozen=True)
class RenamedKey:
    key: Path_  # `*` parts stand for every key of a map
    targets: tuple[Path_, ...]
    list_form: bool  # the key kept its name; a list was its old form
    note: str
    reshape: Reshape | None
    only_when: OnlyWhen | None

    @property
    def old(self) -> str:
        return join_path(self.key)


def _reshape(note: str, where: str) -> Reshape | None:
    match = _EACH.match(note)
    if not match:
        return None
    try:
        old, new = yaml.safe_load(match["old"]), yaml.safe_load(match["new"])
    except yaml.YAMLError as error:
        raise TableError(f"{where}: note: cannot read the shapes: {error}") from None
    if not isinstance(old, dict) or not all(isinstance(v, str) for v in old.values()):
        raise TableError(f"{where}: note: the old shape must map keys to lower-case words")
    return Reshape(old={str(k): v for k, v in old.items()}, new=new)


def _only_when(note: str) -> OnlyWhen | None:
    match = _ONLY.match(note)
    if not match:
        return None
    return OnlyWhen(match["key"], yaml.safe_load(match["value"]), match["reason"].strip())


def load_schema(chart: Path) -> Schema | None:
    path = chart / SCHEMA_NAME
    return json.loads(path.read_text()) if path.exists() else None


def renamed_keys(chart: Path, schema: Schema | None = None) -> list[RenamedKey]:
    """The chart's renamed keys, in the table's order ([] without a table)."""
    schema = load_schema(chart) if schema is None else schema
    entries = []
    for index, entry in enumerate(read_renamed_keys(chart)):
        where = f"{chart.name}/renamed-keys.yaml: renamed[{index}] ({entry['key']})"
        to = entry["to"] if isinstance(entry["to"], list) else [entry["to"]]
        note = " ".join(str(entry.get("note") or "").split())
        entries.append(
            RenamedKey(
                key=split_path(str(entry["key"]), schema),
                targets=tuple(split_path(str(t), schema) for t in to),
                list_form=entry.get("form") == "list",
                note=note,
                reshape=_reshape(note, where),
                only_when=_only_when(note),
            )
        )
    return entries
