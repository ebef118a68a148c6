"""chartkit.releases.crds: the CRD catalog, read from YAML once and then from the disk cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartkit.releases import crds
from chartkit.releases.crds import ServedVersion, crd_catalog, crd_catalog_key
from chartkit.tools.disk_cache import DiskCache

WIDGET = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v2
      served: true
      schema:
        openAPIV3Schema: {type: object, properties: {spec: {type: object}}}
    - name: v1
      served: false
"""


@pytest.fixture
def crd_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "crds"
    directory.mkdir()
    (directory / "widgets.yaml").write_text(WIDGET)
    return directory


def test_the_catalog_lists_served_versions_with_their_schemas(crd_dir: Path) -> None:
    assert crd_catalog(crd_dir) == (
        ServedVersion(
            group="example.com",
            version="v2",
            kind="Widget",
            schema={"type": "object", "properties": {"spec": {"type": "object"}}},
        ),
    )


def test_a_second_process_reads_the_catalog_without_parsing_yaml(
    crd_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = crd_catalog(crd_dir, DiskCache(tmp_path / "cache"))

    def no_yaml(crd_dir: Path) -> list:
        raise AssertionError("the CRD files were parsed again")

    monkeypatch.setattr(crds, "read_crds", no_yaml)
    assert crd_catalog(crd_dir, DiskCache(tmp_path / "cache")) == first


def test_a_changed_crd_file_changes_the_key_and_the_catalog(crd_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    key = crd_catalog_key(crd_dir)
    crd_catalog(crd_dir, DiskCache(cache))
    (crd_dir / "widgets.yaml").write_text(WIDGET.replace("Widget", "Gadget"))
    assert crd_catalog_key(crd_dir) != key
    assert [v.kind for v in crd_catalog(crd_dir, DiskCache(cache))] == ["Gadget"]
    assert len(list(cache.glob("crds-*.json"))) == 1


def test_the_pinned_crds_read_the_same_from_yaml_and_from_the_cache(
    repo_root: Path, tmp_path: Path
) -> None:
    crd_dir = repo_root / "ci" / "crds"
    from_yaml = crd_catalog(crd_dir, DiskCache(tmp_path))  # parsed, then written
    assert crd_catalog(crd_dir, DiskCache(tmp_path)) == from_yaml  # read back
    assert {v.kind for v in from_yaml} >= {"Rollout", "ServiceMonitor", "ExternalSecret"}
