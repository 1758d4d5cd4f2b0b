"""Extraction stage: OCR pages in, an ExtractedDocument (fields, items, marks) out."""

from docintel.extract.document import extract_fields
from docintel.extract.records import DocType, ExtractedDocument, FieldValue, LineItem, WordRef

__all__ = ["DocType", "ExtractedDocument", "FieldValue", "LineItem", "WordRef", "extract_fields"]
