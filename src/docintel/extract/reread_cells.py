"""A table line's quantity that nothing on the line cross-checks, read again from its cell.

A numbered row keeps its line even when its quantity and amount were lost (extract/table_items.py),
and a receipt that prints no prices has nothing to check a quantity against: a dot-matrix 0 beside
the cell's rule is lost (1680 read 168, 90 read 9). The quantity cell, cut from the page between its
neighbours' columns, is read again the ways REREAD_LOOKS lists and last by English alone with its
glyphs apart (ocr.read_page_region; a faint dot-matrix 60 the Chinese models read as nothing or as
characters in every look): a small crop's OCR or a few per such line.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from docintel.extract.header import REREAD_MIN_CONFIDENCE
from docintel.extract.records import LineItem, WordRef
from docintel.extract.table import Column, tidy_cell
from docintel.extract.values import digits_dropped_from, number_text, parse_quantity
from docintel.extract.values_vocab import QUANTITY_UNITS
from docintel.ocr import REREAD_LOOKS, RegionLook, column_rules, read_page_region, region_readings
from docintel.ocr.layout import join_words
from docintel.ocr.records import OcrPage, Word

# A column at the table's edge reaches this many text heights past its header label, or, where
# the table's border rule stands within _BORDER_SEARCH of it, to the border and this far past it:
# a dot-matrix line shifted right prints its last digit onto the border (120 read 12).
_EDGE_REACH = 3.0
_BORDER_SEARCH = 6.0
_PAST_BORDER = 0.6
# The ways a cell is read again, in order: the page's language, then English alone for the digits.
# A cell that takes in the table's border is read with its rules lifted first: kept, the border
# beside a last 0 reads as part of it (140 read 144).
_CELL_LOOKS = (*REREAD_LOOKS, RegionLook.DIGITS_APART)
_BORDERED_CELL_LOOKS = (RegionLook.RULES_LIFTED, *(look for look in _CELL_LOOKS if look is not RegionLook.RULES_LIFTED))
# The cell takes in this share of a text height above and below the row's words.
_ROW_MARGIN = 0.3
# A cell's quantity read clearly: digits and separators, a known unit after them at most, once a
# cell border's debris is off its ends (160|). A digit printed onto the column's rule is read with
# it as one character (82| as 时, 0| as 咱).
_QUANTITY_READING = re.compile(r"[0-9][0-9.,]*(?:" + "|".join(map(re.escape, sorted(QUANTITY_UNITS, key=len, reverse=True))) + ")?")


def _clearly_a_quantity(text: str, digits: Sequence[Word]) -> bool:
    """Whether a cell read again (`text`, its words with digits `digits`) shows a quantity and
    nothing else, its digits read clearly."""
    return (bool(digits) and all(w.confidence >= REREAD_MIN_CONFIDENCE for w in digits)
            and _QUANTITY_READING.fullmatch(tidy_cell(text)) is not None)


def _edge_cell_right(page: OcrPage, column: Column, top: float, bottom: float, height: float) -> tuple[float, bool]:
    """Where the cell of the table's last column ends, and whether at a border: just past the
    table's border rule, where one stands within reach of the column, else _EDGE_REACH text
    heights past its header label."""
    search = (int(max(0, column.left)), int(max(0, top)), int(column.right - column.left + _BORDER_SEARCH * height), int(bottom - top))
    border = [(start, end) for start, end in column_rules(page, search, height) if start >= column.right]
    if border:
        return border[0][1] + _PAST_BORDER * height, True
    return column.right + _EDGE_REACH * height, False


def reread_unchecked_quantities(page: OcrPage, columns: Sequence[Column], items: Sequence[LineItem]) -> None:
    """Put in place the quantity of each item with no price and no amount that its cell, read
    again, shows clearly (every word with digits at least REREAD_MIN_CONFIDENCE): where none was
    read, or where the first reading is the clear one with digits lost (168 of 1680). A clear
    reading that contradicts the first otherwise leaves it: which of two readings is right, only
    the order can tell (match/repairs.py)."""
    ordered = sorted(columns, key=lambda c: c.left)
    position = next((k for k, c in enumerate(ordered) if c.key == "quantity"), None)
    if position is None:
        return
    for item in items:
        if item.amount is not None or item.unit_price is not None or not item.sources:
            continue
        boxes = [s.box for s in item.sources if s.page == page.index]
        if not boxes:
            continue
        height = statistics.median(b[3] for b in boxes)
        column = ordered[position]
        left = ordered[position - 1].right if position else column.left - _EDGE_REACH * height
        top = min(b[1] for b in boxes) - _ROW_MARGIN * height
        bottom = max(b[1] + b[3] for b in boxes) + _ROW_MARGIN * height
        right, bordered = (ordered[position + 1].left, False) if position + 1 < len(ordered) else _edge_cell_right(page, column, top, bottom, height)
        box = (int(max(0, left)), int(max(0, top)), int(right - left), int(bottom - top))
        # The left neighbour's glyphs may stand past its header label: the cell starts at the
        # column's own rule where the table has one.
        rules = [end for start, end in column_rules(page, box, height) if end <= column.left]
        if rules:
            box = (rules[-1], box[1], box[0] + box[2] - rules[-1], box[3])
        for look, seals_erased in region_readings(page, box, _BORDERED_CELL_LOOKS if bordered else _CELL_LOOKS):
            words = read_page_region(page, box, height, look, seals_erased=seals_erased)
            text = join_words(words)
            quantity, _unit = parse_quantity(text)
            digits = [w for w in words if any(ch.isdigit() for ch in w.text)]
            if quantity is not None and _clearly_a_quantity(text, digits):
                if item.quantity is not None and not digits_dropped_from(number_text(item.quantity), number_text(quantity)):
                    break
                item.quantity = quantity
                item.sources = [*item.sources, *(WordRef(page=page.index, box=w.box) for w in digits)]
                break
