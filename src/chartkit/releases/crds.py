"""The upstream CRDs kept in ci/crds: read once, used for API versions and schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml when present: the CRD files are megabytes of YAML.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_crds(crd_dir: Path) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition in the directory's *.yaml files, in file order."""
    crds: list[dict[str, Any]] = []
    for path in sorted(crd_dir.glob("*.yaml")):
        for doc in yaml.load_all(path.read_text(), Loader=_YAML_LOADER):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                crds.append(doc)
    return crds


def served_versions(crd: dict[str, Any]) -> list[dict[str, Any]]:
    """The versions of a CRD the API server serves (an unserved one is refused)."""
    return [v for v in crd["spec"]["versions"] if v.get("served", True)]
