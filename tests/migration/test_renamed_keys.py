"""Migration of every renamed key of every chart: one generated case per renamed-keys.yaml
entry (the old key with a value moves to each new key, reshaped as its note says), then a
file holding every old key of a chart, migrated, renders with the chart."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.migration.document import ValuesDocument
from chartkit.migration.rewrite import Migration, Names, migrate, plain
from chartkit.migration.table import RenamedKey, renamed_keys
from chartkit.releases.inventory import find_root, load
from chartkit.releases.values import supplied_values
from chartkit.tools.helm import Helm

ROOT = find_root(Path(__file__).parent)
CHARTS = sorted(p.parent for p in (ROOT / "charts").glob("*/renamed-keys.yaml"))
TABLES = {chart: renamed_keys(chart) for chart in CHARTS}
DEFAULTS = {chart: yaml.safe_load((chart / "values.yaml").read_text()) for chart in CHARTS}
CASES = [(chart, entry) for chart in CHARTS for entry in TABLES[chart]]
# Values for new keys whose chart default is empty: each valid where it goes.
SAMPLES: dict[str, Any] = {
    "serviceName": "sample-api",
    "version": "canary",
    "podAntiAffinityPreset": "soft",
    "imagePullSecrets": ["regcred"],
    "loadBalancerSourceRanges": ["10.0.0.0/8"],
    "extraVolumeMounts": [{"name": "logs", "mountPath": "/logs"}],
    "command": ["/bin/sh", "-c", "true"],
    "nvidia.com/gpu": 0,
}
SIDECAR = {
    "name": "extra",
    "image": {"repository": "docker.io/library/busybox", "tag": "1.37.0"},
    "command": ["sleep", "infinity"],
    "resources": {
        "requests": {"cpu": "10m", "memory": "16Mi"},
        "limits": {"cpu": "50m", "memory": "32Mi"},
    },
}


def defaults(chart: Path) -> dict[str, Any]:
    return copy.deepcopy(DEFAULTS[chart])


def star_keys(chart: Path, entry: RenamedKey) -> list[str]:
    """What `*` stands for in this chart: the first two keys of the map there."""
    if "*" not in entry.key:
        return []
    node: Any = defaults(chart)
    for part in entry.key[: entry.key.index("*")]:
        node = node[part]
    return list(node)[:2]


def fill(path: tuple[str, ...], star: str) -> tuple[str, ...]:
    return tuple(star if part == "*" else part for part in path)


def sample(chart: Path, entry: RenamedKey, star: str) -> Any:
    """A value for the old key: the chart's default at its (first) new key when it has
    one, else one from SAMPLES; in the old shape where the shape changed."""
    if entry.list_form:
        return [dict(SIDECAR)]
    if entry.reshape:
        return {
            "SAMPLE_SECRET": {
                k: True if k == "optional" else f"s-{v}" for k, v in entry.reshape.old.items()
            }
        }
    node: Any = defaults(chart)
    for part in fill(entry.targets[0], star):
        node = node.get(part) if isinstance(node, dict) else None
    return copy.deepcopy(node) if node not in (None, "", [], {}) else SAMPLES[entry.targets[0][-1]]


def expected(entry: RenamedKey, value: Any) -> Any:
    if entry.list_form:
        return {item["name"]: {k: v for k, v in item.items() if k != "name"} for item in value}
    if entry.reshape:
        return {name: entry.reshape.apply(item) for name, item in value.items()}
    return value


def nest(path: tuple[str, ...], value: Any, into: dict[str, Any] | None = None) -> dict:
    into = {} if into is None else into
    node = into
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return into


def run(
    helm: Helm, chart: Path, text: str, settings: dict[str, Any] | None = None
) -> tuple[Migration, str]:
    """Migrate text as a file of chart with the settings in a file before it."""
    document = ValuesDocument(text)

    def layered(own: dict[str, Any]) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as workdir:
            files = [Path(workdir) / "settings.yaml", Path(workdir) / "own.yaml"]
            for file, values in zip(files, (settings or {}, own), strict=True):
                file.write_text(json.dumps(values))
            return supplied_values(helm, [chart / "values.yaml", *files])

    result = migrate(document, TABLES[chart], layered, lambda: Names("sample-api", "team"))
    return result, document.text()


@pytest.fixture(scope="session")
def helm(renderer) -> Helm:
    return renderer.helm()


@pytest.mark.parametrize(
    ("chart", "entry"), CASES, ids=[f"{chart.name}:{entry.old}" for chart, entry in CASES]
)
def test_each_old_key_moves_to_its_new_keys(helm, chart: Path, entry: RenamedKey) -> None:
    stars = star_keys(chart, entry) or [""]
    values: dict[str, Any] = {"kept": "before"}
    for star in stars:
        nest(fill(entry.key, star), sample(chart, entry, star), values)
    values["last"] = "after"
    settings = {entry.only_when.key.split(".")[0]: {"enabled": False}} if entry.only_when else {}
    result, text = run(helm, chart, yaml.safe_dump(values, sort_keys=False), settings)

    assert not result.manual, result.manual
    migrated = yaml.safe_load(text)
    assert [*migrated][:: len(migrated) - 1] == ["kept", "last"]
    for star in stars:
        old = fill(entry.key, star)
        value = sample(chart, entry, star)
        assert any(change.startswith(".".join(old)) for change in result.changes), result.changes
        for target in entry.targets:
            node: Any = migrated
            for part in fill(target, star):
                node = node[part]
            assert node == expected(entry, value), (target, text)
        if not entry.list_form:
            assert ValuesDocument(text).has(old) is False, text
    again, unchanged = run(helm, chart, text, settings)
    assert not again.changes and unchanged == text


@pytest.mark.parametrize(
    ("chart", "entry"),
    [(c, e) for c, e in CASES if e.only_when],
    ids=[f"{c.name}:{e.old}" for c, e in CASES if e.only_when],
)
def test_a_key_kept_only_in_one_mode_is_removed_elsewhere_with_the_reason(
    helm, chart: Path, entry: RenamedKey
) -> None:
    result, text = run(helm, chart, yaml.safe_dump(nest(entry.key, "canary")))
    assert entry.key[0] not in yaml.safe_load(text) or not yaml.safe_load(text)[entry.key[0]]
    for target in entry.targets:
        assert not ValuesDocument(text).has(target)
    (change,) = result.changes
    assert change.startswith(f"{entry.old} removed") and entry.only_when.key in change
    assert "kubectl argo rollouts promote sample-api -n team" in change


def old_form_of_every_key(chart: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for entry in TABLES[chart]:
        for star in star_keys(chart, entry) or [""]:
            if not entry.only_when:
                nest(fill(entry.key, star), sample(chart, entry, star), values)
    return values


@pytest.mark.parametrize("chart", CHARTS, ids=[c.name for c in CHARTS])
def test_a_file_with_every_old_key_migrated_renders(helm, render_chart, chart, tmp_path) -> None:
    release = next(r for r in load(ROOT).releases if r.chart == chart)
    result, text = run(helm, chart, yaml.safe_dump(old_form_of_every_key(chart)))
    assert not result.manual, result.manual
    migrated = tmp_path / "migrated.yaml"
    migrated.write_text(text)
    manifest = render_chart(
        chart.name,
        *(str(v) for v in release.values),
        str(migrated),
        release=release.name,
        namespace=release.namespace,
    )
    assert manifest.workloads()


def test_every_table_entry_is_generated_here() -> None:
    tables = sum(
        len(yaml.safe_load((c / "renamed-keys.yaml").read_text())["renamed"]) for c in CHARTS
    )
    assert len(CASES) == tables and {c.name for c in CHARTS} >= {"api", "ecp-tenant"}
    assert plain(ValuesDocument("a: {b: 1}\n").data) == {"a": {"b": 1}}
