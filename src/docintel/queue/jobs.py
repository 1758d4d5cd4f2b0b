"""The processing queue in the database: documents with status 'received' are waiting.

Durable by construction: an upload is committed as a 'received' row (its original already in the
archive) before the client hears 202 (intake.py), so a crash or restart loses nothing. A worker claims a row
with a conditional UPDATE (… WHERE status = 'received'), which exactly one claimer wins on SQLite
and on PostgreSQL; rows a dead service left 'processing' are put back at start-up.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from docintel import service
from docintel.archive.ingest import record_extraction
from docintel.archive.matching import matching_available
from docintel.archive.originals import archive_relative_path, extension_of, quarantine
from docintel.archive.persist import apply_failure
from docintel.store.models import Document, DocumentStatus

# Claims tried before giving up for this round when other claimers keep winning the race.
_CLAIM_ATTEMPTS = 5


@dataclass(frozen=True)
class Claimed:
    document_id: int
    sha256: str
    original: Path  # the archived file, absolute


def original_path(home: Path, sha256: str, original_filename: str) -> Path:
    """Where store_original put a document's original (the extension comes from its file name)."""
    return home / archive_relative_path(sha256, extension_of(Path(original_filename)))


_SQLITE_WRITER = threading.Lock()


@contextmanager
def one_writer(database: sessionmaker[Session] | Session) -> Iterator[None]:
    """Writers of this process take turns on SQLite. It has one writer at a time, and a writer that
    finds the database locked sleeps in growing steps (up to 100 ms) before trying again: with 20
    stations uploading at once that backoff, not the work, made answers slow. PostgreSQL locks
    rows, not the database: no turns there."""
    bind = database.get_bind() if isinstance(database, Session) else database.kw.get("bind")
    if bind is not None and bind.dialect.name == "sqlite":
        with _SQLITE_WRITER:
            yield
    else:
        yield


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def claim_next(session_factory: sessionmaker[Session], home: Path) -> Claimed | None:
    """Take the oldest waiting document for processing, or None when the queue is empty."""
    with session_factory() as session:
        for _ in range(_CLAIM_ATTEMPTS):
            candidate = session.execute(
                select(Document.id, Document.sha256, Document.original_filename)
                .where(Document.status == DocumentStatus.RECEIVED)
                .order_by(Document.id)
                .limit(1)
            ).first()
            if candidate is None:
                return None
            with one_writer(session_factory):
                won = session.execute(
                    update(Document)
                    .where(Document.id == candidate.id, Document.status == DocumentStatus.RECEIVED)
                    .values(status=DocumentStatus.PROCESSING, claimed_at=_now())
                    .execution_options(synchronize_session=False)
                ).rowcount
                session.commit()
            if won == 1:
                original = original_path(home, candidate.sha256, candidate.original_filename)
                return Claimed(candidate.id, candidate.sha256, original)
    return None


def requeue(session_factory: sessionmaker[Session], document_ids: list[int] | None = None) -> int:
    """Put claimed documents back in the queue: all of them at start-up (their worker died with the
    service), or the given ones (a worker process crashed under them). Returns how many."""
    statement = update(Document).where(Document.status == DocumentStatus.PROCESSING)
    if document_ids is not None:
        if not document_ids:
            return 0
        statement = statement.where(Document.id.in_(document_ids))
    with one_writer(session_factory), session_factory() as session:
        count = session.execute(
            statement.values(status=DocumentStatus.RECEIVED, claimed_at=None).execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
    return count


def complete(
    session_factory: sessionmaker[Session],
    home: Path,
    claimed: Claimed,
    result: service.ExtractionResult,
    elapsed_ms: int,
) -> DocumentStatus | None:
    """Store a worker's result: fields, match and flags (or the failure) in one transaction.

    The same steps as `docintel ingest` (archive.ingest.record_extraction). None if the document
    is no longer claimed (deleted, or put back by a restart meanwhile).
    """
    with one_writer(session_factory), session_factory() as session, session.begin():
        document = session.get(Document, claimed.document_id)
        if document is None or document.status != DocumentStatus.PROCESSING:
            return None
        if isinstance(result, service.ExtractionFailure):
            quarantine(home, claimed.original, claimed.sha256)
            apply_failure(document, result.code, result.message)
        else:
            # The worker read the archived copy; the record names the file the client sent.
            extracted = result.model_copy(update={"file": document.original_filename})
            document.error_code = document.error_message = None
            record_extraction(session, home, document, extracted, matching_available())
        document.processing_ms = elapsed_ms
        return DocumentStatus(document.status)
