"""A consume folder: files are ingested once they are completely written.

Scanners and copy tools write in place, so a file counts as complete only when its size and
mtime did not change between two polls. Names ending in .part/.tmp/.crdownload are never
candidates (the folder rule in docintel.ingest.folder skips them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from docintel.ingest.folder import scan_files

DEFAULT_POLL_SECONDS = 2.0

Signature = tuple[int, int]  # size, mtime in ns


def _signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


@dataclass
class StableFileTracker:
    """Remembers what each poll saw; hands out each completed version of a file once."""

    previous: dict[Path, Signature] = field(default_factory=dict)
    handed_out: dict[Path, Signature] = field(default_factory=dict)

    def poll(self, folder: Path) -> list[Path]:
        current = {path: sig for path in scan_files(folder) if (sig := _signature(path)) is not None}
        ready = [
            path
            for path, sig in current.items()
            if self.previous.get(path) == sig and self.handed_out.get(path) != sig
        ]
        for path in ready:
            self.handed_out[path] = current[path]
        self.previous = current
        # Forget files that went away, so a new file under the same name is picked up again.
        self.handed_out = {p: s for p, s in self.handed_out.items() if p in current}
        return ready


def watch_batches(
    folder: Path,
    interval: float = DEFAULT_POLL_SECONDS,
    sleep: Callable[[float], object] = time.sleep,
    stopped: Callable[[], bool] = lambda: False,
) -> Iterator[list[Path]]:
    """Batches of newly completed files until `stopped()` (or the caller stops iterating)."""
    tracker = StableFileTracker()
    while not stopped():
        ready = tracker.poll(folder)
        if ready:
            yield ready
        if not stopped():
            sleep(interval)
