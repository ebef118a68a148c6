"""Properties every application chart shares through the common library chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from chartkit.releases.inventory import find_root
from chartkit.tools.toolbox import Toolbox

ROOT = find_root()
LIBRARY = ROOT / "charts" / "common"
CHARTS = sorted(
    path.parent
    for path in (ROOT / "charts").glob("*/Chart.yaml")
    if yaml.safe_load(path.read_text()).get("type") != "library"
)


def chart_ids(path: Path) -> str:
    return path.name


def test_there_are_application_charts() -> None:
    assert {"api", "r-analytics", "codebeaker", "eventstorming"} <= {c.name for c in CHARTS}


@pytest.mark.parametrize("chart", CHARTS, ids=chart_ids)
def test_chart_uses_the_library_through_a_committed_symlink(chart: Path) -> None:
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    dependency = {d["name"]: d for d in meta.get("dependencies", [])}["common"]
    library_version = yaml.safe_load((LIBRARY / "Chart.yaml").read_text())["version"]
    assert dependency["version"] == library_version
    assert dependency["repository"] == "file://../common"
    link = chart / "charts" / "common"
    assert link.is_symlink() and link.resolve() == LIBRARY.resolve()


@pytest.mark.parametrize("chart", CHARTS, ids=chart_ids)
def test_chart_schema_carries_the_shared_global_schema(chart: Path) -> None:
    shared = json.loads((LIBRARY / "schemas" / "global.json").read_text())
    shared.pop("$comment", None)
    schema = json.loads((chart / "values.schema.json").read_text())
    own = dict(schema["properties"]["global"])
    if "$ref" in own:  # an assembled schema (chartkit schema) bundles the part under $defs
        own = dict(schema["$defs"][own["$ref"].removeprefix("#/$defs/")])
    own.pop("$comment", None)
    assert own == shared
    assert schema.get("additionalProperties") is False


@pytest.mark.parametrize("chart", CHARTS, ids=chart_ids)
def test_chart_claims_the_kubernetes_versions_it_is_validated_against(chart: Path) -> None:
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    oldest = Toolbox(ROOT).pins["validate_kubernetes"][0]
    assert meta["kubeVersion"].startswith(f">={oldest}.0")
    assert meta.get("appVersion"), "appVersion is the default image tag"
