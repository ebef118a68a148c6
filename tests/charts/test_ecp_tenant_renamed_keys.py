"""charts/ecp-tenant renamed keys (renamed-keys.yaml): a 1.x values file fails naming every
old key, where it was found (`*` parts name the catalog service) and its new name, under both
pinned helm versions; the schema admits every old key so that message is what a user sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers.helm_versions import HELMS

CHART = "ecp-tenant"
NAMESPACE = "ecp-tenants"
LEGACY = "tests/charts/fixtures/values/ecp-tenant-1x.yaml"
BASE = {"tenant.id": "edge", "tenant.preset": "large", "services": {"stt": {"sessions": 10}}}
# A value of the old form for each old key; `*` stands for a catalog service.
OLD_VALUES: dict[str, Any] = {
    "catalog.*.secretEnv": {"STT_VENDOR_TOKEN": {"secretName": "stt-vendor", "key": "token"}},
    "catalog.*.resources.cpu": "4",
    "catalog.*.resources.memory": "16Gi",
    "catalog.*.resources.gpu": 1,
    "rollingUpdate.maxSurge": 1,
    "rollingUpdate.maxUnavailable": 0,
    "tmp.sizeLimit": "1Gi",
    "podAntiAffinity": "soft",
    "serviceAccount.automountToken": False,
}


@pytest.fixture(scope="session")
def table(repo_root: Path) -> list[dict[str, Any]]:
    return yaml.safe_load((repo_root / "charts" / CHART / "renamed-keys.yaml").read_text())[
        "renamed"
    ]


def nested(path: str, value: Any) -> dict[str, Any]:
    """{"a": {"b": value}} for "a.b" (--set-json would read a dot inside a key as a level)."""
    head, _, rest = path.partition(".")
    return {head: nested(rest, value) if rest else value}


@pytest.mark.parametrize("helm", HELMS)
def test_a_1x_values_file_fails_naming_every_key_and_where_it_is(chart_error, helm) -> None:
    error = chart_error(CHART, LEGACY, release="legacy", namespace=NAMESPACE, helm=helm)
    assert "renamed in chart ecp-tenant (see its renamed-keys.yaml)" in error
    for line in (
        "catalog.stt.secretEnv is now catalog.stt.env (since 2.0.0): each NAME: {secretName: s,"
        " key: k, optional: o} becomes NAME: {secretKeyRef: {name: s, key: k, optional: o}}",
        "catalog.stt.resources.cpu is now catalog.stt.resources.limits.cpu",
        "catalog.stt.resources.memory is now catalog.stt.resources.limits.memory",
        "catalog.stt.resources.gpu is now catalog.stt.resources.limits.nvidia.com/gpu",
        "rollingUpdate.maxSurge is now updateStrategy.rollingUpdate.maxSurge",
        "rollingUpdate.maxUnavailable is now updateStrategy.rollingUpdate.maxUnavailable",
        "tmp.sizeLimit is now tmpDir.sizeLimit",
        "podAntiAffinity is now podAntiAffinityPreset",
        "serviceAccount.automountToken is now serviceAccount.automountServiceAccountToken",
    ):
        assert f"  - {line}" in error, line
    assert "`chartkit migrate <values file>` rewrites them" in error
    # the message names the keys found, not the other catalog services
    assert "catalog.tts." not in error and "catalog.*" not in error


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("old", sorted(OLD_VALUES))
def test_every_old_key_names_its_new_key(chart_error, table, old, helm) -> None:
    (entry,) = [e for e in table if e["key"] == old]
    service = "tts"  # the old key in one catalog entry: the message names that entry
    key = old.replace("*", service)
    values = {**BASE, **nested(key, OLD_VALUES[old])}
    error = chart_error(CHART, set_values=values, release="edge", namespace=NAMESPACE, helm=helm)
    assert f"values error: {key}:" in error
    assert f"{key} is now {entry['to'].replace('*', service)}" in error
    assert "chartkit migrate" in error


def test_a_catalog_entry_a_values_file_adds_is_checked_too(chart_error, repo_root) -> None:
    chatbot = yaml.safe_load((repo_root / "charts" / CHART / "values.yaml").read_text())["catalog"][
        "chatbot"
    ]
    summarizer = {**chatbot, "resources": {"cpu": "1", "memory": "2Gi", "gpu": 0}}
    values = {**BASE, "catalog": {"summarizer": summarizer}}
    error = chart_error(CHART, set_values=values, release="edge", namespace=NAMESPACE)
    old = ", ".join(f"catalog.summarizer.resources.{r}" for r in ("cpu", "memory", "gpu"))
    assert f"values error: {old}: renamed in chart ecp-tenant" in error
    assert "catalog.summarizer.resources.gpu is now catalog.summarizer.resources.limits" in error


def test_the_table_lists_every_old_key_once_and_this_test_covers_it(table) -> None:
    assert sorted(e["key"] for e in table) == sorted(OLD_VALUES)


def test_every_old_key_is_admitted_by_the_schema_and_is_not_a_current_key(repo_root, table):
    """The schema lets each old key through (deprecated) in every catalog entry, so the
    templates can name its new key; the chart's own values.yaml sets none of them."""
    schema = json.loads((repo_root / "charts" / CHART / "values.schema.json").read_text())
    defaults = yaml.safe_load((repo_root / "charts" / CHART / "values.yaml").read_text())
    for entry in table:
        node: Any = schema
        values: list[Any] = [defaults]
        for part in entry["key"].split("."):
            if part == "*":
                node = node["additionalProperties"]
                values = [v for d in values if isinstance(d, dict) for v in d.values()]
            else:
                node = node["properties"][part]
                values = [d.get(part) for d in values if isinstance(d, dict)]
        assert node.get("deprecated") is True, entry["key"]
        assert "Renamed:" in node["description"]
        assert all(v is None for v in values), entry["key"]
