"""The one place where ingest hands a stored document to matching and flags, and keeps the result.

docintel.match and docintel.flags are written separately; the Protocols below are exactly what
this module reads from their results, so a change there shows up here as a type error, not as a
silently missing column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.archive.aliases import with_customer_alias
from docintel.archive.persist import apply_extracted
from docintel.extract import ExtractedDocument
from docintel.settings import get_settings
from docintel.store.models import (
    Document,
    DocumentStatus,
    Flag,
    Match,
    MatchLine,
    MatchStatus,
    Order,
)


class AlignedLine(Protocol):
    """docintel.match.LineAlignment, as read here."""

    item_index: int | None
    order_line_id: int | None
    product_score: float | None
    doc_product: str | None
    order_product: str | None
    doc_quantity: float | None
    order_quantity: float | None
    doc_unit_price: float | None
    order_unit_price: float | None
    repaired: tuple[str, ...]


class MatchResultLike(Protocol):
    """docintel.match.MatchResult, as read here."""

    order_no: str | None  # None: no order in the book fits
    score: float
    method: str | None
    ambiguous: bool
    alternatives: list[str]
    customer_score: float | None
    lines: Sequence[AlignedLine]


class FlagRecordLike(Protocol):
    code: str
    severity: str
    message_zh: str
    message_en: str
    product: str | None
    details: Mapping[str, Any] | None


@dataclass(frozen=True)
class MatchOutcome:
    order_no: str | None
    flag_codes: tuple[str, ...]
    status: DocumentStatus


def matching_available() -> bool:
    """Whether docintel.match and docintel.flags are installed and provide what match_and_flag calls."""
    try:
        from docintel.flags import evaluate_flags  # noqa: F401
        from docintel.match import SqlOrderBook, match_to_orders  # noqa: F401
    except ImportError:
        return False
    return True


def covered_order_lines(session: Session, order_id: int, document: Document) -> set[int]:
    """Order lines that other documents of the same type already delivered (accepted matches).

    evaluate_flags turns these into DUPLICATE_RECEIPT: the same goods signed for twice.
    """
    rows = session.scalars(
        select(MatchLine.order_line_id)
        .join(Match, Match.id == MatchLine.match_id)
        .join(Document, Document.id == Match.document_id)
        .where(
            Match.order_id == order_id,
            Match.document_id != document.id,
            Match.status == MatchStatus.ACCEPTED,
            Document.doc_type == document.doc_type,
            MatchLine.item_index.is_not(None),
            MatchLine.order_line_id.is_not(None),
        )
    )
    return set(rows)


def _persist_match(session: Session, document: Document, order_id: int, result: MatchResultLike) -> Match:
    match = Match(
        document_id=document.id,
        order_id=order_id,
        score=float(result.score),
        method=result.method or "unknown",
        status=MatchStatus.ACCEPTED,
        details={
            "ambiguous": result.ambiguous,
            "alternatives": list(result.alternatives),
            "customer_score": result.customer_score,
        },
    )
    match.lines = [
        MatchLine(
            item_index=line.item_index,
            order_line_id=line.order_line_id,
            product_score=line.product_score,
            document_product=line.doc_product,
            order_product=line.order_product,
            document_quantity=line.doc_quantity,
            order_quantity=line.order_quantity,
            document_unit_price=line.doc_unit_price,
            order_unit_price=line.order_unit_price,
        )
        for line in result.lines
    ]
    session.add(match)
    session.flush()
    return match


def _persist_flag(session: Session, document: Document, match: Match | None, record: FlagRecordLike) -> Flag:
    # The table has one message column: Chinese for the clerks, English and severity kept in details.
    details = dict(record.details or {})
    details.update({"severity": record.severity, "message_en": record.message_en})
    flag = Flag(
        document_id=document.id,
        match_id=match.id if match else None,
        code=record.code,
        product=record.product,
        message=record.message_zh,
        details=details,
    )
    session.add(flag)
    return flag


def match_and_flag(
    session: Session, document: Document, extracted: ExtractedDocument, result: MatchResultLike | None = None
) -> MatchOutcome:
    """Match `document` to the order book (or take `result`, a match decided elsewhere, e.g. by a
    clerk), store the Match, its line alignment and the flags.

    Runs inside the caller's transaction, so a document is committed together with its match
    and flags or not at all. Sets the document's status (matched, or needs_review when flagged).
    """
    from docintel.flags import evaluate_flags
    from docintel.match import SqlOrderBook, apply_match_repairs, match_to_orders
    from docintel.orders.lexicon import stored_lexicon

    aliased = with_customer_alias(session, extracted)
    if aliased is not extracted:
        extracted = aliased
        apply_extracted(document, extracted)
    if result is None:
        result = match_to_orders(extracted, SqlOrderBook(session))
    if apply_match_repairs(extracted, result, stored_lexicon(session)):
        apply_extracted(document, extracted)
    order_id = session.scalar(select(Order.id).where(Order.order_no == result.order_no)) if result.order_no else None
    match = _persist_match(session, document, order_id, result) if order_id is not None else None
    covered = covered_order_lines(session, order_id, document) if order_id is not None else set()
    records: list[FlagRecordLike] = evaluate_flags(
        extracted, result, covered_lines=covered, low_confidence=get_settings().low_confidence
    )
    for record in records:
        _persist_flag(session, document, match, record)
    document.status = DocumentStatus.NEEDS_REVIEW if records or match is None else DocumentStatus.MATCHED
    session.flush()
    return MatchOutcome(
        order_no=result.order_no if match else None, flag_codes=tuple(str(r.code) for r in records), status=document.status
    )
