"""Finding one date in a line of OCR text, whatever convention the form used."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

from docintel.extract.values_text import fold_width, repair_digits
from docintel.extract.values_vocab import (
    CHINESE_DIGITS,
    DATE_YEAR_MAX,
    DATE_YEAR_MIN,
    MARKED_DIGIT_CONFUSIONS,
    MONTH_NAMES,
    ROC_MARKERS,
    ROC_YEAR_MAX,
    ROC_YEAR_MIN,
    ROC_YEAR_OFFSET,
    YEAR_ZERO_READ_AS,
)

_TEN = "十"
_NUMERAL = "0-9" + "".join(CHINESE_DIGITS) + _TEN
_ROC = "(?P<roc>(?:" + "|".join(ROC_MARKERS) + r")\s*)?"
_MONTH = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_ORDINAL = "(?:st|nd|rd|th)?"
_FILLER = r"[\s\-/.,]*"

# A bracket or bar between a number and 年/月/日 is the mark's own left stroke read apart (1]月).
_MARK_DEBRIS = re.compile(r"(?<=\d)[\]\[|]+(?=\s*[年月日])")
# 2024年3月15日, 113年3月15日, 二〇二四年三月十五日; 日 may be missing or read as 号.
_YEAR_MONTH_DAY_CJK = re.compile(
    rf"{_ROC}(?<![{_NUMERAL}])(?P<y>[{_NUMERAL}]{{2,4}})\s*年\s*(?P<m>[{_NUMERAL}]{{1,3}})\s*月"
    rf"\s*(?P<d>[{_NUMERAL}]{{1,3}})(?![0-9])"
)
# A bracket or bar inside a date's digits (2024-05-]14, 2024-1]1-16, 2024年]月27日): a stray
# stroke of the paper, or a 1 read as one. parse_date tries the date without it, then with 1.
_STROKE_IN_DATE = re.compile(r"(?<=[0-9年月/.\-])\s*[\]\[|]+\s*(?=[0-9月日])")
# 2024/11701 for 2024/11/01: the second slash or point read as a 7 or a 1. Tried only when no
# date reads otherwise, and only where one split of the digits makes a date.
_SECOND_SEP_AS_DIGIT = re.compile(r"(?<![0-9A-Za-z])(?P<y>(?:19|20)[0-9]{2})\s*[/.]\s*(?P<rest>[0-9]{4,5})(?![0-9])")
_SEP_READ_AS = "71"
# 202408.23 and 2024710/29 for 2024-08-23 and 2024/10/29: the first separator lost, or read as a 7
# or a 1. Tried only when no date reads otherwise, and only where one reading of the digits makes a date.
_FIRST_SEP_LOST = re.compile(
    r"(?<![0-9A-Za-z])(?P<y>(?:19|20)[0-9]{2})(?P<rest>[0-9]{2,3})\s*[/.\-]\s*(?P<d>[0-9]{1,2})(?![0-9])"
)
# 2024707730 for 2024/07/30: both separators read as 7s or 1s, the date one run of digits. Tried
# only after a date's label (a run of ten digits elsewhere is a number's more often than a date's),
# where no date reads otherwise, and only where one split of the digits makes a date.
_BOTH_SEPS_AS_DIGITS = re.compile(r"(?<![0-9A-Za-z])(?P<y>(?:19|20)[0-9]{2})(?P<rest>[0-9]{4,6})(?![0-9A-Za-z])")
# A month and day after a year that did not read: after 年 (13年6月25日), or after two to four
# digits and a separator, the separator perhaps read as a 7 or a 1 (2624704/09).
_MONTH_DAY_CJK = re.compile(r"年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})(?![0-9])")
_MONTH_DAY_SEP = re.compile(
    r"(?<![0-9])(?:[0-9]{2,4}\s*[-/.]|[0-9]{3,4}[71])\s*(?P<m>[0-9]{1,2})\s*[-/.]\s*(?P<d>[0-9]{1,2})(?![0-9])"
)
_ANY_LEAP_YEAR = 2024
# 2024.05- -22: a separator read twice or as another one (noise beside a dash). Tried only when no
# date reads otherwise, and only with a four-digit year.
_SEPARATORS_MISREAD = re.compile(
    r"(?<![0-9A-Za-z.])(?P<y>(?:19|20)[0-9]{2})\s*[-/.](?:\s*[-/.])*\s*(?P<m>[0-9]{1,2})"
    r"\s*[-/.](?:\s*[-/.])*\s*(?P<d>[0-9]{1,2})(?![0-9])"
)
# A month or day between the marks with a digit read as a letter (年 了 月, 年G月, 月2i日): a digit
# by its place.
_MARKED_CONFUSABLE = "".join(MARKED_DIGIT_CONFUSIONS)
_MARKED_NUMBER_MISREAD = re.compile(
    rf"(?<=[年月])(\s*)([0-9{_MARKED_CONFUSABLE}]?[{_MARKED_CONFUSABLE}][0-9]?|[0-9][{_MARKED_CONFUSABLE}])(?=\s*[月日])"
)
# A mark read twice (2024 年 年6 月 15 日): a form's printed 年 with the handwritten one over it.
_DOUBLED_MARK = re.compile(r"([年月日])(?:\s*\1)+")
_DAY_MARK_MISREAD = re.compile(r"(月\s*[0-9]{1,2})\s*[Bb曰目](?![0-9A-Za-z])")
# 月 misread as another character (2024 年 8 及 31 日): one character that is no digit between the
# month and the day, with 年 before and 日 after to vouch that it stands for 月.
_MONTH_MARK_MISREAD = re.compile(r"(年\s*[0-9]{1,2})\s*[^\s0-9年月日/\-.](\s*[0-9]{1,2}\s*日)")
# 2024-03-15, 2024/3/15, 2024.3.15, and ROC 113.03.15 / 113/03/15.
_YEAR_MONTH_DAY_SEP = re.compile(
    rf"{_ROC}(?<![0-9.])(?P<y>[0-9]{{2,4}})\s*(?P<sep>[-/.])\s*(?P<m>[0-9]{{1,2}})\s*(?P=sep)\s*"
    r"(?P<d>[0-9]{1,2})(?![0-9])"
)
# 15/03/2024 or 03/15/2024: which is which is decided by value, then by dayfirst.
_A_B_YEAR = re.compile(
    r"(?<![0-9.])(?P<a>[0-9]{1,2})\s*(?P<sep>[-/.])\s*(?P<b>[0-9]{1,2})\s*(?P=sep)\s*"
    r"(?P<y>[0-9]{4})(?![0-9])"
)
# 20240315, only as a token of its own: inside an order number it is not a date.
_COMPACT = re.compile(r"(?<![0-9A-Za-z])(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9A-Za-z])")
# 15 Mar 2024, 15-Mar-2024, 1st March 2024.
_DAY_MONTHNAME_YEAR = re.compile(
    rf"(?<![0-9])(?P<d>[0-9]{{1,2}}){_ORDINAL}{_FILLER}(?P<mname>{_MONTH})\.?(?![A-Za-z])"
    rf"{_FILLER}(?P<y>[0-9]{{4}})(?![0-9])",
    re.IGNORECASE,
)
# Mar 15, 2024 and March 15 2024.
_MONTHNAME_DAY_YEAR = re.compile(
    rf"(?<![A-Za-z])(?P<mname>{_MONTH})\.?(?![A-Za-z]){_FILLER}(?P<d>[0-9]{{1,2}}){_ORDINAL}"
    rf"(?![0-9]){_FILLER}(?P<y>[0-9]{{4}})(?![0-9])",
    re.IGNORECASE,
)


def marks_written_over(text: str) -> bool:
    """Whether a 年, 月 or 日 was read twice: a date written by hand over a form's printed marks,
    whose digits are then often read short (2 for 21)."""
    return _DOUBLED_MARK.search(text) is not None


def parse_date(text: str, dayfirst: bool = True, *, after_label: bool = False) -> dt.date | None:
    """The first valid date written anywhere in `text`, or None.

    Labels around the date are ignored. When several readings start at the
    same place the longest wins (15/03/2024 over a shorter partial match). `after_label`: the
    text is what a date's label labels, so a run of digits may be a date whose separators were
    all misread.
    """
    cleaned = _cleaned(text)
    found = _first_date(cleaned, dayfirst)
    if found is None and _STROKE_IN_DATE.search(cleaned):
        found = _first_date(_STROKE_IN_DATE.sub("", cleaned), dayfirst) or _first_date(
            _STROKE_IN_DATE.sub("1", cleaned), dayfirst
        )
    return (found or _second_separator_lost(cleaned) or _first_separator_lost(cleaned)
            or _first_of(_SEPARATORS_MISREAD, cleaned) or (_both_separators_lost(cleaned) if after_label else None))


def parse_month_day(text: str) -> tuple[int, int] | None:
    """The month and day of a year-first date whose year did not read (13年6月25日 for 民國113年,
    2624704/09 for 2024/04/09), or None. Only matching can give it its year: the order's."""
    cleaned = _cleaned(text)
    for pattern in (_MONTH_DAY_CJK, _MONTH_DAY_SEP):
        for match in pattern.finditer(cleaned):
            month, day = int(match["m"]), int(match["d"])
            if _make_date(_ANY_LEAP_YEAR, month, day, roc_marked=False) is not None:
                return month, day
    return None


def _cleaned(text: str) -> str:
    # 日 right after the day is often read as B, 曰 or 目; left alone, B would be repaired to 8.
    cleaned = _DAY_MARK_MISREAD.sub(r"\1日", _DOUBLED_MARK.sub(r"\1", _MARK_DEBRIS.sub("", fold_width(text))))
    cleaned = _MARKED_NUMBER_MISREAD.sub(
        lambda m: m[1] + "".join(MARKED_DIGIT_CONFUSIONS.get(char, char) for char in m[2]), cleaned
    )
    return repair_digits(_MONTH_MARK_MISREAD.sub(r"\1月\2", cleaned))


def _first_of(pattern: re.Pattern[str], text: str) -> dt.date | None:
    return next((date for match in pattern.finditer(text) if (date := _read_year_month_day(match))), None)


def _second_separator_lost(text: str) -> dt.date | None:
    for match in _SECOND_SEP_AS_DIGIT.finditer(text):
        rest, year = match["rest"], int(match["y"])
        dates = {
            date
            for at in (1, 2)
            if rest[at] in _SEP_READ_AS and len(rest) - at - 1 in (1, 2)
            and (date := _make_date(year, int(rest[:at]), int(rest[at + 1 :]), roc_marked=False)) is not None
        }
        if len(dates) == 1:
            return dates.pop()
    return None


def _first_separator_lost(text: str) -> dt.date | None:
    for match in _FIRST_SEP_LOST.finditer(text):
        rest, year, day = match["rest"], int(match["y"]), int(match["d"])
        months = {rest} if len(rest) == 2 else set()
        if rest[0] in _SEP_READ_AS:
            months.add(rest[1:])
        dates = {date for month in months if (date := _make_date(year, int(month), day, roc_marked=False)) is not None}
        if len(dates) == 1:
            return dates.pop()
    return None


def _both_separators_lost(text: str) -> dt.date | None:
    for match in _BOTH_SEPS_AS_DIGITS.finditer(text):
        rest, year = match["rest"], int(match["y"])
        dates = {
            date
            for second in range(2, len(rest) - 1)
            if rest[0] in _SEP_READ_AS and rest[second] in _SEP_READ_AS
            and second - 1 <= 2 and len(rest) - second - 1 <= 2
            and (date := _make_date(year, int(rest[1:second]), int(rest[second + 1 :]), roc_marked=False)) is not None
        }
        if len(dates) == 1:
            return dates.pop()
    return None


def _first_date(text: str, dayfirst: bool) -> dt.date | None:
    best: tuple[int, int, dt.date] | None = None
    for start, end, date in _candidates(text, dayfirst):
        if best is None or (start, -end) < (best[0], -best[1]):
            best = (start, end, date)
    return best[2] if best else None


def _candidates(text: str, dayfirst: bool) -> Iterator[tuple[int, int, dt.date]]:
    readers: list[tuple[re.Pattern[str], Callable[[re.Match[str]], dt.date | None]]] = [
        (_YEAR_MONTH_DAY_CJK, _read_year_month_day),
        (_YEAR_MONTH_DAY_SEP, _read_year_month_day),
        (_COMPACT, _read_year_month_day),
        (_A_B_YEAR, lambda match: _read_a_b_year(match, dayfirst)),
        (_DAY_MONTHNAME_YEAR, _read_month_name),
        (_MONTHNAME_DAY_YEAR, _read_month_name),
    ]
    for pattern, read in readers:
        for match in pattern.finditer(text):
            date = read(match)
            if date is not None:
                yield match.start(), match.end(), date


def _read_year_month_day(match: re.Match[str]) -> dt.date | None:
    year = _numeral_value(match["y"], positional=True)
    month = _numeral_value(match["m"], positional=False)
    day = _numeral_value(match["d"], positional=False)
    roc_marked = bool(match.groupdict().get("roc"))
    return _make_date(year, month, day, roc_marked)


def _read_a_b_year(match: re.Match[str], dayfirst: bool) -> dt.date | None:
    first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
    if first > 12:
        day, month = first, second
    elif second > 12:
        month, day = first, second
    elif dayfirst:
        day, month = first, second
    else:
        month, day = first, second
    return _make_date(year, month, day, roc_marked=False)


def _read_month_name(match: re.Match[str]) -> dt.date | None:
    month = MONTH_NAMES[match["mname"].lower()]
    return _make_date(int(match["y"]), month, int(match["d"]), roc_marked=False)


def _numeral_value(digits: str, positional: bool) -> int | None:
    """Arabic digits, or Chinese numerals: 二〇二四 (positional) or 二十一 (with 十)."""
    if digits.isascii():
        return int(digits)
    if any(char.isascii() for char in digits):
        return None  # half Arabic, half Chinese: not something a form prints
    if _TEN not in digits:
        if not positional and len(digits) > 1:
            return None
        value = 0
        for char in digits:
            value = value * 10 + CHINESE_DIGITS[char]
        return value
    if positional:
        return None
    tens, _, ones = digits.partition(_TEN)
    if len(tens) > 1 or len(ones) > 1 or _TEN in ones:
        return None
    return (CHINESE_DIGITS[tens] if tens else 1) * 10 + (CHINESE_DIGITS[ones] if ones else 0)


def _make_date(year: int | None, month: int | None, day: int | None, roc_marked: bool) -> dt.date | None:
    if year is None or month is None or day is None:
        return None
    if year < 1000:
        if not (roc_marked or ROC_YEAR_MIN <= year <= ROC_YEAR_MAX):
            return None
        year += ROC_YEAR_OFFSET
    year = _zero_put_back(year)
    if not DATE_YEAR_MIN <= year <= DATE_YEAR_MAX:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _zero_put_back(year: int) -> int:
    """A four-digit year past any a form carries whose second digit is what a 0 is misread as
    (2624, 2924): the year with its 0 put back. No other year is changed."""
    digits = str(year)
    if len(digits) != 4 or year <= DATE_YEAR_MAX or digits[1] not in YEAR_ZERO_READ_AS:
        return year
    return int(digits[0] + "0" + digits[2:])
