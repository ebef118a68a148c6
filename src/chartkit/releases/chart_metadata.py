"""A chart's Chart.yaml, read in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def chart_metadata(chart_dir: Path) -> dict[str, Any]:
    """The chart's Chart.yaml as a mapping (empty when the file is empty)."""
    import yaml  # when asked: `chartkit render` loads PyYAML while helm runs

    return yaml.safe_load((chart_dir / "Chart.yaml").read_text()) or {}
