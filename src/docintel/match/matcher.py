"""match_to_orders: which order of the book a document belongs to, and how well they agree."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

from docintel.extract.records import ExtractedDocument
from docintel.match.books import OrderBook, ProductQuery
from docintel.match.config import match_config
from docintel.match.customers import best_customer_similarity, best_ocr_customer_similarity, customer_key, parse_customer
from docintel.match.items import align_items, digit_slip, paired_share, quantities_agree
from docintel.match.numbers import numbers_in_code
from docintel.match.records import LineAlignment, MatchMethod, MatchResult, OrderView


@dataclass(frozen=True, slots=True)
class _Scored:
    order: OrderView
    method: MatchMethod
    score: float
    customer_score: float | None
    alignment_lines: list[LineAlignment]
    plain_customer_score: float | None = None  # before forgiving OCR slips: what corroborates a near miss


def document_date(doc: ExtractedDocument) -> dt.date | None:
    """The document's ISO date as a date, or None when absent or not one."""
    if not doc.date:
        return None
    try:
        return dt.date.fromisoformat(doc.date)
    except ValueError:
        return None


def _identifier_candidates(doc: ExtractedDocument, book: OrderBook) -> dict[str, tuple[OrderView, MatchMethod]]:
    """Orders named by a printed number or code; the strongest method per order wins."""
    found: dict[str, tuple[OrderView, MatchMethod]] = {}

    def add(orders, method: MatchMethod) -> None:
        for order in orders:
            found.setdefault(order.order_no, (order, method))

    if doc.order_no:
        add(book.by_order_no(doc.order_no), "order_no")
        if not found:
            add(book.by_confusable_order_no(doc.order_no), "order_no_fuzzy")
    for payload in doc.codes:
        for number in numbers_in_code(payload):
            add(book.by_order_no(number), "code")
    if doc.doc_no and not found:
        add(book.by_order_no(doc.doc_no), "doc_no")
        if not found:
            add(book.by_confusable_order_no(doc.doc_no), "doc_no")
    return found


def _near_candidates(doc: ExtractedDocument, book: OrderBook) -> list[OrderView]:
    """Orders one character away from the printed order number; the caller must corroborate them."""
    near = getattr(book, "by_near_order_no", None)
    if not doc.order_no or near is None:
        return []
    return list(near(doc.order_no))


def _date_score(doc_date: dt.date | None, order_date: dt.date) -> float:
    if doc_date is None:
        return 0.5
    days = (doc_date - order_date).days
    window = match_config().window_days
    if 0 <= days <= window:
        return 1.0 - 0.3 * days / window  # a receipt usually follows its order within days
    if days < 0:
        return max(0.0, 1.0 + days / 14)  # delivered before ordered: only plausible by a few days
    return max(0.0, 0.7 - (days - window) / window)


def _score(
    doc: ExtractedDocument, doc_date: dt.date | None, order: OrderView, method: MatchMethod, near: bool = False
) -> _Scored:
    cfg = match_config()
    names = (order.customer, *order.customer_names)
    plain = best_customer_similarity(doc.customer, names) if doc.customer else None
    alignment = align_items(doc.items, order.lines)
    items = alignment.score * (0.8 + 0.2 * alignment.quantity_agreement)
    date = _date_score(doc_date, order.order_date)
    customer = plain
    if method in ("customer_date_items", "items"):
        if method == "items" and plain is not None and plain < cfg.same_customer:
            # The goods established the order: a name a slip or two off is its customer misread.
            customer = best_ocr_customer_similarity(doc.customer, names)
        w = cfg.customer_weights
        score = w["customer"] * (customer or 0.0) + w["items"] * items + w["date"] * date
    else:
        # The number names the order (a near miss once corroborated, see match_to_orders): a
        # customer name a slip or two away from the book's is that customer read badly, and
        # must not be reported as another firm.
        if plain is not None and plain < cfg.same_customer:
            customer = best_ocr_customer_similarity(doc.customer, names)
        w = cfg.identifier_weights
        # A missing customer is no evidence against the order named by its number.
        cust = 0.5 if customer is None else customer
        evidence = cfg.near_number_evidence if near else cfg.method_evidence[method]
        score = w["evidence"] * evidence + w["customer"] * cust + w["items"] * items + w["date"] * date
    return _Scored(
        order,
        method,
        round(score, 4),
        None if customer is None else round(customer, 4),
        alignment.lines,
        None if plain is None else round(plain, 4),
    )


def _corroborated(s: _Scored) -> bool:
    """A near-miss number is believed only if the customer (read as printed) or the items agree:
    4500069705 and 4500059705 may both be real orders, of different customers."""
    return (s.plain_customer_score or 0.0) >= match_config().same_customer or _items_ok(s)


def _customer_candidates(doc: ExtractedDocument, doc_date: dt.date | None, book: OrderBook) -> list[OrderView]:
    key = customer_key(doc.customer)
    if key is None or doc_date is None:
        return []
    window = dt.timedelta(days=match_config().window_days)
    return list(book.by_customer(key, doc_date - window, doc_date + window))


def _item_candidates(
    doc: ExtractedDocument, doc_date: dt.date | None, book: OrderBook, min_hits: int | None = None
) -> list[OrderView]:
    """Orders listing most of the document's goods (or `min_hits` of them), in its date window,
    or of its customer when the date was not read; nothing when neither anchors the search."""
    by_products = getattr(book, "by_products", None)
    products = tuple(dict.fromkeys(i.product for i in doc.items if i.product))
    key = customer_key(doc.customer)
    if by_products is None or len(products) < 2 or (doc_date is None and key is None):
        return []
    cfg = match_config()
    hits = min_hits if min_hits is not None else math.ceil(cfg.items_led_min_hits * len(products))
    query = ProductQuery(products, max(2, hits))
    if doc_date is not None:
        window = dt.timedelta(days=cfg.window_days)
        query = replace(query, date_from=doc_date - window, date_to=doc_date + window)
    else:
        query = replace(query, customer_key=key)
    return list(by_products(query))


def _items_led(doc: ExtractedDocument, doc_date: dt.date | None, book: OrderBook) -> list[_Scored]:
    cfg = match_config()
    scored = (_score(doc, doc_date, o, "items") for o in _item_candidates(doc, doc_date, book))
    found = [
        s for s in scored
        if (s.customer_score or 0.0) >= cfg.same_customer and _items_ok(s, cfg.items_led_min_items_score) and _quantities_bear_out(s)
    ]
    if found:
        return found
    city = parse_customer(doc.customer)
    if city is None or city.city is None:
        return []
    weaker = (_score(doc, doc_date, o, "items") for o in _item_candidates(doc, doc_date, book, cfg.goods_alone_min_hits))
    return [s for s in weaker if _goods_alone(s, city.city)]


def _goods_alone(s: _Scored, city: str) -> bool:
    """Whether the goods alone name this order (see goods_alone_min_lines in vocab.toml)."""
    cfg = match_config()
    order_city = parse_customer(s.order.customer)
    if order_city is None or order_city.city != city or not _items_ok(s):
        return False
    same = sum(1 for a in s.alignment_lines if a.item_index is not None and a.order_line_id is not None
               and quantities_agree(a.doc_quantity, a.order_quantity))
    return same >= cfg.goods_alone_min_lines


def match_to_orders(doc: ExtractedDocument, book: OrderBook) -> MatchResult:
    cfg = match_config()
    doc_date = document_date(doc)
    scored = [_score(doc, doc_date, order, method) for order, method in _identifier_candidates(doc, book).values()]
    if not scored:
        # Reported as order_no_fuzzy: the flag rules know that method (it depends on order_no and
        # customer, as a near miss does); the weaker evidence is in the score.
        near = (_score(doc, doc_date, o, "order_no_fuzzy", near=True) for o in _near_candidates(doc, book))
        scored = [s for s in near if _corroborated(s)]
    if not scored:
        scored = [
            s
            for s in (_score(doc, doc_date, o, "customer_date_items") for o in _customer_candidates(doc, doc_date, book))
            if s.score >= cfg.min_customer_items_score
            and (s.customer_score or 0.0) >= cfg.same_customer
            and _items_ok(s)
            and _quantities_bear_out(s)
        ]
    if not scored:
        scored = _items_led(doc, doc_date, book)
    if not scored:
        return MatchResult(order_no=None, score=0.0, method=None)
    scored.sort(key=lambda s: (-s.score, s.order.order_no))
    best = scored[0]
    rivals = [s.order.order_no for s in scored[1:] if best.score - s.score <= cfg.ambiguity_margin]
    return _result(best, rivals)


def match_to_order(doc: ExtractedDocument, order: OrderView) -> MatchResult:
    """The document against the one order a clerk linked it to: line alignment and agreement."""
    return _result(_score(doc, document_date(doc), order, "manual"), [])


def _result(best: _Scored, rivals: list[str]) -> MatchResult:
    return MatchResult(
        order_no=best.order.order_no,
        score=min(1.0, best.score),
        method=best.method,
        ambiguous=bool(rivals),
        alternatives=rivals,
        customer_score=best.customer_score,
        lines=best.alignment_lines,
        order_date=best.order.order_date,
        order_customer=best.order.customer,
        order_vendor=best.order.vendor,
    )


def _quantities_bear_out(s: _Scored) -> bool:
    """Some paired line's quantity, as read, is its order line's or that with a digit slipped (1 for
    13, or none was read): goods named alike on an order of other quantities only are the customer's
    other order, not this slip's (a customer orders the same goods again and again; an invoice of
    80, 10 and 150 is not the order of 200, 16 and 930 of the same three articles)."""
    read = [a for a in s.alignment_lines if a.item_index is not None and a.order_line_id is not None and a.doc_quantity is not None]
    return not read or any(
        quantities_agree(a.doc_quantity, a.order_quantity) or digit_slip(a.doc_quantity, a.order_quantity) for a in read
    )


def _items_ok(s: _Scored, share: float | None = None) -> bool:
    return paired_share(s.alignment_lines) >= (match_config().min_items_score if share is None else share)
