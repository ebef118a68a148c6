"""chartkit.tools.cache_files: which install of a file this is, and files written whole."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from chartkit.tools.cache_files import file_identity, write_whole


def test_a_rebuilt_binary_has_another_identity(tmp_path: Path) -> None:
    binary = tmp_path / "tool"
    binary.write_text("one")
    first = file_identity(binary)
    (tmp_path / "link").symlink_to(binary)
    assert file_identity(tmp_path / "link") == first  # the file, not the name it has
    binary.write_text("two!")
    assert file_identity(binary) != first
    binary.unlink()
    assert file_identity(binary) == f"{binary}: missing"


def test_a_file_is_written_whole_and_readable_by_others(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        assert write_whole(tmp_path / "sub" / "entry.json", "ünï\udcff")
    finally:
        os.umask(previous)
    (entry,) = (tmp_path / "sub").iterdir()  # no temporary file left
    assert entry.name == "entry.json" and entry.stat().st_mode & 0o777 == 0o644
    assert entry.read_bytes() == "ünï".encode() + b"\xff"


def test_a_temporary_file_a_killed_writer_left_costs_one_write(tmp_path: Path) -> None:
    target = tmp_path / "entry.json"
    stale = tmp_path / f".entry.json.{os.getpid()}-{threading.get_ident()}.tmp"
    stale.write_text('{"value": "half')  # the pid of a process killed mid-write, reused
    assert not write_whole(target, "whole")
    assert not stale.exists() and not target.exists()
    assert write_whole(target, "whole") and target.read_text() == "whole"


def test_a_directory_that_cannot_be_written_is_a_false(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    assert not write_whole(tmp_path / "file" / "entry.json", "x")
