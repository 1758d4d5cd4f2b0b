"""Receiving an upload: the multipart body streamed to temporary files, within the limits.

FastAPI's UploadFile parses the whole body before the handler runs, so a 2 GB upload would be
spooled to disk before anyone could refuse it. Parsing here, as the bytes arrive, refuses the
first byte over the per-file limit and the first file over the per-request count, and hashes
each file while it is written.

The client's file name is kept as text for display only: it never becomes part of a path.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from docintel.archive.originals import extension_of
from docintel.errors import DocintelError, ErrorCode

# Bytes kept of each file's start, for sniffing its type (sniff_kind looks at ≤ 2 KiB).
HEAD_BYTES = 4096
# Text fields a client may send beside the files (ignored, but bounded).
MAX_TEXT_FIELDS = 50
MAX_TEXT_FIELD_BYTES = 64 * 1024
MAX_FILENAME_CHARS = 255
# Multipart headers and boundaries per part, on top of the files' bytes.
PART_OVERHEAD_BYTES = 16 * 1024

TEMP_DIR = Path("tmp")
TEMP_PURPOSES = ("uploads", "orders")  # one folder each under TEMP_DIR
# Older request folders belong to no running request (none takes an hour to upload 50 MB).
STALE_TEMP_SECONDS = 3600

# The request body of POST /api/v1/documents, for the OpenAPI schema (the body is parsed here).
UPLOAD_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "Scans: JPEG, PNG, TIFF, BMP, WebP or PDF (the type is read from the bytes).",
                    }
                },
            }
        }
    },
}


def temporary_folder(home: Path, purpose: str) -> Path:
    """A new folder for one request's files, under DOCINTEL_HOME (the archive's file system)."""
    assert purpose in TEMP_PURPOSES
    root = home / TEMP_DIR / purpose
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root))


def remove_stale_folders(home: Path, older_than: float = STALE_TEMP_SECONDS) -> None:
    """Request folders a killed service left behind (their uploads were never answered 202)."""
    now = time.time()
    for purpose in TEMP_PURPOSES:
        for folder in (home / TEMP_DIR / purpose).glob("*"):
            try:
                if now - folder.stat().st_mtime > older_than:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:  # removed meanwhile by its request
                continue


def display_filename(raw: str | None) -> str:
    """The client's file name as safe text: last path component, no control characters, bounded."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in ("", ".", ".."):
        return "upload"
    return name[:MAX_FILENAME_CHARS]


@dataclass
class ReceivedFile:
    filename: str  # display_filename of what the client sent
    path: Path  # temporary file, removed by the caller
    size: int = 0
    head: bytes = b""
    sha256: str = ""
    _digest: object = field(default_factory=hashlib.sha256, repr=False)
    _handle: BinaryIO | None = field(default=None, repr=False)


class _Receiver:
    """python-multipart callbacks: each file part goes to its own temporary file."""

    def __init__(self, folder: Path, max_file_bytes: int, max_files: int):
        self.folder = folder
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.files: list[ReceivedFile] = []
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._current: ReceivedFile | None = None
        self._text_fields = 0
        self._text_bytes = 0

    def on_part_begin(self) -> None:
        self._headers = {}
        self._current = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"filename" not in options and b"filename*" not in options:
            self._text_fields += 1
            if self._text_fields > MAX_TEXT_FIELDS:
                raise DocintelError(ErrorCode.INVALID_REQUEST, f"more than {MAX_TEXT_FIELDS} form fields")
            return
        if len(self.files) >= self.max_files:
            raise DocintelError(
                ErrorCode.TOO_MANY_FILES, f"more than {self.max_files} files in one request; send them in several"
            )
        raw = options.get(b"filename", b"")
        name = display_filename(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))
        # The temporary name is ours; only the (sanitised) extension comes from the client, because
        # the archive keeps it (queries.archive_relative_path reads it from original_filename).
        path = self.folder / f"{len(self.files):04d}{extension_of(Path(name))}"
        self._current = ReceivedFile(filename=name, path=path, _handle=path.open("wb"))
        self.files.append(self._current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        current = self._current
        if current is None:  # a text field: counted, not kept
            self._text_bytes += len(chunk)
            if self._text_bytes > MAX_TEXT_FIELD_BYTES:
                raise DocintelError(ErrorCode.INVALID_REQUEST, "form fields beside the files are too long")
            return
        current.size += len(chunk)
        if current.size > self.max_file_bytes:
            raise DocintelError(
                ErrorCode.FILE_TOO_LARGE,
                f"{current.filename} is over the limit of {self.max_file_bytes / 1e6:.0f} MB per file",
            )
        if len(current.head) < HEAD_BYTES:
            current.head += chunk[: HEAD_BYTES - len(current.head)]
        current._digest.update(chunk)  # type: ignore[attr-defined]
        assert current._handle is not None
        current._handle.write(chunk)

    def on_part_end(self) -> None:
        current = self._current
        if current is not None and current._handle is not None:
            current._handle.close()
            current._handle = None
            current.sha256 = current._digest.hexdigest()  # type: ignore[attr-defined]
        self._current = None

    def on_end(self) -> None:
        pass

    def close(self) -> None:
        for file in self.files:
            if file._handle is not None:
                file._handle.close()
                file._handle = None


async def receive_files(
    content_type: str | None,
    content_length: str | None,
    stream: AsyncIterator[bytes],
    folder: Path,
    max_file_bytes: int,
    max_files: int,
) -> list[ReceivedFile]:
    """Parse a multipart/form-data body into temporary files in `folder`; DocintelError on bad input."""
    media_type, options = parse_options_header(content_type or "")
    if media_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise DocintelError(
            ErrorCode.INVALID_REQUEST, "send the scans as multipart/form-data, one part per file in the field 'files'"
        )
    max_body = max_files * (max_file_bytes + PART_OVERHEAD_BYTES) + MAX_TEXT_FIELD_BYTES
    if content_length and content_length.isdigit() and int(content_length) > max_body:
        raise DocintelError(
            ErrorCode.FILE_TOO_LARGE,
            f"the request is {int(content_length) / 1e6:.0f} MB; at most {max_files} files of "
            f"{max_file_bytes / 1e6:.0f} MB each are accepted",
        )
    receiver = _Receiver(folder, max_file_bytes, max_files)
    callbacks = {name: getattr(receiver, name) for name in (
        "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value",
        "on_header_end", "on_headers_finished", "on_end",
    )}
    parser = MultipartParser(options[b"boundary"], callbacks)  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > max_body:  # a body without Content-Length, or a lying one
                raise DocintelError(ErrorCode.FILE_TOO_LARGE, "the request body is over the upload limit")
            parser.write(chunk)
        parser.finalize()
    except FormParserError as error:
        raise DocintelError(ErrorCode.INVALID_REQUEST, f"the multipart body is malformed: {error}") from None
    except ClientDisconnect:  # nobody to answer; the request's folder is removed by the caller
        raise DocintelError(ErrorCode.INVALID_REQUEST, "the client went away during the upload") from None
    finally:
        receiver.close()
    if not receiver.files:
        raise DocintelError(ErrorCode.NO_FILES, "no file in the request: send the scans in the multipart field 'files'")
    for file in receiver.files:
        if not file.sha256:  # the body ended inside this part
            raise DocintelError(ErrorCode.INVALID_REQUEST, f"the upload of {file.filename} is incomplete")
    return receiver.files
