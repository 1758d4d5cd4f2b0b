"""Records handed from ingest to OCR: decoded pages, and text a PDF already carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from docintel.ingest.sniff import FileKind


@dataclass(frozen=True)
class TextLayerWord:
    """A word from a PDF's own text layer, in pixel coordinates of the rendered page."""

    text: str
    box: tuple[int, int, int, int]


@dataclass
class SourcePage:
    index: int
    image: np.ndarray  # BGR uint8
    dpi: int | None
    text_layer: list[TextLayerWord] = field(default_factory=list)


@dataclass
class LoadedDocument:
    path: Path
    kind: FileKind
    sha256: str
    size: int
    pages: list[SourcePage]
