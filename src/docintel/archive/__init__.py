"""The archive: originals stored by hash, documents persisted with their matches and flags, queried."""

from docintel.archive.ingest import ingest_folder, ingest_paths
from docintel.archive.queries import (
    DocumentLookupError,
    document_details,
    find_document,
    list_flags,
)
from docintel.archive.records import FileOutcome, IngestSummary, Outcome

__all__ = [
    "DocumentLookupError",
    "FileOutcome",
    "IngestSummary",
    "Outcome",
    "document_details",
    "find_document",
    "ingest_folder",
    "ingest_paths",
    "list_flags",
]
