"""What a clerk does to an archived document: correct fields, confirm them, resolve flags, delete.

Every change writes a ClerkAction (who, when, before → after) in the caller's transaction, so the
audit trail and the change commit together or not at all. A correction re-runs matching and flags
at once, from the corrected fields: the clerk sees the consequence of the edit immediately.

The functions take a Session and do not commit; the CLI, the HTTP API and the pages commit, then
re-index the documents returned by `touched_documents(session)` (see docintel.search).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from docintel.archive.aliases import learn_customer_alias
from docintel.archive.matching import match_and_flag
from docintel.archive.persist import apply_extracted
from docintel.errors import DocintelError, ErrorCode
from docintel.extract import ExtractedDocument
from docintel.match import MatchResult
from docintel.store.models import (
    ClerkAction,
    Document,
    DocumentStatus,
    Flag,
    FlagStatus,
    Match,
    MatchStatus,
    Order,
)

# The fields of the `docintel extract --json` contract a clerk may correct.
CORRECTABLE_FIELDS = (
    "doc_type", "doc_no", "order_no", "vendor", "customer", "date", "total",
    "signature_present", "seal_present", "items", "codes",
)
# A value a clerk typed or confirmed is certain: no LOW_CONFIDENCE flag for it again.
CLERK_CONFIDENCE = 1.0
_TOUCHED = "docintel.touched_documents"


class ReviewError(DocintelError):
    """A clerk action that cannot be carried out: the code says why."""


def touched_documents(session: Session) -> set[int]:
    """Ids of documents this session changed through this module (to re-index after commit)."""
    return set(session.info.get(_TOUCHED, ()))


def reindex(session_factory: sessionmaker[Session], document_ids: set[int], home: Path | None = None) -> None:
    """After commit: the search index (under `home`, default DOCINTEL_HOME) follows what clerks
    changed; removed documents drop out."""
    if document_ids:
        from docintel.search import index_documents  # the next stage; imported when first needed

        index_documents(session_factory, sorted(document_ids), home)


def _touch(session: Session, document: Document) -> None:
    session.info.setdefault(_TOUCHED, set()).add(document.id)


def _document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise ReviewError(ErrorCode.DOCUMENT_NOT_FOUND, f"no document with id {document_id}")
    return document


def _extracted(document: Document) -> ExtractedDocument:
    if document.status == DocumentStatus.FAILED or not document.fields:
        raise ReviewError(
            ErrorCode.NOT_CORRECTABLE,
            f"document {document.id} has no extracted fields ({document.error_code or document.status}); send it back for re-scan",
        )
    return ExtractedDocument.model_validate(document.fields)


def _validated(current: ExtractedDocument, changes: Mapping[str, Any]) -> ExtractedDocument:
    unknown = sorted(set(changes) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise ReviewError(
            ErrorCode.INVALID_CORRECTION,
            f"cannot correct {', '.join(unknown)}; correctable fields: {', '.join(CORRECTABLE_FIELDS)}",
        )
    if "date" in changes and changes["date"] not in (None, ""):
        try:
            dt.date.fromisoformat(str(changes["date"]))
        except ValueError:
            raise ReviewError(ErrorCode.INVALID_CORRECTION, f"date {changes['date']!r} is not YYYY-MM-DD") from None
    merged = current.model_dump(exclude={"sources"}) | {k: (None if v == "" else v) for k, v in changes.items()}
    try:
        corrected = ExtractedDocument.model_validate(merged)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise ReviewError(ErrorCode.INVALID_CORRECTION, f"invalid correction: {problems}") from None
    corrected.confidence = dict(current.confidence) | {name: CLERK_CONFIDENCE for name in changes}
    # Where each value was printed stays where it was: the scan view keeps showing the spot.
    corrected.sources = dict(current.sources)
    # A corrected field is no longer the snapped reading of the OCR text (docintel.extract.lexicon).
    corrected.readings = {k: v for k, v in current.readings.items() if k.split(".")[0] not in changes}
    return corrected


def _closed_flag_keys(session: Session, document: Document) -> set[tuple[str, str | None, str]]:
    rows = session.execute(
        select(Flag.code, Flag.product, Flag.message).where(
            Flag.document_id == document.id, Flag.status != FlagStatus.OPEN
        )
    )
    return {tuple(row) for row in rows}


def _settle_status(session: Session, document: Document) -> None:
    """needs_review while a flag is open; otherwise matched (by matching) or approved (by a clerk)."""
    open_flags = session.scalar(
        select(Flag.id).where(Flag.document_id == document.id, Flag.status == FlagStatus.OPEN).limit(1)
    )
    if open_flags is not None:
        document.status = DocumentStatus.NEEDS_REVIEW
    elif document.status == DocumentStatus.NEEDS_REVIEW:
        document.status = DocumentStatus.APPROVED


def _automatic_result(session: Session, document: Document, extracted: ExtractedDocument) -> MatchResult:
    """The match a clerk's earlier decisions allow: their manual link, else matching's choice
    unless a clerk rejected that order."""
    from docintel.match import SqlOrderBook, match_to_order, match_to_orders, order_view

    decided = session.execute(
        select(Match.status, Match.method, Order).join(Order, Order.id == Match.order_id).where(Match.document_id == document.id)
    ).all()
    manual = [order for status, method, order in decided if method == "manual" and status == MatchStatus.ACCEPTED]
    if manual:
        return match_to_order(extracted, order_view(manual[0]))
    result = match_to_orders(extracted, SqlOrderBook(session))
    rejected = {order.order_no for status, _, order in decided if status == MatchStatus.REJECTED}
    return MatchResult(order_no=None, score=0.0, method=None) if result.order_no in rejected else result


def rematch(
    session: Session, document: Document, extracted: ExtractedDocument, result: MatchResult | None = None
) -> None:
    """Match and flag `document` again from `extracted`, keeping what clerks already decided.

    Open flags and the match in force are replaced (by `result` when given); flags a clerk
    resolved or dismissed stay as history, and the same finding (code, product, message) is not
    raised again. A match a clerk rejected stays rejected; a clerk's manual link stays linked.
    """
    result = result or _automatic_result(session, document, extracted)
    closed = _closed_flag_keys(session, document)
    session.execute(delete(Flag).where(Flag.document_id == document.id, Flag.status == FlagStatus.OPEN))
    session.execute(delete(Match).where(Match.document_id == document.id, Match.status != MatchStatus.REJECTED))
    session.expire(document, ["flags", "matches"])
    match_and_flag(session, document, extracted, result)
    session.flush()
    for flag in session.scalars(select(Flag).where(Flag.document_id == document.id, Flag.status == FlagStatus.OPEN)):
        if (flag.code, flag.product, flag.message) in closed:
            session.delete(flag)
    session.flush()
    _settle_status(session, document)
    _touch(session, document)


def correct_document(
    session: Session, document_id: int, changes: Mapping[str, Any], clerk: str, comment: str | None = None
) -> Document:
    """Apply a clerk's corrections (contract field → new value), audit them, re-match and re-flag."""
    document = _document(session, document_id)
    current = _extracted(document)
    corrected = _validated(current, changes)
    before = current.model_dump(include=set(changes))
    after = corrected.model_dump(include=set(changes))
    if before == after:
        return document
    apply_extracted(document, corrected)
    session.add(ClerkAction(document_id=document.id, clerk=clerk, action="edit_field", before=before, after=after, comment=comment))
    if "customer" in changes:
        learn_customer_alias(session, current.customer, corrected.customer, clerk, document.id)
    rematch(session, document, corrected)
    return document


def link_order(session: Session, document_id: int, order_no: str, clerk: str, comment: str | None = None) -> Document:
    """A clerk links the document to `order_no`: the match matching chose (if another) is
    rejected, the lines are aligned with the linked order and the flags follow at once."""
    from docintel.match import match_to_order, order_view

    document = _document(session, document_id)
    extracted = _extracted(document)
    order = session.scalar(select(Order).where(Order.order_no == order_no.strip()))
    if order is None:
        raise ReviewError(ErrorCode.ORDER_NOT_FOUND, f"no order {order_no!r} in the order book")
    current = session.scalars(
        select(Match).where(Match.document_id == document.id, Match.status == MatchStatus.ACCEPTED)
    ).all()
    before = {"order_no": current[0].order.order_no if current else None}
    for match in current:
        if match.order_id != order.id:
            match.status = MatchStatus.REJECTED
    session.execute(delete(Match).where(Match.document_id == document.id, Match.order_id == order.id))
    session.flush()
    session.add(
        ClerkAction(
            document_id=document.id, clerk=clerk, action="link_order", before=before,
            after={"order_no": order.order_no}, comment=comment,
        )
    )
    rematch(session, document, extracted, match_to_order(extracted, order_view(order)))
    return document


def reject_match(session: Session, document_id: int, clerk: str, comment: str | None = None) -> Document:
    """A clerk says the matched order is not this document's: it is not chosen again, and the
    document is matched anew (another order, or NO_MATCH for the clerk to link one)."""
    document = _document(session, document_id)
    extracted = _extracted(document)
    current = session.scalars(
        select(Match).where(Match.document_id == document.id, Match.status == MatchStatus.ACCEPTED)
    ).all()
    if not current:
        raise ReviewError(ErrorCode.INVALID_CORRECTION, f"document {document_id} has no matched order to reject")
    for match in current:
        match.status = MatchStatus.REJECTED
    session.add(
        ClerkAction(
            document_id=document.id, match_id=current[0].id, clerk=clerk, action="reject_match",
            before={"order_no": current[0].order.order_no}, after={"order_no": None}, comment=comment,
        )
    )
    session.flush()
    rematch(session, document, extracted)
    return document


def send_back_for_rescan(session: Session, document_id: int, clerk: str, note: str | None = None) -> Document:
    """The scan is unusable (cut off, blurred, wrong page): rejected until a new scan is ingested.

    Its open flags are closed as dismissed (they judge a reading the clerk has thrown away; the new
    scan gets its own), so the queue and flag lists no longer count them; the audit lists them.
    """
    document = _document(session, document_id)
    open_flags = session.scalars(select(Flag).where(Flag.document_id == document.id, Flag.status == FlagStatus.OPEN)).all()
    session.add(
        ClerkAction(
            document_id=document.id, clerk=clerk, action="send_back",
            before={"status": str(document.status)},
            after={"status": str(DocumentStatus.REJECTED), "dismissed_flags": [f.id for f in open_flags]},
            comment=note,
        )
    )
    now = dt.datetime.now(dt.UTC)
    for flag in open_flags:
        flag.status, flag.resolved_at, flag.resolved_by = FlagStatus.DISMISSED, now, clerk
    document.status = DocumentStatus.REJECTED
    _touch(session, document)
    return document


def confirm_fields(session: Session, document_id: int, names: list[str], clerk: str) -> ClerkAction:
    """A clerk says these fields were read right (kept as training labels, e.g. for the classifier)."""
    document = _document(session, document_id)
    current = _extracted(document)
    unknown = sorted(set(names) - set(CORRECTABLE_FIELDS))
    if unknown or not names:
        raise ReviewError(ErrorCode.INVALID_CORRECTION, f"cannot confirm {', '.join(unknown) or 'nothing'}")
    values = current.model_dump(include=set(names))
    action = ClerkAction(document_id=document.id, clerk=clerk, action="confirm_field", before=None, after=values)
    session.add(action)
    document.confidences = dict(document.confidences or {}) | {name: CLERK_CONFIDENCE for name in names}
    _touch(session, document)
    return action


def resolve_flag(
    session: Session, flag_id: int, clerk: str, note: str | None = None, status: FlagStatus = FlagStatus.RESOLVED
) -> Flag:
    """Close a flag (accepted as is, or dismissed as wrong), with the clerk's note in the audit trail."""
    if status == FlagStatus.OPEN:
        raise ReviewError(ErrorCode.INVALID_CORRECTION, "a flag is resolved or dismissed, not reopened")
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise ReviewError(ErrorCode.FLAG_NOT_FOUND, f"no flag with id {flag_id}")
    if flag.status != FlagStatus.OPEN:
        raise ReviewError(ErrorCode.FLAG_ALREADY_CLOSED, f"flag {flag_id} is already {flag.status}")
    session.add(
        ClerkAction(
            document_id=flag.document_id, flag_id=flag.id, clerk=clerk, action="resolve_flag",
            before={"status": str(flag.status)}, after={"status": str(status)}, comment=note,
        )
    )
    flag.status = status
    flag.resolved_at = dt.datetime.now(dt.UTC)
    flag.resolved_by = clerk
    session.flush()
    document = flag.document
    _settle_status(session, document)
    _touch(session, document)
    return flag


def delete_document(session: Session, document_id: int) -> None:
    """Remove a document row; refused once clerks have acted on it (the audit trail keeps it)."""
    document = _document(session, document_id)
    acted = session.scalar(select(ClerkAction.id).where(ClerkAction.document_id == document.id).limit(1))
    if acted is not None:
        raise ReviewError(
            ErrorCode.DOCUMENT_HAS_HISTORY, f"document {document_id} has clerk actions in the audit trail and cannot be deleted"
        )
    _touch(session, document)
    session.delete(document)
    session.flush()
