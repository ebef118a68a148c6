"""Scheduling smoke-test releases: groups by namespace, order inside a group, parallel runs,
and the progress lines printed while they run.

Releases that share a namespace form one group and run one after the other, in inventory
order except that a release comes after the releases of its group it needs (helmfile.yaml's
`needs:`, e.g. seedtest-api after r-analytics, whose token Secret it reads). Groups run in
parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from chartkit.releases.needs import in_order

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


def order_by_needs(releases: Sequence[str], needs: Mapping[str, Iterable[str]]) -> list[str]:
    """The releases of one group, each after those of the group it needs (helmfile.yaml's
    `needs:`), otherwise in the given order; needs outside the group do not order it."""
    return in_order(releases, needs)


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
    """Progress lines, one per finished step: elapsed run time, release, step, outcome
    and the step's own duration. Safe to call from several threads."""

    def __init__(
        self,
        write: Callable[[str], Any],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write = write
        self.clock = clock
        self.started = clock()
        self._lock = threading.Lock()

    def line(self, release: str, step: str, outcome: str, seconds: float | None = None) -> str:
        elapsed = self.clock() - self.started
        took = f" ({seconds:.1f}s)" if seconds is not None else ""
        return f"[{elapsed:7.1f}s] {release:<24} {step:<18} {outcome}{took}"

    def report(self, release: str, step: str, outcome: str, seconds: float | None = None) -> None:
        text = self.line(release, step, outcome, seconds)
        with self._lock:
            self.write(text)

    def note(self, text: str) -> None:
        elapsed = self.clock() - self.started
        with self._lock:
            self.write(f"[{elapsed:7.1f}s] {text}")
