"""The dashboard's numbers, and the geometry of its bar chart (drawn as SVG by the template).

The chart is laid out here and written as inline SVG by dashboard.html: no charting library, no
script, nothing fetched, and it prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from docintel.store.models import ClerkAction, Document, DocumentStatus, Flag, FlagStatus
from docintel.web.queue import open_flag_counts, queue_size

DAYS = 14
# What a clerk does to a document that was in the review queue (not confirm_field: that may be any document).
REVIEW_ACTIONS = ("edit_field", "resolve_flag", "link_order", "reject_match", "send_back")


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    ingested: int
    flagged: int


@dataclass(frozen=True)
class OldestFlag:
    flag_id: int
    document_id: int
    code: str
    created_at: dt.datetime
    age_days: int


@dataclass(frozen=True)
class DashboardStats:
    days: list[DayCount]
    open_by_code: dict[str, int]  # documents with an open flag of the code
    open_flags: int
    queued_documents: int
    documents: int
    oldest: OldestFlag | None


def _local(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive UTC; the days on the chart are the server's local days (the clerks').
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone()


def dashboard_stats(session: Session, today: dt.date | None = None) -> DashboardStats:
    today = today or dt.datetime.now().astimezone().date()
    first = today - dt.timedelta(days=DAYS - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.datetime.now().astimezone().tzinfo) - dt.timedelta(days=1)
    # Flagged on arrival: a flag row of any status, or a clerk's review action. A correction that
    # clears its flags deletes them (archive.review re-flags from scratch), leaving the action.
    flagged = or_(
        exists().where(Flag.document_id == Document.id),
        exists().where(ClerkAction.document_id == Document.id, ClerkAction.action.in_(REVIEW_ACTIONS)),
    )
    # Bucketed here, not with SQL date functions: those differ between SQLite and PostgreSQL, and
    # two weeks of documents are a few thousand rows of two columns.
    buckets = {first + dt.timedelta(days=i): [0, 0] for i in range(DAYS)}
    for created_at, was_flagged in session.execute(
        select(Document.created_at, flagged).where(Document.created_at >= since)
    ):
        day = _local(created_at).date()
        if day in buckets:
            buckets[day][0] += 1
            buckets[day][1] += int(bool(was_flagged))
    queued_flags = (
        select(Flag.id, Flag.document_id, Flag.code, Flag.created_at)
        .join(Document, Document.id == Flag.document_id)
        .where(Flag.status == FlagStatus.OPEN, Document.status != DocumentStatus.REJECTED)
    )
    oldest_row = session.execute(queued_flags.order_by(Flag.created_at, Flag.id).limit(1)).first()
    oldest = None
    if oldest_row is not None:
        created = _local(oldest_row.created_at)
        oldest = OldestFlag(oldest_row.id, oldest_row.document_id, oldest_row.code, created, (today - created.date()).days)
    return DashboardStats(
        days=[DayCount(day, *counts) for day, counts in buckets.items()],
        open_by_code=open_flag_counts(session),
        open_flags=session.scalar(select(func.count()).select_from(queued_flags.subquery())) or 0,
        queued_documents=queue_size(session),
        documents=session.scalar(select(func.count(Document.id))) or 0,
        oldest=oldest,
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class DayColumn:
    label: str
    x_center: float
    ingested: Bar
    flagged: Bar


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    plot_left: float
    columns: list[DayColumn]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return -(-value // 10000) * 10000


def day_chart(days: list[DayCount], width: int = 640, height: int = 220) -> BarChart:
    """Two bars per day (ingested, flagged) on a shared scale with four grid lines."""
    left, right, top, bottom = 36.0, 8.0, 10.0, height - 24.0
    top_value = _nice_max(max((d.ingested for d in days), default=0))
    slot = (width - left - right) / max(1, len(days))
    bar = slot * 0.36

    def y_of(value: int) -> float:
        return bottom - (bottom - top) * value / top_value

    columns = []
    for i, day in enumerate(days):
        x0 = left + i * slot + slot * 0.12
        columns.append(
            DayColumn(
                label=f"{day.day.month}/{day.day.day}",
                x_center=left + (i + 0.5) * slot,
                ingested=Bar(x0, y_of(day.ingested), bar, bottom - y_of(day.ingested), day.ingested),
                flagged=Bar(x0 + bar, y_of(day.flagged), bar, bottom - y_of(day.flagged), day.flagged),
            )
        )
    ticks = [(y_of(top_value * k // 4), top_value * k // 4) for k in range(5)]
    return BarChart(width, height, top, bottom, left, columns, ticks)
