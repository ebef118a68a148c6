"""The pinned helm versions (ci/tools.json), default first: tests that run under every
helm the suite supports parametrize over HELMS."""

from __future__ import annotations

import json
from pathlib import Path

_PINS = json.loads((Path(__file__).resolve().parents[2] / "ci" / "tools.json").read_text())
HELMS: tuple[str, ...] = (
    _PINS["default_helm"],
    *sorted(
        (v for v in _PINS["helm"] if v != _PINS["default_helm"]),
        key=lambda v: tuple(int(part) for part in v.split(".")),
        reverse=True,
    ),
)
