"""Stable error codes for bad input. Codes are part of the public contract (CLI JSON, API)."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    EMPTY_FILE = "EMPTY_FILE"
    UNREADABLE_FILE = "UNREADABLE_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    UNSUPPORTED_TYPE = "UNSUPPORTED_TYPE"
    CORRUPT_IMAGE = "CORRUPT_IMAGE"
    CORRUPT_PDF = "CORRUPT_PDF"
    ENCRYPTED_PDF = "ENCRYPTED_PDF"
    TOO_MANY_PIXELS = "TOO_MANY_PIXELS"
    TOO_MANY_PAGES = "TOO_MANY_PAGES"
    OCR_FAILED = "OCR_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # Archive look-ups
    DOCUMENT_NOT_FOUND = "DOCUMENT_NOT_FOUND"
    AMBIGUOUS_DOCUMENT = "AMBIGUOUS_DOCUMENT"
    # Order-book import
    MISSING_COLUMNS = "MISSING_COLUMNS"
    CORRUPT_SPREADSHEET = "CORRUPT_SPREADSHEET"
    # Clerk review
    NOT_CORRECTABLE = "NOT_CORRECTABLE"
    INVALID_CORRECTION = "INVALID_CORRECTION"
    FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
    FLAG_ALREADY_CLOSED = "FLAG_ALREADY_CLOSED"
    DOCUMENT_HAS_HISTORY = "DOCUMENT_HAS_HISTORY"


class DocintelError(Exception):
    """A failure the user can act on: carries a stable code and a readable message."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}
