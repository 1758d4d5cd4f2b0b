"""Header fields (customer, numbers, date, totals) from label → value pairs on the page."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docintel.extract.labels import LabelHit, find_labels, vocabulary
from docintel.extract.values import fold_width, normalize_spaces, parse_amount, parse_chinese_amount, parse_date
from docintel.ocr.layout import Line, Segment
from docintel.ocr.records import Word

# Document and order numbers: letters, digits and the separators ERPs put in them.
_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*[A-Za-z0-9]")
_COMPANY_SUFFIX = re.compile(
    r"(有限责任公司|有限公司|股份有限公司|公司|商行|经营部|企業|企业|實業|五金行|建材行|電器行|工程行|厂|廠|"
    r"Co\.?,? ?Ltd\.?|Ltd\.?|Limited|Company|Inc\.?|Corp\.?)\s*$",
    re.I,
)
# Fuzzy label hits are trusted a little less than exact ones.
_FUZZY_WEIGHT = 0.8
# Values found below the item table (e.g. 签收日期 beside the signature) rank below header ones.
_BELOW_TABLE_WEIGHT = 0.6
_TITLE_ZONE = 0.4  # titles sit in the top 40% of the page


@dataclass(frozen=True)
class Candidate:
    key: str
    value: str | float
    confidence: float
    words: tuple[Word, ...]
    line: int


def _clean_text(raw: str) -> str:
    text = normalize_spaces(fold_width(raw)).strip(" :：_-|")
    return text


def parse_id(raw: str) -> str | None:
    for token in _ID_TOKEN.findall(fold_width(raw).replace(" ", "")):
        if len(token) >= 4 and any(ch.isdigit() for ch in token):
            return token
    return None


def parse_name(raw: str) -> str | None:
    text = _clean_text(raw)
    # A name ends where the next label would start; the line may carry more fields.
    text = re.split(r"\s{2,}", text)[0].strip()
    if len(text) < 2 or sum(ch.isdigit() for ch in text) > len(text) / 2:
        return None
    return text


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def parse_total(raw: str) -> float | None:
    """The total on a 合计 line: its rightmost money amount (quantity sums stand left of it)."""
    numbers = _NUMBER.findall(fold_width(raw))
    with_cents = [n for n in numbers if re.search(r"\.\d{2}$", n)]
    for token in reversed(with_cents or numbers):
        value = parse_amount(token)
        if value is not None:
            return value
    return None


PARSERS: dict[str, Callable[[str], str | float | None]] = {
    "customer": parse_name,
    "vendor": parse_name,
    "doc_no": parse_id,
    "order_no": parse_id,
    "date": lambda raw: (d.isoformat() if (d := parse_date(raw)) else None),
    "total": parse_total,
    "total_upper": lambda raw: (float(v) if (v := parse_chinese_amount(raw)) is not None else None),
}


def _value_after(line: Line, seg_index: int, hits: list[LabelHit], k: int, below: Line | None) -> tuple[str, tuple[Word, ...]]:
    """The text a label labels: after it in its segment, else the next segment, else below it."""
    segment = line.segments[seg_index]
    hit = hits[k]
    if hit.key == "total":
        # A totals row spreads its numbers over the item columns: take the rest of the line.
        rest = [segment.text[hit.end :]] + [s.text for s in line.segments[seg_index + 1 :]]
        words = segment.words_in_span(hit.end, len(segment.text)) + tuple(
            w for s in line.segments[seg_index + 1 :] for w in s.words
        )
        return "  ".join(rest), words
    stop = hits[k + 1].start if k + 1 < len(hits) else len(segment.text)
    raw = segment.text[hit.end : stop].strip(" :：.．_|")
    if raw:
        return raw, segment.words_in_span(hit.end, stop)
    if seg_index + 1 < len(line.segments):
        nxt = line.segments[seg_index + 1]
        if not find_labels(nxt.text, vocabulary().fields, fuzzy=False):
            return nxt.text, nxt.words
    if below is not None:
        label_words = segment.words_in_span(hit.start, hit.end)
        left = min(w.box[0] for w in label_words)
        right = max(w.x2 for w in label_words)
        for seg in below.segments:
            if seg.x < right + 2 * line.height and seg.x2 > left and not find_labels(seg.text, vocabulary().fields, fuzzy=False):
                return seg.text, seg.words
    return "", ()


def label_candidates(lines: Sequence[Line], table_span: tuple[int, int] | None) -> list[Candidate]:
    fields = vocabulary().fields
    out: list[Candidate] = []
    for index, line in enumerate(lines):
        if table_span and table_span[0] <= index < table_span[1]:
            continue
        below = lines[index + 1] if index + 1 < len(lines) else None
        for seg_index, segment in enumerate(line.segments):
            hits = find_labels(segment.text, fields)
            for k, hit in enumerate(hits):
                parser = PARSERS.get(hit.key)
                if parser is None:
                    continue
                raw, words = _value_after(line, seg_index, hits, k, below)
                value = parser(raw) if raw else None
                if value is None:
                    continue
                weight = _FUZZY_WEIGHT if hit.fuzzy else 1.0
                if table_span and index >= table_span[1] and hit.key not in ("total", "total_upper"):
                    weight *= _BELOW_TABLE_WEIGHT
                word_conf = statistics.fmean(w.confidence for w in words) if words else 0.5
                out.append(Candidate(hit.key, value, round(weight * word_conf, 3), words, index))
    return out


def best(candidates: Sequence[Candidate], key: str) -> Candidate | None:
    """The most confident candidate for a field; on a tie, the first in reading order."""
    pool = [c for c in candidates if c.key == key]
    if not pool:
        return None
    return max(pool, key=lambda c: (c.confidence, -c.line))


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
        for hit in find_labels(line.text, group, fuzzy=False):
            if hit.key in vocab.titles:
                found.append((line.height, -index, hit, line))
    if not found:
        return None
    _, neg_index, hit, line = max(found, key=lambda f: (f[0], f[1]))
    prefix = parse_name(line.text[: hit.start])
    vendor = prefix if prefix and _COMPANY_SUFFIX.search(prefix) else None
    return Title(hit.key, -neg_index, vendor, line.words)


def company_lines(lines: Sequence[Line], page_height: int) -> list[tuple[int, str]]:
    """Lines near the top that are a company name on their own (the issuing company's header)."""
    out = []
    for index, line in enumerate(lines):
        if line.cy > page_height * _TITLE_ZONE:
            break
        for segment in line.segments:
            name = parse_name(segment.text)
            if name and _COMPANY_SUFFIX.search(name) and not find_labels(segment.text, vocabulary().fields, fuzzy=False):
                out.append((index, name))
    return out
