"""A directory of JSON entries, each named by a digest of what it was computed from: the
answers of deterministic tool runs (helm template, promtool test rules) kept between runs
by the callers that ask for the same answers again and again (the test suite).

Entries are written to a temporary file and renamed into place, so parallel processes
(pytest workers) never read half an entry; a damaged entry reads as none, and a directory
that cannot be written only costs speed. An entry is never stale, only unused: reading an
entry marks it used (its modification time), and once a store holds more than MAX_ENTRIES
the least recently used half goes. Deleting the directory is safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

MAX_ENTRIES = 6_000


class AnswerStore:
    """One directory of `<key>.json` entries."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._pruned = False

    def read(self, key: str) -> dict[str, Any] | None:
        path = self.directory / f"{key}.json"
        try:
            entry = json.loads(path.read_bytes())
            os.utime(path)  # used now: pruning keeps it
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    def write(self, key: str, entry: dict[str, Any]) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._prune_once()
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".entry-")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w") as stream:
                json.dump(entry, stream, separators=(",", ":"))
            os.replace(temporary, self.directory / f"{key}.json")
        except (OSError, TypeError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def _prune_once(self) -> None:
        """Once per store object: past MAX_ENTRIES, remove the half used longest ago."""
        if self._pruned:
            return
        self._pruned = True
        entries = list(self.directory.glob("*.json"))
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda path: path.stat().st_mtime_ns)
        for path in entries[: len(entries) // 2]:
            with contextlib.suppress(OSError):
                path.unlink()


def binary_identity(binary: Path) -> list[str]:
    """What tells one build of a program from another without reading it: its resolved
    path, size and modification time."""
    resolved = binary.resolve()
    stat = resolved.stat()
    return [str(resolved), str(stat.st_size), str(stat.st_mtime_ns)]
