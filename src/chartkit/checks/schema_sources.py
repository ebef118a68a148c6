"""Where the schemas of rendered objects come from, each read once per process.

- Core Kubernetes kinds: kubernetes-validate's strict JSON schemas (one file per kind, and
  `_definitions.json` that they all refer to), for each Kubernetes minor asked for;
- custom resources: the openAPIV3Schema of the CRDs in a directory, made strict by
  chartkit.checks.crd_schema; their metadata is left to core ObjectMeta. The strict
  schemas are kept in the disk cache, keyed by the CRD catalog's key (see
  chartkit.releases.crds) and the code of crd_schema.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartkit.checks import crd_schema
from chartkit.releases.crds import crd_catalog, crd_catalog_key
from chartkit.tools.disk_cache import DiskCache, digest

if TYPE_CHECKING:  # a dependency for its schema files only, found without importing it
    import kubernetes_validate  # noqa: F401

Schema = dict[str, Any]
_CORE_SCHEMA_PACKAGE = "kubernetes_validate"
DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"


def core_schema_dir(kube_version: str) -> Path:
    """kubernetes-validate's strict schemas for one Kubernetes minor (found, not imported:
    importing the package costs more than everything chartkit does with it)."""
    spec = importlib.util.find_spec(_CORE_SCHEMA_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{_CORE_SCHEMA_PACKAGE} is not installed: run `make setup`")
    base = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    directory = base / f"v{kube_version}.0-local-strict"
    if not directory.is_dir():
        have = sorted(p.name for p in base.iterdir() if p.name.endswith("-strict"))
        raise ValueError(f"kubernetes-validate has no strict schemas for {kube_version}: {have}")
    return directory


def core_schema_file(kube_version: str, api_version: str, kind: str) -> Path:
    # rbac.authorization.k8s.io/v1 -> rbac-v1; v1 -> v1
    short = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return core_schema_dir(kube_version) / f"{kind.lower()}-{short}.json"


class SchemaSources:
    """The schemas of core kinds and custom resources, loaded on first use."""

    def __init__(self, crd_dir: Path, disk_cache: DiskCache | None = None) -> None:
        self.crd_dir = crd_dir
        self.disk_cache = disk_cache or DiskCache(None)
        self._definitions: dict[str, Schema] = {}
        self._core: dict[tuple[str, str, str], Schema | None] = {}
        self._crd_strict: dict[tuple[str, str], Schema] | None = None
        self._crd_kinds: set[tuple[str, str]] | None = None
        self._crd_key: str | None = None

    def definitions(self, kube_version: str) -> Schema:
        """`_definitions.json` of one Kubernetes minor (every $ref points into it)."""
        if kube_version not in self._definitions:
            path = core_schema_dir(kube_version) / "_definitions.json"
            self._definitions[kube_version] = json.loads(path.read_bytes())
        return self._definitions[kube_version]

    def core_schema(self, kube_version: str, api_version: str, kind: str) -> Schema | None:
        key = (kube_version, api_version, kind)
        if key not in self._core:
            path = core_schema_file(kube_version, api_version, kind)
            self._core[key] = json.loads(path.read_bytes()) if path.exists() else None
        return self._core[key]

    @property
    def crd_key(self) -> str:
        """The disk cache key of what is derived from the CRDs: their catalog's key and the
        code of crd_schema."""
        if self._crd_key is None:
            catalog_key = crd_catalog_key(self.crd_dir, self.disk_cache)
            self._crd_key = digest([catalog_key, Path(crd_schema.__file__).read_bytes()])
        return self._crd_key

    def _crds(self) -> dict[tuple[str, str], Schema]:
        """(apiVersion, kind) -> strict JSON Schema, for every served CRD version."""
        if self._crd_strict is None:
            entries = self.disk_cache.json("crd-schemas", self.crd_key, self._strict_entries)
            self._crd_strict = {(api, kind): schema for api, kind, schema in entries}
        return self._crd_strict

    def _strict_entries(self) -> list[tuple[str, str, Schema]]:
        entries = []
        for served in crd_catalog(self.crd_dir, self.disk_cache):
            if served.schema is None:
                continue
            schema = crd_schema.strict_schema(served.schema)
            # metadata is checked separately, as core ObjectMeta
            schema.setdefault("properties", {})["metadata"] = {"type": "object"}
            entries.append((served.api_version, served.kind, schema))
        return entries

    def is_custom_resource(self, api_version: Any, kind: Any) -> bool:
        """Whether a CRD serves this kind (from a small entry of its own: answering does not
        need the schemas)."""
        if self._crd_kinds is None:
            kinds = self.disk_cache.json("crd-kinds", self.crd_key, lambda: sorted(self._crds()))
            self._crd_kinds = {(str(api), str(kind)) for api, kind in kinds}
        return (api_version, kind) in self._crd_kinds

    def crd_schema(self, api_version: str, kind: str) -> Schema | None:
        """The strict JSON Schema of a served CRD version; None when no CRD serves it."""
        return self._crds().get((api_version, kind))
