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
    # Document-type classifier models (docintel.classify)
    MODEL_NOT_FOUND = "MODEL_NOT_FOUND"
    MODEL_REJECTED = "MODEL_REJECTED"
    NOT_ENOUGH_LABELS = "NOT_ENOUGH_LABELS"
    # Clerk review
    NOT_CORRECTABLE = "NOT_CORRECTABLE"
    INVALID_CORRECTION = "INVALID_CORRECTION"
    FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
    FLAG_ALREADY_CLOSED = "FLAG_ALREADY_CLOSED"
    DOCUMENT_HAS_HISTORY = "DOCUMENT_HAS_HISTORY"
    # HTTP API (docintel.api)
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    INVALID_REQUEST = "INVALID_REQUEST"
    NO_FILES = "NO_FILES"
    TOO_MANY_FILES = "TOO_MANY_FILES"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    PAGE_NOT_FOUND = "PAGE_NOT_FOUND"
    ORIGINAL_MISSING = "ORIGINAL_MISSING"
    KEY_NAME_TAKEN = "KEY_NAME_TAKEN"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    # Clerk pages and their accounts (docintel.web)
    USER_EXISTS = "USER_EXISTS"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    INVALID_USERNAME = "INVALID_USERNAME"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGIN_RATE_LIMITED = "LOGIN_RATE_LIMITED"
    CSRF_FAILED = "CSRF_FAILED"
    # Full-text search (docintel.search)
    INVALID_QUERY = "INVALID_QUERY"
    QUERY_TOO_LONG = "QUERY_TOO_LONG"
    INDEX_BUSY = "INDEX_BUSY"
    INDEX_UNAVAILABLE = "INDEX_UNAVAILABLE"


class DocintelError(Exception):
    """A failure the user can act on: carries a stable code and a readable message."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}
