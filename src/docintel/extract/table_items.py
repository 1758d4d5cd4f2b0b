"""Line items from the rows of a reconstructed table (table.py): name and spec, unit, quantity,
unit price and amount, checked against each other; row numbers and a subtotal row left out."""

from __future__ import annotations

import re
import statistics

from docintel.extract.records import LineItem, WordRef
from docintel.extract.table import CELL_DEBRIS, Table, TableRow, tidy_cell
from docintel.extract.values import fold_width, normalize_spaces, parse_amount, parse_quantity, reconcile_item
from docintel.ocr.layout import is_cjk

# Confidence kept by a row nothing cross-checks whose price and amount were lost or whose quantity
# shows a damaged digit.
_UNCHECKED_ROW = 0.5
_NOT_NUMBER = re.compile(r"[\d.,\s]+")
# A row of only an amount that sums this many rows above it is their subtotal (within a cent).
_MIN_SUBTOTAL_ROWS = 2
_SUBTOTAL_TOLERANCE = 0.011
# A row number left in a name cell, and how many rows must carry theirs to be taken off.
_ROW_NUMBER = re.compile(r"^(\d{1,3})(?:[\s,，.、\"'“”‘’`]+(?=\S)|(?=[^\W\d_]))")
_MIN_NUMBERED_ROWS = 2
# In an English 品名规格 cell the spec starts at the first token carrying a size or grade:
# 'Rice 25kg bag', 'Hex bolt M8x30', 'Cement P.O 42.5'. OCR debris between a Chinese name and its size ($, |, quotes: a dot-matrix dot or a cell border read as a
# character, 自攻螺钉$ST4.2×25) does not hide where the spec starts.
_NAME_TO_SIZE = re.compile(r"(?<=[\u4e00-\u9fff])[\s$|'\"“”‘’`]*(?=[0-9A-Za-zΦφ])")
_MODEL_CODE = re.compile(r"^[A-Z]{2,4}$")
_SPEC_START = re.compile(r"^(?:\S*\d|[A-Z]{1,3}(?:\.[A-Z0-9]{1,3})+$|[Φφ#])")


def split_product_spec(text: str) -> tuple[str, str | None]:
    """One 品名规格 cell → (product, spec).

    Chinese: the spec starts where the name's characters give way to a size or model
    ('配电箱12回路', '不锈钢六角螺栓 M10×40'). Printed spaces cannot be trusted there: tesseract's
    boxes inside Chinese lines are too ragged to tell a space from a wide character.
    English names have spaces, so there the spec starts at the first token carrying a size or
    grade ('Rice 25kg bag' → 'Rice', '25kg bag').
    """
    text = fold_width(text).strip(CELL_DEBRIS)
    if any(is_cjk(c) for c in text):
        match = _NAME_TO_SIZE.search(text)
        if match and any(c.isdigit() for c in text[match.end() :]):
            return tidy_cell(text[: match.start()]), normalize_spaces(text[match.end() :]).strip(CELL_DEBRIS)
        return tidy_cell(text), None
    tokens = text.split()
    for i, token in enumerate(tokens[1:], start=1):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        # A model code in capitals before a size is spec too ('Copper Wire BV 2.5mm'), and so is
        # a lower-case description after a capitalised name ('Work Gloves nylon coated').
        capitalised_name = i >= 2 and all(t[:1].isupper() for t in tokens[:i])
        if (
            _SPEC_START.match(token)
            or (_MODEL_CODE.match(token) and any(c.isdigit() for c in following))
            or (capitalised_name and token[:1].islower())
        ):
            return " ".join(tokens[:i]), " ".join(tokens[i:])
    return text, None


def _product_and_spec(row: TableRow, has_spec_column: bool) -> tuple[str, str | None]:
    if "product_spec" in row.cells or not has_spec_column:
        # One column for both (品名规格, Description): the spec is inside the name cell.
        return split_product_spec(row.raw_text("product_spec" if "product_spec" in row.cells else "product"))
    return row.text("product"), (row.text("spec") or None)


def row_to_item(row: TableRow, page: int, has_spec_column: bool = True, priced: bool = False) -> LineItem | None:
    product, spec = _product_and_spec(row, has_spec_column)
    if not product or len(product) < 2:
        return None
    quantity, unit_in_qty = parse_quantity(row.text("quantity"))
    unit = row.text("unit") or unit_in_qty or None
    price = parse_amount(row.text("unit_price"))
    amount = parse_amount(row.text("amount"))
    numbers_lost = quantity is None and amount is None
    if numbers_lost and not _printed_line(row):
        return None
    with_point = frozenset(name for name in ("quantity", "unit_price", "amount") if "." in fold_width(row.text(name)))
    fixed = reconcile_item(quantity, price, amount, read_with_point=with_point)
    words = row.words()
    confidence = statistics.fmean(w.confidence for w in words) if words else 0.0
    if numbers_lost:
        # A numbered row (or one with its unit) whose numbers were not read is a line of the slip
        # all the same: dropped, its order line would look missing (ITEM_MISSING) instead of unread.
        confidence *= _UNCHECKED_ROW
    if fixed.corrected:
        confidence *= 0.9
    if price is None and amount is None and (priced or _damaged_number(row.text("quantity"), unit_in_qty)):
        # Nothing cross-checks the quantity, and either the table prints prices but this row's were
        # lost, or the quantity cell shows a damaged digit (26l) for 260: the 0 cut by the rule).
        confidence *= _UNCHECKED_ROW
    return LineItem(
        product=product,
        spec=spec,
        unit=unit,
        quantity=fixed.quantity,
        unit_price=fixed.unit_price,
        amount=fixed.amount,
        confidence=round(confidence, 3),
        sources=[WordRef(page=page, box=w.box) for w in words],
    )


def _printed_line(row: TableRow) -> bool:
    """A row the form prints as a line: its number in the 序号 column, or a unit in its own column."""
    return row.text("line_no").strip().isdigit() or bool(row.text("unit").strip())


def _damaged_number(text: str, unit: str | None) -> bool:
    """A number cell holding more than digits, separators and its unit: a glyph OCR could not read."""
    rest = text.replace(unit, "") if unit else text
    return bool(_NOT_NUMBER.sub("", fold_width(rest)))


def extract_items(table: Table, page: int) -> list[LineItem]:
    has_spec = any(c.key == "spec" for c in table.columns)
    priced = any(c.key in ("unit_price", "amount") for c in table.columns)
    items = [item for row in table.rows if (item := row_to_item(row, page, has_spec, priced)) is not None]
    return _without_row_numbers(_without_subtotal(items))


def _without_subtotal(items: list[LineItem]) -> list[LineItem]:
    """The items up to a row that is only an amount, the sum of the amounts above it: a 合计 row
    whose label OCR misread (愉地 ¥1690.83) is the lines' total, not one more line."""
    for index, item in enumerate(items):
        above = items[:index]
        if (
            index >= _MIN_SUBTOTAL_ROWS and item.quantity is None and item.unit_price is None and item.amount is not None
            and all(i.amount is not None for i in above)
            and abs(sum(i.amount for i in above) - item.amount) <= _SUBTOTAL_TOLERANCE
        ):
            return items[:index]
    return items


def _without_row_numbers(items: list[LineItem]) -> list[LineItem]:
    """Names with the row's number taken off the front (1 封箱胶带, 10不锈钢六角螺栓): a 序号 column
    whose label was not read leaves its numbers in the name cell. Only when the names of several
    rows start with their own row number, and only that number: 5号电池 in row 5 of a numbered
    table was printed 5 5号电池."""
    numbered = [(i, m) for i, item in enumerate(items, start=1)
                if (m := _ROW_NUMBER.match(item.product)) and int(m.group(1)) == i]
    if len(numbered) < max(_MIN_NUMBERED_ROWS, len(items) // 2):
        return items
    for i, match in numbered:
        rest = items[i - 1].product[match.end():].strip(CELL_DEBRIS)
        if len(rest) >= 2:
            items[i - 1].product = rest
    return items
