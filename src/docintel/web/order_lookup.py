"""Search-as-you-type over the order book, for linking a document to an order by hand.

A clerk types part of an order number (as printed, or as OCR garbled it: O/0, I/1, S/5 are one
key) or of the customer's name; the newest orders come first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from docintel.store.models import Order, order_number_key
from docintel.web.queue import like_pattern

LIMIT = 10
MIN_QUERY = 2


@dataclass(frozen=True)
class OrderHit:
    order_no: str
    customer: str
    order_date: dt.date
    lines: int
    products: list[str]


def find_orders(session: Session, text: str, limit: int = LIMIT) -> list[OrderHit]:
    text = text.strip()
    if len(text) < MIN_QUERY:
        return []
    pattern = like_pattern(text)
    conditions = [Order.order_no.ilike(pattern, escape="\\"), Order.customer.ilike(pattern, escape="\\")]
    key = order_number_key(text)
    if key:
        conditions.append(Order.order_no_key.startswith(key, autoescape=True))
    orders = session.scalars(
        select(Order).where(or_(*conditions)).options(selectinload(Order.lines)).order_by(Order.order_date.desc(), Order.id.desc()).limit(limit)
    ).all()
    return [
        OrderHit(o.order_no, o.customer, o.order_date, len(o.lines), [line.product for line in o.lines[:3]])
        for o in orders
    ]
