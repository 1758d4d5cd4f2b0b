"""The order book in the database, looked up through the indexed key columns of store.models.

orders.order_no_key holds confusable_key(order_no) and orders.customer_key holds
customer_key(customer); the model fills both whenever an order is written. Every lookup is one
equality (plus a date range) on an index, then the found orders' lines are loaded by id:

- by_confusable_order_no: order_no_key = confusable_key(number);
- by_order_no: the same index hit, then number_key compared on the few rows it returns (orders whose
  numbers differ only by O/0, S/5… share an order_no_key, and an exact lookup must not return them);
- by_near_order_no: order_no_key IN (every key one substitution, deletion or insertion away
  from the printed one, see numbers.near_keys): a few hundred probes of the same index;
- by_customer: (customer_key, order_date) composite index, one range scan;
- by_products: (product, line_date) index on order_lines, one range scan per product, grouped by
  order and counted (the orders listing most of the slip's goods).

Only the key of `customer` (the longest name the book uses) is indexed; the memory book also indexes
the keys of the other spellings in customer_names, which usually share it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session, selectinload

from docintel.match.books import ProductQuery
from docintel.match.numbers import confusable_key, near_keys, number_key
from docintel.match.records import OrderLineView, OrderView
from docintel.store.models import Order, OrderLine


def order_view(order: Order) -> OrderView:
    return OrderView(
        order_no=order.order_no,
        customer=order.customer,
        customer_names=tuple(order.customer_names or ()),
        order_date=order.order_date,
        vendor=order.vendor,
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
        return [o for o in self._by_number_key(confusable_key(number)) if number_key(o.order_no) == key]

    def by_confusable_order_no(self, number: str) -> Sequence[OrderView]:
        return self._by_number_key(confusable_key(number))

    def by_near_order_no(self, number: str) -> Sequence[OrderView]:
        keys = near_keys(number)
        found: dict[str, OrderView] = {}
        # Chunked: old SQLite builds cap a statement at 999 parameters.
        for start in range(0, len(keys), 900):
            for order in self._load(select(Order).where(Order.order_no_key.in_(keys[start : start + 900]))):
                found.setdefault(order.order_no, order)
        return [found[n] for n in sorted(found)]

    def by_customer(self, key: str, date_from: dt.date, date_to: dt.date) -> Sequence[OrderView]:
        if not key:
            return []
        return self._load(
            select(Order).where(Order.customer_key == key, Order.order_date.between(date_from, date_to))
        )

    def by_products(self, query: ProductQuery) -> Sequence[OrderView]:
        hits = func.count(distinct(OrderLine.product))
        ids = select(OrderLine.order_id).where(OrderLine.product.in_(query.products))
        if query.date_from is not None and query.date_to is not None:
            ids = ids.where(OrderLine.line_date.between(query.date_from, query.date_to))
        if query.customer_key is not None:
            ids = ids.join(Order, Order.id == OrderLine.order_id).where(Order.customer_key == query.customer_key)
        ids = ids.group_by(OrderLine.order_id).having(hits >= query.min_hits).order_by(hits.desc(), OrderLine.order_id).limit(query.limit)
        ranked = list(self.session.scalars(ids))
        orders = {o.id: o for o in self.session.scalars(select(Order).where(Order.id.in_(ranked)).options(selectinload(Order.lines)))}
        return [order_view(orders[i]) for i in ranked if i in orders]

    def _by_number_key(self, key: str | None) -> list[OrderView]:
        if key is None:
            return []
        return self._load(select(Order).where(Order.order_no_key == key))

    def _load(self, query: Select) -> list[OrderView]:
        orders = self.session.scalars(query.options(selectinload(Order.lines)).order_by(Order.order_no)).all()
        return [order_view(o) for o in orders]
