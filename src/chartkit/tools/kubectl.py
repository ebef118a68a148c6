"""A thin, typed wrapper around kubectl, pointed at one kubeconfig and context.

Every call is bounded by a timeout and captures its output, or, given an `output`
callback, hands it each line as kubectl prints it (chartkit.tools.streaming: the smoke
runs watch their long waits this way); a failure raises KubectlError carrying kubectl's
stderr. The smoke tests, the prerequisite installer and `chartkit verify --server` all
talk to the cluster through it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartkit.tools.streaming import LineOutput, run_streamed


class KubectlError(Exception):
    """kubectl failed (non-zero exit or timeout)."""

    def __init__(
        self, command: Sequence[str], returncode: int, stderr: str, verb: str = ""
    ) -> None:
        self.command = list(command)
        self.returncode = returncode
        self.stderr = stderr.strip()
        super().__init__(f"kubectl {verb} failed (exit {returncode}): {self.stderr}")


@dataclass(frozen=True)
class Kubectl:
    binary: Path
    kubeconfig: Path | None = None
    context: str | None = None
    timeout_seconds: float = 120.0

    def flags(self) -> list[str]:
        """The --kubeconfig/--context flags every call carries."""
        flags: list[str] = []
        if self.kubeconfig:
            flags += ["--kubeconfig", str(self.kubeconfig)]
        if self.context:
            flags += ["--context", self.context]
        return flags

    def command(self, args: Sequence[str]) -> list[str]:
        return [str(self.binary), *self.flags(), *args]

    def run(
        self,
        args: Sequence[str],
        stdin: str | None = None,
        timeout: float | None = None,
        output: LineOutput | None = None,
    ) -> str:
        """Run kubectl and return its stdout; raise KubectlError on failure. With `output`
        (and no stdin), each line is handed to it as kubectl prints it."""
        command = self.command(args)
        verb = " ".join(a for a in args[:2] if not a.startswith("-"))
        limit = timeout or self.timeout_seconds
        if output is not None and stdin is None:
            streamed = run_streamed(command, output, limit)
            if streamed.timed_out:
                raise KubectlError(command, -1, f"timed out after {streamed.limit}s", verb)
            returncode, stdout, stderr = streamed.returncode, streamed.stdout, streamed.stderr
        else:
            try:
                result = subprocess.run(
                    command, input=stdin, capture_output=True, text=True, timeout=limit
                )
            except subprocess.TimeoutExpired:
                raise KubectlError(command, -1, f"timed out after {limit}s", verb) from None
            returncode, stdout, stderr = result.returncode, result.stdout, result.stderr
        if returncode != 0:
            raise KubectlError(command, returncode, stderr or stdout, verb)
        return stdout

    def attempt(
        self, args: Sequence[str], stdin: str | None = None, timeout: float | None = None
    ) -> tuple[bool, str]:
        """Run kubectl; (True, stdout) on success, (False, stderr) on failure."""
        try:
            return True, self.run(args, stdin=stdin, timeout=timeout)
        except KubectlError as error:
            return False, error.stderr

    def get_json(
        self, kind: str, name: str | None = None, namespace: str | None = None
    ) -> dict[str, Any]:
        args = ["get", kind, *([name] if name else []), "-o", "json"]
        if namespace:
            args += ["--namespace", namespace]
        return dict(json.loads(self.run(args)))

    def exists(self, kind: str, name: str, namespace: str | None = None) -> bool:
        args = ["get", kind, name, "--ignore-not-found", "-o", "name"]
        if namespace:
            args += ["--namespace", namespace]
        return bool(self.run(args).strip())

    def apply(
        self,
        objects: Iterable[Mapping[str, Any]],
        namespace: str | None = None,
        field_manager: str = "chartkit",
        timeout: float | None = None,
    ) -> str:
        """Server-side apply objects (created or updated, conflicts forced)."""
        text = "".join(f"---\n{yaml.safe_dump(dict(obj), sort_keys=False)}" for obj in objects)
        args = ["apply", "--server-side", "--force-conflicts", f"--field-manager={field_manager}"]
        if namespace:
            args += ["--namespace", namespace]
        return self.run([*args, "-f", "-"], stdin=text, timeout=timeout)

    def apply_file(self, source: str | Path, namespace: str | None = None) -> str:
        """Server-side apply a file or URL (large CRDs need server-side apply)."""
        args = ["apply", "--server-side", "--force-conflicts", "--field-manager=chartkit"]
        if namespace:
            args += ["--namespace", namespace]
        return self.run([*args, "-f", str(source)], timeout=300)

    def server_version(self, timeout: float = 15.0) -> str:
        """The API server's gitVersion; raises KubectlError when no cluster answers."""
        out = self.run(["get", "--raw", "/version", f"--request-timeout={int(timeout)}s"])
        return str(json.loads(out).get("gitVersion", "?"))
