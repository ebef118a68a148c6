"""chartkit.tools.answer_store: JSON entries by key, written whole, bounded in number."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chartkit.tools import answer_store
from chartkit.tools.answer_store import AnswerStore


def test_an_entry_reads_back_and_a_missing_or_damaged_one_reads_as_none(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "store")
    assert store.read("k1") is None
    store.write("k1", {"stdout": "text"})
    assert AnswerStore(tmp_path / "store").read("k1") == {"stdout": "text"}
    (tmp_path / "store/k1.json").write_text('{"stdout": ')
    assert store.read("k1") is None
    (tmp_path / "store/k1.json").write_text("[1]")
    assert store.read("k1") is None
    assert not list((tmp_path / "store").glob(".entry-*"))  # no temporary file left


def test_an_unwritable_directory_only_costs_speed(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    store = AnswerStore(tmp_path / "file" / "store")
    store.write("k1", {"stdout": "text"})
    assert store.read("k1") is None


def test_past_the_limit_the_half_used_longest_ago_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer_store, "MAX_ENTRIES", 4)
    for index in range(5):
        (tmp_path / f"old-{index}.json").write_text("{}")
        os.utime(tmp_path / f"old-{index}.json", ns=(index + 1, index + 1))
    store = AnswerStore(tmp_path)
    assert store.read("old-0") == {}  # read: used now
    store.write("new", {})
    left = sorted(path.name for path in tmp_path.glob("*.json"))
    assert left == ["new.json", "old-0.json", "old-3.json", "old-4.json"]
    store.write("newer", {})  # once per store: no second pruning
    assert len(list(tmp_path.glob("*.json"))) == 5
