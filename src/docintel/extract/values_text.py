"""Character-level clean-up of OCR text before values are parsed out of it."""

from __future__ import annotations

import re

from docintel.extract.values_vocab import (
    CJK_CHAR_CLASS,
    CODE_PREFIX_MIN_LETTERS,
    DIGIT_CONFUSIONS,
    FULLWIDTH_FIRST,
    FULLWIDTH_LAST,
    FULLWIDTH_OFFSET,
    IDEOGRAPHIC_SPACE,
    YUAN_SIGN,
    YUAN_SIGN_VARIANTS,
)

_CJK_FULL_STOP_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])。(?=[0-9])")
_WHITESPACE = re.compile(r"\s+")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK_CHAR_CLASS}]) (?=[{CJK_CHAR_CLASS}])")

# A stretch of Latin letters, digits and number punctuation: the unit within
# which a letter may be judged to be a misread digit.
_ALNUM_RUN = re.compile(r"[A-Za-z0-9.,]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_NUMBER_JOINERS = "-/:"


def fold_width(text: str) -> str:
    """Full-width ASCII to half-width, one yuan sign, ideographic space to space.

    CJK characters are left alone; 。 only becomes '.' between two digits,
    because elsewhere it is a genuine sentence stop.
    """
    folded = []
    for char in text:
        code = ord(char)
        if FULLWIDTH_FIRST <= code <= FULLWIDTH_LAST:
            char = chr(code - FULLWIDTH_OFFSET)
        elif char == IDEOGRAPHIC_SPACE:
            char = " "
        elif char in YUAN_SIGN_VARIANTS:
            char = YUAN_SIGN
        folded.append(char)
    return _CJK_FULL_STOP_BETWEEN_DIGITS.sub(".", "".join(folded))


def normalize_spaces(text: str) -> str:
    """Collapse whitespace; drop spaces tesseract put between CJK characters."""
    collapsed = _WHITESPACE.sub(" ", text).strip()
    return _SPACE_BETWEEN_CJK.sub("", collapsed)


def repair_digits(token: str) -> str:
    """Turn letters that OCR read in place of digits back into digits.

    Only runs that contain at least one real digit are touched, and within
    them only letter groups made entirely of confusable letters (O→0, l/I→1,
    S→5, B→8, ...). A leading group of two or more letters is kept as a code
    prefix (SO2O24 → SO2024, No.l5 → No.15) unless it follows "digit-" or
    "digit/" (2024-OO1 → 2024-001); a group mixing in any other letter is a
    word or unit (3.5kg, 12pcs) and is kept too.
    """
    return _ALNUM_RUN.sub(
        lambda match: _repair_run(match.group(), continues_number=_continues_number(token, match.start())),
        token,
    )


def _continues_number(text: str, start: int) -> bool:
    # After "2024-" or "12/" the next letters are more of a number, not a code prefix.
    return start >= 2 and text[start - 1] in _NUMBER_JOINERS and text[start - 2].isdigit()


def _repair_run(run: str, continues_number: bool) -> str:
    if not any(char.isdigit() for char in run):
        return run

    def repair_group(group: re.Match[str]) -> str:
        letters = group.group()
        is_prefix = group.start() == 0 and not continues_number
        if is_prefix and len(letters) >= CODE_PREFIX_MIN_LETTERS:
            return letters
        if all(char in DIGIT_CONFUSIONS for char in letters):
            return "".join(DIGIT_CONFUSIONS[char] for char in letters)
        return letters

    return _LETTERS.sub(repair_group, run)


def digits_dropped_from(short: str, long: str) -> bool:
    """Whether `short` is `long` with characters left out and nothing changed (546.60 of 2546.60,
    2 of 21): what a reading that lost digits looks like."""
    rest = iter(long)
    return len(short) < len(long) and all(char in rest for char in short)
