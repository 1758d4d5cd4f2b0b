"""OCR stage: a decoded page in, words with boxes and confidences out."""

from __future__ import annotations

import cv2
import numpy as np

from docintel.ingest.records import LoadedDocument, SourcePage
from docintel.ocr.layout import Line, Segment, group_lines, page_text
from docintel.ocr.preprocess import PreprocessOptions, preprocess_page
from docintel.ocr.records import OcrPage, StepTiming, Word
from docintel.ocr.region import REREAD_LOOKS, RegionLook, read_region
from docintel.ocr.residual import keep_residual_word, residual_image, unread_regions
from docintel.ocr.script import han_variant, is_latin_page, is_pure_latin_page
from docintel.ocr.tesseract import run_tesseract
from docintel.settings import get_settings

__all__ = [
    "AUTO_LANG", "REREAD_LOOKS", "Line", "OcrPage", "PreprocessOptions", "RegionLook", "Segment", "StepTiming", "Word",
    "group_lines", "ocr_document", "ocr_page", "page_text", "read_page_region", "recognize",
]

AUTO_LANG = "auto"
# What `auto` runs: simplified Chinese first (the common case, one pass); a page whose glyphs are
# traditional is read again with chi_tra, a Latin page with chi_sim+eng (eng alone when no Chinese is
# on it). One chi_sim+eng pass for
# everything reads short Chinese words as Latin garbage (五层纸箱 → "FRA"), so models are not mixed.
FIRST_PASS = "chi_sim"
_UPSIDE_DOWN_CONFIDENCE = 0.45
# Leftover ink is read as one uniform block: it is a few scattered cells, not a page layout.
RESIDUAL_PSM = 6
_MIN_WORDS = 20
SECOND_PASS = {"hant": "chi_tra", "latin": "chi_sim+eng", "english": "eng"}
LATIN = "eng"


def recognize(image: np.ndarray, lang: str) -> tuple[list[Word], list[StepTiming], str]:
    """Words on a prepared page, and the tesseract language that read them.
    `lang` is a tesseract language string, or `auto`."""
    if lang != AUTO_LANG:
        words, timing = run_tesseract(image, lang)
        return words, [timing], lang
    words, first = run_tesseract(image, FIRST_PASS)
    # A page in English alone is read with the English model alone: a third of the time of
    # chi_sim+eng, which a page mixing English and Chinese needs.
    script = ("english" if is_pure_latin_page(words) else "latin") if is_latin_page(words) else han_variant(image, words)
    if script not in SECOND_PASS:
        return words, [first], FIRST_PASS
    words, second = run_tesseract(image, SECOND_PASS[script])
    return words, [first, second], SECOND_PASS[script]


def read_leftovers(image: np.ndarray, words: list[Word], text_height: float, lang: str) -> tuple[list[Word], list[StepTiming]]:
    """Words in the ink the first pass skipped (see ocr/residual.py)."""
    regions = unread_regions(image, words, text_height)
    if not regions:
        return [], []
    found, timing = run_tesseract(residual_image(image, regions), lang, psm=RESIDUAL_PSM)
    kept = [w for w in found if keep_residual_word(w, words)]
    return kept, [StepTiming(f"{timing.name} (leftover ink)", True, f"{len(regions)} regions, {len(kept)} words", timing.ms)]


def reading_confidence(words: list[Word]) -> float:
    """Mean confidence per character read."""
    chars = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / chars if chars else 0.0


def default_options() -> PreprocessOptions:
    return PreprocessOptions(target_dpi=get_settings().target_dpi)


def ocr_page(source: SourcePage, lang: str, options: PreprocessOptions | None = None) -> OcrPage:
    options = options or default_options()
    if source.text_layer:
        # The PDF already says what it reads: trust it, and keep the rendering for seals and display.
        words = [Word(text=w.text, box=w.box, confidence=1.0) for w in source.text_layer]
        return OcrPage(index=source.index, words=words, color=source.image, source="text_layer")
    prepared = preprocess_page(source.image, options, dpi=source.dpi)
    color, rotation, seal_boxes = prepared.color, prepared.rotation, prepared.seal_boxes
    ocr_image = prepared.ocr_image
    words, timings, used = recognize(ocr_image, lang)
    if options.orientation and reading_confidence(words) < _UPSIDE_DOWN_CONFIDENCE and len(words) >= _MIN_WORDS:
        # Orientation detection has no say on some pages (dot-matrix dots, sparse forms); text read
        # upside down comes back as garbage of confidence ~0.1-0.2, text read upright at 0.6-0.9.
        # One more pass on the turned page settles it.
        turned_image = cv2.rotate(ocr_image, cv2.ROTATE_180)
        turned, more, turned_lang = recognize(turned_image, lang)
        timings += more
        if reading_confidence(turned) > reading_confidence(words):
            words, used, ocr_image = turned, turned_lang, turned_image
            color, rotation = cv2.rotate(color, cv2.ROTATE_180), (rotation + 180) % 360
            seal_boxes = None  # found in the page before it was turned
    leftovers, more = read_leftovers(ocr_image, words, prepared.text_height, used)
    words, timings = words + leftovers, timings + more
    steps = [StepTiming(s.name, s.applied, s.detail, s.ms) for s in prepared.steps] + timings
    return OcrPage(
        index=source.index,
        words=words,
        color=color,
        source="tesseract",
        rotation=rotation,
        skew_deg=prepared.skew_deg,
        scale=prepared.scale,
        steps=steps,
        lang=used,
        seal_boxes=seal_boxes,
    )


def read_page_region(
    page: OcrPage, box: tuple[int, int, int, int], text_height: float, look: RegionLook = RegionLook.JOINED
) -> list[Word]:
    """The words in one region of a read page (its `color` coordinates), read again as one line
    (ocr/region.py) in the page's language, the way `look` says (with the rules lifted, English
    too: the Chinese models alone misread digits standing with no Chinese around them; a number's
    digits in English alone). The time taken is added to the page's steps."""
    if page.source != "tesseract":
        return []  # a text layer says what it says: there is nothing to read again
    lang = page.lang or FIRST_PASS
    if look is RegionLook.RULES_LIFTED and LATIN not in lang.split("+"):
        lang = f"{lang}+{LATIN}"
    elif look is RegionLook.DIGITS_APART:
        lang = LATIN
    words, timing = read_region(page.color, box, text_height, lang, look)
    page.steps.append(timing)
    return words


def ocr_document(document: LoadedDocument, lang: str, options: PreprocessOptions | None = None) -> list[OcrPage]:
    return [ocr_page(page, lang, options) for page in document.pages]
