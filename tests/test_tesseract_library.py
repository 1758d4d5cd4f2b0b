"""tesseract read in the process (ocr/tesseract_library.py) reads exactly what the `tesseract`
command reads: the same TSV, byte for byte, for a full page, a leftover-style block and a single
line, in several languages, with each language's loaded model used again and again."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import pytesseract

from docintel.errors import DocintelError
from docintel.ingest import load_document
from docintel.ocr import default_options
from docintel.ocr.preprocess import preprocess_page
from docintel.ocr.tesseract import _VARIABLES, _uncompressed, run_tesseract
from docintel.ocr.tesseract_library import TesseractLibraryError, load
from docintel.settings import get_settings

pytestmark = pytest.mark.slow

LIBRARY = load()
needs_library = pytest.mark.skipif(LIBRARY is None, reason="libtesseract is not installed")


def _command_tsv(image: np.ndarray, lang: str, psm: int) -> str:
    config = f"--psm {psm} " + " ".join(f"-c {name}={value}" for name, value in _VARIABLES)
    return pytesseract.image_to_data(_uncompressed(image), lang=lang, config=config)


@pytest.fixture(scope="module")
def page(samples_dir: Path) -> np.ndarray:
    source = load_document(samples_dir / "0001_signoff_receipt.jpg").pages[0]
    return preprocess_page(source.image, default_options(), dpi=source.dpi).ocr_image


def _run_tesseract(image: np.ndarray, lang: str, in_process: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DOCINTEL_OCR_IN_PROCESS", in_process)
    get_settings.cache_clear()
    try:
        return run_tesseract(image, lang)[0]
    finally:
        get_settings.cache_clear()


@needs_library
def test_the_library_reads_what_the_command_reads(page: np.ndarray) -> None:
    height, width = page.shape
    blanked = np.full_like(page, 255)  # a leftover pass: a few regions left on blank paper
    blanked[height // 3 : height // 2, width // 4 : width // 2] = page[height // 3 : height // 2, width // 4 : width // 2]
    line = page[height // 3 : height // 3 + 120, width // 4 : width // 4 + 900]
    header = page[: height // 3]  # the title and header fields: a page layout, a third of the pixels
    # The header twice: a loaded model read again; turned upside down: what the orientation check reads.
    reads = [(header, "chi_sim", 4), (line, "eng", 7), (blanked, "chi_sim", 6), (line, "chi_sim+eng", 7),
             (header, "chi_sim", 4), (cv2.rotate(header, cv2.ROTATE_180), "chi_sim", 4)]
    for image, lang, psm in reads:
        tsv = LIBRARY.read_tsv(image, lang, psm, _VARIABLES, 180)
        assert tsv.count("\n") > 2, (lang, psm)  # words were read, not only the page's frame
        assert tsv.strip() == _command_tsv(image, lang, psm).strip(), (lang, psm)


@needs_library
def test_run_tesseract_reads_alike_in_the_process_and_by_the_command(page: np.ndarray,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    header = page[: page.shape[0] // 3]
    by_command = _run_tesseract(header, "chi_sim", "false", monkeypatch)
    assert len(by_command) > 20
    assert _run_tesseract(header, "chi_sim", "true", monkeypatch) == by_command


@pytest.mark.parametrize("in_process", ["true", "false"])
def test_an_unknown_language_fails_as_an_ocr_error(page: np.ndarray, in_process: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DocintelError, match="tesseract failed"):
        _run_tesseract(page[:200, :400], "no_such_language", in_process, monkeypatch)


@needs_library
def test_a_read_past_its_deadline_fails_and_the_next_read_is_whole(page: np.ndarray) -> None:
    header = page[: page.shape[0] // 3]
    whole = LIBRARY.read_tsv(header, "chi_sim", 4, _VARIABLES, 180)
    with pytest.raises(TesseractLibraryError, match="timed out"):
        LIBRARY.read_tsv(page, "chi_sim", 4, _VARIABLES, 0.01)
    assert LIBRARY.read_tsv(header, "chi_sim", 4, _VARIABLES, 180) == whole


_THREADS_PROBE = """
import os, numpy as np
from docintel.ocr.tesseract import run_tesseract
image = np.full((60, 200), 255, np.uint8)
run_tesseract(image, "eng")
print(os.environ.get("OMP_THREAD_LIMIT"))
"""


@pytest.mark.parametrize(("given", "used"), [(None, "1"), ("2", "2")])
def test_tesseract_runs_single_threaded_unless_the_user_says_otherwise(given, used):
    """A lone file read in the CLI's own process (no worker pool) must not let OpenMP's threads
    spin: 5 s instead of 0.9 s for a page on a 2-core machine."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    if given:
        env["OMP_THREAD_LIMIT"] = given
    done = subprocess.run([sys.executable, "-c", _THREADS_PROBE], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == used
