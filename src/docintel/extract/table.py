"""Line items from table reconstruction over word boxes: header columns → cells → rows.

Works for ruled and unruled tables alike because it uses only where the words are: the
header row fixes the columns, every later word falls into the column it sits under.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from docintel.extract.labels import LabelHit, find_labels, vocabulary
from docintel.extract.records import LineItem, WordRef
from docintel.extract.values import fold_width, normalize_spaces, parse_amount, parse_quantity, reconcile_item
from docintel.ocr.layout import Line, Segment, join_words, split_segments
from docintel.ocr.records import Word

# A header needs a product-like column and this many columns in all.
_MIN_HEADER_COLUMNS = 3
_PRODUCT_KEYS = ("product", "product_spec", "code")
_NUMBER_KEYS = ("quantity", "unit_price", "amount")
# Header labels are split at smaller gaps than text: adjacent headers stand closer than cells.
_HEADER_SEGMENT_GAP = 0.6
# A spec is the trailing part of a combined 品名规格 cell that carries sizes: M8×30, 18mm×10m, 500ml.
_SPEC_TAIL = re.compile(r"\s*((?:[A-Za-zΦφ#]*\d[\w.×xX*/\-~Φφ#\"'()（）]*\s*)+)$")


@dataclass(frozen=True)
class Column:
    key: str
    left: float  # the header label's extent
    right: float

    @property
    def center(self) -> float:
        return (self.left + self.right) / 2


@dataclass
class TableRow:
    cells: dict[str, list[Word]] = field(default_factory=dict)

    def text(self, key: str) -> str:
        return normalize_spaces(fold_width(join_words([w.text for w in self.cells.get(key, [])])))

    def words(self) -> list[Word]:
        return [w for ws in self.cells.values() for w in ws]


@dataclass(frozen=True)
class Table:
    header_line: int  # index into the page's lines
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    end_line: int  # first line after the table


def _hit_extent(hit: LabelHit, segment: Segment) -> tuple[float, float]:
    covered = segment.words_in_span(hit.start, hit.end)
    return min(w.box[0] for w in covered), max(w.x2 for w in covered)


def header_columns(line: Line) -> tuple[Column, ...]:
    columns: list[Column] = []
    for segment in split_segments(line.words, gap=_HEADER_SEGMENT_GAP):
        for hit in find_labels(segment.text, vocabulary().columns, fuzzy=True):
            left, right = _hit_extent(hit, segment)
            columns.append(Column(hit.key, left, right))
    seen: set[str] = set()
    unique = []
    for column in sorted(columns, key=lambda c: c.left):
        if column.key in seen:
            continue
        seen.add(column.key)
        unique.append(column)
    return tuple(unique)


def _is_header(columns: Sequence[Column]) -> bool:
    keys = {c.key for c in columns}
    return (
        len(keys) >= _MIN_HEADER_COLUMNS
        and bool(keys & set(_PRODUCT_KEYS))
        and bool(keys & set(_NUMBER_KEYS))
    )


def _ends_table(line: Line) -> bool:
    fields = vocabulary().fields
    stop_keys = {"total", "total_upper", "signature", "not_signature", "table_end"}
    group = {k: fields[k] for k in stop_keys}
    return bool(find_labels(line.text, group, fuzzy=False))


def _boundaries(columns: Sequence[Column]) -> list[float]:
    """x positions between adjacent columns: the middle of the gap between their labels."""
    return [(a.right + b.left) / 2 for a, b in zip(columns, columns[1:])]


def _column_of(word: Word, columns: Sequence[Column], bounds: Sequence[float]) -> str:
    for column, bound in zip(columns, bounds):
        if word.cx < bound:
            return column.key
    return columns[-1].key


def _assign(line: Line, columns: Sequence[Column], bounds: Sequence[float]) -> TableRow:
    row = TableRow()
    for word in line.words:
        row.cells.setdefault(_column_of(word, columns, bounds), []).append(word)
    return row


def _has_numbers(row: TableRow) -> bool:
    return any(parse_amount(row.text(k)) is not None for k in _NUMBER_KEYS if k in row.cells)


def find_table(lines: Sequence[Line]) -> Table | None:
    for index, line in enumerate(lines):
        columns = header_columns(line)
        if not _is_header(columns):
            continue
        bounds = _boundaries(columns)
        table_left = columns[0].left - 3 * line.height
        rows: list[TableRow] = []
        end = index + 1
        for end in range(index + 1, len(lines)):
            candidate = lines[end]
            if _ends_table(candidate):
                break
            if _is_header(header_columns(candidate)):
                break  # a second table (e.g. the next page's header repeated)
            row = _assign(candidate, columns, bounds)
            if candidate.box[0] + candidate.box[2] < table_left:
                break
            if _has_numbers(row) or not rows:
                rows.append(row)
            else:
                # A wrapped product name: text only, no numbers → belongs to the row above.
                for key, words in row.cells.items():
                    rows[-1].cells.setdefault(key, []).extend(words)
        else:
            end = len(lines)
        return Table(header_line=index, columns=columns, rows=tuple(rows), end_line=end)
    return None


def split_product_spec(text: str) -> tuple[str, str | None]:
    """'不锈钢六角螺栓 M8×30' → ('不锈钢六角螺栓', 'M8×30'); text without a size stays whole."""
    match = _SPEC_TAIL.search(text)
    if not match or match.start() == 0:
        return text.strip(), None
    return text[: match.start()].strip(), match.group(1).strip()


def _product_and_spec(row: TableRow) -> tuple[str, str | None]:
    if "product_spec" in row.cells:
        return split_product_spec(row.text("product_spec"))
    return row.text("product"), (row.text("spec") or None)


def row_to_item(row: TableRow, page: int) -> LineItem | None:
    product, spec = _product_and_spec(row)
    if not product or len(product) < 2:
        return None
    quantity, unit_in_qty = parse_quantity(row.text("quantity"))
    unit = row.text("unit") or unit_in_qty or None
    price = parse_amount(row.text("unit_price"))
    amount = parse_amount(row.text("amount"))
    if quantity is None and amount is None:
        return None
    fixed = reconcile_item(quantity, price, amount)
    words = row.words()
    confidence = statistics.fmean(w.confidence for w in words) if words else 0.0
    if fixed.corrected:
        confidence *= 0.9
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


def extract_items(table: Table, page: int) -> list[LineItem]:
    return [item for row in table.rows if (item := row_to_item(row, page)) is not None]
