"""Document rows from extraction results and failures, clipped to what the columns hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docintel.extract import ExtractedDocument
from docintel.ingest.sniff import FileKind, sniff_kind
from docintel.archive.originals import page_image_relative_path
from docintel.store.models import Document, DocumentPage, DocumentStatus

MIME_TYPES = {
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.TIFF: "image/tiff",
    FileKind.BMP: "image/bmp",
    FileKind.WEBP: "image/webp",
    FileKind.PDF: "application/pdf",
}
_SNIFF_BYTES = 4096


def _clip(value: str | None, length: int) -> str | None:
    # OCR can read a whole line into a field; PostgreSQL would refuse the row and stop the run.
    return value[:length] if value is not None else None


def mime_type_of(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            kind = sniff_kind(handle.read(_SNIFF_BYTES))
    except OSError:
        return None
    return MIME_TYPES.get(kind) if kind else None


def _iso_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def apply_extracted(document: Document, extracted: ExtractedDocument) -> Document:
    """Copy an extraction result (or a clerk's correction of one) into the document's columns."""
    document.pages = extracted.pages
    document.doc_type = extracted.doc_type
    document.doc_no = _clip(extracted.doc_no, 128)
    document.order_no = _clip(extracted.order_no, 128)
    document.customer = _clip(extracted.customer, 512)
    document.vendor = _clip(extracted.vendor, 512)
    document.doc_date = _iso_date(extracted.date)
    document.total = extracted.total
    document.signature_present = extracted.signature_present
    document.seal_present = extracted.seal_present
    # The contract's fields plus `sources`, the word boxes each was read from (shown on the scan).
    document.fields = extracted.model_dump(mode="json")
    document.confidences = dict(extracted.confidence)
    if extracted.page_records:  # a clerk's correction carries no pages: the rows read before stay
        # A page already stored is updated in place: a new row for the same page number would be
        # inserted before the old one is deleted, against the unique (document, page) key. This
        # happens whenever matching writes back what it put right.
        stored = {row.page_no: row for row in document.page_records}
        rows = []
        for page in extracted.page_records:
            row = stored.get(page.index + 1) or DocumentPage(page_no=page.index + 1)
            row.width, row.height, row.rotation = page.width, page.height, page.rotation
            row.image_path = str(page_image_relative_path(document.sha256, page.index + 1)) if page.image_jpeg else None
            row.text, row.ocr_confidence = page.text, page.ocr_confidence
            row.from_text_layer = page.source == "text_layer"
            rows.append(row)
        document.page_records = rows
    return document


def document_row(path: Path, sha256: str, size: int) -> Document:
    """A new row for the file at `path`, before it is known whether it can be read."""
    return Document(sha256=sha256, original_filename=_clip(str(path), 1024), size_bytes=size, mime_type=mime_type_of(path))


def extracted_document_row(path: Path, sha256: str, size: int, extracted: ExtractedDocument) -> Document:
    document = document_row(path, sha256, size)
    document.status = DocumentStatus.EXTRACTED
    return apply_extracted(document, extracted)


def apply_failure(document: Document, code: str, message: str) -> Document:
    """Mark a document as unreadable, with the stable error code saying why."""
    document.pages = 0
    document.status = DocumentStatus.FAILED
    document.error_code = _clip(code, 32)
    document.error_message = message
    return document


def failed_document_row(path: Path, sha256: str, size: int, code: str, message: str) -> Document:
    return apply_failure(document_row(path, sha256, size), code, message)
