"""Typed records of matching: the order book as matching sees it, and what matching concludes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

# items: found by the goods the document lists; manual: a clerk linked the document to the order.
MatchMethod = Literal["order_no", "order_no_fuzzy", "doc_no", "code", "customer_date_items", "items", "manual"]


@dataclass(frozen=True, slots=True)
class OrderLineView:
    id: int
    product: str
    spec: str | None
    unit: str | None
    quantity: float
    unit_price: float | None
    line_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class OrderView:
    order_no: str
    customer: str
    customer_names: tuple[str, ...]
    order_date: dt.date
    lines: tuple[OrderLineView, ...]
    vendor: str | None = None  # the firm's company that took the order, when the book says


@dataclass(frozen=True, slots=True)
class LineAlignment:
    """One step of the alignment: an item and its order line, or one of them alone."""

    item_index: int | None  # 0-based in doc.items; None: on the order, not on the document
    order_line_id: int | None  # None: on the document, not on the order
    product_score: float | None
    doc_quantity: float | None
    order_quantity: float | None
    doc_unit_price: float | None
    order_unit_price: float | None
    doc_product: str | None = None
    order_product: str | None = None
    # Document values put right from the order ("quantity", "unit_price"): the slip's own amount
    # proves the order's value and shows the printed one was misread (see match.items).
    repaired: tuple[str, ...] = ()


# Not frozen: what matching proves misread is put right in the result too (match/repairs.py), so
# the flags are judged on the document as stored.
@dataclass(slots=True)
class MatchResult:
    order_no: str | None
    score: float
    method: MatchMethod | None
    ambiguous: bool = False
    alternatives: list[str] = field(default_factory=list)  # other order numbers within the margin
    customer_score: float | None = None  # None: no customer printed or no order chosen
    lines: list[LineAlignment] = field(default_factory=list)
    order_date: dt.date | None = None  # of the chosen order, for the date-window check
    order_customer: str | None = None
    order_vendor: str | None = None
