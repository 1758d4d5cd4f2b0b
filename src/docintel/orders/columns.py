"""Which column of an order-book sheet holds which field, from the header vocabulary in columns.toml."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FIELDS = ("order_no", "customer", "vendor", "order_date", "product", "spec", "unit", "quantity", "unit_price")
REQUIRED_FIELDS = ("order_no", "customer", "order_date", "product", "quantity")
# Sheets often open with a title ("2024年订单明细") or an export banner before the header.
HEADER_SEARCH_ROWS = 20
# Fewer recognised headers than this and a row is data, not a header (a stray "日期" cell is not one).
MIN_HEADER_FIELDS = 3

_VOCABULARY_FILE = Path(__file__).with_name("columns.toml")
_BRACKETED_NOTE = re.compile(r"[(\[（【].*?[)\]）】]")
_SEPARATORS = re.compile(r"[\s_.\-:：/\\*#]+")


def normalize_header(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SEPARATORS.sub("", _BRACKETED_NOTE.sub("", folded))


@dataclass(frozen=True)
class Vocabulary:
    headers: dict[str, str]  # normalised header → field
    totals: frozenset[str]  # normalised totals-row labels


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    data = tomllib.loads(_VOCABULARY_FILE.read_text(encoding="utf-8"))
    headers: dict[str, str] = {}
    for field, names in data["fields"].items():
        if field not in FIELDS:
            raise ValueError(f"{_VOCABULARY_FILE.name}: unknown field {field!r}")
        for name in names:
            key = normalize_header(name)
            if headers.setdefault(key, field) != field:
                raise ValueError(f"{_VOCABULARY_FILE.name}: header {name!r} names two fields")
    totals = frozenset(normalize_header(label) for label in data["rows"]["totals"])
    return Vocabulary(headers=headers, totals=totals)


@dataclass(frozen=True)
class HeaderRow:
    row_number: int  # 1-based in the file
    columns: dict[str, int]  # field → 0-based column index
    cells: tuple[str, ...]  # the header cells as written, for messages

    @property
    def missing(self) -> list[str]:
        return [field for field in REQUIRED_FIELDS if field not in self.columns]


def map_header(cells: Sequence[object]) -> dict[str, int]:
    """Field → column index for one row; the first column naming a field wins."""
    headers = vocabulary().headers
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        field = headers.get(normalize_header(cell))
        if field is not None and field not in columns:
            columns[field] = index
    return columns


def find_header(rows: Sequence[tuple[int, Sequence[object]]]) -> HeaderRow | None:
    """The row among the first ones that names the most fields, or None when no row looks like a header."""
    best: HeaderRow | None = None
    for row_number, cells in rows[:HEADER_SEARCH_ROWS]:
        columns = map_header(cells)
        if len(columns) >= MIN_HEADER_FIELDS and (best is None or len(columns) > len(best.columns)):
            best = HeaderRow(row_number, columns, tuple("" if c is None else str(c) for c in cells))
    return best


def is_totals_label(cell: object) -> bool:
    return isinstance(cell, str) and normalize_header(cell) in vocabulary().totals
