"""What is slow to derive and quick to read back, kept on disk between chartkit processes.

The cache lives in `.cache/chartkit/` at the repository root (ignored by git). An entry is
a JSON file named after what it holds and keyed by a digest of everything it is derived
from (file contents, library versions, the code that derives it), so an entry is never
stale, only unused; writing an entry removes the older ones of the same name. Deleting the
directory is always safe. Entries are written to a temporary file and renamed into place,
so parallel processes (pytest workers) never read half an entry, and a directory that
cannot be written only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

CACHE_DIR = Path(".cache") / "chartkit"
_ENTRY_KEY = re.compile(r"[0-9a-f]{24}\.json")


def digest(parts: Iterable[bytes | str]) -> str:
    """A short hex digest of the parts, in order (each part's length is hashed too)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()[:24]


def files_digest(paths: Iterable[Path]) -> str:
    """A digest of the files' names and contents, in the order given."""
    parts: list[bytes | str] = []
    for path in paths:
        parts += [path.name, path.read_bytes()]
    return digest(parts)


class DiskCache:
    """JSON entries in one directory; None keeps them in memory only (for this process)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[tuple[str, str], Any] = {}
        self._file_digests: dict[tuple[Any, ...], str] = {}

    @classmethod
    def of_repository(cls, root: Path) -> DiskCache:
        return cls(root / CACHE_DIR)

    def json(self, name: str, key: str, build: Callable[[], Any], keep: bool = True) -> Any:
        """The entry `name` for `key`: read back, or built by build() and written. With
        keep=False this cache does not hold on to it (a value used once, then let go)."""
        value = self.read(name, key, keep)
        if value is None:
            value = build()
            self.write(name, key, value, keep)
        return value

    def files_digest(self, paths: Iterable[Path]) -> str:
        """files_digest(paths), read once per cache while the files stay as they are (same
        size and modification time): one run asks for the same key in several places."""
        paths = list(paths)
        stats = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
        if stats not in self._file_digests:
            self._file_digests[stats] = files_digest(paths)
        return self._file_digests[stats]

    def read(self, name: str, key: str, keep: bool = True) -> Any:
        """The entry's value; None when there is none (or it is damaged)."""
        if (name, key) in self._memory:
            return self._memory[(name, key)]
        path = self._path(name, key)
        if path is None:
            return None
        try:
            value = json.loads(path.read_bytes())["value"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: build it again
        if keep:
            self._memory[(name, key)] = value
        return value

    def write(self, name: str, key: str, value: Any, keep: bool = True) -> None:
        """Keep the value (in memory, and on disk when it can), replacing older entries."""
        if keep:
            self._memory[(name, key)] = value
        path = self._path(name, key)
        if path is None:
            return
        import tempfile  # only a run that builds an entry writes one

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-")
        except OSError:
            return
        try:
            os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide it from other users
            with os.fdopen(handle, "w") as stream:
                json.dump({"value": value}, stream, separators=(",", ":"))
            os.replace(temporary, path)
        except (OSError, TypeError, ValueError):  # not writable, or not JSON: memory only
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return
        self._remove_older(path, name)

    def _path(self, name: str, key: str) -> Path | None:
        return self.directory / f"{name}-{key}.json" if self.directory else None

    @staticmethod
    def _remove_older(path: Path, name: str) -> None:
        for older in path.parent.glob(f"{name}-*.json"):
            if older != path and _ENTRY_KEY.fullmatch(older.name[len(name) + 1 :]):
                with contextlib.suppress(OSError):
                    older.unlink()
