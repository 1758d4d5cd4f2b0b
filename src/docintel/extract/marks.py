"""Marks that are not printed text: red company seals (公章) and handwritten signatures.

Both detectors compare colours against the paper's own colour, so pink/yellow/blue/green carbonless
paper does not read as red or blue ink.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from docintel.ocr.geometry import estimate_text_height, remove_rules
from docintel.ocr.preprocess_color import paper_color, red_excess

Box = tuple[int, int, int, int]

# --- seals -------------------------------------------------------------------------------------
SEAL_WORK_SIDE = 1000
# Red ink threshold for seals: a bit lower than for red-ink erasing, so faded stamps still count.
SEAL_RED_EXCESS = 32
# A seal's diameter is at least this share of the page's short side (a 38-42 mm stamp on an A5/A4
# page is 0.2-0.3; a small red logo is well under 0.08).
SEAL_MIN_DIAMETER = 0.10
SEAL_MAX_DIAMETER = 0.60
SEAL_MAX_AXIS_RATIO = 1.9
ROUND_AXIS_RATIO = 1.15
# Ring test: share of the ellipse perimeter (inside the image) that lies on red ink.
RING_SAMPLES = 144
RING_MIN_COVERAGE = 0.55
# At least this share of the ring must be on the page (a seal can hang half off the edge).
RING_MIN_VISIBLE = 0.40
# A seal is a ring with sparse text inside, not a filled red disc (logo, red block).
SEAL_MAX_FILL = 0.55
SEAL_MIN_FILL = 0.03
# Rectangular seals: a closed red frame, text inside, no long red lines crossing the interior.
RECT_MIN_COVERAGE = 0.80
RECT_MAX_ASPECT = 3.5
# Red straight runs longer than this share of the page's short side are form rules, not seal rings
# (the flattest stretch of a ring, at its top, runs ~0.1 of the short side).
SEAL_RULE_LENGTH = 0.3


@dataclass(frozen=True)
class Seal:
    box: Box
    shape: Literal["round", "oval", "rect"]
    score: float


def _ring_coverage(red: np.ndarray, center: tuple[float, float], axes: tuple[float, float],
                   angle_deg: float) -> tuple[float, float]:
    """(share of ellipse samples inside the image, share of those that hit red ink)."""
    h, w = red.shape
    cx, cy = center
    a, b = axes[0] / 2, axes[1] / 2
    t = np.linspace(0, 2 * math.pi, RING_SAMPLES, endpoint=False)
    rot = math.radians(angle_deg)
    hits = np.zeros(RING_SAMPLES, bool)
    inside = np.zeros(RING_SAMPLES, bool)
    # The ring has a width and the fitted ellipse may sit on its outer or inner edge: probe a band.
    for f in (0.90, 0.95, 1.0, 1.04):
        ex, ey = a * f * np.cos(t), b * f * np.sin(t)
        x = cx + ex * math.cos(rot) - ey * math.sin(rot)
        y = cy + ex * math.sin(rot) + ey * math.cos(rot)
        xi, yi = np.round(x).astype(int), np.round(y).astype(int)
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        if f == 1.0:
            inside = ok
        hit = np.zeros(RING_SAMPLES, bool)
        hit[ok] = red[yi[ok], xi[ok]] > 0
        hits |= hit
    visible = float(inside.mean())
    coverage = float(hits[inside].mean()) if inside.any() else 0.0
    return visible, coverage


def _ellipse_fill(red: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float) -> float:
    """Red density strictly inside the ring (70% of the axes), over the visible part."""
    inner = np.zeros(red.shape, np.uint8)
    cv2.ellipse(inner, (center, (axes[0] * 0.7, axes[1] * 0.7), angle), 255, -1)
    area = cv2.countNonZero(inner)
    return cv2.countNonZero(cv2.bitwise_and(red, inner)) / area if area else 1.0


def _round_seal(red: np.ndarray, contour: np.ndarray, short_side: int) -> tuple[float, tuple] | None:
    h, w = red.shape
    pts = contour.reshape(-1, 2)
    # Points on the image border are where the seal was cut off, not its outline.
    off_edge = (pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)
    pts = pts[off_edge]
    if len(pts) < 12:
        return None
    (cx, cy), (ax1, ax2), angle = cv2.fitEllipse(pts.astype(np.float32))
    major, minor = max(ax1, ax2), min(ax1, ax2)
    if minor <= 0 or major / minor > SEAL_MAX_AXIS_RATIO:
        return None
    if not (SEAL_MIN_DIAMETER * short_side <= minor and major <= SEAL_MAX_DIAMETER * max(h, w)):
        return None
    visible, coverage = _ring_coverage(red, (cx, cy), (ax1, ax2), angle)
    if visible < RING_MIN_VISIBLE or coverage < RING_MIN_COVERAGE:
        return None
    fill = _ellipse_fill(red, (cx, cy), (ax1, ax2), angle)
    if not SEAL_MIN_FILL <= fill <= SEAL_MAX_FILL:
        return None
    score = min(1.0, 0.5 + 0.5 * (coverage - RING_MIN_COVERAGE) / (1 - RING_MIN_COVERAGE) + 0.1 * visible)
    return score, ((cx, cy), (ax1, ax2), angle)


def _rect_seal(red: np.ndarray, contour: np.ndarray, short_side: int) -> float | None:
    x, y, bw, bh = cv2.boundingRect(contour)
    if min(bw, bh) < SEAL_MIN_DIAMETER * short_side * 0.6 or max(bw, bh) / min(bw, bh) > RECT_MAX_ASPECT:
        return None
    approx = cv2.approxPolyDP(contour, 0.04 * cv2.arcLength(contour, True), True)
    if len(approx) != 4 or cv2.contourArea(approx) < 0.85 * bw * bh:
        return None
    roi = red[y:y + bh, x:x + bw] > 0
    band = max(2, int(min(bw, bh) * 0.06))
    edges = [roi[:band].any(axis=0), roi[-band:].any(axis=0), roi[:, :band].any(axis=1), roi[:, -band:].any(axis=1)]
    coverage = float(np.mean([e.mean() for e in edges]))
    if coverage < RECT_MIN_COVERAGE:
        return None
    interior = roi[band * 2:-band * 2, band * 2:-band * 2]
    if interior.size == 0:
        return None
    fill = float(interior.mean())
    # Table grids: some interior row or column is red almost end to end.
    crossing = max(interior.mean(axis=1).max(initial=0), interior.mean(axis=0).max(initial=0))
    if not SEAL_MIN_FILL <= fill <= SEAL_MAX_FILL or crossing > 0.85:
        return None
    return min(1.0, 0.4 + 0.5 * coverage)


def detect_seals(color: np.ndarray) -> list[Seal]:
    """Red round/oval/rectangular stamps on the page, best first; empty when there is none."""
    if color.ndim != 3:
        return []
    scale = min(1.0, SEAL_WORK_SIDE / max(color.shape[:2]))
    small = cv2.resize(color, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else color
    red = ((red_excess(small, paper_color(small)) > SEAL_RED_EXCESS) * 255).astype(np.uint8)
    short_side = min(red.shape)
    # Red pre-printed table rules would merge a seal stamped over the table into one huge component;
    # rules are straight for far longer than any stretch of a seal ring, so they can be cut out first.
    red = remove_rules(red, max(15, int(short_side * SEAL_RULE_LENGTH)))
    # Heal the ring where black text crossed it and join the ring to its inner text.
    k = max(3, short_side // 150)
    closed = cv2.morphologyEx(red, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    seals: list[Seal] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if max(bw, bh) < SEAL_MIN_DIAMETER * short_side * 0.6:
            continue
        round_fit = _round_seal(closed, contour, short_side)
        if round_fit is not None:
            score, ((cx, cy), (ax1, ax2), angle) = round_fit
            major, minor = max(ax1, ax2), min(ax1, ax2)
            shape: Literal["round", "oval", "rect"] = "round" if major / minor <= ROUND_AXIS_RATIO else "oval"
            ex, ey, ew, eh = cv2.boundingRect(cv2.ellipse2Poly((int(cx), int(cy)), (int(ax1 / 2), int(ax2 / 2)),
                                                               int(angle), 0, 360, 5))
            box = _clip_box((ex, ey, ew, eh), red.shape)
        else:
            rect_score = _rect_seal(closed, contour, short_side)
            if rect_score is None:
                continue
            score, shape, box = rect_score, "rect", (x, y, bw, bh)
        full = tuple(int(round(v / scale)) for v in box)
        seals.append(Seal(box=_clip_box(full, color.shape[:2]), shape=shape, score=round(float(score), 3)))
    return sorted(seals, key=lambda s: -s.score)


def _clip_box(box: Box, shape: tuple[int, ...]) -> Box:
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(shape[1], x + w), min(shape[0], y + h)
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


# --- handwriting -------------------------------------------------------------------------------
# Blue ink: B exceeds max(R, G) by this much more than the paper does (blue carbon paper is bluish).
BLUE_EXCESS = 30
# Dark ink: this many grey levels below the local paper (faint carbon copies are ~60-90 below).
INK_DELTA = 45
RED_IGNORE_EXCESS = 40
# Printed text height is measured on a band this many region-heights tall around the field.
TEXT_BAND_HEIGHTS = 3
DEFAULT_TEXT_HEIGHT = 40.0
# OCR sometimes reads a handwritten name as words; boxes taller than this many printed-text heights
# are handwriting, not print, so they are not masked.
PRINTED_MAX_HEIGHT = 1.5
# Straight rules at least this many text heights long are form lines/underscores.
RULE_TEXT_HEIGHTS = 2.0
# Specks smaller than this share of text height² are noise/JPEG artefacts.
SPECK_AREA = 0.04
# A dark component counts as handwriting when its extent reaches this many printed text heights.
HAND_MIN_EXTENT = 1.4
# Evidence needed for presence, and the evidence that scores 1.0. Blue evidence is stroke length
# (area / stroke width) in text heights; dark evidence is the summed extent of handwriting-like
# components in text heights.
BLUE_MIN_LENGTH = 1.5
DARK_MIN_EXTENT = 2.0
FULL_SCORE_EVIDENCE = 5.0


@dataclass(frozen=True)
class Handwriting:
    present: bool
    score: float
    box: Box | None


def _clip_region(region: Box, shape: tuple[int, ...]) -> Box:
    return _clip_box(region, shape)


def _text_height_near(color: np.ndarray, region: Box) -> float:
    x, y, w, h = region
    pad = h * (TEXT_BAND_HEIGHTS - 1) // 2
    y0, y1 = max(0, y - pad), min(color.shape[0], y + h + pad)
    band = color[y0:y1]
    if band.size == 0:
        return DEFAULT_TEXT_HEIGHT
    height = estimate_text_height(band)
    return height if height >= 8 else DEFAULT_TEXT_HEIGHT


def _stroke_lengths(mask: np.ndarray, blue: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per component: stats, approximate centre-line length (area / stroke width), share of blue pixels."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return np.zeros((0, 5), int), np.zeros(0), np.zeros(0)
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    # Mean of 2*dist over a stroke is about its width; per component via bincount.
    sums = np.bincount(labels.ravel(), weights=dist.ravel(), minlength=n)
    areas = stats[:, cv2.CC_STAT_AREA].astype(float)
    width = np.maximum(1.0, 2.0 * sums / np.maximum(areas, 1) + 0.5)
    length = areas / width
    blues = np.bincount(labels.ravel(), weights=(blue & (mask > 0)).ravel().astype(float), minlength=n)
    return stats[1:], length[1:], (blues / np.maximum(areas, 1))[1:]


def _handwriting_like(stats: np.ndarray, text_h: float) -> np.ndarray:
    """Components that look written by hand: much larger than printed glyphs (a printed Chinese
    character fits in ~1 text height; a signature's strokes and glyphs run longer), and not compact
    solid blobs (page edges, filled boxes). Straight rules were removed before."""
    w = stats[:, cv2.CC_STAT_WIDTH].astype(float)
    h = stats[:, cv2.CC_STAT_HEIGHT].astype(float)
    area = stats[:, cv2.CC_STAT_AREA].astype(float)
    fill = area / np.maximum(w * h, 1)
    big = np.maximum(w, h) >= HAND_MIN_EXTENT * text_h
    # a short thick dash or a dot stretched by JPEG is not a stroke: require some 2-D extent
    not_line = np.minimum(w, h) >= 0.15 * text_h
    return big & not_line & (fill <= 0.6)


def detect_handwriting(color: np.ndarray, region: Box, printed_boxes: Sequence[Box] = ()) -> Handwriting:
    """Whether handwritten strokes (a signature) are in `region`, ignoring printed words, form lines and
    red seals. Boxes are (x, y, w, h) in `color` coordinates."""
    if color.ndim == 2:
        color = cv2.cvtColor(color, cv2.COLOR_GRAY2BGR)
    rx, ry, rw, rh = _clip_region(region, color.shape[:2])
    if rw < 4 or rh < 4:
        return Handwriting(False, 0.0, None)
    text_h = _text_height_near(color, (rx, ry, rw, rh))
    roi = color[ry:ry + rh, rx:rx + rw]
    paper = paper_color(roi)
    b, g, r = (roi[..., i].astype(np.int16) for i in range(3))
    gray = cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY).astype(np.int16)
    paper_gray = int(round(0.114 * paper[0] + 0.587 * paper[1] + 0.299 * paper[2]))
    # Local paper level, so a shadow across the field does not read as ink.
    k = max(15, int(text_h * 1.5) | 1)
    local_paper = cv2.morphologyEx(cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY), cv2.MORPH_CLOSE,
                                   cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))).astype(np.int16)
    local_paper = np.minimum(local_paper, paper_gray + 10)
    dark = (local_paper - gray) > INK_DELTA
    blue_excess = (b - np.maximum(r, g)) - int(paper[0] - max(paper[1], paper[2]))
    blue = (blue_excess > BLUE_EXCESS) & ((local_paper - gray) > INK_DELTA // 2)
    red = red_excess(roi, paper) > RED_IGNORE_EXCESS
    ink = (dark | blue) & ~red
    # Mask printed words (but not word boxes tall enough to be handwriting OCR mistook for print).
    pad = max(2, int(text_h * 0.1))
    for bx, by, bw, bh in printed_boxes:
        if bh > PRINTED_MAX_HEIGHT * text_h:
            continue
        x0, y0 = max(0, bx - rx - pad), max(0, by - ry - pad)
        x1, y1 = min(rw, bx - rx + bw + pad), min(rh, by - ry + bh + pad)
        if x1 > x0 and y1 > y0:
            ink[y0:y1, x0:x1] = False
    mask = ink.astype(np.uint8) * 255
    rule = max(15, int(text_h * RULE_TEXT_HEIGHTS))
    # Erase rules with their anti-aliased/JPEG fringe: the fringe would otherwise bridge printed
    # glyphs that sit on the line (dot-matrix print is often offset onto the rule) into one long blob.
    rules = cv2.subtract(mask, remove_rules(mask, rule))
    mask = cv2.subtract(mask, cv2.dilate(rules, np.ones((5, 5), np.uint8)))
    # Join dotted carbon-copy strokes and pen skips, without merging separate printed glyphs much.
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    stats, length, blue_share = _stroke_lengths(mask, blue)
    if len(stats) == 0:
        return Handwriting(False, 0.0, None)
    area = stats[:, cv2.CC_STAT_AREA]
    keep = area >= SPECK_AREA * text_h * text_h
    # Components glued to the region border over a long stretch are the page edge or a cut rule.
    touches = ((stats[:, cv2.CC_STAT_LEFT] == 0) | (stats[:, cv2.CC_STAT_TOP] == 0)
               | (stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] >= rw)
               | (stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] >= rh))
    edge_blob = touches & (area > 4 * text_h * text_h)
    keep &= ~edge_blob
    hand = keep & _handwriting_like(stats, text_h)
    bluish = keep & (blue_share >= 0.5)
    blue_len = float(length[bluish].sum()) / text_h
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    dark_extent = float(extent[hand].sum()) / text_h
    # Put both kinds of evidence on the dark scale: the threshold of each maps to DARK_MIN_EXTENT.
    evidence = max(blue_len * DARK_MIN_EXTENT / BLUE_MIN_LENGTH, dark_extent)
    present = evidence >= DARK_MIN_EXTENT
    score = min(1.0, 0.5 + 0.5 * (evidence - DARK_MIN_EXTENT) / (FULL_SCORE_EVIDENCE - DARK_MIN_EXTENT)) \
        if present else 0.5 * evidence / DARK_MIN_EXTENT
    chosen = hand | bluish
    if not present or not chosen.any():
        return Handwriting(False, round(score, 3), None)
    s = stats[chosen]
    x0, y0 = int(s[:, 0].min()), int(s[:, 1].min())
    x1, y1 = int((s[:, 0] + s[:, 2]).max()), int((s[:, 1] + s[:, 3]).max())
    return Handwriting(True, round(score, 3), (rx + x0, ry + y0, x1 - x0, y1 - y0))

