"""Keeping the index in step with the database, which is always the truth.

- `index_documents` (re)indexes given ids after an ingest, a clerk's correction or a deletion.
  When another writer holds the index past the bounded wait, or anything else fails, the ids are
  appended to index.pending and taken up by the next update or start-up: never lost.
- `rebuild_index` builds a fresh index from every database row in a folder of its own and swaps
  it in, so searches go on against the old index meanwhile.
- `ensure_index` runs at start-up: a missing, unreadable, damaged or other-version index is
  rebuilt; one out of step with the database (ids and update stamps compared) is patched, or
  rebuilt when most of it is stale. Each says why in a log line.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker
from whoosh import index as whoosh_index
from whoosh.index import FileIndex, LockError

from docintel.errors import DocintelError, ErrorCode
from docintel.search.locks import file_lock
from docintel.search.pending import add_pending, take_pending
from docintel.search.schema import PostingsCodec, build_schema, document_record, micros
from docintel.search.store import IndexPaths, IndexProblem, checked_state, indexed_state, open_index, retrying
from docintel.settings import get_settings
from docintel.store.models import Document, Flag

log = logging.getLogger(__name__)

_LOAD_CHUNK = 500
# Out of step by more than this share of the archive: a rebuild is quicker than patching.
_REBUILD_SHARE = 0.5
_WRITER_MEMORY_MB = 512
# A rebuild writes a segment per this many documents: a writer that must spill its postings to
# disk and merge them back indexed 260 documents/s against 420 in memory (benchmarks/search.py),
# and merging the segments afterwards (optimize) cost more than building them.
_SEGMENT_DOCS = 10_000
SessionFactory = sessionmaker[Session]


class IndexReport(BaseModel):
    """What an index operation did: nothing, (re)indexed some ids, rebuilt, or left ids pending."""

    action: Literal["none", "updated", "rebuilt", "pending"]
    reason: str | None = None
    indexed: int = 0
    removed: int = 0
    pending: int = 0
    documents: int | None = None  # in the index afterwards, when known


def database_state(session_factory: SessionFactory) -> dict[int, int]:
    """document id -> update stamp: the later of the row's and its flags' updated_at."""
    query = (
        select(Document.id, Document.updated_at, func.max(Flag.updated_at))
        .outerjoin(Flag, Flag.document_id == Document.id)
        .group_by(Document.id, Document.updated_at)
    )
    with session_factory() as session:
        return {doc_id: max(micros(updated), micros(flagged)) for doc_id, updated, flagged in session.execute(query)}


def database_signal(session_factory: SessionFactory) -> tuple[int, int]:
    """(documents, latest update stamp): what the index's own count and latest stamp must equal.

    Two aggregate queries instead of every row: a start-up that finds them equal is done (an
    ingest adds rows with a newer stamp, a correction or flag change writes one, a deletion lowers
    the count), and compares row by row only when they differ.
    """
    with session_factory() as session:
        count, latest = session.execute(select(func.count(Document.id), func.max(Document.updated_at))).one()
        flagged = session.execute(select(func.max(Flag.updated_at))).scalar_one()
    return count, max(micros(latest), micros(flagged))


def _documents(session: Session, ids: list[int]) -> list[Document]:
    query = select(Document).where(Document.id.in_(ids)).options(selectinload(Document.flags))
    return list(session.scalars(query))


def _all_documents(session_factory: SessionFactory) -> Iterator[list[Document]]:
    last = 0
    while True:
        with session_factory() as session:
            chunk = list(
                session.scalars(
                    select(Document).where(Document.id > last).order_by(Document.id).limit(_LOAD_CHUNK)
                    .options(selectinload(Document.flags))
                )
            )
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def _write(ix: FileIndex, session_factory: SessionFactory, ids: Iterable[int], timeout: float) -> tuple[int, int]:
    """(Re)index `ids` from the database, a commit per _SEGMENT_DOCS; ids without a row are removed."""
    ids = sorted(set(ids))
    indexed = removed = 0
    for first in range(0, len(ids), _SEGMENT_DOCS):
        try:
            writer = ix.writer(timeout=timeout, delay=0.05, limitmb=_WRITER_MEMORY_MB, codec=PostingsCodec())
        except LockError:
            raise DocintelError(ErrorCode.INDEX_BUSY, f"another process is writing the search index; waited {timeout:g} s") from None
        try:
            part = ids[first : first + _SEGMENT_DOCS]
            for start in range(0, len(part), _LOAD_CHUNK):
                chunk = part[start : start + _LOAD_CHUNK]
                with session_factory() as session:
                    found = {document.id: document for document in _documents(session, chunk)}
                for doc_id in chunk:
                    if doc_id in found:
                        writer.update_document(**document_record(found[doc_id]))
                        indexed += 1
                    else:
                        writer.delete_by_term("id", str(doc_id))
                        removed += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    return indexed, removed


def out_of_step(indexed: dict[int, int], database: dict[int, int]) -> set[int]:
    return {doc_id for doc_id, stamp in database.items() if indexed.get(doc_id) != stamp} | (indexed.keys() - database.keys())


# -- rebuild -------------------------------------------------------------------------------------


def _swap_in(paths: IndexPaths, build) -> None:
    old = paths.home / f"index.old-{secrets.token_hex(4)}"
    if os.path.lexists(paths.directory):
        os.replace(paths.directory, old)
    os.replace(build, paths.directory)
    _remove(old)


def _remove(path) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.unlink(path)


def _remove_leftovers(paths: IndexPaths) -> None:
    """Half-built folders of a rebuild that was killed, when no rebuild is running now."""
    leftovers = [p for pattern in ("index.build-*", "index.old-*") for p in paths.home.glob(pattern)]
    if not leftovers:
        return
    try:
        with file_lock(paths.lock, exclusive=True, timeout=0, what="cleanup"):
            for path in leftovers:
                log.warning("removing %s left by an interrupted index rebuild", path)
                _remove(path)
    except DocintelError:
        pass  # a rebuild or a writer is running; the next start-up cleans up


def _build(paths: IndexPaths, session_factory: SessionFactory) -> int:
    build = paths.home / f"index.build-{secrets.token_hex(4)}"
    build.mkdir(parents=True)
    try:
        ix = whoosh_index.create_in(str(build), build_schema())
        writer, in_segment = ix.writer(limitmb=_WRITER_MEMORY_MB, codec=PostingsCodec()), 0
        try:
            for chunk in _all_documents(session_factory):
                for document in chunk:
                    writer.add_document(**document_record(document))
                in_segment += len(chunk)
                if in_segment >= _SEGMENT_DOCS:
                    writer.commit(merge=False)
                    writer, in_segment = ix.writer(limitmb=_WRITER_MEMORY_MB, codec=PostingsCodec()), 0
            writer.commit(merge=False)
        except BaseException:
            writer.cancel()
            raise
        # Rows written while the build read the database: nobody else can write this folder.
        with ix.searcher() as searcher:
            stale = out_of_step(indexed_state(searcher), database_state(session_factory))
        if stale:
            _write(ix, session_factory, stale, timeout=0)
        with ix.searcher() as searcher:
            count = searcher.doc_count()
        ix.close()
        _swap_in(paths, build)
        return count
    except BaseException:
        _remove(build)
        raise


def rebuild_because(paths: IndexPaths, session_factory: SessionFactory, reason: str, unless_healthy: bool) -> IndexReport:
    settings = get_settings()
    with file_lock(paths.lock, exclusive=True, timeout=settings.index_rebuild_wait, what="index rebuild"):
        if unless_healthy:  # another process may have rebuilt it while this one waited
            try:
                return IndexReport(action="none", documents=len(checked_state(paths.directory)))
            except IndexProblem:
                pass
        started = time.perf_counter()
        count = _build(paths, session_factory)
    elapsed = time.perf_counter() - started
    log_at = log.info if reason == "requested" else log.warning
    log_at("search index rebuilt from the database (%s): %d documents in %.1f s", reason, count, elapsed)
    return IndexReport(action="rebuilt", reason=reason, indexed=count, documents=count)


def rebuild_index(session_factory: SessionFactory, home=None) -> int:
    """Recreate the index from every document in the database; returns the documents indexed."""
    return rebuild_because(IndexPaths.of(home), session_factory, "requested", unless_healthy=False).indexed


# -- the two entry points ------------------------------------------------------------------------


def index_documents(session_factory: SessionFactory, document_ids: Iterable[int], home=None) -> IndexReport:
    """(Re)index these documents from the database; ids no longer in it are removed from the index.

    Never raises for a busy or broken index: a missing or damaged index is rebuilt, and ids that
    cannot be written now are left pending (logged) for the next update or ensure_index.
    """
    paths = IndexPaths.of(home)
    ids = set(document_ids)
    try:
        ids |= take_pending(paths)
    except Exception as error:
        return _leave_pending(paths, ids, error)
    if not ids:
        return IndexReport(action="none")
    for attempt in range(2):
        try:
            timeout = get_settings().index_lock_timeout
            with file_lock(paths.lock, exclusive=False, timeout=timeout, what="index update"):
                ix = retrying(lambda: open_index(paths.directory))
                try:
                    indexed, removed = _write(ix, session_factory, ids, timeout)
                finally:
                    ix.close()
            return IndexReport(action="updated", indexed=indexed, removed=removed)
        except IndexProblem as problem:
            if attempt:
                return _leave_pending(paths, ids, problem)
            try:
                report = rebuild_because(paths, session_factory, f"index {problem.reason}", unless_healthy=True)
            except Exception as error:
                return _leave_pending(paths, ids, error)
            if report.action == "rebuilt":  # from the database, which holds these rows already
                return report
            # another process rebuilt it meanwhile: write the ids into that one
        except Exception as error:
            return _leave_pending(paths, ids, error)
    raise AssertionError("unreachable")


def _leave_pending(paths: IndexPaths, ids: set[int], error: Exception) -> IndexReport:
    add_pending(paths, ids)
    if isinstance(error, DocintelError):
        log.warning("%s; %d documents left pending for the next index update", error.message, len(ids))
    else:
        log.exception("indexing failed; %d documents left pending for the next index update", len(ids))
    return IndexReport(action="pending", reason=str(error), pending=len(ids))


def ensure_index(session_factory: SessionFactory, home=None) -> IndexReport:
    """At start-up: make the index whole and in step with the database, saying why when it was not."""
    paths = IndexPaths.of(home)
    _remove_leftovers(paths)
    try:
        indexed = checked_state(paths.directory)
    except IndexProblem as problem:
        return rebuild_because(paths, session_factory, f"index {problem.reason}", unless_healthy=True)
    pending = take_pending(paths)
    signal = (len(indexed), max(indexed.values(), default=0))
    if not pending and database_signal(session_factory) == signal:
        return IndexReport(action="none", documents=len(indexed))
    database = database_state(session_factory)
    stale = out_of_step(indexed, database) | pending
    if not stale:
        return IndexReport(action="none", documents=len(indexed))
    if len(stale) > max(_LOAD_CHUNK, _REBUILD_SHARE * len(database)):
        return rebuild_because(paths, session_factory, f"{len(stale)} of {len(database)} documents out of step", unless_healthy=False)
    log.warning("search index out of step with the database for %d documents; re-indexing them", len(stale))
    report = index_documents(session_factory, stale, home=paths.home)
    if report.action == "updated":
        report.reason = "out of step with the database"
        report.documents = len(database)
    return report
