"""The fields of the search index and how a Document row fills them.

Text that people search (customer, vendor, products, numbers, the OCR text) is indexed as jieba
words (ranking) and, for Chinese, as character grams (recall when segmentation differs or a
character was misread). Filters and facets use exact fields: the normalised customer, doc type,
status, open flag codes, the order number's confusable key, date and total.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath
from typing import Any

from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from docintel.match.numbers import confusable_key
from docintel.search.analysis import GramTokenizer, WordTokenizer
from docintel.store.models import Document, DocumentStatus, FlagStatus

# Searchable text fields: name -> (its grams twin: None, "pairs" or "skips" (pairs and skip pairs),
# query boost of its words). Chinese is matched by its character pairs in the field, which keeps
# the characters of a word together (恒达五金 must not match 恒 and 达 anywhere and 五金 elsewhere,
# which is what jieba leaves of an unknown name) and finds any part of a text however jieba cut
# it; the jieba words then rank exact words first. Skip pairs (one misread character) only for
# customer and product names, what clerks look for; on the whole OCR text they would cost a
# fifth of the build rate. No field keeps word positions: a block of postings with positions took
# ten times longer to read (85 µs against 9 µs per 128 postings) and a fifth longer to write.
TEXT_FIELDS: dict[str, tuple[str | None, float]] = {
    "customer": ("skips", 3.0),
    "products": ("skips", 2.0),
    "numbers": (None, 3.0),
    "vendor": (None, 1.5),
    "text": ("pairs", 1.0),
}
GRAMS_SUFFIX = "_grams"


class PostingsCodec(W3Codec):
    """whoosh's format with the index's own settings (the segments keep it, so it lives here).

    - 1024 postings a block instead of 128: evaluate.py reads whole blocks, and each costs a fixed
      overhead on top of its postings; read time per posting halved (187 -> 92 ns).
    - No field-length statistics: ranking is evaluate.py's; whoosh otherwise looks every posting's
      field length up while writing (with no lengths kept, one stat() call per posting).
    """

    length_stats = False

    def __init__(self, blocklimit: int = 1024, compression: int = 3, inlinelimit: int = 1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)


def build_schema() -> Schema:
    words = WordTokenizer()
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True, sortable=True),
        "docid": COLUMN(NumericColumn("q")),  # the id again, as a number start-up reads fast
        # When the row was last written (µs since the epoch): start-up compares it with the database.
        # A column only: never searched, so no terms to write.
        "updated": COLUMN(NumericColumn("q")),
        "doc_type": ID(stored=True, sortable=True),
        "status": ID(stored=True),
        "customer_key": ID(stored=True, sortable=True),
        "doc_no": STORED(),
        "order_no": STORED(),
        "order_key": ID(),
        "date": DATETIME(stored=True, sortable=True),
        "total": STORED(),
        "signed": BOOLEAN(),
        "flags": KEYWORD(stored=True, scorable=False),
        "filename": STORED(),
    }
    for name, (grams, _boost) in TEXT_FIELDS.items():
        fields[name] = _unscored(TEXT(analyzer=words, stored=name != "numbers", phrase=False))
        if grams:
            fields[name + GRAMS_SUFFIX] = _unscored(TEXT(analyzer=GramTokenizer(skips=grams == "skips"), phrase=False))
    return Schema(**fields)


def _unscored(field: TEXT) -> TEXT:
    # Ranking is evaluate.py's, not whoosh's: without field lengths to keep, whoosh writes each
    # posting without looking its document's length up (a fifth of the build time).
    field.scorable = False
    return field


def micros(moment: dt.datetime | None) -> int:
    """A timestamp as µs since the epoch; naive values are UTC (SQLite drops the zone)."""
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1_000_000)


def update_stamp(document: Document) -> int:
    """The later of the row's and its flags' updated_at: resolving a flag changes what is indexed."""
    return max([micros(document.updated_at), *(micros(flag.updated_at) for flag in document.flags)])


def _items_text(fields: dict[str, Any]) -> str:
    lines = []
    for item in fields.get("items") or []:
        if isinstance(item, dict):
            lines.append(" ".join(str(item[k]) for k in ("product", "spec") if item.get(k)))
    return "\n".join(line for line in lines if line)


def document_record(document: Document) -> dict[str, Any]:
    """The index fields of one document (its flags must be loaded)."""
    fields = document.fields or {}
    open_flags = sorted({flag.code for flag in document.flags if flag.status == FlagStatus.OPEN})
    text = fields.get("text") or ""
    if document.status == DocumentStatus.FAILED:
        text = "\n".join(t for t in (text, document.error_code, document.error_message) if t)
    filename = PurePosixPath(document.original_filename.replace("\\", "/")).name if document.original_filename else ""
    record: dict[str, Any] = {
        "id": str(document.id),
        "docid": document.id,
        "updated": update_stamp(document),
        "doc_type": document.doc_type or "",
        "status": str(document.status) if document.status else "",
        "customer": document.customer or "",
        "customer_grams": document.customer or "",
        "customer_key": document.customer_norm or "",
        "vendor": document.vendor or "",
        "products": _items_text(fields),
        "products_grams": _items_text(fields),
        "numbers": " ".join(n for n in (document.doc_no, document.order_no, filename) if n),
        "doc_no": document.doc_no,
        "order_no": document.order_no,
        "order_key": confusable_key(document.order_no) or "",
        "total": document.total,
        "flags": " ".join(open_flags),
        "filename": filename,
        "text": text,
        "text_grams": text,
    }
    if document.doc_date is not None:
        record["date"] = dt.datetime.combine(document.doc_date, dt.time())
    if document.signature_present is not None:
        record["signed"] = document.signature_present
    # whoosh refuses None for indexed fields; an absent value is simply not indexed.
    return {key: value for key, value in record.items() if value is not None and value != ""}
