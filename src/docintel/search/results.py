"""What a search returns: one page of hits with highlights, the total, and facet counts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from docintel.search.query import SearchQuery


class Highlight(BaseModel):
    """A fragment of one field with the matched words marked.

    `spans` are [start, end) offsets into `text`; `html` is `text` HTML-escaped with <mark> around
    them, safe to insert into a page as it is.
    """

    field: str
    text: str
    spans: list[tuple[int, int]]
    html: str


class SearchHit(BaseModel):
    id: int
    score: float = Field(description="Relevance (higher is better); 0 when sorted by date without words.")
    doc_type: str | None = None
    status: str | None = None
    customer: str | None = None
    vendor: str | None = None
    date: dt.date | None = None
    doc_no: str | None = None
    order_no: str | None = None
    total: float | None = None
    flags: list[str] = Field(default_factory=list, description="Open flag codes.")
    filename: str | None = None
    matched_fields: list[str] = Field(default_factory=list)
    highlights: list[Highlight] = Field(default_factory=list)
    thumbnail: str = Field(description="URL path of the first page image, served by the HTTP API.")


class FacetValue(BaseModel):
    value: str = Field(description="Pass as the filter of the same name to narrow to it.")
    label: str
    count: int


class SearchResults(BaseModel):
    query: SearchQuery
    total: int
    page: int
    page_size: int
    pages: int
    sort: str
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]] = Field(description="Counts over all matches: customer, doc_type.")
    took_ms: float


def thumbnail_path(document_id: int) -> str:
    return f"/api/v1/documents/{document_id}/pages/1.png"
