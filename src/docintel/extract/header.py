"""Header fields (customer, numbers, date, totals) from label → value pairs on the page."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from docintel.extract.labels import LabelHit, find_labels, normalize_for_match, opens_field, vocabulary
from docintel.extract.values import (
    close_number_gaps,
    fold_width,
    normalize_spaces,
    parse_amount,
    parse_chinese_amount,
    marks_written_over,
    parse_date,
)
from docintel.extract.values_vocab import CHINESE_DIGITS
from docintel.ocr.layout import SEGMENT_SEPARATOR, Line, Segment, bounding_box, is_cjk, join_words
from docintel.ocr.records import Word

# Document and order numbers: letters, digits and the separators ERPs put in them.
_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*[A-Za-z0-9]")
_LABEL_TAIL = re.compile(r"^[^\s:：]{1,3}\s*[:：]\s*")
_LETTER_ZERO_PREFIX = re.compile(r"^([A-Za-z])0([-_/])")
# A hyphen inside a number that dot-matrix pins or a crossing rule turned into a plus (P0+2024-051890).
_PLUS_FOR_HYPHEN = re.compile(r"(?<=[A-Za-z0-9])\+(?=[A-Za-z0-9])")
# Fuzzy label hits are trusted a little less than exact ones.
_FUZZY_WEIGHT = 0.8
# Values found below the item table (e.g. 签收日期 beside the signature) rank below header ones.
_BELOW_TABLE_WEIGHT = 0.6
# A date found with no label beside it is trusted least.
_UNLABELLED_WEIGHT = 0.5
_DATE_RANGE = re.compile(r"\d\s*(至|到|~|～|to|–|—)\s*\d", re.I)
# A numeric date in the shape of one that did not parse (2024-10-206: a glyph read twice).
_BROKEN_DATE = re.compile(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,3}\s*[-/.月]\s*\d{1,3}")
# A segment that begins with a year and a date's separator is a dateline, whatever follows
# (2024-1]-19, or 2024-0 with the rest lost under a seal).
_DATELINE_START = re.compile(r"^\s*(?:19|20)\d\d\s*[-/.年]")
_TITLE_ZONE = 0.4  # titles sit in the top 40% of the page
_TITLE_HEIGHT = 1.25  # a title's print is this much taller than the page's typical line
_TITLE_MAX_CHARS = 8
_ANYWHERE = ("total", "total_upper")
_MAX_NAME = 60  # English company names run long: "Everbright Hardware & Packaging Co., Ltd."
_STRAY = " :：_-|\"'“”‘’,，;；、`"
_BUYER_MARKS = "购买買"
_SELLER_MARKS = "销售銷"
# Fields whose value is read again from the page when its label is found but the value does not
# parse (ocr/region.py): short machine-printed values, where a second reading can be checked.
REREAD_KEYS = ("date", "order_no")
# Fields whose value, parsed from unsure digits, is read again too (see extract/reread.py for when
# the second reading replaces the first).
DOUBTED_KEYS = ("date", "order_no")
VALUE_WIDTH = 16  # text heights: a date or an order number with the label's colon and spacing
VALUE_REACH = 0.8  # text heights above and below the label's middle
# An order number read again must be the whole reading (a stray mark or two aside), and this long:
# a fragment parsed out of noise (40-4) is not one.
REREAD_ID_SHARE = 0.8
REREAD_ID_MIN = 6
_LABEL_END = ":：.．"
# Each word of a second reading that carries digits must be read at least this confidently.
REREAD_MIN_CONFIDENCE = 0.5
_NUMERAL_ARABIC = re.compile(r"[0-9０-９]")
_NUMERAL_CHINESE = re.compile(f"[{''.join(CHINESE_DIGITS)}十]")
_NUMERAL = re.compile(f"{_NUMERAL_ARABIC.pattern}|{_NUMERAL_CHINESE.pattern}")


def _alternation(words: Sequence[str]) -> str:
    # Longest first, so 企業有限公司 wins over 企業.
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NAMES = vocabulary().names
_NAME_END = re.compile(f"({_alternation(_NAMES['legal_forms'])})", re.I)
# A legal form of four characters or more with one of them misread (有起公司, 谊限公司, 有限珊任公司):
# each such form with any one character free, longest form first.
_MISREAD_LEGAL_FORMS = [
    (re.compile("|".join(re.escape(form[:i]) + "[^\\s\\d]" + re.escape(form[i + 1 :]) for i in range(len(form)))), form)
    for form in sorted(_NAMES["legal_forms"], key=len, reverse=True)
    if len(form) >= 4 and all(is_cjk(c) for c in form)
]
# ...and a form of _NAMES["misread_last"] with its last character misread, where the name ends.
_MISREAD_LAST_CHARACTER = [
    (re.compile(re.escape(form[:-1]) + r"[^\s\d" + re.escape(form[-1]) + r"](?=\s|$)"), form) for form in _NAMES["misread_last"]
]
# A stray mark between two characters of a name (天津新亚五金贸易经营;部): a stain or a cell's rule.
_MARK_INSIDE_NAME = re.compile(r"(?<=[\u3400-\u9fff])[;；'`|‘’]+(?=[\u3400-\u9fff])")
_COMPANY_SUFFIX = re.compile(f"({_alternation(_NAMES['legal_forms'] + _NAMES['other_endings'])})\\s*$", re.I)
_COMPANY_ENDING = re.compile(f"({_alternation(_NAMES['legal_forms'] + _NAMES['other_endings'])})", re.I)
_COLON_IN_NAME = re.compile("[:：]")


@dataclass(frozen=True)
class Candidate:
    key: str
    value: str | float | None  # None: the label is there but its value could not be read
    confidence: float
    words: tuple[Word, ...]
    line: int
    label: str = ""


def _clean_text(raw: str) -> str:
    # Cell borders and stains come out of OCR as stray quotes, commas and bars at the ends;
    # a closing full stop belongs to the name (Co., Ltd.).
    return normalize_spaces(fold_width(raw)).lstrip(_STRAY + ".").rstrip(_STRAY)


def parse_id(raw: str) -> str | None:
    for token in _ID_TOKEN.findall(_PLUS_FOR_HYPHEN.sub("-", fold_width(raw).replace(" ", ""))):
        if len(token) >= 4 and any(ch.isdigit() for ch in token):
            # PO-, SO-: a letter, then 0 before the separator, is the letter O misread.
            return _LETTER_ZERO_PREFIX.sub(lambda m: m.group(1).upper() + "O" + m.group(2), token)
    return None


def parse_name(raw: str) -> str | None:
    # The end of a label read apart from its start (客户 名尔称: …, matched up to 名尔): no name holds a colon.
    text = _LABEL_TAIL.sub("", _clean_text(raw))
    # A name ends where the next label would start; the line may carry more fields.
    text = _MARK_INSIDE_NAME.sub("", re.split(r"\s{2,}", text)[0].strip())
    if len(text) < 2 or len(text) > _MAX_NAME or sum(ch.isdigit() for ch in text) > len(text) / 2:
        return None
    if "。" in text or (any(is_cjk(c) for c in text) and ("," in text or "，" in text)):
        return None  # a sentence (尊敬的客户: 感谢贵公司…), not a company name
    return _cut_after_legal_form(_cut_before_next_field(text))


def _cut_before_next_field(text: str) -> str:
    """The name up to the last company ending (公司, 商行, 厂…) before a colon: no name holds one,
    so what stands there is the next field's label, misread past recognition, run into the
    segment with its value (…有限资主公司目期: 2024年5月25日, 责任 and 日 misread alike)."""
    colon = _COLON_IN_NAME.search(text)
    if colon is None:
        return text
    ends = [m.end() for m in _COMPANY_ENDING.finditer(text, 0, colon.start())]
    return text[: ends[-1]] if ends else text


def _cut_after_legal_form(text: str) -> str:
    """The name up to its legal form, written as the form is where one character of it was misread
    (有起公司, 谊限公司, 有限珊任公司: the commonest words of any company name are no evidence of
    another firm, and a misread one costs its firm a lookup). What follows the form is another field
    run into the segment (a misread 开单日 and its date) unless it names a branch (上海恒达有限公司上海分公司)."""
    found = _legal_form_in(text)
    if found is None:
        return text
    start, end, form = found
    rest = text[end:]
    if rest and not rest[:1].isspace() and not any(ch.isdigit() for ch in rest) and _COMPANY_SUFFIX.search(rest):
        return text
    return text[:start] + form


def _legal_form_in(text: str) -> tuple[int, int, str] | None:
    """(start, end, form as written) of the first legal form in `text`, read right or with one
    character misread, at least two characters into it."""
    if exact := _NAME_END.search(text):
        return exact.start(), exact.end(), exact.group()
    for pattern, form in _MISREAD_LEGAL_FORMS + _MISREAD_LAST_CHARACTER:
        if (misread := pattern.search(text)) and misread.start() >= 2:
            return misread.start(), misread.end(), form
    return None


# A money amount standing on its own: an optional currency mark (tesseract reads ¥ as Y), digits
# with thousands separators and cents, not glued to letters ('neseo5' under a seal is not 5).
_MONEY = re.compile(r"(?<![A-Za-z0-9.])(?:[¥Yy]|RMB|HK\$|\$)?\s?(\d[\d,]*(?:\.\d{1,2})?)(?![A-Za-z0-9])")


def parse_total(raw: str) -> float | None:
    """The total on a 合计 line: its rightmost money amount (quantity sums stand left of it)."""
    # Dot-matrix and photographed print come apart at the decimal point: 14087 .64
    text = close_number_gaps(fold_width(raw))
    numbers = [m.group(1) for m in _MONEY.finditer(text)]
    with_cents = [n for n in numbers if re.search(r"\.\d{2}$", n)]
    for token in reversed(with_cents or numbers):
        value = parse_amount(token)
        if value is not None:
            return value
    return None


def _labelled_date(raw: str) -> str | None:
    """The date a label labels; none where it labels a period (对账期间: 2024-02-01 至 2024-02-29,
    whose label a fuzzy hit took for 对账日期): a statement's own date is printed apart."""
    if _DATE_RANGE.search(fold_width(raw)):
        return None
    return d.isoformat() if (d := parse_date(raw, after_label=True)) else None


PARSERS: dict[str, Callable[[str], str | float | None]] = {
    "customer": parse_name,
    "vendor": parse_name,
    "doc_no": parse_id,
    "order_no": parse_id,
    "date": _labelled_date,
    "total": parse_total,
    "total_upper": lambda raw: (float(v) if (v := parse_chinese_amount(raw)) is not None else None),
}


def _value_after(line: Line, hits: list[LabelHit], k: int, below: Line | None) -> tuple[str, tuple[Word, ...]]:
    """The text a label labels: after it on its line up to the next label, else below it.

    Labels are matched on the whole line, not per segment, because printed labels are often
    letter-spaced (名  称, 日  期) wider than a segment gap.
    """
    text = line.text
    hit = hits[k]
    if hit.key == "total":
        # A totals row spreads its numbers over the item columns: take the rest of the line.
        return text[hit.end :], line.words_in_span(hit.end, len(text))
    stop = hits[k + 1].start if k + 1 < len(hits) else len(text)
    after = text[hit.end : stop]
    if after[:1] in ("(", "（") or (not after and stop < len(text)):
        # 第二联:客户(红) annotates a copy; 客户对账单 is one word. Neither labels a value.
        return "", ()
    raw = after.lstrip(" :：.．_|").rstrip(" :：_|")  # a closing full stop can be the name's (Ltd.)
    if raw:
        return raw, line.words_in_span(hit.end, stop)
    if below is not None:
        left, _, width, _ = bounding_box(line.words_in_span(hit.start, hit.end))
        right = left + width
        for seg in below.segments:
            if seg.x < right + 2 * line.height and seg.x2 > left and not find_labels(seg.text, vocabulary().fields, fuzzy=False):
                return seg.text, seg.words
    return "", ()


def _party_key(lines: Sequence[Line], index: int, label_left: float) -> str | None:
    """On VAT invoices 名称 labels both parties; the box's side label (购买方 / 销售方, printed
    vertically, one character per line) says whose name it is. The nearest line with side text
    decides, so the seller's box right under the buyer's is not read as the buyer's."""
    for offset in (0, 1, -1, 2, -2):
        if not 0 <= index + offset < len(lines):
            continue
        side = "".join(seg.text for seg in lines[index + offset].segments if seg.x2 <= label_left)
        if any(ch in side for ch in _BUYER_MARKS):
            return "customer"
        if any(ch in side for ch in _SELLER_MARKS):
            return "vendor"
    return None


@dataclass(frozen=True)
class UnreadValue:
    """A label whose value did not parse, and the region where its value should stand."""

    key: str
    line: int
    label: str
    weight: float  # what a value read here would be weighted by (fuzzy label, below the table)
    region: tuple[int, int, int, int]  # x, y, w, h in the page's coordinates
    text_height: float
    # The value that did parse but from digits read unsurely (10月1日 from a 1 read at 0.09 where
    # 11 stands): a clear second reading replaces it.
    doubted: str | float | None = None
    # Doubted because its 年/月/日 were read twice (written over a form's printed marks): only a
    # second reading with the same digits and more stands for it (its digits were lost, not changed).
    overwritten: bool = False
    # The value as first read, parsed or not (2024-亿-10: its month read as a Chinese character).
    raw: str = ""


def _value_region(line: Line, hits: list[LabelHit], k: int) -> tuple[int, int, int, int] | None:
    """Right of the label, up to the next label on its line or VALUE_WIDTH text heights, and
    VALUE_REACH text heights above and below the label's middle: dot-matrix print lands off the
    form's line, on the underline or half a line up."""
    label_words = line.words_in_span(hits[k].start, hits[k].end)
    if not label_words:
        return None
    height = line.height
    left = max(w.x2 for w in label_words)
    # The label's colon is not the value's: a crop that starts with it is read as a longer line.
    for word in line.words:
        if word.box[0] >= left - 1 and word.text.strip(_LABEL_END) == "" and word.box[0] - left < height:
            left = word.x2
    middle = statistics.fmean(w.cy for w in label_words)
    right = left + int(VALUE_WIDTH * height)
    if k + 1 < len(hits) and (next_words := line.words_in_span(hits[k + 1].start, hits[k + 1].end)):
        right = min(right, min(w.box[0] for w in next_words))
    top = int(middle - VALUE_REACH * height)
    return (left, top, right - left, int(2 * VALUE_REACH * height)) if right > left else None


def label_candidates(
    lines: Sequence[Line], table_span: tuple[int, int] | None, unread: list[UnreadValue] | None = None
) -> list[Candidate]:
    """Label → value candidates. Labels of REREAD_KEYS whose value did not parse go to `unread`,
    with the region to read again."""
    vocab = vocabulary()
    # Titles are matched too, only so that they consume their text: 客户对账单 holds no 客户 label.
    group = {**vocab.fields, **vocab.titles}
    out: list[Candidate] = []
    for index, line in enumerate(lines):
        if table_span and table_span[0] <= index < table_span[1]:
            continue
        below = lines[index + 1] if index + 1 < len(lines) else None
        hits = find_labels(line.text, group)
        if any(h.key == "copy_legend" for h in hits):
            continue
        for k, hit in enumerate(hits):
            # 本期合计 and 价税合计 end in their label: totals are recognised anywhere on a line.
            if hit.key not in _ANYWHERE and not opens_field(line.text, hit, hits[k - 1] if k else None):
                continue
            key = hit.key
            if key == "party_name":
                label_words = line.words_in_span(hit.start, hit.end)
                key = _party_key(lines, index, min(w.box[0] for w in label_words)) if label_words else None
                if key is None and label_words and table_span:
                    # The side label unread (镶 for 销): a VAT invoice's form is the state's, the
                    # buyer's box above the goods and the seller's below them.
                    key = "customer" if index < table_span[0] else "vendor"
            parser = PARSERS.get(key) if key else None
            if parser is None:
                continue
            raw, words = _value_after(line, hits, k, below)
            value = parser(raw) if raw else None
            weight = _FUZZY_WEIGHT if hit.fuzzy else 1.0
            if table_span and index >= table_span[1] and key not in ("total", "total_upper"):
                weight *= _BELOW_TABLE_WEIGHT
            unsure = key in DOUBTED_KEYS and value is not None and unsure_digits(words)
            overwritten = key == "date" and value is not None and marks_written_over(raw)
            if unread is not None and key in REREAD_KEYS and (value is None or unsure or overwritten):
                if region := _value_region(line, hits, k):
                    unread.append(UnreadValue(key, index, hit.label, weight, region, line.height, value,
                                              overwritten and not unsure, raw))
            if value is None and key not in _ANYWHERE:
                continue
            word_conf = statistics.fmean(w.confidence for w in words) if words else 0.5
            out.append(Candidate(key, value, round(weight * word_conf, 3), words, index, hit.label))
    return out


def _datelines(lines: Sequence[Line], table_span: tuple[int, int] | None) -> Iterator[tuple[int, Line, Segment]]:
    """Segments outside the table, in reading order, that are not a period (对账期间: 2024-08-01 至
    2024-08-31 is a period, not the document's date)."""
    for index, line in enumerate(lines):
        if table_span and table_span[0] <= index < table_span[1]:
            continue
        for segment in line.segments:
            if not _DATE_RANGE.search(fold_width(segment.text)):
                yield index, line, segment


def unlabelled_date(lines: Sequence[Line], table_span: tuple[int, int] | None) -> Candidate | None:
    """A date printed without a label (a letter's dateline): the first one outside the table."""
    for index, _, segment in _datelines(lines, table_span):
        found = parse_date(segment.text)
        if found is not None:
            return Candidate("date", found.isoformat(), _UNLABELLED_WEIGHT * segment.confidence, segment.words, index)
    return None


def unlabelled_broken_date(lines: Sequence[Line], table_span: tuple[int, int] | None) -> UnreadValue | None:
    """The first dateline outside the table that has a date's shape, or begins as a date does, but
    did not parse (a letter's 2024-10-26 read 2024-10-206), as a value to read again from its region."""
    for index, line, segment in _datelines(lines, table_span):
        text = fold_width(segment.text)
        if not (_BROKEN_DATE.search(text) or _DATELINE_START.match(text)) or parse_date(segment.text) is not None:
            continue
        x, y, w, h = bounding_box([w for w in segment.words if any(c.isdigit() for c in w.text)])
        region = (max(0, x - h // 2), max(0, y - h // 2), w + h, 2 * h)
        return UnreadValue("date", index, "", _UNLABELLED_WEIGHT, region, line.height)
    return None


def best(candidates: Sequence[Candidate], key: str) -> Candidate | None:
    """The most confident readable candidate for a field; on a tie, the first in reading order.
    Totals rank by how specific their label is first (价税合计 before 合计)."""
    pool = [c for c in candidates if c.key == key and c.value is not None]
    if not pool:
        return None
    if key == "total":
        order = vocabulary().fields["total"]
        return min(pool, key=lambda c: (order.index(c.label) if c.label in order else len(order), -c.confidence, c.line))
    return max(pool, key=lambda c: (c.confidence, -c.line))


def unsure_digits(words: Sequence[Word]) -> bool:
    """Some word carrying a value's digits was read below REREAD_MIN_CONFIDENCE."""
    return any(w.confidence < REREAD_MIN_CONFIDENCE for w in words if _NUMERAL.search(w.text))


def parse_reread(key: str, words: Sequence[Word], unsure: bool = False) -> str | float | None:
    """A value read again from its region alone, kept only when it has the field's expected
    shape: every word carrying its digits read confidently (unless `unsure` is allowed), a date in
    one kind of numeral, an order number the whole reading. A second chance is taken only on a
    clear reading."""
    if not words or (unsure_digits(words) and not unsure):
        return None
    raw = join_words(words)
    value = PARSERS[key](raw)
    if key == "date" and _NUMERAL_ARABIC.search(raw) and _NUMERAL_CHINESE.search(raw):
        return None  # 2024年1月六日: a printed date mixes no numerals; one digit was misread
    if key == "order_no" and isinstance(value, str):
        compact = re.sub(r"\s", "", fold_width(raw))
        if len(value) < REREAD_ID_MIN or len(value) < REREAD_ID_SHARE * len(compact):
            return None
    return value


def label_seen(candidates: Sequence[Candidate], key: str) -> bool:
    return any(c.key == key for c in candidates)


@dataclass(frozen=True)
class Title:
    doc_type: str
    line: int
    vendor: str | None
    words: tuple[Word, ...]


def find_title(lines: Sequence[Line], page_height: int) -> Title | None:
    """The form's title: a type word (签收单, 出库单, Delivery Note…) in a tall line near the top.

    Field labels are matched in the same pass so that 送货单号 is read as a label, not a title.
    """
    vocab = vocabulary()
    group = {**vocab.fields, **vocab.titles}
    found: list[tuple[float, int, LabelHit, Line]] = []
    for index, line in enumerate(lines):
        if line.cy > page_height * _TITLE_ZONE:
            break
        # Titles are printed large and letter-spaced: one misread character is allowed (签收和单).
        for hit in find_labels(line.text, group):
            if hit.key in vocab.titles:
                found.append((line.height, -index, hit, line))
    if not found:
        return _title_by_shape(lines, page_height)
    _, neg_index, hit, line = max(found, key=lambda f: (f[0], f[1]))
    prefix = parse_name(line.text[: hit.start])
    vendor = prefix if prefix and _COMPANY_SUFFIX.search(prefix) else None
    return Title(hit.key, -neg_index, vendor, line.words)


def _title_by_shape(lines: Sequence[Line], page_height: int) -> Title | None:
    """A line that looks like a title (large print, a few characters, near the top) and reads as
    a title word with one character wrong: 自收單 for 簽收單. Short titles get no fuzzy match
    elsewhere, because in running text one wrong character in three is too loose."""
    top = [line for line in lines if line.cy <= page_height * _TITLE_ZONE]
    if not top:
        return None
    typical = statistics.median(line.height for line in top)
    best_title: tuple[int, str, Line] | None = None
    for line in top:
        text = normalize_for_match(line.text)[0]
        if line.height < _TITLE_HEIGHT * typical or not 3 <= len(text) <= _TITLE_MAX_CHARS:
            continue
        for doc_type, titles in vocabulary().titles.items():
            for title in titles:
                wanted = normalize_for_match(title)[0]
                if len(wanted) >= 3 and Levenshtein.distance(text, wanted) <= 1:
                    if best_title is None or line.height > best_title[2].height:
                        best_title = (lines.index(line), doc_type, line)
    if best_title is None:
        return None
    index, doc_type, line = best_title
    return Title(doc_type, index, None, line.words)


def company_lines(lines: Sequence[Line], page_height: int) -> list[tuple[int, str]]:
    """Company names standing on their own above the form's first field: the issuer's header.

    A letter-spaced header (佛山市南海区金利达包装 材料厂) falls into several segments, so the
    line is read whole; the first line that carries a field label ends the search (the buyer's
    名称 on an invoice is below it)."""
    vocab = vocabulary()
    group = {**vocab.fields, **vocab.titles}
    out = []
    for index, line in enumerate(lines):
        if line.cy > page_height * _TITLE_ZONE:
            break
        hits = find_labels(line.text, group, fuzzy=False)
        if any(h.key in vocab.fields for h in hits):
            break
        text = line.text[: hits[0].start] if hits else line.text  # drop a title after the name
        joined = text if not any(is_cjk(c) for c in text) else text.replace(SEGMENT_SEPARATOR, "")
        name = parse_name(joined)
        if name and _COMPANY_SUFFIX.search(name):
            out.append((index, name))
    return out
