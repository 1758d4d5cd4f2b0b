"""A few text lines read before the page: which way up it is, and whether it is in Latin script.

Both used to be settled by reading the whole page first: an upside-down page read as garbage,
then read again turned; an English page read with the Chinese model, then again with the English
one. Each cost a full tesseract pass, about 1 s on a 300 dpi page, on one page in eight of the
generated sets. A strip of two of the page's densest lines, cut to a dozen text heights, costs a
twentieth of that. Where the strip says nothing clear, the page is read as before and judged on
its whole reading.

Measured on the 126 pages of the seed 7 and 11 sets: the strips of upright pages read at 0.14-0.95
(15 of 111 below 0.6), none of them better turned by the margin; six of the seven upside-down
pages' strips read better turned by 0.33 or more, the seventh (dot-matrix) alike both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from docintel.ocr.records import StepTiming, reading_confidence
from docintel.ocr.script import latin_script
from docintel.ocr.tesseract import run_tesseract

# Lines in the strip, and the width each is cut to, in text heights (about a dozen Chinese
# characters, twenty Latin letters). Reading costs about 2.5 ms a character: 45 ms for this strip.
SAMPLE_LINES = 2
SAMPLE_WIDTH = 12.0
# A text line is a run of inked rows this tall, in text heights (titles and table bands excluded).
_LINE_HEIGHT = (0.6, 2.0)
# Below this confidence the strip may be upside down (such strips read at 0.04-0.51), and its
# letters say nothing of the script (turned Chinese reads as Latin letters).
POOR_READING = 0.6
# One way up must read better than the other by this much to be believed.
ORIENTATION_MARGIN = 0.25
_MIN_CHARS = 6
# Letters the strip must show to judge the script. Fewer than a page needs (ocr/script.py): the
# strips of English pages read no Chinese at all, those of Chinese pages 56% and more; and a
# Chinese page taken for English is caught after its reading (ocr.recognize).
_MIN_LETTERS = 12
SampleScript = Literal["english", "latin"]
# The sample goes into the page's timings under this name.
SAMPLE_STEP = "sample"


@dataclass(frozen=True)
class PageSample:
    upside_down: bool | None  # None: not looked at, or the two ways up read alike
    script: SampleScript | None  # None: Chinese, or too few letters to tell
    timings: tuple[StepTiming, ...] = ()


def _text_lines(ink: np.ndarray, text_height: float) -> list[tuple[int, int]]:
    rows = np.count_nonzero(ink, axis=1) > max(3, 0.1 * text_height)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.view(np.int8), [0]))))
    low, high = (f * text_height for f in _LINE_HEIGHT)
    return [(int(top), int(bottom)) for top, bottom in zip(edges[::2], edges[1::2]) if low <= bottom - top <= high]


def sample_strip(gray: np.ndarray, text_height: float) -> np.ndarray | None:
    """The page's densest text lines, each cut to SAMPLE_WIDTH text heights from where its ink
    starts, stacked one under the other with a line's height of white between; None when the
    page shows no text line."""
    if text_height <= 0:
        return None
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    width, pad = int(SAMPLE_WIDTH * text_height), int(0.3 * text_height)
    windows = []
    for top, bottom in _text_lines(ink, text_height):
        columns = np.flatnonzero(np.count_nonzero(ink[top:bottom], axis=0))
        left = max(0, int(columns[0] - text_height))
        window = (max(0, top - pad), min(gray.shape[0], bottom + pad), left, min(gray.shape[1], left + width))
        windows.append((np.count_nonzero(ink[top:bottom, window[2]:window[3]]), window))
    if not windows:
        return None
    chosen = sorted(w for _, w in sorted(windows, key=lambda item: -item[0])[:SAMPLE_LINES])
    strip_width = max(right - left for _, _, left, right in chosen)
    gap = np.full((int(text_height), strip_width), 255, np.uint8)
    pieces = []
    for top, bottom, left, right in chosen:
        piece = gray[top:bottom, left:right]
        pieces += [np.pad(piece, ((0, 0), (0, strip_width - piece.shape[1])), constant_values=255), gap]
    return np.vstack(pieces[:-1])


def sample_page(gray: np.ndarray, text_height: float, lang: str, *, check_orientation: bool) -> PageSample:
    """Read the strip (turned too, when it reads poorly and orientation is checked)."""
    strip = sample_strip(gray, text_height)
    if strip is None:
        return PageSample(None, None)
    words, timing = run_tesseract(strip, lang, psm=6)
    timings = [timing]
    upside_down = None
    confidence = reading_confidence(words)
    if check_orientation and confidence < POOR_READING and sum(len(w.text) for w in words) >= _MIN_CHARS:
        turned, timing = run_tesseract(cv2.rotate(strip, cv2.ROTATE_180), lang, psm=6)
        timings.append(timing)
        turned_confidence = reading_confidence(turned)
        if turned_confidence > confidence + ORIENTATION_MARGIN:
            upside_down, words = True, turned
        elif confidence > turned_confidence + ORIENTATION_MARGIN:
            upside_down = False
    named = tuple(StepTiming(f"{t.name} ({SAMPLE_STEP})", True, t.detail, t.ms) for t in timings)
    script = latin_script(words, _MIN_LETTERS) if reading_confidence(words) >= POOR_READING else None
    return PageSample(upside_down, script, named)
