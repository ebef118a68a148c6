"""helm template's answers kept on disk between runs, for callers that render the same
charts again and again with nothing changed (the test suite: `tests/conftest.py` opts in).

An entry holds what helm printed (its stdout, or its exit code and stderr when it refused)
and is keyed by a digest of everything that decides it: every file of the chart directory
(its charts/ dependencies followed through their symlinks), the values files' contents, the
--set-json values, release name, namespace and --api-versions, the helm binary (version,
path, size, modification time) and the code that asks helm (this module, render.py and
helm.py). Helm renders with no cluster and no clock (chartkit gitops' safety scan refuses
`lookup`, `now` and random values in the charts), so the same key gives the same text.
Storage: chartkit.tools.answer_store.

chartkit's commands never read this cache: what they check is always rendered anew.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from chartkit.tools import helm
from chartkit.tools.answer_store import AnswerStore
from chartkit.tools.cache_files import file_identity
from chartkit.tools.disk_cache import CACHE_DIR, digest

# the code that asks helm (render.py builds the request, helm.py the command line) and this
# module: a change to any of them renders everything again
_CODE = b"".join(
    path.read_bytes()
    for path in (Path(__file__), Path(__file__).with_name("render.py"), Path(helm.__file__))
)


@dataclass(frozen=True)
class CachedRefusal:
    """helm's exit code and stderr when it refused to render."""

    command: tuple[str, ...]
    returncode: int
    stderr: str


class RenderCache:
    """helm's answers in one AnswerStore."""

    def __init__(self, directory: Path) -> None:
        self.store = AnswerStore(directory)
        self._tree_digests: dict[tuple[object, ...], str] = {}

    @classmethod
    def of_repository(cls, root: Path) -> RenderCache:
        return cls(root / CACHE_DIR / "renders")

    def key(
        self, helm_binary: Path, chart: Path, values_files: tuple[Path, ...], *args: str
    ) -> str:
        """The key of one render: `args` are the request's other parts, in a fixed order."""
        parts: list[bytes | str] = [_CODE, file_identity(helm_binary)]
        parts.append(self.tree_digest(chart))
        for values_file in values_files:
            parts += [str(values_file), values_file.read_bytes()]
        return digest([*parts, *args])

    def tree_digest(self, directory: Path) -> str:
        """A digest of every file under directory (paths relative to it, and contents),
        read again only when a file's size or modification time changes."""
        files = sorted(_files_under(directory))
        stats = tuple(
            (str(relative), path.stat().st_size, path.stat().st_mtime_ns)
            for relative, path in files
        )
        if stats not in self._tree_digests:
            parts: list[bytes | str] = []
            for relative, path in files:
                parts += [str(relative), path.read_bytes()]
            self._tree_digests[stats] = digest(parts)
        return self._tree_digests[stats]

    def read(self, key: str) -> str | CachedRefusal | None:
        """helm's stdout, its refusal, or None when there is no (readable) entry."""
        entry = self.store.read(key)
        try:
            if entry is None:
                return None
            if "stdout" in entry:
                return str(entry["stdout"])
            refusal = entry["refusal"]
            return CachedRefusal(
                tuple(refusal["command"]), int(refusal["returncode"]), str(refusal["stderr"])
            )
        except (KeyError, TypeError, ValueError):
            return None

    def write(self, key: str, answer: str | CachedRefusal) -> None:
        if isinstance(answer, CachedRefusal):
            refusal = {
                "command": list(answer.command),
                "returncode": answer.returncode,
                "stderr": answer.stderr,
            }
            self.store.write(key, {"refusal": refusal})
        else:
            self.store.write(key, {"stdout": answer})


def _files_under(directory: Path) -> list[tuple[Path, Path]]:
    """(path relative to directory, path) of every file, symlinked directories followed."""
    found = []
    for folder, _dirs, names in os.walk(directory, followlinks=True):
        for name in names:
            path = Path(folder) / name
            found.append((path.relative_to(directory), path))
    return found
