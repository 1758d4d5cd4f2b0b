"""The one service layer: CLI, HTTP API and workers call these, never the stages directly."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from docintel.errors import DocintelError, ErrorCode
from docintel.extract import ExtractedDocument, extract_fields
from docintel.extract.lexicon import Lexicon, apply_lexicon
from docintel.ingest import load_document
from docintel.ocr import PreprocessOptions, ocr_document
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


def extract_file(
    path: Path,
    lang: str | None = None,
    options: PreprocessOptions | None = None,
    *,
    classify: bool = True,
    page_images: bool = True,
) -> ExtractedDocument:
    """Scan file → fields. Raises DocintelError for input that cannot be processed.

    The type comes from the classifier (docintel.classify); classify=False keeps the title rule's
    answer (the classifier's own training data and its baseline). page_images=False leaves out
    the pages' JPEGs, for callers that print the fields and store no pages.
    """
    settings = get_settings()
    document = load_document(path, settings)
    pages = ocr_document(document, lang or settings.ocr_lang, options)
    extracted = extract_fields(str(path), pages, page_images=page_images)
    if classify:
        from docintel.classify import apply_classification  # loads scikit-learn: only when a page is read

        apply_classification(extracted)
    return extracted


@dataclass(frozen=True)
class _Job:
    path: Path
    lang: str | None
    classify: bool = True
    page_images: bool = True


def _guarded(file: str, work: Callable[[], ExtractedDocument]) -> ExtractionResult:
    try:
        return work()
    except DocintelError as exc:
        return ExtractionFailure(file, str(exc.code), exc.message)
    except Exception as exc:  # a bug must cost one file, not the batch; the log keeps the trace
        log.exception("unexpected failure on %s", file)
        return ExtractionFailure(file, str(ErrorCode.INTERNAL_ERROR), f"{type(exc).__name__}: {exc}")


def _extract_safely(job: _Job) -> ExtractionResult:
    return _guarded(str(job.path), lambda: extract_file(job.path, job.lang, classify=job.classify, page_images=job.page_images))


def _classified(document: ExtractedDocument) -> ExtractionResult:
    from docintel.classify import apply_classification  # loads scikit-learn: only when a page is read

    return _guarded(document.file, lambda: apply_classification(document))


def extract_file_safely(path: Path, lang: str | None = None) -> ExtractionResult:
    """extract_file for one job of a queue (docintel.queue): any failure is returned, never raised."""
    return _extract_safely(_Job(Path(path), lang))


def worker_count(requested: int | None, jobs: int) -> int:
    wanted = requested or get_settings().workers or os.cpu_count() or 1
    return max(1, min(wanted, jobs))


def extract_files(
    paths: Sequence[Path],
    lang: str | None = None,
    workers: int | None = None,
    *,
    classify: bool = True,
    lexicon: Lexicon | None = None,
    page_images: bool = True,
) -> Iterator[ExtractionResult]:
    """Results in input order; files run side by side, one single-threaded tesseract each.

    The type classifier runs here in the parent, on each result as it comes back: its model
    (scikit-learn, a second of start-up) is loaded once, not by every worker. With a lexicon
    (the order book's names), misread customer and product names are snapped to the known
    spelling here too, so the workers need not each hold the book.
    """
    for result in _extract_all([_Job(Path(p), lang, False, page_images) for p in paths], workers):
        if classify and isinstance(result, ExtractedDocument):
            result = _classified(result)
        if lexicon and isinstance(result, ExtractedDocument):
            apply_lexicon(result, lexicon)
        yield result


def init_reader_process() -> None:
    """Set up a fresh process that reads pages beside others, one per core (the HTTP queue's
    workers): OpenCV single-threaded, as tesseract is (ocr/tesseract.py). Its own threads on a
    core another reader is using cost more than they give: 23 pages on 2 workers took 4-6% less
    CPU and wall time with one thread each (two pairs of runs). Not for a forked process: one
    forked from a parent whose OpenCV threads have run hangs reconfiguring them (see
    _single_threaded_opencv)."""
    import cv2

    cv2.setNumThreads(1)


@contextmanager
def _single_threaded_opencv() -> Iterator[None]:
    """OpenCV single-threaded in this process while the workers it forks read (they inherit the
    setting and never touch the thread pool copied from this process): the workers' reason is
    init_reader_process's, and this process only waits on them meanwhile."""
    import cv2

    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(previous)


def _extract_all(jobs: list[_Job], workers: int | None) -> Iterator[ExtractionResult]:
    count = worker_count(workers, len(jobs))
    if count == 1:
        yield from map(_extract_safely, jobs)
        return
    start = 0
    while start < len(jobs):
        with _single_threaded_opencv(), ProcessPoolExecutor(max_workers=count) as pool:
            futures = [pool.submit(_extract_safely, job) for job in jobs[start:]]
            for offset, future in enumerate(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = start + offset
                    break
                yield result
            else:
                return
        # A worker died (a crash in tesseract's native code, killed, out of memory) and every job
        # in flight failed with it: the first is tried again alone, the rest in a new pool.
        yield _extract_alone(jobs[broken])
        start = broken + 1


def _extract_alone(job: _Job) -> ExtractionResult:
    """One job in a process of its own: a file that kills its reader costs that file only."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_extract_safely, job).result()
        except BrokenProcessPool:
            return ExtractionFailure(
                str(job.path), str(ErrorCode.INTERNAL_ERROR), "the process reading this file died (twice); it was not read"
            )
