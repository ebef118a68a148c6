"""A scripted stand-in for kubectl, for the cluster-side code that runs without a cluster.

Imported by the tests in this directory as `kubefake` (pytest puts it on sys.path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from chartkit.releases.crds import read_crds
from chartkit.releases.inventory import find_root
from chartkit.tools.kubectl import Kubectl, KubectlError

Handler = Callable[[list[str], str | None], str]

# The CRDs a fully prepared smoke cluster serves: the ones in ci/crds.
ALL_CRDS = tuple(crd["metadata"]["name"] for crd in read_crds(find_root() / "ci" / "crds"))


class FakeKubectl(Kubectl):
    """The real wrapper with the kubectl process replaced: every argument list chartkit
    builds goes through chartkit.tools.kubectl as it would against a cluster.

    Records every call. `handlers` map a call's leading words ("get crd", "apply") to a
    function (args, stdin) -> stdout that may raise KubectlError; anything else returns "".
    """

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        super().__init__(binary=Path("/fake/kubectl"))
        object.__setattr__(self, "handlers", dict(handlers or {}))
        object.__setattr__(self, "calls", [])
        object.__setattr__(self, "stdins", [])

    def _handler(self, args: Sequence[str]) -> Handler | None:
        words = [a for a in args if not a.startswith("-")]
        for length in (3, 2, 1):
            key = " ".join(words[:length])
            if key in self.handlers:
                return self.handlers[key]
        return None

    def run(
        self,
        args: Sequence[str],
        stdin: str | None = None,
        timeout: float | None = None,
        output: Callable[[str], object] | None = None,
    ) -> str:
        """The handler's stdout; with `output`, also handed to it line by line, as the
        real wrapper streams what kubectl prints."""
        self.calls.append(list(args))
        self.stdins.append(stdin)
        handler = self._handler(args)
        out = handler(list(args), stdin) if handler else ""
        if output is not None:
            for line in out.splitlines():
                output(line)
        return out

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
