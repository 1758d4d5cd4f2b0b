"""The embedded queue runner: one thread claims waiting documents, a process pool reads them.

Workers only extract (OCR is CPU-bound and must run in processes); this thread stores every
result, so the database sees one writer for results however many workers run. Workers run at
a lower CPU priority than the service: uploads must be answered within a fraction of a second
while OCR keeps every core busy.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from docintel import service
from docintel.errors import ErrorCode
from docintel.queue.jobs import Claimed, claim_next, complete, requeue
from docintel.processes import process_alive
from docintel.settings import Settings, get_settings

log = logging.getLogger(__name__)

# How often an idle runner looks for work queued by another process (uploads here wake it at once).
IDLE_POLL_SECONDS = 1.0
# A document whose worker process died this many times is failed instead of being tried again.
MAX_CRASHES = 2
WORKER_NICENESS = 10
WATCHDOG_SECONDS = 2.0
OnDone = Callable[[int], None]


def _exit_with_service(pid: int) -> None:
    # A SIGKILLed service runs no shutdown: its workers would wait for work forever (and keep the
    # forkserver alive). Its queued and claimed documents are picked up by the next start.
    while process_alive(pid):
        time.sleep(WATCHDOG_SECONDS)
    os._exit(0)


def _init_worker(environment: dict[str, str], service_pid: int) -> None:
    # Worker processes start fresh (forkserver): they read the service's settings from the environment.
    os.environ.update(environment)
    get_settings.cache_clear()
    service.init_reader_process()
    threading.Thread(target=_exit_with_service, args=(service_pid,), name="docintel-watchdog", daemon=True).start()
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not permitted here: same priority, still correct
        pass


def settings_environment(settings: Settings) -> dict[str, str]:
    """DOCINTEL_* variables that reproduce `settings` in a worker process."""
    values = settings.model_dump(mode="json", exclude_none=True)
    # pydantic-settings reads JSON for anything that is not a plain string (numbers, booleans, lists).
    return {f"DOCINTEL_{name.upper()}": v if isinstance(v, str) else json.dumps(v) for name, v in values.items()}


class Dispatcher:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        home: Path,
        workers: int,
        settings: Settings | None = None,
        on_done: OnDone | None = None,
    ):
        self.session_factory = session_factory
        self.home = home
        self.workers = workers
        self.settings = settings or get_settings()
        self.on_done = on_done
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        # future → (the claimed document, when it was submitted, the pool that runs it)
        self._in_flight: dict[Future, tuple[Claimed, float, ProcessPoolExecutor]] = {}
        self._crashes: dict[int, int] = {}
        self._drain_seconds = 5.0

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="docintel-queue", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """New work was queued: look now instead of at the next poll."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def stop(self, drain_seconds: float = 5.0) -> None:
        """Stop claiming; store what finishes within `drain_seconds`, put the rest back in the queue."""
        self._drain_seconds = drain_seconds
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=drain_seconds + 5)

    # -- the loop --------------------------------------------------------------------------------

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            # Not fork: this process runs threads (the server's, this one) whose locks a fork would copy.
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_init_worker,
            initargs=(settings_environment(self.settings), os.getpid()),
        )

    def _run(self) -> None:
        self._pool = self._new_pool()
        try:
            while not self._stop.is_set():
                try:
                    self._step()
                except Exception:  # the database may be away for a moment: keep serving, try again
                    log.exception("queue runner step failed; retrying")
                    self._stop.wait(IDLE_POLL_SECONDS)
            self._drain()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _step(self) -> None:
        while len(self._in_flight) < self.workers and not self._stop.is_set():
            claimed = claim_next(self.session_factory, self.home)
            if claimed is None:
                break
            future = self._pool.submit(service.extract_file_safely, claimed.original)
            self._in_flight[future] = (claimed, time.perf_counter(), self._pool)
        if not self._in_flight:
            self._wake.wait(IDLE_POLL_SECONDS)
            self._wake.clear()
            return
        # While workers are busy, still notice new uploads now and then to fill free slots.
        done, _ = wait(list(self._in_flight), timeout=IDLE_POLL_SECONDS / 4, return_when=FIRST_COMPLETED)
        for future in done:
            self._finish(future)

    def _finish(self, future: Future) -> None:
        claimed, started, pool = self._in_flight.pop(future)
        try:
            result = future.result()
        except BrokenProcessPool:
            self._worker_died(claimed, pool)
            return
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        status = complete(self.session_factory, self.home, claimed, result, elapsed_ms)
        self._crashes.pop(claimed.document_id, None)
        self._index(claimed.document_id)
        if status is not None and self.on_done:
            self.on_done(claimed.document_id)

    def _worker_died(self, claimed: Claimed, pool: ProcessPoolExecutor) -> None:
        """A worker process died (killed, out of memory, a crash in native code). Every job in
        flight fails with it, so each is tried again, and failed only once it was in flight at
        MAX_CRASHES deaths: an innocent document shares the pool with the one that kills it."""
        crashes = self._crashes[claimed.document_id] = self._crashes.get(claimed.document_id, 0) + 1
        if crashes >= MAX_CRASHES:
            failure = service.ExtractionFailure(
                str(claimed.original), str(ErrorCode.INTERNAL_ERROR),
                f"the worker process reading this document died {crashes} times; it was not read",
            )
            complete(self.session_factory, self.home, claimed, failure, 0)
            if self.on_done:
                self.on_done(claimed.document_id)
        else:
            requeue(self.session_factory, [claimed.document_id])
        if pool is self._pool:  # the first of its broken jobs: replace the pool once
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def _index(self, document_id: int) -> None:
        try:
            from docintel.search import index_documents
        except ImportError:  # the search stage is not installed: nothing to index
            return
        try:
            index_documents(self.session_factory, [document_id], home=self.home)
        except Exception:  # the index can be rebuilt; the stored document is what counts
            log.exception("indexing document %s failed", document_id)

    def _drain(self) -> None:
        deadline = time.monotonic() + self._drain_seconds
        while self._in_flight and time.monotonic() < deadline:
            done, _ = wait(list(self._in_flight), timeout=max(0.0, deadline - time.monotonic()), return_when=FIRST_COMPLETED)
            for future in done:
                self._finish(future)
        if self._in_flight:
            requeue(self.session_factory, [claimed.document_id for claimed, _, _ in self._in_flight.values()])
            self._in_flight.clear()
