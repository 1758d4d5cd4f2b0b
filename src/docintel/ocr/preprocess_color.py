"""Photometric steps that turn the upright colour page into the greyscale/binary image tesseract reads.

Red handling: red *seals* are removed (their pixels become paper) so the black text under a stamp
survives; red ink elsewhere — pre-printed red labels, titles and table rules of carbonless forms — is
kept as ordinary dark ink so those labels stay readable. A seal with no red left to erase (a page
scanned in grey) is lightened where its ink is lighter than the print under it. The seal regions
come from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from docintel.ocr.geometry import ink_mask, rule_lines
from docintel.ocr.histogram import percentile_u8

# A pixel is red ink when R exceeds max(G, B) by this much more than the paper itself does
# (pink carbon paper is already ~30 "redder" than white paper).
RED_EXCESS = 40
# Red ink is only erased within seal boxes grown by this share of their size (ink bleeds past the ring).
SEAL_MARGIN = 0.06
# Inside a seal, a red pixel whose red channel is at least this share of the paper's is pure seal ink
# (seal ink keeps ~0.86 of the light in the red channel; black text under it keeps ~0.1).
RED_INK_MIN_R = 0.80
# A seal that is not red (stamped on a page scanned in grey, or in another ink) is lightened where
# its ink is clearly lighter than the print under it: its ink is measured on its ring, the outer
# band of the ellipse its box holds: its commonest grey (print crossing the ring is darker, and
# rarer), less this share of its distance to the paper (the ink's own spread), is the seal's...
SEAL_RING_BAND = (0.8, 1.0)
SEAL_INK_SPREAD = 0.25
# ...a ring is one where at least this share of the band is ink...
SEAL_RING_INK_SHARE = 0.1
# ...and the print is the darkest this share (percent) of the box; the seal is lightened only when
# its darker ink is this many grey levels lighter than the print.
SEAL_PRINT_PERCENTILE = 0.5
SEAL_PRINT_CONTRAST = 40
# A seal with red ink on this share of its box is red: remove_red_in_boxes takes it out, and what
# is left is not lightened.
SEAL_RED_SHARE = 0.01
# Background estimate for illumination flattening: a closing (removes dark text) then a blur,
# at a kernel of this many text heights, on a downscaled copy for speed.
BACKGROUND_TEXT_HEIGHTS = 2.5
BACKGROUND_WORK_SIDE = 700
_FLATTEN_BAND_ROWS = 128
# Sauvola-style local threshold, computed via box filters (OpenCV core has no Sauvola).
SAUVOLA_K = 0.2
SAUVOLA_R = 128.0
SAUVOLA_WINDOW_TEXT_HEIGHTS = 1.5
# A rule is a straight run of ink longer than this many text heights (no glyph is), grown by a few
# pixels when erased so its anti-aliased edges go too.
RULE_TEXT_HEIGHTS = 3.0
RULE_MIN_PX = 40
RULE_GROW = 3
# Light denoise: a median filter this wide, only when the image is large enough that strokes are
# several pixels thick (at ~300 dpi a Chinese stroke is 3-5 px).
DENOISE_KERNEL = 3


def paper_color(image: np.ndarray) -> np.ndarray:
    """Median colour of the brightest half of the page, i.e. the paper, as float BGR."""
    sample = image.reshape(-1, 3)[:: max(1, image.shape[0] * image.shape[1] // 50_000)].astype(np.float32)
    brightness = sample.sum(axis=1)
    return np.median(sample[brightness >= np.median(brightness)], axis=0)


def red_excess(image: np.ndarray, paper: np.ndarray | None = None) -> np.ndarray:
    """Per-pixel redness above the paper's own redness (int16; >RED_EXCESS means red ink)."""
    paper = paper_color(image) if paper is None else paper
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    own = int(paper[2] - max(paper[0], paper[1]))
    return r - np.maximum(g, b) - own


def red_ink_mask(image: np.ndarray, paper: np.ndarray | None = None) -> np.ndarray:
    return ((red_excess(image, paper) > RED_EXCESS) * 255).astype(np.uint8)


def to_ocr_gray(image: np.ndarray) -> np.ndarray:
    """Luminance — keeps red and blue ink dark, unlike a single channel."""
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image.copy()


def remove_red_in_boxes(
    image: np.ndarray, gray: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], paper: np.ndarray | None = None
) -> np.ndarray:
    """Inside each seal box, replace red-ink pixels by the red channel (paper-bright for red ink,
    still dark for black text overprinted by the seal)."""
    if not boxes or image.ndim != 3:
        return gray
    out = gray.copy()
    h, w = gray.shape
    paper = paper_color(image) if paper is None else paper
    for x, y, bw, bh in boxes:
        mx, my = int(bw * SEAL_MARGIN), int(bh * SEAL_MARGIN)
        x0, y0, x1, y1 = max(0, x - mx), max(0, y - my), min(w, x + bw + mx), min(h, y + bh + my)
        if x1 <= x0 or y1 <= y0:
            continue
        roi = image[y0:y1, x0:x1]
        red = red_excess(roi, paper) > RED_EXCESS // 2
        # Dilate slightly: JPEG leaves a darker fringe around red strokes that would read as noise.
        red = cv2.dilate(red.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        # The red channel is bright on red ink and on paper but dark on black text overprinted by the
        # seal. Pure red ink (red channel near the paper's) becomes paper grey outright, so no ghost of
        # the ring is left; mixed pixels keep the red channel, scaled to the paper's grey level.
        r = roi[..., 2].astype(np.float32)
        paper_gray = float(0.114 * paper[0] + 0.587 * paper[1] + 0.299 * paper[2])
        scaled = r * (paper_gray / max(float(paper[2]), 1.0))
        replacement = np.where(r >= RED_INK_MIN_R * float(paper[2]), paper_gray, scaled)
        patch = out[y0:y1, x0:x1]
        patch[red] = np.clip(np.maximum(patch[red], replacement[red]), 0, 255).astype(np.uint8)
    return out


def erase_seals(image: np.ndarray, gray: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """`gray` with the seals in `boxes` taken out: their red ink (remove_red_in_boxes), or, for a
    seal with no red (scanned in grey), its grey where lighter than the print (lighten_grey_seals).
    A red seal's leftovers are not lightened: what erasing red leaves is print and fringe."""
    if not boxes:
        return gray
    paper = paper_color(image) if image.ndim == 3 else None
    grey_seals = [box for box in boxes if not _has_red(image, box, paper)]
    return lighten_grey_seals(remove_red_in_boxes(image, gray, boxes, paper), grey_seals)


def _has_red(image: np.ndarray, box: tuple[int, int, int, int], paper: np.ndarray | None) -> bool:
    if paper is None:
        return False
    x, y, w, h = box
    roi = image[max(0, y):y + h, max(0, x):x + w]
    return roi.size > 0 and float((red_excess(roi, paper) > RED_EXCESS).mean()) >= SEAL_RED_SHARE


def lighten_grey_seals(gray: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """Inside each seal box whose ring is still ink (a seal in a greyscale scan: no red to erase),
    the grey scale stretched so the seal's ink becomes paper and darker print stays: a grey ring
    and its star over a letter's dateline read as characters, and the date is lost with them."""
    out = gray
    h, w = gray.shape
    for x, y, bw, bh in boxes:
        mx, my = int(bw * SEAL_MARGIN), int(bh * SEAL_MARGIN)
        x0, y0, x1, y1 = max(0, x - mx), max(0, y - my), min(w, x + bw + mx), min(h, y + bh + my)
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        roi = gray[y0:y1, x0:x1]
        rows, columns = np.ogrid[y0:y1, x0:x1]
        radius = np.hypot((columns - (x + bw / 2)) / (bw / 2), (rows - (y + bh / 2)) / (bh / 2))
        band = (radius >= SEAL_RING_BAND[0]) & (radius <= SEAL_RING_BAND[1])
        paper_cut, _ = cv2.threshold(roi, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        ring = roi[band & (roi < paper_cut)]
        if ring.size < SEAL_RING_INK_SHARE * band.sum():
            continue
        commonest = float(np.argmax(np.convolve(np.bincount(ring, minlength=256), np.ones(5), mode="same")))
        paper = float(np.percentile(roi, 90))
        seal = commonest - SEAL_INK_SPREAD * (paper - commonest)
        dark = float(np.percentile(roi, SEAL_PRINT_PERCENTILE))
        if seal - dark < SEAL_PRINT_CONTRAST or paper <= seal:
            continue
        stretched = dark + (roi.astype(np.float32) - dark) * ((paper - dark) / (seal - dark))
        if out is gray:
            out = gray.copy()
        out[y0:y1, x0:x1] = np.clip(stretched, 0, paper).astype(np.uint8)
    return out


def flatten_illumination(gray: np.ndarray, text_height: float) -> np.ndarray:
    """Divide by the paper background so coloured paper and shadows become uniform white."""
    h, w = gray.shape
    scale = min(1.0, BACKGROUND_WORK_SIDE / max(h, w))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    k = max(5, int(text_height * BACKGROUND_TEXT_HEIGHTS * scale) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    background = cv2.GaussianBlur(background, (0, 0), k / 2)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    return divide_by_background(gray, background)


def divide_by_background(gray: np.ndarray, background: np.ndarray) -> np.ndarray:
    """255 * gray / background, cut to bytes (not rounded: tesseract was tuned on these pixels).

    Worked out a band of rows at a time: the page's quotients in floats are 35 MB at 300 dpi, a
    band's stay in the cache, and the same bytes come out in half the time."""
    background = cv2.max(background, 1)
    flat = np.empty_like(gray)
    for top in range(0, gray.shape[0], _FLATTEN_BAND_ROWS):
        band = slice(top, top + _FLATTEN_BAND_ROWS)
        quotient = cv2.divide(gray[band], background[band], scale=255.0, dtype=cv2.CV_32F)
        flat[band] = np.minimum(quotient, 255, out=quotient)  # never negative: capping is the clip
    return flat


def erase_rules(gray: np.ndarray, text_height: float) -> np.ndarray:
    """Paint table rules and underscores with the paper's grey.

    tesseract drops or garbles text that touches ruled cell borders (a grid's header row can vanish
    entirely) and spends most of its time on the rules: removing them made a ruled A4 form both
    read better and OCR three times faster.
    """
    min_len = max(RULE_MIN_PX, int(text_height * RULE_TEXT_HEIGHTS))
    lines = rule_lines(ink_mask(gray), min_len)
    lines = cv2.dilate(lines, np.ones((RULE_GROW, RULE_GROW), np.uint8))
    out = gray.copy()
    np.copyto(out, np.uint8(percentile_u8(gray, 90)), where=lines > 0)
    return out


def denoise(gray: np.ndarray) -> np.ndarray:
    return cv2.medianBlur(gray, DENOISE_KERNEL)


def binarize(gray: np.ndarray, text_height: float) -> np.ndarray:
    """Sauvola threshold T = m * (1 + k * (s / R - 1)) with a window of ~1.5 text heights."""
    window = max(15, int(text_height * SAUVOLA_WINDOW_TEXT_HEIGHTS) | 1)
    f = gray.astype(np.float32)
    mean = cv2.boxFilter(f, -1, (window, window), borderType=cv2.BORDER_REFLECT)
    sq_mean = cv2.boxFilter(f * f, -1, (window, window), borderType=cv2.BORDER_REFLECT)
    std = np.sqrt(np.maximum(sq_mean - mean * mean, 0))
    threshold = mean * (1 + SAUVOLA_K * (std / SAUVOLA_R - 1))
    return np.where(f > threshold, 255, 0).astype(np.uint8)
