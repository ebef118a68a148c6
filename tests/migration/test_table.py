"""renamed-keys.yaml as migration reads it: the notes it acts on, and dotted paths split
with the chart's schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartkit.migration.schema_paths import split_path
from chartkit.migration.table import TableError, load_schema, renamed_keys
from chartkit.releases.inventory import find_root

ROOT = find_root(Path(__file__).parent)


def test_a_key_with_a_dot_is_one_key_where_the_schema_says_so() -> None:
    schema = load_schema(ROOT / "charts" / "ecp-tenant")
    assert split_path("catalog.*.resources.limits.nvidia.com/gpu", schema) == (
        "catalog",
        "*",
        "resources",
        "limits",
        "nvidia.com/gpu",
    )
    assert split_path("catalog.*.resources.limits.cpu", schema)[-2:] == ("limits", "cpu")
    assert split_path("a.b.c", None) == ("a", "b", "c")


def test_the_notes_migration_acts_on_are_read() -> None:
    api = {entry.old: entry for entry in renamed_keys(ROOT / "charts" / "api")}
    version = api["service.version"].only_when
    assert version is not None
    assert (version.key, version.value) == ("rollouts.enabled", False)
    assert version.reason.startswith("Argo Rollouts labels canary and stable pods itself")
    reshape = api["secretEnv"].reshape
    assert reshape is not None
    assert reshape.apply({"secretName": "db", "key": "url"}) == {
        "secretKeyRef": {"name": "db", "key": "url"}
    }
    assert not reshape.fits({"secretKeyRef": {"name": "db", "key": "url"}})
    assert api["sidecars"].list_form and not api["servicemonitor"].list_form


def test_every_note_is_acted_on_or_is_for_the_reader() -> None:
    """A note that starts like an instruction must parse: a typo would silently turn a
    reshape into a plain rename."""
    for chart in sorted(p.parent for p in (ROOT / "charts").glob("*/renamed-keys.yaml")):
        for entry in renamed_keys(chart):
            if entry.note.startswith("each "):
                assert entry.reshape is not None, (chart.name, entry.old)
            if entry.note.startswith("only "):
                assert entry.only_when is not None, (chart.name, entry.old)


def test_a_note_with_a_shape_that_does_not_parse_is_named(tmp_path: Path) -> None:
    chart = tmp_path / "c"
    chart.mkdir()
    (chart / "renamed-keys.yaml").write_text(
        "renamed:\n  - key: a\n    to: b\n    note: 'each NAME: {x: [1} becomes NAME: {y: 1}'\n"
    )
    with pytest.raises(TableError, match=r"c/renamed-keys.yaml: renamed\[0\] \(a\): note"):
        renamed_keys(chart)
