"""Content-addressed originals and the quarantine, under DOCINTEL_HOME.

An original lives at archive/ab/cd/<sha256><ext> and is never modified. It is written to a temp
name in the same folder, flushed, then renamed: a crash leaves either no file or the whole file,
never a truncated original under its final name.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from docintel.digests import sha256_of

ARCHIVE_DIR = "archive"
# Pages as read (turned, deskewed): derived from the originals, so they may be deleted and rebuilt.
PAGES_DIR = "pages"
QUARANTINE_DIR = "quarantine"
_CHUNK = 1024 * 1024
# Longer suffixes are not extensions but parts of odd names ("scan.2024-03-15 final").
_MAX_EXTENSION_CHARS = 10


def extension_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return suffix if 1 < len(suffix) <= _MAX_EXTENSION_CHARS and suffix[1:].isalnum() else ""


def archive_relative_path(sha256: str, extension: str) -> Path:
    """Where an original lives, relative to DOCINTEL_HOME."""
    return Path(ARCHIVE_DIR) / sha256[:2] / sha256[2:4] / f"{sha256}{extension}"


def page_image_relative_path(sha256: str, page_no: int) -> Path:
    """Where page `page_no` (1-based) of a document is kept as read, relative to DOCINTEL_HOME."""
    return Path(PAGES_DIR) / sha256[:2] / sha256 / f"{page_no}.jpg"


def _write_atomically(target: Path, write) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temp.open("wb") as writer:
            write(writer)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_directory(target.parent)


def _copy_atomically(source: Path, target: Path) -> None:
    with source.open("rb") as reader:
        _write_atomically(target, lambda writer: shutil.copyfileobj(reader, writer, _CHUNK))


def store_page_images(home: Path, sha256: str, images: Mapping[int, bytes]) -> None:
    """Write a document's page images (page number, 1-based → JPEG bytes) where the rows point."""
    for page_no, image in images.items():
        _write_atomically(home / page_image_relative_path(sha256, page_no), lambda writer, data=image: writer.write(data))


def _fsync_directory(folder: Path) -> None:
    # The rename is durable only once the directory entry is; not possible on every OS.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def store_original(home: Path, source: Path, sha256: str) -> Path:
    """Copy `source` into the archive (once) and return its path relative to `home`.

    An archived file left by an earlier, interrupted run is kept when its bytes are right, and
    replaced when they are not (a disk that lost data, a hand-edited archive).
    """
    relative = archive_relative_path(sha256, extension_of(source))
    target = home / relative
    if target.is_file() and sha256_of(target) == sha256:
        return relative
    _copy_atomically(source, target)
    if sha256_of(target) != sha256:
        raise OSError(f"{source} changed while it was archived; ingest it again once it is complete")
    return relative


def quarantine_relative_path(sha256: str | None, source: Path) -> Path:
    # The original name stays readable for whoever empties the quarantine; the hash keeps two
    # different files called scan.jpg apart.
    prefix = sha256[:16] if sha256 else "unhashed"
    return Path(QUARANTINE_DIR) / f"{prefix}_{source.name}"


def quarantine(home: Path, source: Path, sha256: str | None) -> Path | None:
    """Copy a file that could not be processed into the quarantine; None if it cannot be read."""
    relative = quarantine_relative_path(sha256, source)
    try:
        if not (home / relative).is_file():
            _copy_atomically(source, home / relative)
    except OSError:
        return None
    return relative
