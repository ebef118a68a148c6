"""chartkit.tools.worker_pool: calls run on at most `workers` threads, in the order
submitted; results and exceptions reach whoever asks; a shutdown drops what has not
started."""

from __future__ import annotations

import threading
import time

import pytest

from chartkit.tools.worker_pool import Cancelled, WorkerPool


def test_results_come_back_to_whoever_asks_in_any_order() -> None:
    pool = WorkerPool(2)
    pending = [pool.submit(lambda n=n: n * n) for n in range(10)]
    assert [p.result() for p in reversed(pending)] == [n * n for n in reversed(range(10))]
    assert all(p.done() for p in pending)


def test_no_more_than_workers_calls_run_at_once_and_they_start_in_order() -> None:
    lock = threading.Lock()
    running, most, started = [0], [0], []

    def call(n: int) -> None:
        with lock:
            started.append(n)
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    pool = WorkerPool(3)
    for p in [pool.submit(lambda n=n: call(n)) for n in range(9)]:
        p.result()
    assert most[0] == 3
    assert started[:3] == sorted(started[:3]) and sorted(started) == list(range(9))
    assert len({t.name for t in threading.enumerate() if t.name.startswith("worker_")}) <= 3


def test_a_calls_exception_is_raised_to_whoever_asks() -> None:
    def broken() -> None:
        raise ValueError("no")

    pending = WorkerPool(1).submit(broken)
    with pytest.raises(ValueError, match="no"):
        pending.result()


def test_a_shutdown_drops_what_has_not_started_and_lets_the_running_finish() -> None:
    release = threading.Event()
    pool = WorkerPool(1)
    running = pool.submit(lambda: release.wait(5) and "finished")
    time.sleep(0.05)  # the worker has taken the first call
    waiting = [pool.submit(lambda: "ran") for _ in range(3)]
    pool.shutdown()
    release.set()
    assert running.result() == "finished"
    for pending in waiting:
        assert pending.done()
        with pytest.raises(Cancelled):
            pending.result()
    with pytest.raises(Cancelled):
        pool.submit(lambda: "late").result()


def test_the_pool_starts_threads_only_as_calls_come() -> None:
    pool = WorkerPool(4, name="lazy")
    assert not [t for t in threading.enumerate() if t.name.startswith("lazy_")]
    pool.submit(lambda: None).result()
    assert len([t for t in threading.enumerate() if t.name.startswith("lazy_")]) == 1
    pool.shutdown()
