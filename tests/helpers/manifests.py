"""Lookups in rendered objects that only tests make."""

from __future__ import annotations

from chartkit.releases.manifest import Manifest, Object, name_of


def find(manifest: Manifest, kind: str, name: str | None = None) -> Object | None:
    """The one object of this kind (and name), or None when there is none or several."""
    matches = [o for o in manifest.all(kind) if name is None or name_of(o) == name]
    return matches[0] if len(matches) == 1 else None
