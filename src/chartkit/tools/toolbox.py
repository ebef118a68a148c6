"""Where the pinned tools live (installed by scripts/install-tools, pins in ci/tools.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class ToolMissingError(Exception):
    pass


@dataclass(frozen=True)
class Toolbox:
    root: Path

    @property
    def pins(self) -> dict:
        return json.loads((self.root / "ci" / "tools.json").read_text())

    def helm_versions(self) -> list[str]:
        """Pinned helm versions, the default first."""
        pins = self.pins
        default = pins["default_helm"]
        return [default, *sorted(v for v in pins["helm"] if v != default)]

    def default_helm_version(self) -> str:
        return str(self.pins["default_helm"])

    def helm(self, version: str | None = None) -> Path:
        version = version or self.default_helm_version()
        if version not in self.pins["helm"]:
            raise ToolMissingError(
                f"helm {version} is not pinned in ci/tools.json "
                f"(pinned: {', '.join(self.pins['helm'])})"
            )
        binary = self.root / ".tools" / "helm" / version / "helm"
        if not binary.exists():
            raise ToolMissingError(
                f"helm {version} is not installed at {binary}: "
                "run `make setup` (scripts/install-tools)"
            )
        return binary

    def kubectl(self) -> Path:
        binary = self.root / ".tools" / "bin" / "kubectl"
        if not binary.exists():
            raise ToolMissingError(f"kubectl is not installed at {binary}: run `make setup`")
        return binary
