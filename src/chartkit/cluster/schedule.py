"""Scheduling smoke-test releases: groups by namespace, order inside a group, parallel runs,
and the progress lines printed while they run (Progress).

Releases that share a namespace form one group and run one after the other, in inventory
order except that a release that creates a Secret (a Secret or an ExternalSecret's target)
another release of the namespace reads comes first. Groups run in parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any, TypeVar

from chartkit.cluster.smoke_results import first_line
from chartkit.releases.manifest import Object, containers, is_workload, pod_spec

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Group:
    namespace: str
    releases: tuple[str, ...]


def group_by_namespace(namespaces: Mapping[str, str]) -> list[Group]:
    """release -> namespace, in inventory order, to groups in order of first appearance."""
    groups: dict[str, list[str]] = {}
    for release, namespace in namespaces.items():
        groups.setdefault(namespace, []).append(release)
    return [Group(namespace, tuple(releases)) for namespace, releases in groups.items()]


# -- Secrets made and read ----------------------------------------------------------------


def _namespace(obj: Object, default: str) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or default)


def secrets_made(objects: Iterable[Object], namespace: str) -> set[tuple[str, str]]:
    """(namespace, name) of Secrets the objects create, directly or via ExternalSecrets."""
    made: set[tuple[str, str]] = set()
    for obj in objects:
        name = (obj.get("metadata") or {}).get("name")
        if obj.get("kind") == "Secret" and name:
            made.add((_namespace(obj, namespace), str(name)))
        elif obj.get("kind") == "ExternalSecret":
            target = ((obj.get("spec") or {}).get("target") or {}).get("name") or name
            if target:
                made.add((_namespace(obj, namespace), str(target)))
    return made


def secrets_read(objects: Iterable[Object], namespace: str) -> set[tuple[str, str]]:
    """(namespace, name) of Secrets the objects' pods read (env, envFrom, volumes)."""
    read: set[tuple[str, str]] = set()
    for obj in objects:
        if not is_workload(obj):
            continue
        where = _namespace(obj, namespace)
        spec = pod_spec(obj)
        for volume in spec.get("volumes") or []:
            if "secret" in volume:
                read.add((where, str(volume["secret"].get("secretName"))))
            for source in (volume.get("projected") or {}).get("sources") or []:
                if "secret" in source:
                    read.add((where, str(source["secret"].get("name"))))
        for container in containers(obj, include_init=True):
            for item in container.get("env") or []:
                ref = (item.get("valueFrom") or {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    read.add((where, str(ref.get("name"))))
            for item in container.get("envFrom") or []:
                ref = item.get("secretRef")
                if ref and not ref.get("optional"):
                    read.add((where, str(ref.get("name"))))
    return read


def order_by_secrets(
    releases: Sequence[str], manifests: Mapping[str, Sequence[Object]], namespace: str
) -> list[str]:
    """Releases reordered so each comes after the releases making Secrets it reads, the
    earliest in the given order first among those ready; in a cycle the given order is
    kept."""
    made = {r: secrets_made(manifests.get(r, ()), namespace) for r in releases}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for release in releases:
        read = secrets_read(manifests.get(release, ()), namespace)
        sorter.add(
            release, *(other for other in releases if other != release and read & made[other])
        )
    try:
        sorter.prepare()
    except CycleError:
        return list(releases)
    position = {release: index for index, release in enumerate(releases)}
    ordered: list[str] = []
    ready: list[str] = []
    while sorter.is_active():
        ready = sorted([*ready, *sorter.get_ready()], key=position.__getitem__)
        ordered.append(ready.pop(0))
        sorter.done(ordered[-1])
    return ordered


# -- running ------------------------------------------------------------------------------


def run_parallel(items: Sequence[T], work: Callable[[T], R], parallel: int) -> list[R]:
    """work(item) for every item, at most `parallel` at a time; results in item order.
    An exception in one item is re-raised after all items finished."""
    if parallel <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="smoke") as pool:
        futures = [pool.submit(work, item) for item in items]
        return [future.result() for future in futures]


class Progress:
    """What a person watching a smoke run reads, one whole line at a time: notes with the
    run's elapsed time, each release step's outcome with its own duration
    (`[seedtest-api] upgrade done in 41.2s: revision 2 ...`), and the output of the
    release's long commands, each line prefixed with the release (`[seedtest-api] ...`),
    so that parallel releases stay readable. Safe to call from several threads."""

    def __init__(
        self,
        write: Callable[[str], Any],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write = write
        self.clock = clock
        self.started = clock()
        self._lock = threading.Lock()

    def _line(self, text: str) -> None:
        with self._lock:
            self.write(text)

    def step(self, release: str, step: str, ok: bool, seconds: float, detail: str = "") -> None:
        """One line when a release step ends."""
        detail = first_line(detail)
        if ok:
            self._line(
                f"[{release}] {step} done in {seconds:.1f}s" + (f": {detail}" if detail else "")
            )
        else:
            self._line(f"[{release}] {step} FAILED after {seconds:.1f}s: {detail}")

    def output(self, release: str) -> Callable[[str], None]:
        """Where a release's long commands print: each line prefixed with the release."""
        return lambda line: self._line(f"[{release}] {line}")

    def note(self, text: str) -> None:
        self._line(f"[{self.clock() - self.started:7.1f}s] {text}")
