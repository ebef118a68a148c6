"""Programs started before the command that needs them is even parsed, from the plan of
the last run given the same arguments; each is used only if the command asks for exactly it.

`chartkit render <release>` spends its first tens of milliseconds importing Python modules
and reading helmfile.yaml before it knows which `helm template` to run. Run the same way
again (the usual case: a values file saved, the release checked again), it asks for the
same commands as last time. So the program starts those at once, from a plan file written
by the previous run, and the command claims each when it gets to it:

- A command claims a run only when its command line and environment are the ones it would
  start itself, so what it gets is what it would have got: the program reads the files it
  is given when it runs, which is now. A run nobody claims is killed when the command ends
  (the plan was stale: the inventory changed); the command starts its own runs meanwhile.
- The plan is keyed by the working directory and the arguments, and holds the first runs
  the command asked for (as many as the machine has cores). A wrong or missing plan costs
  only the time it would have saved.
- Only Linux: a run writes into memory files (memfd_create) and is waited for through a
  process file descriptor (pidfd_open). Elsewhere nothing is started early.

This module imports only what the interpreter has loaded at start-up (os, zlib), so a run
starts some ten milliseconds after the program does.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Mapping, Sequence

from chartkit.tools.cache_files import write_whole

# The program of a run may be started early (its argv and the environment added to ours).
Allowed = Callable[[Sequence[str], Mapping[str, str]], bool]
_SEPARATOR = "\0"
MAX_PLANS = 64  # plan files kept per directory, the least recently used dropped first


def supported() -> bool:
    return hasattr(os, "memfd_create") and hasattr(os, "pidfd_open")


class EarlyRun:
    """One program started early: its pid and the memory files its stdout and stderr
    go to."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        self.stdout = os.memfd_create("stdout")  # close-on-exec: no other run inherits it
        self.stderr = os.memfd_create("stderr")
        actions = [
            (os.POSIX_SPAWN_DUP2, self.stdout, 1),
            (os.POSIX_SPAWN_DUP2, self.stderr, 2),
            *((os.POSIX_SPAWN_CLOSE, fd) for fd in _inherited_descriptors()),
        ]
        try:
            self.pid = os.posix_spawn(command[0], command, env, file_actions=actions)
        except OSError:
            self._close_files()
            raise

    def wait(self, timeout: float) -> tuple[int, str, str]:
        """(returncode, stdout, stderr) as subprocess.run(..., capture_output=True,
        text=True) gives them; subprocess.TimeoutExpired after `timeout` seconds (the run
        is killed)."""
        import select

        pidfd = os.pidfd_open(self.pid)
        try:
            ready, _, _ = select.select([pidfd], [], [], timeout)
        finally:
            os.close(pidfd)
        if not ready:
            self.kill()
            import subprocess

            raise subprocess.TimeoutExpired(self.command, timeout)
        _, status = os.waitpid(self.pid, 0)
        try:
            return os.waitstatus_to_exitcode(status), _text(self.stdout), _text(self.stderr)
        finally:
            self._close_files()

    def kill(self) -> None:
        import signal

        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self._close_files()

    def _close_files(self) -> None:
        for fd in (self.stdout, self.stderr):
            try:
                os.close(fd)
            except OSError:  # closed already
                continue


class HeadStart:
    """The runs a plan started, claimed by the command one by one; and what the command
    asked for, to plan the next run given the same arguments."""

    def __init__(self, plan_file: str | None, key: Sequence[str], limit: int) -> None:
        self.plan_file = plan_file
        self.key = list(key)
        self.limit = limit  # runs started early, at most
        self.planned: list[tuple[list[str], dict[str, str]]] = []
        self.asked: list[tuple[list[str], dict[str, str]]] = []
        self._started: dict[tuple[str, ...], EarlyRun] = {}

    @classmethod
    def begin(cls, plan_directory: str, key: Sequence[str], allowed: Allowed) -> HeadStart:
        """Start the runs of the plan for `key` (the working directory and the arguments,
        say) in plan_directory: none without a plan, or off Linux; each must be `allowed`."""
        limit = available_cores()
        if not supported():
            return cls(None, key, limit)
        name = zlib.crc32(_SEPARATOR.join(key).encode("utf-8", "surrogateescape"))
        plan_file = os.path.join(plan_directory, f"{name:08x}.plan")
        head_start = cls(plan_file, key, limit)
        head_start.planned = read_plan(plan_file, key)[:limit]
        if head_start.planned:
            _touch(plan_file)  # recently used: the last a prune drops
        for command, added_env in head_start.planned:
            if allowed(command, added_env):
                head_start._start(command, added_env)
        return head_start

    def _start(self, command: list[str], added_env: dict[str, str]) -> None:
        env = {**os.environ, **added_env}
        try:
            run = EarlyRun(command, env)
        except OSError:  # the program is gone (another helm pinned): the command runs its own
            return
        self._started[_identity(command, env)] = run

    def plan_at_most(self, runs: int) -> None:
        """Plan no more runs than this for the next time (the command's own limit on
        programs at once, such as `render --jobs`)."""
        self.limit = max(1, min(self.limit, runs))

    def claim(
        self, command: Sequence[str], added_env: Mapping[str, str], timeout: float
    ) -> tuple[int, str, str] | None:
        """The outcome of this exact run if it was started early, else None (the caller
        runs it). Either way the run goes into the plan of the next run."""
        command, added_env = list(command), dict(added_env)
        self.asked.append((command, added_env))
        run = self._started.pop(_identity(command, {**os.environ, **added_env}), None)
        if run is None:
            return None
        try:
            return run.wait(timeout)
        except OSError:  # it cannot be waited for (no descriptor left): the caller runs it
            run.kill()
            return None

    def finish(self) -> None:
        """Kill the runs nobody claimed; write the plan for the next run with these
        arguments when it changed (a plan that cannot be written costs speed only)."""
        for run in self._started.values():
            run.kill()
        self._started.clear()
        wanted = self.asked[: self.limit]
        if self.plan_file is not None and wanted and wanted != self.planned:
            write_plan(self.plan_file, self.key, wanted)


def read_plan(path: str, key: Sequence[str]) -> list[tuple[list[str], dict[str, str]]]:
    """The runs a plan file holds for key; none when it is missing, damaged or for
    another key (two keys with the same file name)."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            fields = file.read().split(_SEPARATOR)
    except OSError:
        return []
    runs: list[tuple[list[str], dict[str, str]]] = []
    try:
        count = int(fields[0])
        if fields[1 : 1 + count] != list(key):
            return []
        index = 1 + count
        while index < len(fields) - 1:
            count = int(fields[index])
            env = dict(item.split("=", 1) for item in fields[index + 1 : index + 1 + count])
            index += 1 + count
            count = int(fields[index])
            command = fields[index + 1 : index + 1 + count]
            index += 1 + count
            if len(command) != count or not command:
                return []
            runs.append((command, env))
    except (ValueError, IndexError):
        return []
    return runs


def write_plan(path: str, key: Sequence[str], runs: list[tuple[list[str], dict[str, str]]]) -> None:
    """A file of NUL-separated fields: the key, then per run its added environment and
    its command line, each led by its number of fields, written whole (a plan that cannot
    be written costs speed only)."""
    fields = [str(len(key)), *key]
    for command, env in runs:
        fields += [str(len(env)), *(f"{name}={value}" for name, value in env.items())]
        fields += [str(len(command)), *command]
    if write_whole(path, _SEPARATOR.join(fields) + _SEPARATOR):
        prune_plans(os.path.dirname(path))


def prune_plans(directory: str, keep: int = MAX_PLANS) -> None:
    """Drop the least recently used plan files past `keep` (one is written per distinct
    command line: a temporary --out directory each time would otherwise pile them up)."""
    try:
        names = [name for name in os.listdir(directory) if name.endswith(".plan")]
    except OSError:
        return
    if len(names) <= keep:
        return
    used = []
    for name in names:
        path = os.path.join(directory, name)
        try:
            used.append((os.stat(path).st_mtime_ns, path))
        except OSError:  # pruned by another run meanwhile
            continue
    for _, path in sorted(used)[: len(used) - keep]:
        try:
            os.unlink(path)
        except OSError:
            continue


def _touch(path: str) -> None:
    try:
        os.utime(path)
    except OSError:  # read-only: the plan is used all the same
        return


def _identity(command: Sequence[str], env: Mapping[str, str]) -> tuple[str, ...]:
    return (*command, _SEPARATOR, *sorted(f"{name}={value}" for name, value in env.items()))


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _inherited_descriptors() -> list[int]:
    """The descriptors above stderr a child would inherit (subprocess closes them too)."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    found = []
    for name in names:
        fd = int(name)
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:  # the descriptor listdir itself used, closed by now
                pass
    return found


def _text(fd: int) -> str:
    """A memory file's bytes decoded as subprocess's text mode does (the locale's
    encoding, universal newlines)."""
    import io

    size = os.lseek(fd, 0, os.SEEK_END)
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return io.TextIOWrapper(io.BytesIO(b"".join(chunks))).read()
