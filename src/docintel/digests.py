"""File digests, in a module of their own: the classifier checks its model file with the same
hash the archive names originals by, and must not import the archive (SQLAlchemy, SciPy: over a
second) in every extraction worker to do so."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
