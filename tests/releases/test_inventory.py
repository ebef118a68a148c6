"""Unit tests for chartkit.releases.inventory: the real helmfile.yaml, and malformed inventories."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.releases.helmfile import OVERLAY_ENTRY, merge_parts
from chartkit.releases.inventory import (
    INVENTORY_FILE,
    Inventory,
    InventoryError,
    Overlay,
    Release,
    find_root,
    load,
)
from helpers.fresh_python import run_python

# -- the repository's own inventory ------------------------------------------------------------


@pytest.fixture(scope="module")
def real(repo_root: Path) -> Inventory:
    return load(repo_root)


def test_real_inventory_matches_helmfile(real: Inventory, repo_root: Path) -> None:
    entries = merge_parts((repo_root / INVENTORY_FILE).read_text())["releases"]
    assert [r.name for r in real.releases] == [e["name"] for e in entries]
    assert [r.namespace for r in real.releases] == [e["namespace"] for e in entries]


def test_real_release_names_are_unique(real: Inventory) -> None:
    names = [r.name for r in real.releases]
    assert names and len(names) == len(set(names))


def test_every_real_release_has_a_chart_and_values_files(real: Inventory, repo_root: Path) -> None:
    for release in real.releases:
        assert release.chart.is_absolute()
        assert (release.chart / "Chart.yaml").is_file(), release.name
        assert release.chart.is_relative_to(repo_root.resolve() / "charts"), release.name
        assert release.values, f"{release.name} has no values file"
        for values in release.values:
            assert values.is_absolute() and values.is_file(), (release.name, values)
        assert release.labels.get("team"), release.name


def test_real_environments_and_their_overlays(real: Inventory, repo_root: Path) -> None:
    assert real.environments == ("default", "dev", "prod")
    assert [o.name for o in real.overlays] == ["dev", "prod"]
    prod = real.overlay("prod")
    assert prod.path == repo_root / "values" / "env" / "prod.yaml"
    assert prod.path.is_file()
    assert real.environment_overlay("default") is None
    assert real.environment_overlay("dev") == real.overlay("dev")


def test_real_helmfile_follows_the_v1_layout(repo_root: Path) -> None:
    """Environments in a part of their own, every release taking its environment's overlay
    last, and the default environment's absent overlay let through."""
    parts = list(yaml.safe_load_all((repo_root / INVENTORY_FILE).read_text()))
    assert [sorted(p) for p in parts] == [["environments"], ["releases"]]
    for entry in parts[1]["releases"]:
        assert entry["values"][-1] == OVERLAY_ENTRY, entry["name"]
        assert entry["missingFileHandler"] == "Info", entry["name"]
    assert not (repo_root / "values" / "env" / "default.yaml").exists()


def test_real_needs_in_helmfile_form(real: Inventory) -> None:
    assert real.release("seedtest-api").needs == ("r-analytics",)
    order = [r.name for r in real.in_install_order()]
    assert order.index("r-analytics") < order.index("seedtest-api")
    assert sorted(order) == sorted(r.name for r in real.releases)


def test_real_charts_and_lookup(real: Inventory) -> None:
    charts = real.charts()
    assert charts == sorted(set(charts))
    assert {c.name for c in charts} == {r.chart_name for r in real.releases}
    first = real.releases[0]
    assert real.release(first.name) is first


# -- a throwaway repository ----------------------------------------------------------------------


def make_repo(root: Path, releases: Any) -> Path:
    for chart in ("api", "worker"):
        (root / "charts" / chart).mkdir(parents=True, exist_ok=True)
        (root / "charts" / chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {chart}\n")
    (root / "charts" / "not-a-chart").mkdir(exist_ok=True)
    (root / "values" / "env").mkdir(parents=True, exist_ok=True)
    for name in ("a.yaml", "b.yaml", "env/prod.yaml", "env/dev.yaml"):
        (root / "values" / name).write_text("{}\n")
    (root / "values" / "env" / "README.md").write_text("not an overlay\n")
    if isinstance(releases, str):
        document = releases
    else:
        document = ENVIRONMENTS + "---\n" + yaml.safe_dump({"releases": releases})
    (root / INVENTORY_FILE).write_text(document)
    return root


ENVIRONMENTS = "environments:\n  default: {}\n  dev: {}\n  prod: {}\n"


def entry(name: str = "foo", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "namespace": "shop",
        "chart": "./charts/api",
        "values": ["values/a.yaml"],
        "missingFileHandler": "Info",
    }
    base.update(fields)
    if isinstance(base["values"], list):
        base["values"] = [*base["values"], OVERLAY_ENTRY]
    return {k: v for k, v in base.items() if v is not None}


GOOD = entry("good")


def test_valid_inventory(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        [
            entry("api", values=["values/a.yaml", "values/b.yaml"], labels={"tier": "api"}),
            entry("worker", namespace="jobs", chart="charts/worker", values=[]),
            {
                "name": "bare",
                "namespace": "shop",
                "chart": "./charts/api",
                "values": [OVERLAY_ENTRY],
                "missingFileHandler": "Debug",
            },
        ],
    )
    inventory = load(root)
    api, worker, bare = inventory.releases
    assert api == Release(
        name="api",
        namespace="shop",
        chart=(root / "charts/api").resolve(),
        values=((root / "values/a.yaml").resolve(), (root / "values/b.yaml").resolve()),
    )
    assert api.labels == {"tier": "api"}
    assert api.chart_name == "api"
    assert worker.chart == (root / "charts/worker").resolve() and worker.values == ()
    assert bare.values == () and bare.labels == {}
    assert inventory.overlays == (
        Overlay("dev", root / "values/env/dev.yaml"),
        Overlay("prod", root / "values/env/prod.yaml"),
    )
    assert inventory.charts() == [
        (root / "charts/api").resolve(),
        (root / "charts/worker").resolve(),
    ]


def test_without_environments_only_default_exists(tmp_path: Path) -> None:
    """helmfile's implicit environment: releases need no overlay entry, and files in
    values/env are not overlays of anything."""
    bare = {"name": "api", "namespace": "shop", "chart": "./charts/api", "values": []}
    root = make_repo(tmp_path, yaml.safe_dump({"releases": [bare]}))
    inventory = load(root)
    assert inventory.environments == ("default",)
    assert inventory.overlays == ()
    with pytest.raises(InventoryError, match=r"no environment with an overlay named 'prod'"):
        inventory.overlay("prod")


BAD_ENTRIES = [
    pytest.param(entry(name=None), "releases[1]", "`name`", id="missing-name"),
    pytest.param(entry(name="Foo_Bar"), "releases[1] (Foo_Bar)", "`name`", id="bad-name"),
    pytest.param(entry(name="x" * 54), "releases[1] (" + "x" * 54 + ")", "`name`", id="long-name"),
    pytest.param(entry(name=42), "releases[1]", "`name`", id="name-not-a-string"),
    pytest.param(entry(namespace="Shop_NS"), "releases[1] (foo)", "`namespace`", id="bad-ns"),
    pytest.param(entry(namespace=None), "releases[1] (foo)", "`namespace`", id="missing-ns"),
    pytest.param(entry(chart=None), "releases[1] (foo)", "`chart`", id="missing-chart"),
    pytest.param(entry(chart=""), "releases[1] (foo)", "`chart`", id="empty-chart"),
    pytest.param(
        entry(chart="./charts/not-a-chart"), "releases[1] (foo)", "no Chart.yaml", id="not-a-chart"
    ),
    pytest.param(
        entry(chart="./charts/missing"), "releases[1] (foo)", "'./charts/missing'", id="no-dir"
    ),
    pytest.param(
        {**entry(), "values": "values/a.yaml"}, "releases[1] (foo)", "`values`", id="not-a-list"
    ),
    pytest.param(
        entry(values=["values/a.yaml", "values/nope.yaml"]),
        "releases[1] (foo)",
        "values[1] 'values/nope.yaml' does not exist",
        id="values-file-missing",
    ),
    pytest.param(
        entry(values=[{"replicas": 2}]), "releases[1] (foo)", "values[0]", id="inline-values"
    ),
    pytest.param(entry(labels={"tier": 1}), "releases[1] (foo)", "`labels`", id="label-not-str"),
    pytest.param(entry(labels=["tier"]), "releases[1] (foo)", "`labels`", id="labels-not-a-map"),
    pytest.param("foo", "releases[1]", "expected a mapping, got str", id="not-a-mapping"),
    pytest.param(["foo"], "releases[1]", "expected a mapping, got list", id="list-entry"),
    pytest.param(entry("good"), "releases[1] (good)", "releases[0]", id="duplicate-name"),
    pytest.param(
        {**entry(), "values": ["values/a.yaml"]},
        "releases[1] (foo)",
        f"`values` must end with {OVERLAY_ENTRY!r}",
        id="no-overlay-entry",
    ),
    pytest.param(
        {**entry(), "values": [OVERLAY_ENTRY, "values/a.yaml"]},
        "releases[1] (foo)",
        "values[0]",
        id="overlay-entry-not-last",
    ),
    pytest.param(
        {**entry(), "values": ["values/{{ .Release.Name }}.yaml", OVERLAY_ENTRY]},
        "releases[1] (foo)",
        "values[0] 'values/{{ .Release.Name }}.yaml'",
        id="other-template",
    ),
    pytest.param(
        entry(missingFileHandler=None),
        "releases[1] (foo)",
        "`missingFileHandler` must be Info",
        id="no-missing-file-handler",
    ),
    pytest.param(
        entry(missingFileHandler="Error"),
        "releases[1] (foo)",
        "got 'Error'",
        id="missing-file-handler-error",
    ),
    pytest.param(entry(needs="shop/good"), "releases[1] (foo)", "`needs`", id="needs-not-a-list"),
    pytest.param(
        entry(needs=["shop/gone"]),
        "releases[1] (foo)",
        "needs[0] 'shop/gone' names no release",
        id="unknown-need",
    ),
    pytest.param(
        entry(needs=["good"]),
        "releases[1] (foo)",
        "needs[0] 'good' names no release: write it as <namespace>/<name>",
        id="need-without-namespace",
    ),
    pytest.param(
        entry(needs=["other/good"]),
        "releases[1] (foo)",
        "needs[0] 'other/good'",
        id="need-in-the-wrong-namespace",
    ),
]


@pytest.mark.parametrize(("bad", "where", "field"), BAD_ENTRIES)
def test_malformed_entry_names_entry_and_field(
    tmp_path: Path, bad: Any, where: str, field: str
) -> None:
    root = make_repo(tmp_path, [GOOD, bad, entry("later")])
    with pytest.raises(InventoryError) as raised:
        load(root)
    message = str(raised.value)
    assert message.startswith(f"{INVENTORY_FILE}: {where}: "), message
    assert field in message


def test_duplicate_name_is_reported_at_the_second_use(tmp_path: Path) -> None:
    root = make_repo(tmp_path, [entry("a"), entry("b"), entry("a", namespace="other")])
    with pytest.raises(
        InventoryError, match=re.escape("releases[2] (a): name already used by releases[0]")
    ):
        load(root)


def test_needs_in_a_cycle_are_refused_naming_both(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        [entry("a", needs=["shop/b"]), entry("b", needs=["shop/a"]), entry("c")],
    )
    with pytest.raises(InventoryError) as raised:
        load(root)
    message = str(raised.value)
    assert message.startswith(f"{INVENTORY_FILE}: `needs` form a cycle"), message
    assert "shop/a -> shop/b -> shop/a" in message or "shop/b -> shop/a -> shop/b" in message


def test_a_release_needing_itself_is_a_cycle(tmp_path: Path) -> None:
    root = make_repo(tmp_path, [entry("a", needs=["shop/a"])])
    with pytest.raises(InventoryError, match=r"cycle, shop/a -> shop/a"):
        load(root)


def test_install_order_follows_needs_across_namespaces(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        [
            entry("web", needs=["shop/api", "data/db"]),
            entry("api", needs=["data/db"]),
            entry("other"),
            entry("db", namespace="data"),
        ],
    )
    inventory = load(root)
    assert inventory.release("web").needs == ("api", "db")
    # the first release in file order whose needs are installed goes next
    assert [r.name for r in inventory.in_install_order()] == ["other", "db", "api", "web"]
    chosen = [inventory.release("web"), inventory.release("api")]
    assert [r.name for r in inventory.in_install_order(chosen)] == ["api", "web"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            "environments: {default: {}}\nreleases: []\n",
            "part 1 has both `environments:` and `releases:`; helmfile v1",
            id="environments-and-releases-in-one-part",
        ),
        pytest.param(
            "environments: {dev: {}}\n---\nreleases: []\n",
            "environments: declare `default`",
            id="no-default-environment",
        ),
        pytest.param(
            "environments: {default: {}, staging: {}}\n---\nreleases: []\n",
            "environments.staging: its overlay values/env/staging.yaml does not exist",
            id="environment-without-overlay",
        ),
        pytest.param(
            "environments: {default: {}, Prod: {}}\n---\nreleases: []\n",
            "environments.Prod: the name must be a DNS-1123 label",
            id="bad-environment-name",
        ),
        pytest.param(
            "environments: [default]\n---\nreleases: []\n",
            "`environments` must map names to settings",
            id="environments-not-a-mapping",
        ),
        pytest.param("- name: x\n", "part 1 is a list, expected a mapping", id="top-level-list"),
        pytest.param(
            "environments: {default: {}}\n---\n- releases\n",
            "part 2 is a list, expected a mapping",
            id="part-not-a-mapping",
        ),
    ],
)
def test_malformed_helmfile_layout(tmp_path: Path, document: str, message: str) -> None:
    root = make_repo(tmp_path, document)
    with pytest.raises(InventoryError) as raised:
        load(root)
    assert message in str(raised.value)


def test_an_overlay_for_the_default_environment_is_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path, [GOOD])
    (root / "values" / "env" / "default.yaml").write_text("{}\n")
    with pytest.raises(InventoryError, match=r"environments.default: values/env/default.yaml"):
        load(root)


def test_later_parts_override_earlier_ones(tmp_path: Path) -> None:
    later = yaml.safe_dump({"releases": [entry("second")]})
    root = make_repo(tmp_path, [entry("first")])
    path = root / INVENTORY_FILE
    path.write_text(path.read_text() + "---\n" + later)
    assert [r.name for r in load(root).releases] == ["second"]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("releases: {a: 1}\n", id="releases-not-a-list"),
        pytest.param("repositories: []\n", id="no-releases"),
        pytest.param("", id="empty"),
    ],
)
def test_inventory_without_releases_list(tmp_path: Path, document: str) -> None:
    root = make_repo(tmp_path, document)
    with pytest.raises(InventoryError, match="expected a mapping with a `releases:` list"):
        load(root)


def test_invalid_yaml(tmp_path: Path) -> None:
    root = make_repo(tmp_path, "releases: [\n")
    with pytest.raises(InventoryError, match="is not valid YAML"):
        load(root)


def test_missing_inventory(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="does not exist"):
        load(tmp_path)


def test_unknown_release_and_overlay_list_the_known_ones(tmp_path: Path) -> None:
    inventory = load(make_repo(tmp_path, [entry("api"), entry("worker")]))
    with pytest.raises(InventoryError, match=r"no release named 'web'.*known: api, worker"):
        inventory.release("web")
    with pytest.raises(InventoryError, match=r"named 'staging'.*known: dev, prod"):
        inventory.overlay("staging")
    with pytest.raises(InventoryError, match=r"the default environment has no overlay"):
        inventory.overlay("default")


def test_find_root_walks_up(tmp_path: Path) -> None:
    root = make_repo(tmp_path, [GOOD])
    deep = root / "charts" / "api" / "templates"
    deep.mkdir()
    assert find_root(deep) == root.resolve()
    assert find_root(root) == root.resolve()


def test_find_root_without_inventory(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match=f"no {INVENTORY_FILE}"):
        find_root(tmp_path)


# -- the parsed helmfile, kept in the disk cache ---------------------------------------------


def test_the_next_run_reads_the_inventory_without_pyyaml(tmp_path: Path) -> None:
    root = make_repo(tmp_path, [entry("a"), entry("b")])
    load(root)  # fills the cache
    code = (
        "import sys; from pathlib import Path; from chartkit.releases.inventory import load; "
        f"names = [r.name for r in load(Path({str(root)!r})).releases]; "
        "print(names, 'yaml' in sys.modules)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['a',", "'b']", "False"]


def test_a_changed_helmfile_is_parsed_again(tmp_path: Path) -> None:
    root = make_repo(tmp_path, [entry("a")])
    assert [r.name for r in load(root).releases] == ["a"]
    make_repo(tmp_path, [entry("a"), entry("c", namespace="other")])
    assert [(r.name, r.namespace) for r in load(root).releases] == [("a", "shop"), ("c", "other")]


def test_a_helmfile_json_would_change_is_never_kept(tmp_path: Path) -> None:
    document = ENVIRONMENTS + "---\n" + yaml.safe_dump({"releases": [GOOD], 1: "a key"})
    root = make_repo(tmp_path, document)
    assert [r.name for r in load(root).releases] == ["good"]
    assert not list((root / ".cache" / "chartkit").glob("helmfile-state-*.json"))
