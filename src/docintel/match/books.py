"""Where matching finds candidate orders: a protocol and an in-memory implementation.

Every lookup goes through an index (number key, confusable key, customer key + date); none scans
the book, so a million order lines cost the same per document as a hundred.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from docintel.match.customers import customer_key
from docintel.match.numbers import confusable_key, near_keys, number_key
from docintel.match.records import OrderView


class OrderBook(Protocol):
    def by_order_no(self, number: str) -> Sequence[OrderView]:
        """Orders whose number equals the printed one, up to width, case, spaces and punctuation."""
        ...

    def by_confusable_order_no(self, number: str) -> Sequence[OrderView]:
        """Orders whose number equals the printed one once O/0, I/1/l, S/5, B/8, Z/2 are folded."""
        ...

    def by_near_order_no(self, number: str) -> Sequence[OrderView]:
        """Orders whose confusable key is one character substituted, dropped or inserted away.

        Optional for third-party books (the matcher skips near-miss lookups when it is missing).
        """
        ...

    def by_customer(self, key: str, date_from: dt.date, date_to: dt.date) -> Sequence[OrderView]:
        """Orders of customers with this customer_key() dated within [date_from, date_to]."""
        ...

    def by_products(self, query: ProductQuery) -> Sequence[OrderView]:
        """Orders with lines of at least query.min_hits of these products (exact names), most first.

        Optional for third-party books (the matcher skips item-led lookups when it is missing).
        """
        ...


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """Orders that list the goods a slip lists: within a line-date window, or of one customer key."""

    products: tuple[str, ...]
    min_hits: int
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    customer_key: str | None = None
    limit: int = 20

    def admits(self, day: dt.date, keys: set[str | None]) -> bool:
        """Whether an order line dated `day`, of an order with these customer keys, qualifies."""
        if self.customer_key is not None and self.customer_key not in keys:
            return False
        return self.date_from is None or self.date_to is None or self.date_from <= day <= self.date_to


class MemoryOrderBook:
    """Dictionaries over number keys, and per customer key a date-sorted list searched by bisection."""

    def __init__(self, orders: Iterable[OrderView]) -> None:
        self._exact: dict[str, list[OrderView]] = defaultdict(list)
        self._confusable: dict[str, list[OrderView]] = defaultdict(list)
        by_customer: dict[str, list[tuple[dt.date, int, OrderView]]] = defaultdict(list)
        self._by_product: dict[str, list[tuple[OrderView, set[str | None], dt.date]]] = defaultdict(list)
        count = 0
        for n, order in enumerate(orders):
            count += 1
            if key := number_key(order.order_no):
                self._exact[key].append(order)
            if key := confusable_key(order.order_no):
                self._confusable[key].append(order)
            keys = {customer_key(name) for name in (order.customer, *order.customer_names)} - {None}
            for key in keys:
                by_customer[key].append((order.order_date, n, order))
            for line in order.lines:
                self._by_product[line.product].append((order, keys, line.line_date or order.order_date))
        self._dates: dict[str, list[dt.date]] = {}
        self._orders: dict[str, list[OrderView]] = {}
        for key, rows in by_customer.items():
            rows.sort(key=lambda r: (r[0], r[1]))
            self._dates[key] = [r[0] for r in rows]
            self._orders[key] = [r[2] for r in rows]
        self.size = count

    def __len__(self) -> int:
        return self.size

    def by_order_no(self, number: str) -> Sequence[OrderView]:
        key = number_key(number)
        return list(self._exact.get(key, ())) if key else []

    def by_confusable_order_no(self, number: str) -> Sequence[OrderView]:
        key = confusable_key(number)
        return list(self._confusable.get(key, ())) if key else []

    def by_near_order_no(self, number: str) -> Sequence[OrderView]:
        found: dict[str, OrderView] = {}
        for key in near_keys(number):
            for order in self._confusable.get(key, ()):
                found.setdefault(order.order_no, order)
        return [found[n] for n in sorted(found)]

    def by_customer(self, key: str, date_from: dt.date, date_to: dt.date) -> Sequence[OrderView]:
        dates = self._dates.get(key)
        if not dates:
            return []
        lo = bisect.bisect_left(dates, date_from)
        hi = bisect.bisect_right(dates, date_to)
        return self._orders[key][lo:hi]

    def by_products(self, query: ProductQuery) -> Sequence[OrderView]:
        hits: dict[str, int] = defaultdict(int)
        found: dict[str, OrderView] = {}
        for product in dict.fromkeys(query.products):
            for order in {o.order_no: o for o, keys, day in self._by_product.get(product, ()) if query.admits(day, keys)}.values():
                hits[order.order_no] += 1
                found[order.order_no] = order
        ranked = sorted((n for n in hits if hits[n] >= query.min_hits), key=lambda n: (-hits[n], n))
        return [found[n] for n in ranked[: query.limit]]
