"""The order book as a lexicon of known names and order numbers (docintel.extract.lexicon).

From a file for `docintel extract --orders FILE`, or from the archive's stored book for ingest;
the stored one is read once and then again only when the book has changed, because ingest asks
for it once per document and a large book has tens of thousands of distinct names.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docintel.extract.lexicon import Lexicon
from docintel.match.config import match_config
from docintel.match.numbers import confusable_key
from docintel.orders.importer import OrderInFile, read_order_book
from docintel.store.models import Order, OrderLine

_cache: dict[str, tuple[tuple, Lexicon]] = {}
_cache_lock = threading.Lock()


def lexicon_of_orders(orders: Iterable[OrderInFile]) -> Lexicon:
    orders = list(orders)
    lexicon = Lexicon.of(
        (name for order in orders for name in [order.customer, *order.customer_names]),
        ((line.product, line.spec) for order in orders for line in order.lines),
    ).with_vendors(order.vendor for order in orders)
    return _with_book_keys(lexicon, ((confusable_key(o.order_no), o.order_no) for o in orders))


def _with_book_keys(lexicon: Lexicon, numbers: Iterable[tuple[str | None, str]]) -> Lexicon:
    """The lexicon with matching's keys for order numbers and its list of places."""
    return lexicon.with_order_numbers(numbers, confusable_key).with_places(match_config().cities)


def order_book_lexicon(path: Path | str) -> Lexicon:
    """The names in an order-book file; raises DocintelError for a file that is not one."""
    orders, _report = read_order_book(path)
    return lexicon_of_orders(orders)


def stored_lexicon(session: Session) -> Lexicon:
    """The names in the archive's order book (empty when none was imported).

    Any re-import that changes an order (its vendor too) moves its updated_at, and one that adds
    lines moves the newest line id: either makes the cached lexicon stale.
    """
    version = tuple(session.execute(
        select(func.count(Order.id), func.max(Order.updated_at), select(func.max(OrderLine.id)).scalar_subquery())
    ).one())
    where = str(session.get_bind().url)
    with _cache_lock:
        cached = _cache.get(where)
        if cached and cached[0] == version:
            return cached[1]
    lexicon = Lexicon.of(
        (name for customer, names in session.execute(select(Order.customer, Order.customer_names))
         for name in [customer, *(names or [])]),
        session.execute(select(OrderLine.product, OrderLine.spec).distinct()),
    ).with_vendors(session.scalars(select(Order.vendor).distinct().where(Order.vendor.is_not(None))))
    lexicon = _with_book_keys(lexicon, session.execute(select(Order.order_no_key, Order.order_no)))
    with _cache_lock:
        _cache[where] = (version, lexicon)
    return lexicon
