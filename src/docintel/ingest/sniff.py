"""Decide what a file is from its first bytes; file names lie (scanners, e-mail, renames)."""

from __future__ import annotations

from enum import StrEnum


class FileKind(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"
    BMP = "bmp"
    WEBP = "webp"
    PDF = "pdf"


# PDF readers accept a header anywhere in the first KiB (some scanners prepend junk).
_PDF_HEADER_WINDOW = 1024


def sniff_kind(head: bytes) -> FileKind | None:
    """The kind of document file `head` (its first bytes, ≥ 1 KiB if available) starts, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return FileKind.TIFF
    if head.startswith(b"BM") and len(head) >= 26:
        return FileKind.BMP
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if b"%PDF-" in head[:_PDF_HEADER_WINDOW]:
        return FileKind.PDF
    return None
