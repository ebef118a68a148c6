"""Worker threads that run calls handed to them in order, each call's result fetched
later by whoever needs it (the renderer's pool of helm runs).

concurrent.futures.ThreadPoolExecutor does the same; importing it costs some 6 ms (it
loads logging, traceback and queue), a tenth of all that `chartkit render <release>`
takes. This pool needs only threading, which the program loads anyway, and
queue.SimpleQueue. It does what the renderer asks of a pool and no more: submit, a pending
result that says whether it is done, and a shutdown that drops what has not started.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Generic, TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """The pool was shut down before the call started."""


class Pending(Generic[T]):
    """The result of a call submitted to a pool, once it has run."""

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._finished = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self._finished.is_set()

    def result(self) -> T:
        """The call's return value; its exception raised again; Cancelled when the pool
        was shut down before it started."""
        self._finished.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as error:  # handed to whoever asks for the result
            self._error = error
        self._finished.set()

    def _cancel(self) -> None:
        self._error = Cancelled("the pool was shut down before this call started")
        self._finished.set()


class WorkerPool:
    """Up to `workers` daemon threads, started as calls come; calls run in the order
    submitted."""

    def __init__(self, workers: int, name: str = "worker") -> None:
        self.workers = workers
        self.name = name
        self._queue: SimpleQueue[Pending[object] | None] = SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, call: Callable[[], T]) -> Pending[T]:
        pending: Pending[T] = Pending(call)
        with self._lock:
            if self._closed:
                pending._cancel()
                return pending
            self._queue.put(pending)  # type: ignore[arg-type]
            if len(self._threads) < self.workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}_{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return pending

    def shutdown(self) -> None:
        """Calls not started are dropped (their result raises Cancelled); running ones
        finish; the threads end. Does not wait."""
        with self._lock:
            self._closed = True
            while not self._queue.empty():
                pending = self._queue.get_nowait()
                if pending is not None:
                    pending._cancel()
            for _ in self._threads:
                self._queue.put(None)

    def _work(self) -> None:
        while True:
            pending = self._queue.get()
            if pending is None:
                return
            pending._run()
