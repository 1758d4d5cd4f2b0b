"""Read one small region of a page again, prepared for dot-matrix print: a field's value that the
page-wide pass garbled.

The page-wide preparation erases rules and reads the page as a layout. On a carbonless form the
printer's line is shifted onto the form's underline, so erasing the rule cuts the digits, and the
separate pins of each glyph are read as noise. Here the crop is cut to the text it holds (the
underline and the neighbouring lines stay out unless they run through the print), the pins are
joined by a small blur, the crop is enlarged to the size tesseract reads best, and it is read as
one line. Each `RegionLook` reads it another way; the caller tries them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from docintel.ocr.geometry import ink_mask, opened_by_line
from docintel.ocr.preprocess_color import remove_red_in_boxes
from docintel.ocr.records import StepTiming, Word
from docintel.ocr.tesseract import run_tesseract

# A single text line, no layout analysis.
LINE_PSM = 7
# tesseract reads glyphs best at about this height (px); a crop whose text is smaller is enlarged.
READ_TEXT_HEIGHT = 48
MAX_ENLARGE = 3.0
# Joins the pins of a dot-matrix glyph (a share of the text height) without merging strokes.
JOIN_BLUR_SHARE = 0.06
JOIN_MASK_SHARE = 0.15
# Rows of ink less than this share of the text height apart are one text line (pin rows of a
# dot-matrix glyph leave blank rows between them).
ROW_GAP_SHARE = 0.3
# A row or column of the joined glyph mask counts as text with at least this share of a text height of ink.
MIN_INK_SHARE = 0.35
# The value's line reaches at most this many text heights above and below the label's middle.
LINE_REACH = 0.9
# Ink runs this many text heights apart are separate fields: the value ends at the first such gap.
FIELD_GAP_HEIGHTS = 2.0
# A line whose own print is at most this share of the height it was expected at (a dot-matrix
# value beside a form's larger printed label) is read at its own height.
OWN_HEIGHT_SHARE = 0.6
# The share of a line's ink left out at its top and at its bottom when its height is measured.
PRINT_TRIM = 0.03
# Margin kept around the text found (share of the text height), and a white border around the crop:
# tesseract misses glyphs that touch the image edge.
MARGIN_SHARE = 0.2
BORDER_SHARE = 0.5
# Percentiles of the crop taken as black print and as paper.
INK_PERCENTILE = 2
PAPER_PERCENTILE = 60
# A rule is a straight run of ink at least this many text heights long (no glyph is).
RULE_TEXT_HEIGHTS = 3.0
# A rule at most this share of the text height thick is bridged where a stroke crosses it.
STROKE_BRIDGE_SHARE = 0.25
# A crop of one line is shorter than a rule must be long: a vertical run of ink through this share
# of its height is a table's column rule (no glyph of the line reaches past its margins).
CROSSING_RULE_SHARE = 0.9
# Blank columns added after each glyph when glyphs are set apart, as a share of the read text height.
GLYPH_GAP_SHARE = 0.5


class RegionLook(Enum):
    """The ways a region is read, in the order they are tried."""

    # Rules kept, the pins of dot-matrix print joined by a small blur, the page's language.
    JOINED = "joined"
    # Rules lifted off the print with the strokes that cross them left standing, English added:
    # the Chinese models alone misread digits with no Chinese around them.
    RULES_LIFTED = "rules lifted"
    # Black and white, unblurred, each glyph set apart from the next: in a line read whole a
    # thin 1 beside another digit is dropped (31 → 3, 21 → 2), and read apart it is not.
    GLYPHS_APART = "glyphs apart"
    # As GLYPHS_APART, read by the English model alone: for a number and nothing else. The Chinese
    # models read the dotted zero of a numbering machine's face as 9 or 6; English reads it as 0.
    DIGITS_APART = "digits apart"

    @property
    def apart(self) -> bool:
        return self in (RegionLook.GLYPHS_APART, RegionLook.DIGITS_APART)


# The looks a field whose value did not parse is read with, in order.
REREAD_LOOKS = (RegionLook.JOINED, RegionLook.RULES_LIFTED, RegionLook.GLYPHS_APART)


def _runs(present: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """[start, end) runs of True, bridging gaps of up to max_gap."""
    runs: list[tuple[int, int]] = []
    for index in np.flatnonzero(present):
        if runs and index - runs[-1][1] <= max_gap:
            runs[-1] = (runs[-1][0], int(index) + 1)
        else:
            runs.append((int(index), int(index) + 1))
    return runs


def _nearest_run(runs: list[tuple[int, int]], at: float) -> tuple[int, int]:
    """The run holding `at`, or else the one whose nearer end is nearest it."""
    return min(runs, key=lambda r: 0 if r[0] <= at < r[1] else min(abs(r[0] - at), abs(r[1] - at)))


def text_extent(gray: np.ndarray, text_height: float, center_y: float) -> tuple[int, int, int, int] | None:
    """The text line nearest center_y in a crop, from its first ink to the first wide gap:
    (x0, y0, x1, y1), or None when the crop holds no text. Rules are left out of the measure, and
    so are columns and rows with only a few pixels of ink (a broken underline, a smudge)."""
    mask = ink_mask(gray)
    glyphs = cv2.subtract(mask, _line_rules(mask, text_height))
    join = max(1, int(JOIN_MASK_SHARE * text_height))
    glyphs = cv2.dilate(glyphs, np.ones((join, join), np.uint8)) > 0
    least = max(1, int(MIN_INK_SHARE * text_height))
    rows = _runs(glyphs.sum(axis=1) >= least, int(ROW_GAP_SHARE * text_height))
    if not rows:
        return None
    y0, y1 = _nearest_run(rows, center_y)
    # Smudges can bridge the gap to the next line: a line is at most this tall around the label.
    reach = LINE_REACH * text_height
    y0, y1 = max(y0, int(center_y - reach)), min(y1, int(center_y + reach))
    columns = _runs(glyphs[y0:y1].sum(axis=0) >= least, int(FIELD_GAP_HEIGHTS * text_height))
    if y1 <= y0 or not columns:
        return None
    x0, x1 = columns[0]
    return x0, y0, x1, y1


def print_rows(gray: np.ndarray, text_height: float, center_y: float) -> tuple[int, int] | None:
    """The [top, bottom) rows of the print nearest center_y in a crop cut to one line of text: rules
    left out, the pins of dot-matrix print joined down each column (closing does not grow the
    print, as text_extent's dilation does), and PRINT_TRIM of its ink cut off at the top and at
    the bottom (a stub of a rule or a box's edge at the crop's edge): the line's own height,
    whatever its label's."""
    mask = ink_mask(gray)
    glyphs = cv2.subtract(mask, _line_rules(mask, text_height))
    join = max(1, int(JOIN_MASK_SHARE * text_height))
    glyphs = cv2.morphologyEx(glyphs, cv2.MORPH_CLOSE, np.ones((join, 1), np.uint8)) > 0
    profile = glyphs.sum(axis=1)
    runs = _runs(profile > 0, 1)
    if not runs:
        return None
    top, bottom = _nearest_run(runs, center_y)
    ink = np.cumsum(profile[top:bottom])
    first, last = np.searchsorted(ink, (PRINT_TRIM * ink[-1], (1 - PRINT_TRIM) * ink[-1]))
    return top + int(first), top + int(last) + 1


def lift_rules(gray: np.ndarray, text_height: float) -> np.ndarray:
    """The crop with its rules painted as paper, except where a glyph's stroke crosses one: ink
    just above and just below a rule pixel is a stroke running through it, and stays. (The
    page-wide erasure takes the crossing strokes too, which cuts print that sits on its underline.)"""
    mask = ink_mask(gray)
    across = opened_by_line(mask, max(3, int(RULE_TEXT_HEIGHTS * text_height)), horizontal=True)
    down = cv2.subtract(_column_rules(mask, text_height), across)
    if not across.any() and not down.any():
        return gray
    reach = max(3, int(STROKE_BRIDGE_SHARE * text_height)) | 1
    glyphs = cv2.subtract(mask, cv2.bitwise_or(across, down))
    # A stroke through a rule runs across it: up and down through a horizontal one, sideways
    # through a column's (a dot-matrix 0 printed onto the rule right of its cell).
    crossing = cv2.bitwise_or(
        cv2.bitwise_and(across, cv2.morphologyEx(glyphs, cv2.MORPH_CLOSE, np.ones((reach, 1), np.uint8))),
        cv2.bitwise_and(down, cv2.morphologyEx(glyphs, cv2.MORPH_CLOSE, np.ones((1, reach), np.uint8))))
    out = gray.copy()
    out[(cv2.bitwise_or(across, down) > 0) & (crossing == 0)] = int(np.percentile(gray, PAPER_PERCENTILE))
    return out


def vertical_rule_columns(gray: np.ndarray, text_height: float) -> list[tuple[int, int]]:
    """The [start, end) columns of each vertical rule in a crop of one text line, left to right,
    with the ink's fringe (the rule as ink_mask finds it, grown by a pixel)."""
    present = cv2.dilate(_column_rules(ink_mask(gray), text_height), np.ones((1, 3), np.uint8)).any(axis=0)
    return _runs(present, 1)


def _line_rules(mask: np.ndarray, text_height: float) -> np.ndarray:
    """The rules in a crop of one text line: runs of ink RULE_TEXT_HEIGHTS long, and the column
    rules crossing it (_column_rules)."""
    across = opened_by_line(mask, max(3, int(RULE_TEXT_HEIGHTS * text_height)), horizontal=True)
    return cv2.bitwise_or(across, _column_rules(mask, text_height))


def _column_rules(mask: np.ndarray, text_height: float) -> np.ndarray:
    """Vertical runs of ink RULE_TEXT_HEIGHTS long or through CROSSING_RULE_SHARE of the crop's height."""
    length = max(3, min(int(RULE_TEXT_HEIGHTS * text_height), int(CROSSING_RULE_SHARE * mask.shape[0])))
    return opened_by_line(mask, length, horizontal=False)


def glyphs_apart(binary: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """A black-on-white line with `gap` blank columns added wherever ink gives way to paper, and
    for each of its columns the column of `binary` it came from (an added one: the glyph's end)."""
    inked = (binary < 128).any(axis=0)
    ends = np.repeat(np.flatnonzero(inked[:-1] & ~inked[1:]) + 1, gap)
    return np.insert(binary, ends, 255, axis=1), np.insert(np.arange(binary.shape[1]), ends, ends)


def _at_own_height(
    gray: np.ndarray, extent: tuple[int, int, int, int], text_height: float, center_y: float
) -> tuple[tuple[int, int, int, int], float]:
    """The extent and the text height to read it at: where the line's print is much smaller than
    expected, its own rows and height. Read at the label's height, a small dot-matrix date is
    blurred past reading and never enlarged (2024/05/27 read 2全LI beside a label twice its size)."""
    x0, y0, x1, y1 = extent
    rows = print_rows(gray[y0:y1, x0:x1], text_height, center_y - y0)
    if rows is None or rows[1] - rows[0] > OWN_HEIGHT_SHARE * text_height:
        return extent, text_height
    return (x0, y0 + rows[0], x1, y0 + rows[1]), float(rows[1] - rows[0])


@dataclass(frozen=True)
class PreparedRegion:
    image: np.ndarray
    factor: float  # enlargement of the crop
    border: int
    columns: np.ndarray  # for each column of the image read, the enlarged crop's column

    def to_crop(self, x: int, y: int) -> tuple[int, int]:
        """A point of the image read, in the crop's coordinates."""
        column = self.columns[min(max(x, 0), len(self.columns) - 1)]
        return round(column / self.factor), round((y - self.border) / self.factor)


def prepare_region(gray: np.ndarray, text_height: float, look: RegionLook) -> PreparedRegion:
    """The crop prepared for `look`: enlarged to READ_TEXT_HEIGHT, contrast stretched, on a white border."""
    if look is RegionLook.RULES_LIFTED:
        gray = lift_rules(gray, text_height)
    factor = min(MAX_ENLARGE, max(1.0, READ_TEXT_HEIGHT / max(text_height, 1.0)))
    image = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC) if factor > 1 else gray
    sigma = JOIN_BLUR_SHARE * text_height * factor
    if sigma >= 0.5 and not look.apart:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    # Coloured carbonless paper and faint carbon print: stretch so the paper is white and the
    # darkest print black, which also makes the crop's edge meet the white border without a step.
    dark, paper = np.percentile(image, (INK_PERCENTILE, PAPER_PERCENTILE))
    stretched = (image.astype(np.float32) - dark) * (255.0 / max(paper - dark, 1.0))
    image = np.clip(stretched, 0, 255).astype(np.uint8)
    border = int(BORDER_SHARE * text_height * factor)
    image = cv2.copyMakeBorder(image, border, border, border, border, cv2.BORDER_CONSTANT, value=255)
    columns = np.arange(image.shape[1]) - border
    if look.apart:
        # The threshold is taken with the border in: paper then outweighs the print as on a page.
        image = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
        image, columns = glyphs_apart(image, int(GLYPH_GAP_SHARE * text_height * factor))
        columns = columns - border
    return PreparedRegion(image, factor, border, columns)


def read_region(
    color: np.ndarray, box: tuple[int, int, int, int], text_height: float, lang: str, look: RegionLook = RegionLook.JOINED,
    seal_boxes: Sequence[tuple[int, int, int, int]] = (),
) -> tuple[list[Word], StepTiming]:
    """The words of the text line in `box` (x, y, w, h in `color`'s coordinates) nearest its
    middle, read as one line; their boxes are mapped back into `color`'s coordinates. Red ink
    within `seal_boxes` is erased before reading, after the line is found: the fringe an erased
    ring leaves would be taken for the line's first ink."""
    name = f"tesseract {lang} (region, {look.value})"
    x, y, w, h = box
    height, width = color.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x1 <= x0 or y1 <= y0:
        return [], StepTiming(name, False, "empty region", 0.0)
    crop = color[y0:y1, x0:x1]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    extent = text_extent(gray, text_height, (y + h / 2) - y0)
    if extent is None:
        return [], StepTiming(name, False, "no ink", 0.0)
    gray = remove_red_in_boxes(crop, gray, [(sx - x0, sy - y0, sw, sh) for sx, sy, sw, sh in seal_boxes])
    extent, text_height = _at_own_height(gray, extent, text_height, (y + h / 2) - y0)
    margin = int(MARGIN_SHARE * text_height)
    ex0, ey0 = max(0, extent[0] - margin), max(0, extent[1] - margin)
    ex1, ey1 = min(gray.shape[1], extent[2] + margin), min(gray.shape[0], extent[3] + margin)
    prepared = prepare_region(gray[ey0:ey1, ex0:ex1], text_height, look)
    words, timing = run_tesseract(prepared.image, lang, psm=LINE_PSM)
    left, top = x0 + ex0, y0 + ey0
    mapped = []
    for word in words:
        wx, wy, ww, wh = word.box
        (cx0, cy0), (cx1, cy1) = prepared.to_crop(wx, wy), prepared.to_crop(wx + ww, wy + wh)
        mapped.append(Word(text=word.text, box=(left + cx0, top + cy0, cx1 - cx0, cy1 - cy0),
                           confidence=word.confidence, line_key=word.line_key))
    return mapped, StepTiming(name, True, timing.detail, timing.ms)
