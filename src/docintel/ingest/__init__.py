"""Ingest stage: a file in, decoded pages out (or a DocintelError with a stable code)."""

from docintel.ingest.loader import load_document
from docintel.ingest.records import LoadedDocument, SourcePage, TextLayerWord
from docintel.ingest.sniff import FileKind, sniff_kind

__all__ = ["FileKind", "LoadedDocument", "SourcePage", "TextLayerWord", "load_document", "sniff_kind"]
