"""index.pending: ids whose index update could not be written yet, one per line.

An update that finds the index busy past the bounded wait, or failing, appends its ids here; the
next update or start-up takes them all and writes them. The file is appended and taken under a
lock of its own, so two processes neither lose nor half-read each other's lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from docintel.search.locks import file_lock
from docintel.search.store import IndexPaths

_LOCK_WAIT_SECONDS = 60


def add_pending(paths: IndexPaths, ids: Iterable[int]) -> None:
    lines = "".join(f"{doc_id}\n" for doc_id in sorted(set(ids)))
    if not lines:
        return
    with file_lock(paths.pending_lock, exclusive=True, timeout=_LOCK_WAIT_SECONDS, what="pending index updates"):
        with paths.pending.open("a", encoding="ascii") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())


def take_pending(paths: IndexPaths) -> set[int]:
    if not paths.pending.exists():
        return set()
    with file_lock(paths.pending_lock, exclusive=True, timeout=_LOCK_WAIT_SECONDS, what="pending index updates"):
        try:
            text = paths.pending.read_text(encoding="ascii")
        except FileNotFoundError:
            return set()
        paths.pending.unlink()
    return {int(line) for line in text.split() if line.isdigit()}


def pending_count(home=None) -> int:
    paths = IndexPaths.of(home)
    try:
        return len(set(paths.pending.read_text(encoding="ascii").split()))
    except FileNotFoundError:
        return 0
