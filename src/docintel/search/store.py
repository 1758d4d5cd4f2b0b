"""The index on disk: where it lives, opening and checking it, and cached searchers for readers.

Layout under DOCINTEL_HOME:
    index/           the whoosh index (replaced as a whole by a rebuild, see sync.py)
    index.lock       writers hold it shared, a rebuild exclusive (locks.py)
    index.pending    ids whose update could not be written yet, one per line
A rebuild writes index.build-<token>/ and swaps it in, so readers see the old index until then.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from docintel.search.analysis import ANALYSIS_VERSION
from docintel.search.schema import build_schema
from docintel.settings import get_settings

INDEX_DIR = "index"
_OPEN_ATTEMPTS = 5
T = TypeVar("T")
_OPEN_RETRY_SECONDS = 0.05


class IndexProblem(Exception):
    """Why the index on disk cannot be used as it is (missing, unreadable, another version)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IndexPaths:
    home: Path

    @classmethod
    def of(cls, home: Path | str | None) -> IndexPaths:
        return cls(Path(home if home is not None else get_settings().home))

    @property
    def directory(self) -> Path:
        return self.home / INDEX_DIR

    @property
    def lock(self) -> Path:
        return self.home / "index.lock"

    @property
    def pending(self) -> Path:
        return self.home / "index.pending"

    @property
    def pending_lock(self) -> Path:
        return self.home / "index.pending.lock"


def open_index(directory: Path) -> FileIndex:
    """The index in `directory`, or IndexProblem saying why it cannot be opened."""
    if not directory.is_dir():
        raise IndexProblem("missing (no index folder)")
    try:
        ix = whoosh_index.open_dir(str(directory))
        schema = ix.schema  # read from the table of contents again
    except whoosh_index.EmptyIndexError:
        raise IndexProblem("empty (its folder holds no index)") from None
    except Exception as error:  # whoosh reports damage as whatever unpickling/struct raised
        raise IndexProblem(f"unreadable ({type(error).__name__}: {error})") from error
    if set(schema.names()) != set(build_schema().names()) or getattr(schema["text"].analyzer, "version", None) != ANALYSIS_VERSION:
        ix.close()
        raise IndexProblem("built by another version of docintel")
    return ix


def numeric_column(leaf, field: str) -> np.ndarray:
    """A numeric column of one segment, all documents, as an array.

    whoosh keeps it as fixed-width big-endian values (none stored past the last one written): read
    as one buffer, 100,000 values take milliseconds instead of a second through the column reader.
    """
    reader = leaf.column_reader(field, translate=False)
    count = leaf.doc_count_all()
    try:
        raw = reader._dbfile.get(reader._basepos, reader._count * reader._fixedlen)
        values = np.frombuffer(raw, dtype=">" + reader._typecode).astype(np.int64)
    except AttributeError:  # another column (empty: no document has the field): the public way
        return np.array([v - 2**64 if v >= 2**63 else v for v in reader], dtype=np.int64)
    if len(values) < count:  # the default, read as the stored bytes would be (unsigned wraps)
        default = reader._default if reader._default < 2**63 else reader._default - 2**64
        values = np.concatenate([values, np.full(count - len(values), default, dtype=np.int64)])
    return values


def indexed_stamps(searcher: Searcher) -> tuple[np.ndarray, np.ndarray]:
    """(document ids, update stamps) of every live document, read from the columns of each segment.

    Reading every column value of every segment is also the corruption check: garbage in a
    segment file fails here, not in the middle of a clerk's search.
    """
    ids, stamps = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for leaf, _offset in searcher.reader().leaf_readers():
        if not leaf.doc_count_all():  # an empty index has no columns at all
            continue
        live = np.ones(leaf.doc_count_all(), dtype=bool)
        if leaf.has_deletions():
            live[list(leaf.deleted_docs_set)] = False
        ids.append(numeric_column(leaf, "docid")[live])
        stamps.append(numeric_column(leaf, "updated")[live])
    return np.concatenate(ids), np.concatenate(stamps)


def indexed_state(searcher: Searcher) -> dict[int, int]:
    """document id -> update stamp of every live document."""
    ids, stamps = indexed_stamps(searcher)
    return dict(zip(ids.tolist(), stamps.tolist()))


def check_index(ix: FileIndex) -> dict[int, int]:
    """The indexed state, after reading enough of every segment to know it is intact."""
    try:
        with ix.searcher() as searcher:
            state = indexed_state(searcher)
            for leaf, _offset in searcher.reader().leaf_readers():
                live = list(leaf.all_doc_ids())
                for docnum in live[:1] + live[-1:]:
                    leaf.stored_fields(docnum)
            if len(state) != searcher.doc_count():
                raise IndexProblem(f"damaged: {len(state)} documents in the columns, {searcher.doc_count()} counted")
            return state
    except IndexProblem:
        raise
    except Exception as error:
        raise IndexProblem(f"damaged ({type(error).__name__}: {error})") from error


def retrying(open_and_read: Callable[[], T]) -> T:
    """Run `open_and_read`, again when a file it needed vanished.

    A commit deletes the files of the segments it merged away and its old table of contents:
    opening the index just then can find a file gone that the table of contents it read named.
    That is no damage, and must not cost a rebuild; the next try reads the newer table.
    """
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return open_and_read()
        except (IndexProblem, FileNotFoundError) as problem:
            vanished = isinstance(problem, FileNotFoundError) or isinstance(problem.__cause__, FileNotFoundError)
            if not vanished:
                raise
            if attempt + 1 == _OPEN_ATTEMPTS:
                raise IndexProblem("damaged (a file its table of contents names is missing)") from problem
            time.sleep(_OPEN_RETRY_SECONDS)
    raise AssertionError("unreachable")


def checked_state(directory: Path) -> dict[int, int]:
    """Open the index in `directory`, check it (check_index) and close it; IndexProblem if unusable."""

    def attempt() -> dict[int, int]:
        ix = open_index(directory)
        try:
            return check_index(ix)
        finally:
            ix.close()

    return retrying(attempt)


def _open_searcher(directory: Path) -> Searcher:
    def attempt() -> Searcher:
        ix = open_index(directory)
        try:
            return ix.searcher()
        except FileNotFoundError:
            ix.close()
            raise
        except Exception as error:  # a segment file that cannot be read
            ix.close()
            raise IndexProblem(f"damaged ({type(error).__name__}: {error})") from error

    return retrying(attempt)


def _identity(directory: Path) -> tuple:
    files = []
    with os.scandir(directory) as entries:
        for entry in entries:
            try:
                if entry.is_file():
                    stat = entry.stat()
                    files.append((entry.name, stat.st_size, stat.st_mtime_ns))
            except FileNotFoundError:  # removed by a commit while listing
                continue
    return os.stat(directory).st_ino, tuple(sorted(files))


class SearcherCache:
    """One open searcher per thread and index folder, reopened when the folder changes.

    whoosh searchers share file handles and are not safe across threads. Every commit adds files
    to the folder and a rebuild replaces the folder, so the folder's inode and the names, sizes and
    modification times of its files tell whether the cached searcher still reads the current
    index: a generation number alone would not notice a swapped-in rebuild, nor a segment file
    overwritten in place (which must fail to open, not return nothing). A handful of stat calls.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, directory: Path) -> Searcher:
        cache: dict[Path, tuple[tuple, Searcher]] = self._local.__dict__.setdefault("searchers", {})
        try:
            identity = _identity(directory)
        except FileNotFoundError:
            self.drop(directory)
            raise IndexProblem("missing (no index folder)") from None
        cached = cache.get(directory)
        if cached is not None and cached[0] == identity:
            return cached[1]
        self.drop(directory)
        searcher = _open_searcher(directory)
        cache[directory] = (identity, searcher)
        return searcher

    def drop(self, directory: Path) -> None:
        cache = self._local.__dict__.get("searchers", {})
        cached = cache.pop(directory, None)
        if cached is not None:
            cached[1].close()


searchers = SearcherCache()
