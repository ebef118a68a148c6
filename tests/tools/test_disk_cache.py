"""chartkit.tools.disk_cache: built once, read back by the next process, never stale."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from chartkit.tools import disk_cache
from chartkit.tools.disk_cache import DiskCache, digest, files_digest


class Builds:
    """A build function that counts its calls."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def test_an_entry_is_built_once_and_read_back_by_another_cache(tmp_path: Path) -> None:
    build = Builds({"kinds": ["Pod", "Service"]})
    assert DiskCache(tmp_path).json("index", "k1", build) == {"kinds": ["Pod", "Service"]}
    assert DiskCache(tmp_path).json("index", "k1", build) == {"kinds": ["Pod", "Service"]}
    assert build.calls == 1
    assert [p.name for p in tmp_path.iterdir()] == ["index-k1.json"]


def test_a_new_key_builds_again_and_removes_the_older_entry(tmp_path: Path) -> None:
    old, new = digest(["a"]), digest(["b"])
    DiskCache(tmp_path).json("index", old, Builds(1))
    DiskCache(tmp_path).json("other", old, Builds(2))
    build = Builds(3)
    assert DiskCache(tmp_path).json("index", new, build) == 3
    assert build.calls == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"index-{new}.json", f"other-{old}.json"]


@pytest.mark.parametrize("damage", ["{not json", '{"other": 1}', ""])
def test_a_damaged_entry_is_built_again(tmp_path: Path, damage: str) -> None:
    key = digest(["x"])
    DiskCache(tmp_path).json("index", key, Builds([1]))
    (tmp_path / f"index-{key}.json").write_text(damage)
    build = Builds([2])
    assert DiskCache(tmp_path).json("index", key, build) == [2]
    assert build.calls == 1
    assert DiskCache(tmp_path).json("index", key, Builds([3])) == [2]


def test_a_directory_that_cannot_be_written_only_costs_speed(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    cache = DiskCache(blocked / "cache")
    build = Builds("v")
    assert cache.json("index", "k", build) == "v"
    assert cache.json("index", "k", build) == "v"  # kept in memory
    assert build.calls == 1


def test_a_value_that_is_not_json_stays_in_memory(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    assert cache.json("index", "k", Builds({1, 2})) == {1, 2}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", [{1: "a"}, [{"x": {None: 1}}], ({True: 0},)], ids=repr)
def test_a_value_json_would_change_stays_in_memory(tmp_path: Path, value: object) -> None:
    cache = DiskCache(tmp_path)
    assert cache.json("index", "k", Builds(value)) == value
    assert list(tmp_path.iterdir()) == []
    assert DiskCache(tmp_path).read("index", "k") is None


def test_without_a_directory_entries_live_in_memory() -> None:
    cache = DiskCache(None)
    build = Builds("v")
    cache.json("index", "k", build)
    cache.json("index", "k", build)
    assert build.calls == 1
    assert cache.read("index", "other") is None
    cache.write("index", "other", [1])
    assert cache.read("index", "other") == [1]


def test_digests_change_with_any_part(tmp_path: Path) -> None:
    assert digest(["ab", "c"]) != digest(["a", "bc"])
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("x")
    second.write_text("y")
    before = files_digest([first, second])
    assert files_digest([first, second]) == before
    second.write_text("z")
    assert files_digest([first, second]) != before
    assert len(before) == 24


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The .yaml files read from now on (the cache's own entries are .json)."""
    reads: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        if self.suffix == ".yaml":
            reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return reads


def later(monkeypatch: pytest.MonkeyPatch, seconds: int = 10) -> None:
    """The clock `seconds` ahead: files written now are settled by then."""
    real = time.time_ns
    monkeypatch.setattr(disk_cache.time, "time_ns", lambda: real() + seconds * 10**9)


def test_a_cache_reads_unchanged_files_once_for_their_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crd.yaml"
    path.write_text("kind: A\n")
    later(monkeypatch)
    cache = DiskCache(tmp_path / "cache")
    first = cache.files_digest([path])
    assert first == files_digest([path])
    reads = counting_reads(monkeypatch)
    assert cache.files_digest([path]) == first
    # another process: the digest is on disk, the file is not read again
    assert DiskCache(tmp_path / "cache").files_digest([path]) == first
    assert reads == []
    path.write_text("kind: Bigger\n")
    assert cache.files_digest([path]) != first
    assert reads == [path]


def test_a_file_changed_in_place_is_read_again_whatever_its_size_and_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crd.yaml"
    path.write_text("kind: A\n")
    before = path.stat()
    later(monkeypatch)
    cache = DiskCache(tmp_path / "cache")
    first = cache.files_digest([path])
    time.sleep(0.01)
    path.write_text("kind: B\n")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old mtime
    assert DiskCache(tmp_path / "cache").files_digest([path]) != first  # ctime told


def test_a_file_changed_just_now_is_hashed_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crd.yaml"
    path.write_text("kind: A\n")
    cache = DiskCache(tmp_path / "cache")
    first = cache.files_digest([path])
    reads = counting_reads(monkeypatch)
    assert DiskCache(tmp_path / "cache").files_digest([path]) == first
    assert reads == [path]  # too recent to trust its state: a change may be hidden
    assert not list((tmp_path / "cache").glob("file-digests-*.json"))


def test_the_digests_of_deleted_files_are_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone, kept = tmp_path / "gone.yaml", tmp_path / "kept.yaml"
    gone.write_text("a: 1\n")
    kept.write_text("b: 2\n")
    later(monkeypatch)
    DiskCache(tmp_path / "cache").files_digest([gone])
    gone.unlink()
    DiskCache(tmp_path / "cache").files_digest([kept])
    (entry,) = (tmp_path / "cache").glob("file-digests-*.json")
    assert list(json.loads(entry.read_text())["value"]) == [str(kept)]


def test_an_entry_read_with_keep_false_is_not_held_in_memory(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    assert cache.json("defs", "k", Builds({"a": 1}), keep=False) == {"a": 1}
    assert cache._memory == {}
    assert cache.json("defs", "k", Builds("unused"), keep=False) == {"a": 1}  # from disk


def test_entries_are_written_whole_and_readable_by_others(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        DiskCache(tmp_path).write("entry", digest(["k"]), {"a": 1})
    finally:
        os.umask(previous)
    (entry,) = tmp_path.glob("entry-*.json")
    assert entry.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == [entry.name]  # no temporary file left
