"""Was the receipt signed? Find the customer's sign-off field and look for handwriting in it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from docintel.extract.labels import LabelHit, find_labels, opens_field, vocabulary
from docintel.extract.marks import detect_handwriting
from docintel.ocr.geometry import ink_mask, rule_lines
from docintel.ocr.layout import SEGMENT_SEPARATOR, Line, bounding_box
from docintel.ocr.records import OcrPage

# The signature's confidence on a document where no sign-off field was found at all: nothing says
# whether it was signed (flags: no UNSIGNED on such a receipt, a doubt instead). A field found
# always gives 0.5 or more (marks_handwriting: a score of 0.5 and up is present, and an absent
# mark's confidence is 1 - score), so this value marks the case alone.
NO_SIGNOFF_FIELD_CONFIDENCE = 0.3
# How far from its label a signature may reach, in text-line heights.
_REACH_RIGHT = 11.0
_REACH_UP = 1.6
_REACH_DOWN = 1.8
# A label with less room than this beside it (at the page edge, or right before the next
# field) is signed underneath instead.
_MIN_ROOM_RIGHT = 4.0
_REACH_BELOW = 3.0
# OCR words this confident and about label-sized are printed text to mask out of the field.
_PRINTED_CONFIDENCE = 0.75
_PRINTED_HEIGHT_RANGE = (0.6, 1.4)
# A field written on a line runs to the line's end: a signature is put anywhere along it, often past
# the reach above. The line starts within this many text heights of the label, lies between the
# label's middle and this many heights below its bottom, breaks for at most a height (a pen stroke
# or a seal across it) and is this much darker than the paper around it.
_UNDERLINE_START = 3.0
_UNDERLINE_BELOW = 1.0
_UNDERLINE_MIN_DARK = 60
# The field takes in this much (in text heights) beyond the line's end: a name may overhang it.
_UNDERLINE_OVERHANG = 1.0
# A rule above the label at least this long (in text heights, and half the field's width) ends the field.
_RULE_ABOVE_MIN_LENGTH = 6.0

Box = tuple[int, int, int, int]
# A segment opening with a short run of Chinese characters closed by a colon: a field's label (its
# first character scribbled over may come out as a Latin letter or two: sk人: for 签收人:, or a
# stroke before it as a quote mark: ”等收和: for 签收人:).
_FIELD_LABEL = re.compile(r"[”“\"'‘’`。.,|]*\s*((?:[\u4e00-\u9fff]|[A-Za-z]{1,2}(?=\s*[\u4e00-\u9fff]))[\u4e00-\u9fff ()（）]{1,8}?)\s*[:：]")
# A label split by OCR into a run of Chinese characters and a short remainder before its colon, one
# column gap apart (客 据 從  人: for 客戶簽收:), or with the colon read into the next word (答 收和  :AL).
_SPLIT_LABEL = re.compile(r"([\u4e00-\u9fff][\u4e00-\u9fff ]{0,6})" + SEGMENT_SEPARATOR
                          + r"\s*([\u4e00-\u9fff]?)\s*[:：]")
# A colon, or a semicolon as OCR often reads one (签收人; for 签收人:).
_COLON = re.compile(r"[:：;；]")
# A label's second part in brackets, as printed (客户确认（签字盖章）) or read only in part (客户确认 (签字盖).
_OPENS_ASIDE = re.compile(r"\s*[(（“\"]?\s*")
_ASIDE = re.compile(r"\s*[(（“\"][\u4e00-\u9fff ]{1,6}[)）]?")
# How far right of the driver's label (in text heights) the driver's name may be written; the
# label after it that nothing matched is at most this many characters (收货人签字), up to a colon.
_DRIVER_NAME_REACH = 4.0
# ...or, on an English form, opens with at least this many letters of a sign-off label.
_LATIN_LABEL_MIN_LETTERS = 4
_UNREAD_LABEL = re.compile(r"[^\w\s]*\s*([\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){0,4})")


@dataclass(frozen=True)
class SignoffField:
    label: str
    label_box: Box
    region: Box
    present: bool
    score: float


def _clip(x0: float, y0: float, x1: float, y1: float, size: tuple[int, int]) -> Box | None:
    width, height = size
    x0, y0, x1, y1 = max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1))
    return (x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None


def signature_regions(
    lines: Sequence[Line], page_size: tuple[int, int]
) -> Iterator[tuple[str, Box, Box, float, float | None]]:
    """(label, label box, region to search, text height, how far right the field may run or None when
    it is searched underneath) for each customer sign-off label.

    Every field label and title is matched in the same pass so that they consume their text:
    送货签收单 is a title and 送货人签字 the driver's field, neither a customer sign-off.
    """
    vocab = vocabulary()
    group = {**vocab.titles, **vocab.fields}
    for line in lines:
        text = line.text
        hits = _find_field_labels(text, group)
        if not any(h.key == "signature" for h in hits):
            hits = sorted(hits + _unread_signoff_labels(line, hits), key=lambda h: h.start)
        for k, hit in enumerate(hits):
            if hit.key != "signature" or not opens_field(text, hit, hits[k - 1] if k else None):
                continue
            if k + 1 < len(hits) and hits[k + 1].key == "signature" and _OPENS_ASIDE.fullmatch(text[hit.end:hits[k + 1].start]):
                continue  # 客户确认（签字盖章）: one label, its field after the second part
            aside = _ASIDE.match(text, hit.end)
            words = line.words_in_span(hit.start, aside.end() if aside else hit.end)
            if not words:
                continue
            label_box = bounding_box(words)
            left, top, width, label_height = label_box
            right, bottom = left + width, top + label_height
            # The line's median height: one tall OCR box ("人:" read 2 lines high) must not
            # stretch the field up into the totals row.
            h = max(8.0, line.height)
            # Up to the next field on the line, or the page edge.
            limit = float(page_size[0])
            if k + 1 < len(hits):
                following = line.words_in_span(hits[k + 1].start, hits[k + 1].end)
                if following:
                    limit = min(w.box[0] for w in following) - h / 2
            reach = min(right + _REACH_RIGHT * h, limit)
            if reach - right >= _MIN_ROOM_RIGHT * h:
                region = _clip(right + 2, top - _REACH_UP * h, reach, bottom + _REACH_DOWN * h, page_size)
                side_limit: float | None = limit
            else:
                region = _clip(left - h, bottom, left + _REACH_RIGHT * h, bottom + _REACH_BELOW * h, page_size)
                side_limit = None
            if region is not None:
                yield hit.label, label_box, region, h, side_limit


def _find_field_labels(text: str, group: dict) -> list[LabelHit]:
    """Labels of a line; a misread label never runs on across a colon, so a fuzzy match that does
    (送货人:  签收 read as 送货人签字) is redone field by field."""
    hits = find_labels(text, group)
    if not any(h.fuzzy and _COLON.search(text, h.start, h.end) for h in hits):
        return hits
    out, start = [], 0
    for piece in _COLON.split(text):
        out += [LabelHit(h.key, h.label, h.start + start, h.end + start, h.fuzzy) for h in find_labels(piece, group)]
        start += len(piece) + 1
    return out


def _unread_signoff_labels(line: Line, hits: list[LabelHit]) -> list[LabelHit]:
    """On the sign line (it holds 送货人 / 制单 / 经手人), a field label that matches nothing known
    is the customer's sign-off whose print a signature has scribbled over: 收货人俭定: for
    收货人签字:, 等疏人: for 签收人:, sk人: for 签收人: (a stroke read as a Latin letter or two).
    Without a colon to go by, the field after the driver's name is taken (_field_after_driver)."""
    text = line.text
    driver = [h for h in hits if h.key == "not_signature"]
    if not driver:
        return []
    spans = []
    offset = 0
    for segment in text.split(SEGMENT_SEPARATOR):
        match = _FIELD_LABEL.match(segment)
        if match:
            spans.append((offset + match.start(1), offset + match.end(1)))
        offset += len(segment) + len(SEGMENT_SEPARATOR)
    for match in _SPLIT_LABEL.finditer(text):
        opens = match.start() == 0 or text[: match.start()].endswith(SEGMENT_SEPARATOR)
        if opens and len(re.sub(r"\s", "", match.group(1) + match.group(2))) >= 2:
            spans.append((match.start(1), match.end(2) if match.group(2) else match.end(1)))
    out: list[LabelHit] = []
    for start, end in sorted(spans):
        taken = hits + out
        if start >= driver[0].end and not any(h.start < end and start < h.end for h in taken):
            label = re.sub(r"\s+", "", text[start:end])
            out.append(LabelHit(key="signature", label=label, start=start, end=end, fuzzy=True))
    return out or _field_after_driver(line, hits, driver[-1])


def _field_after_driver(line: Line, hits: list[LabelHit], driver: LabelHit) -> list[LabelHit]:
    """The segment after the driver's field, its colon lost too (特 收 和 for 签收人, 收偶人答 for
    收货人签字): the next field's label, when it opens with Chinese and holds no known label; a
    signature read as letters after it (答 收 ALL) is no part of it. A segment close
    after the driver's label is the driver's name, not a field."""
    driver_words = line.words_in_span(driver.start, driver.end)
    if not driver_words:
        return []
    name_reach = max(w.x2 for w in driver_words) + _DRIVER_NAME_REACH * max(8.0, line.height)
    offset = 0
    for segment in line.segments:
        seg_text, start = segment.text, offset
        offset += len(seg_text) + len(SEGMENT_SEPARATOR)
        if start < driver.end or segment.x < name_reach:
            continue
        if any(h.start < start + len(seg_text) and start < h.end for h in hits):
            return []
        label = _UNREAD_LABEL.match(seg_text)
        if label is not None:
            read = re.sub(r"\s+", "", label.group(1))
            if _staff_label_misread(read, [h.label for h in hits]):
                return []  # 达货人: the driver's field misread (送货人), not the customer's
            return [LabelHit(key="signature", label=read, start=start + label.start(1), end=start + label.end(1), fuzzy=True)]
        span = _latin_label_start(seg_text)
        if span is None:
            return []
        return [LabelHit(key="signature", label=seg_text[span[0]:span[1]], start=start + span[0], end=start + span[1], fuzzy=True)]
    return []


def _staff_label_misread(read: str, on_line: Sequence[str]) -> bool:
    """Whether a label read is one character off the label of a driver's or clerk's field the line
    does not already show, and further off every customer sign-off label: 达货人 on a line with only
    制单 is 送货人; 收货人 beside 送货人签字 is the customer's."""
    fields = vocabulary().fields
    staff = [label for label in fields["not_signature"]
             if not label.isascii() and not any(label in seen or seen in label for seen in on_line)]
    signature = [label for label in fields["signature"] if not label.isascii()]
    return (any(Levenshtein.distance(read, label) <= 1 for label in staff)
            and all(Levenshtein.distance(read, label) >= 2 for label in signature))


def _latin_label_start(text: str) -> tuple[int, int] | None:
    """The span of `text`'s first words whose letters begin an English sign-off label, four letters
    or more: the rest of the label under the signature (Received b  di, Receive for Received by:)."""
    labels = [re.sub(r"[^a-z]", "", label.lower()) for label in vocabulary().fields["signature"] if label.isascii()]
    words = list(re.finditer(r"[A-Za-z]+", text))
    letters, end = "", None
    for word in words:
        if end is not None and text[end:word.start()].strip():
            break  # something other than a space between the words
        if not any(label.startswith(letters + word.group().lower()) for label in labels):
            break
        letters, end = letters + word.group().lower(), word.end()
    if end is None or len(letters) < _LATIN_LABEL_MIN_LETTERS:
        return None
    return words[0].start(), end


def _underline_end(gray: np.ndarray, label_box: Box, h: float, limit: float) -> int | None:
    """Right end of the line the field is written on, when one starts right after the label."""
    left, top, width, height = label_box
    start, stop = left + width, int(min(limit, gray.shape[1]))
    y0, y1 = max(0, top + height // 2), min(gray.shape[0], int(top + height + _UNDERLINE_BELOW * h))
    if stop - start < h or y1 <= y0:
        return None
    band = gray[y0:y1, start:stop]
    dark = (np.median(band) - band.astype(np.int16) > _UNDERLINE_MIN_DARK).astype(np.uint8)
    # A rule at most a few pixels thick, a little slanted: join neighbouring rows, keep long runs.
    dark = cv2.dilate(dark, np.ones((3, 1), np.uint8))
    runs = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, max(15, int(h))), np.uint8))
    covered = np.flatnonzero(runs.any(axis=0))
    if covered.size == 0 or covered[0] > _UNDERLINE_START * h:
        return None
    breaks = np.flatnonzero(np.diff(covered) > h)
    return start + int(covered[breaks[0]] if breaks.size else covered[-1])


def _along_underline(gray: np.ndarray, label_box: Box, region: Box, h: float, limit: float | None) -> Box:
    """The field beside its label, widened to the end of the line it is written on."""
    if limit is None:
        return region
    end = _underline_end(gray, label_box, h, limit)
    rx, ry, rw, rh = region
    if end is None or end <= rx + rw:
        return region
    return rx, ry, int(min(end + _UNDERLINE_OVERHANG * h, limit, gray.shape[1])) - rx, rh


def _table_above(gray: np.ndarray, label_box: Box, region: Box, h: float) -> Box | None:
    """The part of the field above a rule across it over the label: the table's bottom border and
    the table's last row (a total, a seal's ring stamped over it), nobody's signature."""
    rx, ry, rw, rh = region
    stop = label_box[1]
    if stop - ry < 2 or rw < h:
        return None
    band = ink_mask(gray[ry:stop, rx:rx + rw])
    across = rule_lines(band, max(int(_RULE_ABOVE_MIN_LENGTH * h), rw // 2))
    rows = np.flatnonzero(np.count_nonzero(across, axis=1) >= rw // 2)
    return (rx, ry, rw, int(rows[-1]) + 1) if rows.size else None


def find_signoff(page: OcrPage, lines: Sequence[Line]) -> list[SignoffField]:
    out = []
    low, high = _PRINTED_HEIGHT_RANGE
    gray = cv2.cvtColor(page.color, cv2.COLOR_BGR2GRAY) if page.color.ndim == 3 else page.color
    for label, label_box, region, h, limit in signature_regions(lines, page.size):
        region = _along_underline(gray, label_box, region, h, limit)
        rx, ry, rw, rh = region
        printed = [
            w.box
            for w in page.words
            if w.confidence >= _PRINTED_CONFIDENCE
            and low * h <= w.box[3] <= high * h
            and rx < w.cx < rx + rw
            and ry < w.cy < ry + rh
        ]
        table = _table_above(gray, label_box, region, h)
        found = detect_handwriting(page.color, region, printed, () if table is None else (table,))
        out.append(SignoffField(label, label_box, region, found.present, found.score))
    return out
