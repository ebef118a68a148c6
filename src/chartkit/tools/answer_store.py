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
from pathlib import Path
from typing import Any

from chartkit.tools.cache_files import write_whole

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
            text = json.dumps(entry, separators=(",", ":"))
            self.directory.mkdir(parents=True, exist_ok=True)
            self._prune_once()
        except (OSError, TypeError, ValueError):  # not writable, or not JSON
            return
        write_whole(self.directory / f"{key}.json", text)

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
