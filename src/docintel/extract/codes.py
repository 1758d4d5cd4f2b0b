"""QR codes and 1-D barcodes printed on forms (order numbers, tracking links).

Decoding uses zxing-cpp: OpenCV 5.0's `cv2.barcode` could not decode Code-128 at all (not even a clean,
synthetic one) and fails on clean EAN-13 at 3 px/module. The first pass reads the whole page and also
reports codes it located but could not decode; only those get a second pass on an enhanced crop
(upscaled grey, then Otsu-binarised, with both zxing and OpenCV's QR decoder), so a page without
codes costs one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

# 1-D codes are read along rows, so a barcode printed upright on the page (along a margin) is only
# read on the page turned a quarter: zxing's own try_rotate turns the page three times for every
# format and took 70% of the decoding time, where 2-D codes need no turn and 1-D codes need one.
LINEAR_FORMATS = (
    zxingcpp.BarcodeFormat.Code128,
    zxingcpp.BarcodeFormat.Code39,
    zxingcpp.BarcodeFormat.Code93,
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.EAN8,
    zxingcpp.BarcodeFormat.UPCA,
    zxingcpp.BarcodeFormat.ITF,
)
FORMATS = (
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.MicroQRCode,
    *LINEAR_FORMATS,
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.PDF417,
)
# Second pass: crop around an undecoded candidate with this margin (share of its size), upscaled
# until its short side reaches RETRY_MIN_SIDE px.
RETRY_MARGIN = 0.25
RETRY_MIN_SIDE = 400
RETRY_MAX_SCALE = 4.0


@dataclass(frozen=True)
class _Found:
    text: str
    top: int
    left: int


def _corners(result: zxingcpp.Barcode) -> np.ndarray:
    p = result.position
    return np.array([[q.x, q.y] for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], np.float32)


def _results(gray: np.ndarray) -> list[tuple[zxingcpp.Barcode, np.ndarray]]:
    """zxing's results with their corners in `gray`, upright 1-D codes included."""
    found = [(r, _corners(r)) for r in zxingcpp.read_barcodes(gray, formats=FORMATS, return_errors=True, try_rotate=False)]
    turned = np.ascontiguousarray(cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE))
    for result in zxingcpp.read_barcodes(turned, formats=LINEAR_FORMATS, return_errors=True, try_rotate=False):
        # (x, y) in the page turned clockwise is (y, H - 1 - x) in the page.
        corners = _corners(result)
        found.append((result, np.stack([corners[:, 1], gray.shape[0] - 1 - corners[:, 0]], axis=1)))
    return found


def _read(gray: np.ndarray) -> tuple[list[_Found], list[np.ndarray]]:
    """Decoded codes, and the corner sets of codes located but not decoded."""
    decoded, failed = [], []
    for result, corners in _results(gray):
        if result.valid and result.text:
            decoded.append(_Found(result.text, int(corners[:, 1].min()), int(corners[:, 0].min())))
        else:
            failed.append(corners)
    return decoded, failed


def _retry_variants(gray: np.ndarray, corners: np.ndarray) -> list[np.ndarray]:
    x, y, w, h = cv2.boundingRect(corners)
    mx, my = int(w * RETRY_MARGIN) + 8, int(h * RETRY_MARGIN) + 8
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(gray.shape[1], x + w + mx), min(gray.shape[0], y + h + my)
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0:
        return []
    scale = min(RETRY_MAX_SCALE, max(1.0, RETRY_MIN_SIDE / max(1, min(crop.shape))))
    up = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale > 1 else crop
    _, binary = cv2.threshold(cv2.GaussianBlur(up, (3, 3), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return [up, binary]


def _retry(gray: np.ndarray, corners: np.ndarray) -> str | None:
    for variant in _retry_variants(gray, corners):
        decoded, _ = _read(variant)
        if decoded:
            return decoded[0].text
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(variant)
        if text:
            return text
    return None


def decode_codes(color: np.ndarray) -> list[str]:
    """All QR/barcode payloads on the page, deduplicated, top-to-bottom then left-to-right."""
    gray = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY) if color.ndim == 3 else color
    gray = np.ascontiguousarray(gray)
    found, failed = _read(gray)
    for corners in failed:
        text = _retry(gray, corners)
        if text:
            found.append(_Found(text, int(corners[:, 1].min()), int(corners[:, 0].min())))
    found.sort(key=lambda f: (f.top, f.left))
    return list(dict.fromkeys(f.text for f in found))
