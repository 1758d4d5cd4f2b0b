"""Ground truth written beside every generated sample (``NAME.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DocType = Literal["signoff_receipt", "sales_slip", "monthly_statement", "invoice", "other"]

FLAG_CODES = (
    "NO_MATCH",
    "QTY_MISMATCH",
    "PRICE_MISMATCH",
    "ITEM_MISSING",
    "ITEM_UNEXPECTED",
    "UNSIGNED",
    "CUSTOMER_MISMATCH",
    "DUPLICATE_RECEIPT",
    "DATE_OUT_OF_RANGE",
)
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


class TruthItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str
    spec: str | None = None
    unit: str | None = None
    quantity: float | None = None
    unit_price: float | None = None
    amount: float | None = None


class ExpectedFlag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: FlagCode
    product: str | None = None


class GroundTruth(BaseModel):
    """What is printed on the page, exactly; see samples/README.md for the conventions."""

    model_config = ConfigDict(extra="forbid")

    file: str
    pages: int = 1
    doc_type: DocType
    doc_no: str | None = None
    order_no: str | None = None
    vendor: str | None = None
    customer: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    items: list[TruthItem] = Field(default_factory=list)
    total: float | None = None
    signature_present: bool = False
    seal_present: bool = False
    codes: list[str] = Field(default_factory=list)
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
