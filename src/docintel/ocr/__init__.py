"""OCR stage: a decoded page in, words with boxes and confidences out."""

from __future__ import annotations

import numpy as np

from docintel.ingest.records import LoadedDocument, SourcePage
from docintel.ocr.layout import Line, Segment, group_lines, page_text
from docintel.ocr.preprocess import PreprocessOptions, preprocess_page
from docintel.ocr.records import OcrPage, StepTiming, Word
from docintel.ocr.script import han_variant, is_latin_page
from docintel.ocr.tesseract import limit_tesseract_threads, run_tesseract

__all__ = [
    "AUTO_LANG", "Line", "OcrPage", "PreprocessOptions", "Segment", "StepTiming", "Word",
    "group_lines", "limit_tesseract_threads", "ocr_document", "ocr_page", "page_text", "recognize",
]

AUTO_LANG = "auto"
# What `auto` runs: simplified Chinese first (the common case, one pass); a page whose glyphs are
# traditional is read again with chi_tra, a Latin page with chi_sim+eng. One chi_sim+eng pass for
# everything reads short Chinese words as Latin garbage (五层纸箱 → "FRA"), so models are not mixed.
FIRST_PASS = "chi_sim"
SECOND_PASS = {"hant": "chi_tra", "latin": "chi_sim+eng"}


def recognize(image: np.ndarray, lang: str) -> tuple[list[Word], list[StepTiming]]:
    """Words on a prepared page. `lang` is a tesseract language string, or `auto`."""
    if lang != AUTO_LANG:
        words, timing = run_tesseract(image, lang)
        return words, [timing]
    words, first = run_tesseract(image, FIRST_PASS)
    script = "latin" if is_latin_page(words) else han_variant(image, words)
    if script not in SECOND_PASS:
        return words, [first]
    words, second = run_tesseract(image, SECOND_PASS[script])
    return words, [first, second]


def ocr_page(source: SourcePage, lang: str, options: PreprocessOptions = PreprocessOptions()) -> OcrPage:
    if source.text_layer:
        # The PDF already says what it reads: trust it, and keep the rendering for seals and display.
        words = [Word(text=w.text, box=w.box, confidence=1.0) for w in source.text_layer]
        return OcrPage(index=source.index, words=words, color=source.image, source="text_layer")
    prepared = preprocess_page(source.image, options, dpi=source.dpi)
    words, timings = recognize(prepared.ocr_image, lang)
    steps = [StepTiming(s.name, s.applied, s.detail, s.ms) for s in prepared.steps] + timings
    return OcrPage(
        index=source.index,
        words=words,
        color=prepared.color,
        source="tesseract",
        rotation=prepared.rotation,
        skew_deg=prepared.skew_deg,
        scale=prepared.scale,
        steps=steps,
    )


def ocr_document(document: LoadedDocument, lang: str, options: PreprocessOptions = PreprocessOptions()) -> list[OcrPage]:
    return [ocr_page(page, lang, options) for page in document.pages]
