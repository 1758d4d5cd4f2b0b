"""Precision and recall of the flags against the sample generator's ground truth.

Each samples/NNNN_*.json is taken as a perfectly read document; orders.csv is the book. The
documents are processed in file order, and order lines aligned by a signed receipt count as
covered for later receipts, as the database would report them to the caller.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docintel.extract.records import DocumentFields, ExtractedDocument
from docintel.flags.evaluate import FlagRecord, doubt_fields, evaluate_flags
from docintel.match.books import MemoryOrderBook
from docintel.match.matcher import match_to_orders
from docintel.match.repairs import apply_match_repairs
from docintel.match.records import MatchResult, OrderLineView, OrderView
from docintel.orders.importer import OrderInFile, read_order_book
from docintel.orders.lexicon import lexicon_of_orders
from docintel.samples.truth import load_truth


def load_order_book(path: Path | str) -> MemoryOrderBook:
    """An order book file, read by the importer, as an in-memory book (no database needed)."""
    orders, _report = read_order_book(path)
    return memory_order_book(orders)


def memory_order_book(orders: Iterable[OrderInFile]) -> MemoryOrderBook:
    """Orders as the importer read them, as an in-memory book."""
    line_ids = itertools.count(1)
    return MemoryOrderBook(
        [
            OrderView(
                order_no=order.order_no,
                customer=order.customer,
                customer_names=tuple(order.customer_names),
                order_date=order.order_date,
                vendor=order.vendor,
                lines=tuple(
                    OrderLineView(
                        id=next(line_ids),
                        product=row.product,
                        spec=row.spec,
                        unit=row.unit,
                        quantity=row.quantity,
                        unit_price=row.unit_price,
                        line_date=row.order_date or order.order_date,
                    )
                    for row in order.lines
                ),
            )
            for order in orders
        ]
    )


@dataclass
class SampleOutcome:
    file: str
    expected: set[tuple[str, str | None]]
    found: set[tuple[str, str | None]]
    match: MatchResult
    book_order_no: str | None


@dataclass
class FlagScores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    order_correct: int = 0
    order_total: int = 0
    outcomes: list[SampleOutcome] = field(default_factory=list)

    def precision(self, code: str) -> float:
        n = self.tp[code] + self.fp[code]
        return self.tp[code] / n if n else 1.0

    def recall(self, code: str) -> float:
        n = self.tp[code] + self.fn[code]
        return self.tp[code] / n if n else 1.0

    def codes(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))


def truth_as_extracted(fields: DocumentFields) -> ExtractedDocument:
    data = fields.model_dump(include=set(DocumentFields.model_fields))
    return ExtractedDocument.model_validate({**data, "confidence": {}})


def _key(flag: FlagRecord) -> tuple[str, str | None]:
    if flag.code == "LOW_CONFIDENCE":
        return (str(flag.code), flag.details.get("field"))
    return (str(flag.code), flag.product)


_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def comparable(value: object) -> object:
    """A value as a reading is compared with the truth: width, case, spaces and punctuation folded,
    numbers to the cent (here and in benchmarks/accuracy.py)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return round(float(value), 2)
    if isinstance(value, str):
        return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", value)).lower()
    return value


def misread_fields(doc: ExtractedDocument, truth: DocumentFields, names: list[str]) -> set[str]:
    """Which of `names` extraction got wrong; items line by line (product, quantity, unit price,
    amount: a doubt on the items is right when any of them was misread)."""
    def pairs(items) -> list[tuple]:
        return sorted(
            (str(comparable(i.product)), *(comparable(v) or 0.0 for v in (i.quantity, i.unit_price, i.amount))) for i in items
        )

    wrong = set()
    for name in names:
        if name == "items":
            misread = pairs(doc.items) != pairs(truth.items)
        elif name == "codes":
            misread = sorted(doc.codes) != sorted(truth.codes)
        else:
            misread = comparable(getattr(doc, name, None)) != comparable(getattr(truth, name, None))
        if misread:
            wrong.add(name)
    return wrong


def evaluate_samples(
    samples_dir: Path | str,
    codes: set[str] | None = None,
    documents: Mapping[str, ExtractedDocument] | None = None,
) -> FlagScores:
    """Score flag codes (default: those the generator plants) over every sample's ground truth.

    `documents` (file name → what extraction read) scores the whole pipeline instead: flags
    raised on OCR output against the flags planted in the truth.
    """
    samples_dir = Path(samples_dir)
    orders, _report = read_order_book(samples_dir / "orders.csv")
    book, lexicon = memory_order_book(orders), lexicon_of_orders(orders)
    covered: dict[str, set[int]] = defaultdict(set)
    scores = FlagScores()
    for path in sorted(samples_dir.glob("[0-9][0-9][0-9][0-9]_*.json")):
        truth = load_truth(path)
        if documents is not None:
            if truth.file not in documents:
                continue  # not readable: extraction reported it as failed
            doc = documents[truth.file].model_copy(deep=True)
        else:
            doc = truth_as_extracted(truth)
        match = match_to_orders(doc, book)
        # As the archive stores it (archive/matching.py): what matching proved misread put right.
        apply_match_repairs(doc, match, lexicon)
        flags = evaluate_flags(doc, match, covered.get(match.order_no or "", set()))
        if match.order_no and doc.doc_type == "signoff_receipt" and doc.signature_present:
            covered[match.order_no].update(a.order_line_id for a in match.lines if a.item_index is not None and a.order_line_id)
        wanted = codes or {"NO_MATCH", "QTY_MISMATCH", "PRICE_MISMATCH", "ITEM_MISSING", "ITEM_UNEXPECTED", "UNSIGNED",
                           "CUSTOMER_MISMATCH", "DUPLICATE_RECEIPT", "DATE_OUT_OF_RANGE"}
        expected = {(f.code, f.product) for f in truth.expected_flags if f.code in wanted}
        if documents is not None:
            # The generator cannot plant a doubt: a LOW_CONFIDENCE is right when the field it names
            # was in fact misread, and missing when a misread field the match relies on was not doubted.
            # Every field a doubt could be about, confirmed by the book or not: a date misread within
            # the days the book bears out is still a miss.
            judged = [*doubt_fields(doc, match, drop_confirmed=False), "doc_type"]
            expected |= {("LOW_CONFIDENCE", name) for name in misread_fields(doc, truth, judged)
                         if getattr(doc, name, None) not in (None, "", []) or name == "items"}
        # Every flag the evaluator raised counts, so spurious TOTAL_MISMATCH etc. show up as false positives.
        found = {_key(f) for f in flags}
        for k in found & expected:
            scores.tp[k[0]] += 1
        for k in found - expected:
            scores.fp[k[0]] += 1
        for k in expected - found:
            scores.fn[k[0]] += 1
        book_order = truth.meta.get("book_order_no")
        if doc.doc_type in ("signoff_receipt", "sales_slip", "invoice"):
            scores.order_total += 1
            scores.order_correct += match.order_no == book_order
        scores.outcomes.append(SampleOutcome(truth.file, expected, found, match, book_order))
    return scores
