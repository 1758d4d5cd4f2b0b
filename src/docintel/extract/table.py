"""The line-item table from word boxes: header columns → cells → rows (table_items.py turns the
rows into line items).

Works for ruled and unruled tables alike because it uses only where the words are: the
header row fixes the columns, every later word falls into the column it sits under.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from docintel.extract.labels import LabelHit, find_labels, vocabulary
from docintel.extract.values import fold_width, normalize_spaces, parse_amount
from docintel.ocr.layout import Line, Segment, bounding_box, join_words, split_segments
from docintel.ocr.records import Word

# A header needs a product-like column and this many columns in all.
_MIN_HEADER_COLUMNS = 3
_PRODUCT_KEYS = ("product", "product_spec", "code")
# ...of which these hold the goods' names (a 编码 column holds codes: the name stands beside it).
_NAME_KEYS = ("product", "product_spec")
# Columns that stand left of the product on a form (序号, 编码).
_BEFORE_PRODUCT_KEYS = ("line_no", "code", "ref_no", "ref_date")
_NUMBER_KEYS = ("quantity", "unit_price", "amount")
# A row's number as printed in its 序号 cell (1, 12., (3)).
_ROW_NUMBER = re.compile(r"\W*\d{1,3}\W*")
# ...a glyph this many of its heights from the next word is apart from it.
_NUMBER_APART = 0.5
# Text that can be a product's name: Chinese, or a Latin word (7t left of a lost name is not).
_NAME_TEXT = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{3}")
# A word that is a grid's vertical rule read as text (a bar, with a quote mark or two of its fringe).
_CELL_BORDER = re.compile(r"[“”\"'‘’]*[|丨│]+[“”\"'‘’|丨│]*")
# Header labels are split at smaller gaps than text: adjacent headers stand closer than cells.
_HEADER_SEGMENT_GAP = 0.6
# Stray characters cell borders and stains leave at the ends of a cell's text.
CELL_DEBRIS = " \"'“”‘’|,，;；`"
_SPACE_BY_CJK = re.compile(r"(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])")
# A continuation page's header must show this many of the previous page's labels, and the page
# may be scaled this much against the previous one.
_MIN_CONTINUED_COLUMNS = 3
_CONTINUED_SCALE = (0.8, 1.25)
# A column border is at least this many text heights of white space.
_MIN_BORDER_GAP = 0.3
# From this many rows on, one row's ink may cross a column border.
_MIN_ROWS_FOR_CROSSING = 4
# A wrapped name never carries these; a line that does is a new row even if its numbers were lost.
_ROW_START_KEYS = ("line_no", "code", "unit")
# A wrapped cell line starts within this many line heights under the row it continues.
_WRAP_GAP = 1.0


@dataclass(frozen=True)
class Column:
    key: str
    left: float  # the header label's extent
    right: float

    @property
    def center(self) -> float:
        return (self.left + self.right) / 2


def tidy_cell(text: str) -> str:
    """Cell text without OCR debris at its ends (quotes and bars from cell borders) and without
    spaces tesseract puts beside Chinese characters (LED 灯管 → LED灯管)."""
    text = normalize_spaces(text).strip(CELL_DEBRIS)
    return _SPACE_BY_CJK.sub("", text)


@dataclass
class TableRow:
    cells: dict[str, list[Word]] = field(default_factory=dict)

    def raw_text(self, key: str) -> str:
        """The cell's text with the printed spaces kept (they separate 品名 from 规格)."""
        # Words arrive in reading order: left to right on each line, wrapped lines after.
        return fold_width(join_words(self.cells.get(key, []))).strip()

    def text(self, key: str) -> str:
        return tidy_cell(self.raw_text(key))

    def words(self) -> list[Word]:
        return [w for ws in self.cells.values() for w in ws]


@dataclass(frozen=True)
class Table:
    header_line: int  # index into the page's lines
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    end_line: int  # first line after the table


def _hit_extent(hit: LabelHit, segment: Segment) -> tuple[float, float]:
    left, _, width, _ = bounding_box(segment.words_in_span(hit.start, hit.end))
    return left, left + width


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
    """A line that closes the table: its total, the sign-off, or the end marker (以下空白), which is
    matched with a character misread (以下空乌, 以下密白): read into the last row as a wrapped
    name (大米以下空自), it would be that row's product, or a row of its own."""
    fields = vocabulary().fields
    stop_keys = {"total", "total_upper", "signature", "not_signature"}
    group = {k: fields[k] for k in stop_keys}
    return bool(find_labels(line.text, group, fuzzy=False)) or bool(find_labels(line.text, {"table_end": fields["table_end"]}))


def _label_boundaries(columns: Sequence[Column]) -> list[float]:
    """x positions between adjacent columns: the middle of the gap between their labels."""
    return [(a.right + b.left) / 2 for a, b in zip(columns, columns[1:])]


def column_boundaries(columns: Sequence[Column], body: Sequence[Line]) -> list[float]:
    """Where one column ends and the next begins, from the white space in the table's body.

    Labels are centred over their columns while cells are left- or right-aligned, so the middle
    between two labels often cuts a product name in two. The body's own vertical white-space
    gap between two label centres is the true border (ruled or not: the rules are erased).
    """
    fallback = _label_boundaries(columns)
    # A grid's vertical rule read as a glyph (|) stands where the border is: no cell's ink.
    words = [w for line in body for w in line.words if not _CELL_BORDER.fullmatch(w.text)]
    if not words:
        return fallback
    left = int(min(min(w.box[0] for w in words), columns[0].left))
    right = int(max(max(w.x2 for w in words), columns[-1].right)) + 1
    coverage = np.zeros(right - left + 1, np.int32)
    for w in words:
        coverage[w.box[0] - left : w.x2 - left] += 1
    # A gap may be crossed by an odd overlong cell (a long product name in one row).
    tolerance = len(body) // 8
    # Between two number columns one row of four or more may cross it: two numbers OCR ran together
    # into one word (28 and 7232.95 read as 287232.95). Between text columns a short table's one
    # long name is not to be told from a spec column's start, so there no row may cross.
    numbers_tolerance = max(tolerance, 1 if len(body) >= _MIN_ROWS_FOR_CROSSING else 0)
    # Narrower runs are the gaps between the characters of a Chinese grid, aligned row after row.
    min_gap = _MIN_BORDER_GAP * statistics.median(line.height for line in body)
    bounds = []
    for (a, b), middle in zip(zip(columns, columns[1:]), fallback):
        lo, hi = int(a.center) - left, int(b.center) - left
        crossing = numbers_tolerance if {a.key, b.key} <= set(_NUMBER_KEYS) else tolerance
        gaps = [
            (left + lo + s, left + lo + e)
            for s, e in _white_runs(coverage[lo : hi + 1] <= crossing)
            if e - s + 1 >= min_gap
        ]
        if gaps:
            s, e = max(gaps, key=lambda gap: (_alignment(gap, body), gap[1] - gap[0]))
            bounds.append((s + e) / 2)
        else:
            bounds.append(middle)
    return bounds


def _alignment(gap: tuple[int, int], body: Sequence[Line]) -> int:
    """How many rows have a cell starting right after the gap or ending right before it.

    A column border is where left-aligned cells start and right-aligned cells end, row after
    row; a gap inside a cell (between 1.2m and 18W) lines up with nothing.
    """
    start, end = gap
    score = 0
    for line in body:
        near = 0.6 * line.height
        if any(end <= w.box[0] <= end + near + 1 for w in line.words):
            score += 1
        if any(start - near - 1 <= w.x2 <= start for w in line.words):
            score += 1
    return score


def _white_runs(free: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of True in `free`, end inclusive."""
    runs, start = [], None
    for x, is_free in enumerate(free):
        if is_free and start is None:
            start = x
        elif not is_free and start is not None:
            runs.append((start, x - 1))
            start = None
    if start is not None:
        runs.append((start, len(free) - 1))
    return runs


def _column_of(word: Word, columns: Sequence[Column], bounds: Sequence[float]) -> str:
    for column, bound in zip(columns, bounds):
        if word.cx < bound:
            return column.key
    return columns[-1].key


def _assign(line: Line, columns: Sequence[Column], bounds: Sequence[float]) -> TableRow:
    row = TableRow()
    for word in line.words:
        row.cells.setdefault(_column_of(word, columns, bounds), []).append(word)
    _text_out_of_number_cell(row, columns)
    return row


def _text_out_of_number_cell(row: TableRow, columns: Sequence[Column]) -> None:
    """A 序号 cell holds the row's number alone: words in it past that are the next column's, on a
    line of goods (a quantity or a unit). A name written left-aligned under a label centred far to
    its right (品名及规格 over a wide cell) starts nearer the 序号 label than its own, and a row that
    printed no number has no gap to tell them by."""
    keys = [c.key for c in columns]
    if "line_no" not in row.cells or keys.index("line_no") + 1 >= len(keys):
        return
    label, after = columns[keys.index("line_no")], keys[keys.index("line_no") + 1]
    words = row.cells["line_no"]
    # The number, or a lone glyph standing apart under the 序号 label: the number misread (了 for 7).
    first = words[0]
    under_label = label.left - first.box[3] <= first.cx <= label.right + first.box[3]
    apart = len(words) == 1 or words[1].box[0] - first.x2 >= _NUMBER_APART * first.box[3]
    number = words[:1] if _ROW_NUMBER.fullmatch(first.text) or (len(first.text) == 1 and under_label and apart) else []
    rest = words[len(number):]
    goods = bool(row.cells.get("quantity") or row.cells.get("unit"))  # not a 合计 row read 心:计
    if after in _NUMBER_KEYS or not goods or not _NAME_TEXT.search(join_words(rest)):
        return
    if number:
        row.cells["line_no"] = number
    else:
        del row.cells["line_no"]
    row.cells[after] = rest + row.cells.get(after, [])


def _has_numbers(row: TableRow) -> bool:
    return any(parse_amount(row.text(k)) is not None for k in _NUMBER_KEYS if k in row.cells)


def _body_lines(lines: Sequence[Line], header: int, columns: Sequence[Column]) -> tuple[list[Line], int]:
    """The lines under a header up to where the table ends, and the index of that end."""
    table_left = columns[0].left - 3 * lines[header].height
    body = []
    for end in range(header + 1, len(lines)):
        candidate = lines[end]
        if _ends_table(candidate) or _is_header(header_columns(candidate)):
            return body, end
        if candidate.box[0] + candidate.box[2] < table_left:
            return body, end
        body.append(candidate)
    return body, len(lines)


def find_table(lines: Sequence[Line], previous: Sequence[Column] = ()) -> Table | None:
    """The page's line-item table under the first header line; on a continuation page whose
    header was misread (数生 单价 → 音信), the previous page's columns where enough of its labels are."""
    for index, line in enumerate(lines):
        columns = _with_unlabelled_product(line, header_columns(line))
        if _is_header(columns):
            return _table_under(lines, index, columns)
    if previous:
        for index, line in enumerate(lines):
            if columns := continued_header(line, previous):
                return _table_under(lines, index, columns)
    return None


def _with_unlabelled_product(line: Line, columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """A header whose 品名 was misread (品i 名) still has the other labels around it: the words no
    label claimed, left of the first number column and right of any 序号/编码, are the product's
    (产品编码 二名 型号: 品 read as 二, the codes' column before it)."""
    keys = {c.key for c in columns}
    if keys & set(_NAME_KEYS) or not keys & set(_NUMBER_KEYS) or len(keys) < _MIN_HEADER_COLUMNS:
        return columns
    first_number = min(c.left for c in columns if c.key in _NUMBER_KEYS)
    after = max((c.right for c in columns if c.key in _BEFORE_PRODUCT_KEYS), default=float("-inf"))
    claimed = [(c.left, c.right) for c in columns]
    loose = [w for w in line.words
             if after < w.cx < first_number and not any(l <= w.cx <= r for l, r in claimed) and any(ch.isalnum() for ch in w.text)]
    if not loose or any(c.left < max(w.x2 for w in loose) and c.right > min(w.box[0] for w in loose) for c in columns):
        return columns
    product = Column("product", min(w.box[0] for w in loose), max(w.x2 for w in loose))
    return tuple(sorted((*columns, product), key=lambda c: c.left))


def continued_header(line: Line, previous: Sequence[Column]) -> tuple[Column, ...] | None:
    """The previous page's columns, placed on this page by the labels of theirs read in `line`
    (at least a few, in the same order); the rest moved as those moved."""
    keys = [c.key for c in previous]
    read = [c for c in header_columns(line) if c.key in keys]
    order = [keys.index(c.key) for c in read]
    if len(read) < _MIN_CONTINUED_COLUMNS or order != sorted(order):
        return None
    before = {c.key: c for c in previous}
    scale, shift = np.polyfit([before[c.key].center for c in read], [c.center for c in read], 1)
    if not _CONTINUED_SCALE[0] <= scale <= _CONTINUED_SCALE[1]:
        return None
    found = {c.key: c for c in read}
    return tuple(found.get(k) or Column(k, scale * before[k].left + shift, scale * before[k].right + shift) for k in keys)


def _same_row(line: Line, below: Line) -> bool:
    """Whether `below` overlaps `line` by half the shorter one's height: one row read as two lines."""
    top, bottom = max(line.box[1], below.box[1]), min(line.box[1] + line.box[3], below.box[1] + below.box[3])
    return bottom - top >= 0.5 * min(line.box[3], below.box[3])


def _table_under(lines: Sequence[Line], index: int, columns: tuple[Column, ...]) -> Table:
    body, end = _body_lines(lines, index, columns)
    bounds = column_boundaries(columns, body)
    rows: list[TableRow] = []
    held: TableRow | None = None  # a row's text read as a line of its own just above the row
    for at, candidate in enumerate(body):
        row = _assign(candidate, columns, bounds)
        if held is not None:
            for key, words in held.cells.items():
                row.cells[key] = sorted(words + row.cells.get(key, []), key=lambda w: w.box[0])
            held = None
        if not rows or _has_numbers(row) or any(row.text(k) for k in _ROW_START_KEYS):
            rows.append(row)
        elif at + 1 < len(body) and _same_row(candidate, body[at + 1]):
            # 页 of 不锈钢合页 set a little higher than the rest of its row and read as a line
            # before it: it belongs to the row it stands beside, not the end of the table.
            held = row
        elif candidate.box[1] - max(w.y2 for w in rows[-1].words()) <= _WRAP_GAP * candidate.height:
            # A wrapped product name: text only, no numbers, close under the row above.
            for key, words in row.cells.items():
                rows[-1].cells.setdefault(key, []).extend(words)
        else:
            break  # text far below the last row (a page footer): the table is over
    return Table(header_line=index, columns=columns, rows=tuple(rows), end_line=end)
