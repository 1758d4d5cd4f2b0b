"""The normalised form of a company name, used as an index key for customer lookups.

Forms and the order book write one customer as "Man Lee Engineering Ltd.", "MAN LEE
ENGINEERING LIMITED" or "Ｍａｎ Ｌｅｅ Engineering"; 上海恒达五金贸易有限公司 also appears as
上海恒达五金贸易有限责任公司. The key folds width and case, drops a trailing legal form, spaces
and punctuation, so these meet on one index value. Abbreviations (恒达五金) and look-alikes are a
matching problem (fuzzy scoring), not an indexing one.
"""

from __future__ import annotations

import re
import unicodedata

# Latin legal forms are whole words ("Co." must not eat the end of "Costco").
LATIN_LEGAL_FORMS = frozenset(
    {"co", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "company", "llc", "gmbh", "plc"}
)
# Chinese legal forms are suffixes of the last run of characters (no spaces in 上海恒达有限公司).
CJK_LEGAL_FORMS: tuple[str, ...] = ("股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "公司")

_WORD = re.compile(r"[^\W_]+")


def normalize_name(name: str | None) -> str | None:
    """Index key of a company name; None for a missing or blank name."""
    if name is None:
        return None
    words = _WORD.findall(unicodedata.normalize("NFKC", name).casefold())
    while len(words) > 1 and words[-1] in LATIN_LEGAL_FORMS:
        words.pop()
    key = "".join(words)
    # Longest first, and only the longest that fits: 有限公司 alone must not lose its 公司.
    suffix = next((s for s in CJK_LEGAL_FORMS if key.endswith(s)), None)
    if suffix is not None and len(key) > len(suffix):
        key = key[: -len(suffix)]
    return key or None
