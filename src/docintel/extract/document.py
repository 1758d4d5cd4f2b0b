"""Assemble an ExtractedDocument from OCR pages: header fields, items, marks, cross-checks."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from docintel.extract.codes import decode_codes
from docintel.extract.header import (
    Candidate,
    Title,
    UnreadValue,
    best,
    company_lines,
    find_title,
    label_candidates,
    label_seen,
    unlabelled_broken_date,
    unlabelled_date,
)
from docintel.extract.marks import detect_seals
from docintel.extract.pages import page_record
from docintel.extract.records import ExtractedDocument, LineItem, WordRef
from docintel.extract.reread import YEARLESS_DATE, check_serial_numbers, reread_values
from docintel.extract.reread_cells import reread_unchecked_quantities
from docintel.extract.signoff import NO_SIGNOFF_FIELD_CONFIDENCE, SignoffField, find_signoff
from docintel.extract.table import Column, Table, find_table
from docintel.extract.table_items import extract_items
from docintel.extract.values import normalize_spaces, number_text
from docintel.ocr.layout import SEGMENT_SEPARATOR, Line, group_lines
from docintel.ocr.records import OcrPage, Word

_HEADER_FIELDS = ("doc_no", "order_no", "customer", "vendor", "date")
# Confidence given to a value that was inferred rather than read beside its label.
_INFERRED = 0.5
_TOTAL_DIGIT_EDITS = 2
_LINE_SUM_CONFIDENCE = 0.5


@dataclass
class PageReading:
    index: int
    lines: list[Line]
    title: Title | None
    candidates: list[Candidate]
    items: list[LineItem]
    signoff: list[SignoffField]
    seals: int
    codes: list[str]
    company_names: list[tuple[int, str]] = field(default_factory=list)
    columns: tuple[Column, ...] = ()  # the line-item table's, for a continuation page


def read_page(page: OcrPage, previous_columns: Sequence[Column] = ()) -> PageReading:
    lines = group_lines(page.words)
    table = find_table(lines, previous_columns)
    span = (table.header_line, table.end_line) if table else None
    width, height = page.size
    unread: list[UnreadValue] = []
    candidates = check_serial_numbers(page, reread_values(page, label_candidates(lines, span, unread), unread))
    if not any(c.key == "date" for c in candidates):
        if dated := unlabelled_date(lines, span):
            candidates.append(dated)
        elif broken := unlabelled_broken_date(lines, span):
            candidates = reread_values(page, candidates, [broken])
    return PageReading(
        index=page.index,
        lines=lines,
        title=find_title(lines, height),
        candidates=candidates,
        items=_table_items(page, table) if table else [],
        signoff=find_signoff(page, lines),
        seals=len(page.seal_boxes) if page.seal_boxes is not None else len(detect_seals(page.color)),
        codes=decode_codes(page.color),
        company_names=company_lines(lines, height),
        columns=table.columns if table else tuple(previous_columns),
    )


def _table_items(page: OcrPage, table: Table) -> list[LineItem]:
    items = extract_items(table, page.index)
    reread_unchecked_quantities(page, table.columns, items)
    return items


def _refs(page: int, words: Sequence[Word]) -> list[WordRef]:
    return [WordRef(page=page, box=w.box) for w in words]


def _digits(value: float) -> str:
    return f"{value:.2f}".replace(".", "")


def _reconcile_total(
    label_total: Candidate | None, upper: Candidate | None, items: Sequence[LineItem], label_seen: bool
) -> tuple[float | None, float]:
    """Pick the total, cross-checked against the 大写 amount and the sum of the lines."""
    amounts = [i.amount for i in items if i.amount is not None]
    line_sum = round(sum(amounts), 2) if amounts and len(amounts) == len(items) else None
    printed = label_total.value if label_total else None
    written = upper.value if upper else None

    def agree(a: float | None, b: float | None) -> bool:
        return a is not None and b is not None and abs(a - b) < 0.011

    if printed is not None and (agree(printed, written) or agree(printed, line_sum)):
        return printed, 0.98
    if agree(written, line_sum):
        return written, 0.9  # the digits were misread; two independent readings agree
    if printed is not None and line_sum is not None:
        # A stamp or a signature over the total costs digits (¥24091.89 read as 91.89): a printed
        # total within two digit edits of the lines' sum is that sum misread. A larger difference
        # is kept as printed — a total that does not add up is for the mismatch flags to report.
        if Levenshtein.distance(_digits(printed), _digits(line_sum)) <= _TOTAL_DIGIT_EDITS:
            return line_sum, 0.75
    # A reading nothing confirms is taken, but as sure as its words were read and no surer: a 大写
    # line read as 壶万参什殊佰陆窒山元玖角染分 parses as 0.9.
    if printed is not None:
        return printed, min(0.6, label_total.confidence)
    if written is not None:
        return written, min(0.7, upper.confidence)
    if label_seen and line_sum is not None:
        return line_sum, _LINE_SUM_CONFIDENCE  # a 合计 printed but unreadable (a seal over it): the lines' sum
    return None, 0.0


def _line_text(line: Line) -> str:
    """A line for people and the search index: tesseract's spaces inside Chinese words removed,
    the gaps between a form's columns kept."""
    return SEGMENT_SEPARATOR.join(normalize_spaces(segment.text) for segment in line.segments)


def extract_fields(file: str, pages: Sequence[OcrPage], *, page_images: bool = True) -> ExtractedDocument:
    """The document's fields from its read pages. `page_images=False` leaves the page records
    without their JPEG (a caller that stores no pages: resampling and encoding one is 50 ms)."""
    readings: list[PageReading] = []
    for page in pages:
        readings.append(read_page(page, readings[-1].columns if readings else ()))
    candidates = [c for r in readings for c in r.candidates]
    page_of = {id(c): r.index for r in readings for c in r.candidates}
    doc = ExtractedDocument(file=file, pages=len(pages))
    confidence: dict[str, float] = {}
    sources: dict[str, list[WordRef]] = {}

    for key in _HEADER_FIELDS:
        chosen = best(candidates, key)
        if chosen is not None:
            setattr(doc, key, chosen.value)
            confidence[key] = chosen.confidence
            sources[key] = _refs(page_of[id(chosen)], chosen.words)

    if doc.date is None and (yearless := best(candidates, YEARLESS_DATE)) is not None:
        # Month and day read, the year not (13年6月25日): matching gives it the order's year.
        doc.readings["date"] = str(yearless.value)

    title = next((r.title for r in readings if r.title), None)
    if title is not None:
        doc.doc_type = title.doc_type
        confidence["doc_type"] = 0.9
        sources["doc_type"] = _refs(readings[0].index, title.words)
        if doc.vendor is None and title.vendor:
            doc.vendor, confidence["vendor"] = title.vendor, _INFERRED + 0.3
    else:
        doc.doc_type = "other"
        confidence["doc_type"] = 0.5
    if doc.vendor is None:
        names = [n for r in readings[:1] for _, n in r.company_names if n != doc.customer]
        if names:
            doc.vendor, confidence["vendor"] = names[0], _INFERRED

    doc.items = [item for r in readings for item in r.items]
    if doc.items:
        confidence["items"] = round(statistics.fmean(i.confidence for i in doc.items), 3)
    # Each line's words as well, stored with the fields, so a reviewer is shown the row on the scan.
    sources.update({f"items.{i}": item.sources for i, item in enumerate(doc.items) if item.sources})

    label_total = best(candidates, "total")
    upper = best(candidates, "total_upper")
    doc.total, confidence["total"] = _reconcile_total(label_total, upper, doc.items, label_seen(candidates, "total"))
    if label_total is not None:
        sources["total"] = _refs(page_of[id(label_total)], label_total.words)
        if isinstance(label_total.value, float) and doc.total != label_total.value:
            # The lines' sum was taken for a total read a digit or two off it: which of the two was
            # misread, only the order book can tell (match/repairs.py).
            doc.readings["total"] = number_text(label_total.value)

    signoff = [s for r in readings for s in r.signoff]
    doc.signature_present = any(s.present for s in signoff)
    confidence["signature_present"] = (
        round(max((s.score if s.present else 1 - s.score) for s in signoff), 3) if signoff else NO_SIGNOFF_FIELD_CONFIDENCE
    )
    doc.seal_present = any(r.seals for r in readings)
    confidence["seal_present"] = 0.9
    doc.codes = list(dict.fromkeys(c for r in readings for c in r.codes))

    doc.confidence = {k: round(float(v), 3) for k, v in confidence.items()}
    doc.sources = sources
    page_texts = ["\n".join(_line_text(line) for line in r.lines) for r in readings]
    doc.text = "\n\f\n".join(page_texts)
    doc.page_records = [page_record(page, text, page_images) for page, text in zip(pages, page_texts, strict=True)]
    return doc
