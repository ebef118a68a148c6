"""The upstream CRDs kept in ci/crds: read once, used for API versions and schemas.

The CRD files are megabytes of YAML; what chartkit needs of them (each served version's
group, version, kind and openAPIV3Schema) is kept in the disk cache as JSON, keyed by the
files' contents, the installed PyYAML and this module's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.tools import yaml_io
from chartkit.tools.disk_cache import DiskCache, digest, files_digest


@dataclass(frozen=True)
class ServedVersion:
    """One version of a CRD that the API server serves."""

    group: str
    version: str
    kind: str
    schema: dict[str, Any] | None  # its openAPIV3Schema, if it has one

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


def read_crds(crd_dir: Path) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition in the directory's *.yaml files, in file order."""
    crds: list[dict[str, Any]] = []
    for path in _crd_files(crd_dir):
        for doc in yaml_io.load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                crds.append(doc)
    return crds


def served_versions(crd: dict[str, Any]) -> list[dict[str, Any]]:
    """The versions of a CRD the API server serves (an unserved one is refused)."""
    return [v for v in crd["spec"]["versions"] if v.get("served", True)]


def crd_catalog_key(crd_dir: Path, cache: DiskCache | None = None) -> str:
    """A digest of what the catalog is derived from: the CRD files, PyYAML, this module.
    What is derived from the catalog can be cached under it."""
    files = _crd_files(crd_dir)
    contents = cache.files_digest(files) if cache else files_digest(files)
    return digest([contents, yaml_io.pyyaml_identity(), Path(__file__).read_bytes()])


def crd_catalog(
    crd_dir: Path, cache: DiskCache | None = None, key: str | None = None
) -> tuple[ServedVersion, ...]:
    """Every served version of every CRD in the directory, in file order."""
    key = key or crd_catalog_key(crd_dir, cache)
    entries = (cache or DiskCache(None)).json("crds", key, lambda: _catalog_entries(crd_dir))
    return tuple(ServedVersion(**entry) for entry in entries)


def _catalog_entries(crd_dir: Path) -> list[dict[str, Any]]:
    entries = []
    for crd in read_crds(crd_dir):
        spec = crd["spec"]
        for version in served_versions(crd):
            entries.append(
                {
                    "group": spec["group"],
                    "version": version["name"],
                    "kind": spec["names"]["kind"],
                    "schema": (version.get("schema") or {}).get("openAPIV3Schema"),
                }
            )
    return entries


def _crd_files(crd_dir: Path) -> list[Path]:
    return sorted(crd_dir.glob("*.yaml"))
