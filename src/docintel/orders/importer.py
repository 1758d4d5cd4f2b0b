"""`import_orders`: load an order-book file into the database, one transaction, upserting by order number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from docintel.errors import DocintelError, ErrorCode
from docintel.orders.columns import FIELDS, REQUIRED_FIELDS, HeaderRow, find_header
from docintel.orders.reading import RawTable, read_tables
from docintel.orders.rows import BadRow, ParsedRow, SkippedRow, parse_row
from docintel.store.models import Match, MatchStatus, Order, OrderLine

# SQLite allows 32766 bound parameters per statement (999 in old builds); IN lists are cut to this.
_IN_CHUNK = 500


class RowError(BaseModel):
    row: int = Field(description="1-based row number in the file (the sheet's row number for XLSX)")
    message: str


class ImportReport(BaseModel):
    file: str
    format: str
    encoding: str | None = None
    sheet: str | None = None
    rows_read: int = Field(0, description="non-blank rows below the header, totals rows not counted")
    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = Field(0, description="in the file exactly as already stored; left untouched")
    lines_loaded: int = Field(0, description="good rows, now order lines in the book")
    errors: list[RowError] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class OrderInFile:
    order_no: str
    customer: str
    customer_names: list[str]
    order_date: dt.date
    lines: list[ParsedRow]
    vendor: str | None = None

    def line_values(self) -> list[tuple]:
        """The lines as they are stored, to compare with the stored ones on re-import."""
        return [
            (n, row.order_date or self.order_date, row.product, row.spec, row.unit, row.quantity, row.unit_price)
            for n, row in enumerate(self.lines, start=1)
        ]


def read_order_book(path: Path | str) -> tuple[list[OrderInFile], ImportReport]:
    """The orders of an order book file (CSV in UTF-8/GBK/Big5, or XLSX), without storing them.

    Bad rows are in the report with their row number and reason, and left out of the orders.
    Raises DocintelError for a file that cannot be read as an order book at all.
    """
    path = Path(path)
    table, header = _pick_table(path, read_tables(path))
    report = ImportReport(file=str(path), format=str(table.format), encoding=table.encoding, sheet=table.sheet)
    parsed: list[ParsedRow] = []
    for row_number, cells in table.rows:
        if row_number <= header.row_number:
            continue
        outcome = parse_row(row_number, cells, header)
        if isinstance(outcome, SkippedRow):
            continue
        report.rows_read += 1
        if isinstance(outcome, BadRow):
            report.errors.append(RowError(row=outcome.row, message=outcome.message))
        else:
            parsed.append(outcome)
    orders, row_errors = _group_orders(parsed)
    report.errors = sorted(report.errors + row_errors, key=lambda error: error.row)
    return orders, report


def import_orders(path: Path | str, session: Session) -> ImportReport:
    """Read an order book (see read_order_book) and upsert its orders by order number.

    Each order in the file replaces the stored order of that number and all its lines; orders not
    in the file are kept. Bad rows are reported with their row number and left out; the good rows
    load. Commits on success (the whole file is one transaction) and rolls back on a database
    error. Raises DocintelError for a file that cannot be read as an order book at all.
    """
    path = Path(path)
    orders, report = read_order_book(path)
    try:
        _upsert(session, orders, path.name, report)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _pick_table(path: Path, tables: Iterable[RawTable]) -> tuple[RawTable, HeaderRow]:
    """The first candidate reading with a recognisable header row naming every required column."""
    incomplete: tuple[RawTable, HeaderRow] | None = None
    for table in tables:
        header = find_header(table.rows)
        if header is None:
            continue
        if not header.missing:
            return table, header
        incomplete = incomplete or (table, header)
    if incomplete is not None:
        table, header = incomplete
        where = f" (sheet {table.sheet!r})" if table.sheet else ""
        raise DocintelError(
            ErrorCode.MISSING_COLUMNS,
            f"{path.name}{where}: the header in row {header.row_number} lacks {', '.join(header.missing)}",
        )
    raise DocintelError(
        ErrorCode.MISSING_COLUMNS,
        f"{path.name}: no header row found; expected columns {', '.join(FIELDS)} "
        f"(or 订单号, 客户名称, 订单日期, 品名, 规格, 单位, 数量, 单价); required: {', '.join(REQUIRED_FIELDS)}",
    )


def _group_orders(rows: Sequence[ParsedRow]) -> tuple[list[OrderInFile], list[RowError]]:
    """Rows → orders in file order; blank customer, vendor or date cells take the order's value from its other rows."""
    by_order: dict[str, list[ParsedRow]] = {}
    for row in rows:
        by_order.setdefault(row.order_no, []).append(row)
    orders: list[OrderInFile] = []
    errors: list[RowError] = []
    for order_no, order_rows in by_order.items():
        names = list(dict.fromkeys(row.customer for row in order_rows if row.customer))
        dates = [row.order_date for row in order_rows if row.order_date is not None]
        vendors = list(dict.fromkeys(row.vendor for row in order_rows if row.vendor))
        good: list[ParsedRow] = []
        for row in order_rows:
            reasons = [] if names else ["missing customer"]
            reasons += [] if dates else ["missing order_date"]
            if reasons:
                errors.append(RowError(row=row.row, message="; ".join(reasons)))
            else:
                good.append(row)
        if good:
            orders.append(
                OrderInFile(
                    order_no=order_no,
                    # The full name carries most for matching; abbreviations stay in customer_names.
                    customer=max(names, key=len),
                    customer_names=names,
                    order_date=min(dates),
                    lines=good,
                    # As for the customer: rows may mix an abbreviation and the full name, which is
                    # what the documents print. Rows naming two firms are not refused (the column is
                    # optional and matching does not use it): the longest name is kept.
                    vendor=max(vendors, key=len) if vendors else None,
                )
            )
    return orders, errors


def _upsert(session: Session, orders: list[OrderInFile], source_file: str, report: ImportReport) -> None:
    stored = _stored_orders(session, [order.order_no for order in orders])
    stored_lines = _stored_line_values(session, [order.id for order in stored.values()])
    to_write: list[tuple[Order, OrderInFile]] = []
    replaced_ids: list[int] = []
    for incoming in orders:
        report.lines_loaded += len(incoming.lines)
        order = stored.get(incoming.order_no)
        if order is None:
            order = Order(order_no=incoming.order_no)
            session.add(order)
            report.orders_created += 1
        elif _same_header(order, incoming) and stored_lines.get(order.id, []) == incoming.line_values():
            # Re-importing the same export every day must not churn line ids and matches.
            if incoming.vendor in (None, order.vendor):
                report.orders_unchanged += 1
            else:
                # Matching does not use the vendor: its lines and matches stay as they are.
                order.vendor = incoming.vendor
                order.source_file = source_file
                report.orders_updated += 1
            continue
        else:
            replaced_ids.append(order.id)
            report.orders_updated += 1
        order.customer = incoming.customer
        order.customer_names = incoming.customer_names
        # A book without the vendor column (or with it blank for this order) says nothing about it.
        order.vendor = incoming.vendor or order.vendor
        order.order_date = incoming.order_date
        order.source_file = source_file
        to_write.append((order, incoming))
    for chunk in _chunks(replaced_ids):
        session.execute(delete(OrderLine).where(OrderLine.order_id.in_(chunk)))
        # Their line alignments now point at deleted lines: matching must look at these orders again.
        session.execute(
            update(Match)
            .where(Match.order_id.in_(chunk), Match.status.in_([MatchStatus.CANDIDATE, MatchStatus.ACCEPTED]))
            .values(status=MatchStatus.STALE)
        )
    session.flush()  # ids for the new orders
    session.add_all(
        OrderLine(
            order_id=order.id,
            line_no=line_no,
            line_date=line_date,
            product=product,
            spec=spec,
            unit=unit,
            quantity=quantity,
            unit_price=unit_price,
            source_row=row.row,
        )
        for order, incoming in to_write
        for (line_no, line_date, product, spec, unit, quantity, unit_price), row in zip(
            incoming.line_values(), incoming.lines, strict=True
        )
    )
    session.flush()
    # Lines were written by id, not through the relationship: make loaded collections reload.
    for order, _incoming in to_write:
        session.expire(order, ["lines"])


def _same_header(order: Order, incoming: OrderInFile) -> bool:
    return (
        order.customer == incoming.customer
        and list(order.customer_names or []) == incoming.customer_names
        and order.order_date == incoming.order_date
    )


def _stored_orders(session: Session, order_nos: list[str]) -> dict[str, Order]:
    stored: dict[str, Order] = {}
    for chunk in _chunks(order_nos):
        for order in session.scalars(select(Order).where(Order.order_no.in_(chunk))):
            stored[order.order_no] = order
    return stored


def _stored_line_values(session: Session, order_ids: list[int]) -> dict[int, list[tuple]]:
    """Stored lines in the shape of OrderInFile.line_values, read as plain rows (no ORM objects)."""
    lines: dict[int, list[tuple]] = {}
    columns = (
        OrderLine.order_id,
        OrderLine.line_no,
        OrderLine.line_date,
        OrderLine.product,
        OrderLine.spec,
        OrderLine.unit,
        OrderLine.quantity,
        OrderLine.unit_price,
    )
    for chunk in _chunks(order_ids):
        query = select(*columns).where(OrderLine.order_id.in_(chunk)).order_by(OrderLine.order_id, OrderLine.line_no)
        for order_id, *values in session.execute(query):
            lines.setdefault(order_id, []).append(tuple(values))
    return lines


def _chunks(items: Sequence) -> Iterable[Sequence]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]
