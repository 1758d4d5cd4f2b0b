"""Company seals (公章): red stamps on colour pages, stamp-shaped rings on greyscale and black-and-white
scans.

A colour page is searched for red ink, compared against the paper's own colour so pink or yellow
carbonless paper does not read as red; on a form printed in red the stamp is told from the print by
its thicker strokes. A greyscale or black-and-white scan has no red left, so a seal
is found by shape: a ring of ink much thicker than printed strokes, closed (or cut only by the page
edge), with sparse text inside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from docintel.ocr.geometry import remove_rules, scaled_box
from docintel.ocr.preprocess_color import paper_color, red_excess

Box = tuple[int, int, int, int]

SEAL_WORK_SIDE = 1000
# Red ink threshold for seals: a bit lower than for red-ink erasing, so faded stamps still count.
SEAL_RED_EXCESS = 32
# A seal's diameter is at least this share of the page's short side (a 38-42 mm stamp on an A5/A4
# page is 0.2-0.3; a small red logo is well under 0.08).
SEAL_MIN_DIAMETER = 0.10
SEAL_MAX_DIAMETER = 0.60
SEAL_MAX_AXIS_RATIO = 1.9
ROUND_AXIS_RATIO = 1.15
# Ring test: share of the ellipse perimeter (inside the image) that lies on seal ink.
RING_SAMPLES = 144
RING_MIN_COVERAGE = 0.55
# At least this share of the ring must be on the page (a seal can hang half off the edge).
RING_MIN_VISIBLE = 0.40
# A seal is a ring with sparse text inside, not a filled red disc (logo, red block).
SEAL_MAX_FILL = 0.55
SEAL_MIN_FILL = 0.03
# Share of the axes inside which a seal's text is looked for: an English stamp's text runs just
# inside the ring and may leave the centre empty.
SEAL_TEXT_SCALE = 0.85
# A ring closed this far is a stamp even when its text is too faint to show in the ink mask.
SEAL_CLOSED_COVERAGE = 0.90
# Rectangular seals: a closed red frame, text inside, no long red lines crossing the interior.
RECT_MIN_COVERAGE = 0.80
RECT_MAX_ASPECT = 3.5
# A rectangular stamp (收讫, 已付款) is a few centimetres long: a red frame across much of the page is
# a printed table.
RECT_MAX_SIDE = 0.4
# Red straight runs longer than this share of the page's short side are form rules, not seal rings
# (the flattest stretch of a ring, at its top, runs ~0.1 of the short side).
SEAL_RULE_LENGTH = 0.3

# --- achromatic pages ----------------------------------------------------------------------------
# A page whose pixels differ between channels by at most this much (99th percentile) has no colour...
ACHROMATIC_MAX_CHROMA = 12
ACHROMATIC_PERCENTILE = 99
# ...unless some pixels are clearly coloured ink: a seal and a blue signature are well under 1% of a
# mostly blank colour page (0.3-1% of the pixels), grey and black-and-white scans have none at all.
ACHROMATIC_INK_CHROMA = 50
ACHROMATIC_MAX_INK_SHARE = 0.001
ACHROMATIC_SAMPLES = 80_000
# Ink: this many grey levels below the local paper (a red seal turned grey is ~80-140 below white).
GREY_INK_DELTA = 50
# Local paper level: a max filter this share of the work image's long side, so shadows are not ink.
GREY_PAPER_WINDOW = 0.03
# A stamp ring is ~1.1 mm of ink (~4 px at the work scale), printed strokes ~0.3 mm: an opening with
# this kernel keeps rings, stars and stamp characters and drops body text.
GREY_THICK_KERNEL = 3
# On achromatic pages text and rules are ink too, so the ring tests are stricter than for red ink.
GREY_RING_MIN_COVERAGE = 0.70
GREY_MAX_FILL = 0.40
# A ring with clear paper all around it may have faded more (a worn stamp, a black-and-white
# threshold, a ring cut by the paper edge and the corrected page's fill): nothing else crosses it,
# so its gaps are not the spaces between unrelated strokes.
GREY_ISOLATED_MIN_COVERAGE = 0.60
GREY_ISOLATED_MAX_OUTSIDE = 0.10
# Just outside the ring the paper is mostly clear: a filled shape (a QR code, a black block, a dense
# table) is ink there too.
RING_OUTSIDE_SCALE = 1.12
GREY_MAX_OUTSIDE = 0.35
# Ellipse refits after dropping outline points off the previous fit (keep the best REFIT_KEEP share,
# and anything within REFIT_TOLERANCE of the fitted radius).
REFIT_ROUNDS = 3
REFIT_KEEP = 0.7
REFIT_TOLERANCE = 0.04


@dataclass(frozen=True)
class Seal:
    box: Box
    shape: Literal["round", "oval", "rect"]
    score: float
    # The fitted ring of a round/oval seal, ((cx, cy), (axis1, axis2), angle°) as cv2.ellipse takes it.
    ellipse: tuple[tuple[float, float], tuple[float, float], float] | None = None


@dataclass(frozen=True)
class _RingRules:
    """Acceptance thresholds for a ring on one kind of ink mask."""

    min_coverage: float
    max_fill: float
    max_outside: float  # 1.0 disables the outside test (red ink: nothing else is red)
    # A lower coverage accepted when the paper just outside the ring is this clear (None: never).
    isolated_coverage: float | None = None
    isolated_outside: float = 0.0


RED_RULES = _RingRules(RING_MIN_COVERAGE, SEAL_MAX_FILL, 1.0)
GREY_RULES = _RingRules(GREY_RING_MIN_COVERAGE, GREY_MAX_FILL, GREY_MAX_OUTSIDE,
                        GREY_ISOLATED_MIN_COVERAGE, GREY_ISOLATED_MAX_OUTSIDE)


def _ellipse_points(center: tuple[float, float], axes: tuple[float, float], angle_deg: float,
                    f: float) -> tuple[np.ndarray, np.ndarray]:
    cx, cy = center
    a, b = axes[0] / 2 * f, axes[1] / 2 * f
    t = np.linspace(0, 2 * math.pi, RING_SAMPLES, endpoint=False)
    rot = math.radians(angle_deg)
    ex, ey = a * np.cos(t), b * np.sin(t)
    x = cx + ex * math.cos(rot) - ey * math.sin(rot)
    y = cy + ex * math.sin(rot) + ey * math.cos(rot)
    return np.round(x).astype(int), np.round(y).astype(int)


def _ring_coverage(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float],
                   angle_deg: float) -> tuple[float, float]:
    """(share of ellipse samples inside the image, share of those that hit ink)."""
    h, w = mask.shape
    hits = np.zeros(RING_SAMPLES, bool)
    inside = np.zeros(RING_SAMPLES, bool)
    # The ring has a width and the fitted ellipse may sit on its outer or inner edge: probe a band.
    for f in (0.90, 0.95, 1.0, 1.04):
        xi, yi = _ellipse_points(center, axes, angle_deg, f)
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        if f == 1.0:
            inside = ok
        hit = np.zeros(RING_SAMPLES, bool)
        hit[ok] = mask[yi[ok], xi[ok]] > 0
        hits |= hit
    visible = float(inside.mean())
    coverage = float(hits[inside].mean()) if inside.any() else 0.0
    return visible, coverage


def _outside_density(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float],
                     angle_deg: float) -> float:
    """Share of on-page samples on an ellipse just outside the ring that hit ink."""
    h, w = mask.shape
    xi, yi = _ellipse_points(center, axes, angle_deg, RING_OUTSIDE_SCALE)
    ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    return float((mask[yi[ok], xi[ok]] > 0).mean()) if ok.any() else 0.0


def _ellipse_fill(mask: np.ndarray, center: tuple[float, float], axes: tuple[float, float], angle: float,
                  scale: float = 0.7) -> float:
    """Ink density strictly inside the ring (within `scale` of the axes), over the visible part."""
    inner = np.zeros(mask.shape, np.uint8)
    cv2.ellipse(inner, (center, (axes[0] * scale, axes[1] * scale), angle), 255, -1)
    area = cv2.countNonZero(inner)
    return cv2.countNonZero(cv2.bitwise_and(mask, inner)) / area if area else 1.0


def _normalized_radius(pts: np.ndarray, ellipse: tuple) -> np.ndarray:
    """Each point's distance from the ellipse centre over the ellipse's radius in that direction (1 = on it)."""
    (cx, cy), (ax1, ax2), angle = ellipse
    rot = math.radians(angle)
    dx, dy = pts[:, 0] - cx, pts[:, 1] - cy
    u = dx * math.cos(rot) + dy * math.sin(rot)
    v = -dx * math.sin(rot) + dy * math.cos(rot)
    return np.sqrt((u / max(ax1 / 2, 1e-3)) ** 2 + (v / max(ax2 / 2, 1e-3)) ** 2)


def _ellipse_fits(pts: np.ndarray):
    """The least-squares ellipse through the outline, then refits on the points near it: where text or
    a rule touches the ring, the outline bulges and drags the first fit off the ring."""
    pts = pts.astype(np.float32)
    for _ in range(REFIT_ROUNDS + 1):
        if len(pts) < 12:
            return
        ellipse = cv2.fitEllipse(pts)
        yield ellipse
        if min(ellipse[1]) <= 0:
            return
        err = np.abs(_normalized_radius(pts, ellipse) - 1)
        keep = err <= max(REFIT_TOLERANCE, float(np.quantile(err, REFIT_KEEP)))
        if keep.all():
            return
        pts = pts[keep]


def _round_seal(mask: np.ndarray, ink: np.ndarray, contour: np.ndarray, short_side: int,
                rules: _RingRules) -> tuple[float, tuple] | None:
    h, w = mask.shape
    pts = contour.reshape(-1, 2)
    # Points on the image border are where the seal was cut off, not its outline.
    off_edge = (pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)
    for (cx, cy), (ax1, ax2), angle in _ellipse_fits(pts[off_edge]):
        major, minor = max(ax1, ax2), min(ax1, ax2)
        if minor <= 0 or major / minor > SEAL_MAX_AXIS_RATIO:
            continue
        if not (SEAL_MIN_DIAMETER * short_side <= minor and major <= SEAL_MAX_DIAMETER * max(h, w)):
            continue
        visible, coverage = _ring_coverage(ink, (cx, cy), (ax1, ax2), angle)
        if visible < RING_MIN_VISIBLE or coverage < min(rules.min_coverage, rules.isolated_coverage or 1.0):
            continue
        # Something is written inside (thin stamp text counts), but it is not a filled shape.
        if coverage < SEAL_CLOSED_COVERAGE and _ellipse_fill(ink, (cx, cy), (ax1, ax2), angle, SEAL_TEXT_SCALE) < SEAL_MIN_FILL:
            continue
        if _ellipse_fill(mask, (cx, cy), (ax1, ax2), angle) > rules.max_fill:
            continue
        max_outside = rules.max_outside if coverage >= rules.min_coverage else rules.isolated_outside
        if max_outside < 1.0 and _outside_density(mask, (cx, cy), (ax1, ax2), angle) > max_outside:
            continue
        score = min(1.0, 0.5 + 0.5 * (coverage - rules.min_coverage) / (1 - rules.min_coverage) + 0.1 * visible)
        return score, ((cx, cy), (ax1, ax2), angle)
    return None


def _rect_seal(mask: np.ndarray, contour: np.ndarray, short_side: int, rules: _RingRules) -> float | None:
    x, y, bw, bh = cv2.boundingRect(contour)
    if min(bw, bh) < SEAL_MIN_DIAMETER * short_side * 0.6 or max(bw, bh) / min(bw, bh) > RECT_MAX_ASPECT:
        return None
    if max(bw, bh) > RECT_MAX_SIDE * max(mask.shape):
        return None
    approx = cv2.approxPolyDP(contour, 0.04 * cv2.arcLength(contour, True), True)
    if len(approx) != 4 or cv2.contourArea(approx) < 0.85 * bw * bh:
        return None
    roi = mask[y:y + bh, x:x + bw] > 0
    band = max(2, int(min(bw, bh) * 0.06))
    edges = [roi[:band].any(axis=0), roi[-band:].any(axis=0), roi[:, :band].any(axis=1), roi[:, -band:].any(axis=1)]
    coverage = float(np.mean([e.mean() for e in edges]))
    if coverage < RECT_MIN_COVERAGE:
        return None
    interior = roi[band * 2:-band * 2, band * 2:-band * 2]
    if interior.size == 0:
        return None
    fill = float(interior.mean())
    # Table grids: some interior row or column is inked almost end to end.
    crossing = max(interior.mean(axis=1).max(initial=0), interior.mean(axis=0).max(initial=0))
    if not SEAL_MIN_FILL <= fill <= rules.max_fill or crossing > 0.85:
        return None
    return min(1.0, 0.4 + 0.5 * coverage)


def _seals_in_mask(mask: np.ndarray, rules: _RingRules, allow_rect: bool,
                   ring_ink: np.ndarray | None = None) -> list[tuple[Box, str, float, tuple | None]]:
    """Ring-shaped seals in a work-scale ink mask: (box, shape, score, fitted ellipse or None) in work
    coordinates. Ring coverage is measured on `ring_ink` when given (all ink, where `mask` keeps only thick strokes)."""
    short_side = min(mask.shape)
    # Pre-printed table rules would merge a seal stamped over the table into one huge component;
    # rules are straight for far longer than any stretch of a seal ring, so they can be cut out first.
    mask = remove_rules(mask, max(15, int(short_side * SEAL_RULE_LENGTH)))
    # Heal the ring where other ink crossed it and join the ring to its inner text.
    k = max(3, short_side // 150)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    ring = closed if ring_ink is None else cv2.bitwise_or(closed, ring_ink)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    found: list[tuple[Box, str, float, tuple | None]] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if max(bw, bh) < SEAL_MIN_DIAMETER * short_side * 0.6:
            continue
        round_fit = _round_seal(closed, ring, contour, short_side, rules)
        if round_fit is not None:
            score, ((cx, cy), (ax1, ax2), angle) = round_fit
            major, minor = max(ax1, ax2), min(ax1, ax2)
            shape = "round" if major / minor <= ROUND_AXIS_RATIO else "oval"
            box = cv2.boundingRect(cv2.ellipse2Poly((int(cx), int(cy)), (int(ax1 / 2), int(ax2 / 2)),
                                                    int(angle), 0, 360, 5))
            found.append((_clip_box(box, mask.shape), shape, score, ((cx, cy), (ax1, ax2), angle)))
        elif allow_rect:
            rect_score = _rect_seal(closed, contour, short_side, rules)
            if rect_score is not None:
                found.append(((x, y, bw, bh), "rect", rect_score, None))
    return found


def is_achromatic(image: np.ndarray) -> bool:
    """True for greyscale/black-and-white scans stored as three equal channels."""
    if image.ndim == 2:
        return True
    step = max(1, int(math.sqrt(image.shape[0] * image.shape[1] / ACHROMATIC_SAMPLES)))
    sample = image[::step, ::step].reshape(-1, 3).astype(np.int16)
    chroma = sample.max(axis=1) - sample.min(axis=1)
    return (float(np.percentile(chroma, ACHROMATIC_PERCENTILE)) <= ACHROMATIC_MAX_CHROMA
            and float(np.mean(chroma > ACHROMATIC_INK_CHROMA)) < ACHROMATIC_MAX_INK_SHARE)


def _red_mask(small: np.ndarray) -> np.ndarray:
    return ((red_excess(small, paper_color(small)) > SEAL_RED_EXCESS) * 255).astype(np.uint8)


def _grey_ink_masks(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(all ink, ink strokes at least stamp-ring thick) on an achromatic work image."""
    gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    win = max(9, int(max(gray.shape) * GREY_PAPER_WINDOW) | 1)
    paper = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (win, win)))
    ink = ((paper.astype(np.int16) - gray) > GREY_INK_DELTA).astype(np.uint8) * 255
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (GREY_THICK_KERNEL, GREY_THICK_KERNEL))
    return ink, cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)


def detect_seals(color: np.ndarray) -> list[Seal]:
    """Round/oval/rectangular stamps on the page, best first; empty when there is none."""
    # An integer shrink factor: area resizing by a whole factor is several times faster than by a
    # fraction, and the work image stays within SEAL_WORK_SIDE.
    factor = max(1, math.ceil(max(color.shape[:2]) / SEAL_WORK_SIDE))
    scale = 1.0 / factor
    achromatic = is_achromatic(color)
    # All channels alike: one is enough.
    source = color[..., 1] if achromatic and color.ndim == 3 else color
    small = cv2.resize(source, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if factor > 1 else source
    if achromatic:
        # Rectangular stamps are not searched without colour: table cells and boxes look the same.
        ink, thick = _grey_ink_masks(small)
        found = _seals_in_mask(thick, GREY_RULES, allow_rect=False, ring_ink=ink)
    else:
        red = _red_mask(small)
        found = _seals_in_mask(red, RED_RULES, allow_rect=True)
        if not found:
            # A form printed in red ink: its rules and text touch the stamp and merge with it. The
            # stamp's ring is thicker than printed strokes, so it is searched among thick red strokes,
            # with the stricter tests of ink that is not only the stamp's.
            thick = cv2.morphologyEx(red, cv2.MORPH_OPEN, cv2.getStructuringElement(
                cv2.MORPH_ELLIPSE, (GREY_THICK_KERNEL, GREY_THICK_KERNEL)))
            found = _seals_in_mask(thick, GREY_RULES, allow_rect=False, ring_ink=red)
    seals = []
    for box, shape, score, fit in found:
        full = scaled_box(box, 1 / scale)
        ellipse = None
        if fit is not None:
            (cx, cy), (ax1, ax2), angle = fit
            ellipse = ((float(cx) / scale, float(cy) / scale), (float(ax1) / scale, float(ax2) / scale), float(angle))
        seals.append(Seal(box=_clip_box(full, color.shape[:2]), shape=shape, score=round(float(score), 3),
                          ellipse=ellipse))
    return sorted(seals, key=lambda s: -s.score)


def _clip_box(box: Box, shape: tuple[int, ...]) -> Box:
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(shape[1], x + w), min(shape[0], y + h)
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))
