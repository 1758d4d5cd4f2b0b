"""tesseract kept loaded in the process: the Debian package's own library (libtesseract, the one the
`tesseract` command runs on), called through its C API.

Every `tesseract` command loads its models afresh: 0.2 s for chi_sim, 0.5 s of CPU for
chi_sim+eng, before it reads a pixel, and a page takes three or four reads (the page, a
leftover pass, a few field regions). Here each language is loaded once per process (and thread)
and kept. The reading is the command's: the same engine, settings and page image, the same TSV
(checked byte for byte against the command in tests/test_tesseract_library.py).

None is returned by `load()` where the library cannot be found (another platform's packaging);
the caller then runs the command.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import threading
import time
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_LIBRARY_NAMES = ("libtesseract.so.5", "tesseract")
_LEPTONICA_NAMES = ("liblept.so.5", "lept", "leptonica")
# tesseract's diagnostics ("Estimating resolution as 412") and Leptonica's ("Error in
# boxClipToRectangle") are the command's stderr, which pytesseract drops on success; in the
# process they would reach the user's terminal.
_QUIET = (("debug_file", "/dev/null"),)
_LEPTONICA_SEVERITY_NONE = 6
# The header of the command's TSV output (its renderer writes it; the API returns the rows only).
TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"


class TesseractLibraryError(RuntimeError):
    pass


class TesseractLibrary:
    """One loaded libtesseract; an API instance per language and thread, made on first use."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self._lib = lib
        self._local = threading.local()
        self._all: list[int] = []
        self._lock = threading.Lock()
        atexit.register(self._end_all)

    def read_tsv(self, image: np.ndarray, lang: str, psm: int, variables: Sequence[tuple[str, str]],
                 timeout_s: float) -> str:
        """The TSV (header included) `tesseract IMAGE out -l LANG --psm PSM -c k=v ... tsv` writes."""
        if image.dtype != np.uint8 or image.size == 0 or image.ndim not in (2, 3):
            raise TesseractLibraryError(f"not an 8-bit image: {image.dtype} {image.shape}")
        lib, handle = self._lib, self._api(lang)
        image = np.ascontiguousarray(image)
        channels = 1 if image.ndim == 2 else image.shape[2]
        lib.TessBaseAPISetPageSegMode(handle, psm)
        for name, value in variables:
            if not lib.TessBaseAPISetVariable(handle, name.encode(), value.encode()):
                raise TesseractLibraryError(f"tesseract has no setting {name}")
        monitor = lib.TessMonitorCreate()
        try:
            lib.TessMonitorSetDeadlineMSecs(monitor, int(timeout_s * 1000))
            lib.TessBaseAPISetImage(handle, image.ctypes.data, image.shape[1], image.shape[0], channels, image.strides[0])
            started = time.monotonic()
            if lib.TessBaseAPIRecognize(handle, monitor) != 0:
                late = time.monotonic() - started >= timeout_s
                raise TesseractLibraryError("timed out" if late else "recognition failed")
            text = lib.TessBaseAPIGetTsvText(handle, 0)
            if not text:
                raise TesseractLibraryError("no result")
            try:
                return TSV_HEADER + ctypes.string_at(text).decode("utf-8")
            finally:
                lib.TessDeleteText(text)
        finally:
            lib.TessBaseAPIClear(handle)
            lib.TessMonitorDelete(monitor)

    def _api(self, lang: str) -> int:
        apis = getattr(self._local, "apis", None)
        if apis is None:
            apis = self._local.apis = {}
        handle = apis.get(lang)
        if handle is None:
            handle = self._lib.TessBaseAPICreate()
            for name, value in _QUIET:
                self._lib.TessBaseAPISetVariable(handle, name.encode(), value.encode())
            if self._lib.TessBaseAPIInit3(handle, None, lang.encode()) != 0:
                self._lib.TessBaseAPIDelete(handle)
                raise TesseractLibraryError(f"cannot load language {lang}")
            apis[lang] = handle
            with self._lock:
                self._all.append(handle)
        return handle

    def _end_all(self) -> None:
        # Freed before the library's own static caches are torn down at exit, which otherwise
        # report every model still held as a leak.
        with self._lock:
            for handle in self._all:
                self._lib.TessBaseAPIEnd(handle)
                self._lib.TessBaseAPIDelete(handle)
            self._all.clear()


def _declare(lib: ctypes.CDLL) -> None:
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    signatures = {
        "TessBaseAPICreate": (handle, []),
        "TessBaseAPIInit3": (ctypes.c_int, [handle, text, text]),
        "TessBaseAPISetVariable": (ctypes.c_int, [handle, text, text]),
        "TessBaseAPISetPageSegMode": (None, [handle, ctypes.c_int]),
        "TessBaseAPISetImage": (None, [handle, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]),
        "TessBaseAPIRecognize": (ctypes.c_int, [handle, handle]),
        "TessBaseAPIGetTsvText": (ctypes.c_void_p, [handle, ctypes.c_int]),
        "TessDeleteText": (None, [ctypes.c_void_p]),
        "TessBaseAPIClear": (None, [handle]),
        "TessBaseAPIEnd": (None, [handle]),
        "TessBaseAPIDelete": (None, [handle]),
        "TessMonitorCreate": (handle, []),
        "TessMonitorSetDeadlineMSecs": (None, [handle, ctypes.c_int]),
        "TessMonitorDelete": (None, [handle]),
    }
    for name, (result, arguments) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = result, arguments


def _open(names: Sequence[str]) -> ctypes.CDLL | None:
    for name in names:
        path = name if name.startswith("lib") else ctypes.util.find_library(name)
        if not path:
            continue
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


@lru_cache(maxsize=1)
def load() -> TesseractLibrary | None:
    """The process's libtesseract, or None where it is not installed (or lacks the C API)."""
    lib = _open(_LIBRARY_NAMES)
    if lib is None:
        return None
    try:
        _declare(lib)
    except AttributeError:
        return None
    leptonica = _open(_LEPTONICA_NAMES)
    if leptonica is not None and hasattr(leptonica, "setMsgSeverity"):
        leptonica.setMsgSeverity(_LEPTONICA_SEVERITY_NONE)
    return TesseractLibrary(lib)
