"""Was the receipt signed? Find the customer's sign-off field and look for handwriting in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docintel.extract.labels import find_labels, vocabulary
from docintel.extract.marks import detect_handwriting
from docintel.ocr.layout import Line
from docintel.ocr.records import OcrPage

# How far from its label a signature may reach, in label heights.
_REACH_RIGHT = 11.0
_REACH_UP = 1.6
_REACH_DOWN = 1.8
# OCR words this confident and about label-sized are printed text to mask out of the field.
_PRINTED_CONFIDENCE = 0.75
_PRINTED_HEIGHT_RANGE = (0.6, 1.4)


@dataclass(frozen=True)
class SignoffField:
    label: str
    label_box: tuple[int, int, int, int]
    region: tuple[int, int, int, int]
    present: bool
    score: float


def _signature_regions(lines: Sequence[Line], page_size: tuple[int, int]):
    fields = vocabulary().fields
    group = {"signature": fields["signature"], "not_signature": fields["not_signature"]}
    all_labels = {**fields}
    width, height = page_size
    for line in lines:
        for seg_index, segment in enumerate(line.segments):
            for hit in find_labels(segment.text, group):
                if hit.key != "signature":
                    continue
                words = segment.words_in_span(hit.start, hit.end)
                left = min(w.box[0] for w in words)
                top = min(w.box[1] for w in words)
                right = max(w.x2 for w in words)
                bottom = max(w.y2 for w in words)
                label_h = max(8, bottom - top)
                reach = right + int(_REACH_RIGHT * label_h)
                # Stop at the next labelled field on the same line (送货人, 日期 …).
                for later in line.segments[seg_index + 1 :]:
                    if find_labels(later.text, all_labels, fuzzy=False) and later.x > right:
                        reach = min(reach, later.x - label_h // 2)
                        break
                x0, x1 = right + 2, min(width, reach)
                y0 = max(0, top - int(_REACH_UP * label_h))
                y1 = min(height, bottom + int(_REACH_DOWN * label_h))
                if x1 - x0 > label_h:
                    yield hit.label, (left, top, right - left, bottom - top), (x0, y0, x1 - x0, y1 - y0), label_h


def find_signoff(page: OcrPage, lines: Sequence[Line]) -> list[SignoffField]:
    out = []
    for label, label_box, region, label_h in _signature_regions(lines, page.size):
        rx, ry, rw, rh = region
        low, high = _PRINTED_HEIGHT_RANGE
        printed = [
            w.box
            for w in page.words
            if w.confidence >= _PRINTED_CONFIDENCE
            and low * label_h <= w.box[3] <= high * label_h
            and w.cx > rx and w.cx < rx + rw and w.cy > ry and w.cy < ry + rh
        ]
        found = detect_handwriting(page.color, region, printed)
        out.append(SignoffField(label, label_box, region, found.present, found.score))
    return out
