"""evaluate_flags: what a clerk must look at, given a document and its match."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from docintel.classify.predict import low_confidence_type
from docintel.extract.records import ExtractedDocument
from docintel.extract.signoff import NO_SIGNOFF_FIELD_CONFIDENCE
from docintel.extract.values import digits_dropped_from
from docintel.flags.codes import FlagCode, Severity, flag_rules, flag_spec, render
from docintel.flags.doubts import ItemDoubt, item_doubt, lines_not_adding_up, totals_of_lines
from docintel.match.config import match_config
from docintel.match.items import paired_share, prices_agree, quantities_agree
from docintel.match.records import MatchResult


@dataclass(frozen=True, slots=True)
class FlagRecord:
    code: FlagCode
    severity: Severity
    message_zh: str
    message_en: str
    product: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def make_flag(code: FlagCode, product: str | None = None, **details: Any) -> FlagRecord:
    spec = flag_spec(code)
    optional = dict(spec.optional)
    values = {**optional, "product": product, **details}
    # An optional part of the wording belongs to the message, not to the details stored.
    kept = {k: v for k, v in details.items() if k not in optional}
    return FlagRecord(code, spec.severity, render(spec.zh, values), render(spec.en, values), product, kept)


def evaluate_flags(
    doc: ExtractedDocument,
    match: MatchResult,
    covered_lines: Collection[int] = (),
    low_confidence: float = 0.6,
) -> list[FlagRecord]:
    rules = flag_rules()
    flags: list[FlagRecord] = []
    doubt = None
    if doc.doc_type in rules.matched_doc_types:
        # Items are only in doubt where they are compared with an order (as every other field).
        doubt = item_doubt(doc, match, low_confidence)
        flags.extend(_order_flags(doc, match, covered_lines, doubt))
    if doc.doc_type in rules.receipt_doc_types and not doc.signature_present:
        flags.append(_unsigned_or_doubt(doc))
    if doubt is not None:
        to_check = [*doubt.products, *doubt.unfound]
        flags.append(make_flag(
            FlagCode.LOW_CONFIDENCE, field="items", confidence=doc.confidence.get("items", 0.0),
            products=list(doubt.products), order_lines_not_found=list(doubt.unfound),
            check_zh=f"，请对照扫描件核对：{'、'.join(to_check)}" if to_check else "",
            check_en=f"; check on the scan: {', '.join(to_check)}" if to_check else "",
        ))
    elif (
        doc.confidence.get("total", 1.0) >= max(low_confidence, rules.total_mismatch_read_clearly)
        and not lines_not_adding_up(doc, match)
        and (flag := _total_flag(doc)) is not None
    ):
        # Lines in doubt, a total nothing on the slip confirms (its 大写 amount), or a line misread
        # (quantity × price ≠ its amount) cannot show that the lines miss the total.
        flags.append(flag)
    doubted = {f.details["field"] for f in flags if f.code == FlagCode.LOW_CONFIDENCE}
    doubts = [f for f in _confidence_flags(doc, match, low_confidence) if f.details["field"] not in doubted | {"items"}]
    if any(f.details["field"] == "customer" for f in doubts):
        # A customer read too faintly to trust (字疲代江中乞设徐 for 宁波德润电气) is no evidence of another
        # customer: the doubt says to check it.
        flags = [f for f in flags if f.code != FlagCode.CUSTOMER_MISMATCH]
    if match.order_no is None and _looked_up_in_doubt(doc, low_confidence):
        # Not found by what was read too faintly to look up: no evidence that the book lacks the
        # order. The doubts on those fields send the clerk to the scan; it stays unmatched.
        flags = [f for f in flags if f.code != FlagCode.NO_MATCH]
    flags.extend(doubts)
    if (type_doubt := low_confidence_type(doc)) is not None:
        # The classifier was not sure and answered "other": the clerk must see the type is in doubt.
        flags.append(make_flag(FlagCode.LOW_CONFIDENCE, field="doc_type", **type_doubt))
    return flags


def _order_flags(
    doc: ExtractedDocument, match: MatchResult, covered_lines: Collection[int], doubt: ItemDoubt | None
) -> list[FlagRecord]:
    rules = flag_rules()
    if match.order_no is None:
        if doc.doc_type in rules.matched_when_referenced and not doc.order_no:
            return []
        return [make_flag(FlagCode.NO_MATCH, doc_no=doc.doc_no, printed_order_no=doc.order_no)]
    order_no = match.order_no
    flags: list[FlagRecord] = []
    if match.ambiguous:
        flags.append(make_flag(FlagCode.AMBIGUOUS_MATCH, order_no=order_no, alternatives=list(match.alternatives)))
    if doc.customer and match.customer_score is not None and match.customer_score < match_config().same_customer:
        confidence = doc.confidence.get("customer", 1.0)
        if match.method == "items" and confidence < rules.customer_mismatch_by_goods_read_clearly:
            # Its goods and city found the order, the name as read did not: that name misread.
            flags.append(make_flag(FlagCode.LOW_CONFIDENCE, field="customer", confidence=round(confidence, 3)))
        else:
            flags.append(
                make_flag(
                    FlagCode.CUSTOMER_MISMATCH,
                    order_no=order_no,
                    doc_customer=doc.customer,
                    order_customer=match.order_customer,
                    score=match.customer_score,
                )
            )
    in_doubt = doubt.lines if doubt else frozenset()
    for line in match.lines:
        if line.item_index is None:
            if not (doubt and doubt.unfound):  # otherwise named in the doubt
                flags.append(make_flag(FlagCode.ITEM_MISSING, line.order_product, order_no=order_no, order_line_id=line.order_line_id))
        elif line.item_index in in_doubt:
            continue  # read in doubt: named in the LOW_CONFIDENCE on the items (flags/doubts.py)
        elif line.order_line_id is None:
            flags.append(make_flag(FlagCode.ITEM_UNEXPECTED, line.doc_product, order_no=order_no, item_index=line.item_index))
        else:
            where = {"order_no": order_no, "item_index": line.item_index, "order_line_id": line.order_line_id}
            if not quantities_agree(line.doc_quantity, line.order_quantity):
                flags.append(
                    make_flag(
                        FlagCode.QTY_MISMATCH, line.doc_product, doc_quantity=line.doc_quantity, order_quantity=line.order_quantity, **where
                    )
                )
            if not prices_agree(line.doc_unit_price, line.order_unit_price):
                flags.append(
                    make_flag(
                        FlagCode.PRICE_MISMATCH,
                        line.doc_product,
                        doc_unit_price=line.doc_unit_price,
                        order_unit_price=line.order_unit_price,
                        **where,
                    )
                )
    doc_date = _parse_date(doc.date)
    if doc_date is not None and match.order_date is not None:
        days = (doc_date - match.order_date).days
        confidence = doc.confidence.get("date", 1.0)
        if days < -rules.days_before_order and confidence < rules.date_before_order_read_clearly:
            # Weeks before its order, read less than clearly: likelier misread than delivered so.
            flags.append(make_flag(FlagCode.LOW_CONFIDENCE, field="date", confidence=round(confidence, 3)))
        elif days > rules.days_after_order or days < -rules.days_before_order:
            flags.append(
                make_flag(
                    FlagCode.DATE_OUT_OF_RANGE,
                    order_no=order_no,
                    doc_date=doc_date.isoformat(),
                    order_date=match.order_date.isoformat(),
                    days=days,
                )
            )
    if doc.doc_type in rules.receipt_doc_types and covered_lines:
        covered = set(covered_lines)
        repeated = sorted(a.order_line_id for a in match.lines if a.item_index is not None and a.order_line_id in covered)
        if repeated:
            flags.append(make_flag(FlagCode.DUPLICATE_RECEIPT, order_no=order_no, order_line_ids=repeated))
    return flags


def _unsigned_or_doubt(doc: ExtractedDocument) -> FlagRecord:
    """UNSIGNED where the sign-off field was found empty. Where none was found on any page, that
    the receipt went unsigned is not shown: either its field's label was not read, or it is no
    receipt (a sales slip whose title a stamp hid, typed a receipt by its layout), so the doubt
    goes on the type when no title backs it, else on the signature."""
    confidence = doc.confidence.get("signature_present")
    if confidence != NO_SIGNOFF_FIELD_CONFIDENCE:
        return make_flag(FlagCode.UNSIGNED)
    if "doc_type" not in doc.sources:
        return make_flag(FlagCode.LOW_CONFIDENCE, field="doc_type", confidence=round(doc.confidence.get("doc_type", 0.0), 3))
    return make_flag(FlagCode.LOW_CONFIDENCE, field="signature_present", confidence=confidence)


def _total_flag(doc: ExtractedDocument) -> FlagRecord | None:
    if doc.total is None or (totals := totals_of_lines(doc)) is None:
        return None
    line_sum, possible, tolerance = totals
    if any(abs(doc.total - total) <= tolerance for total in possible):
        return None
    if any(digits_dropped_from(_digits(doc.total), _digits(total)) for total in possible):
        # The lines' sum with digits dropped (546.60 read for 2546.60): the commonest misreading of
        # a number, rarely a slip's own arithmetic. A total read so is in doubt, like one read faintly,
        # and a total in doubt cannot show that the lines miss it.
        return None
    return make_flag(FlagCode.TOTAL_MISMATCH, total=doc.total, sum=line_sum)


def _digits(amount: float) -> str:
    """An amount's digits as printed to the cent, without the point."""
    return f"{amount:.2f}".replace(".", "")


def doubt_fields(doc: ExtractedDocument, match: MatchResult, drop_confirmed: bool = True) -> list[str]:
    """The fields whose confidence is judged: those the match depends on, and those always read;
    without the ones the order book confirmed, unless `drop_confirmed` is off."""
    rules = flag_rules()
    if doc.doc_type not in rules.matched_doc_types:
        return []  # statements and other papers are not matched: nothing depends on their fields
    if doc.doc_type in rules.matched_when_referenced and not doc.order_no and match.order_no is None:
        return list(rules.always)  # it stands alone (no NO_MATCH either): no match depends on its numbers
    fields = list(dict.fromkeys([*rules.depends_on[match.method or "none"], *rules.always]))
    if not drop_confirmed:
        return fields
    # A field the order book confirmed is not in doubt, however faintly it was printed: the printed
    # order number found exactly, or through look-alike characters with the customer or the goods
    # agreeing (and then stored as the book writes it), a date a few days after the matched order's.
    confirmed = {"order_no"} if match.method == "order_no" or (match.method == "order_no_fuzzy" and _corroborated(match)) else set()
    doc_date = _parse_date(doc.date)
    if doc_date is not None and match.order_date is not None:
        if 0 <= (doc_date - match.order_date).days <= rules.date_corroborated_days:
            confirmed.add("date")
    return [f for f in fields if f not in confirmed]


def _corroborated(match: MatchResult) -> bool:
    """The matched order's customer is the document's, or most of its lines pair with the document's."""
    cfg = match_config()
    if match.customer_score is not None and match.customer_score >= cfg.same_customer:
        return True
    return paired_share(match.lines) >= cfg.min_items_score


def _confidence_flags(doc: ExtractedDocument, match: MatchResult, threshold: float) -> list[FlagRecord]:
    flags = []
    for name in doubt_fields(doc, match):
        confidence = doc.confidence.get(name)
        value = getattr(doc, name, None)
        if confidence is not None and confidence < threshold and value not in (None, "", []):
            flags.append(make_flag(FlagCode.LOW_CONFIDENCE, field=name, confidence=round(confidence, 3)))
    return flags


def _looked_up_in_doubt(doc: ExtractedDocument, threshold: float) -> bool:
    """Whether an order was looked up by fields read in doubt: no order number read clearly, and
    then the customer or the goods (what a slip without its number is found by) read faintly."""
    def doubted(name: str) -> bool:
        return getattr(doc, name) in (None, "", []) or doc.confidence.get(name, 1.0) < threshold

    return doubted("order_no") and (doubted("customer") or (bool(doc.items) and doubted("items")))


def _parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
