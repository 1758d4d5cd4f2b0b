"""Flag rules, one test per code, and precision/recall on the committed samples' ground truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from docintel.extract.records import ExtractedDocument, LineItem
from docintel.flags import FlagCode, evaluate_flags, flag_spec
from docintel.flags.evaluation import evaluate_samples
from docintel.match import MemoryOrderBook, OrderLineView, OrderView, match_to_orders

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
D = dt.date(2024, 3, 15)
LINES = (
    OrderLineView(1, "不锈钢六角螺栓", "M8×30", "个", 500, 0.5, D),
    OrderLineView(2, "膨胀螺丝", "M10×80", "个", 120, 1.06, D),
    OrderLineView(3, "配电箱", "12回路", "台", 4, 200.0, D),
)
BOOK = MemoryOrderBook([OrderView("PO-2024-0315", "上海恒达五金", ("上海恒达五金",), D, LINES)])


def _items(drop: int | None = None, **changes) -> list[LineItem]:
    items = []
    for i, ln in enumerate(LINES):
        if i == drop:
            continue
        item = {"product": ln.product, "spec": ln.spec, "quantity": ln.quantity, "unit_price": ln.unit_price}
        item["amount"] = round(item["quantity"] * item["unit_price"], 2)
        item.update(changes.get(ln.product, {}))
        items.append(LineItem(**item))
    return items


def _codes(covered=(), **kw) -> set[tuple[str, str | None]]:
    base = {
        "file": "x.jpg",
        "doc_type": "signoff_receipt",
        "order_no": "PO-2024-0315",
        "customer": "上海恒达五金贸易有限公司",
        "date": "2024-03-18",
        "signature_present": True,
        "items": _items(),
    }
    doc = ExtractedDocument(**{**base, **kw})
    return {(str(f.code), f.product) for f in evaluate_flags(doc, match_to_orders(doc, BOOK), covered)}


def test_clean_signed_receipt_has_no_flags():
    assert _codes() == set()


def test_every_code_has_severity_and_both_messages():
    for code in FlagCode:
        spec = flag_spec(code)
        assert spec.severity in {"error", "warning", "info"} and spec.zh and spec.en
    assert {c.value for c in FlagCode} >= {"NO_MATCH", "AMBIGUOUS_MATCH", "TOTAL_MISMATCH", "LOW_CONFIDENCE", "DUPLICATE_RECEIPT"}


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"order_no": "ZZ-9999", "customer": "某某公司"}, ("NO_MATCH", None)),
        ({"customer": "杭州恒达五金贸易有限公司"}, ("CUSTOMER_MISMATCH", None)),
        ({"items": _items(drop=2)}, ("ITEM_MISSING", "配电箱")),
        ({"items": [*_items(), LineItem(product="大米", spec="25kg/袋", quantity=3)]}, ("ITEM_UNEXPECTED", "大米")),
        ({"items": _items(膨胀螺丝={"quantity": 110, "amount": 116.6})}, ("QTY_MISMATCH", "膨胀螺丝")),
        ({"items": _items(配电箱={"unit_price": 210.0, "amount": 840.0})}, ("PRICE_MISMATCH", "配电箱")),
        ({"total": 1.0}, ("TOTAL_MISMATCH", None)),
        ({"date": "2024-06-30"}, ("DATE_OUT_OF_RANGE", None)),
        ({"signature_present": False}, ("UNSIGNED", None)),
        ({"confidence": {"customer": 0.3}}, ("LOW_CONFIDENCE", None)),
    ],
)
def test_each_code(kw, expected):
    assert expected in _codes(**kw)


def test_duplicate_receipt_needs_covered_lines_and_a_receipt():
    assert ("DUPLICATE_RECEIPT", None) in _codes(covered={2})
    assert ("DUPLICATE_RECEIPT", None) not in _codes(covered={99})
    assert ("DUPLICATE_RECEIPT", None) not in _codes(covered={2}, doc_type="sales_slip")


def test_ambiguous_match():
    twin = OrderView("PO-2024-0316", "上海恒达五金", ("上海恒达五金",), D, tuple(OrderLineView(10 + ln.id, *_fields(ln)) for ln in LINES))
    book = MemoryOrderBook([*BOOK.by_order_no("PO-2024-0315"), twin])
    doc = ExtractedDocument(file="x", doc_type="sales_slip", customer="上海恒达五金贸易有限公司", date="2024-03-18", items=_items())
    codes = {str(f.code) for f in evaluate_flags(doc, match_to_orders(doc, book))}
    assert "AMBIGUOUS_MATCH" in codes


def _fields(ln: OrderLineView):
    return ln.product, ln.spec, ln.unit, ln.quantity, ln.unit_price, ln.line_date


def test_unsigned_only_for_receipts_and_statements_are_not_matched():
    assert ("UNSIGNED", None) not in _codes(signature_present=False, doc_type="sales_slip")
    assert _codes(doc_type="monthly_statement", order_no=None, customer="某某公司") == set()


def test_a_receipt_with_no_sign_off_field_found_is_in_doubt_not_unsigned():
    from docintel.extract.records import WordRef
    from docintel.extract.signoff import NO_SIGNOFF_FIELD_CONFIDENCE

    def flags(**kw) -> list[tuple[str, str | None]]:
        doc = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金",
                                date="2024-03-18", items=_items(), signature_present=False, **kw)
        return [(str(f.code), f.details.get("field")) for f in evaluate_flags(doc, match_to_orders(doc, BOOK), ())]

    # The field was found, and empty: unsigned.
    assert ("UNSIGNED", None) in flags(confidence={"signature_present": 0.95, "doc_type": 0.9})
    # No field found, and no title read (typed a receipt by its layout): the type is what to check.
    no_field = {"signature_present": NO_SIGNOFF_FIELD_CONFIDENCE, "doc_type": 0.68}
    assert flags(confidence=no_field) == [("LOW_CONFIDENCE", "doc_type")]
    # No field found under a title that says receipt: the signature is what to check.
    title = {"doc_type": [WordRef(page=0, box=(10, 10, 300, 60))]}  # the title words
    assert flags(confidence=no_field, sources=title) == [("LOW_CONFIDENCE", "signature_present")]


def test_an_invoice_standing_alone_has_no_match_to_doubt_its_numbers_for():
    doc = ExtractedDocument(file="x.jpg", doc_type="invoice", doc_no="37302004", customer="某某贸易有限公司", date="2024-08-12",
                            items=_items(), confidence={"doc_no": 0.3, "customer": 0.4, "date": 0.3, "items": 0.9})
    found = [(str(f.code), f.details.get("field")) for f in evaluate_flags(doc, match_to_orders(doc, BOOK), ())]
    # No order number printed: no NO_MATCH, and neither its number nor its customer is in doubt
    # for a match; its date, which the archive is searched by, still is.
    assert found == [("LOW_CONFIDENCE", "date")]


def test_invoice_total_may_include_vat():
    items = _items()
    total = round(sum(i.amount for i in items) * 1.13, 2)
    assert ("TOTAL_MISMATCH", None) not in _codes(doc_type="invoice", items=items, total=total)


def test_messages_fill_placeholders():
    doc = ExtractedDocument(file="x", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金贸易有限公司",
                            date="2024-03-18", signature_present=True, items=_items(配电箱={"unit_price": 210.0, "amount": 840.0}))
    flag = next(f for f in evaluate_flags(doc, match_to_orders(doc, BOOK)) if f.code == FlagCode.PRICE_MISMATCH)
    assert "210.0" in flag.message_zh and "200.0" in flag.message_en and flag.severity == "error"


def test_precision_and_recall_on_committed_samples():
    scores = evaluate_samples(SAMPLES)
    assert scores.order_total >= 15 and scores.order_correct == scores.order_total
    for code in scores.codes():
        assert scores.precision(code) >= 0.95, code
        assert scores.recall(code) >= 0.95, code


def test_invoice_without_an_order_number_stands_alone():
    stranger = {"customer": "广州顺昌食品有限公司", "items": [LineItem(product="大米", quantity=3, unit_price=98.0, amount=294.0)]}
    assert ("NO_MATCH", None) not in _codes(doc_type="invoice", order_no=None, total=294.0, **stranger)
    assert ("NO_MATCH", None) in _codes(doc_type="invoice", order_no="PO-2099-0001", total=294.0, **stranger)
    assert ("NO_MATCH", None) in _codes(doc_type="signoff_receipt", order_no=None, **stranger)


def test_low_confidence_is_not_raised_where_nothing_is_in_doubt():
    # The printed order number was found exactly in the book: its faint print is confirmed.
    assert ("LOW_CONFIDENCE", None) not in _codes(confidence={"order_no": 0.3})
    # A page that is matched to no order depends on nothing.
    assert ("LOW_CONFIDENCE", None) not in _codes(doc_type="other", confidence={"customer": 0.2})


def test_a_doubt_read_end_to_end_counts_as_right_only_where_the_field_was_misread():
    from docintel.flags.evaluation import truth_as_extracted
    from docintel.samples.truth import load_truth

    truths = {t.file: t for t in map(load_truth, sorted(SAMPLES.glob("[0-9][0-9][0-9][0-9]_*.json")))}
    receipts = [f for f, t in truths.items() if t.doc_type == "signoff_receipt" and t.customer and t.date][:2]
    documents = {f: truth_as_extracted(t) for f, t in truths.items()}
    misread, doubted_needlessly = (documents[f] for f in receipts)
    misread.customer = misread.customer + "X"
    misread.confidence = {"customer": 0.3}
    doubted_needlessly.confidence = {"customer": 0.3}
    scores = evaluate_samples(SAMPLES, documents=documents)
    assert (scores.tp["LOW_CONFIDENCE"], scores.fp["LOW_CONFIDENCE"]) == (1, 1)
    # The same misreading, read with confidence: a doubt that should have been raised.
    misread.confidence = {}
    assert evaluate_samples(SAMPLES, documents=documents).fn["LOW_CONFIDENCE"] == 1


def test_a_slip_with_no_line_read_is_doubted_on_its_items_whether_or_not_its_order_was_found():
    # A sales slip whose table header was read too little to be found: no total read, no order
    # found (its number unread, its customer not the book's). It lists goods all the same.
    doc = ExtractedDocument(file="x.jpg", doc_type="sales_slip", customer="成都顺昌包装材料经营部", date="2024-03-18",
                            confidence={"customer": 0.9})
    flags = evaluate_flags(doc, match_to_orders(doc, BOOK))
    assert ("LOW_CONFIDENCE", "items") in [(str(f.code), f.details.get("field")) for f in flags]


def test_a_receipt_whose_lines_were_not_read_is_doubted_not_flagged_item_by_item_missing():
    # A total was printed but the table was lost to OCR: the goods are not missing.
    assert _codes(items=[], total=1322.0) == {("LOW_CONFIDENCE", None)}
    # No lines and no total on a receipt for an order with lines: the table was lost as well (a
    # dot-matrix receipt read as noise), not every ordered line left off. One doubt names them all.
    flags = evaluate_flags(doc := ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315",
                                                    customer="上海恒达五金贸易有限公司", date="2024-03-18",
                                                    signature_present=True), match_to_orders(doc, BOOK))
    assert [(str(f.code), f.details["field"]) for f in flags] == [("LOW_CONFIDENCE", "items")]
    assert flags[0].details["order_lines_not_found"] == [ln.product for ln in LINES]
    # One ordered line left off a table that was read is still missing.
    assert _codes(items=_items(drop=2)) == {("ITEM_MISSING", "配电箱")}


def test_an_order_not_found_by_fields_read_in_doubt_is_not_reported_missing_from_the_book():
    # Neither an order number nor a customer read clearly (dot-matrix noise): the lookup proves
    # nothing, and the doubt on the customer sends the clerk to the scan.
    faint = {"order_no": None, "customer": "汪境新吉五念般证", "confidence": {"customer": 0.29}}
    assert _codes(**faint) == {("LOW_CONFIDENCE", None)}
    # Its number read faintly and its goods too: the same.
    assert ("NO_MATCH", None) not in _codes(order_no="PO-29", confidence={"order_no": 0.31, "items": 0.3})
    # An order number read clearly that the book does not hold is a finding, whatever else is faint.
    assert ("NO_MATCH", None) in _codes(order_no="ZZ-2024-9999", customer="某某公司", confidence={"order_no": 0.9, "customer": 0.3})
    # So is a customer read clearly, with no number printed, that no order of the book has.
    assert ("NO_MATCH", None) in _codes(order_no=None, customer="某某五金有限公司", confidence={"customer": 0.9})


def test_a_line_that_does_not_add_up_on_the_slip_is_doubted_not_flagged_as_a_quantity_difference():
    # 110 × 1.06 ≠ 1272.00 printed, and the order says 120: a digit was misread somewhere on the
    # line (the amount fits neither quantity with this price), which the clerk checks on the scan.
    assert _codes(items=_items(膨胀螺丝={"quantity": 110, "amount": 1272.0})) == {("LOW_CONFIDENCE", None)}
    # Adding up on the slip, the same quantity is a real difference.
    assert ("QTY_MISMATCH", "膨胀螺丝") in _codes(items=_items(膨胀螺丝={"quantity": 110, "amount": 116.6}))


def test_a_misread_amount_on_a_line_that_matches_its_order_line_raises_nothing():
    total = round(sum(i.amount for i in _items()), 2)
    assert _codes(items=_items(), total=total) == set()
    # 4 × 200.00 printed as 8000.00: quantity and price are the order's, the amount alone misread;
    # the lines then miss the printed total, but that is the misreading, not a wrong total.
    assert _codes(items=_items(配电箱={"amount": 8000.0}), total=total) == set()
    # A line that adds up but misses the total is a real TOTAL_MISMATCH.
    assert _codes(items=_items(), total=total + 100) == {("TOTAL_MISMATCH", None)}


def test_a_total_read_as_the_lines_sum_with_digits_lost_is_no_total_mismatch():
    total = round(sum(i.amount for i in _items()), 2)  # 1177.20
    assert _codes(items=_items(), total=177.2) == set()   # its first digit lost
    assert _codes(items=_items(), total=17.2) == set()    # two lost
    assert _codes(items=_items(), total=1172.0) == {("TOTAL_MISMATCH", None)}  # not the sum's digits
    assert _codes(items=_items(), total=total * 10) == {("TOTAL_MISMATCH", None)}  # one more, not fewer


def test_a_total_nothing_confirms_that_misses_its_lines_is_no_total_mismatch():
    total = round(sum(i.amount for i in _items()), 2)
    # Its 大写 amount agreeing (extraction scores such a total 0.98): the slip does not add up.
    assert _codes(items=_items(), total=total + 100, confidence={"total": 0.98}) == {("TOTAL_MISMATCH", None)}
    # Read with nothing to confirm it (0.6 at most): 12848.33 read 1478.13, or 0.00, is likelier.
    assert _codes(items=_items(), total=total + 100, confidence={"total": 0.6}) == set()
    assert _codes(items=_items(), total=0.0, confidence={"total": 0.6}) == set()


def test_a_name_misread_past_recognition_pairs_with_its_order_line_by_quantity_and_price():
    garbled = _items(膨胀螺丝={"product": "脱张昧丝"})
    assert _codes(items=garbled) == set()
    # Different numbers as well: an unexpected item and a missing order line.
    other = _items(膨胀螺丝={"product": "脱张昧丝", "quantity": 7, "amount": 7.42})
    assert _codes(items=other) == {("ITEM_UNEXPECTED", "脱张昧丝"), ("ITEM_MISSING", "膨胀螺丝")}


def test_differences_in_a_table_read_with_low_confidence_are_one_doubt_naming_the_lines():
    items = _items(膨胀螺丝={"quantity": 110, "amount": 116.6})
    assert ("QTY_MISMATCH", "膨胀螺丝") in _codes(items=items)
    flags = evaluate_flags(doc := ExtractedDocument(
        file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金", date="2024-03-18",
        signature_present=True, items=items, confidence={"items": 0.45}), match_to_orders(doc, BOOK))
    assert [(str(f.code), f.details.get("products")) for f in flags] == [("LOW_CONFIDENCE", ["膨胀螺丝"])]


def test_an_order_line_not_found_in_a_table_read_with_low_confidence_is_named_in_the_doubt():
    doc = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金",
                            date="2024-03-18", signature_present=True, items=_items(drop=2), confidence={"items": 0.45})
    flags = evaluate_flags(doc, match_to_orders(doc, BOOK))
    assert [(str(f.code), f.details.get("order_lines_not_found")) for f in flags] == [("LOW_CONFIDENCE", ["配电箱"])]
    doc.confidence = {"items": 0.9}
    assert [str(f.code) for f in evaluate_flags(doc, match_to_orders(doc, BOOK))] == ["ITEM_MISSING"]


def test_a_faint_date_a_few_days_after_its_order_is_borne_out_by_the_book():
    # The order is of 2024-03-15.
    assert _codes(date="2024-03-18", confidence={"date": 0.3}) == set()
    assert _codes(date="2024-04-30", confidence={"date": 0.3}) == {("LOW_CONFIDENCE", None)}
    assert _codes(date="2024-03-10", confidence={"date": 0.3}) == {("LOW_CONFIDENCE", None)}


def test_an_items_doubt_names_the_lines_to_check_in_both_languages():
    doc = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金",
                            date="2024-03-18", signature_present=True, items=_items(drop=2), confidence={"items": 0.45})
    [flag] = evaluate_flags(doc, match_to_orders(doc, BOOK))
    assert flag.message_en.endswith("; check on the scan: 配电箱") and flag.message_zh.endswith("请对照扫描件核对：配电箱")
    assert "check_en" not in flag.details
    whole = doc.model_copy(update={"confidence": {"customer": 0.3}, "items": _items()})
    [other] = evaluate_flags(whole, match_to_orders(whole, BOOK))
    assert other.message_en == 'Field "customer" was read with low confidence (0.3)'


def test_a_table_read_faintly_whose_every_line_the_order_bears_out_is_not_in_doubt():
    doc = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金",
                            date="2024-03-18", signature_present=True, items=_items(), confidence={"items": 0.45})
    assert evaluate_flags(doc, match_to_orders(doc, BOOK)) == []


def test_a_quantity_with_one_digit_of_its_order_lines_lost_or_gained_is_doubted_unless_its_amount_vouches_for_it():
    unpriced = {"unit_price": None, "amount": None}
    assert _codes(items=_items(膨胀螺丝={"quantity": 12, **unpriced})) == {("LOW_CONFIDENCE", None)}  # 120 read as 12
    assert _codes(items=_items(膨胀螺丝={"quantity": 110, **unpriced})) == {("QTY_MISMATCH", "膨胀螺丝")}  # 110 of 120
    # 12 × 1.06 = 12.72 printed beside it: the slip says 12, a finding.
    assert _codes(items=_items(膨胀螺丝={"quantity": 12, "amount": 12.72})) == {("QTY_MISMATCH", "膨胀螺丝")}
    # One digit more than the order's (a speck read as a 5): as doubtful, and as much a finding when vouched for.
    assert _codes(items=_items(膨胀螺丝={"quantity": 1205, **unpriced})) == {("LOW_CONFIDENCE", None)}
    assert _codes(items=_items(膨胀螺丝={"quantity": 1205, "amount": 1277.3})) == {("QTY_MISMATCH", "膨胀螺丝")}
    assert _codes(items=_items(膨胀螺丝={"quantity": 150, **unpriced})) == {("QTY_MISMATCH", "膨胀螺丝")}  # not its digits


def test_an_ordered_line_missing_from_lines_that_fall_short_of_the_printed_total_was_not_read():
    # 配电箱 4 × 200.00 lost from the reading, the printed total 1177.20 still counting it.
    read = _items(drop=2)
    flags = evaluate_flags(doc := ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315",
                                                    customer="上海恒达五金贸易有限公司", date="2024-03-18", signature_present=True,
                                                    items=read, total=1177.2), match_to_orders(doc, BOOK))
    assert [(str(f.code), f.details.get("order_lines_not_found")) for f in flags] == [("LOW_CONFIDENCE", ["配电箱"])]
    # The slip's own total without it: the line was left off the slip, a finding.
    assert _codes(items=read, total=377.2) == {("ITEM_MISSING", "配电箱")}


def test_a_printed_line_whose_numbers_were_not_read_is_doubted_not_reported_missing_or_unexpected():
    lost = {"quantity": None, "unit_price": None, "amount": None}
    # Its name read: paired with its order line, whose quantity it cannot contradict.
    assert _codes(items=_items(配电箱=lost)) == {("LOW_CONFIDENCE", None)}
    # Its name misread past recognition too: the order line it may be is named in the doubt.
    doc = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金",
                            date="2024-03-18", signature_present=True,
                            items=_items(配电箱={"product": "并寺中钙", "spec": "l2回路了", **lost}))
    [flag] = evaluate_flags(doc, match_to_orders(doc, BOOK))
    assert (str(flag.code), flag.details["order_lines_not_found"]) == ("LOW_CONFIDENCE", ["配电箱"])


def test_a_customer_read_too_faintly_to_trust_is_doubted_not_reported_as_another_customer():
    assert ("CUSTOMER_MISMATCH", None) in _codes(customer="宁波德润电气设备有限公司", confidence={"customer": 0.9})
    assert _codes(customer="字疲代江中乞设徐有限公司", confidence={"customer": 0.37}) == {("LOW_CONFIDENCE", None)}


def test_a_customer_unlike_the_order_its_goods_found_is_doubted_unless_read_clearly():
    # No number printed; the goods (every line's quantity the order's) and the city found the order.
    def flags(confidence: float) -> set[tuple[str, str | None]]:
        doc = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", customer="上海字疲代江贸易有限公司", date="2024-03-18",
                                signature_present=True, items=_items(), confidence={"customer": confidence})
        match = match_to_orders(doc, BOOK)
        assert match.method == "items"
        return {(str(f.code), f.details.get("field")) for f in evaluate_flags(doc, match, ())}

    assert flags(0.65) == {("LOW_CONFIDENCE", "customer")}  # the order's customer, misread
    assert flags(0.95) == {("CUSTOMER_MISMATCH", None)}      # read clearly: another customer's slip


def test_a_faint_order_number_found_through_look_alikes_is_borne_out_when_the_customer_or_goods_agree():
    assert _codes(order_no="P0-2024-O315", confidence={"order_no": 0.3}) == set()
    # Neither the customer nor the goods agree: the order number is what the match rests on, in doubt.
    other_goods = [LineItem(product="大米", quantity=3, unit_price=110.0, amount=330.0)]
    codes = _codes(order_no="P0-2024-O315", customer="中泰包装材料有限公司", items=other_goods, confidence={"order_no": 0.3})
    assert ("LOW_CONFIDENCE", None) in codes and ("CUSTOMER_MISMATCH", None) in codes


def test_a_customer_matching_put_right_is_judged_as_stored_not_as_misread():
    # 上海恒达五金 read 上海垣迏五金 in doubt (0.65, above the flags' doubt threshold), on a slip
    # whose number names the order: stored as the book writes it, it is no other customer.
    from docintel.match import apply_match_repairs

    doc = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海垣迏五金贸易有限公司",
                            date="2024-03-18", signature_present=True, items=_items(), confidence={"customer": 0.65})
    match = match_to_orders(doc, BOOK)
    assert match.customer_score is not None and match.customer_score < 0.8
    assert apply_match_repairs(doc, match)
    assert doc.customer == "上海恒达五金贸易有限公司" and doc.readings["customer"] == "上海垣迏五金贸易有限公司"
    codes = {(str(f.code), f.product) for f in evaluate_flags(doc, match, ())}
    assert ("CUSTOMER_MISMATCH", None) not in codes


def test_a_date_weeks_before_its_order_read_less_than_clearly_is_doubted_not_reported():
    # 2024-02-07 for an order of 2024-03-15: a dot-matrix 3 read as 2 is likelier than a delivery
    # five weeks before its order. Read clearly, it is a finding.
    doubted = _codes(date="2024-02-07", confidence={"date": 0.7})
    assert ("DATE_OUT_OF_RANGE", None) not in doubted and ("LOW_CONFIDENCE", None) in doubted
    assert ("DATE_OUT_OF_RANGE", None) in _codes(date="2024-02-07", confidence={"date": 0.95})
    # One doubt on the date, however faint: not the threshold's and this one both.
    faint = ExtractedDocument(file="x.jpg", doc_type="signoff_receipt", order_no="PO-2024-0315", customer="上海恒达五金贸易有限公司",
                              date="2024-02-07", signature_present=True, items=_items(), confidence={"date": 0.3})
    dates = [f for f in evaluate_flags(faint, match_to_orders(faint, BOOK)) if f.details.get("field") == "date"]
    assert len(dates) == 1
    # Late, however unclear: deliveries do follow orders, by months at times.
    assert ("DATE_OUT_OF_RANGE", None) in _codes(date="2024-06-20", confidence={"date": 0.7})
