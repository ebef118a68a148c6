"""The git questions change detection asks: the merge base, a revision's commit, the files a
change touches (untracked ones included), a file as it was at a revision, and where the
repository is pushed (for the GitOps sources)."""

from __future__ import annotations

import subprocess
from pathlib import Path


class ChangesError(Exception):
    """git failed, or the repository is not in a state changes can be read from."""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise ChangesError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def merge_base(repo: Path, target: str) -> str:
    return git(repo, "merge-base", target, "HEAD").strip()


def resolve(repo: Path, revision: str) -> str:
    """The commit a revision names."""
    return git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()


def changed_files(repo: Path, base: str) -> list[str]:
    """Files that differ between `base` and the working tree, untracked ones included."""
    tracked = git(repo, "diff", "--name-only", "--no-renames", base, "--").splitlines()
    untracked = git(repo, "ls-files", "--others", "--exclude-standard").splitlines()
    return sorted({f for f in [*tracked, *untracked] if f})


def show(repo: Path, revision: str, path: str) -> str | None:
    """A file's text at a revision; None when it did not exist there."""
    try:
        return git(repo, "show", f"{revision}:{path}")
    except ChangesError:
        return None


def remote_url(repo: Path, remote: str = "origin") -> str | None:
    """The URL of a remote; None when the repository has no such remote."""
    try:
        return git(repo, "remote", "get-url", remote).strip() or None
    except ChangesError:
        return None
