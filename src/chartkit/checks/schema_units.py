"""Self-contained core schemas for jsonschema-rs: a kind's schema and, under its own
`$defs`, the definitions it refers to, and only those.

Every core kind's schema refers into `_definitions.json` (some 600 definitions per
Kubernetes minor). Compiled against a registry of all of them, every process would read and
register them all, twice (two minors), for the ten kinds a release renders. A unit holds the
kind's schema (prepared for jsonschema-rs by chartkit.checks.schema_fast) and the transitive
closure of the definitions it names, each `$ref` made local (`#/$defs/<name>`): a Pod's
unit is some 100 KB, a ConfigMap's 3.

The units of a kind, one per Kubernetes version asked for, are one disk cache entry; the
versions whose units are equal share one (most kinds do not change between minors), so
it is compiled once. kubernetes-validate's files are identified by path, size and
modification time (they change only when pip installs the package again).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chartkit.checks.schema_sources import (
    DEFINITIONS_URI,
    SchemaSources,
    core_schema_dir,
    core_schema_file,
)
from chartkit.tools.cache_files import file_identity
from chartkit.tools.disk_cache import digest

# A reference into the definitions: from a kind's file (relative to its $id), by the full
# URI, or from one definition to another.
_DEFINITION_REF = re.compile(
    rf"^(?:/api/_definitions\.json|{re.escape(DEFINITIONS_URI)})?#/\$defs/([^/]+)$"
)
# Keywords whose value is data, not a schema: no $ref in them is a reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example", "required"})
# This module and what prepares the schemas for jsonschema-rs: both shape the units.
_CODE = (Path(__file__), Path(__file__).with_name("schema_fast.py"))
Prepare = Callable[[Any], Any]
# {"units": [schema as JSON text, ...], "versions": [index into units, or None, per version]}
Units = dict[str, Any]


class ForeignReference(ValueError):
    """A $ref that does not point into the definitions: the unit cannot be built."""


def localized(node: Any, names: set[str]) -> Any:
    """A copy of a (fast) schema with each definition $ref made local; the names
    referred to are added to `names`. The top-level $id goes: refs are local now."""
    if isinstance(node, list):
        return [localized(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    copied: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            match = _DEFINITION_REF.match(value)
            if match is None:
                raise ForeignReference(value)
            names.add(match.group(1))
            copied[key] = f"#/$defs/{match.group(1)}"
        elif key in _DATA_KEYWORDS or key == "$id":
            if key != "$id":
                copied[key] = value
        else:
            copied[key] = localized(value, names)
    return copied


def unit(schema: Any, definitions: dict[str, Any], prepare: Prepare) -> dict[str, Any]:
    """The prepared schema with every definition it reaches, directly or not, prepared
    too, under $defs (`definitions`: the raw $defs of _definitions.json)."""
    names: set[str] = set()
    top = localized(prepare(schema), names)
    closure: dict[str, Any] = {}
    pending = set(names)
    while pending:
        name = pending.pop()
        if name in closure:
            continue
        if name not in definitions:
            raise ForeignReference(f"#/$defs/{name}")
        found: set[str] = set()
        closure[name] = localized(prepare(definitions[name]), found)
        pending |= found - closure.keys()
    return {**top, "$defs": dict(sorted(closure.items()))}


class CoreUnits:
    """The units of core kinds and definition refs for some Kubernetes versions."""

    def __init__(
        self,
        kube_versions: list[str],
        sources: SchemaSources,
        prepare: Prepare,
        as_text: Callable[[Any], str],
    ) -> None:
        """prepare: a schema as jsonschema-rs gets it; as_text: a prepared schema in the
        JSON text it compiles (each unit is kept so, read back as one string)."""
        self.kube_versions = list(kube_versions)
        self.sources = sources
        self.prepare = prepare
        self.as_text = as_text
        self._code = digest([path.read_bytes() for path in _CODE])

    def of_kind(self, api_version: str, kind: str) -> Units:
        """A kind's units (an index of None: that version has no such kind)."""
        files = [core_schema_file(v, api_version, kind) for v in self.kube_versions]

        def schema(index: int) -> Any:
            return self.sources.core_schema(self.kube_versions[index], api_version, kind)

        name = re.sub(r"[^A-Za-z0-9.-]", "_", f"k8s-kind-{api_version}-{kind}")
        return self._units(name, files, schema)

    def of_ref(self, uri: str) -> Units:
        """The units of `{"$ref": uri}` (a definition, such as ObjectMeta)."""
        name = re.sub(r"[^A-Za-z0-9.-]", "_", f"k8s-ref-{uri.rsplit('/', 1)[-1]}")
        return self._units(name, [], lambda _: {"$ref": uri})

    def _units(self, name: str, files: list[Path], schema: Any) -> Units:
        definition_files = [core_schema_dir(v) / "_definitions.json" for v in self.kube_versions]
        key = digest(
            [self._code, *self.kube_versions, *map(file_identity, definition_files + files)]
        )

        def build() -> Units:
            units: list[dict[str, Any]] = []
            versions: list[int | None] = []
            for index, kube_version in enumerate(self.kube_versions):
                found = schema(index)
                if found is None:
                    versions.append(None)
                    continue
                definitions = self.sources.definitions(kube_version).get("$defs", {})
                built = unit(found, definitions, self.prepare)
                if built not in units:
                    units.append(built)
                versions.append(units.index(built))
            return {"units": [self.as_text(u) for u in units], "versions": versions}

        return self.sources.disk_cache.json(name, key, build, keep=False)
