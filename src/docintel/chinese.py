"""Traditional → simplified folding, character for character, for comparing and indexing text.

Taiwanese and Hong Kong forms print 簽收單 and 膨脹螺絲 where the order book or a clerk's search
says 签收单 and 膨胀螺丝. OpenCC's character table folds them; phrase conversion is not used,
because a caller keeps offsets into the original text and needs one character out per character in.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
# Simplified variants OpenCC keeps apart but forms use for one word: 對帳單 becomes 对帐单, while
# mainland forms print 对账单.
VARIANTS = {"账": "帐"}


@cache
def _opencc(config: str = "t2s"):
    # Loaded on first use: many commands never fold anything. Two threads racing here would each
    # build a converter and one is kept, which is harmless.
    import opencc

    return opencc.OpenCC(config)


@lru_cache(maxsize=65536)
def _opencc_simplified(char: str) -> str:
    turned = _opencc().convert(char)
    return turned if len(turned) == 1 else char


def simplified_char(char: str) -> str:
    """One character folded for comparing: simplified, and variants made one (账 → 帐)."""
    folded = _opencc_simplified(char)
    return VARIANTS.get(folded, folded)


def to_simplified(text: str) -> str:
    """`text` with traditional characters replaced by their simplified forms; same length."""
    if not _HAN.search(text):
        return text
    return "".join(simplified_char(c) for c in text)


def is_traditional(text: str) -> bool:
    """Whether `text` holds characters written in their traditional form (not counting the
    variants to_simplified folds for comparing: 对账单 is simplified)."""
    return in_simplified(text) != text


def is_simplified(text: str) -> bool:
    """Whether `text` holds characters written in their simplified form (货, 单; not 大, 米, which
    both scripts write alike)."""
    return any(traditional_char(c) != c for c in text if _HAN.match(c))


def in_simplified(text: str) -> str:
    """`text` written in simplified characters, for display: OpenCC's table only, without the
    folding of variants that to_simplified does for comparing (账 stays 账)."""
    if not _HAN.search(text):
        return text
    return "".join(_opencc_simplified(c) for c in text)


@lru_cache(maxsize=4096)
def traditional_char(char: str) -> str:
    """The traditional form of one simplified character, or the character itself when OpenCC's
    choice would not fold back to it (one simplified character can stand for several)."""
    turned = _opencc("s2t").convert(char)
    return turned if len(turned) == 1 and simplified_char(turned) == simplified_char(char) else char
