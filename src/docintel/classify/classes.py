"""The document types the classifier tells apart (the values of extract.records.DocType)."""

from __future__ import annotations

from typing import get_args

from docintel.extract.records import DocType

CLASSES: tuple[str, ...] = get_args(DocType)
OTHER = "other"
