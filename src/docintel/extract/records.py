"""Typed records that the extraction stage hands to the rest of the pipeline."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from docintel.extract.pages import PageRecord

DocType = Literal["signoff_receipt", "sales_slip", "monthly_statement", "invoice", "other"]

Box = tuple[int, int, int, int]
"""(page, x, y, w, h) would be ambiguous across pages, so boxes carry the page separately."""


class WordRef(BaseModel):
    """Where on which page a value was read, so a reviewer can be shown the spot."""

    page: int
    box: Box


class LineItem(BaseModel):
    product: str
    spec: str | None = None
    unit: str | None = None
    quantity: float | None = None
    unit_price: float | None = None
    amount: float | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0, exclude=True)
    sources: list[WordRef] = Field(default_factory=list, exclude=True)


class FieldValue(BaseModel):
    value: str | float | bool | None
    confidence: float = Field(ge=0.0, le=1.0)
    sources: list[WordRef] = Field(default_factory=list)


class DocumentFields(BaseModel):
    """What a business form says: read by extraction, or known as ground truth for a sample."""

    file: str
    pages: int = 1
    doc_type: DocType | None = None
    doc_no: str | None = None
    order_no: str | None = None
    vendor: str | None = None
    customer: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    items: list[LineItem] = Field(default_factory=list)
    total: float | None = None
    signature_present: bool = False
    seal_present: bool = False
    codes: list[str] = Field(default_factory=list)


class ExtractedDocument(DocumentFields):
    """The `docintel extract --json` contract, plus where each field came from."""

    confidence: dict[str, float] = Field(default_factory=dict)
    text: str = ""
    sources: dict[str, list[WordRef]] = Field(default_factory=dict)
    # A name as read before it was snapped to the order book's spelling (docintel.extract.lexicon):
    # "customer" or "items.N.product" → the text as read. Stored with the fields, not in the contract.
    readings: dict[str, str] = Field(default_factory=dict)
    # Per page: text, size and the page image as read (docintel.extract.pages); not in the contract.
    page_records: list[PageRecord] = Field(default_factory=list, exclude=True)
    # The type classifier's probability per class (docintel.classify); not in the contract, but a
    # LOW_CONFIDENCE flag on doc_type names the best guess from it.
    doc_type_scores: dict[str, float] = Field(default_factory=dict, exclude=True)

    def contract_dict(self) -> dict:
        """Exactly the keys of the CLI contract, in contract order."""
        return self.model_dump(exclude={"sources", "readings"})
