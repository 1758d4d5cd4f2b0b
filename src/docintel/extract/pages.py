"""What extraction keeps of each page besides its fields: the text, and the page as it was read.

The image is the geometry-corrected page (turned, deskewed, perspective-corrected, resampled), so
the word boxes in ExtractedDocument.sources fall on it: a reviewer clicking a field sees its box on
the scan. It travels as JPEG bytes because extraction runs in worker processes and the archive,
not the worker, decides where files live.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, Field

from docintel.ocr import reading_confidence
from docintel.ocr.records import OcrPage

# Long side of the stored page image: enough to read a receipt on screen and to zoom in on a
# field, about 5x smaller than the 300 dpi page OCR reads.
PAGE_IMAGE_LONG_SIDE = 1800
PAGE_IMAGE_JPEG_QUALITY = 82


class PageRecord(BaseModel):
    index: int  # 0-based, as WordRef.page
    width: int  # the coordinate frame of the word boxes
    height: int
    rotation: int = 0  # degrees the page was turned before reading
    skew_deg: float = 0.0
    source: Literal["tesseract", "text_layer"] = "tesseract"
    text: str = ""
    ocr_confidence: float | None = None
    image_jpeg: bytes = Field(default=b"", repr=False)


def page_image_jpeg(color: np.ndarray, long_side: int = PAGE_IMAGE_LONG_SIDE) -> bytes:
    height, width = color.shape[:2]
    factor = min(1.0, long_side / max(height, width))
    if factor < 1.0:
        color = cv2.resize(color, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", color, [cv2.IMWRITE_JPEG_QUALITY, PAGE_IMAGE_JPEG_QUALITY])
    if not ok:  # OpenCV encodes any uint8 image; a failure here is a bug, not bad input
        raise RuntimeError("could not encode the page image as JPEG")
    return encoded.tobytes()


def page_record(page: OcrPage, text: str, with_image: bool = True) -> PageRecord:
    # None, not 0: a page with nothing read has no reading to be confident about.
    confidence = reading_confidence(page.words) if any(w.text for w in page.words) else None
    width, height = page.size
    return PageRecord(
        index=page.index,
        width=width,
        height=height,
        rotation=page.rotation,
        skew_deg=round(page.skew_deg, 2),
        source=page.source,
        text=text,
        ocr_confidence=round(confidence, 3) if confidence is not None else None,
        image_jpeg=page_image_jpeg(page.color) if with_image else b"",
    )
