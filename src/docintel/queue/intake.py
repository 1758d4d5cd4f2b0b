"""Uploads into the queue: the original archived, a 'received' Document row, who sent it.

Arriving uploads share transactions (group commit): while one thread writes, the uploads that
arrive meanwhile wait and are written together in the next transaction. On SQLite every commit
is a sync to disk and one writer at a time; twenty stations sending at once then cost two or
three commits instead of twenty in a row.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from docintel.archive.originals import store_original
from docintel.queue.jobs import one_writer
from docintel.store.models import ClerkAction, Document, DocumentStatus, DocumentUpload

# Hashes per IN (...) look-up; SQLite allows 32766 bound parameters.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Upload:
    path: Path  # the received bytes; its extension is the one the archive keeps
    sha256: str
    size: int
    filename: str  # the client's name, as text
    mime_type: str | None
    uploader_id: int | None = None  # the API key that sent it


@dataclass(frozen=True)
class Enqueued:
    document_id: int
    sha256: str
    status: DocumentStatus
    duplicate: bool  # the same bytes were stored before (or earlier in the same batch)


def _record_upload(session: Session, document_id: int, uploader_id: int | None, filename: str) -> None:
    if uploader_id is None:
        return
    known = session.scalar(
        select(DocumentUpload.id).where(DocumentUpload.document_id == document_id, DocumentUpload.api_key_id == uploader_id)
    )
    if known is None:
        session.add(DocumentUpload(document_id=document_id, api_key_id=uploader_id, filename=filename))


def _retry_if_failed(session: Session, document: Document) -> None:
    """The same bytes sent again after a failure are read again (as `docintel ingest` does): the
    failure may have been a missing tesseract, not the file. A row clerks acted on stays as it is."""
    if document.status != DocumentStatus.FAILED:
        return
    if session.scalar(select(exists().where(ClerkAction.document_id == document.id))):
        return
    document.status = DocumentStatus.RECEIVED
    document.error_code = document.error_message = None


def _existing(session: Session, hashes: list[str]) -> dict[str, Document]:
    found: dict[str, Document] = {}
    for start in range(0, len(hashes), _LOOKUP_CHUNK):
        for document in session.scalars(select(Document).where(Document.sha256.in_(hashes[start : start + _LOOKUP_CHUNK]))):
            found[document.sha256] = document
    return found


def enqueue_uploads(session_factory: sessionmaker[Session], home: Path, uploads: Sequence[Upload]) -> list[Enqueued]:
    """Archive and queue `uploads` in one transaction; one result per upload, in order.

    The same bytes as a stored document give that document with duplicate=True. The original is
    archived before the row is committed: a crash in between leaves a file the next upload of the
    same bytes finds in place, never a row without its original.
    """
    for _ in range(2):  # the second round only after losing an insert race to another process
        with session_factory() as session:
            existing = _existing(session, sorted({u.sha256 for u in uploads}))
            rows: dict[str, Document] = {}
            duplicate: list[bool] = []
            for upload in uploads:
                document = rows.get(upload.sha256) or existing.get(upload.sha256)
                duplicate.append(document is not None)
                if document is None:
                    store_original(home, upload.path, upload.sha256)
                    document = Document(
                        sha256=upload.sha256, original_filename=upload.filename, size_bytes=upload.size,
                        mime_type=upload.mime_type, pages=0, status=DocumentStatus.RECEIVED,
                    )
                    session.add(document)
                elif upload.sha256 in existing and upload.sha256 not in rows:
                    _retry_if_failed(session, document)
                rows[upload.sha256] = document
            try:
                with one_writer(session_factory):
                    session.flush()
                    for upload in uploads:
                        _record_upload(session, rows[upload.sha256].id, upload.uploader_id, upload.filename)
                    session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return [
                Enqueued(rows[u.sha256].id, u.sha256, DocumentStatus(rows[u.sha256].status), dup)
                for u, dup in zip(uploads, duplicate, strict=True)
            ]
    raise RuntimeError("could not store or find the uploaded documents after two tries")  # two lost races: a bug


def enqueue_file(
    session_factory: sessionmaker[Session],
    home: Path,
    path: Path,
    *,
    sha256: str,
    size: int,
    filename: str,
    mime_type: str | None,
    uploader_id: int | None = None,
) -> Enqueued:
    """One file into the queue (enqueue_uploads of one)."""
    return enqueue_uploads(session_factory, home, [Upload(path, sha256, size, filename, mime_type, uploader_id)])[0]


class GroupCommit:
    """enqueue_uploads for many threads at once: uploads arriving while a transaction is being
    written wait and go into the next one together. The thread that finds nobody writing writes
    (for itself and whoever queued meanwhile) until nothing is left: no extra thread to manage."""

    def __init__(self, session_factory: sessionmaker[Session], home: Path):
        self.session_factory = session_factory
        self.home = home
        self._lock = threading.Lock()
        self._waiting: list[tuple[list[Upload], Future]] = []
        self._writing = False

    def enqueue(self, uploads: Sequence[Upload]) -> list[Enqueued]:
        # Each caller archives its own originals first, so their disk syncs run side by side;
        # enqueue_uploads then finds them in place.
        for upload in uploads:
            store_original(self.home, upload.path, upload.sha256)
        ticket: tuple[list[Upload], Future] = (list(uploads), Future())
        with self._lock:
            self._waiting.append(ticket)
            lead = not self._writing
            self._writing = True
        if lead:
            self._write_all()
        return ticket[1].result()

    def _write_all(self) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._writing = False
                    return
            try:
                results = enqueue_uploads(self.session_factory, self.home, [u for uploads, _ in batch for u in uploads])
            except BaseException as error:  # each waiting request answers with the failure
                for _, future in batch:
                    future.set_exception(error)
                continue
            start = 0
            for uploads, future in batch:
                future.set_result(results[start : start + len(uploads)])
                start += len(uploads)
