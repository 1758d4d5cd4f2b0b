"""What matching proved misread, written into the document (the reading kept in `readings`).

Matching holds evidence extraction lacks: the order a slip belongs to. An order number that named
its order through OCR look-alikes or one slip (P0-2024-O315, corroborated by customer or items),
or a slip or two from the order that customer, date and goods found (HI240703440 for HT24070344);
a date read before its order's, one digit lost (2024-01-02 for 2024-11-02);
a customer name the match took for the order's customer read badly (无铝永国机概制造 for 无锡永固机械制造),
or read in doubt on a slip whose printed number names its order (成都安败苇饰… under the book's 成都宏发装饰);
an item number the slip's own amount disproves (8 read where 80 × 11.01 = 880.80 is printed); a
product name misread on a line whose quantity and price are its order line's (劳保季套尼万涂胶 for
劳保手套); a line amount misread where quantity and price are the order line's and the printed total
is the sum with quantity × price in its place (1386.58 read for 22 × 63.03 = 1386.66); a vendor not
read at all, which the order names (the book's optional vendor column), and so a customer not read
at all, where the order was found by its number and the book writes the name in full. The archive
stores the document put right; a clerk still sees what was read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from rapidfuzz.distance import Levenshtein

from docintel.extract.lexicon import Lexicon, name_key
from docintel.extract.records import ExtractedDocument
from docintel.extract.values import number_text, parse_month_day
from docintel.flags.codes import flag_rules
from docintel.match.config import match_config
from docintel.match.customers import (
    abbreviation_put_in,
    book_spelling_for,
    customer_key,
    customer_similarity,
    other_city,
    written_in_full,
)
from docintel.match.items import prices_agree, quantities_agree
from docintel.match.matcher import document_date
from docintel.match.numbers import confusable_key, number_key
from docintel.match.records import LineAlignment, MatchResult


def apply_match_repairs(document: ExtractedDocument, result: MatchResult, lexicon: Lexicon | None = None) -> bool:
    """Put right in `document` (in place) what `result` found misread; whether anything changed.
    A unit price put right is put right in `result`'s line alignment too, and a customer put right
    in its customer score (a CUSTOMER_MISMATCH judged on the misreading would be no finding).
    `lexicon` (the book's names, extract.lexicon) gives the full name of a firm its order names by
    an abbreviation."""
    changed = False
    read_customer = document.customer
    looked_alike = result.method == "order_no_fuzzy" and result.order_no and document.order_no and document.order_no != result.order_no
    if looked_alike or _number_misread_of_order(document, result) or _number_printed_apart(document, result):
        document.readings.setdefault("order_no", document.order_no or "")
        document.order_no = result.order_no
        changed = True
    if result.order_no and (spelling := book_spelling_for(document.customer, result.order_customer)):
        document.readings.setdefault("customer", document.customer or "")
        document.customer = spelling
        changed = True
    elif _customer_in_doubt(document, result) and (put_in := _book_name_over(document.customer, result.order_customer)):
        # Read in doubt (dot-matrix, a stamp over it) on a slip whose number names its order: the
        # order's name stands where the reading is that name misread, as far as the book writes it.
        document.readings.setdefault("customer", document.customer or "")
        document.customer = put_in
        if known := _known_firm(put_in, result.order_customer, lexicon):
            # All of it a known name now, as sure as its likeness to it (as extract.lexicon snaps).
            document.customer = known[0]
            document.confidence["customer"] = max(document.confidence.get("customer", 0.0), known[1])
        changed = True
    if (result.order_no and not result.ambiguous and result.method in _BY_NUMBER and not document.customer
            and (full := _written_in_full_in_book(result.order_customer, lexicon))):
        # Not read at all (under a stamp, in dot-matrix noise): the order its number names says whose
        # it is, where the book writes the name in full (温州华盛电气 or 恒达食品 would not be what the
        # slip prints). Marked as unread in `readings`, at the match's confidence, as the vendor below.
        document.readings.setdefault("customer", "")
        document.customer = full
        document.confidence["customer"] = round(result.score, 3)
        changed = True
    if document.customer != read_customer:
        result.customer_score = round(customer_similarity(document.customer, result.order_customer), 4)
    if result.order_no and not result.ambiguous and result.order_vendor and not document.vendor:
        # Not read at all (under a seal, in dot-matrix noise): the order the slip belongs to names
        # the company that issued it. Marked as unread in `readings`, at the match's confidence.
        document.readings.setdefault("vendor", "")
        document.vendor = result.order_vendor
        document.confidence["vendor"] = round(result.score, 3)
        changed = True
    for line in result.lines:
        if line.item_index is None or line.item_index >= len(document.items):
            continue
        item = document.items[line.item_index]
        for name, value in (("quantity", line.doc_quantity), ("unit_price", line.doc_unit_price), ("product", line.order_product)):
            if name in line.repaired:
                before = getattr(item, name)
                document.readings.setdefault(f"items.{line.item_index}.{name}", before if isinstance(before, str) else number_text(before))
                setattr(item, name, value)
                changed = True
        if item.product and line.order_product and item.product != line.order_product and name_key(item.product) == name_key(line.order_product):
            # One name in the other script (尼龙束线带 snapped to the book's first spelling, on a slip
            # for a Hong Kong order that lists 尼龍束線帶): the order says how its goods are written.
            document.readings.setdefault(f"items.{line.item_index}.product", item.product)
            item.product = line.order_product
            changed = True
    changed = _repair_date(document, result) or changed
    return _repair_amounts(document, result) or changed


_CENT = 0.011
# Matches by a number the document prints: they name the order, whatever else was read.
_BY_NUMBER = ("order_no", "order_no_fuzzy", "doc_no", "code")
# ...and those that name it exactly as printed, no look-alike folded.
_EXACT_NUMBER = ("order_no", "doc_no", "code")


# An order number read this many characters off the matched order's (look-alikes folded), or
# fewer, where the book's has MISREAD_NUMBER_MIN_LENGTH or more: H7240611432 for HT24061143.
MAX_NUMBER_SLIPS = 2
MISREAD_NUMBER_MIN_LENGTH = 8
# A number read in part is its order's where this many of its characters (folded) or more lie
# within the order's number, a slip off (two from MISREAD_NUMBER_MIN_LENGTH characters).
MISREAD_PART_MIN_LENGTH = 6
# A number as printed: letters and digits, joined by the punctuation numbers carry.
_TOKEN = re.compile(r"[0-9A-Za-z]+(?:[-_/.][0-9A-Za-z]+)*")
# A document date this many years or more from its order's is a misread year, not a late delivery.
YEAR_MISREAD_MIN = 2


def _customer_in_doubt(document: ExtractedDocument, result: MatchResult) -> bool:
    """A customer read in doubt (customers.doubted_below), of an order its printed number names."""
    return (bool(result.order_no) and not result.ambiguous and result.method in _BY_NUMBER and bool(document.customer)
            and document.confidence.get("customer", 1.0) < match_config().customer_doubted_below)


def _book_name_over(reading: str | None, book_name: str | None) -> str | None:
    """The book's name where it is written in full (what the slip prints), else the reading with
    the book's abbreviation written over the stretch of it that is the abbreviation misread. Not
    where the reading names a real city other than the book's: 天津百川建材 on an order of 佛山百川建材
    is another firm (CUSTOMER_MISMATCH), however many characters agree."""
    if other_city(reading, book_name):
        return None
    if written_in_full(book_name):
        return book_name
    return abbreviation_put_in(reading, book_name)


def _written_in_full_in_book(order_customer: str | None, lexicon: Lexicon | None) -> str | None:
    """The order's customer as the book writes it in full: the order's own name where it is, else
    the one name in full elsewhere in the book that holds the order's abbreviation whole (无锡汇通机械
    on the order, 无锡汇通机械制造有限公司 on others); None where no one name does (顺昌食品 in
    无锡顺昌食品有限公司 and in 广州顺昌食品有限公司)."""
    if written_in_full(order_customer):
        return order_customer
    key = name_key(order_customer or "")
    if lexicon is None or not key:
        return None
    full = [name for name in lexicon.customers.names.values() if key in name_key(name) and written_in_full(name)]
    return full[0] if len(full) == 1 else None


def _known_firm(name: str, order_customer: str | None, lexicon: Lexicon | None) -> tuple[str, float] | None:
    """(name, likeness): the name the rest of the book writes in full for the firm its order names
    by an abbreviation, where `name` (the abbreviation put into the reading) is that full name with a
    slip: 无钢顺昌食品有限公司 on an order of 顺昌食品 is 无锡顺昌食品有限公司, the city misread. Only the
    order's own firm (the same customer key), and never over a real place printed (Lexicon.places)."""
    if lexicon is None:
        return None
    snapped = lexicon.customers.snap(name, lexicon.places, firm=True)
    if snapped is None or customer_key(snapped[0]) != customer_key(order_customer):
        return None
    return snapped


def _found_by_goods(result: MatchResult) -> bool:
    """Whether one order was found by what the slip says besides its number (customer, date, goods)."""
    return result.method in ("customer_date_items", "items") and not result.ambiguous and bool(result.order_no)


def _number_printed_apart(document: ExtractedDocument, result: MatchResult) -> bool:
    """Whether the order customer, date and goods found has its number printed on the page, as
    written, where its label was not read (号: CG-2409-496 after a 订单 lost to a stain): the
    number read, if any, was something else."""
    if not _found_by_goods(result):
        return False
    known = number_key(result.order_no)
    if known is None or number_key(document.order_no) == known:
        return False
    return any(number_key(token) == known for token in _TOKEN.findall(document.text))


def _number_misread_of_order(document: ExtractedDocument, result: MatchResult) -> bool:
    """Whether the order number read is the matched order's misread, where the match rests on other
    evidence (customer, date and goods, or the goods): a handwritten slip's number with a letter
    misread and the pen's last stroke read as one more digit (HI240703440 for HT24070344) cannot be
    looked up, but the order the rest of the slip names proves what it says. A number further off
    is another number, printed so, and stays as read."""
    if not _found_by_goods(result) or not document.order_no:
        return False
    read, known = confusable_key(document.order_no), confusable_key(result.order_no)
    if not read or not known or read == known or len(known) < MISREAD_NUMBER_MIN_LENGTH:
        return False
    if Levenshtein.distance(read, known) <= MAX_NUMBER_SLIPS:
        return True
    # Part of it read, the rest lost (a prefix under a stamp, the end off the form's cell):
    # 24-072366 of PO-2024-072366, 6-2409-2 of CG-2409-211 (CG run together into a 6).
    return len(read) >= MISREAD_PART_MIN_LENGTH and _slips_within(read, known) <= _part_slips(len(read))


def _slips_within(part: str, whole: str) -> int:
    """The fewest edits that make `part` a stretch of `whole`."""
    return min(Levenshtein.distance(part, whole[i:j]) for i in range(len(whole)) for j in range(i + 1, len(whole) + 1))


def _part_slips(length: int) -> int:
    return 1 if length < MISREAD_NUMBER_MIN_LENGTH else MAX_NUMBER_SLIPS


def _repair_date(document: ExtractedDocument, result: MatchResult) -> bool:
    """A date misread as the order shows, put right where exactly one date within the days after
    the order that bear a date out (rules.date_corroborated_days) explains the reading:
    - read before the order's (deliveries do not precede their orders), one digit lost from its
      month or day: 2024-01-02 read for 2024-11-02, the 1s of 11 run together;
    - its year two or more from the order's, month and day kept: 2054-08-18 for 民國113年 read 143年
      (a delivery years after its order is no finding but a misreading);
    - its year not read at all, month and day read (`readings["date"]`, 13年6月25日).
    A date after the order's within a year, however late, is a finding (DATE_OUT_OF_RANGE), not a
    misreading."""
    if not result.order_no or result.ambiguous or result.order_date is None:
        return False
    read, ordered = document_date(document), result.order_date
    rules = flag_rules()
    if read is None:
        month_day = parse_month_day(document.readings.get("date", ""))
        candidates = _in_years_of(ordered, *month_day) if month_day else set()
    elif abs(read.year - ordered.year) >= YEAR_MISREAD_MIN:
        candidates = _in_years_of(ordered, read.month, read.day)
    elif (read - ordered).days < -rules.days_before_order:
        candidates = _one_digit_more(read)
    else:
        return False
    fits = {d for d in candidates if 0 <= (d - ordered).days <= rules.date_corroborated_days}
    if len(fits) != 1:
        return False
    document.readings.setdefault("date", document.date or "")
    document.date = fits.pop().isoformat()
    return True


def _in_years_of(ordered: dt.date, month: int, day: int) -> set[dt.date]:
    """The month and day in the order's year and the next (an order of late December)."""
    found = set()
    for year in (ordered.year, ordered.year + 1):
        try:
            found.add(dt.date(year, month, day))
        except ValueError:
            continue
    return found


def _one_digit_more(read: dt.date) -> set[dt.date]:
    """The dates whose month or day is the one read with one digit put back (1 → 10…19, 21, 31…)."""
    found = set()
    for part in ("month", "day"):
        digits = str(getattr(read, part))
        for at in range(len(digits) + 1):
            for digit in "0123456789":
                try:
                    found.add(read.replace(**{part: int(digits[:at] + digit + digits[at:])}))
                except ValueError:
                    continue
    return found


def _quantity_borne_out(line: LineAlignment) -> bool:
    """A quantity printed, and the order line's."""
    return line.doc_quantity is not None and line.order_quantity is not None and quantities_agree(line.doc_quantity, line.order_quantity)


def _repair_amounts(document: ExtractedDocument, result: MatchResult) -> bool:
    """Line amounts that are not quantity × the order's unit price, on lines whose quantity the
    order bears out, put right with that price when the printed total (as read: extraction may
    have taken the lines' sum for it) then is the lines' sum. Without that second witness the
    slip's own arithmetic or price may be wrong, which is a finding (TOTAL_MISMATCH,
    PRICE_MISMATCH), not a misreading.

    Lines whose printed price is the order's are tried first. Only if they do not make the total
    are lines with another price taken in as well: a price and its amount misread alike (158.00 and
    60040.00 for 1.58 and 600.40, the decimal point lost) agree with each other, not with the total;
    a price that really differs, beside an amount misread on another line, stays a finding."""
    printed = float(document.readings["total"]) if "total" in document.readings else document.total
    if printed is None or any(item.amount is None for item in document.items):
        return False
    same_price: dict[int, tuple[int, float, float]] = {}
    other_price: dict[int, tuple[int, float, float]] = {}
    for place, line in enumerate(result.lines):
        if line.item_index is None or line.item_index >= len(document.items) or not _quantity_borne_out(line) or line.order_unit_price is None:
            continue
        item = document.items[line.item_index]
        # The order's price: a price extraction derived from a misread amount agrees with it only roughly.
        price = line.order_unit_price
        amount = round(item.quantity * price, 2)
        if item.unit_price is not None and not prices_agree(item.unit_price, price):
            other_price[line.item_index] = (place, price, amount)
        elif abs(amount - item.amount) > _CENT:
            same_price[line.item_index] = (place, price, amount)
    for fixes in (same_price, same_price | other_price):
        amounts = [fixes[i][2] if i in fixes else item.amount for i, item in enumerate(document.items)]
        # To the cent: the rounding a price tolerance allows (a price printed to two places of one
        # computed to four) does not add up to the printed total by chance.
        if fixes and abs(round(sum(amounts), 2) - printed) <= _CENT:
            _put_right(document, result, fixes, printed)
            return True
    return False


def _put_right(document: ExtractedDocument, result: MatchResult, fixes: dict[int, tuple[int, float, float]], total: float) -> None:
    for index, (place, price, amount) in fixes.items():
        item = document.items[index]
        document.readings.setdefault(f"items.{index}.amount", number_text(item.amount))
        if item.unit_price is not None and not prices_agree(item.unit_price, price):
            # The alignment the flags are judged on compares the price put right, not the misreading.
            line = result.lines[place]
            result.lines[place] = replace(line, doc_unit_price=price, repaired=(*line.repaired, "unit_price"))
        if item.unit_price != price:
            document.readings.setdefault(f"items.{index}.unit_price", number_text(item.unit_price))
        item.unit_price, item.amount = price, amount
    document.readings.pop("total", None)  # the total stored is the one printed again
    document.total = total
