"""Rebuild reading order from word boxes: lines, and segments (phrases) within a line.

tesseract in sparse mode returns Chinese text a character or two at a time and its own
line numbers break across table cells, so lines are regrouped from geometry alone.
"""

from __future__ import annotations

import statistics
import unicodedata
from dataclasses import dataclass
from collections.abc import Sequence

from docintel.ocr.records import Word

# Words on one line overlap vertically by at least this share of the shorter one.
_LINE_OVERLAP = 0.45
# A gap wider than this many line heights separates two segments (cells, label and value).
_SEGMENT_GAP = 1.1
# Segments of a line are joined with this in its text: two spaces read as a column gap.
SEGMENT_SEPARATOR = "  "
# A gap wider than this many line heights between two Chinese characters is a printed space.
_SPACE_GAP = 0.3


def is_cjk(char: str) -> bool:
    return "CJK" in unicodedata.name(char, "") or "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef"


def word_spans(words: Sequence[Word]) -> tuple[str, list[tuple[int, int, Word]]]:
    """Join OCR words into text, with each word's character span in it.

    Latin words are separated by a space. CJK characters only where the print leaves a gap
    (品名 规格 in one cell), because tesseract boxes every Chinese character as its own word.
    """
    text, spans = "", []
    height = statistics.median(w.box[3] for w in words) if words else 0
    previous: Word | None = None
    for word in words:
        if previous is not None:
            cjk_pair = is_cjk(previous.text[-1]) or is_cjk(word.text[0])
            if not cjk_pair or word.box[0] - previous.x2 > _SPACE_GAP * height:
                text += " "
        spans.append((len(text), len(text) + len(word.text), word))
        text += word.text
        previous = word
    return text, spans


def join_words(words: Sequence[Word]) -> str:
    return word_spans(words)[0]


@dataclass(frozen=True)
class Segment:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return join_words(self.words)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return bounding_box(self.words)

    @property
    def x(self) -> int:
        return self.box[0]

    @property
    def x2(self) -> int:
        return self.box[0] + self.box[2]

    @property
    def confidence(self) -> float:
        return statistics.fmean(w.confidence for w in self.words)

    def words_in_span(self, start: int, end: int) -> tuple[Word, ...]:
        """The words that carry characters start..end of `text`."""
        return tuple(w for s, e, w in word_spans(self.words)[1] if s < end and e > start)


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]  # left to right
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return SEGMENT_SEPARATOR.join(s.text for s in self.segments)

    def words_in_span(self, start: int, end: int) -> tuple[Word, ...]:
        """The words that carry characters start..end of `text`."""
        out: list[Word] = []
        offset = 0
        for segment in self.segments:
            seg_text = segment.text
            if offset < end and offset + len(seg_text) > start:
                out.extend(segment.words_in_span(start - offset, end - offset))
            offset += len(seg_text) + len(SEGMENT_SEPARATOR)
        return tuple(out)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return bounding_box(self.words)

    @property
    def height(self) -> float:
        return statistics.median(w.box[3] for w in self.words)

    @property
    def cy(self) -> float:
        x, y, w, h = self.box
        return y + h / 2


def bounding_box(words: Sequence[Word]) -> tuple[int, int, int, int]:
    left = min(w.box[0] for w in words)
    top = min(w.box[1] for w in words)
    right = max(w.x2 for w in words)
    bottom = max(w.y2 for w in words)
    return left, top, right - left, bottom - top


def _overlap(a_top: float, a_bottom: float, b_top: float, b_bottom: float) -> float:
    inter = min(a_bottom, b_bottom) - max(a_top, b_top)
    shorter = min(a_bottom - a_top, b_bottom - b_top)
    return inter / shorter if shorter > 0 else 0.0


def split_segments(words: Sequence[Word], gap: float = _SEGMENT_GAP) -> tuple[Segment, ...]:
    if not words:
        return ()
    height = statistics.median(w.box[3] for w in words)
    groups: list[list[Word]] = [[words[0]]]
    for word in words[1:]:
        previous = groups[-1][-1]
        if word.box[0] - previous.x2 > gap * height:
            groups.append([word])
        else:
            groups[-1].append(word)
    return tuple(Segment(tuple(g)) for g in groups)


def group_lines(words: Sequence[Word]) -> list[Line]:
    """Cluster words into text lines, top to bottom, each sorted left to right."""
    pending = sorted((w for w in words if w.text.strip()), key=lambda w: (w.cy, w.box[0]))
    rows: list[list[Word]] = []
    bands: list[tuple[float, float]] = []
    for word in pending:
        top, bottom = word.box[1], word.y2
        best, best_overlap = None, _LINE_OVERLAP
        # Only the last few rows can still take a word: words arrive sorted by centre.
        for i in range(max(0, len(rows) - 4), len(rows)):
            overlap = _overlap(top, bottom, *bands[i])
            if overlap >= best_overlap:
                best, best_overlap = i, overlap
        if best is None:
            rows.append([word])
            bands.append((top, bottom))
        else:
            rows[best].append(word)
            band_top, band_bottom = bands[best]
            # Track the row's typical extent, not its union, so a tall seal glyph cannot swallow two rows.
            heights = sorted(w.box[3] for w in rows[best])
            mid = statistics.median(w.cy for w in rows[best])
            half = heights[len(heights) // 2] / 2
            bands[best] = (mid - half, mid + half)
    lines = []
    for row in rows:
        ordered = tuple(sorted(row, key=lambda w: w.box[0]))
        lines.append(Line(ordered, split_segments(ordered)))
    lines.sort(key=lambda line: line.cy)
    return lines


def page_text(words: Sequence[Word]) -> str:
    return "\n".join(line.text for line in group_lines(words))
