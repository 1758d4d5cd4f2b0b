"""A second look at ink the first OCR pass left unread.

tesseract's page layout analysis sometimes drops a whole block: with --psm 4 the right-hand
columns of a form (单位, 数量) can vanish when they sit far from the rest, and dot-matrix digits
are skipped as noise. Everything the first pass read is blanked out; what ink remains, in
pieces the size of text, is read once more as one uniform block.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from docintel.ocr.geometry import boxes_intersect, components, ink_mask
from docintel.ocr.records import Word

# Ink within this many text heights of a word already read belongs to that word.
_READ_MARGIN = 0.3
# A leftover piece is text-like when it is at least this tall and this big (in text heights)
# and not taller than a few lines (then it is a seal ring or a signature flourish).
_MIN_HEIGHT = 0.35
_MIN_AREA = 0.05
_MAX_HEIGHT = 3.0
# Pieces closer than about a character are one word, and a word region must be this tall.
_REGION_MIN_HEIGHT = 0.5
# Words read in the leftovers are kept only when tesseract is this sure of them.
MIN_CONFIDENCE = 0.6


def unread_regions(gray: np.ndarray, words: Sequence[Word], text_height: float) -> list[tuple[int, int, int, int]]:
    """Boxes of text-sized ink that no word read on the page covers."""
    h = max(8.0, text_height)
    ink = ink_mask(gray)
    margin = int(_READ_MARGIN * h)
    for word in words:
        x, y, w, hh = word.box
        ink[max(0, y - margin) : y + hh + margin, max(0, x - margin) : x + w + margin] = 0
    _, labels, stats = components(ink)
    height, area = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    text_like = (_MIN_HEIGHT * h <= height) & (height <= _MAX_HEIGHT * h) & (area >= _MIN_AREA * h * h)
    text_like[0] = False  # the background
    if not text_like.any():
        return []
    pieces = np.zeros_like(ink)
    for i in np.flatnonzero(text_like):
        # Each piece painted within its own box: a page holds hundreds, each a few glyphs big, and
        # comparing the whole page's labels once per piece took 90 ms a page.
        x, y, w, hh = stats[i, :4]
        box = pieces[y : y + hh, x : x + w]
        box[labels[y : y + hh, x : x + w] == i] = 255
    joined = cv2.dilate(pieces, cv2.getStructuringElement(cv2.MORPH_RECT, (int(h), max(1, int(h * 0.6)))))
    # Grown pieces only merge: there are no more regions than pieces.
    count, _, stats = components(joined, at_most=int(text_like.sum()))
    return [tuple(int(v) for v in stats[i][:4]) for i in range(1, count) if stats[i][3] >= _REGION_MIN_HEIGHT * h]


def residual_image(gray: np.ndarray, regions: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """The page with only the unread regions left on blank paper."""
    out = np.full_like(gray, 255)
    for x, y, w, h in regions:
        out[y : y + h, x : x + w] = gray[y : y + h, x : x + w]
    return out


def keep_residual_word(word: Word, read: Sequence[Word] = ()) -> bool:
    """A confident, alphanumeric word that is not a second reading of one already read: the
    first pass's box can be narrower than its glyph (年 boxed from its middle), and the part left
    outside reads as the same character again (2024 年 年 10 月, No. 0 0262448), which breaks a
    date or doubles a number's first digit."""
    if word.confidence < MIN_CONFIDENCE or not any(ch.isalnum() for ch in word.text):
        return False
    return not any(boxes_intersect(word.box, other.box) and _reads_again(word, other) for other in read)


def _reads_again(word: Word, other: Word) -> bool:
    """Whether `word` is `other`, or the glyph at the end of `other` on the side where it stands."""
    if other.text == word.text:
        return True
    if word.cx < other.cx:
        return other.text.startswith(word.text)
    return other.text.endswith(word.text)
