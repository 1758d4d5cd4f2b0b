"""Known names a misread customer, vendor or product name is snapped to: the order book's spellings.

Tesseract's Chinese models misread rare characters in names (鑫 → 蠢, 鼎 → 易, 膨 → 脱) while
the rest of the name comes through; the order book already holds every customer and product the
firm deals in, and (in its optional vendor column) the firm's own companies that issue the
documents. A name read within a few edits of exactly one known name, and clearly closer to
it than to any other, is that name misread. Anything further away, or between two known names,
stays as read: an unknown customer must still show up as unknown. What was read before a snap
is kept in ExtractedDocument.readings, so a clerk sees both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from docintel.chinese import in_simplified, is_simplified, is_traditional, to_simplified, traditional_char
from docintel.extract.number_shapes import number_shapes, prefix_put_back
from docintel.extract.records import ExtractedDocument

# Edits forgiven per character of the name's key: one in a customer name of 3–11 characters, two
# from 12 (a full company name with its suffix). Two-character names have no room for a slip (电线
# and 电缆 are both products). Products are a closed catalogue, where a firm that is not in the book
# must stay unknown: a product name of seven characters may have two misread (不诱钢六角曝栓).
EDITS_PER_CHAR = 1 / 6
PRODUCT_EDITS_PER_CHAR = 2 / 7
MIN_SNAP_LENGTH = 3
# A known name found inside a longer printed one is put right only from this length on.
MIN_INSIDE_LENGTH = 4
# Extra printed characters allowed between the parts of a known name found inside a longer one
# (佛山市永固电气 holds the book's 佛山永固电气 with 市 between).
MAX_INSIDE_GAP = 3
MIN_PREFIX_LENGTH = 2
MIN_SPEC_LENGTH = 2
_NOT_NAME = re.compile(r"[\s\W_]+", re.UNICODE)
# An order number's letter prefix (PO-, CG, HT), and how much must follow it for the number to be
# found without it: a shorter tail is too likely another number's.
_LETTER_PREFIX = re.compile(r"[A-Za-z]{1,4}[-_/. ]*(?=[0-9])")
_STARTS_WITH_DIGIT = re.compile(r"\s*[0-9]")
MIN_BARE_NUMBER = 8
_SIZE_OR_MODEL = re.compile(r"[0-9A-Za-z]")
_TIMES = re.compile(r"[x×*](?=[0-9])")


def name_key(text: str) -> str:
    """What two spellings of one name share: width and traditional characters folded, spaces and
    punctuation dropped (膨脹螺絲 is 膨胀螺丝)."""
    return to_simplified(_NOT_NAME.sub("", unicodedata.normalize("NFKC", text)).lower())


def edits_allowed(key: str, per_char: float = EDITS_PER_CHAR) -> int:
    if len(key) < MIN_SNAP_LENGTH:
        return 0
    return max(1, int(len(key) * per_char + 1e-9))


@dataclass(frozen=True)
class NameList:
    """Known spellings by key; the first spelling seen of a key is the one snapped to."""

    names: dict[str, str] = field(default_factory=dict)
    edits_per_char: float = EDITS_PER_CHAR

    @classmethod
    def of(cls, spellings: Iterable[str | None], edits_per_char: float = EDITS_PER_CHAR) -> NameList:
        names: dict[str, str] = {}
        for spelling in spellings:
            if spelling and (key := name_key(spelling)):
                names.setdefault(key, spelling.strip())
        return cls(names, edits_per_char)

    def snap(self, text: str | None, places: Iterable[str] = (), *, firm: bool = False) -> tuple[str, float] | None:
        """(known name, similarity) when `text` is a misreading of exactly one known name. A
        printed place that is a real one (`places`) is not misread: 无锡远航… is not the book's
        苏州远航… but another firm. A `firm`'s name is written in the book's script: a firm writes
        its own name one way (高雄金鼎五金企業, read 企业 by the simplified model where the page's
        script was mistaken), where an article's name is written in the slip's (in_script_of)."""
        if not text or not self.names:
            return None
        key = name_key(text)
        script = _as_known if firm else in_script_of
        if key in self.names:
            # The known name with OCR debris, other spacing or in the other script ([白米, 上海恒达五金 贸易,
            # 膨脹螺絲 for the book's 膨胀螺丝): written as the book writes it, the reading kept.
            known = script(text, self.names[key])
            return (known, 1.0) if known != text.strip() else None
        allowed = edits_allowed(key, self.edits_per_char)
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
        if (place := _place_of(key, places)) and not best_key.startswith(place):
            return None
        return script(text, self.names[best_key]), 1.0 - distance / max(len(key), len(best_key))

    def repair_inside(self, text: str | None, places: Iterable[str] = ()) -> tuple[str, float] | None:
        """(`text` with misread characters put right, similarity) when a known name of four or
        more characters is in it, a character or so misread, with more printed around it: the book
        knows 佛山永固电气, the receipt prints 佛山市永固电气设备有限公司, OCR read 佛出市永四电气….

        The print stays as printed apart from the misread characters. A printed place that is a
        real one (`places`: 杭州) is never turned into the known name's (广州): that is another
        firm. Several known names that would put it right differently leave it as read.
        """
        if not text or not self.names:
            return None
        chars = [(i, k) for i, c in enumerate(text) if len(k := name_key(c)) == 1]
        read_key = "".join(k for _, k in chars)
        place = _place_of(read_key, places)
        intact = self._intact_positions(read_key)
        traditional = _mostly_traditional(text)
        best: tuple[int, str] | None = None
        tied = False
        for key, spelling in self.names.items():
            allowed = edits_allowed(key, self.edits_per_char)
            if len(key) < MIN_INSIDE_LENGTH or len(key) >= len(read_key) or sum(c in read_key for c in key) < len(key) - allowed:
                continue
            fixes = _fixes_inside(read_key, key, allowed, len(place))
            # Another known name printed intact is read right: 无锡市汇通电子科技 holds the book's 汇通电子,
            # so its 子 is not the book's 汇通电器 misread.
            if not fixes or any(pos in intact for pos, _ in fixes):
                continue
            spelled = [c for c in spelling if len(name_key(c)) == 1]
            if len(spelled) != len(key):
                continue
            turned = list(text)
            for read_pos, known_pos in fixes:
                char = spelled[known_pos]
                turned[chars[read_pos][0]] = traditional_char(char) if traditional else char
            candidate = (len(fixes), "".join(turned))
            if best is None or candidate[0] < best[0]:
                best, tied = candidate, False
            elif candidate[0] == best[0] and candidate[1] != best[1]:
                tied = True
        if best is None or tied:
            return None
        return best[1], 1.0 - best[0] / len(read_key)

    def _intact_positions(self, read_key: str) -> set[int]:
        """Positions of `read_key` covered by a known name of MIN_INSIDE_LENGTH or more standing there intact."""
        covered: set[int] = set()
        for key in self.names:
            if len(key) < MIN_INSIDE_LENGTH:
                continue
            start = read_key.find(key)
            while start >= 0:
                covered.update(range(start, start + len(key)))
                start = read_key.find(key, start + 1)
        return covered

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


def _place_of(key: str, places: Iterable[str]) -> str:
    return next((p for p in places if key.startswith(p)), "")


def _fixes_inside(read_key: str, key: str, allowed: int, protected: int) -> list[tuple[int, int]]:
    """(read position, known position) of each misread character when `key` lies inside
    `read_key` with 1..`allowed` characters misread, nothing missing, and at most one short run
    of extra characters inside it; [] otherwise. Positions before `protected` may not change.

    The name read whole, a character misread, comes first: 无锣密发机械… holds the book's 宏发机械 as
    密发机械, with 密 misread, rather than as 无…发机械 with 无 misread and two extra characters
    between (which would put 宏 in place of the city's 无)."""
    gapped = _gapped_fixes(read_key, key, allowed, protected)
    if gapped == []:
        return []  # there intact: nothing to put right
    whole = _fixes_in_one_piece(read_key, key, allowed, protected)
    if whole is not None:
        return whole
    return gapped or []


def _gapped_fixes(read_key: str, key: str, allowed: int, protected: int) -> list[tuple[int, int]] | None:
    """The fixes of the best alignment, extra characters allowed inside (see _fixes_inside); []
    when the name stands there intact, None when no such alignment will do."""
    fixes, inside = [], []
    for op in Levenshtein.editops(read_key, key):
        if op.tag == "insert":
            return None
        if op.tag == "replace":
            fixes.append((op.src_pos, op.dest_pos))
        else:
            inside.append(op.src_pos)
    if len(fixes) > allowed or any(pos < protected for pos, _ in fixes):
        return None
    kept = sorted(set(range(len(read_key))) - set(inside))
    gaps = [pos for pos in inside if kept[0] < pos < kept[-1]]
    if len(gaps) > MAX_INSIDE_GAP or (gaps and gaps[-1] - gaps[0] + 1 != len(gaps)):
        return None
    return fixes


def _fixes_in_one_piece(read_key: str, key: str, allowed: int, protected: int) -> list[tuple[int, int]] | None:
    """The fixes where `key` stands in `read_key` in one piece with fewest characters misread (1..
    `allowed`); [] when it stands there intact or two places tie; None when it stands nowhere so."""
    best: list[list[tuple[int, int]]] = []
    for start in range(protected, len(read_key) - len(key) + 1):
        fixes = [(start + i, i) for i, char in enumerate(key) if read_key[start + i] != char]
        if len(fixes) > allowed:
            continue
        if not fixes:
            return []
        if not best or len(fixes) < len(best[0]):
            best = [fixes]
        elif len(fixes) == len(best[0]):
            best.append(fixes)
    if not best:
        return None
    return best[0] if len(best) == 1 else []


def in_script_of(reading: str, known: str) -> str:
    """`known` as the reading writes it: a reading in traditional characters keeps its own
    characters where they are the known name's (膨脹螺絲 for the book's 膨胀螺丝) and has the
    others turned traditional; a reading in simplified characters gets the known name in
    simplified ones (a book that lists 平墊圈 for a Hong Kong order and 平垫圈 for a mainland one
    keeps the first spelling of the two, and a mainland slip's 平垫圈中 is 平垫圈, not 平墊圈); a
    reading that both scripts write alike gets the known spelling as it is."""
    if not _mostly_traditional(reading):
        return in_simplified(known) if is_simplified(reading) else known
    out = list(known)
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(to_simplified(reading), to_simplified(known)):
        if tag == "equal":
            out[j1:j2] = reading[i1:i2]
        elif j2 > j1:
            out[j1:j2] = [traditional_char(c) for c in known[j1:j2]]
    return "".join(out)


def _as_known(_reading: str, known: str) -> str:
    return known


def _in_page_script(name: str, traditional_page: bool) -> str:
    """A snapped name in simplified characters turned traditional on a page printed traditional: a
    misreading of 尼龍束線帶 may well be all simplified characters (尼态束鱼带), the page is not."""
    if not traditional_page or _mostly_traditional(name) or not is_simplified(name):
        return name
    return "".join(traditional_char(char) for char in name)


def _mostly_traditional(reading: str) -> bool:
    """Whether as many of a reading's characters are written the traditional way as the simplified:
    a simplified print with one character misread into its traditional form (武汉德潤五金贸易) is
    simplified."""
    traditional = sum(is_traditional(char) for char in reading)
    return traditional > 0 and traditional >= sum(is_simplified(char) for char in reading)


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
    # The firm's own companies that issue the documents (the book's vendor column), customers' tolerance.
    vendors: NameList = field(default_factory=NameList)
    # Spec keys the book lists per product key: what may follow a product name in a 品名规格 cell.
    specs: dict[str, frozenset[str]] = field(default_factory=dict)
    # The book's order numbers by look-alike key (O/0, S/5, B/8 … folded), and that key function,
    # supplied by whoever builds the lexicon (docintel.match.confusable_key): P024101358 printed or
    # read is the book's PO24101358 when no other order shares the key.
    order_numbers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    order_key: Callable[[str], str | None] | None = None
    # The same numbers by the key of what follows their letter prefix: a PO- or CG- read as a
    # Chinese character or a speck and dropped (站-2024-052851 read for PO-2024-052851).
    bare_order_numbers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Place names that open company names (杭州, 佛山…), as keys: printed ones are never "put right".
    places: tuple[str, ...] = ()
    # The book's order-number prefixes by the shape of the digits after them (number_shapes.py).
    number_shapes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, customers: Iterable[str | None], product_specs: Iterable[tuple[str | None, str | None]]) -> Lexicon:
        """From customer names and (product, spec) pairs, e.g. the lines of an order book."""
        pairs = [(p, s) for p, s in product_specs if p]
        specs: dict[str, set[str]] = {}
        for product, spec in pairs:
            if spec and (key := name_key(spec)):
                specs.setdefault(name_key(product), set()).add(key)
        return cls(customers=NameList.of(customers),
                   products=NameList.of((p for p, _ in pairs), PRODUCT_EDITS_PER_CHAR),
                   specs={k: frozenset(v) for k, v in specs.items()})

    def __bool__(self) -> bool:
        return bool(self.customers.names or self.products.names or self.vendors.names or self.order_numbers)

    def with_vendors(self, vendors: Iterable[str | None]) -> Lexicon:
        """This lexicon with the vendor names (the companies that issue the documents)."""
        return replace(self, vendors=NameList.of(vendors))

    def with_order_numbers(self, numbers: Iterable[tuple[str | None, str]], key: Callable[[str], str | None]) -> Lexicon:
        """This lexicon with order numbers: (look-alike key, number) pairs and the key function."""
        numbers = list(numbers)
        by_key: dict[str, set[str]] = {}
        by_bare_key: dict[str, set[str]] = {}
        for number_key, number in numbers:
            if number_key:
                by_key.setdefault(number_key, set()).add(number)
            if (bare := _after_letter_prefix(number)) and (bare_key := key(bare)):
                by_bare_key.setdefault(bare_key, set()).add(number)
        return replace(self, order_numbers={k: tuple(sorted(v)) for k, v in by_key.items()}, order_key=key,
                       bare_order_numbers={k: tuple(sorted(v)) for k, v in by_bare_key.items()},
                       number_shapes=number_shapes(number for _, number in numbers))

    def with_places(self, places: Iterable[str]) -> Lexicon:
        keys = {name_key(p) for p in places}
        # Longest first, so 台中市 is not taken for 台中 and then a misread 市.
        return replace(self, places=tuple(sorted(filter(None, keys), key=len, reverse=True)))

    def known_order_number(self, text: str | None) -> str | None:
        """The one book order number `text` reads as once look-alike characters are folded."""
        if not text or self.order_key is None:
            return None
        key = self.order_key(text) or ""
        found = self.order_numbers.get(key, ())
        if not found and _STARTS_WITH_DIGIT.match(unicodedata.normalize("NFKC", text)) and len(key) >= MIN_BARE_NUMBER:
            # Digits alone where the book's number has a letter prefix: the prefix was lost, when
            # only one of the book's numbers ends so.
            found = self.bare_order_numbers.get(key, ())
        return found[0] if len(found) == 1 else None

    def snap_by_spec(self, text: str | None, spec: str | None) -> tuple[str, float] | None:
        """(known product, similarity) for a name misread past snapping alone (电约 for 电缆: too short
        to snap, where 电线 is goods too; 能胀媒丝 for 膨胀螺丝: two of four characters) that the line's
        spec vouches for: the spec printed beside it (YJV 3×4) is one the book lists for exactly one
        known name that keeps at least half the characters read."""
        key, spec_key = name_key(text or ""), _size_key(spec or "")
        if not key or not spec_key or key in self.products.names:
            return None
        fits = [
            (distance, known)
            for known in self._products_by_size.get(spec_key, ())
            if abs(len(known) - len(key)) <= 1
            and (distance := Levenshtein.distance(key, known)) <= max(1, len(known) // 2)
        ]
        if len(fits) != 1:
            return None
        distance, known = fits[0]
        return in_script_of(text or "", self.products.names[known]), 1.0 - distance / max(len(key), len(known))

    @cached_property
    def _products_by_size(self) -> dict[str, tuple[str, ...]]:
        """Known product keys by the size key of each spec the book lists for them: built once per
        lexicon, not per line read."""
        by_size: dict[str, list[str]] = {}
        for product, specs in self.specs.items():
            for size in {_size_key(spec) for spec in specs}:
                by_size.setdefault(size, []).append(product)
        return {size: tuple(products) for size, products in by_size.items()}

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
        if _SIZE_OR_MODEL.search(rest) or any(_opens_with(rest_key, k) for k in known):
            return split
        return None


def _size_key(spec: str) -> str:
    """A spec's key with its times sign dropped however it was read (3×4, 3X4, 3x4, 3*4)."""
    return _TIMES.sub("", name_key(spec))


def _after_letter_prefix(number: str) -> str | None:
    """What follows an order number's letter prefix (2024-052851 of PO-2024-052851), or None when
    it has none or too little follows for a lost prefix to be told apart."""
    folded = unicodedata.normalize("NFKC", number)
    if not (prefix := _LETTER_PREFIX.match(folded)):
        return None
    rest = folded[prefix.end():]
    return rest if sum(ch.isalnum() for ch in rest) >= MIN_BARE_NUMBER else None


def _opens_with(rest_key: str, spec_key: str) -> bool:
    """Whether the rest of a cell starts with a known spec, or is the start of one, a character
    misread allowed in a spec of three or more (尼老涂胶 for 尼龙涂胶)."""
    if rest_key.startswith(spec_key) or spec_key.startswith(rest_key):
        return True
    head = rest_key[: len(spec_key)]
    return len(head) == len(spec_key) and Levenshtein.distance(head, spec_key) <= edits_allowed(spec_key)


def _longer_than(read: str, known: str) -> bool:
    read_key, known_key = name_key(read), name_key(known)
    return len(read_key) > len(known_key) and read_key.startswith(known_key)


def apply_lexicon(document: ExtractedDocument, lexicon: Lexicon) -> ExtractedDocument:
    """Snap the customer, the vendor and each item's product to the known spelling they were
    misread from; split a known product name from the spec glued to it when the form had one
    column for both; write the order number as the book does when it reads as exactly one of the
    book's numbers.

    Changes `document` in place (and returns it); a snapped field's confidence becomes at least
    the similarity to the known name, and the text as read goes into `readings`.
    """
    known = lexicon.known_order_number(document.order_no)
    if not known and lexicon.order_key is not None:
        known = prefix_put_back(document.order_no, lexicon.number_shapes, lexicon.order_key)
    if known and document.order_no and known != document.order_no:
        document.readings["order_no"] = document.order_no
        document.order_no = known
    _snap_company(document, "customer", lexicon.customers, lexicon.places)
    _snap_company(document, "vendor", lexicon.vendors, lexicon.places)
    traditional_page = _mostly_traditional(document.text)
    for index, item in enumerate(document.items):
        if snapped := lexicon.products.snap(item.product) or lexicon.snap_by_spec(item.product, item.spec):
            document.readings[f"items.{index}.product"] = item.product
            item.product = _in_page_script(snapped[0], traditional_page)
            item.confidence = max(item.confidence, snapped[1])
        elif split := lexicon.split_product(item.product):
            document.readings[f"items.{index}.product"] = item.product
            # What followed the name in the cell opens the spec (劳保手套尼龙涂胶 L → 尼龙涂胶 L).
            item.product, item.spec = split[0], " ".join(filter(None, (split[1], item.spec))) or None
    return document


def _snap_company(document: ExtractedDocument, name: str, known: NameList, places: tuple[str, ...]) -> None:
    """The customer or vendor field snapped to the one known name it was misread from, or a known
    name misread inside a longer print put right there."""
    read: str | None = getattr(document, name)
    if not read:
        return
    snapped = known.snap(read, places, firm=True)
    whole = True
    # A printed name that is the book's name and more (Wing Fung Engineering Ltd. for the book's
    # Wing Fung Engineering) is read right: the book abbreviates, and the print stays.
    if not snapped or _longer_than(read, snapped[0]):
        snapped, whole = known.repair_inside(read, places), False
        # Put right where it holds a known name, the reading may now be within a slip of a known
        # full name (詢雄恆達水電工神行: 高雄恆達 put right, then 工神行 is the book's 工程行 misread).
        if snapped and (again := known.snap(snapped[0], places, firm=True)) and not _longer_than(snapped[0], again[0]):
            snapped, whole = (again[0], min(snapped[1], again[1])), True
    if snapped:
        document.readings[name] = read
        setattr(document, name, snapped[0])
        if whole:
            # Only a name that is all a known one's is as sure as its likeness to it: put right
            # inside, the rest of it (漂圳 of 漂圳宏发机让设备商行) is as doubtful as it was read.
            document.confidence[name] = max(document.confidence.get(name, 0.0), snapped[1])
