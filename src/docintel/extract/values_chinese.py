"""Amounts written in Chinese numerals: the 大写 line of a form (壹仟零玖拾壹元伍角整)."""

from __future__ import annotations

import re
from decimal import Decimal

from docintel.extract.values_vocab import (
    CHINESE_DIGITS,
    CHINESE_FEN,
    CHINESE_JIAO,
    CHINESE_SMALL_UNITS,
    CHINESE_WAN,
    CHINESE_WHOLE,
    CHINESE_YI,
    CHINESE_YUAN,
)

_CENT = Decimal("0.01")
_TEN = 10
_AMOUNT_CHARS = (
    "".join(CHINESE_DIGITS)
    + "".join(CHINESE_SMALL_UNITS)
    + "".join(CHINESE_WAN)
    + "".join(CHINESE_YI)
    + "".join(CHINESE_YUAN)
    + CHINESE_JIAO
    + CHINESE_FEN
    + "".join(CHINESE_WHOLE)
)
# Spaces inside are OCR artefacts; anything else (人民币, 大写:, ⊗) ends a run.
_AMOUNT_RUN = re.compile(f"[{_AMOUNT_CHARS}](?:[{_AMOUNT_CHARS}\\s]*[{_AMOUNT_CHARS}])?")
_WHITESPACE = re.compile(r"\s+")
_FRACTION_TAIL = re.compile(f"[{''.join(CHINESE_DIGITS)}]?[{CHINESE_JIAO}{CHINESE_FEN}].*$")


def parse_chinese_amount(text: str) -> Decimal | None:
    """The amount in the longest run of Chinese money numerals in `text`.

    Accepts capitals and lower-case numerals, 圆 for 元, 两 for 2, a leading
    拾 (拾元 = 10), 万/亿 groups and missing 零. Returns None when there is no
    numeral or the units are out of order (an OCR-garbled line is better
    reported as unreadable than misread).
    """
    runs = [_WHITESPACE.sub("", run) for run in _AMOUNT_RUN.findall(text)]
    runs = [run for run in runs if any(char in CHINESE_DIGITS or char in CHINESE_SMALL_UNITS for char in run)]
    if not runs:
        return None
    amount = max(runs, key=len)
    for whole in CHINESE_WHOLE:
        amount = amount.replace(whole, "")
    yuan_at = max((amount.rfind(mark) for mark in CHINESE_YUAN), default=-1)
    if yuan_at >= 0:
        integer_part, fraction_part = amount[:yuan_at], amount[yuan_at + 1 :]
    else:
        integer_part, fraction_part = _split_fraction(amount)
    integer = _parse_integer(integer_part)
    fraction = _parse_fraction(fraction_part)
    if integer is None or fraction is None:
        return None
    return (Decimal(integer) + fraction).quantize(_CENT)


def _split_fraction(amount: str) -> tuple[str, str]:
    """With no 元 (伍角, or OCR lost it), the fraction starts at the first '<digit>角/分'."""
    match = _FRACTION_TAIL.search(amount)
    if match is None:
        return amount, ""
    return amount[: match.start()], match.group()


def _parse_integer(numerals: str) -> int | None:
    total = 0  # whole 亿 groups and 万 groups already closed
    section = 0  # the current group below 万
    digit: int | None = None
    last_small_unit = 10_000
    for char in numerals:
        if char in CHINESE_DIGITS:
            if digit:
                return None  # two digits in a row: a unit was lost
            digit = CHINESE_DIGITS[char]
        elif char in CHINESE_SMALL_UNITS:
            unit = CHINESE_SMALL_UNITS[char]
            if unit >= last_small_unit:
                return None
            if digit is None:
                # 拾元 / 十五 count one ten; a bare 佰/仟 means OCR lost its digit.
                if unit != _TEN:
                    return None
                digit = 1
            section += digit * unit
            digit, last_small_unit = None, unit
        elif char in CHINESE_WAN:
            total += (section + (digit or 0)) * CHINESE_WAN[char]
            section, digit, last_small_unit = 0, None, 10_000
        elif char in CHINESE_YI:
            total = (total + section + (digit or 0)) * CHINESE_YI[char]
            section, digit, last_small_unit = 0, None, 10_000
        else:
            return None  # 角/分 before 元
    return total + section + (digit or 0)


def _parse_fraction(numerals: str) -> Decimal | None:
    jiao = fen = 0
    digit: int | None = None
    for char in numerals:
        if char in CHINESE_DIGITS:
            if digit:
                return None
            digit = CHINESE_DIGITS[char]
        elif char == CHINESE_JIAO and digit is not None:
            jiao, digit = digit, None
        elif char == CHINESE_FEN and digit is not None:
            fen, digit = digit, None
        else:
            return None
    if digit:
        return None  # a digit with its 角/分 lost: which one is unknowable
    return Decimal(jiao) / 10 + Decimal(fen) / 100
