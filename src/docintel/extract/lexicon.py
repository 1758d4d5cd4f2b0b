"""Known names a misread customer or product name is snapped to: the order book's spellings.

Tesseract's Chinese models misread rare characters in names (鑫 → 蠢, 鼎 → 易, 膨 → 脱) while
the rest of the name comes through; the order book already holds every customer and product the
firm deals in. A name read within a few edits of exactly one known name, and clearly closer to
it than to any other, is that name misread. Anything further away, or between two known names,
stays as read: an unknown customer must still show up as unknown. What was read before a snap
is kept in ExtractedDocument.readings, so a clerk sees both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from docintel.chinese import to_simplified
from docintel.extract.records import ExtractedDocument

# Edits forgiven per character of the name's key: one in a name of 3–11 characters, two from 12
# (a full company name with its suffix). Two-character names have no room for a slip (电线 and 电缆
# are both products).
EDITS_PER_CHAR = 1 / 6
MIN_SNAP_LENGTH = 3
MIN_PREFIX_LENGTH = 2
MIN_SPEC_LENGTH = 2
_NOT_NAME = re.compile(r"[\s\W_]+", re.UNICODE)
_SIZE_OR_MODEL = re.compile(r"[0-9A-Za-z]")


def name_key(text: str) -> str:
    """What two spellings of one name share: width and traditional characters folded, spaces and
    punctuation dropped (膨脹螺絲 is 膨胀螺丝)."""
    return to_simplified(_NOT_NAME.sub("", unicodedata.normalize("NFKC", text)).lower())


def edits_allowed(key: str) -> int:
    if len(key) < MIN_SNAP_LENGTH:
        return 0
    return max(1, int(len(key) * EDITS_PER_CHAR))


@dataclass(frozen=True)
class NameList:
    """Known spellings by key; the first spelling seen of a key is the one snapped to."""

    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, spellings: Iterable[str | None]) -> NameList:
        names: dict[str, str] = {}
        for spelling in spellings:
            if spelling and (key := name_key(spelling)):
                names.setdefault(key, spelling.strip())
        return cls(names)

    def snap(self, text: str | None) -> tuple[str, float] | None:
        """(known name, similarity) when `text` is a misreading of exactly one known name."""
        if not text or not self.names:
            return None
        key = name_key(text)
        if key in self.names:
            # The known name with OCR debris, other spacing or in the other script ([白米, 上海恒达五金 贸易,
            # 膨脹螺絲 for the book's 膨胀螺丝): written as the book writes it, the reading kept.
            return (self.names[key], 1.0) if self.names[key] != text.strip() else None
        allowed = edits_allowed(key)
        if allowed == 0:
            return None
        # Two nearest within one edit more than allowed: the runner-up must be strictly further.
        nearest = process.extract(key, self.names.keys(), scorer=Levenshtein.distance,
                                  score_cutoff=allowed + 1, limit=2)
        if not nearest or nearest[0][1] > allowed:
            return None
        if len(nearest) > 1 and nearest[1][1] <= nearest[0][1]:
            return None
        best_key, distance = nearest[0][0], nearest[0][1]
        return self.names[best_key], 1.0 - distance / max(len(key), len(best_key))

    def split_known_prefix(self, text: str | None) -> tuple[str, str] | None:
        """(known name, rest as written) when `text` is a known name with more glued on.

        A 品名规格 column holds name and spec in one cell; where the spec has no size to start it
        (劳保手套尼龙涂胶) only knowing the name tells where it ends.
        """
        if not text or not self.names:
            return None
        key = name_key(text)
        if key in self.names:
            return None
        # A one-character rest is more likely another product (电线管 is not 电线 + spec 管).
        for length in range(len(key) - MIN_SPEC_LENGTH, MIN_PREFIX_LENGTH - 1, -1):
            if (prefix := key[:length]) in self.names:
                return self.names[prefix], _after_key_prefix(text, length)
        return None


def _after_key_prefix(text: str, length: int) -> str:
    """The part of `text` after the characters that make up the first `length` of its key."""
    consumed = 0
    for index, char in enumerate(text):
        consumed += len(name_key(char))
        if consumed >= length:
            return text[index + 1 :].strip(" -/,，;；")
    return ""


@dataclass(frozen=True)
class Lexicon:
    customers: NameList = field(default_factory=NameList)
    products: NameList = field(default_factory=NameList)
    # Spec keys the book lists per product key: what may follow a product name in a 品名规格 cell.
    specs: dict[str, frozenset[str]] = field(default_factory=dict)
    # The book's order numbers by look-alike key (O/0, S/5, B/8 … folded), and that key function,
    # supplied by whoever builds the lexicon (docintel.match.confusable_key): P024101358 printed or
    # read is the book's PO24101358 when no other order shares the key.
    order_numbers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    order_key: Callable[[str], str | None] | None = None

    @classmethod
    def of(cls, customers: Iterable[str | None], product_specs: Iterable[tuple[str | None, str | None]]) -> Lexicon:
        """From customer names and (product, spec) pairs, e.g. the lines of an order book."""
        pairs = [(p, s) for p, s in product_specs if p]
        specs: dict[str, set[str]] = {}
        for product, spec in pairs:
            if spec and (key := name_key(spec)):
                specs.setdefault(name_key(product), set()).add(key)
        return cls(NameList.of(customers), NameList.of(p for p, _ in pairs),
                   {k: frozenset(v) for k, v in specs.items()})

    def __bool__(self) -> bool:
        return bool(self.customers.names or self.products.names or self.order_numbers)

    def with_order_numbers(self, numbers: Iterable[tuple[str | None, str]], key: Callable[[str], str | None]) -> Lexicon:
        """This lexicon with order numbers: (look-alike key, number) pairs and the key function."""
        by_key: dict[str, set[str]] = {}
        for number_key, number in numbers:
            if number_key:
                by_key.setdefault(number_key, set()).add(number)
        return replace(self, order_numbers={k: tuple(sorted(v)) for k, v in by_key.items()}, order_key=key)

    def known_order_number(self, text: str | None) -> str | None:
        """The one book order number `text` reads as once look-alike characters are folded."""
        if not text or self.order_key is None:
            return None
        found = self.order_numbers.get(self.order_key(text) or "", ())
        return found[0] if len(found) == 1 else None

    def split_product(self, text: str | None) -> tuple[str, str] | None:
        """(known product, spec) for a 品名规格 cell that holds a known name and its spec.

        The rest must look like a spec: a size or model (digits, Latin), or a spec the book lists
        for that product (尼龙涂胶 for 劳保手套). Otherwise the cell may well name another product
        that merely starts with a known one (电缆桥架 is a cable tray, not 电缆).
        """
        if not (split := self.products.split_known_prefix(text)):
            return None
        product, rest = split
        rest_key = name_key(rest)
        known = self.specs.get(name_key(product), frozenset())
        if _SIZE_OR_MODEL.search(rest) or any(rest_key.startswith(k) or k.startswith(rest_key) for k in known):
            return split
        return None


def _longer_than(read: str, known: str) -> bool:
    read_key, known_key = name_key(read), name_key(known)
    return len(read_key) > len(known_key) and read_key.startswith(known_key)


def apply_lexicon(document: ExtractedDocument, lexicon: Lexicon) -> ExtractedDocument:
    """Snap the customer and each item's product to the known spelling they were misread from;
    split a known product name from the spec glued to it when the form had one column for both;
    write the order number as the book does when it reads as exactly one of the book's numbers.

    Changes `document` in place (and returns it); a snapped field's confidence becomes at least
    the similarity to the known name, and the text as read goes into `readings`.
    """
    # A printed name that is the book's name and more (Wing Fung Engineering Ltd. for the book's
    # Wing Fung Engineering) is read right: the book abbreviates, and the print stays.
    known = lexicon.known_order_number(document.order_no)
    if known and document.order_no and known != document.order_no:
        document.readings["order_no"] = document.order_no
        document.order_no = known
    snapped = lexicon.customers.snap(document.customer)
    if snapped and document.customer and not _longer_than(document.customer, snapped[0]):
        document.readings["customer"] = document.customer
        document.customer, similarity = snapped
        document.confidence["customer"] = max(document.confidence.get("customer", 0.0), similarity)
    for index, item in enumerate(document.items):
        if snapped := lexicon.products.snap(item.product):
            document.readings[f"items.{index}.product"] = item.product
            item.product, similarity = snapped
            item.confidence = max(item.confidence, similarity)
        elif split := lexicon.split_product(item.product):
            document.readings[f"items.{index}.product"] = item.product
            # What followed the name in the cell opens the spec (劳保手套尼龙涂胶 L → 尼龙涂胶 L).
            item.product, item.spec = split[0], " ".join(filter(None, (split[1], item.spec))) or None
    return document
