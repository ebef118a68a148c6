"""Temporary copies of the repository: what git ignores but a copy needs."""

from __future__ import annotations

from pathlib import Path


def share_tools_and_cache(copy: Path, root: Path) -> None:
    """Point the copy's .tools/ (the pinned helm) and .cache/ (chartkit's disk cache and the
    tests' kept answers, every entry keyed by the contents it comes from) at the
    repository's own, so a copy neither downloads nor derives them again."""
    (copy / ".tools").symlink_to(root / ".tools")
    (root / ".cache").mkdir(exist_ok=True)
    (copy / ".cache").symlink_to(root / ".cache")
