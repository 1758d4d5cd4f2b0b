"""Scan → image tesseract reads well: geometry first (colour kept for mark detection), then photometry.

Each step can be switched off in `PreprocessOptions` and reports what it did and how long it took, so
the cost of every step against one tesseract run stays measurable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import cv2
import numpy as np

from docintel.ocr import geometry
from docintel.ocr import preprocess_color as photometry

# Height of a text-line blob (px) for 10-12 pt Chinese print at 300 dpi; used to estimate the real dpi.
TEXT_HEIGHT_AT_300DPI = 42.0
# Upscale only when it gains at least this factor, and never more than MAX_UPSCALE.
MIN_UPSCALE = 1.15
MAX_UPSCALE = 4.0
# Nor beyond this many pixels (A2 at 300 dpi): a large phone photo of a page whose text measures
# small would otherwise grow 16-fold in pixels, to gigabytes of image copies and minutes of OCR.
MAX_UPSCALED_PIXELS = 36_000_000
# A declared dpi is trusted when it agrees with the text-size estimate within this factor; phone
# photos and screenshots often declare 72/96 dpi whatever their real resolution is.
DPI_AGREEMENT = 1.6
DPI_PLAUSIBLE = (100, 1200)


@dataclass(frozen=True)
class PreprocessOptions:
    """Steps to run. Defaults are the best measured combination (tesseract chi_sim+eng psm 11 on 10
    rendered forms, bag-of-characters F1): red+flatten+denoise 0.755 > red only 0.736 > none 0.714 >
    red+flatten 0.711 > red+flatten+binarize 0.709; tesseract's own binarisation beats ours."""

    perspective: bool = True
    orientation: bool = True
    deskew: bool = True
    upscale: bool = True
    remove_red: bool = True
    flatten_illumination: bool = True
    erase_rules: bool = True
    denoise: bool = True
    binarize: bool = False
    target_dpi: int = 300
    # A page enlarged this much or more is read by tesseract enlarged only read_upscale_max (Settings).
    read_upscale_past: float = 4.0
    read_upscale_max: float = 4.0


@dataclass
class StepReport:
    name: str
    applied: bool
    detail: str
    ms: float


@dataclass
class PreparedPage:
    color: np.ndarray
    ocr_image: np.ndarray
    steps: list[StepReport] = field(default_factory=list)
    rotation: int = 0  # counter-clockwise degrees applied to the input to make it upright
    skew_deg: float = 0.0  # measured skew of the text (counter-clockwise positive) that was removed
    scale: float = 1.0
    text_height: float = 0.0  # typical text-line height in `color`, px
    seal_boxes: list[tuple[int, int, int, int]] | None = None  # in `color`; None when not looked for
    # `ocr_image` is `color` at this size (options.read_upscale_max): word boxes read in it are
    # divided by it to land on `color`.
    reading_scale: float = 1.0


T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000.0


def _skipped(name: str) -> StepReport:
    return StepReport(name, False, "disabled", 0.0)


def _step_perspective(page: PreparedPage, image: np.ndarray) -> np.ndarray:
    quad, ms = _timed(lambda: geometry.find_page_quad(image))
    if quad is None:
        page.steps.append(StepReport("perspective", False, "no page outline (scan)", ms))
        return image
    warped, ms2 = _timed(lambda: geometry.warp_page(image, quad))
    page.steps.append(StepReport("perspective", True, f"page covers {quad.area_share:.0%} of photo", ms + ms2))
    return warped


def _step_orientation(page: PreparedPage, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The page turned upright, and its glyph mask when it was not turned (deskew measures on the
    same mask: computing it once saves a full-page threshold and component pass)."""
    start = time.perf_counter()
    mask = geometry.glyph_mask_small(image)
    direction, ratio = geometry.text_direction(image, mask)
    rotation = 0
    if direction == "vertical":
        rotation = 90
        image = geometry.rotate_quarter(image, 90)
    # Upright or upside down is settled after OCR, by how confidently the page reads (ocr_page):
    # cheaper than tesseract's OSD on every page and right on dot-matrix print, where OSD is not.
    page.rotation = rotation
    detail = f"rotated {rotation} ccw; lines {direction} x{ratio:.1f}"
    page.steps.append(StepReport("orientation", rotation != 0, detail, (time.perf_counter() - start) * 1000))
    return image, (mask if rotation == 0 else None)


def _step_deskew(page: PreparedPage, image: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    skew, ms = _timed(lambda: geometry.estimate_skew(image, mask))
    page.skew_deg = skew
    if abs(skew) < geometry.SKEW_MIN_APPLY:
        page.steps.append(StepReport("deskew", False, f"skew {skew:+.2f} deg, below threshold", ms))
        return image
    rotated, ms2 = _timed(lambda: geometry.rotate_small_angle(image, -skew))
    page.steps.append(StepReport("deskew", True, f"skew {skew:+.2f} deg", ms + ms2))
    return rotated


def choose_scale(text_height: float, dpi: int | None, target_dpi: int) -> tuple[float, str]:
    """Scale factor to reach target_dpi, from the declared dpi when plausible, else from text size."""
    estimated = 300.0 * text_height / TEXT_HEIGHT_AT_300DPI if text_height > 0 else None
    source_dpi: float | None = None
    why = ""
    if dpi and DPI_PLAUSIBLE[0] <= dpi <= DPI_PLAUSIBLE[1]:
        if estimated is None or max(dpi, estimated) / min(dpi, estimated) <= DPI_AGREEMENT:
            source_dpi, why = float(dpi), f"declared {dpi} dpi"
    if source_dpi is None and estimated is not None:
        source_dpi, why = estimated, f"estimated {estimated:.0f} dpi from text height {text_height:.0f}px"
    if source_dpi is None:
        return 1.0, "no text to measure"
    return min(MAX_UPSCALE, target_dpi / source_dpi), why


def _step_upscale(page: PreparedPage, image: np.ndarray, dpi: int | None, target_dpi: int) -> np.ndarray:
    start = time.perf_counter()
    text_height = geometry.estimate_text_height(image, glyphs_alone=False)
    scale, why = choose_scale(text_height, dpi, target_dpi)
    fitting = (MAX_UPSCALED_PIXELS / (image.shape[0] * image.shape[1])) ** 0.5
    if scale > fitting:
        scale, why = fitting, f"{why}; held to {MAX_UPSCALED_PIXELS / 1e6:.0f} megapixels"
    if scale < MIN_UPSCALE:
        page.text_height = text_height
        page.steps.append(StepReport("upscale", False, f"{why}; scale {scale:.2f} kept 1.0",
                                     (time.perf_counter() - start) * 1000))
        return image
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    page.scale, page.text_height = scale, text_height * scale
    page.steps.append(StepReport("upscale", True, f"{why}; x{scale:.2f}", (time.perf_counter() - start) * 1000))
    return image


def _step_reading_size(page: PreparedPage, image: np.ndarray, upscale_past: float, upscale_max: float) -> np.ndarray:
    """The page as tesseract will read it: `image`, or where it was enlarged `upscale_past` or more,
    a copy enlarged only `upscale_max`. Seals, signatures and rereads keep the full size."""
    if page.scale < upscale_past or page.scale <= upscale_max:
        return image
    start = time.perf_counter()
    page.reading_scale = upscale_max / page.scale
    reading = cv2.resize(image, None, fx=page.reading_scale, fy=page.reading_scale, interpolation=cv2.INTER_AREA)
    page.steps.append(StepReport("reading_size", True, f"read at x{upscale_max:.2f} of the source",
                                 (time.perf_counter() - start) * 1000))
    return reading


def _step_remove_red(page: PreparedPage, color: np.ndarray, gray: np.ndarray, reading: np.ndarray) -> np.ndarray:
    """Seals found in the full-size `color`, erased from `gray`, `reading`'s grey (a smaller copy
    where the page is read smaller): their red ink, or a ring still grey, lightened (erase_seals)."""
    # Imported here: marks lives in the extract package, which may itself import the OCR package.
    from docintel.extract.marks import detect_seals

    start = time.perf_counter()
    seals = detect_seals(color)
    page.seal_boxes = [s.box for s in seals]
    boxes = [geometry.scaled_box(box, page.reading_scale) for box in page.seal_boxes]
    gray = photometry.erase_seals(reading, gray, boxes)
    page.steps.append(StepReport("remove_red", bool(seals), f"{len(seals)} seal(s) erased",
                                 (time.perf_counter() - start) * 1000))
    return gray


def preprocess_page(image: np.ndarray, options: PreprocessOptions = PreprocessOptions(),
                    dpi: int | None = None) -> PreparedPage:
    """Correct geometry (perspective, 90° turns, skew, resolution) and prepare an OCR image."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    page = PreparedPage(color=image, ocr_image=image)
    image = _step_perspective(page, image) if options.perspective else image
    if not options.perspective:
        page.steps.append(_skipped("perspective"))
    mask = None
    if options.orientation:
        image, mask = _step_orientation(page, image)
    else:
        page.steps.append(_skipped("orientation"))
    image = _step_deskew(page, image, mask) if options.deskew else image
    if not options.deskew:
        page.steps.append(_skipped("deskew"))
    if options.upscale:
        image = _step_upscale(page, image, dpi, options.target_dpi)
    else:
        page.steps.append(_skipped("upscale"))
        page.text_height = geometry.estimate_text_height(image)
    page.color = image
    reading = _step_reading_size(page, image, options.read_upscale_past, options.read_upscale_max)

    gray, ms = _timed(lambda: photometry.to_ocr_gray(reading))
    page.steps.append(StepReport("grayscale", True, "luminance", ms))
    if options.remove_red:
        gray = _step_remove_red(page, image, gray, reading)
    else:
        page.steps.append(_skipped("remove_red"))
    text_height = (page.text_height or TEXT_HEIGHT_AT_300DPI) * page.reading_scale
    for name, enabled, fn in (
        ("flatten_illumination", options.flatten_illumination, lambda g: photometry.flatten_illumination(g, text_height)),
        ("erase_rules", options.erase_rules, lambda g: photometry.erase_rules(g, text_height)),
        ("denoise", options.denoise, photometry.denoise),
        ("binarize", options.binarize, lambda g: photometry.binarize(g, text_height)),
    ):
        if not enabled:
            page.steps.append(_skipped(name))
            continue
        gray, ms = _timed(lambda: fn(gray))
        page.steps.append(StepReport(name, True, "", ms))
    page.ocr_image = gray
    return page
