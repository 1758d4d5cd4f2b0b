"""Handwritten signatures in a sign-off field: blue or dark strokes that are not printed text, form
rules or a red seal. Colours are compared against the paper's own colour, so blue carbonless paper
does not read as blue ink."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from docintel.extract.marks_seal import _clip_box, detect_seals, is_achromatic
from docintel.ocr.geometry import estimate_text_height, remove_rules
from docintel.ocr.preprocess_color import paper_color, red_excess

Box = tuple[int, int, int, int]

# Blue ink: B exceeds max(R, G) by this much more than the paper does (blue carbon paper is bluish).
# A light ballpoint name on white paper, scanned at 150 dpi, is only 15-25 more (seeds 101, 606, 808).
BLUE_EXCESS = 15
# Dark ink: this many grey levels below the local paper (faint carbon copies are ~60-90 below).
INK_DELTA = 45
RED_IGNORE_EXCESS = 40
# The rim around red ink (px, an odd kernel size), and the share of a component on it that makes
# it a stamp's outline rather than a pen stroke (one crossing a seal has most of its length off it).
# Stamps' outlines on unsigned receipts were seen at 0.21-0.29; at 0.2, 778 scans of five fresh sets
# and the committed samples read 4 unsigned receipts right more and 2 dot-matrix signed ones wrong
# more: a receipt read signed that was not is the costlier mistake (no UNSIGNED flag).
RED_RIM_PX = 5
RED_RIM_MAX_SHARE = 0.2
# Printed text height is measured on a band this many region-heights tall around the field.
TEXT_BAND_HEIGHTS = 3
DEFAULT_TEXT_HEIGHT = 40.0
# OCR sometimes reads a handwritten name as words; boxes taller than this many printed-text heights
# are handwriting, not print, so they are not masked.
PRINTED_MAX_HEIGHT = 1.5
# Straight rules at least this many text heights long are form lines/underscores.
RULE_TEXT_HEIGHTS = 2.0
# Rows a removed rule takes with its fringe, and a little more: a stroke crossing it is rejoined.
_RULE_BAND_PX = 11
# A component whose pixels spread less than this many text heights (standard deviation) across its
# main direction is a thin straight line (a 1-2 px streak spreads ~0.5 px); a pen stroke is wider and
# curves (even a single upright stroke of a carbon copy spreads ~2 px).
STRAIGHT_MAX_SPREAD = 0.025
# Specks smaller than this share of text height² are noise/JPEG artefacts.
SPECK_AREA = 0.04
# A dark component counts as handwriting when its extent reaches this many printed text heights.
HAND_MIN_EXTENT = 1.4
# Smaller pieces count together when at least this many lie within this many text heights of each
# other: a faint carbon or grey signature keeps only its darkest bits, and a cursive name along the
# sign line is cut in pieces where the line is taken out (on eight sample sets, 7 signed receipts
# more read right and no unsigned one read signed; 4 pieces read one unsigned receipt's trace of an
# erased signature as one). Pieces of which this share have their top and height the same
# within this many text heights are a row of print.
FRAGMENTS_MIN = 5
FRAGMENT_JOIN = 0.6
PRINTED_ROW_SHARE = 0.6
PRINTED_ROW_TOLERANCE = 0.1
# Evidence needed for presence, and the evidence that scores 1.0. Blue evidence is stroke length
# (area / stroke width) in text heights; dark evidence is the summed extent of handwriting-like
# components in text heights.
BLUE_MIN_LENGTH = 1.5
DARK_MIN_EXTENT = 2.0
FULL_SCORE_EVIDENCE = 5.0


# On greyscale scans a seal is no longer red. Seals are searched this many printed text heights around
# the field (a 40 mm stamp is ~12 text heights across), and inside a seal the stamp's grey ink (at
# most the second of these many levels below the paper, less when its ring is lighter) is dropped; pen
# strokes are darker and keep their cores. Its ring's darkness is read from pixels past the first.
SEAL_SEARCH_TEXT_HEIGHTS = 12
GREY_SEAL_DARK_RANGE = (55, 170)
# The stamp's own darkness is read along its ring (this many samples on each of these shares of its
# axes, this percentile of the inked ones, at least this many of them); pen ink darker than it by
# more than the margin is kept.
RING_DARKNESS_SAMPLES = 360
RING_DARKNESS_BAND = (0.92, 0.96, 1.0)
RING_DARKNESS_PERCENTILE = 80
RING_DARKNESS_MIN_HITS = 40
SEAL_DARKNESS_MARGIN = 25
# The stamp's area, as a share of its fitted ring's axes: the fit may follow the ring's inner edge, and
# the outer edge and its blur belong to the stamp too.
SEAL_MASK_SCALE = 1.12
# ...grown by this many text heights: a double ring's fit may follow its inner ring.
SEAL_MASK_GROW = 0.4
# A black stamp is dropped whole, and a signature written over it shows only where it runs out of
# the ring, often by less than a text height: its mask stays closer to the ring.
BLACK_SEAL_MASK_SCALE = 1.05
BLACK_SEAL_MASK_GROW = 0.25
# A page that is nearly all pure black or white is a black-and-white scan: no grey level to go by.
BINARY_EXTREME_SHARE = 0.97


@dataclass(frozen=True)
class Handwriting:
    present: bool
    score: float
    box: Box | None


def _clip_region(region: Box, shape: tuple[int, ...]) -> Box:
    return _clip_box(region, shape)


def _ring_darkness(darkness: np.ndarray, ellipse: tuple) -> float | None:
    """How dark the stamp's ink is: a high percentile of the inked samples along its ring (the
    ellipse in `darkness` coordinates); None when too little of the ring is inked there."""
    (cx, cy), (ax1, ax2), angle = ellipse
    t = np.linspace(0, 2 * np.pi, RING_DARKNESS_SAMPLES, endpoint=False)
    rot = np.radians(angle)
    values = []
    for f in RING_DARKNESS_BAND:
        ex, ey = ax1 / 2 * f * np.cos(t), ax2 / 2 * f * np.sin(t)
        x = np.round(cx + ex * np.cos(rot) - ey * np.sin(rot)).astype(int)
        y = np.round(cy + ex * np.sin(rot) + ey * np.cos(rot)).astype(int)
        ok = (x >= 0) & (x < darkness.shape[1]) & (y >= 0) & (y < darkness.shape[0])
        values.append(darkness[y[ok], x[ok]])
    ink = np.concatenate(values)
    ink = ink[ink > GREY_SEAL_DARK_RANGE[0]]
    return float(np.percentile(ink, RING_DARKNESS_PERCENTILE)) if ink.size >= RING_DARKNESS_MIN_HITS else None


def _grey_seal_ink(color: np.ndarray, region: Box, text_h: float, darkness: np.ndarray) -> np.ndarray:
    """Mask (in region coordinates) of a greyscale seal's ink inside the field.

    On a grey page the stamp's ink is as dark as its ring, measured along the ring; a pen stroke over
    it is darker and keeps its core. When the stamp is black (a black-and-white page) both are alike:
    the whole inside of the stamp is dropped (a signature that runs out of it still counts outside)."""
    rx, ry, rw, rh = region
    out = np.zeros((rh, rw), bool)
    grey = color[ry:ry + rh, rx:rx + rw, 1]
    binary = np.mean((grey < 40) | (grey > 215)) >= BINARY_EXTREME_SHARE
    pad = int(SEAL_SEARCH_TEXT_HEIGHTS * text_h)
    x0, y0 = max(0, rx - pad), max(0, ry - pad)
    x1, y1 = min(color.shape[1], rx + rw + pad), min(color.shape[0], ry + rh + pad)
    high = GREY_SEAL_DARK_RANGE[1]
    for seal in detect_seals(color[y0:y1, x0:x1]):
        if seal.ellipse is None:
            continue
        # The ring is sampled on the page around the field, where most of it lies.
        level = None if binary else _ring_darkness(_darkness_map(color[y0:y1, x0:x1, 1], text_h), seal.ellipse)
        black = binary or (level is not None and level + SEAL_DARKNESS_MARGIN >= high)
        (cx, cy), (ax1, ax2), angle = seal.ellipse
        scale, grow = (BLACK_SEAL_MASK_SCALE, BLACK_SEAL_MASK_GROW) if black else (SEAL_MASK_SCALE, SEAL_MASK_GROW)
        inside = np.zeros((rh, rw), np.uint8)
        box = ((cx + x0 - rx, cy + y0 - ry), (ax1 * scale, ax2 * scale), angle)
        cv2.ellipse(inside, box, 1, -1)
        cv2.ellipse(inside, box, 1, max(2, int(2 * grow * text_h)))
        inside = inside.astype(bool)
        if black:
            out |= inside  # a black stamp: no darker pen stroke to tell apart
            continue
        top = high if level is None else level + SEAL_DARKNESS_MARGIN
        # All ink inside the stamp lighter than its ring is the stamp's, down to the faintest: the
        # blurred fringe of its glyphs (on a phone photo) joins into glyph-sized strokes otherwise.
        out |= inside & (darkness < top)
    return out


def _darkness_map(gray: np.ndarray, text_h: float) -> np.ndarray:
    """Grey levels below the local paper (a closing a little wider than a stroke)."""
    k = max(15, int(text_h * 1.5) | 1)
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return paper.astype(np.int16) - gray.astype(np.int16)


def _text_height_near(color: np.ndarray, region: Box) -> float:
    x, y, w, h = region
    pad = h * (TEXT_BAND_HEIGHTS - 1) // 2
    y0, y1 = max(0, y - pad), min(color.shape[0], y + h + pad)
    band = color[y0:y1]
    if band.size == 0:
        return DEFAULT_TEXT_HEIGHT
    height = estimate_text_height(band)
    return height if height >= 8 else DEFAULT_TEXT_HEIGHT


def _stroke_lengths(
    mask: np.ndarray, blue: np.ndarray, red_rim: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per component: stats, approximate centre-line length (area / stroke width), share of blue
    pixels, the spread of its pixels across their main direction (standard deviation, px), and
    the share of its pixels on the rim of red ink."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return np.zeros((0, 5), int), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    # Mean of 2*dist over a stroke is about its width; per component via bincount.
    flat = labels.ravel()
    sums = np.bincount(flat, weights=dist.ravel(), minlength=n)
    areas = stats[:, cv2.CC_STAT_AREA].astype(float)
    width = np.maximum(1.0, 2.0 * sums / np.maximum(areas, 1) + 0.5)
    length = areas / width
    blues = np.bincount(flat, weights=(blue & (mask > 0)).ravel().astype(float), minlength=n)
    rims = np.bincount(flat, weights=(red_rim & (mask > 0)).ravel().astype(float), minlength=n)
    return (stats[1:], length[1:], (blues / np.maximum(areas, 1))[1:], _cross_spread(labels, n, areas)[1:],
            (rims / np.maximum(areas, 1))[1:])


def _cross_spread(labels: np.ndarray, n: int, areas: np.ndarray) -> np.ndarray:
    """Per label, the standard deviation of its pixels along their minor principal axis: about a
    third of the width for a straight line, large for anything that curves."""
    ys, xs = np.indices(labels.shape, dtype=np.float64)
    flat, xs, ys = labels.ravel(), xs.ravel(), ys.ravel()
    count = np.maximum(areas, 1)
    mx, my = (np.bincount(flat, weights=v, minlength=n) / count for v in (xs, ys))
    sxx = np.bincount(flat, weights=xs * xs, minlength=n) / count - mx * mx
    syy = np.bincount(flat, weights=ys * ys, minlength=n) / count - my * my
    sxy = np.bincount(flat, weights=xs * ys, minlength=n) / count - mx * my
    half_trace, det = (sxx + syy) / 2, sxx * syy - sxy * sxy
    minor = half_trace - np.sqrt(np.maximum(half_trace * half_trace - det, 0))
    return np.sqrt(np.maximum(minor, 0))


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


def _fragment_clusters(stats: np.ndarray, shape: tuple[int, int], text_h: float) -> list[Box]:
    """Boxes of the clusters that fragments too small to be handwriting alone make (a faint carbon
    copy of a signature, or a grey phone photo of one, keeps only its darkest bits): at least
    FRAGMENTS_MIN of them, each within FRAGMENT_JOIN text heights of the next, reaching as far as
    one handwritten stroke must (HAND_MIN_EXTENT), and not a row of print (_printed_row)."""
    if len(stats) < FRAGMENTS_MIN:
        return []
    canvas = np.zeros(shape, np.uint8)
    for x, y, w, h, _ in stats:
        canvas[y:y + h, x:x + w] = 255
    k = max(3, int(FRAGMENT_JOIN * text_h) | 1)
    joined = cv2.dilate(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    count, labels, boxes, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    cluster_of = labels[stats[:, 1] + stats[:, 3] // 2, stats[:, 0] + stats[:, 2] // 2]
    out = []
    for index in range(1, count):
        x, y, w, h, _ = (int(v) for v in boxes[index])
        parts = stats[cluster_of == index]
        if len(parts) >= FRAGMENTS_MIN and max(w, h) >= HAND_MIN_EXTENT * text_h and not _printed_row(parts, text_h):
            out.append((x, y, w, h))
    return out


def _printed_row(parts: np.ndarray, text_h: float) -> bool:
    """Whether most glyphs the fragments make share their top and their height, as printed ones do
    (a total's digits read too unsurely to be masked as print, a name printed on the sign line); a
    hand's do not. A glyph is the fragments standing over each other (三's three strokes)."""
    columns: list[list[int]] = []  # [left, right, top, bottom]: a glyph's parts stand over each other
    for x, y, w, h, _ in sorted(parts.tolist()):
        if columns and x < columns[-1][1]:
            last = columns[-1]
            last[1], last[2], last[3] = max(last[1], x + w), min(last[2], y), max(last[3], y + h)
        else:
            columns.append([x, x + w, y, y + h])
    boxes = np.array(columns, float)
    tops, heights = boxes[:, 2], boxes[:, 3] - boxes[:, 2]
    tolerance = PRINTED_ROW_TOLERANCE * text_h
    aligned = (np.abs(tops - np.median(tops)) <= tolerance) & (np.abs(heights - np.median(heights)) <= tolerance)
    return bool(aligned.mean() >= PRINTED_ROW_SHARE)


def detect_handwriting(
    color: np.ndarray, region: Box, printed_boxes: Sequence[Box] = (), others: Sequence[Box] = ()
) -> Handwriting:
    """Whether handwritten strokes (a signature) are in `region`, ignoring printed words, form lines and
    red seals. `others` are parts of the region that belong to something else (the table above the
    field): their ink is no one's, yet they stay in the region, so a stroke cut off there does not
    touch its border. Boxes are (x, y, w, h) in `color` coordinates."""
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
    if is_achromatic(roi):
        ink &= ~_grey_seal_ink(color, (rx, ry, rw, rh), text_h, local_paper - gray)
    # Mask printed words (but not word boxes tall enough to be handwriting OCR mistook for print).
    pad = max(2, int(text_h * 0.1))
    printed = [box for box in printed_boxes if box[3] <= PRINTED_MAX_HEIGHT * text_h]
    for (bx, by, bw, bh), grow in [(box, pad) for box in printed] + [(box, 0) for box in others]:
        x0, y0 = max(0, bx - rx - grow), max(0, by - ry - grow)
        x1, y1 = min(rw, bx - rx + bw + grow), min(rh, by - ry + bh + grow)
        if x1 > x0 and y1 > y0:
            ink[y0:y1, x0:x1] = False
    mask = ink.astype(np.uint8) * 255
    rule = max(15, int(text_h * RULE_TEXT_HEIGHTS))
    # Erase rules with their anti-aliased/JPEG fringe: the fringe would otherwise bridge printed
    # glyphs that sit on the line (dot-matrix print is often offset onto the rule) into one long blob.
    rules = cv2.subtract(mask, remove_rules(mask, rule))
    cut = cv2.dilate(rules, np.ones((5, 5), np.uint8))
    mask = cv2.subtract(mask, cut)
    # A signature written across the field's line is cut in pieces by that: each stroke loses the
    # band of the line, and no piece is a signature's size. The band is inked back where ink stands
    # both above and below it, which a crossing stroke has and the line alone has not.
    crossing = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, _RULE_BAND_PX)))
    mask = cv2.bitwise_or(mask, cv2.bitwise_and(crossing, cut))
    # Join dotted carbon-copy strokes and pen skips, without merging separate printed glyphs much.
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    # A red stamp's strokes have a dark rim where their ink thins into the paper (blur, JPEG): no
    # longer red, still dark. A seal stamped across the field leaves its glyphs and ring outlined so.
    red_rim = cv2.dilate(red.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (RED_RIM_PX, RED_RIM_PX))) > 0
    stats, length, blue_share, spread, rim_share = _stroke_lengths(mask, blue, red_rim & ~red)
    if len(stats) == 0:
        return Handwriting(False, 0.0, None)
    area = stats[:, cv2.CC_STAT_AREA]
    keep = (area >= SPECK_AREA * text_h * text_h) & (rim_share < RED_RIM_MAX_SHARE)
    # A thin straight line, slanted (a scanner streak, a rule on a skewed page, either cut in pieces by
    # the field's rule), escapes the rule filter: it is no pen stroke either.
    diagonal = np.hypot(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep &= ~((diagonal >= HAND_MIN_EXTENT * text_h) & (spread <= STRAIGHT_MAX_SPREAD * text_h))
    # Components glued to the region border over a long stretch are the page edge or a cut rule.
    # Not its right end: that is only where the search stops (a reach, the next field), and a
    # signature runs on past it.
    touches = ((stats[:, cv2.CC_STAT_LEFT] == 0) | (stats[:, cv2.CC_STAT_TOP] == 0)
               | (stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] >= rh))
    edge_blob = touches & (area > 4 * text_h * text_h)
    keep &= ~edge_blob
    hand = keep & _handwriting_like(stats, text_h)
    bluish = keep & (blue_share >= 0.5)
    blue_len = float(length[bluish].sum()) / text_h
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    dark_extent = float(extent[hand].sum()) / text_h
    # Fragments off any seal's rim and off the region's border (cut print, a rule) may add up to one.
    clusters = _fragment_clusters(stats[keep & ~hand & ~bluish & (rim_share == 0) & ~touches], (rh, rw), text_h)
    dark_extent += sum(max(w, h) for _, _, w, h in clusters) / text_h
    # Put both kinds of evidence on the dark scale: the threshold of each maps to DARK_MIN_EXTENT.
    evidence = max(blue_len * DARK_MIN_EXTENT / BLUE_MIN_LENGTH, dark_extent)
    present = evidence >= DARK_MIN_EXTENT
    score = min(1.0, 0.5 + 0.5 * (evidence - DARK_MIN_EXTENT) / (FULL_SCORE_EVIDENCE - DARK_MIN_EXTENT)) \
        if present else 0.5 * evidence / DARK_MIN_EXTENT
    chosen = hand | bluish
    if not present or not (chosen.any() or clusters):
        return Handwriting(False, round(score, 3), None)
    s = np.vstack([stats[chosen][:, :4], np.array(clusters, int).reshape(-1, 4)])
    x0, y0 = int(s[:, 0].min()), int(s[:, 1].min())
    x1, y1 = int((s[:, 0] + s[:, 2]).max()), int((s[:, 1] + s[:, 3]).max())
    return Handwriting(True, round(score, 3), (rx + x0, ry + y0, x1 - x0, y1 - y0))

