"""Header values read a second time from their region of the page (ocr.read_page_region).

A date or order number whose label was read but whose value did not parse, or parsed from unsure
digits, is read again; so is a serial document number, by the English model.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import replace

from docintel.extract.header import REREAD_MIN_CONFIDENCE, Candidate, UnreadValue, parse_reread
from docintel.extract.values import digits_dropped_from, fold_width, parse_month_day
from docintel.extract.values_vocab import ROC_YEAR_OFFSET
from docintel.ocr import REREAD_LOOKS, RegionLook, read_page_region, region_readings
from docintel.ocr.layout import bounding_box, join_words
from docintel.ocr.records import OcrPage, Word

# The key of a date whose month and day were read but not its year: kept as read, for matching.
YEARLESS_DATE = "date_without_year"
# A value read a second time, from its region alone, is trusted less than one read in place.
_REREAD_WEIGHT = 0.8
# A document number of digits alone, this many or more, is a serial (a numbering machine's, a
# printer's counter).
_SERIAL = re.compile(r"\d{5,}")
_DIGIT_RUN = re.compile(r"\d+")
# What the Chinese models read a numbering machine's dotted zero as.
_DOTTED_ZERO_READS = "69"
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
# A date written with these is read in the page's language: the English model has no glyph for them.
_CHINESE_DATE_MARK = re.compile("[年月日]")


def reread_values(page: OcrPage, candidates: Sequence[Candidate], unread: Sequence[UnreadValue]) -> list[Candidate]:
    """The candidates, with the fields the page shows a label for but whose value did not parse,
    or parsed from unsure digits, read again: the value's region, if need be read other ways
    (REREAD_LOOKS; then, under a seal, with its red erased: ocr.region_readings), the first
    reading that parses clearly (parse_reread) kept, in place of the doubted one. Costs a crop's
    OCR or a few, and only on pages where such a field is missing or in doubt."""
    out = list(candidates)
    for item in unread:
        doubted = [c for c in out if c.key == item.key and c.line == item.line and c.value == item.doubted]
        if item.doubted is None and any(c.key == item.key and c.value is not None for c in out):
            continue
        read: list[tuple[str, tuple[Word, ...]]] = [(item.raw, ())]
        for look, seals_erased in region_readings(page, item.region, _looks(item)):
            words = read_page_region(page, item.region, item.text_height, look, seals_erased=seals_erased)
            read.append((join_words(words), tuple(words)))
            value = parse_reread(item.key, words)
            if value is None and item.key == "date" and item.doubted is None:
                value = parse_reread(item.key, words, unsure=True)
                value = value if value is not None and _keeps_digit_groups(item.raw, str(value)) else None
            if value is not None and _bears_out(item, value):
                confidence = _REREAD_WEIGHT * item.weight * statistics.fmean(w.confidence for w in words)
                if item.doubted is not None:
                    out = [c for c in out if c not in doubted]
                out.append(Candidate(item.key, value, round(confidence, 3), tuple(words), item.line, item.label))
                break
        else:
            if item.key == "date" and item.doubted is None and (yearless := _yearless_date(item, read)):
                out.append(yearless)
    return out


def _looks(item: UnreadValue) -> tuple[RegionLook, ...]:
    """The ways a value is read again, in order. A date in digits and separators alone that no
    look could parse is read last by the English model with its glyphs apart: the Chinese models
    read a dot-matrix month or day between separators as a character (2024-的-02, 2024.功.1) in
    every look, and English reads only digits and separators there (on five sample sets, 5 of 22
    such dates read right, none wrong). Not a date read unsurely: its second reading must bear the
    first out, and English alone reads a different digit there as clearly (2024-10-23 for a
    2024710/29 read right)."""
    if item.key == "date" and item.doubted is None and not _CHINESE_DATE_MARK.search(item.raw):
        return (*REREAD_LOOKS, RegionLook.DIGITS_APART)
    return REREAD_LOOKS


def _yearless_date(item: UnreadValue, read: Sequence[tuple[str, tuple[Word, ...]]]) -> Candidate | None:
    """The first reading of a date that did not parse, as read first or again, that shows its
    month and day (13年6月25日: 民國113年 with its 11 lost), as a YEARLESS_DATE candidate: the
    order a slip is matched to can give it its year (match/repairs.py)."""
    for text, words in read:
        if parse_month_day(text) is not None:
            confidence = statistics.fmean(w.confidence for w in words) if words else 0.0
            return Candidate(YEARLESS_DATE, text, round(_REREAD_WEIGHT * item.weight * confidence, 3), words, item.line, item.label)
    return None


def _bears_out(item: UnreadValue, value: str | float) -> bool:
    """Whether a clear second reading may stand for the value read. An order number must contain
    what was read unsurely (PQ-2024-020718 for -2024-0207, its PO and last digits lost): a clear
    reading of a misshapen hand font that contradicts it (ro101876 for PO24012876) is worse than
    the unsure one, which matching can still find through look-alike characters. A date read
    clearly over doubled marks (2024 年 年6 月 2 日) must have the same digits and more (21 for 2);
    a clear reading of a date read unsurely stands unless it is that reading with digits lost
    (2024-02-01 for a 2024-02-16 whose year was the unsure part: a crop read anew loses a
    handwritten digit more often than the whole page invents one)."""
    if item.doubted is None:
        return True
    if item.key == "date":
        doubted, reread = str(item.doubted), str(value)
        if item.overwritten:
            return _digits_lost_from(doubted, reread)
        return reread == doubted or not _digits_lost_from(reread, doubted)
    if item.key != "order_no":
        return True
    return _NOT_ALNUM.sub("", str(item.doubted)).upper() in _NOT_ALNUM.sub("", str(value)).upper()


def _keeps_digit_groups(first: str, date: str) -> bool:
    """Whether an unsure second reading of a date that did not parse (2024-01-10 at 0.27) is borne
    out by the first: two or more runs of digits in it, each the year (or its ROC year), month or
    day, in that order (2024-亿-10, the month read as a Chinese character). Two readings of the same
    print agreeing on two of three numbers, and the second a date, is a clear enough reading."""
    year, month, day = (int(part) for part in date.split("-"))
    parts = [(year, year - ROC_YEAR_OFFSET), (month,), (day,)]
    groups = [int(g) for g in _DIGIT_RUN.findall(fold_width(first))]
    if len(groups) < 2:
        return False
    at = 0
    for group in groups:
        while at < len(parts) and group not in parts[at]:
            at += 1
        if at == len(parts):
            return False
        at += 1
    return True


def _digits_lost_from(first: str, second: str) -> bool:
    """Whether ISO date `first` is `second` with digits lost: each of its year, month and day
    written out the second's or the second's with digits left out (2024-06-02 of 2024-06-21, not
    of 2024-06-01)."""
    parts = [(str(int(a)), str(int(b))) for a, b in zip(first.split("-"), second.split("-"), strict=True)]
    return all(a == b or digits_dropped_from(a, b) for a, b in parts)


def check_serial_numbers(page: OcrPage, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates, each serial document number's digits read again by the English model with
    the glyphs apart (RegionLook.DIGITS_APART): the Chinese models read a numbering machine's
    dotted zero as 9 or 6 (0976080 → 9976086), confidently, or as two glyphs (90475397 for
    0475397). The second reading is taken when it is one run of digits, each word of it read at
    least REREAD_MIN_CONFIDENCE, and more confidently than the first, or where it only puts back
    zeros the first read as 6 or 9 (_zeros_put_back); it may be shorter (on 307
    serials of four sample sets, 40 first readings wrong that it read right, 19 of them a glyph or
    two shorter, and no right one lost), not longer: English reads a thin zero as 60 at times
    (3730602604 for 37302004). One small English read per page with a serial number."""
    out = list(candidates)
    for index, candidate in enumerate(out):
        if candidate.key != "doc_no" or not isinstance(candidate.value, str) or not _SERIAL.fullmatch(candidate.value):
            continue
        digits = [w for w in candidate.words if _DIGIT_RUN.search(w.text)]
        if not digits:
            continue
        x, y, w, h = bounding_box(digits)
        words = read_page_region(page, (x - h // 2, y - h // 2, w + h, 2 * h), h, RegionLook.DIGITS_APART)
        runs = _DIGIT_RUN.findall("".join(word.text for word in words))
        if len(runs) != 1 or runs[0] == candidate.value or len(runs[0]) > len(candidate.value):
            continue
        confidence = statistics.fmean(word.confidence for word in words)
        first = statistics.fmean(word.confidence for word in digits)
        if min(word.confidence for word in words) >= REREAD_MIN_CONFIDENCE and (confidence > first or _zeros_put_back(candidate.value, runs[0])):
            out[index] = replace(candidate, value=runs[0], words=tuple(words),
                                 confidence=round(min(1.0, candidate.confidence * confidence / max(first, 1e-3)), 3))
    return out


def _zeros_put_back(first: str, second: str) -> bool:
    """Whether `second` is `first` with only dotted zeros put back: as long, and differing only
    where the Chinese models read a 0 as 6 or 9 (6582039 → 0582039). The English reading stands
    there even when read less surely: a 150 dpi page read at x1.2 reads those 6s confidently."""
    return len(first) == len(second) and first != second and all(
        a == b or (a in _DOTTED_ZERO_READS and b == "0") for a, b in zip(first, second, strict=True)
    )
