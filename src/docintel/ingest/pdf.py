"""PDF pages via poppler: page sizes and encryption from pdfinfo, rendering from pdftoppm,
and any text layer the PDF already has (born-digital or OCRed-by-the-scanner PDFs)."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pdf2image import convert_from_path

from docintel.errors import DocintelError, ErrorCode
from docintel.ingest.records import SourcePage, TextLayerWord

_POINTS_PER_INCH = 72.0
_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.M)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', re.S
)
# A page needs this many real words before its text layer is trusted instead of OCR;
# scanners sometimes embed a stray page number or a bates stamp.
MIN_TEXT_LAYER_WORDS = 8
_TIMEOUT_S = 120


@dataclass(frozen=True)
class PdfInfo:
    page_sizes_pt: list[tuple[float, float]]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=_TIMEOUT_S, errors="replace")


def read_pdf_info(path: Path, max_pages: int) -> PdfInfo:
    first = _run(["pdfinfo", str(path)])
    err = (first.stderr or "").lower()
    if "incorrect password" in err or "encrypted" in err and first.returncode != 0:
        raise DocintelError(ErrorCode.ENCRYPTED_PDF, "PDF is password-protected; send it without a password")
    if first.returncode != 0:
        raise DocintelError(ErrorCode.CORRUPT_PDF, f"PDF cannot be read: {first.stderr.strip()[:200] or 'pdfinfo failed'}")
    match = re.search(r"^Pages:\s+(\d+)", first.stdout, re.M)
    pages = int(match.group(1)) if match else 0
    if pages < 1:
        raise DocintelError(ErrorCode.CORRUPT_PDF, "PDF has no pages")
    if pages > max_pages:
        raise DocintelError(ErrorCode.TOO_MANY_PAGES, f"PDF has {pages} pages; the limit is {max_pages}")
    sized = _run(["pdfinfo", "-f", "1", "-l", str(pages), str(path)])
    sizes = [(float(w), float(h)) for _, w, h in _PAGE_SIZE.findall(sized.stdout)]
    if len(sizes) != pages:
        raise DocintelError(ErrorCode.CORRUPT_PDF, "PDF page table is damaged")
    return PdfInfo(page_sizes_pt=sizes)


def render_dpi(size_pt: tuple[float, float], wanted_dpi: int, max_pixels: int) -> int:
    """The render resolution: `wanted_dpi` unless that page would exceed the pixel limit."""
    w_in, h_in = size_pt[0] / _POINTS_PER_INCH, size_pt[1] / _POINTS_PER_INCH
    if w_in <= 0 or h_in <= 0:
        raise DocintelError(ErrorCode.CORRUPT_PDF, "PDF page has no size")
    fitting = int((max_pixels / (w_in * h_in)) ** 0.5)
    if fitting < 72:
        raise DocintelError(
            ErrorCode.TOO_MANY_PIXELS, f"PDF page of {w_in:.0f}×{h_in:.0f} inches is too large to render"
        )
    return min(wanted_dpi, fitting)


def read_text_layer(path: Path, page_no: int, dpi: int) -> list[TextLayerWord]:
    result = _run(["pdftotext", "-bbox", "-f", str(page_no), "-l", str(page_no), str(path), "-"])
    if result.returncode != 0:
        return []
    scale = dpi / _POINTS_PER_INCH
    words = []
    for x0, y0, x1, y1, raw in _WORD.findall(result.stdout):
        text = html.unescape(raw).strip()
        if not text:
            continue
        left, top = float(x0) * scale, float(y0) * scale
        box = (round(left), round(top), max(1, round(float(x1) * scale - left)), max(1, round(float(y1) * scale - top)))
        words.append(TextLayerWord(text=text, box=box))
    return words if len(words) >= MIN_TEXT_LAYER_WORDS else []


def load_pdf_pages(path: Path, wanted_dpi: int, max_pixels: int, max_pages: int) -> list[SourcePage]:
    info = read_pdf_info(path, max_pages)
    pages = []
    for number, size in enumerate(info.page_sizes_pt, start=1):
        dpi = render_dpi(size, wanted_dpi, max_pixels)
        try:
            rendered = convert_from_path(str(path), dpi=dpi, first_page=number, last_page=number, timeout=_TIMEOUT_S)
        except Exception as exc:  # pdf2image raises several unrelated types for one cause
            raise DocintelError(ErrorCode.CORRUPT_PDF, f"PDF page {number} cannot be rendered: {exc}") from exc
        if not rendered:
            raise DocintelError(ErrorCode.CORRUPT_PDF, f"PDF page {number} rendered empty")
        rgb = np.asarray(rendered[0].convert("RGB"))
        pages.append(
            SourcePage(
                index=number - 1,
                image=np.ascontiguousarray(rgb[:, :, ::-1]),
                dpi=dpi,
                text_layer=read_text_layer(path, number, dpi),
            )
        )
    return pages
