"""Money amounts and quantities written in Arabic digits, with OCR noise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docintel.extract.values_text import fold_width, repair_digits
from docintel.extract.values_vocab import (
    CURRENCY_PREFIXES,
    CURRENCY_SUFFIXES,
    QUANTITY_UNITS,
    TEN_THOUSAND_SUFFIXES,
)

_NUMBER_TOKEN = re.compile(r"[0-9][0-9.,]*")
# OCR likes to put a space next to a separator: "1, 091 .50". A spaced comma
# is only closed up before a thousands group; "12.00, 3" is a list, not 1200.3.
_SPACED_THOUSANDS = re.compile(r"(?<=[0-9])\s*,\s*(?=[0-9]{3}(?![0-9]))")
_SPACED_POINT = re.compile(r"(?<=[0-9])\s*\.\s*(?=[0-9])")
_MINUS_SIGNS = ("-", "−")
_CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

_UNITS_LONGEST_FIRST = sorted(QUANTITY_UNITS, key=len, reverse=True)


@dataclass(frozen=True)
class _NumberMatch:
    value: float
    start: int
    end: int
    marked_as_money: bool


def number_text(value: float) -> str:
    """A quantity or amount as a person writes it: 16684.62, 14, 1.2093. (`:g` keeps six
    significant digits and shows 16684.62 as 16684.6.)"""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def parse_amount(text: str) -> float | None:
    """A money amount: ￥1,091.50, RMB 1091.5, 1091.50元, -12.00, 1.5万元.

    When the text holds several numbers, the first one marked as money
    (currency sign/code before it, 元 after it) wins, else the first number.
    Rounded to 2 decimals; None when there is no number.
    """
    numbers = _numbers_in(_clean(text))
    if not numbers:
        return None
    chosen = next((number for number in numbers if number.marked_as_money), numbers[0])
    return round(chosen.value, 2)


def parse_quantity(text: str) -> tuple[float | None, str | None]:
    """A quantity and its unit: '12箱' → (12.0, '箱'), '2,000 个' → (2000.0, '个')."""
    cleaned = _clean(text)
    numbers = _numbers_in(cleaned)
    if not numbers:
        return None, None
    first = numbers[0]
    return first.value, _unit_at(cleaned[first.end :])


def number_from_token(token: str) -> float | None:
    """Read '1,091.50' / '1091,50' / '12,000' / '1.091.50' as a number.

    '.' is the decimal mark on these forms. The last separator decides: a ','
    followed by exactly three digits groups thousands; any other last
    separator is the decimal point (OCR reads '.' as ',' before the cents).
    Every earlier separator is a thousands mark.
    """
    token = token.strip(".,")
    if not token:
        return None
    last = max(token.rfind("."), token.rfind(","))
    if last < 0:
        return float(token)
    head = token[:last].replace(",", "").replace(".", "")
    tail = token[last + 1 :]
    if token[last] == "," and len(tail) >= 3:
        return float(head + tail)
    return float(f"{head}.{tail}")


def close_number_gaps(text: str) -> str:
    """Rejoin numbers that print gaps split at a separator: "1, 091 .50" → "1,091.50"."""
    return _SPACED_POINT.sub(".", _SPACED_THOUSANDS.sub(",", text))


def _clean(text: str) -> str:
    return close_number_gaps(repair_digits(fold_width(text)))


def _numbers_in(text: str) -> list[_NumberMatch]:
    numbers = []
    for match in _NUMBER_TOKEN.finditer(text):
        after = text[match.end() :].lstrip()
        if after.startswith("%"):
            continue  # a tax rate, not an amount
        value = number_from_token(match.group())
        if value is None:
            continue
        negative, prefixed = _sign_and_currency(text[: match.start()])
        if after.startswith(TEN_THOUSAND_SUFFIXES):
            value *= 10_000
        marked = prefixed or after.startswith(CURRENCY_SUFFIXES)
        numbers.append(_NumberMatch(-value if negative else value, match.start(), match.end(), marked))
    return numbers


def _sign_and_currency(before: str) -> tuple[bool, bool]:
    """Whether the text just before a number holds a minus sign and a currency marker."""
    rest = before.rstrip()
    negative = _ends_with_minus(rest)
    if negative:
        rest = rest[:-1].rstrip()
    currency = next((marker for marker in CURRENCY_PREFIXES if rest.upper().endswith(marker)), None)
    if currency is not None:
        rest = rest[: -len(currency)].rstrip()
        negative = negative or _ends_with_minus(rest)
    return negative, currency is not None


def _ends_with_minus(text: str) -> bool:
    # A '-' right after a digit or letter is a hyphen (2024-03, SO-12), not a sign.
    return text.endswith(_MINUS_SIGNS) and (len(text) == 1 or not text[-2].isalnum())


def _unit_at(rest: str) -> str | None:
    """The unit written right after a quantity, if it is a known one or a lone character."""
    rest = rest.strip()
    if not rest:
        return None
    for unit in _UNITS_LONGEST_FIRST:
        if _unit_matches(rest, unit):
            return unit
    if len(rest) == 1 and _CJK_IDEOGRAPH.fullmatch(rest):
        return rest  # an uncommon unit (樘, 粒 ...) alone in the cell
    return None


def _unit_matches(rest: str, unit: str) -> bool:
    if not unit.isascii():
        return rest.startswith(unit)
    # Latin units must end at a word boundary (so 'm' is not read out of 'mm');
    # single letters match case-sensitively so a stray 'l' is never litres.
    flags = 0 if len(unit) == 1 else re.IGNORECASE
    return re.match(re.escape(unit) + r"(?![A-Za-z0-9])", rest, flags) is not None
