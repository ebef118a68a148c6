"""What every cache of chartkit needs of files, with `os` alone (the program uses it before
it loads anything else):

- `CACHE_DIRECTORY`: where chartkit keeps what it derives, `.cache/chartkit/` under the
  repository root (ignored by git, always safe to delete);
- `file_identity`: which install of a file this is, without reading it (a helm binary,
  PyYAML, kubernetes-validate's schemas): its resolved path, size and modification time,
  which pip and scripts/install-tools rewrite on every install;
- `write_whole`: a file written to a temporary file of this process and thread alone, then
  renamed into place, so a parallel reader never sees half of it.
"""

from __future__ import annotations

import os

CACHE_DIRECTORY = ".cache/chartkit"


def file_identity(path: str | os.PathLike[str]) -> str:
    """`<resolved path>: <size> <mtime_ns>`, or `<resolved path>: missing`."""
    resolved = os.path.realpath(path)
    try:
        stat = os.stat(resolved)
    except OSError:
        return f"{resolved}: missing"
    return f"{resolved}: {stat.st_size} {stat.st_mtime_ns}"


def write_whole(path: str | os.PathLike[str], text: str) -> bool:
    """Write text (UTF-8, surrogates escaped) so that `path` holds all of it or what it held
    before; False when it could not be written, which costs a cache speed only.

    The temporary file is created exclusively (O_EXCL) and readable by others as the
    umask allows. Not tempfile: importing it loads shutil and random, 3 ms of a short run.
    """
    import threading

    path = os.fspath(path)
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        os.makedirs(directory or ".", exist_ok=True)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # left by a process killed mid-write, whose pid this is now
        _remove(temporary)
        return False
    except OSError:
        return False
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError:
        _remove(temporary)
        return False
    return True


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:  # gone already
        return
