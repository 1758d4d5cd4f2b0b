"""When the line items themselves are in doubt, a difference from the order is not yet a finding.

OCR loses tables and misreads digits; an order line then looks missing, short or dearer on the
slip when it was only read wrong. Five things say the reading is not to be trusted: not one line
was read (the table was lost: a slip lists its goods, and a slip with every ordered line missing
was misread, not delivered empty); a line's own quantity × unit price is not its
printed amount (a number on it was misread and matching could not show which); a line printed
whose numbers were not read at all; a quantity that is its order line's with one digit lost or one
more, and nothing on its line to vouch for it (6 for 60, 2 for 21, 465 for 46: the commonest
misreadings of a number, and rarely a delivery); the table as a whole was read with low
confidence. Then the clerk gets one LOW_CONFIDENCE on the items, naming the lines to look at,
instead of findings OCR made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from docintel.extract.records import ExtractedDocument
from docintel.flags.codes import flag_rules
from docintel.match.items import digit_slip, line_agrees, prices_agree
from docintel.match.records import MatchResult


@dataclass(frozen=True)
class ItemDoubt:
    lines: frozenset[int]  # indices into doc.items whose differences from the order are not findings
    products: tuple[str, ...]  # their products
    # Order lines not found on the slip that may be lines misread: all of them when the table was
    # lost or read with low confidence (a line misread past recognition or not read at all), or
    # when at least as many doubtful lines found no order line; otherwise none (ITEM_MISSING).
    unfound: tuple[str | None, ...]


def lines_unread(doc: ExtractedDocument) -> bool:
    """Not one line was read. A slip, receipt or invoice lists its goods (item_doubt is asked only
    of those), whether or not a total was read or an order found: no line read is a table lost."""
    return not doc.items


def item_doubt(doc: ExtractedDocument, match: MatchResult, threshold: float) -> ItemDoubt | None:
    unread = lines_unread(doc)
    # In a table read with low confidence even a line that adds up is no evidence: extraction
    # fills a missing amount from quantity × price, so a misread price adds up as well.
    low = bool(doc.items) and doc.confidence.get("items", 1.0) < threshold
    unread_numbers = _numbers_unread(doc)  # nothing to compare with the order: never "agreeing"
    differing = _differing_lines(doc, match) | set(unread_numbers)
    lines = differing if low else differing & {*lines_not_adding_up(doc, match), *_digit_slipped(doc, match), *unread_numbers}
    paired = {line.item_index for line in match.lines if line.order_line_id is not None}
    missing = tuple(line.order_product for line in match.lines if line.item_index is None)
    if low and not differing and not missing and match.order_no:
        low = False  # every line read faintly is its order line's, and no order line is missing: the book bears the table out
    # The lines read add up to less than the printed total: lines are missing from the reading.
    short = bool(missing) and _short_of_total(doc)
    if not (unread or low or lines or short):
        return None
    covered = unread or low or short or len(lines - paired) >= len(missing)
    return ItemDoubt(frozenset(lines), tuple(doc.items[i].product for i in sorted(lines)), missing if covered else ())


def totals_of_lines(doc: ExtractedDocument) -> tuple[float, list[float], float] | None:
    """The lines' sum, what the printed total may be given it (the sum; on an invoice, with each VAT
    rate), and how far a total may stray (a cent per line more on an invoice, whose tax is rounded
    per line); None unless a total was printed and every line's amount read."""
    if doc.total is None or not doc.items or any(item.amount is None for item in doc.items):
        return None
    rules = flag_rules()
    line_sum = round(sum(item.amount or 0.0 for item in doc.items), 2)
    invoice = doc.doc_type == "invoice"
    rates = rules.vat_rates if invoice else (0.0,)
    tolerance = rules.total_abs_tolerance + (0.01 * len(doc.items) if invoice else 0.0)
    return line_sum, [line_sum * (1 + rate) for rate in rates], tolerance


def _short_of_total(doc: ExtractedDocument) -> bool:
    """Every line's amount read, and together short of the printed total."""
    if not doc.total or (totals := totals_of_lines(doc)) is None:
        return False
    _, possible, tolerance = totals
    return all(total < doc.total - tolerance for total in possible)


def _differing_lines(doc: ExtractedDocument, match: MatchResult) -> set[int]:
    """Items with no order line, or whose quantity or unit price is not their order line's."""
    paired_agreeing = {line.item_index for line in match.lines if line_agrees(line)}
    return set(range(len(doc.items))) - paired_agreeing


def _numbers_unread(doc: ExtractedDocument) -> list[int]:
    """Lines the table printed whose quantity and amount were not read (extract/table_items.py)."""
    return [i for i, item in enumerate(doc.items) if item.quantity is None and item.amount is None]


def _digit_slipped(doc: ExtractedDocument, match: MatchResult) -> list[int]:
    """Items whose quantity is their order line's with one digit dropped or one more (6 for 60, 465
    for 46: a speck read as a digit), and whose amount does not vouch for it (none printed, or not
    quantity × price)."""
    out = []
    for line in match.lines:
        if line.item_index is None or None in (line.doc_quantity, line.order_quantity):
            continue
        item = doc.items[line.item_index]
        vouched = None not in (item.unit_price, item.amount) and prices_agree(line.doc_quantity * item.unit_price, item.amount)
        if not vouched and digit_slip(line.doc_quantity, line.order_quantity):
            out.append(line.item_index)
    return out


def lines_not_adding_up(doc: ExtractedDocument, match: MatchResult) -> list[int]:
    """Items whose own quantity × unit price is not their amount (matching's repairs applied)."""
    repaired = {line.item_index for line in match.lines if line.repaired}
    return [
        index for index, item in enumerate(doc.items)
        if index not in repaired and None not in (item.quantity, item.unit_price, item.amount)
        and not prices_agree(item.quantity * item.unit_price, item.amount)
    ]
