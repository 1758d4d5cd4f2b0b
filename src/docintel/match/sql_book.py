"""The order book in the database, looked up through the indexed columns of store.models.

orders.order_no has a unique (b-tree) index, orders.order_date and orders.customer_norm plain
ones. Number lookups fetch candidates by a short prefix range on order_no and compare full keys
in Python; customer lookups range over order_date and filter on customer_norm. An indexed
`order_no_key` (confusable-folded) and `customer_key` column would make both exact index hits.
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Callable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from docintel.match.config import match_config
from docintel.match.numbers import confusable_key, number_key
from docintel.match.records import OrderLineView, OrderView
from docintel.store.models import Order

# Upper bound of a prefix range: sorts after every character (the test database collates as C).
_TOP = chr(0x10FFFF)
_MAX_PREFIXES = 64
_MAX_CANDIDATES = 20000


def order_view(order: Order) -> OrderView:
    return OrderView(
        order_no=order.order_no,
        customer=order.customer,
        customer_names=tuple(order.customer_names or ()),
        order_date=order.order_date,
        lines=tuple(
            OrderLineView(
                id=line.id,
                product=line.product,
                spec=line.spec,
                unit=line.unit,
                quantity=float(line.quantity),
                unit_price=None if line.unit_price is None else float(line.unit_price),
                line_date=line.line_date,
            )
            for line in order.lines
        ),
    )


class SqlOrderBook:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_order_no(self, number: str) -> Sequence[OrderView]:
        key = number_key(number)
        if key is None:
            return []
        printed = unicodedata.normalize("NFKC", number).strip().upper()
        exact = self._load(select(Order.id).where(Order.order_no.in_({number.strip(), printed})))
        if exact:
            return exact
        return self._by_prefix([printed[:3]], lambda n: number_key(n) == key)

    def by_confusable_order_no(self, number: str) -> Sequence[OrderView]:
        key = confusable_key(number)
        if key is None:
            return []
        printed = unicodedata.normalize("NFKC", number).strip().upper()
        return self._by_prefix(_confusable_prefixes(printed), lambda n: confusable_key(n) == key)

    def by_customer(self, key: str, date_from: dt.date, date_to: dt.date) -> Sequence[OrderView]:
        ids = select(Order.id).where(
            Order.order_date >= date_from,
            Order.order_date <= date_to,
            Order.customer_norm.contains(key, autoescape=True),
        )
        return self._load(ids)

    def _by_prefix(self, prefixes: list[str], keep: Callable[[str], bool]) -> list[OrderView]:
        if not prefixes:
            return []
        ranges = [(Order.order_no >= p) & (Order.order_no < p + _TOP) for p in prefixes]
        rows = self.session.execute(select(Order.id, Order.order_no).where(or_(*ranges)).limit(_MAX_CANDIDATES))
        ids = [row.id for row in rows if keep(row.order_no)]
        return self._load(select(Order.id).where(Order.id.in_(ids))) if ids else []

    def _load(self, ids_query) -> list[OrderView]:
        orders = self.session.scalars(
            select(Order).where(Order.id.in_(ids_query)).options(selectinload(Order.lines)).order_by(Order.order_no)
        ).all()
        return [order_view(o) for o in orders]


def _confusable_prefixes(printed: str) -> list[str]:
    """Every spelling of the number's first characters that folds to the same confusable key.

    The prefix grows while the number of spellings stays small, so the range scans stay narrow.
    """
    table = match_config().confusables
    classes: dict[str, set[str]] = {}
    for letter, digit in table.items():
        classes.setdefault(digit, {digit}).add(letter)
    options: list[list[str]] = []
    count = 1
    for ch in printed[:6]:
        target = table.get(ch, ch)
        choices = sorted(classes.get(target, {ch}) | {ch})
        if count * len(choices) > _MAX_PREFIXES and len(options) >= 2:
            break
        options.append(choices)
        count *= len(choices)
    return ["".join(p) for p in itertools.product(*options)]
