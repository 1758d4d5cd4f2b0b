"""Records of the OCR stage: words with boxes and confidences, per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[int, int, int, int]  # x, y, w, h in the page's corrected (`color`) coordinates
    confidence: float  # 0..1
    line_key: tuple[int, int, int] = (0, 0, 0)  # tesseract block, paragraph, line

    @property
    def x2(self) -> int:
        return self.box[0] + self.box[2]

    @property
    def y2(self) -> int:
        return self.box[1] + self.box[3]

    @property
    def cx(self) -> float:
        return self.box[0] + self.box[2] / 2

    @property
    def cy(self) -> float:
        return self.box[1] + self.box[3] / 2


def reading_confidence(words: list[Word]) -> float:
    """Mean confidence per character read."""
    chars = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / chars if chars else 0.0


@dataclass(frozen=True)
class StepTiming:
    name: str
    applied: bool
    detail: str
    ms: float


@dataclass
class OcrPage:
    index: int
    words: list[Word]
    color: np.ndarray  # the geometry-corrected colour page: seals, signatures, display
    source: Literal["tesseract", "text_layer"]
    rotation: int = 0
    skew_deg: float = 0.0
    scale: float = 1.0
    steps: list[StepTiming] = field(default_factory=list)
    lang: str = ""  # the tesseract language that read the words ("" for a text layer)
    # Seals found in `color` while preparing it for OCR (they are erased before reading), so that
    # extraction need not search the page again; None when they were not looked for in this image.
    seal_boxes: list[tuple[int, int, int, int]] | None = None

    @property
    def size(self) -> tuple[int, int]:
        height, width = self.color.shape[:2]
        return width, height

    @property
    def text(self) -> str:
        from docintel.ocr.layout import page_text

        return page_text(self.words)
