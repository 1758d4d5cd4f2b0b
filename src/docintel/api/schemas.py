"""What the API answers: the response bodies, as pydantic models (they are the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from docintel.api.errors import ErrorBody
from docintel.api.keys import KEY_NAME_PATTERN
from docintel.store.models import DocumentStatus

ApiStatus = Literal["queued", "processing", "done", "failed"]
API_PREFIX = "/api/v1"


def api_status(status: str) -> ApiStatus:
    """The station's view of a document: waiting, being read, read (whatever the review says), failed."""
    if status == DocumentStatus.RECEIVED:
        return "queued"
    if status == DocumentStatus.PROCESSING:
        return "processing"
    if status == DocumentStatus.FAILED:
        return "failed"
    return "done"


def document_url(document_id: int) -> str:
    return f"{API_PREFIX}/documents/{document_id}"


class FlagOut(BaseModel):
    id: int
    document_id: int
    code: str
    product: str | None = None
    message: str
    details: dict[str, Any] | None = None
    status: str
    created_at: str | None = None
    file: str | None = Field(None, description="the document's original file name (flag lists)")
    sha256: str | None = None


class MatchLineOut(BaseModel):
    item_index: int | None = Field(None, description="0-based index in fields.items; null: on the order only")
    order_line_id: int | None = Field(None, description="null: on the document only")
    product_score: float | None = None
    document_product: str | None = None
    order_product: str | None = None
    document_quantity: float | None = None
    order_quantity: float | None = None
    document_unit_price: float | None = None
    order_unit_price: float | None = None


class MatchOut(BaseModel):
    id: int
    order_no: str
    order_id: int
    customer: str
    order_date: str
    score: float
    method: str
    status: str
    details: dict[str, Any] | None = None
    lines: list[MatchLineOut]


class PageOut(BaseModel):
    page_no: int
    width: int | None = None
    height: int | None = None
    rotation: int | None = None
    image_url: str
    thumbnail_url: str


class DocumentLinks(BaseModel):
    self: str
    original: str


class DocumentOut(BaseModel):
    id: int
    status: ApiStatus
    review_status: str = Field(description="the archive's status: matched, needs_review, approved, …")
    sha256: str
    original_filename: str
    size_bytes: int | None = None
    mime_type: str | None = None
    fields: dict[str, Any] | None = Field(None, description="the `docintel extract --json` record")
    confidences: dict[str, float] | None = None
    match: MatchOut | None = None
    flags: list[FlagOut] = Field(default_factory=list, description="open flags")
    pages: list[PageOut] = Field(default_factory=list)
    error: ErrorBody | None = None
    processing_ms: int | None = None
    created_at: str | None = None
    links: DocumentLinks


class UploadedDocument(BaseModel):
    id: int
    filename: str
    sha256: str
    status: ApiStatus
    duplicate: bool = Field(description="the same bytes were uploaded before: this is that document")
    status_url: str
    result: DocumentOut | None = Field(None, description="with ?wait=true: the document once processed")


class UploadResponse(BaseModel):
    documents: list[UploadedDocument]


class FlagList(BaseModel):
    flags: list[FlagOut]
    limit: int
    offset: int


class ResolveRequest(BaseModel):
    note: str | None = Field(None, max_length=2000, description="why, for the audit trail")
    status: Literal["resolved", "dismissed"] = Field(
        "resolved", description="resolved: accepted as it is; dismissed: the flag was wrong"
    )


class ResolvedFlag(BaseModel):
    flag: FlagOut
    document_id: int
    document_status: str


class OrderLineIn(BaseModel):
    order_no: str = Field(min_length=1, max_length=128)
    customer: str | None = Field(None, max_length=512)
    vendor: str | None = Field(None, max_length=512, description="the firm's company that issues the order's documents (optional)")
    order_date: str | None = Field(None, max_length=32, description="YYYY-MM-DD (other spellings the CSV import reads work too)")
    product: str | None = Field(None, max_length=512)
    spec: str | None = Field(None, max_length=512)
    unit: str | None = Field(None, max_length=32)
    quantity: float | str | None = None
    unit_price: float | str | None = None


class OrderLinesIn(BaseModel):
    lines: list[OrderLineIn] = Field(min_length=1, max_length=100_000)


class OrderLineOut(BaseModel):
    line_no: int
    line_date: str | None = None
    product: str
    spec: str | None = None
    unit: str | None = None
    quantity: float
    unit_price: float | None = None


class OrderDocumentOut(BaseModel):
    document_id: int
    status: ApiStatus
    review_status: str
    score: float
    method: str


class OrderOut(BaseModel):
    id: int
    order_no: str
    customer: str
    customer_names: list[str]
    vendor: str | None = Field(None, description="the firm's company that issues the order's documents (optional book column)")
    order_date: str
    source_file: str | None = None
    lines: list[OrderLineOut]
    documents: list[OrderDocumentOut] = Field(description="documents matched to this order (accepted matches)")


class KeyOut(BaseModel):
    id: int
    name: str
    role: str
    created_at: str | None = None
    revoked_at: str | None = None
    last_used_at: str | None = None


class NewKeyIn(BaseModel):
    name: str = Field(pattern=KEY_NAME_PATTERN)
    role: Literal["station", "clerk", "admin"]


class NewKeyOut(KeyOut):
    key: str = Field(description="the key itself: shown once, only its hash is stored")


class HealthCheck(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, HealthCheck]
