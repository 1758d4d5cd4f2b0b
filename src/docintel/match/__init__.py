"""Matching extracted documents to the order book."""

from docintel.match.books import MemoryOrderBook, OrderBook
from docintel.match.customers import customer_key, customer_similarity, parse_customer
from docintel.match.items import align_items, prices_agree, quantities_agree
from docintel.match.matcher import match_to_order, match_to_orders
from docintel.match.numbers import confusable_key, number_key, numbers_in_code
from docintel.match.records import (
    LineAlignment,
    MatchMethod,
    MatchResult,
    OrderLineView,
    OrderView,
)
from docintel.match.repairs import apply_match_repairs
from docintel.match.sql_book import SqlOrderBook, order_view

__all__ = [
    "LineAlignment",
    "MatchMethod",
    "MatchResult",
    "MemoryOrderBook",
    "OrderBook",
    "OrderLineView",
    "OrderView",
    "SqlOrderBook",
    "align_items",
    "apply_match_repairs",
    "confusable_key",
    "customer_key",
    "customer_similarity",
    "match_to_order",
    "match_to_orders",
    "number_key",
    "numbers_in_code",
    "order_view",
    "parse_customer",
    "prices_agree",
    "quantities_agree",
]
