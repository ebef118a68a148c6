"""A revision of the repository checked out beside the working tree: a temporary `git
worktree`, removed afterwards (with git's record of it), whatever happens in between."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from chartkit.delivery.git import ChangesError, git


@contextlib.contextmanager
def base_worktree(repo: Path, revision: str) -> Iterator[Path]:
    """The repository at `revision` (detached) in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="chartkit-base-") as tmp:
        path = Path(tmp) / "base"
        git(repo, "worktree", "add", "--detach", "--quiet", str(path), revision)
        try:
            yield path
        finally:
            with contextlib.suppress(ChangesError):
                git(repo, "worktree", "remove", "--force", str(path))
            with contextlib.suppress(ChangesError):
                git(repo, "worktree", "prune")
