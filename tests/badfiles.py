"""Builders of the broken inputs real scanning stations produce."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png_header(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG header claiming width×height pixels, with almost no pixel data (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def small_jpeg() -> bytes:
    rng = np.random.default_rng(1)
    image = Image.fromarray((rng.random((300, 400, 3)) * 255).astype("uint8"))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = small_jpeg()
    return data[: len(data) // 2]


def image_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(out, "PDF", resolution=100)
    return out.getvalue()


def encrypted_pdf(password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(image_pdf())).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_all(folder: Path) -> dict[str, str]:
    """Writes every bad file into `folder`; returns file name → expected error code."""
    rng = np.random.default_rng(7)
    cases = {
        "empty.jpg": (b"", "EMPTY_FILE"),
        "truncated.jpg": (truncated_jpeg(), "CORRUPT_IMAGE"),
        "random.pdf": (rng.bytes(4096), "UNSUPPORTED_TYPE"),
        "damaged.pdf": (b"%PDF-1.7\n" + rng.bytes(2048), "CORRUPT_PDF"),
        "locked.pdf": (encrypted_pdf(), "ENCRYPTED_PDF"),
        "bomb.png": (huge_png_header(), "TOO_MANY_PIXELS"),
        "letter.txt.jpg": ("这不是图片 not an image".encode(), "UNSUPPORTED_TYPE"),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    return {name: code for name, (_, code) in cases.items()}
