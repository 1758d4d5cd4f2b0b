"""One spreadsheet row → one order line, or the reasons it cannot be one.

Cells arrive as CSV text or as XLSX values (numbers, datetimes); both are read the same way.
Values are parsed with extraction's parsers, so 2024年3月15日, 2024/3/15, 15 Mar 2024 and
"1,210" mean the same here as on a scan.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from docintel.extract.values import fold_width, parse_date, parse_quantity
from docintel.orders.columns import HeaderRow, is_totals_label
from docintel.store.models import Order, OrderLine

# Excel counts days from 1899-12-30; serials in this range are dates from 1954 to 2119.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIAL_RANGE = (20_000, 80_000)
_NUMBER_TOKEN = re.compile(r"[0-9][0-9.,]*")
# A long order number that a spreadsheet turned into a float before the CSV was written.
_SCIENTIFIC = re.compile(r"^[0-9](?:\.[0-9]+)?e\+?[0-9]+$", re.IGNORECASE)
# Column widths come from the schema, so an over-long cell is a bad row on SQLite (which would
# store it) and on PostgreSQL (which would fail the whole import) alike.
MAX_LENGTHS = {
    "order_no": Order.__table__.c.order_no.type.length,
    "customer": Order.__table__.c.customer.type.length,
    "vendor": Order.__table__.c.vendor.type.length,
    "product": OrderLine.__table__.c.product.type.length,
    "spec": OrderLine.__table__.c.spec.type.length,
    "unit": OrderLine.__table__.c.unit.type.length,
}
# Stored to 4 decimals (NUMERIC(18, 4)); rounding here keeps re-import comparisons exact.
VALUE_DECIMALS = 4
# NUMERIC(18, 4) holds 14 integer digits; PostgreSQL refuses more and would fail the whole import.
MAX_VALUE = 10.0**14


@dataclass(frozen=True)
class ParsedRow:
    """A good row; customer, vendor and order_date may be blank here and filled from the order's other rows."""

    row: int
    order_no: str
    customer: str | None
    order_date: dt.date | None
    product: str
    spec: str | None
    unit: str | None
    quantity: float
    unit_price: float | None
    vendor: str | None = None  # the optional vendor column


@dataclass(frozen=True)
class SkippedRow:
    row: int


@dataclass(frozen=True)
class BadRow:
    row: int
    reasons: list[str]

    @property
    def message(self) -> str:
        return "; ".join(self.reasons)


def parse_row(row_number: int, cells: Sequence[object], header: HeaderRow) -> ParsedRow | SkippedRow | BadRow:
    def cell(field: str) -> object:
        index = header.columns.get(field)
        return cells[index] if index is not None and index < len(cells) else None

    if all(_text(value) == "" for value in cells):
        return SkippedRow(row_number)
    order_no_cell = cell("order_no")
    if _text(order_no_cell) == "" and any(is_totals_label(_text(value)) for value in cells):
        return SkippedRow(row_number)

    reasons: list[str] = []
    order_no = _order_no(order_no_cell, reasons)
    customer = _text(cell("customer")) or None
    vendor = _text(cell("vendor")) or None
    order_date = _date(cell("order_date"), reasons)
    product = _text(cell("product"))
    if not product:
        reasons.append("missing product")
    quantity = _number(cell("quantity"), "quantity", reasons, required=True)
    if quantity is not None and quantity <= 0:
        reasons.append(f"quantity {_shown(cell('quantity'))} is not positive")
    unit_price = _number(cell("unit_price"), "unit_price", reasons, required=False)
    if unit_price is not None and unit_price < 0:
        reasons.append(f"unit_price {_shown(cell('unit_price'))} is negative")
    spec = _text(cell("spec")) or None
    unit = _text(cell("unit")) or None
    texts = {"order_no": order_no, "customer": customer, "vendor": vendor, "product": product, "spec": spec, "unit": unit}
    for name, value in texts.items():
        if value is not None and len(value) > MAX_LENGTHS[name]:
            reasons.append(f"{name} is longer than {MAX_LENGTHS[name]} characters")
    if reasons or order_no is None or quantity is None:
        return BadRow(row_number, reasons)
    return ParsedRow(
        row=row_number,
        order_no=order_no,
        customer=customer,
        order_date=order_date,
        product=product,
        spec=spec,
        unit=unit,
        quantity=quantity,
        unit_price=unit_price,
        vendor=vendor,
    )


def _text(value: object) -> str:
    """A cell as text: whitespace collapsed, numbers without a spurious '.0' (Excel stores 12 as 12.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())


def _shown(value: object) -> str:
    return repr(_text(value))


def _order_no(value: object, reasons: list[str]) -> str | None:
    # NFKC here (not for product names, where it would turn mm² into mm2): ＰＯ－２０２４ is PO-2024.
    # A leading apostrophe is how spreadsheets mark "keep as text".
    text = unicodedata.normalize("NFKC", _text(value)).lstrip("'").strip()
    if not text:
        reasons.append("missing order_no")
        return None
    if _SCIENTIFIC.match(text):
        reasons.append(
            f"order_no {text!r} was turned into a number by the spreadsheet; format the column as text and export again"
        )
        return None
    return text


def _date(value: object, reasons: list[str]) -> dt.date | None:
    if value is None or _text(value) == "":
        return None  # may come from another row of the same order
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _EXCEL_SERIAL_RANGE[0] <= value <= _EXCEL_SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        parsed = parse_date(_text(value))  # 20240315 typed as a number
    else:
        parsed = parse_date(_text(value))
    if parsed is None:
        reasons.append(f"order_date {_shown(value)} is not a date")
    return parsed


def _number(value: object, name: str, reasons: list[str], *, required: bool) -> float | None:
    number = _read_number(value, name, reasons, required=required)
    if number is not None and abs(number) >= MAX_VALUE:
        reasons.append(f"{name} {_shown(value)} is too large")
        return None
    return number


def _read_number(value: object, name: str, reasons: list[str], *, required: bool) -> float | None:
    if isinstance(value, bool):
        reasons.append(f"{name} {_shown(value)} is not a number")
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            reasons.append(f"{name} {_shown(value)} is not a number")
            return None
        return round(float(value), VALUE_DECIMALS)
    text = _text(value)
    if not text:
        if required:
            reasons.append(f"missing {name}")
        return None
    # "12 13" or "1e3" hold two numbers: guessing one would load a wrong line silently.
    # parse_quantity, not parse_amount, for prices too: parse_amount rounds to cents and unit
    # prices of screws and washers carry 3–4 decimals.
    number, _unit = parse_quantity(text)
    if number is None or len(_NUMBER_TOKEN.findall(fold_width(text))) != 1:
        reasons.append(f"{name} {text!r} is not a number")
        return None
    return round(number, VALUE_DECIMALS)
