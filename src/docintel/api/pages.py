"""Pages of an archived original as PNG, full size or as a thumbnail, rendered once and cached.

Rendering decodes the whole original (a PDF is rendered by poppler in one run), so the first
request for any page of a document caches every page in both sizes. The cache lives under
DOCINTEL_HOME/cache/pages/ and can be deleted at any time: it is rebuilt from the originals.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import cv2
import numpy as np

from docintel.errors import DocintelError, ErrorCode
from docintel.ingest import load_document
from docintel.queue import original_path
from docintel.settings import Settings
from docintel.store.models import Document

CACHE_DIR = Path("cache") / "pages"
THUMBNAIL_LONG_SIDE = 320
# Fast, still lossless: these are previews of stored originals, not archival copies.
PNG_COMPRESSION = 3


def cached_page_path(home: Path, sha256: str, page_no: int, thumbnail: bool) -> Path:
    return home / CACHE_DIR / sha256[:2] / sha256 / f"{page_no}{'-thumb' if thumbnail else ''}.png"


def _write(path: Path, image: np.ndarray) -> None:
    ok, encoded = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise RuntimeError("could not encode a page as PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name, then a rename: a concurrent reader never sees half a file. No fsync: a
    # cache file lost in a crash is simply rendered again.
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    temp.write_bytes(encoded.tobytes())
    os.replace(temp, path)


def _thumbnail(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    factor = min(1.0, THUMBNAIL_LONG_SIDE / max(height, width))
    if factor == 1.0:
        return image
    return cv2.resize(image, (max(1, round(width * factor)), max(1, round(height * factor))), interpolation=cv2.INTER_AREA)


def page_png(home: Path, document: Document, page_no: int, thumbnail: bool, settings: Settings) -> Path:
    """The cached PNG of page `page_no` (1-based); DocintelError if the original cannot be rendered."""
    cached = cached_page_path(home, document.sha256, page_no, thumbnail)
    if cached.is_file():
        return cached
    if document.pages and page_no > document.pages:  # known once processed: no rendering to say no
        raise DocintelError(ErrorCode.PAGE_NOT_FOUND, f"document {document.id} has {document.pages} page(s)")
    original = original_path(home, document.sha256, document.original_filename)
    if not original.is_file():
        raise DocintelError(ErrorCode.ORIGINAL_MISSING, f"the original of document {document.id} is not in the archive")
    loaded = load_document(original, settings)  # the limits apply here too: a bomb is refused, not decoded
    if page_no > len(loaded.pages):
        raise DocintelError(ErrorCode.PAGE_NOT_FOUND, f"document {document.id} has {len(loaded.pages)} page(s)")
    for index, page in enumerate(loaded.pages, start=1):
        _write(cached_page_path(home, document.sha256, index, False), page.image)
        _write(cached_page_path(home, document.sha256, index, True), _thumbnail(page.image))
    return cached
