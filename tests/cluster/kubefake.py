"""A scripted stand-in for kubectl, for the cluster-side code that runs without a cluster.

Imported by the tests in this directory as `kubefake` (pytest puts it on sys.path).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from chartkit.kubectl import KubectlError

Handler = Callable[[list[str], str | None], str]


class FakeKubectl:
    """Records every call. `handlers` map a call's leading words ("get crd", "apply") to a
    function (args, stdin) -> stdout that may raise KubectlError; anything else returns "".
    """

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self.handlers = dict(handlers or {})
        self.calls: list[list[str]] = []
        self.stdins: list[str | None] = []
        self.kubeconfig: Path | None = None
        self.context: str | None = None

    def _handler(self, args: Sequence[str]) -> Handler | None:
        words = [a for a in args if not a.startswith("-")]
        for length in (3, 2, 1):
            key = " ".join(words[:length])
            if key in self.handlers:
                return self.handlers[key]
        return None

    def run(
        self, args: Sequence[str], stdin: str | None = None, timeout: float | None = None
    ) -> str:
        self.calls.append(list(args))
        self.stdins.append(stdin)
        handler = self._handler(args)
        return handler(list(args), stdin) if handler else ""

    def attempt(
        self, args: Sequence[str], stdin: str | None = None, timeout: float | None = None
    ) -> tuple[bool, str]:
        try:
            return True, self.run(args, stdin, timeout)
        except KubectlError as error:
            return False, error.stderr

    def get_json(self, kind: str, name: str | None = None, namespace: str | None = None) -> Any:
        args = ["get", kind, *([name] if name else []), "-o", "json"]
        if namespace:
            args += ["--namespace", namespace]
        return json.loads(self.run(args) or "{}")

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
        text = "".join(f"---\n{yaml.safe_dump(dict(o))}" for o in objects)
        return self.run(
            ["apply", "-f", "-", *(["--namespace", namespace] if namespace else [])], text
        )

    def apply_file(self, source: str | Path, namespace: str | None = None) -> str:
        return self.run(
            ["apply", "-f", str(source), *(["--namespace", namespace] if namespace else [])]
        )

    def server_version(self, timeout: float = 15.0) -> str:
        return str(json.loads(self.run(["get", "--raw", "/version"]))["gitVersion"])

    def applied(self) -> list[dict[str, Any]]:
        """Every object passed to apply, in order."""
        objects: list[dict[str, Any]] = []
        for args, stdin in zip(self.calls, self.stdins, strict=True):
            if args[:1] == ["apply"] and stdin:
                objects += [d for d in yaml.safe_load_all(stdin) if d]
        return objects

    def commands(self) -> list[str]:
        return [" ".join(call) for call in self.calls]


def failure(message: str) -> Handler:
    def handler(args: list[str], stdin: str | None) -> str:
        raise KubectlError(["kubectl", *args], 1, message, args[0])

    return handler
