"""Matching documents to the order book: numbers, customers, items; memory and SQL books."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from docintel.extract.records import ExtractedDocument, LineItem
from docintel.flags import evaluate_flags
from docintel.match import (
    MemoryOrderBook,
    OrderLineView,
    OrderView,
    SqlOrderBook,
    confusable_key,
    customer_similarity,
    apply_match_repairs,
    match_to_orders,
    numbers_in_code,
)
from docintel.store.models import Order, OrderLine
from tests.test_store import engine, migrated_postgres, postgres_schema, session  # noqa: F401  (fixtures)

D = dt.date(2024, 3, 15)


def _order(no: str, customer: str, day: dt.date, lines: list[tuple[str, str, float, float]], first_id: int) -> OrderView:
    return OrderView(
        no,
        customer,
        (customer,),
        day,
        tuple(OrderLineView(first_id + i, p, s, "个", q, price, day) for i, (p, s, q, price) in enumerate(lines)),
    )


HENGDA = [("不锈钢六角螺栓", "M8×30", 500, 0.5), ("膨胀螺丝", "M10×80", 120, 1.06), ("配电箱", "12回路", 4, 200.0)]
OTHER = [("大米", "25kg/袋", 30, 110.0), ("矿泉水", "550ml×24", 50, 28.0), ("水泥", "P.O 42.5", 3, 420.0)]


@pytest.fixture
def orders() -> list[OrderView]:
    return [
        _order("PO-2024-0315", "恒达五金", D, HENGDA, 1),
        _order("PO-2024-0316", "杭州恒达五金", D, OTHER, 10),
        _order("HT24031201", "中泰包装", D - dt.timedelta(days=3), OTHER, 20),
    ]


def _doc(**kw) -> ExtractedDocument:
    items = kw.pop("items", [LineItem(product=p, spec=s, quantity=q, unit_price=u) for p, s, q, u in HENGDA])
    base = {"file": "x.jpg", "doc_type": "signoff_receipt", "customer": "上海恒达五金贸易有限公司", "date": "2024-03-18"}
    return ExtractedDocument(**{**base, "items": items, **kw})


def test_exact_order_number(orders):
    result = match_to_orders(_doc(order_no="PO-2024-0315"), MemoryOrderBook(orders))
    assert (result.order_no, result.method, result.ambiguous) == ("PO-2024-0315", "order_no", False)
    assert result.customer_score and result.customer_score >= 0.9
    assert all(a.item_index is not None and a.order_line_id is not None for a in result.lines)


def test_confusable_order_number(orders):
    assert confusable_key("PO-2024-0315") == confusable_key("P0-2024-O315")
    result = match_to_orders(_doc(order_no="P0-2024-O315"), MemoryOrderBook(orders))
    assert (result.order_no, result.method) == ("PO-2024-0315", "order_no_fuzzy")


def test_missing_order_number_matches_by_customer_date_and_items(orders):
    result = match_to_orders(_doc(order_no=None), MemoryOrderBook(orders))
    assert (result.order_no, result.method) == ("PO-2024-0315", "customer_date_items")


def test_date_outside_window_finds_nothing_by_customer(orders):
    result = match_to_orders(_doc(order_no=None, date="2024-07-30"), MemoryOrderBook(orders))
    assert result.order_no is None and result.method is None


def test_order_number_in_doc_no_and_in_qr_code(orders):
    book = MemoryOrderBook(orders)
    assert match_to_orders(_doc(doc_no="PO-2024-0315"), book).method == "doc_no"
    code = '{"no":"DN-24-72451","po":"PO-2024-0315","cust":"恒达"}'
    assert numbers_in_code(code)[0] == "PO-2024-0315"
    result = match_to_orders(_doc(codes=[code], doc_no="DN-24-72451"), book)
    assert (result.order_no, result.method) == ("PO-2024-0315", "code")
    url = match_to_orders(_doc(codes=["https://erp.x.com.cn/d/PO-2024-0315"]), book)
    assert url.order_no == "PO-2024-0315"


def test_abbreviated_customers_match_and_look_alikes_do_not():
    assert customer_similarity("恒达五金", "上海恒达五金贸易有限公司") >= 0.9
    assert customer_similarity("中泰包装", "温州市中泰包装材料有限责任公司") >= 0.9
    assert customer_similarity("Man Lee Engineering", "MAN LEE ENGINEERING LTD.") == 1.0
    assert customer_similarity("Ｍａｎ Ｌｅｅ Engineering", "Man Lee Engineering Co., Ltd.") == 1.0
    assert customer_similarity("杭州恒达五金", "上海恒达五金贸易有限公司") == 0.0
    assert customer_similarity("杭州中泰包装", "温州市中泰包装材料有限责任公司") == 0.0
    assert customer_similarity("Man Lee Trading", "Man Lee Engineering Ltd.") < 0.8


def test_look_alike_customer_is_not_matched_without_number(orders):
    # The book names 上海恒达 with its city: a 杭州恒达 receipt with the same items is not its order.
    book = MemoryOrderBook([_order("PO-2024-0315", "上海恒达五金", D, HENGDA, 1), *orders[1:]])
    doc = _doc(order_no=None, customer="杭州恒达五金贸易有限公司")
    assert match_to_orders(doc, book).order_no is None
    assert match_to_orders(_doc(order_no=None), book).order_no == "PO-2024-0315"


def test_items_are_aligned_optimally_across_specs():
    lines = [("不锈钢六角螺栓", "M8×30", 500, 0.5), ("不锈钢六角螺栓", "M10×40", 300, 1.1)]
    book = MemoryOrderBook([_order("A-00001", "恒达五金", D, lines, 1)])
    items = [LineItem(product="不锈钢六角螺栓", spec="M10×40", quantity=300), LineItem(product="不锈钢六角螺栓", spec="M8×30", quantity=500)]
    result = match_to_orders(_doc(order_no="A-00001", items=items), book)
    assert {(a.item_index, a.order_line_id) for a in result.lines} == {(0, 2), (1, 1)}


def test_two_equally_good_orders_are_ambiguous():
    orders = [_order("A-00001", "恒达五金", D, HENGDA, 1), _order("A-00002", "恒达五金", D, HENGDA, 10)]
    result = match_to_orders(_doc(order_no=None), MemoryOrderBook(orders))
    assert result.ambiguous and result.alternatives and result.order_no in {"A-00001", "A-00002"}


# Found by the goods alone: brand misread (恒迏 for 恒达), then date lost; a stranger buying the same goods.
_ITEM_LED_DOCS = (
    _doc(customer="上海恒迏五金贸易有限公司"),
    _doc(date=None),
    _doc(customer="深圳利民贸易有限公司", items=[LineItem(product=p, spec=s, quantity=q, unit_price=u) for p, s, q, u in OTHER]),
)


def test_the_goods_listed_find_the_order_when_customer_or_date_cannot(orders):
    book = MemoryOrderBook(orders)
    misread, undated, stranger = (match_to_orders(doc, book) for doc in _ITEM_LED_DOCS)
    assert (misread.order_no, misread.method) == ("PO-2024-0315", "items")
    assert misread.customer_score is not None and misread.customer_score >= 0.8  # misread, not another firm
    assert (undated.order_no, undated.method) == ("PO-2024-0315", "items")
    # Two orders list 大米, 矿泉水, 水泥, but neither is this customer's: no match.
    assert stranger.order_no is None


def _store(db: Session, orders: list[OrderView]) -> None:
    for o in orders:
        row = Order(order_no=o.order_no, customer=o.customer, customer_names=list(o.customer_names), order_date=o.order_date,
                    vendor=o.vendor)
        row.lines = [
            OrderLine(line_no=i + 1, product=ln.product, spec=ln.spec, unit=ln.unit, quantity=ln.quantity, unit_price=ln.unit_price, line_date=ln.line_date)
            for i, ln in enumerate(o.lines)
        ]
        db.add(row)
    db.commit()


def test_sql_order_book_matches_like_the_memory_book(session: Session, orders):  # noqa: F811 (fixture)
    _store(session, orders)
    book = SqlOrderBook(session)
    assert [o.order_no for o in book.by_order_no("po 2024 0315")] == ["PO-2024-0315"]  # spacing and case fold away in the indexed key
    assert [o.order_no for o in book.by_order_no("PO-2024-0315")] == ["PO-2024-0315"]
    assert [o.order_no for o in book.by_order_no("PO-20240315")] == ["PO-2024-0315"]
    assert [o.order_no for o in book.by_confusable_order_no("P0-2024-O315")] == ["PO-2024-0315"]
    assert {o.order_no for o in book.by_customer("恒达", D - dt.timedelta(days=5), D + dt.timedelta(days=5))} == {
        "PO-2024-0315",
        "PO-2024-0316",
    }
    for doc in (_doc(order_no="P0-2024-O315"), _doc(order_no=None), _doc(doc_no="PO-2024-0315"), *_ITEM_LED_DOCS):
        sql, mem = match_to_orders(doc, book), match_to_orders(doc, MemoryOrderBook(orders))
        assert (sql.order_no, sql.method, sql.score) == (mem.order_no, mem.method, mem.score)
    stored_ids = {ln.id for o in book.by_order_no("PO-2024-0315") for ln in o.lines}
    result = match_to_orders(_doc(order_no="PO-2024-0315"), book)
    assert {a.order_line_id for a in result.lines} == stored_ids


def test_a_doubled_city_marker_is_still_the_same_customer():
    from docintel.match import customer_similarity

    assert customer_similarity("温州市市中泰包装材料有限责任公司", "中泰包装") >= 0.8


# --- what OCR really gets wrong -------------------------------------------------------------------


def test_near_keys_cover_one_substitution_deletion_or_insertion():
    from docintel.match.numbers import near_keys

    keys = set(near_keys("4500059705"))
    assert "4500069705" in keys  # one digit misread
    assert "450059705" in keys and "45000597050" in keys
    assert "4500059705" not in keys  # the key itself is the exact lookup's business
    assert "4500069706" not in keys  # two edits away
    assert near_keys("A-123") == []  # too short: one edit from most of the book


def test_one_digit_slip_finds_the_order_when_customer_or_items_agree():
    book = MemoryOrderBook([_order("4500069705", "恒达五金", D, HENGDA, 1), _order("4500071464", "中泰包装", D, OTHER, 10)])
    result = match_to_orders(_doc(order_no="4500059705"), book)
    assert (result.order_no, result.method) == ("4500069705", "order_no_fuzzy")
    # Weaker evidence than the exact number: the score says so.
    assert result.score < match_to_orders(_doc(order_no="4500069705"), book).score
    # Letters misread beyond the look-alike table, and a dropped character.
    book2 = MemoryOrderBook([_order("PO-2024-072837", "恒达五金", D, HENGDA, 1)])
    assert match_to_orders(_doc(order_no="50-2024-072837"), book2).order_no == "PO-2024-072837"
    assert match_to_orders(_doc(order_no="PO-2024-07283"), book2).order_no == "PO-2024-072837"


def test_one_digit_slip_does_not_take_another_customers_order():
    # 4500069705 is a real order of another firm with other goods: the slip is not corroborated.
    book = MemoryOrderBook([_order("4500069705", "中泰包装", D, OTHER, 1)])
    result = match_to_orders(_doc(order_no="4500059705"), book)
    assert result.order_no is None
    # Same customer, nothing else printed: corroborated by the customer alone.
    result = match_to_orders(_doc(order_no="4500059705", items=[]), MemoryOrderBook([_order("4500069705", "恒达五金", D, HENGDA, 1)]))
    assert result.order_no == "4500069705"


def test_misread_customer_of_an_established_order_is_not_a_mismatch():
    from docintel.match.customers import ocr_customer_similarity

    assert ocr_customer_similarity("无锣密发机械制造经营部", "无锡宏发机械制造经营部") >= 0.8  # city and brand misread
    assert ocr_customer_similarity("无锣密发机械制造经营部", "宏发机械") >= 0.8  # against the book's abbreviation
    assert ocr_customer_similarity("温州珊丰电子科技有限责任公司", "温州瑞丰电子科技有限责任公司") >= 0.8
    assert ocr_customer_similarity("深吉市瑞丰电子科技有限公司", "深圳市瑞丰电子科技有限公司") >= 0.8
    # Other cities stay 0, other brands stay a mismatch.
    assert ocr_customer_similarity("杭州恒达五金贸易有限公司", "上海恒达五金") == 0.0
    assert ocr_customer_similarity("上海鑫源五金贸易有限公司", "上海恒达五金贸易有限公司") < 0.8
    assert ocr_customer_similarity("Man Lee Trading", "Man Lee Engineering Ltd.") < 0.8
    assert ocr_customer_similarity("金丰", "瑞丰") < 0.8  # two characters leave no room for a slip
    book = MemoryOrderBook([_order("PO-2024-101851", "无锡宏发机械制造经营部", D, HENGDA, 1)])
    result = match_to_orders(_doc(order_no="PO-2024-101851", customer="无锣密发机械制造经营部"), book)
    assert result.customer_score is not None and result.customer_score >= 0.8
    other = match_to_orders(_doc(order_no="PO-2024-101851", customer="无锡恒达五金贸易有限公司"), book)
    assert other.customer_score is not None and other.customer_score < 0.8


def test_a_customer_misread_on_an_established_order_is_stored_as_the_book_writes_it_in_full():
    full = MemoryOrderBook([_order("PO-2024-101851", "无锡宏发机械制造经营部", D, HENGDA, 1)])
    document = _doc(order_no="PO-2024-101851", customer="无锣密发机械制造经营部")
    assert apply_match_repairs(document, match_to_orders(document, full))
    assert (document.customer, document.readings["customer"]) == ("无锡宏发机械制造经营部", "无锣密发机械制造经营部")
    # The book's abbreviation would drop the city and legal form the slip prints: the reading stays.
    short = MemoryOrderBook([_order("PO-2024-101851", "宏发机械", D, HENGDA, 1)])
    document = _doc(order_no="PO-2024-101851", customer="无锣密发机械制造经营部")
    apply_match_repairs(document, match_to_orders(document, short))
    assert document.customer == "无锣密发机械制造经营部" and "customer" not in document.readings
    # Read right (an abbreviation of it is in the book), or another firm: nothing to put right.
    for printed in ("无锡宏发机械制造经营部", "无锡恒达五金贸易有限公司", "杭州宏发机械制造经营部"):
        document = _doc(order_no="PO-2024-101851", customer=printed)
        apply_match_repairs(document, match_to_orders(document, full))
        assert document.customer == printed


def test_a_misread_number_the_slips_own_amount_disproves_is_put_right(orders):
    # HENGDA: 不锈钢六角螺栓 500 × 0.5, 膨胀螺丝 120 × 1.06, 配电箱 4 × 200.
    items = [
        LineItem(product="不锈钢六角螺栓", spec="M8×30", quantity=50, unit_price=0.5, amount=250.0),    # 500 read as 50
        LineItem(product="膨胀螺丝", spec="M10×80", quantity=120, unit_price=10.6, amount=127.2),     # 1.06 read as 10.6
        LineItem(product="配电箱", spec="12回路", quantity=3, unit_price=200.0, amount=600.0),         # really 3 of 4
    ]
    result = match_to_orders(_doc(order_no="PO-2024-0315", items=items), MemoryOrderBook(orders))
    by_item = {a.item_index: a for a in result.lines}
    assert (by_item[0].doc_quantity, by_item[0].repaired) == (500, ("quantity",))
    assert (by_item[1].doc_unit_price, by_item[1].repaired) == (1.06, ("unit_price",))
    # A real shortfall prints its own amount (3 × 200): it stays, and is flagged by the caller.
    assert (by_item[2].doc_quantity, by_item[2].repaired) == (3, ())
    # Both numbers misread beside the order line's own amount (501 × 0.51 printed as 500 × 0.5 = 250).
    both = [LineItem(product="不锈钢六角螺栓", spec="M8×30", quantity=501, unit_price=0.51, amount=250.0)]
    line = match_to_orders(_doc(order_no="PO-2024-0315", items=both), MemoryOrderBook(orders)).lines[0]
    assert (line.doc_quantity, line.doc_unit_price, line.repaired) == (500, 0.5, ("quantity", "unit_price"))


def test_a_name_misread_on_a_line_whose_numbers_are_its_order_lines_is_written_as_the_order_writes_it(orders):
    items = [
        LineItem(product="不锈钢六角曝栓", spec="M8×30", quantity=500, unit_price=0.5, amount=250.0),   # 螺 misread
        LineItem(product="膨张螺丝", spec="M10×80", quantity=110, unit_price=1.06, amount=116.6),     # and 10 short
        LineItem(product="配电箱", spec="12回路", quantity=4, unit_price=200.0, amount=800.0),
    ]
    document = _doc(order_no="PO-2024-0315", items=items)
    result = match_to_orders(document, MemoryOrderBook(orders))
    assert apply_match_repairs(document, result)
    # The quantity differs on the second line: its name stays as read, the difference is the finding.
    assert [i.product for i in document.items] == ["不锈钢六角螺栓", "膨张螺丝", "配电箱"]
    assert document.readings == {"items.0.product": "不锈钢六角曝栓"}
    assert not apply_match_repairs(document, match_to_orders(document, MemoryOrderBook(orders)))


def test_a_line_whose_name_and_price_were_misread_pairs_by_its_quantity_and_the_orders_amount(orders):
    # 膨胀螺丝 120 × 1.06 = 127.20 in faint carbon: the name read past recognition, the price's
    # digits lost (10.0); the quantity and the amount are the order line's.
    items = [
        LineItem(product="不锈钢六角螺栓", spec="M8×30", quantity=500, unit_price=0.5, amount=250.0),
        LineItem(product="旗联垦毕", spec=None, quantity=120, unit_price=10.0, amount=127.2),
        LineItem(product="配电箱", spec="12回路", quantity=4, unit_price=200.0, amount=800.0),
    ]
    document = _doc(order_no="PO-2024-0315", items=items)
    result = match_to_orders(document, MemoryOrderBook(orders))
    line = next(a for a in result.lines if a.item_index == 1)
    assert (line.order_product, line.doc_unit_price) == ("膨胀螺丝", 1.06)
    assert set(line.repaired) == {"unit_price", "product"}
    # An amount that is not the order's leaves the line unpaired: the quantity alone is no proof.
    items[1] = LineItem(product="旗联垦毕", spec=None, quantity=120, unit_price=10.0, amount=1200.0)
    result = match_to_orders(_doc(order_no="PO-2024-0315", items=items), MemoryOrderBook(orders))
    assert next(a for a in result.lines if a.item_index == 1).order_line_id is None


def test_a_customers_goods_in_other_quantities_only_are_not_the_slips_order(orders):
    # No number printed; the customer and the date fit 恒达五金's order, and its three articles
    # are named, but in other quantities every one: the customer's other order, not this slip's.
    def slip(*quantities: float) -> ExtractedDocument:
        return _doc(doc_type="invoice", items=[LineItem(product=p, spec=s, quantity=q) for (p, s, _q, _u), q in zip(HENGDA, quantities, strict=True)])

    assert match_to_orders(slip(80, 30, 7), MemoryOrderBook(orders)).order_no is None
    # One quantity as ordered, or as ordered with a digit lost (50 for 500), bears the order out.
    assert match_to_orders(slip(500, 30, 7), MemoryOrderBook(orders)).order_no == "PO-2024-0315"
    assert match_to_orders(slip(50, 30, 7), MemoryOrderBook(orders)).order_no == "PO-2024-0315"


def test_traditional_product_names_pair_with_the_books_simplified_ones(orders):
    items = [LineItem(product="不鏽鋼六角螺栓", spec="M8×30", quantity=500, unit_price=0.5),
             LineItem(product="膨脹螺絲", spec="M10×80", quantity=120, unit_price=1.06),
             LineItem(product="配電箱", spec="12回路", quantity=4, unit_price=200.0)]
    result = match_to_orders(_doc(order_no="PO-2024-0315", items=items), MemoryOrderBook(orders))
    assert all(a.product_score == 1.0 for a in result.lines)


def _priced_slip(screw_price: float, screw_amount: float) -> list[LineItem]:
    """The order PO-2024-0315's three lines as a priced slip, the 膨胀螺丝 line's price and amount as read."""
    return [
        LineItem(product="不锈钢六角螺栓", spec="M8×30", quantity=500, unit_price=0.5, amount=250.0),
        LineItem(product="膨胀螺丝", spec="M10×80", quantity=120, unit_price=screw_price, amount=screw_amount),
        LineItem(product="配电箱", spec="12回路", quantity=4, unit_price=200.0, amount=800.0),
    ]


def test_a_misread_amount_is_put_right_where_the_order_and_the_printed_total_bear_it_out(orders):
    # 120 × 1.06 = 127.20 printed; 127.28 read. The lines then sum to 1177.28, and extraction took
    # that sum for the total read as 1177.20 (two digits off): the reading is kept in `readings`.
    def items() -> list[LineItem]:
        return _priced_slip(1.06, 127.28)

    document = _doc(order_no="PO-2024-0315", items=items(), total=1177.28, readings={"total": "1177.2"})
    assert apply_match_repairs(document, match_to_orders(document, MemoryOrderBook(orders)))
    assert (document.items[1].amount, document.total) == (127.2, 1177.2)
    assert document.readings == {"items.1.amount": "127.28"}
    # Without the printed total's witness the slip's own arithmetic may be wrong: it stays as read.
    alone = _doc(order_no="PO-2024-0315", items=items(), total=1177.28)
    apply_match_repairs(alone, match_to_orders(alone, MemoryOrderBook(orders)))
    assert alone.items[1].amount == 127.28


def test_a_price_and_its_amount_misread_alike_are_put_right_where_the_printed_total_bears_the_order_out(orders):
    # 1.06 and 127.20 read as 106.00 and 12720.00 (the decimal point lost in both): the line adds up
    # by itself, but the printed total 1177.20 is the lines' sum only at the order's price.
    def items() -> list[LineItem]:
        return _priced_slip(106.0, 12720.0)

    document = _doc(order_no="PO-2024-0315", items=items(), total=1177.2)
    result = match_to_orders(document, MemoryOrderBook(orders))
    assert apply_match_repairs(document, result)
    assert (document.items[1].unit_price, document.items[1].amount, document.total) == (1.06, 127.2, 1177.2)
    assert document.readings == {"items.1.amount": "12720", "items.1.unit_price": "106"}
    assert "PRICE_MISMATCH" not in [str(f.code) for f in evaluate_flags(document, result)]  # the misreading is no finding
    # A price that really differs, its total adding up at that price: a finding, left as printed.
    dearer = _doc(order_no="PO-2024-0315", items=[*items()[:1], LineItem(product="膨胀螺丝", spec="M10×80", quantity=120,
                                                                          unit_price=1.16, amount=139.2), items()[2]], total=1189.2)
    result = match_to_orders(dearer, MemoryOrderBook(orders))
    apply_match_repairs(dearer, result)
    assert dearer.items[1].unit_price == 1.16
    assert "PRICE_MISMATCH" in [str(f.code) for f in evaluate_flags(dearer, result)]
    # The same dearer price beside another line's amount misread (800.00 read 80.00): the total
    # bears out the amount put right with the price as printed, so the difference stays a finding.
    misread = LineItem(product="配电箱", spec="12回路", quantity=4, unit_price=200.0, amount=80.0)
    both = _doc(order_no="PO-2024-0315", items=[*dearer.items[:2], misread], total=1189.2)
    result = match_to_orders(both, MemoryOrderBook(orders))
    assert apply_match_repairs(both, result)
    assert (both.items[1].unit_price, both.items[2].amount) == (1.16, 800.0)
    assert "PRICE_MISMATCH" in [str(f.code) for f in evaluate_flags(both, result)]


def test_a_customer_not_read_is_the_orders_its_number_names_where_the_book_writes_it_in_full():
    full = MemoryOrderBook([_order("PO-2024-0315", "上海恒达五金贸易有限公司", D, HENGDA, 1)])
    unread = _doc(order_no="PO-2024-0315", customer=None)  # the customer's line lost in dot-matrix noise
    result = match_to_orders(unread, full)
    assert apply_match_repairs(unread, result)
    assert (unread.customer, unread.readings["customer"]) == ("上海恒达五金贸易有限公司", "")
    assert unread.confidence["customer"] == pytest.approx(result.score, abs=0.001)
    # The book's abbreviation (恒达五金, or 上海恒达五金 without its legal form) is not what the slip prints.
    for short in ("恒达五金", "上海恒达五金"):
        doc = _doc(order_no="PO-2024-0315", customer=None)
        apply_match_repairs(doc, match_to_orders(doc, MemoryOrderBook([_order("PO-2024-0315", short, D, HENGDA, 1)])))
        assert doc.customer is None
    # No number printed, no customer read: nothing names the order, nothing is filled in.
    goods = _doc(customer=None)
    result = match_to_orders(goods, full)
    apply_match_repairs(goods, result)
    assert result.method not in ("order_no", "order_no_fuzzy") and goods.customer is None


@pytest.mark.parametrize(("name", "full"), [
    ("温州华盛电气设备商行", True), ("温州华盛电气", False), ("华盛电气设备商行", False),
    # A name in Latin letters carries no city: its legal form makes it whole.
    ("Po Kee Engineering Ltd.", True), ("Wing Fung Engineering Co., Ltd.", True), ("Po Kee Engineering", False),
])
def test_a_book_name_is_written_in_full_with_its_city_and_legal_form_or_in_latin_letters_with_its_legal_form(name, full):
    from docintel.match.customers import written_in_full

    assert written_in_full(name) is full


def test_a_customer_not_read_is_the_orders_latin_name_with_its_legal_form():
    book = MemoryOrderBook([_order("PO24042367", "Po Kee Engineering Ltd.", D, HENGDA, 1)])
    doc = _doc(order_no="PO24042367", customer=None)
    apply_match_repairs(doc, match_to_orders(doc, book))
    assert (doc.customer, doc.readings["customer"]) == ("Po Kee Engineering Ltd.", "")


def test_a_customer_not_read_of_an_order_named_by_abbreviation_is_the_one_full_name_in_the_book_holding_it():
    from docintel.extract.lexicon import Lexicon

    book = MemoryOrderBook([_order("PO-2024-0315", "无锡汇通机械", D, HENGDA, 1)])
    names = ["无锡汇通机械", "无锡汇通机械制造有限公司", "成都汇通机电设备经营部"]
    doc = _doc(order_no="PO-2024-0315", customer=None)
    apply_match_repairs(doc, match_to_orders(doc, book), Lexicon.of(names, []))
    assert (doc.customer, doc.readings["customer"]) == ("无锡汇通机械制造有限公司", "")
    # Two full names hold the abbreviation: whose slip this is, the book does not say.
    twins = Lexicon.of([*names, "无锡汇通机械设备商行"], [])
    doc = _doc(order_no="PO-2024-0315", customer=None)
    apply_match_repairs(doc, match_to_orders(doc, book), twins)
    assert doc.customer is None


def test_an_unpriced_receipt_line_misread_in_name_and_spec_pairs_by_its_quantity_and_a_name_like_the_orders(orders):
    items = [
        LineItem(product="不镑锅六角包栓", spec="MOX4", quantity=500),  # 不锈钢六角螺栓 M8×30, both misread
        LineItem(product="膨胀螺丝", spec="M10×80", quantity=120),
        LineItem(product="配电箱", spec="12回路", quantity=4),
    ]
    lines = match_to_orders(_doc(order_no="PO-2024-0315", items=items), MemoryOrderBook(orders)).lines
    assert sorted((a.item_index, a.order_product) for a in lines) == [(0, "不锈钢六角螺栓"), (1, "膨胀螺丝"), (2, "配电箱")]
    # Another quantity, or a name unlike the order's: a different product, not a misreading.
    for other in (LineItem(product="不镑锅六角包栓", spec="MOX4", quantity=300), LineItem(product="镀锌钢管", spec="DN25", quantity=500)):
        lines = match_to_orders(_doc(order_no="PO-2024-0315", items=[other, *items[1:]]), MemoryOrderBook(orders)).lines
        assert (0, "不锈钢六角螺栓") not in [(a.item_index, a.order_product) for a in lines]


def test_an_unpriced_receipt_line_left_over_pairs_with_the_one_order_line_of_its_quantity(orders):
    # 配电箱 read 配热国 (two of three characters), its spec lost: the only line left on each side,
    # of the same quantity, is one article misread, not one missing and another delivered.
    items = [
        LineItem(product="不锈钢六角螺栓", spec="M8×30", quantity=500),
        LineItem(product="膨胀螺丝", spec="M10×80", quantity=120),
        LineItem(product="配热国", quantity=4),
    ]
    lines = match_to_orders(_doc(order_no="PO-2024-0315", items=items), MemoryOrderBook(orders)).lines
    assert sorted((a.item_index, a.order_product) for a in lines) == [(0, "不锈钢六角螺栓"), (1, "膨胀螺丝"), (2, "配电箱")]
    # Another quantity, or two left-overs of that quantity: nothing singles the pair out.
    for rest in ([LineItem(product="配热国", quantity=5)],
                 [LineItem(product="配热国", quantity=4), LineItem(product="配申相", quantity=4)]):
        lines = match_to_orders(_doc(order_no="PO-2024-0315", items=[*items[:2], *rest]), MemoryOrderBook(orders)).lines
        assert (2, "配电箱") not in [(a.item_index, a.order_product) for a in lines]


def test_an_unpriced_receipt_line_named_past_recognition_pairs_by_its_quantity_and_the_orders_spec():
    # 等边角钢 50×50×5 read as 午疤记钢 50x50x5: the × read as x, the name beyond any likeness.
    angle = [("等边角钢", "50×50×5", 2.914, 4668.24), ("配电箱", "12回路", 9, 256.0), ("空气开关", "DZ47-63 C32", 37, 22.25)]
    book = MemoryOrderBook([_order("HT24033185", "杭州华盛物业管理有限公司", D, angle, 1)])
    items = [LineItem(product="午疤记钢", spec="50x50x5", quantity=2.914),
             LineItem(product="配电箱", spec="12回路", quantity=9), LineItem(product="空气开关", spec="47-63 C32", quantity=37)]
    # No number printed and the customer misread: the goods lead to the order, and all three pair.
    document = _doc(items=items, customer="杭州华人乙物业管理方恨公司", date="2024-03-20")
    result = match_to_orders(document, book)
    assert (result.order_no, result.method) == ("HT24033185", "items")
    assert sorted((a.item_index, a.order_product) for a in result.lines) == [(0, "等边角钢"), (1, "配电箱"), (2, "空气开关")]
    # ...and the customer, a glyph split in two and the legal form misread, is stored as the book writes it.
    assert apply_match_repairs(document, result)
    assert (document.customer, document.readings["customer"]) == ("杭州华盛物业管理有限公司", "杭州华人乙物业管理方恨公司")
    # Another quantity: another article, not a misreading.
    other = [LineItem(product="午疤记钢", spec="50x50x5", quantity=3.5), *items[1:]]
    lines = match_to_orders(_doc(order_no="HT24033185", items=other), book).lines
    assert (0, "等边角钢") not in [(a.item_index, a.order_product) for a in lines]


def test_a_name_misread_on_an_unpriced_receipt_line_of_the_orders_quantity_is_written_as_the_order_writes_it(orders):
    items = [
        LineItem(product="不锈钢六角螺栓尼龙", spec="M8×30", quantity=500),  # the name glued to what follows it
        LineItem(product="膨张螺丝", spec="M10×80", quantity=110),          # misread, and 10 short
        LineItem(product="配电箱", spec="12回路", quantity=4),
    ]
    document = _doc(order_no="PO-2024-0315", items=items)
    assert apply_match_repairs(document, match_to_orders(document, MemoryOrderBook(orders)))
    # The short line's name stays as read: its quantity does not vouch for the pairing.
    assert [i.product for i in document.items] == ["不锈钢六角螺栓", "膨张螺丝", "配电箱"]


def test_a_dot_matrix_copy_read_past_recognition_is_matched_by_its_goods_alone_in_its_city():
    # A carbon copy at 150 dpi: order number, customer and one line garbled; three lines carry the
    # order's quantities exactly, and the city is read right.
    lines = [("不锈钢六角螺栓", "M8×30", 240, 0.39), ("气泡膜", "1.2m×50m", 60, 42.12),
             ("五金工具套装", "46件套", 18, 125.28), ("大米", "25kg/袋", 16, 123.0)]
    book = MemoryOrderBook([_order("CG-2408-439", "温州鑫源机械制造商行", D, lines, 1)])
    read = [LineItem(product="不铺销六锡星棕用", spec="X3", quantity=2), LineItem(product="气泡膜", spec="1.2X50n", quantity=60),
            LineItem(product="五会工具害著", spec="46件套", quantity=18), LineItem(product="大米", spec="25kg/摊", quantity=16)]
    slip = _doc(order_no="5_2408_4", customer="温州半源前所和法商行", date="2024-03-25", items=read)
    result = match_to_orders(slip, book)
    assert (result.order_no, result.method) == ("CG-2408-439", "items")
    # Another city's slip for the same goods is another firm's.
    assert match_to_orders(slip.model_copy(update={"customer": "杭州半源前所和法商行"}), book).order_no is None
    # Two quantities the order's are not enough without the customer.
    two = [*read[:2], LineItem(product="五会工具害著", spec="46件套", quantity=12), read[3]]
    assert match_to_orders(slip.model_copy(update={"items": two}), book).order_no is None


def test_a_vendor_not_read_is_the_matched_orders_and_one_read_is_kept(session: Session):  # noqa: F811 (fixture)
    from dataclasses import replace

    order = replace(_order("PO-2024-0315", "恒达五金", D, HENGDA, 1), vendor="上海鼎信五金机电有限公司")
    _store(session, [order])
    for book in (MemoryOrderBook([order]), SqlOrderBook(session)):
        unread = _doc(order_no="PO-2024-0315")  # the vendor's line under a seal
        result = match_to_orders(unread, book)
        assert result.order_vendor == "上海鼎信五金机电有限公司"
        assert apply_match_repairs(unread, result)
        assert (unread.vendor, unread.readings["vendor"]) == ("上海鼎信五金机电有限公司", "")
        assert unread.confidence["vendor"] == pytest.approx(result.score, abs=0.001)
        printed = _doc(order_no="PO-2024-0315", vendor="鼎信五金")
        apply_match_repairs(printed, match_to_orders(printed, book))
        assert printed.vendor == "鼎信五金" and "vendor" not in printed.readings
        stranger = _doc(order_no=None, customer="深圳利民贸易有限公司")
        apply_match_repairs(stranger, match_to_orders(stranger, book))
        assert stranger.vendor is None


def test_a_date_read_before_its_order_with_a_digit_lost_is_put_right(orders):
    book = MemoryOrderBook([_order("PO-2024-1102", "恒达五金", dt.date(2024, 10, 28), HENGDA, 1)])
    # 2024-11-02 read 2024-01-02: the 1s of 11 ran together. Only 11-02 lies within days after the order.
    document = _doc(order_no="PO-2024-1102", date="2024-01-02")
    assert apply_match_repairs(document, match_to_orders(document, book))
    assert (document.date, document.readings["date"]) == ("2024-11-02", "2024-01-02")


@pytest.mark.parametrize(
    ("order_date", "read"),
    [
        (dt.date(2024, 10, 28), "2025-03-02"),  # after the window: a late receipt is a finding
        (dt.date(2024, 10, 28), "2024-10-30"),  # within it: nothing to put right
        (dt.date(2024, 11, 9), "2024-11-01"),   # 11-10 … 11-19, 11-21: more than one date fits
        (dt.date(2024, 6, 10), "2024-01-02"),   # no date with one digit more fits
    ],
)
def test_a_date_is_put_right_only_where_one_lost_digit_alone_explains_it(order_date, read):
    book = MemoryOrderBook([_order("PO-2024-1102", "恒达五金", order_date, HENGDA, 1)])
    document = _doc(order_no="PO-2024-1102", date=read)
    apply_match_repairs(document, match_to_orders(document, book))
    assert document.date == read and "date" not in document.readings


def test_a_date_whose_year_did_not_read_takes_the_year_its_order_gives_it():
    # 民國113年6月25日 read 13年6月25日: extraction keeps the reading; only the order tells its year.
    book = MemoryOrderBook([_order("PO-2024-1102", "恒达五金", dt.date(2024, 6, 20), HENGDA, 1)])
    document = _doc(order_no="PO-2024-1102", date=None, readings={"date": "13年6月25日"})
    assert apply_match_repairs(document, match_to_orders(document, book))
    assert (document.date, document.readings["date"]) == ("2024-06-25", "13年6月25日")
    # An order of late December: the delivery's month and day fall in the next year.
    december = MemoryOrderBook([_order("PO-2024-1102", "恒达五金", dt.date(2024, 12, 28), HENGDA, 1)])
    document = _doc(order_no="PO-2024-1102", date=None, readings={"date": "2624701/01"})
    assert apply_match_repairs(document, match_to_orders(document, december))
    assert document.date == "2025-01-01"


def test_a_year_read_years_from_its_orders_is_put_right_where_month_and_day_fit():
    book = MemoryOrderBook([_order("PO-2024-1102", "恒达五金", dt.date(2024, 8, 10), HENGDA, 1)])
    roc_misread = _doc(order_no="PO-2024-1102", date="2054-08-18")  # 民國113年 read 143年
    assert apply_match_repairs(roc_misread, match_to_orders(roc_misread, book))
    assert (roc_misread.date, roc_misread.readings["date"]) == ("2024-08-18", "2054-08-18")


@pytest.mark.parametrize(
    ("read", "reading"),
    [
        (None, "13年9月25日"),         # month and day more than the corroborating days after the order
        (None, "日期: 2024"),          # no month and day read
        ("2025-08-18", ""),           # a year off by one: a clerk's slip, a finding, not put right
        ("2054-10-18", ""),           # month and day outside the days after the order
    ],
)
def test_a_date_is_given_the_orders_year_only_where_month_and_day_fit_the_days_after_it(read, reading):
    book = MemoryOrderBook([_order("PO-2024-1102", "恒达五金", dt.date(2024, 8, 10), HENGDA, 1)])
    document = _doc(order_no="PO-2024-1102", date=read, readings={"date": reading} if reading else {})
    apply_match_repairs(document, match_to_orders(document, book))
    assert document.date == read


def test_an_order_number_misread_past_lookup_is_written_as_the_order_the_slip_matched_by_its_goods(orders):
    # A handwritten HT24031201: T read as I and the pen's last stroke as one more 0. No lookup finds
    # it, customer, date and goods do, and the number read is two slips from that order's.
    document = _doc(order_no="HI240312010", customer="中泰包装", date="2024-03-13",
                    items=[LineItem(product=p, spec=s, quantity=q, unit_price=u) for p, s, q, u in OTHER])
    result = match_to_orders(document, MemoryOrderBook(orders))
    assert (result.order_no, result.method) == ("HT24031201", "customer_date_items")
    assert apply_match_repairs(document, result)
    assert (document.order_no, document.readings["order_no"]) == ("HT24031201", "HI240312010")


@pytest.mark.parametrize(("read", "stored"), [
    ("24-031201", "HT24031201"),    # its letters lost (under a stamp, off the cell)
    ("T2403120", "HT24031201"),     # both ends lost
    ("H240312017", "HT24031201"),   # T lost, the pen's last stroke read as one more digit
    ("240312", "HT24031201"),       # six characters, all within it
    ("24O3I2", "HT24031201"),       # look-alikes folded (O for 0, I for 1)
    ("247319", "247319"),           # six characters, but two slips off any stretch of it
    ("2403", "2403"),               # too little of it read to say whose it is
    ("24-039977", "24-039977"),     # part of another number
])
def test_an_order_number_read_in_part_is_written_as_the_order_its_goods_found_when_the_part_lies_within_it(orders, read, stored):
    items = [LineItem(product=p, spec=s, quantity=q, unit_price=u) for p, s, q, u in OTHER]
    document = _doc(order_no=read, customer="中泰包装", date="2024-03-13", items=items)
    result = match_to_orders(document, MemoryOrderBook(orders))
    assert result.order_no == "HT24031201" and result.method in ("customer_date_items", "items")
    apply_match_repairs(document, result)
    assert document.order_no == stored


def test_an_order_number_printed_where_its_label_was_not_read_is_the_order_its_goods_found(orders):
    items = [LineItem(product=p, spec=s, quantity=q, unit_price=u) for p, s, q, u in OTHER]
    text = "送货回单 No. 0662973\n送货地址: 建设路279号 ?20号: HT24031201\n序号 品名 规格"
    document = _doc(order_no=None, customer="中泰包装", date="2024-03-13", items=items, text=text)
    result = match_to_orders(document, MemoryOrderBook(orders))
    assert result.method == "customer_date_items"
    assert apply_match_repairs(document, result)
    assert (document.order_no, document.readings["order_no"]) == ("HT24031201", "")
    # Only as a number of its own: inside a longer run of digits it is not printed.
    inside = _doc(order_no=None, customer="中泰包装", date="2024-03-13", items=items, text="电话 HT240312019")
    apply_match_repairs(inside, match_to_orders(inside, MemoryOrderBook(orders)))
    assert inside.order_no is None


def test_an_order_number_far_from_the_order_matched_by_goods_stays_as_printed(orders):
    items = [LineItem(product=p, spec=s, quantity=q, unit_price=u) for p, s, q, u in OTHER]
    document = _doc(order_no="HT24039977", customer="中泰包装", date="2024-03-13", items=items)
    result = match_to_orders(document, MemoryOrderBook(orders))
    assert result.order_no == "HT24031201"
    apply_match_repairs(document, result)
    assert document.order_no == "HT24039977" and "order_no" not in document.readings


@pytest.mark.parametrize(
    ("read", "confidence", "book", "stored"),
    [
        # Dot-matrix, read in doubt: the book's abbreviation over the stretch it agrees with in half its places.
        ("成都安败苇饰工程有限公司", 0.64, "成都宏发装饰", "成都宏发装饰工程有限公司"),
        ("温州壮源合品经营部", 0.45, "鑫源食品", "温州鑫源食品经营部"),
        # The book writes the name in full: that is what the slip prints.
        ("温州明五金贸有公司", 0.5, "温州明辉五金贸易有限公司", "温州明辉五金贸易有限公司"),
        # Read clearly: a sister firm printed right is no misreading.
        ("成都鑫源装饰工程有限公司", 0.93, "成都宏发装饰", "成都鑫源装饰工程有限公司"),
        # Read in doubt, but too little of it is the book's name to say where it stands.
        ("演油避晤家是用虞从加", 0.14, "顺昌食品", "演油避晤家是用虞从加"),
    ],
)
def test_a_customer_read_in_doubt_on_a_slip_whose_number_names_its_order_is_written_as_the_order_names_it(read, confidence, book, stored):
    book_ = MemoryOrderBook([_order("PO-2024-0315", book, D, HENGDA, 1)])
    document = _doc(order_no="PO-2024-0315", customer=read, confidence={"customer": confidence})
    result = match_to_orders(document, book_)
    assert (result.order_no, result.method) == ("PO-2024-0315", "order_no")
    apply_match_repairs(document, result)
    assert document.customer == stored
    assert document.readings.get("customer", read) == read


def test_a_customer_in_doubt_is_written_as_the_order_names_it_when_look_alikes_found_the_order_its_goods_bear_out():
    # P0-2024-O315 is the book's PO-2024-0315 through look-alikes, and the goods on the slip are
    # that order's: the order is as established as by its exact number.
    book = MemoryOrderBook([_order("PO-2024-0315", "成都宏发装饰", D, HENGDA, 1)])
    document = _doc(order_no="P0-2024-O315", customer="成都安败苇饰工程有限公司", confidence={"customer": 0.5})
    result = match_to_orders(document, book)
    assert result.method == "order_no_fuzzy"
    apply_match_repairs(document, result)
    assert (document.customer, document.readings["customer"]) == ("成都宏发装饰工程有限公司", "成都安败苇饰工程有限公司")


@pytest.mark.parametrize(("read", "stored"), [
    # 顺昌食品 put in over 磊电: 无钢顺昌食品有限公司 is a slip of the firm's full name in the book.
    ("无钢磊电食品有限公司", "无锡顺昌食品有限公司"),
    # Printed with a real city the book's full names do not carry: another branch, left as put in.
    ("杭州磊电食品有限公司", "杭州顺昌食品有限公司"),
])
def test_a_firm_its_order_names_by_an_abbreviation_is_written_as_the_rest_of_the_book_writes_it_in_full(read, stored):
    from docintel.extract.lexicon import Lexicon
    from docintel.match.config import match_config

    names = ["顺昌食品", "无锡顺昌食品有限公司", "广州恒达五金有限公司"]
    lexicon = Lexicon.of(names, []).with_places(match_config().cities)
    book = MemoryOrderBook([_order("PO-2024-0315", "顺昌食品", D, HENGDA, 1)])
    document = _doc(order_no="PO-2024-0315", customer=read, confidence={"customer": 0.5})
    apply_match_repairs(document, match_to_orders(document, book), lexicon)
    assert (document.customer, document.readings["customer"]) == (stored, read)
    without = _doc(order_no="PO-2024-0315", customer=read, confidence={"customer": 0.5})
    apply_match_repairs(without, match_to_orders(without, book))
    assert without.customer == read.replace("磊电", "顺昌")  # no lexicon: the abbreviation put in alone


@pytest.mark.parametrize("order_no", ["PO-2024-0315", "P0-2024-O315"])
def test_a_customer_in_doubt_printed_with_another_real_city_than_the_orders_is_another_firm(order_no):
    # 天津百川建材 on an order of the book's 佛山百川建材: read in doubt or not, a real city printed
    # is no misreading (CUSTOMER_MISMATCH), though four of six characters agree.
    book = MemoryOrderBook([_order("PO-2024-0315", "佛山百川建材", D, HENGDA, 1)])
    document = _doc(order_no=order_no, customer="天津百川建材有限责任公司", confidence={"customer": 0.5})
    apply_match_repairs(document, match_to_orders(document, book))
    assert document.customer == "天津百川建材有限责任公司" and "customer" not in document.readings
    full = MemoryOrderBook([_order("PO-2024-0315", "佛山百川建材有限公司", D, HENGDA, 1)])
    document = _doc(order_no=order_no, customer="天津百川建材有限责任公司", confidence={"customer": 0.5})
    apply_match_repairs(document, match_to_orders(document, full))
    assert document.customer == "天津百川建材有限责任公司"


def test_a_product_name_in_the_other_script_is_written_as_its_order_writes_it():
    lines = [("尼龍束線帶", "4×200mm", 80, 3.5), ("五層紙箱", "60×40×40cm", 680, 2.1)]
    book = MemoryOrderBook([_order("PO-2024-0315", "恆達五金", D, lines, 1)])
    items = [LineItem(product="尼龙束线带", spec="4X200mm", quantity=80), LineItem(product="五層紙箱", spec="60X40X40cm", quantity=680)]
    document = _doc(order_no="PO-2024-0315", customer="恆達五金", items=items)
    assert apply_match_repairs(document, match_to_orders(document, book))
    assert [i.product for i in document.items] == ["尼龍束線帶", "五層紙箱"]
    assert document.readings["items.0.product"] == "尼龙束线带" and "items.1.product" not in document.readings
