"""Customer names: split into city and core, compared with rapidfuzz, keyed for lookups.

The book writes 上海恒达五金贸易有限公司 in full or as 恒达五金; 杭州恒达五金… is another firm.
So a name is reduced to (city, core): legal forms and business-type words dropped from the end,
a leading city (and district) split off. Two names with different cities never match; otherwise
an abbreviation (in-order subsequence with the same first characters) or a close fuzzy ratio does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from docintel.match.config import match_config

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_GENERIC_CITY = re.compile(r"^([\u3400-\u9fff]{2})市")
# A full name read with a glyph split in two or a stray mark is at most this much longer.
_FULL_NAME_SLACK = 2


@dataclass(frozen=True, slots=True)
class CustomerName:
    city: str | None
    core: str


@lru_cache(maxsize=65536)
def parse_customer(name: str | None) -> CustomerName | None:
    if not name:
        return None
    cfg = match_config()
    words = _WORD.findall(unicodedata.normalize("NFKC", name).casefold())
    while len(words) > 1 and words[-1] in cfg.latin_suffixes:
        words.pop()
    text = "".join(words)
    city = None
    for candidate in cfg.cities:
        if text.startswith(candidate) and len(text) > len(candidate) + 1:
            city = candidate
            text = text[len(candidate) :]
            break
    if city is None and (m := _GENERIC_CITY.match(text)) and len(text) > 4:
        city = m.group(1)
        text = text[3:]
    if city is not None:
        text = text.lstrip("市")  # OCR doubles it as often as not: 温州市市中泰
        # A district of up to three characters right after the city: 南海区, 浦东新区.
        for size in (2, 3, 4):
            if len(text) > size + 1 and text[size] in cfg.district_markers:
                text = text[size + 1 :]
                break
    stripped = True
    while stripped:
        stripped = False
        for suffix in cfg.suffixes:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                stripped = True
                break
    city = _fold_city(city)
    return CustomerName(city, text) if text else None


def written_in_full(name: str | None) -> bool:
    """Whether a book name is a firm's name in full, its city and its legal form or trade both
    there (温州华盛电气设备商行; not 温州华盛电气, not 华盛电气设备商行): what a slip prints. A name in
    Latin letters carries no city: its legal form is enough (Po Kee Engineering Ltd.)."""
    parsed = parse_customer(name)
    if parsed is None or name is None:
        return False
    words = _WORD.findall(unicodedata.normalize("NFKC", name).casefold())
    if name.isascii():
        return len(words) > 1 and words[-1] in match_config().latin_suffixes
    return parsed.city is not None and any("".join(words).endswith(suffix) for suffix in match_config().suffixes)


def other_city(reading: str | None, book_name: str | None) -> bool:
    """Whether `reading` starts with a real city (match vocabulary) and the book's name with another."""
    read, book = parse_customer(reading), parse_customer(book_name)
    if read is None or book is None or read.city is None or book.city is None:
        return False
    return read.city in match_config().cities and _fold_city(read.city) != _fold_city(book.city)


def _fold_city(city: str | None) -> str | None:
    # 桃园/桃園 and 九龙/九龍 are one city; compare on the simplified spelling.
    if city is None:
        return None
    return city.translate(str.maketrans("園龍臺門", "园龙台门"))


def customer_key(name: str | None) -> str | None:
    """Lookup key shared by a full name and its abbreviations: the brand at the start of the core.

    Two CJK characters (恒达 of 上海恒达五金贸易有限公司 and of 恒达五金) or the first two Latin words.
    """
    if not name:
        return None
    parsed = parse_customer(name)
    if parsed is None:
        return None
    if _CJK.match(parsed.core):
        return parsed.core[:2]
    words = _WORD.findall(unicodedata.normalize("NFKC", name).casefold())
    return "".join(words[:2]) or None


def _is_abbreviation(short: str, long: str) -> bool:
    if len(short) < 2 or short[:2] != long[:2]:
        return False
    it = iter(long)
    return all(ch in it for ch in short)


@lru_cache(maxsize=262144)
def customer_similarity(a: str | None, b: str | None) -> float:
    """0..1; 0 when the cities differ, high for an abbreviation of the same firm."""
    pa, pb = parse_customer(a), parse_customer(b)
    if pa is None or pb is None:
        return 0.0
    if pa.city and pb.city and pa.city != pb.city:
        return 0.0
    if pa.core == pb.core:
        return 1.0
    short, long = sorted((pa.core, pb.core), key=len)
    if _is_abbreviation(short, long):
        return match_config().abbreviation_score
    return fuzz.ratio(pa.core, pb.core) / 100.0


def best_customer_similarity(name: str | None, book_names: tuple[str, ...]) -> float:
    return max((customer_similarity(name, n) for n in book_names), default=0.0)


def _misread_city(text: str) -> tuple[str | None, str]:
    """A known city read with one wrong character (无锣 for 无锡), split off like a real one."""
    cfg = match_config()
    for candidate in cfg.cities:
        size = len(candidate)
        if len(text) > size + 1 and Levenshtein.distance(text[:size], candidate) == 1 and text[0] == candidate[0]:
            rest = text[size:].lstrip("市")
            return _fold_city(candidate), rest
    return None, text


def _repair_city(name: CustomerName) -> CustomerName:
    """Put back a city OCR garbled: 无锣密发… had no city; 深吉市瑞丰… got the unknown city 深吉."""
    cfg = match_config()
    if name.city is None:
        city, rest = _misread_city(name.core)
        return CustomerName(city, rest) if city else name
    if name.city not in cfg.cities:
        for candidate in cfg.cities:
            if len(candidate) == len(name.city) and Levenshtein.distance(name.city, candidate) == 1:
                return CustomerName(_fold_city(candidate), name.core)
    return name


def _slips_allowed(length: int) -> int:
    # One misread character in a short name, two in a longer one; a two-character core has no
    # room for a slip (瑞丰 vs 金丰 are simply two firms).
    if length < 3:
        return 0
    return 1 if length <= 5 else 2


def _within_slips(a: str, b: str) -> bool:
    """b (or an abbreviation-length prefix of it) within OCR slips of a, a being the shorter."""
    allowed = _slips_allowed(len(a))
    if allowed == 0:
        return False
    # The shorter name may be the book's abbreviation of the longer (宏发机械 of 宏发机械制造): compare
    # against the prefix of that length, give or take a dropped or inserted character.
    for size in {len(b), len(a) - 1, len(a), len(a) + 1}:
        if 0 < size <= len(b) and Levenshtein.distance(a, b[:size], score_cutoff=allowed) <= allowed:
            return True
    return False


@lru_cache(maxsize=262144)
def ocr_customer_similarity(a: str | None, b: str | None) -> float:
    """customer_similarity that also forgives one or two misread characters (温州珊丰 for 温州瑞丰).

    Only for a document whose order is already established by its number or its items: then a
    name within a slip or two of the book's is the same firm read badly, not another firm. Two
    known, different cities still score 0, and names further apart keep their plain score.
    """
    plain = customer_similarity(a, b)
    cfg = match_config()
    if plain >= cfg.same_customer:
        return plain
    pa, pb = parse_customer(a), parse_customer(b)
    if pa is None or pb is None:
        return plain
    pa, pb = _repair_city(pa), _repair_city(pb)
    if pa.city and pb.city and pa.city != pb.city:
        return plain
    short, long = sorted((pa.core, pb.core), key=len)
    # The brand is the first two characters (customer_key): one of them may be misread, both
    # replaced is another firm of the same trade (鑫源五金贸易 is not 恒达五金贸易).
    if len(short) >= 2 and short[0] != long[0] and short[1] != long[1]:
        return plain
    if _within_slips(short, long):
        return max(plain, cfg.ocr_customer_score)
    return plain


def best_ocr_customer_similarity(name: str | None, book_names: tuple[str, ...]) -> float:
    return max((ocr_customer_similarity(name, n) for n in book_names), default=0.0)


def book_spelling_for(reading: str | None, book_name: str | None) -> str | None:
    """The book's name, when `reading` is that name misread (ocr_customer_similarity forgives it and
    plain similarity does not) and the book writes it in full: with the city the slip prints, and
    about as long as the reading. An abbreviation (德润电气) would lose what the slip prints."""
    cfg = match_config()
    if not reading or not book_name or customer_similarity(reading, book_name) >= cfg.same_customer:
        return None
    if ocr_customer_similarity(reading, book_name) < cfg.same_customer:
        return None
    read, book = parse_customer(reading), parse_customer(book_name)
    if read is None or book is None or (_repair_city(read).city and not book.city):
        return None
    return book_name if len(book_name) + _FULL_NAME_SLACK >= len(reading) else None


def abbreviation_put_in(reading: str | None, book_name: str | None) -> str | None:
    """`reading` with the book's abbreviation written over the stretch of it that is that name
    misread (成都安败苇饰工程有限公司 and the book's 成都宏发装饰: 成都宏发装饰工程有限公司), or None.

    The stretch is the one window of the abbreviation's length that agrees with it in the most
    places, at least half of them; what the slip prints around it (its city, trade, legal form)
    stays as read. Only for a reading in doubt of an order established by its number: characters
    alone cannot tell a name misread from a sister firm printed right."""
    if not reading or not book_name or len(book_name) < 2 or book_name in reading:
        return None
    size = len(book_name)
    agreeing = [(sum(a == b for a, b in zip(reading[i:i + size], book_name)), i) for i in range(len(reading) - size + 1)]
    if not agreeing:
        return None
    best = max(agreeing)
    if 2 * best[0] < size or sum(count == best[0] for count, _ in agreeing) > 1:
        return None
    start = best[1]
    return reading[:start] + book_name + reading[start + size:]
