"""Release dependencies: helmfile's `needs:`, checked and put in order.

Each entry is written the way helmfile resolves it for a release with a namespace,
`<namespace>/<name>` (helmfile also accepts `<kubecontext>/<namespace>/<name>`; the releases
here carry no kubeContext, so that form names nothing). A need naming no release, and needs
forming a cycle, are refused with the releases involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any

from chartkit.releases.helmfile import INVENTORY_FILE, InventoryError


def parse_needs(where: str, entry: Mapping[str, Any]) -> tuple[str, ...]:
    """The `needs:` entries of one release as written (namespace/name strings)."""
    needs = entry.get("needs", []) or []
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise InventoryError(
            f"{where}: `needs` must be a list of releases as <namespace>/<name>, got {needs!r}"
        )
    return tuple(needs)


def resolve_needs(
    written: Mapping[str, tuple[str, ...]],
    namespaces: Mapping[str, str],
    where: Mapping[str, str],
) -> dict[str, tuple[str, ...]]:
    """release -> names of the releases it needs; refuses unknown needs and cycles.

    written: release -> its `needs:` as written; namespaces: release -> namespace;
    where: release -> "helmfile.yaml: releases[i] (name)" for messages."""
    known = {f"{namespace}/{name}": name for name, namespace in namespaces.items()}
    resolved: dict[str, tuple[str, ...]] = {}
    for release, needs in written.items():
        names = []
        for position, need in enumerate(needs):
            if need not in known:
                raise InventoryError(f"{where[release]}: needs[{position}] {need!r} {_why(need)}")
            names.append(known[need])
        resolved[release] = tuple(names)
    cycle = find_cycle(resolved)
    if cycle:
        path = " -> ".join(f"{namespaces[n]}/{n}" for n in cycle)
        raise InventoryError(
            f"{INVENTORY_FILE}: `needs` form a cycle, {path}: helmfile could install none of "
            "them first; drop the need that is not real"
        )
    return resolved


def _why(need: str) -> str:
    parts = need.split("/")
    if len(parts) == 1:
        return (
            "names no release: write it as <namespace>/<name> (helmfile needs the namespace "
            "of a release that has one)"
        )
    return "names no release of this file (a release is <namespace>/<name>)"


def find_cycle(needs: Mapping[str, Iterable[str]]) -> list[str]:
    """The releases of one cycle of needs, first one repeated at the end; [] if none."""
    try:
        TopologicalSorter({r: set(n) for r, n in needs.items()}).prepare()
    except CycleError as error:
        return list(reversed(error.args[1]))
    return []


def in_order(releases: Sequence[str], needs: Mapping[str, Iterable[str]]) -> list[str]:
    """The releases, each after those of them it needs, otherwise in the given order (the
    earliest ready one first). Needs outside `releases` do not order anything; `needs` must
    have no cycle."""
    chosen = set(releases)
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for release in releases:
        sorter.add(release, *(n for n in needs.get(release, ()) if n in chosen and n != release))
    sorter.prepare()
    position = {release: index for index, release in enumerate(releases)}
    ordered: list[str] = []
    ready: list[str] = []
    while sorter.is_active():
        ready = sorted([*ready, *sorter.get_ready()], key=position.__getitem__)
        ordered.append(ready.pop(0))
        sorter.done(ordered[-1])
    return ordered
