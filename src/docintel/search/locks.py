"""Bounded-wait file locks between the processes that write the index.

flock() locks belong to an open file and die with the process that holds them, so a writer
killed with -9 never leaves a lock behind (the lock file stays, unlocked). Each acquisition opens
its own descriptor, so two threads of one process exclude each other as two processes do.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from docintel.errors import DocintelError, ErrorCode

_POLL_SECONDS = 0.05


@contextmanager
def file_lock(path: Path, *, exclusive: bool, timeout: float, what: str) -> Iterator[None]:
    """Hold `path` locked (shared or exclusive); DocintelError INDEX_BUSY after `timeout` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DocintelError(
                        ErrorCode.INDEX_BUSY, f"{what}: the search index is locked by another writer; waited {timeout:g} s"
                    ) from None
                time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_locked(path: Path) -> bool:
    """Whether some process holds `path` locked right now (a leftover lock file is not a lock)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
