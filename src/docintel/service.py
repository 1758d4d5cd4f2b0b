"""The one service layer: CLI, HTTP API and workers call these, never the stages directly."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from docintel.errors import DocintelError, ErrorCode
from docintel.extract import ExtractedDocument, extract_fields
from docintel.ingest import load_document
from docintel.ocr import PreprocessOptions, limit_tesseract_threads, ocr_document
from docintel.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractionFailure:
    file: str
    code: str
    message: str

    def contract_dict(self) -> dict:
        return {"file": self.file, "error": {"code": self.code, "message": self.message}}


ExtractionResult = ExtractedDocument | ExtractionFailure


def extract_file(path: Path, lang: str | None = None, options: PreprocessOptions | None = None) -> ExtractedDocument:
    """Scan file → fields. Raises DocintelError for input that cannot be processed."""
    settings = get_settings()
    document = load_document(path, settings)
    pages = ocr_document(document, lang or settings.ocr_lang, options)
    return extract_fields(str(path), pages)


def _extract_safely(args: tuple[Path, str | None]) -> ExtractionResult:
    path, lang = args
    try:
        return extract_file(path, lang)
    except DocintelError as exc:
        return ExtractionFailure(str(path), str(exc.code), exc.message)
    except Exception as exc:  # a bug must cost one file, not the batch; the log keeps the trace
        log.exception("unexpected failure on %s", path)
        return ExtractionFailure(str(path), str(ErrorCode.INTERNAL_ERROR), f"{type(exc).__name__}: {exc}")


def worker_count(requested: int | None, jobs: int) -> int:
    wanted = requested or get_settings().workers or os.cpu_count() or 1
    return max(1, min(wanted, jobs))


def extract_files(paths: Sequence[Path], lang: str | None = None, workers: int | None = None) -> Iterator[ExtractionResult]:
    """Results in input order; files run side by side, one single-threaded tesseract each."""
    jobs = [(Path(p), lang) for p in paths]
    count = worker_count(workers, len(jobs))
    if count == 1:
        yield from map(_extract_safely, jobs)
        return
    with ProcessPoolExecutor(max_workers=count, initializer=limit_tesseract_threads) as pool:
        yield from pool.map(_extract_safely, jobs, chunksize=1)
