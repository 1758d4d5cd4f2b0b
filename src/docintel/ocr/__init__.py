"""OCR stage: a decoded page in, words with boxes and confidences out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from docintel.ingest.records import LoadedDocument, SourcePage
from docintel.ocr.geometry import boxes_intersect, scaled_box
from docintel.ocr.layout import Line, Segment, group_lines, page_text
from docintel.ocr.preprocess import PreprocessOptions, preprocess_page
from docintel.ocr.records import OcrPage, StepTiming, Word, reading_confidence
from docintel.ocr.region import REREAD_LOOKS, RegionLook, read_region, vertical_rule_columns
from docintel.ocr.residual import keep_residual_word, residual_image, unread_regions
from docintel.ocr.sample import PageSample, SampleScript, sample_page
from docintel.ocr.script import han_variant, latin_script
from docintel.ocr.tesseract import run_tesseract
from docintel.settings import get_settings

__all__ = [
    "AUTO_LANG", "REREAD_LOOKS", "Line", "OcrPage", "PreprocessOptions", "RegionLook", "Segment", "StepTiming", "Word",
    "column_rules", "group_lines", "ocr_document", "ocr_page", "page_text", "read_page_region", "recognize",
    "region_readings",
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
_WEAK_WORD = 0.5
_STUMBLING_SHARE = 0.15
LATIN = "eng"


def recognize(image: np.ndarray, lang: str, script: SampleScript | None = None) -> tuple[list[Word], list[StepTiming], str]:
    """Words on a prepared page, and the tesseract language that read them.
    `lang` is a tesseract language string, or `auto`; with `auto`, `script` is what a sample of
    the page's lines said (ocr/sample.py), which spares the first pass on Latin pages."""
    if lang != AUTO_LANG:
        words, timing = run_tesseract(image, lang)
        return words, [timing], lang
    timings = []
    if script is not None:
        words, timing = run_tesseract(image, SECOND_PASS[script])
        timings.append(timing)
        if script != "english" or not _stumbles_in_english(words):
            return words, timings, SECOND_PASS[script]
    words, first = run_tesseract(image, FIRST_PASS)
    timings.append(first)
    # A page in English alone is read with the English model alone: a third of the time of
    # chi_sim+eng, which a page mixing English and Chinese needs.
    script = latin_script(words) or han_variant(image, words)
    if script not in SECOND_PASS:
        return words, timings, FIRST_PASS
    words, second = run_tesseract(image, SECOND_PASS[script])
    return words, [*timings, second], SECOND_PASS[script]


def _stumbles_in_english(words: list[Word]) -> bool:
    """Whether the English model met much it cannot read (Chinese the sample did not show): it
    reads Chinese as low-confidence letter salad (45% of the words on a Chinese slip below 0.5)
    and English forms confidently (4-6% below)."""
    weak = sum(w.confidence < _WEAK_WORD for w in words)
    return len(words) < _MIN_WORDS or weak > _STUMBLING_SHARE * len(words)


def read_leftovers(image: np.ndarray, words: list[Word], text_height: float, lang: str) -> tuple[list[Word], list[StepTiming]]:
    """Words in the ink the first pass skipped (see ocr/residual.py)."""
    regions = unread_regions(image, words, text_height)
    if not regions:
        return [], []
    found, timing = run_tesseract(residual_image(image, regions), lang, psm=RESIDUAL_PSM)
    kept = [w for w in found if keep_residual_word(w, words)]
    return kept, [StepTiming(f"{timing.name} (leftover ink)", True, f"{len(regions)} regions, {len(kept)} words", timing.ms)]


def default_options() -> PreprocessOptions:
    settings = get_settings()
    return PreprocessOptions(target_dpi=settings.target_dpi, read_upscale_past=settings.read_upscale_past,
                             read_upscale_max=settings.read_upscale_max)


def _on_color(words: list[Word], reading_scale: float) -> list[Word]:
    """Words read on a page read smaller than its colour image, with boxes on the colour image."""
    if reading_scale == 1.0:
        return words
    return [Word(w.text, scaled_box(w.box, 1 / reading_scale), w.confidence, w.line_key) for w in words]


@dataclass(frozen=True)
class _Turnable:
    """A prepared page as it is read: the OCR image, the colour page and what was found in it."""

    image: np.ndarray
    color: np.ndarray
    rotation: int
    seal_boxes: list[tuple[int, int, int, int]] | None

    def turned(self) -> _Turnable:
        height, width = self.color.shape[:2]
        boxes = None if self.seal_boxes is None else [(width - x - w, height - y - h, w, h) for x, y, w, h in self.seal_boxes]
        return _Turnable(cv2.rotate(self.image, cv2.ROTATE_180), cv2.rotate(self.color, cv2.ROTATE_180),
                         (self.rotation + 180) % 360, boxes)


def ocr_page(source: SourcePage, lang: str, options: PreprocessOptions | None = None) -> OcrPage:
    options = options or default_options()
    if source.text_layer:
        # The PDF already says what it reads: trust it, and keep the rendering for seals and display.
        words = [Word(text=w.text, box=w.box, confidence=1.0) for w in source.text_layer]
        return OcrPage(index=source.index, words=words, color=source.image, source="text_layer")
    prepared = preprocess_page(source.image, options, dpi=source.dpi)
    page = _Turnable(prepared.ocr_image, prepared.color, prepared.rotation, prepared.seal_boxes)
    auto = lang == AUTO_LANG
    # The strip tells which way up and which script; with neither asked for, it is not read.
    text_height = prepared.text_height * prepared.reading_scale
    sample = (sample_page(page.image, text_height, FIRST_PASS if auto else lang, check_orientation=options.orientation)
              if auto or options.orientation else PageSample(None, None))
    timings = list(sample.timings)
    if sample.upside_down:
        page = page.turned()
    words, more, used = recognize(page.image, lang, sample.script if auto else None)
    timings += more
    if (options.orientation and sample.upside_down is None
            and reading_confidence(words) < _UPSIDE_DOWN_CONFIDENCE and len(words) >= _MIN_WORDS):
        # Orientation detection has no say on some pages (dot-matrix dots, sparse forms) and the
        # sample of lines none either; text read upside down comes back as garbage of confidence
        # ~0.1-0.2, text read upright at 0.6-0.9. One more pass on the turned page settles it.
        turned_page = page.turned()
        turned, more, turned_lang = recognize(turned_page.image, lang)
        timings += more
        if reading_confidence(turned) > reading_confidence(words):
            words, used, page = turned, turned_lang, turned_page
    leftovers, more = read_leftovers(page.image, words, text_height, used)
    words, timings = _on_color(words + leftovers, prepared.reading_scale), timings + more
    steps = [StepTiming(s.name, s.applied, s.detail, s.ms) for s in prepared.steps] + timings
    return OcrPage(
        index=source.index,
        words=words,
        color=page.color,
        source="tesseract",
        rotation=page.rotation,
        skew_deg=prepared.skew_deg,
        scale=prepared.scale,
        steps=steps,
        lang=used,
        seal_boxes=page.seal_boxes,
    )


def read_page_region(
    page: OcrPage, box: tuple[int, int, int, int], text_height: float, look: RegionLook = RegionLook.JOINED,
    *, seals_erased: bool = False,
) -> list[Word]:
    """The words in one region of a read page (its `color` coordinates), read again as one line
    (ocr/region.py) in the page's language, the way `look` says (with the rules lifted, English
    too: the Chinese models alone misread digits standing with no Chinese around them; a number's
    digits in English alone); with seals_erased, the red of the page's seals taken out first, as
    the page pass takes it out. The time taken is added to the page's steps."""
    if page.source != "tesseract":
        return []  # a text layer says what it says: there is nothing to read again
    lang = page.lang or FIRST_PASS
    if look is RegionLook.RULES_LIFTED and LATIN not in lang.split("+"):
        lang = f"{lang}+{LATIN}"
    elif look is RegionLook.DIGITS_APART:
        lang = LATIN
    seals = (page.seal_boxes or ()) if seals_erased else ()
    words, timing = read_region(page.color, box, text_height, lang, look, seals)
    page.steps.append(timing)
    return words


def column_rules(page: OcrPage, box: tuple[int, int, int, int], text_height: float) -> list[tuple[int, int]]:
    """The [start, end) x (on `color`) of each column rule crossing a region one text line tall."""
    x, y, w, h = box
    crop = page.color[max(0, y):y + h, max(0, x):x + w]
    if crop.size == 0:
        return []
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return [(max(0, x) + start, max(0, x) + end) for start, end in vertical_rule_columns(gray, text_height)]


def region_readings(
    page: OcrPage, box: tuple[int, int, int, int], looks: Sequence[RegionLook]
) -> list[tuple[RegionLook, bool]]:
    """The ways to read a region again, in order, as (look, seals_erased): the looks, then, where a
    seal found on the page crosses the region, the same looks with its red erased. A red ring
    across a letter's dateline garbles every look (2024-11-06 read 2024-多), and erased it reads
    right; but erasing leaves the JPEG fringe of the ink, which a crop's contrast stretch makes
    blotches of (a quantity read right beside a ring was lost), so the ring goes only once the
    looks with it have failed."""
    readings = [(look, False) for look in looks]
    if any(boxes_intersect(box, seal) for seal in page.seal_boxes or ()):
        readings += [(look, True) for look in looks]
    return readings


def ocr_document(document: LoadedDocument, lang: str, options: PreprocessOptions | None = None) -> list[OcrPage]:
    return [ocr_page(page, lang, options) for page in document.pages]
