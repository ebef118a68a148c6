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
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from chartkit.tools.cache_files import CACHE_DIRECTORY, write_whole

CACHE_DIR = Path(CACHE_DIRECTORY)
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
        parts += [path.name, content_digest(path)]
    return digest(parts)


def _as_json(value: Any) -> str | None:
    """The entry's text on disk; None for a value JSON cannot hold (a date) or would change
    (a mapping key that is not a string, which JSON turns into one): it stays in memory.
    A tuple reads back as a list, which every caller expects."""
    if _has_other_keys(value):
        return None
    try:
        return json.dumps({"value": value}, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


def _has_other_keys(value: Any) -> bool:
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if not all(isinstance(key, str) for key in node):
                return True
            pending.extend(node.values())
        elif isinstance(node, list | tuple):
            pending.extend(node)
    return False


def content_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The content digest of each file read, by path, with what identifies the file's state:
# size, modification and change times, inode (git's index does the same).
_FILE_DIGESTS = "file-digests"
_FILE_DIGESTS_KEY = digest(["path -> [size, mtime_ns, ctime_ns, inode, sha256]"])
# A file changed this recently is hashed every time: another change within the clock's
# granularity could leave its state as it is (git's "racily clean" entries).
_SETTLED_NS = 2_000_000_000


class DiskCache:
    """JSON entries in one directory; None keeps them in memory only (for this process)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[tuple[str, str], Any] = {}

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
        """files_digest(paths), each file read and hashed again only when its state
        changed (size, modification and change times, inode), as the cache's entry of
        file digests records it: the CRDs are megabytes, read for every render's key."""
        memo = self._digest_memo()
        now = time.time_ns()
        parts: list[bytes | str] = []
        learned = False
        for path in paths:
            stat = path.stat()
            state = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
            known = memo.get(str(path))
            if known is not None and known[:4] == state:
                content = known[4]
            else:
                content = content_digest(path)
                if max(stat.st_mtime_ns, stat.st_ctime_ns) <= now - _SETTLED_NS:
                    memo[str(path)] = [*state, content]
                    learned = True
            parts += [path.name, content]
        if learned:
            kept = {path: entry for path, entry in memo.items() if os.path.exists(path)}
            self.write(_FILE_DIGESTS, _FILE_DIGESTS_KEY, kept)
        return digest(parts)

    def _digest_memo(self) -> dict[str, list[Any]]:
        memo = self.read(_FILE_DIGESTS, _FILE_DIGESTS_KEY)
        if not isinstance(memo, dict):
            memo = {}
            self._memory[(_FILE_DIGESTS, _FILE_DIGESTS_KEY)] = memo
        return memo

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
        text = _as_json(value)
        if text is not None and write_whole(path, text):
            self._remove_older(path, name)

    def _path(self, name: str, key: str) -> Path | None:
        return self.directory / f"{name}-{key}.json" if self.directory else None

    @staticmethod
    def _remove_older(path: Path, name: str) -> None:
        for older in path.parent.glob(f"{name}-*.json"):
            if older != path and _ENTRY_KEY.fullmatch(older.name[len(name) + 1 :]):
                with contextlib.suppress(OSError):
                    older.unlink()
