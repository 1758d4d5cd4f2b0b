"""OCR stage: a decoded page in, words with boxes and confidences out."""

from __future__ import annotations

from docintel.ingest.records import LoadedDocument, SourcePage
from docintel.ocr.layout import Line, Segment, group_lines, page_text
from docintel.ocr.preprocess import PreprocessOptions, preprocess_page
from docintel.ocr.records import OcrPage, StepTiming, Word
from docintel.ocr.tesseract import limit_tesseract_threads, run_tesseract

__all__ = [
    "Line", "OcrPage", "PreprocessOptions", "Segment", "StepTiming", "Word",
    "group_lines", "limit_tesseract_threads", "ocr_document", "ocr_page", "page_text",
]


def ocr_page(source: SourcePage, lang: str, options: PreprocessOptions = PreprocessOptions()) -> OcrPage:
    if source.text_layer:
        # The PDF already says what it reads: trust it, and keep the rendering for seals and display.
        words = [Word(text=w.text, box=w.box, confidence=1.0) for w in source.text_layer]
        return OcrPage(index=source.index, words=words, color=source.image, source="text_layer")
    prepared = preprocess_page(source.image, options, dpi=source.dpi)
    words, timing = run_tesseract(prepared.ocr_image, lang)
    steps = [StepTiming(s.name, s.applied, s.detail, s.ms) for s in prepared.steps] + [timing]
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
