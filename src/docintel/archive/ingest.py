"""Bulk ingest: scans → archived originals → Document rows → match and flags, nothing lost.

Order of the steps for one file, so that a crash at any point is safe to re-run:
1. the original is copied into the archive under its hash (temp name, then rename);
2. one transaction inserts the Document with its Match, MatchLines and Flags.
A crash before 2 leaves at most an archived file without a row; the re-run finds that file
already in place and inserts the row. A crash after 2 leaves a complete document, which the
re-run reports as a duplicate. The unique sha256 keeps any race to one row. A file that failed
is tried again on the next run (its failed row is replaced), so nothing stays lost to a
transient failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from docintel import service
from docintel.archive.matching import match_and_flag, matching_available
from docintel.archive.originals import quarantine, store_original, store_page_images
from docintel.digests import sha256_of
from docintel.archive.persist import apply_extracted, document_row, failed_document_row
from docintel.archive.records import FileOutcome, IngestSummary, Outcome
from docintel.errors import ErrorCode
from docintel.extract import ExtractedDocument
from docintel.extract.lexicon import apply_lexicon
from docintel.ingest.folder import scan_files
from docintel.orders.lexicon import stored_lexicon
from docintel.search import index_documents
from docintel.store.models import ClerkAction, Document, DocumentStatus

log = logging.getLogger(__name__)

OnOutcome = Callable[[FileOutcome], None]
# Bound parameters per IN (...) query; SQLite allows 32766, PostgreSQL 65535.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class HashedFile:
    path: Path
    sha256: str
    size: int


def _existing_documents(session: Session, hashes: Sequence[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(hashes), _LOOKUP_CHUNK):
        chunk = hashes[start : start + _LOOKUP_CHUNK]
        for sha, doc_id, status in session.execute(
            select(Document.sha256, Document.id, Document.status).where(Document.sha256.in_(chunk))
        ):
            found[sha] = (doc_id, str(status))
    return found


def _forget_failures(session: Session, hashes: Sequence[str]) -> None:
    """Files that failed before get another try: a scanner may have rewritten a truncated file's
    name with the same bytes after a fix, or tesseract may have been missing. Their failed rows are
    removed in one transaction; should the run crash, the files are still in the folder and are
    tried again then. A row a clerk has already acted on stays (the audit trail needs it)."""
    acted_on = select(ClerkAction.document_id).where(ClerkAction.document_id.is_not(None))
    for start in range(0, len(hashes), _LOOKUP_CHUNK):
        session.execute(
            delete(Document).where(
                Document.sha256.in_(hashes[start : start + _LOOKUP_CHUNK]),
                Document.status == DocumentStatus.FAILED,
                Document.id.not_in(acted_on),
            )
        )
    session.commit()


def _duplicate(file: HashedFile, existing: tuple[int, str]) -> FileOutcome:
    return FileOutcome(
        str(file.path), Outcome.DUPLICATE, existing[0], file.sha256, status=existing[1], duplicate_of=existing[0]
    )


def _unreadable(path: Path, error: OSError) -> FileOutcome:
    # No bytes, no hash: nothing to key a Document row on. The summary still lists it.
    return FileOutcome(
        str(path), Outcome.FAILED, None, None, error_code=str(ErrorCode.UNREADABLE_FILE), error_message=str(error)
    )


def _insert(session_factory: sessionmaker[Session], row: Document, build: Callable[[Session, Document], FileOutcome]) -> FileOutcome | None:
    """Insert `row` and whatever `build` adds in one transaction; None if its hash won a race elsewhere."""
    with session_factory() as session:
        try:
            with session.begin():
                session.add(row)
                session.flush()
                return build(session, row)
        except IntegrityError:
            return None


def record_extraction(
    session: Session, home: Path, document: Document, extracted: ExtractedDocument, with_matching: bool
) -> tuple[str | None, tuple[str, ...]]:
    """What happens to a document once it is read, here and in the HTTP queue (docintel.queue):
    its page images are stored, its columns filled (status extracted), then it is matched and
    flagged. Names misread from the order book's spellings are snapped to them first
    (docintel.extract.lexicon). Runs in the caller's transaction; returns the matched order number and the flag codes."""
    store_page_images(home, document.sha256, {p.index + 1: p.image_jpeg for p in extracted.page_records if p.image_jpeg})
    apply_lexicon(extracted, stored_lexicon(session))
    apply_extracted(document, extracted)
    document.status = DocumentStatus.EXTRACTED
    session.flush()
    if not with_matching:
        return None, ()
    try:
        # A savepoint: a bug in matching must not cost the document, which stays "extracted".
        with session.begin_nested():
            result = match_and_flag(session, document, extracted)
    except Exception:
        log.exception("matching failed for document %s (%s); stored unmatched", document.id, document.original_filename)
        return None, ()
    return result.order_no, result.flag_codes


def _store_extracted(
    session_factory: sessionmaker[Session], home: Path, file: HashedFile, extracted: ExtractedDocument, with_matching: bool
) -> FileOutcome:
    store_original(home, file.path, file.sha256)

    def build(session: Session, document: Document) -> FileOutcome:
        order_no, flag_codes = record_extraction(session, home, document, extracted, with_matching)
        return FileOutcome(
            str(file.path), Outcome.INGESTED, document.id, file.sha256,
            status=str(document.status), flag_codes=flag_codes, matched_order=order_no,
        )

    row = document_row(file.path, file.sha256, file.size)
    return _insert(session_factory, row, build) or _duplicate_after_race(session_factory, file)


def _store_failure(
    session_factory: sessionmaker[Session], home: Path, file: HashedFile, code: str, message: str
) -> FileOutcome:
    quarantine(home, file.path, file.sha256)

    def build(_session: Session, document: Document) -> FileOutcome:
        return FileOutcome(
            str(file.path), Outcome.FAILED, document.id, file.sha256,
            status=str(document.status), error_code=code, error_message=message,
        )

    row = failed_document_row(file.path, file.sha256, file.size, code, message)
    return _insert(session_factory, row, build) or _duplicate_after_race(session_factory, file)


def _duplicate_after_race(session_factory: sessionmaker[Session], file: HashedFile) -> FileOutcome:
    with session_factory() as session:
        existing = _existing_documents(session, [file.sha256])
    return _duplicate(file, existing[file.sha256])


def _hash_all(paths: Sequence[Path], emit: OnOutcome) -> list[HashedFile]:
    hashed: list[HashedFile] = []
    for path in paths:
        try:
            hashed.append(HashedFile(path, sha256_of(path), path.stat().st_size))
        except OSError as error:
            emit(_unreadable(path, error))
    return hashed


def ingest_paths(
    paths: Sequence[Path],
    session_factory: sessionmaker[Session],
    home: Path,
    *,
    workers: int | None = None,
    lang: str | None = None,
    summary: IngestSummary | None = None,
    on_outcome: OnOutcome | None = None,
) -> IngestSummary:
    """Ingest `paths` (already filtered by the folder rule); one outcome per path, in `summary`."""
    summary = summary if summary is not None else IngestSummary()
    summary.matching_available = matching_available()
    first_outcome = len(summary.outcomes)

    def emit(outcome: FileOutcome) -> None:
        summary.add(outcome)
        if on_outcome:
            on_outcome(outcome)

    hashed = _hash_all(paths, emit)
    with session_factory() as session:
        _forget_failures(session, [f.sha256 for f in hashed])
        existing = _existing_documents(session, [f.sha256 for f in hashed])
    to_extract: list[HashedFile] = []
    repeats_in_batch: list[HashedFile] = []
    seen: set[str] = set()
    for file in hashed:
        if file.sha256 in existing:
            emit(_duplicate(file, existing[file.sha256]))
        elif file.sha256 in seen:
            repeats_in_batch.append(file)  # its twin is being extracted; its id is known afterwards
        else:
            seen.add(file.sha256)
            to_extract.append(file)

    results = service.extract_files([f.path for f in to_extract], lang=lang, workers=workers)
    for file, result in zip(to_extract, results, strict=True):
        try:
            if isinstance(result, service.ExtractionFailure):
                emit(_store_failure(session_factory, home, file, result.code, result.message))
            else:
                emit(_store_extracted(session_factory, home, file, result, summary.matching_available))
        except OSError as error:  # the file vanished or changed after it was hashed
            emit(_unreadable(file.path, error))

    if repeats_in_batch:
        with session_factory() as session:
            existing = _existing_documents(session, [f.sha256 for f in repeats_in_batch])
        for file in repeats_in_batch:
            if file.sha256 in existing:
                emit(_duplicate(file, existing[file.sha256]))
            else:  # its twin could not be read after all: this copy gets its own chance next run
                emit(_unreadable(file.path, OSError("an identical file could not be stored in this run")))
    # The search index follows the archive; a busy or damaged index never fails the ingest (ids wait in index.pending).
    new = summary.outcomes[first_outcome:]
    index_documents(session_factory, [o.document_id for o in new if o.document_id and o.outcome is not Outcome.DUPLICATE], home)
    # Clerks' confirmed and corrected types retrain the classifier in a process of its own, once
    # enough have come. Imported here: docintel.classify reads archive.originals, so a module-level
    # import would make the two packages' import order cycle.
    from docintel.classify import maybe_retrain

    maybe_retrain(session_factory)
    return summary


def ingest_folder(
    folder: Path,
    session_factory: sessionmaker[Session],
    home: Path,
    *,
    workers: int | None = None,
    lang: str | None = None,
    on_outcome: OnOutcome | None = None,
) -> IngestSummary:
    """Every scan below `folder` (the documented folder rule) into the archive."""
    return ingest_paths(list(scan_files(folder)), session_factory, home, workers=workers, lang=lang, on_outcome=on_outcome)
