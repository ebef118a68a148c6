"""Values documents merged the way Helm coalesces them."""

from __future__ import annotations

from pathlib import Path

from chartkit.releases.values import merge_values


def test_values_merge_like_helm(tmp_path: Path) -> None:
    merged = merge_values(
        {"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}, "d": None}, {"e": {"f": 2}}
    )
    assert merged == {"a": {"b": 1, "c": [3]}, "e": {"f": 2}}
