"""Word-level OCR with tesseract (image_to_data): words, boxes and confidences."""

from __future__ import annotations

import os
import time

import numpy as np
import pytesseract
from PIL import Image

from docintel.errors import DocintelError, ErrorCode
from docintel.ocr import tesseract_library
from docintel.ocr.records import StepTiming, Word
from docintel.settings import get_settings

_TIMEOUT_S = 180
# tessedit_do_invert=0: business forms carry no white-on-black text, and trying every weak
# word inverted cost 20% of tesseract's time on the sample forms.
_VARIABLES = (("preserve_interword_spaces", "1"), ("tessedit_do_invert", "0"))


def limit_tesseract_threads() -> None:
    """One OpenMP thread per tesseract, unless the user chose otherwise: parallelism comes from
    running pages side by side, and tesseract's own threads cost more than they give even on one
    page (a page on this 2-core machine: 0.9 s single-threaded, 5 s with OpenMP's threads, most
    of it spent spinning in the kernel). Set before the library or a command is started: OpenMP
    reads the variable once, when it loads."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def available_languages() -> set[str]:
    return set(pytesseract.get_languages(config=""))


def _uncompressed(image: np.ndarray) -> Image.Image:
    """The page as a PIL image pytesseract hands over as netpbm (PIL writes a grey page as PGM under
    the PPM name): its default, PNG, spends a third of a tesseract call compressing a 300 dpi page
    only for tesseract to decompress it."""
    pil = Image.fromarray(image)
    pil.format = "PPM"
    return pil


def _read_data(image: np.ndarray, lang: str, psm: int) -> dict[str, list]:
    """pytesseract's image_to_data dictionary, read in the process when the library is there
    (ocr/tesseract_library.py: no model loaded per call), else by the `tesseract` command."""
    limit_tesseract_threads()
    library = tesseract_library.load() if get_settings().ocr_in_process else None
    try:
        if library is not None:
            tsv = library.read_tsv(image, lang, psm, _VARIABLES, _TIMEOUT_S)
            return pytesseract.pytesseract.file_to_dict(tsv, "\t", -1)
        config = f"--psm {psm} " + " ".join(f"-c {name}={value}" for name, value in _VARIABLES)
        return pytesseract.image_to_data(
            _uncompressed(image), lang=lang, config=config, output_type=pytesseract.Output.DICT, timeout=_TIMEOUT_S
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise DocintelError(ErrorCode.OCR_FAILED, "tesseract is not installed (run `make run` to install it)") from exc
    except (pytesseract.TesseractError, tesseract_library.TesseractLibraryError, RuntimeError) as exc:
        raise DocintelError(ErrorCode.OCR_FAILED, f"tesseract failed: {exc}") from exc


def run_tesseract(image: np.ndarray, lang: str, psm: int | None = None) -> tuple[list[Word], StepTiming]:
    started = time.perf_counter()
    psm = psm or get_settings().ocr_psm
    data = _read_data(image, lang, psm)
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        confidence = float(data["conf"][i])
        if not text or confidence < 0:
            continue
        words.append(
            Word(
                text=text,
                box=(data["left"][i], data["top"][i], data["width"][i], data["height"][i]),
                confidence=min(1.0, confidence / 100.0),
                line_key=(data["block_num"][i], data["par_num"][i], data["line_num"][i]),
            )
        )
    timing = StepTiming(f"tesseract {lang}", True, f"psm={psm} words={len(words)}", (time.perf_counter() - started) * 1000)
    return words, timing
