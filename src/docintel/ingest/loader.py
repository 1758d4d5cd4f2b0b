"""Turn a file into decoded page images, refusing bad input with a stable error code."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence

from docintel.errors import DocintelError, ErrorCode
from docintel.ingest.pdf import load_pdf_pages
from docintel.ingest.records import LoadedDocument, SourcePage
from docintel.ingest.sniff import FileKind, sniff_kind
from docintel.settings import Settings, get_settings

# JFIF writers put 72 (or 1) dpi in files of any real resolution: below this it means "unknown".
_MIN_TRUSTED_DPI = 100


def _read_bytes(path: Path, settings: Settings) -> bytes:
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            raise DocintelError(
                ErrorCode.FILE_TOO_LARGE,
                f"file is {size / 1e6:.1f} MB; the limit is {settings.max_file_bytes / 1e6:.0f} MB",
            )
        data = path.read_bytes()
    except DocintelError:
        raise
    except OSError as exc:
        raise DocintelError(ErrorCode.UNREADABLE_FILE, f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise DocintelError(ErrorCode.EMPTY_FILE, "file is empty (0 bytes)")
    return data


def _dpi_of(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        value = int(round(float(dpi[0])))
    except (TypeError, ValueError, IndexError):
        return None
    return value if value >= _MIN_TRUSTED_DPI else None


def _to_bgr(frame: Image.Image) -> np.ndarray:
    rgb = np.asarray(frame.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _load_raster_pages(path: Path, kind: FileKind, settings: Settings) -> list[SourcePage]:
    try:
        with warnings.catch_warnings():
            # PIL warns (not raises) between MAX_IMAGE_PIXELS and twice that; we check ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
            pages = []
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= settings.max_pages:
                    raise DocintelError(ErrorCode.TOO_MANY_PAGES, f"more than {settings.max_pages} pages")
                width, height = frame.size
                if width * height > settings.max_pixels_per_page:
                    raise DocintelError(
                        ErrorCode.TOO_MANY_PIXELS,
                        f"page {index + 1} is {width}×{height} pixels; the limit is "
                        f"{settings.max_pixels_per_page:,} pixels per page",
                    )
                frame.load()
                # Phone photos carry their rotation in EXIF instead of in the pixels.
                upright = ImageOps.exif_transpose(frame) if index == 0 else frame
                pages.append(SourcePage(index=index, image=_to_bgr(upright), dpi=_dpi_of(frame)))
    except DocintelError:
        raise
    except Image.DecompressionBombError as exc:
        raise DocintelError(ErrorCode.TOO_MANY_PIXELS, f"image is too large to decode safely: {exc}") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DocintelError(ErrorCode.CORRUPT_IMAGE, f"{kind.value.upper()} image is damaged: {exc}") from exc
    if not pages:
        raise DocintelError(ErrorCode.CORRUPT_IMAGE, "image has no pages")
    return pages


def load_document(path: Path, settings: Settings | None = None) -> LoadedDocument:
    """Decode every page of `path`. Raises DocintelError with a stable code for bad input."""
    settings = settings or get_settings()
    path = Path(path)
    if path.is_dir():
        raise DocintelError(ErrorCode.UNREADABLE_FILE, "is a folder, not a file")
    data = _read_bytes(path, settings)
    kind = sniff_kind(data[:2048])
    if kind is None:
        raise DocintelError(
            ErrorCode.UNSUPPORTED_TYPE,
            "not a scan or PDF (supported: JPEG, PNG, TIFF, BMP, WebP, PDF; the type is read from the content)",
        )
    if kind is FileKind.PDF:
        pages = load_pdf_pages(path, settings.pdf_dpi, settings.max_pixels_per_page, settings.max_pages)
    else:
        pages = _load_raster_pages(path, kind, settings)
    return LoadedDocument(
        path=path, kind=kind, sha256=hashlib.sha256(data).hexdigest(), size=len(data), pages=pages
    )
