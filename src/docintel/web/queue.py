"""Read side of the review queue: flagged documents oldest first, filters, counts, neighbours.

A document is in the queue while it has an open flag and was not sent back for re-scan; resolving
or correcting its last flag takes it out. The order is the order documents arrived (created_at, then id), so the oldest work is
done first and next/previous are stable while clerks work in parallel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from docintel.store.models import Document, DocumentStatus, Flag, FlagStatus

PER_PAGE = 25


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def parse_date(value: str | None) -> dt.date | None:
    """A date from a form field; a malformed one is ignored rather than failing the page."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class QueueFilter:
    code: str | None = None
    customer: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    @classmethod
    def from_params(cls, params) -> QueueFilter:
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError:
            page = 1
        return cls(
            code=(params.get("code") or "").strip().upper() or None,
            customer=(params.get("customer") or "").strip() or None,
            date_from=parse_date(params.get("date_from")),
            date_to=parse_date(params.get("date_to")),
            page=page,
        )

    def params(self, **overrides) -> dict[str, str]:
        values = {
            "code": self.code, "customer": self.customer,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "page": str(self.page) if self.page > 1 else None,
        } | overrides
        return {k: v for k, v in values.items() if v}

    def query_string(self, **overrides) -> str:
        """The filters as a URL query (page left out unless overridden): links keep the clerk's view."""
        return urlencode(self.params(**({"page": None} | overrides)))


@dataclass
class QueueRow:
    document_id: int
    doc_no: str | None
    doc_type: str | None
    customer: str | None
    doc_date: dt.date | None
    created_at: dt.datetime | None
    filename: str
    codes: list[str] = field(default_factory=list)


@dataclass
class QueuePage:
    filters: QueueFilter
    rows: list[QueueRow]
    total: int
    pages: int
    counts: dict[str, int]  # open flags' code → documents with it, under the other filters


def _open_flag(code: str | None = None):
    """Queued: an open flag (of `code`), and not sent back for re-scan (its flags wait for the new scan)."""
    condition = and_(Flag.document_id == Document.id, Flag.status == FlagStatus.OPEN)
    flagged = exists().where(condition, Flag.code == code) if code else exists().where(condition)
    return and_(flagged, Document.status != DocumentStatus.REJECTED)


def _filtered(query: Select, filters: QueueFilter) -> Select:
    if filters.customer:
        query = query.where(Document.customer.ilike(like_pattern(filters.customer), escape="\\"))
    if filters.date_from:
        query = query.where(Document.doc_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Document.doc_date <= filters.date_to)
    return query


def _queued(query: Select, filters: QueueFilter) -> Select:
    return _filtered(query.where(_open_flag(filters.code)), filters)


def queue_page(session: Session, filters: QueueFilter, per_page: int = PER_PAGE) -> QueuePage:
    total = session.scalar(_queued(select(func.count(Document.id)), filters)) or 0
    pages = max(1, -(-total // per_page))
    filters = replace(filters, page=min(filters.page, pages))
    documents = session.scalars(
        _queued(select(Document), filters)
        .order_by(Document.created_at, Document.id)
        .offset((filters.page - 1) * per_page)
        .limit(per_page)
    ).all()
    codes: dict[int, list[str]] = {d.id: [] for d in documents}
    if documents:
        for document_id, code in session.execute(
            select(Flag.document_id, Flag.code)
            .where(Flag.document_id.in_(codes), Flag.status == FlagStatus.OPEN)
            .order_by(Flag.id)
        ):
            if code not in codes[document_id]:
                codes[document_id].append(code)
    rows = [
        QueueRow(d.id, d.doc_no, d.doc_type, d.customer, d.doc_date, d.created_at, d.original_filename, codes[d.id])
        for d in documents
    ]
    return QueuePage(filters, rows, total, pages, open_flag_counts(session, filters))


def open_flag_counts(session: Session, filters: QueueFilter | None = None) -> dict[str, int]:
    """Documents with an open flag of each code (filters other than the code applied), most first."""
    query = (
        select(Flag.code, func.count(func.distinct(Flag.document_id)))
        .join(Document, Document.id == Flag.document_id)
        .where(Flag.status == FlagStatus.OPEN, Document.status != DocumentStatus.REJECTED)
        .group_by(Flag.code)
    )
    if filters is not None:
        query = _filtered(query, filters)
    counts = {code: n for code, n in session.execute(query)}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def queue_size(session: Session) -> int:
    return session.scalar(select(func.count(Document.id)).where(_open_flag())) or 0


def neighbours(session: Session, filters: QueueFilter, document_id: int) -> tuple[int | None, int | None]:
    """The queued documents before and after `document_id` in queue order (it need not be queued)."""
    current = session.get(Document, document_id)
    if current is None:
        return None, None
    after = or_(
        Document.created_at > current.created_at, and_(Document.created_at == current.created_at, Document.id > current.id)
    )
    before = or_(
        Document.created_at < current.created_at, and_(Document.created_at == current.created_at, Document.id < current.id)
    )
    base = _queued(select(Document.id), filters)
    previous = session.scalar(base.where(before).order_by(Document.created_at.desc(), Document.id.desc()).limit(1))
    following = session.scalar(base.where(after).order_by(Document.created_at, Document.id).limit(1))
    return previous, following
