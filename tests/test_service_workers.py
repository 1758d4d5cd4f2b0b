"""Files read side by side (service.extract_files): a worker that dies costs its file only.

tesseract is read inside the worker processes (ocr/tesseract_library.py), so a crash in its native
code takes the worker down with it. The death is made here by killing the worker reading one file.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from docintel import service
from docintel.service import ExtractionFailure, extract_files

_read = service._extract_safely


def _dies_on_crash_files(job):
    if job.path.name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    return _read(job)


@pytest.mark.parametrize("crash_again", [True, False])
def test_a_worker_that_dies_costs_its_file_only_and_the_rest_are_read_in_order(tmp_path: Path, monkeypatch, crash_again):
    # Worker processes are forked from this one: they run the patched reader.
    monkeypatch.setattr(service, "_extract_safely", _dies_on_crash_files)
    if not crash_again:
        # Killed once, in the pool; read alone afterwards, it is read as any other file.
        monkeypatch.setattr(service, "_extract_alone", lambda job: _read(job))
    names = ["a.jpg", "crash.jpg", "c.jpg", "d.jpg", "e.jpg"]
    for name in names:
        (tmp_path / name).write_bytes(b"")  # empty files: read, and refused, at once
    results = list(extract_files([tmp_path / n for n in names], workers=2, classify=False))
    assert [Path(r.file).name for r in results] == names
    codes = [r.code for r in results]
    assert all(isinstance(r, ExtractionFailure) for r in results)
    assert codes[1] == ("INTERNAL_ERROR" if crash_again else "EMPTY_FILE")
    assert codes[:1] + codes[2:] == ["EMPTY_FILE"] * 4


def _reports_opencv_threads(job):
    import cv2

    return ExtractionFailure(str(job.path), "THREADS", str(cv2.getNumThreads()))


def test_files_read_side_by_side_run_opencv_single_threaded(tmp_path: Path, monkeypatch):
    """Each worker is one core's reader: OpenCV's own threads would compete with the other's.
    This process runs OpenCV's thread pool first: a worker forked from it that reconfigured the
    pool hung."""
    import cv2
    import numpy as np

    threads = cv2.getNumThreads()
    cv2.GaussianBlur(np.zeros((3000, 3000), np.uint8), (0, 0), 5)
    monkeypatch.setattr(service, "_extract_safely", _reports_opencv_threads)
    paths = [tmp_path / f"page{i}.png" for i in range(4)]
    results = list(extract_files(paths, workers=2, classify=False))
    assert [r.message for r in results] == ["1"] * 4
    assert cv2.getNumThreads() == threads  # this process's own setting is given back
