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

from docintel.match.config import match_config

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_GENERIC_CITY = re.compile(r"^([\u3400-\u9fff]{2})市")


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
