"""Every values file says, in its header, which schema an editor checks it against
(`# yaml-language-server: $schema=<path>`): a release's file its chart's values.schema.json
(the chart the inventory says), an environment overlay ci/overlay.schema.json (global only,
for every chart), a chart's smoke values that chart's schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from chartkit.releases.inventory import find_root, load

ROOT = find_root(Path(__file__).parent)
INVENTORY = load(ROOT)
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S+)$")
OVERLAY_SCHEMA = ROOT / "ci" / "overlay.schema.json"


def header(path: Path) -> list[str]:
    """The comment lines before the file's first value."""
    lines = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            break
        lines.append(line)
    return lines


def schema_of(path: Path) -> Path:
    found = [m["path"] for line in header(path) if (m := MODELINE.match(line))]
    label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    assert len(found) == 1, f"{label}: want one schema line in the header"
    schema = (path.parent / found[0]).resolve()
    assert schema.is_file(), f"{label}: {found[0]} does not exist"
    return schema


def expected_schemas() -> dict[Path, set[Path]]:
    """Each values file and smoke values file, and the schema(s) it must name."""
    expected: dict[Path, set[Path]] = {}
    for release in INVENTORY.releases:
        for path in release.values:
            expected.setdefault(path, set()).add(release.chart / "values.schema.json")
    for overlay in INVENTORY.overlays:
        expected[overlay.path] = {OVERLAY_SCHEMA}
    for chart in {r.chart for r in INVENTORY.releases}:
        smoke = ROOT / "ci" / "smoke" / "charts" / f"{chart.name}.yaml"
        expected[smoke] = {chart / "values.schema.json"}
    return expected


@pytest.mark.inventory_wide
def test_every_values_file_names_the_schema_of_its_chart() -> None:
    expected = expected_schemas()
    in_values = {p.resolve() for p in (ROOT / "values").rglob("*.yaml")}
    assert in_values <= set(expected)
    wrong = {
        str(path.relative_to(ROOT)): str(schema_of(path).relative_to(ROOT))
        for path, schemas in expected.items()
        if schema_of(path) not in schemas
    }
    assert not wrong, f"schema lines naming another chart's schema: {wrong}"


def test_a_file_used_by_releases_of_two_charts_could_name_neither() -> None:
    """One schema line per file: a values file shared by charts would need two."""
    assert all(len(schemas) == 1 for schemas in expected_schemas().values())


@pytest.mark.parametrize("overlay", [o.path for o in INVENTORY.overlays], ids=lambda p: p.stem)
def test_the_overlay_schema_takes_the_overlays_and_only_global(overlay: Path) -> None:
    def retrieve(uri: str) -> Resource:
        contents = json.loads(Path(urlparse(uri).path).read_text())
        return DRAFT7.create_resource(contents)

    schema = {**json.loads(OVERLAY_SCHEMA.read_text()), "$id": OVERLAY_SCHEMA.as_uri()}
    validator = jsonschema.Draft7Validator(schema, registry=Registry(retrieve=retrieve))
    values = yaml.safe_load(overlay.read_text())
    assert not [e.message for e in validator.iter_errors(values)]
    errors = [e.message for e in validator.iter_errors({**values, "replicaCount": 3})]
    assert errors and "replicaCount" in errors[0]
    errors = [e.message for e in validator.iter_errors({"global": {"replicas": 3}})]
    assert errors and "replicas" in errors[0]


def test_a_schema_line_below_the_first_value_is_not_a_header(tmp_path: Path) -> None:
    path = tmp_path / "late.yaml"
    path.write_text("# a\nkey: 1\n# yaml-language-server: $schema=../x.json\n")
    with pytest.raises(AssertionError, match="want one schema line"):
        schema_of(path)
