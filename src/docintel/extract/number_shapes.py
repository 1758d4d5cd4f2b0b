"""The book's ways of numbering orders, and an order number whose letter prefix was misread.

A book numbers its orders a few ways (CG-2405-581, PO-2024-050158, HT24062277): a letter prefix,
then groups of digits with their separators. A dot-matrix or carbon CG is read 6, 06 or GQ6 (C lost,
G read as its look-alike 6) while the digits after it read right; the number need not be in the
book (an order not yet imported), but its way of numbering is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

# A number as the book writes it: a letter prefix, a separator, digit groups joined by separators.
_BOOK_NUMBER = re.compile(r"([A-Za-z]{1,4})([-_/.])([0-9]+(?:[-_/.][0-9]+)+)")
# A number read with its prefix misread: one to three characters, then the same.
_READ_NUMBER = re.compile(r"([0-9A-Za-z]{1,3})([-_/.])([0-9]+(?:[-_/.][0-9]+)+)")


def digit_shape(separator: str, groups: str) -> str:
    """The shape of what follows a prefix: -dddd-ddd for -2405-581."""
    return separator + re.sub(r"[0-9]", "d", groups)


def number_shapes(numbers: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The book's prefixes by the shape of what follows them."""
    shapes: dict[str, set[str]] = {}
    for number in numbers:
        if found := _BOOK_NUMBER.fullmatch(unicodedata.normalize("NFKC", number).strip()):
            shapes.setdefault(digit_shape(found[2], found[3]), set()).add(found[1].upper())
    return {shape: tuple(sorted(prefixes)) for shape, prefixes in shapes.items()}


def prefix_put_back(text: str | None, shapes: dict[str, tuple[str, ...]], key: Callable[[str], str | None]) -> str | None:
    """`text` with the book's prefix in place of a misread one (06-2405-581 → CG-2405-581), or None:
    where what follows the prefix has the shape of the book's numbers with one prefix alone, and
    the prefix read ends in that prefix's last letter or its look-alike (`key` folds them: G and 6)."""
    if not text or not (found := _READ_NUMBER.fullmatch(unicodedata.normalize("NFKC", text).strip())):
        return None
    read, separator, groups = found[1].upper(), found[2], found[3]
    prefixes = shapes.get(digit_shape(separator, groups), ())
    if len(prefixes) != 1 or read == prefixes[0]:
        return None
    prefix = prefixes[0]
    read_key, prefix_key = key(read) or "", key(prefix) or ""
    if not read_key or not prefix_key or read_key[-1] != prefix_key[-1]:
        return None
    return prefix + separator + groups
