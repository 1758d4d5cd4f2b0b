"""Ground truth written beside every generated sample (``NAME.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from docintel.extract.records import DocType, DocumentFields

# The flag codes the generator plants; matching (a later stage) reports the same codes.
FlagCode = Literal[
    "NO_MATCH",
    "QTY_MISMATCH",
    "PRICE_MISMATCH",
    "ITEM_MISSING",
    "ITEM_UNEXPECTED",
    "UNSIGNED",
    "CUSTOMER_MISMATCH",
    "DUPLICATE_RECEIPT",
    "DATE_OUT_OF_RANGE",
]
FLAG_CODES: tuple[str, ...] = get_args(FlagCode)

class ExpectedFlag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: FlagCode
    product: str | None = None


class GroundTruth(DocumentFields):
    """What is printed on the page, exactly; see samples/README.md for the conventions."""

    model_config = ConfigDict(extra="forbid")

    doc_type: DocType
    expected_flags: list[ExpectedFlag] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def load_truth(path: str | Path) -> GroundTruth:
    """Read ``NAME.json`` (or the truth beside ``NAME.jpg`` if given the image path)."""
    p = Path(path)
    if p.suffix.lower() != ".json":
        p = p.with_suffix(".json")
    return GroundTruth.model_validate_json(p.read_text(encoding="utf-8"))
