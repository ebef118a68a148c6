"""Scheduling smoke-test releases: groups by namespace, order inside a group, parallel runs,
and the progress lines printed while they run (Progress).

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

from chartkit.cluster.smoke_results import first_line
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
