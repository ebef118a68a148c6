"""Long commands with their output streamed as it comes: each line of stdout and stderr
goes to a callback (the smoke runs prefix it with the release and print it), through
subprocess-tee, while the whole output is kept for the caller and its errors.

subprocess-tee has no timeout of its own: the command runs under coreutils' `timeout`
(with a kill ten seconds later) where it is installed.
"""

from __future__ import annotations

import math
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LineOutput = Callable[[str], Any]
TIMED_OUT = 124  # timeout(1)'s exit status when the limit is reached


class _Lines:
    """A file-like sink for subprocess-tee that hands each complete line to `output`."""

    def __init__(self, output: LineOutput) -> None:
        self.output = output
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.output(line)
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.output(self.pending)
            self.pending = ""


@dataclass(frozen=True)
class Streamed:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    limit: int  # seconds


def run_streamed(
    command: Sequence[str],
    output: LineOutput,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> Streamed:
    """Run `command`, handing `output` the command line and then each line it prints."""
    # imported here: subprocess-tee loads asyncio, which every chartkit command would pay
    # for at start-up while only cluster commands stream
    import subprocess_tee

    limit = max(1, math.ceil(timeout))  # timeout(1) reads 0 as "no limit"
    timeout_binary = shutil.which("timeout")
    wrapped = list(command)
    if timeout_binary:
        wrapped = [timeout_binary, "--kill-after=10", str(limit), *command]
    output(f"$ {shlex.join([Path(command[0]).name, *command[1:]])}")
    stdout, stderr = _Lines(output), _Lines(output)
    kwargs: dict[str, Any] = {"tee": True, "stdout": stdout, "stderr": stderr}
    if env is not None:
        kwargs["env"] = dict(env)
    result: subprocess.CompletedProcess[str] = subprocess_tee.run(wrapped, **kwargs)
    stdout.flush()
    stderr.flush()
    return Streamed(
        returncode=result.returncode,
        stdout=result.stdout or "",
        stderr=result.stderr or "",
        timed_out=bool(timeout_binary) and result.returncode == TIMED_OUT,
        limit=limit,
    )
