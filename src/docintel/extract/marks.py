"""Marks that are not printed text: company seals (公章) and handwritten signatures."""

from __future__ import annotations

from docintel.extract.marks_handwriting import Handwriting, detect_handwriting
from docintel.extract.marks_seal import Seal, detect_seals, is_achromatic

__all__ = ["Handwriting", "Seal", "detect_handwriting", "detect_seals", "is_achromatic"]
