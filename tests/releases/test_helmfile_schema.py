"""helmfile.yaml against ci/helmfile.schema.json, the JSON Schema of the subset of helmfile
v1's configuration the repository uses (helmfile itself cannot run here; CI's helmfile job
runs `helmfile lint` and `helmfile -e prod template` on it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "ci" / "helmfile.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def errors(part: Any) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(part)
    ]


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_part_of_the_real_helmfile_validates() -> None:
    parts = list(yaml.safe_load_all((ROOT / "helmfile.yaml").read_text()))
    assert len(parts) == 2
    for number, part in enumerate(parts, start=1):
        assert errors(part) == [], f"part {number}"


RELEASE = {
    "name": "web",
    "namespace": "shop",
    "chart": "./charts/api",
    "values": ["values/web.yaml", "values/env/{{ .Environment.Name }}.yaml"],
    "missingFileHandler": "Info",
    "needs": ["shop/db"],
    "labels": {"team": "shop"},
}


@pytest.mark.parametrize(
    "part",
    [
        pytest.param({"environments": {"default": None, "prod": None}}, id="bare-environments"),
        pytest.param(
            {"environments": {"default": {}, "prod": {"values": ["env/prod.yaml", {"a": 1}]}}},
            id="environment-values",
        ),
        pytest.param({"releases": [RELEASE]}, id="release-with-needs"),
        pytest.param({"releases": []}, id="no-releases"),
    ],
)
def test_documented_forms_are_accepted(part: dict[str, Any]) -> None:
    assert errors(part) == []


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        pytest.param(
            {"environments": {"default": {}}, "releases": []},
            "is not valid under any of the given schemas",
            id="environments-and-releases-in-one-part",
        ),
        pytest.param({"environments": {"prod": {}}}, "'default' is a required", id="no-default"),
        pytest.param(
            {"releases": [{**RELEASE, "needs": ["db"]}]},
            "releases.0.needs.0: 'db' does not match",
            id="need-without-namespace",
        ),
        pytest.param(
            {"releases": [{**RELEASE, "namspace": "shop"}]},
            "'namspace' was unexpected",
            id="typo",
        ),
        pytest.param(
            {"releases": [{**RELEASE, "missingFileHandler": "Ignore"}]},
            "'Ignore' is not one of",
            id="bad-missing-file-handler",
        ),
        pytest.param(
            {"releases": [{**RELEASE, "values": ["values/{{ .Release.Name }}.yaml"]}]},
            "releases.0.values.0",
            id="other-template",
        ),
        pytest.param({"repositories": []}, "is not valid under any", id="neither"),
    ],
)
def test_malformed_parts_are_refused(part: dict[str, Any], expected: str) -> None:
    found = errors(part)
    assert any(expected in e for e in found), found
