"""Read side of the archive: one document with its match and flags, and the flag list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docintel.archive.originals import archive_relative_path, extension_of
from docintel.errors import DocintelError, ErrorCode
from docintel.store.models import Document, Flag, FlagStatus, Match, MatchStatus

# A shorter hash prefix matches too many documents to be an identifier a person types.
MIN_SHA_PREFIX = 6
class DocumentLookupError(DocintelError):
    """find_document's failure: ErrorCode.DOCUMENT_NOT_FOUND or ErrorCode.AMBIGUOUS_DOCUMENT."""


def find_document(session: Session, ref: str) -> Document:
    """A document by id (digits) or by a sha256 prefix of at least MIN_SHA_PREFIX hex digits."""
    ref = ref.strip().lower()
    if ref.isdigit() and len(ref) < MIN_SHA_PREFIX:
        document = session.get(Document, int(ref))
        if document is None:
            raise DocumentLookupError(ErrorCode.DOCUMENT_NOT_FOUND, f"no document with id {ref}")
        return document
    if len(ref) < MIN_SHA_PREFIX or any(c not in "0123456789abcdef" for c in ref):
        raise DocumentLookupError(ErrorCode.DOCUMENT_NOT_FOUND, f"{ref!r} is neither a document id nor a sha256 prefix of ≥{MIN_SHA_PREFIX} hex digits")
    found = session.scalars(select(Document).where(Document.sha256.startswith(ref)).limit(2)).all()
    if not found and ref.isdigit():
        document = session.get(Document, int(ref))
        if document is not None:
            return document
    if not found:
        raise DocumentLookupError(ErrorCode.DOCUMENT_NOT_FOUND, f"no document whose sha256 starts with {ref}")
    if len(found) > 1:
        raise DocumentLookupError(ErrorCode.AMBIGUOUS_DOCUMENT, f"more than one document's sha256 starts with {ref}; give more digits")
    return found[0]


def flag_dict(flag: Flag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "document_id": flag.document_id,
        "code": flag.code,
        "product": flag.product,
        "message": flag.message,
        "details": flag.details,
        "status": str(flag.status),
        "created_at": flag.created_at.isoformat() if flag.created_at else None,
    }


def _match_dict(match: Match) -> dict[str, Any]:
    order = match.order
    return {
        "id": match.id,
        "order_no": order.order_no,
        "order_id": order.id,
        "customer": order.customer,
        "order_date": order.order_date.isoformat(),
        "score": match.score,
        "method": match.method,
        "status": str(match.status),
        "details": match.details,
        "lines": [
            {
                "item_index": line.item_index,
                "order_line_id": line.order_line_id,
                "product_score": line.product_score,
                "document_product": line.document_product,
                "order_product": line.order_product,
                "document_quantity": line.document_quantity,
                "order_quantity": line.order_quantity,
                "document_unit_price": line.document_unit_price,
                "order_unit_price": line.order_unit_price,
            }
            for line in sorted(match.lines, key=lambda l: (l.item_index is None, l.item_index or 0, l.id))
        ],
    }


def document_details(session: Session, ref: str) -> dict[str, Any]:
    """`docintel docs show`: fields, the match in force (or null), its line alignment, open flags."""
    return describe_document(session, find_document(session, ref))


def describe_document(session: Session, document: Document) -> dict[str, Any]:
    """document_details of a document already loaded (the HTTP API looks documents up by id only)."""
    matches = session.scalars(
        select(Match)
        .where(Match.document_id == document.id, Match.status == MatchStatus.ACCEPTED)
        .options(selectinload(Match.lines), selectinload(Match.order))
        .order_by(Match.score.desc(), Match.id)
    ).all()
    flags = session.scalars(
        select(Flag).where(Flag.document_id == document.id, Flag.status == FlagStatus.OPEN).order_by(Flag.id)
    ).all()
    return {
        "id": document.id,
        "sha256": document.sha256,
        "original_filename": document.original_filename,
        "archive_path": str(archive_relative_path(document.sha256, extension_of(Path(document.original_filename)))),
        "size_bytes": document.size_bytes,
        "mime_type": document.mime_type,
        "status": str(document.status),
        "error": {"code": document.error_code, "message": document.error_message} if document.error_code else None,
        "fields": document.fields,
        "confidences": document.confidences,
        "match": _match_dict(matches[0]) if matches else None,
        "flags": [flag_dict(flag) for flag in flags],
        "pages": [
            {
                "page_no": page.page_no, "width": page.width, "height": page.height, "rotation": page.rotation,
                "image_path": page.image_path, "ocr_confidence": page.ocr_confidence, "from_text_layer": page.from_text_layer,
            }
            for page in document.page_records
        ],
        "created_at": document.created_at.isoformat() if document.created_at else None,
    }


def list_flags(
    session: Session,
    code: str | None = None,
    status: FlagStatus | None = FlagStatus.OPEN,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """`docintel flags list`: flags (open by default), oldest first, with their document's file name;
    `limit`/`offset` page through them (GET /api/v1/flags)."""
    query = select(Flag, Document.original_filename, Document.sha256).join(Document, Document.id == Flag.document_id)
    if code:
        query = query.where(Flag.code == code.upper())
    if status is not None:
        query = query.where(Flag.status == status)
    rows = session.execute(query.order_by(Flag.id).offset(offset).limit(limit)).all()
    return [{**flag_dict(flag), "file": filename, "sha256": sha} for flag, filename, sha in rows]
