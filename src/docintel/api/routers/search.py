"""/api/v1/search: the archive's full-text search with filters (docintel.search), for clerks and systems."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from docintel.api.deps import ClerkKey, State
from docintel.api.errors import responses
from docintel.search import SearchQuery, SearchResults, search

router = APIRouter(tags=["search"])


def _described(name: str) -> str | None:
    return SearchQuery.model_fields[name].description


@router.get("/search", response_model=SearchResults, responses=responses(400, 401, 403, 422, 503))
def get_search(
    key: ClerkKey,
    service: State,
    text: Annotated[str, Query(description=_described("text"))] = "",
    customer: Annotated[str | None, Query(description=_described("customer"))] = None,
    product: Annotated[str | None, Query(description=_described("product"))] = None,
    date_from: Annotated[str | None, Query(description=_described("date_from"))] = None,
    date_to: Annotated[str | None, Query(description=_described("date_to"))] = None,
    doc_type: Annotated[str | None, Query(description=_described("doc_type"))] = None,
    flag: Annotated[str | None, Query(description=_described("flag"))] = None,
    status: Annotated[str | None, Query(description=_described("status"))] = None,
    order_no: Annotated[str | None, Query(description=_described("order_no"))] = None,
    signed: Annotated[bool | None, Query(description=_described("signed"))] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 20,
    sort: Annotated[Literal["relevance", "date"], Query()] = "relevance",
) -> SearchResults:
    """Documents matching the words and every filter given, best first (or newest first with
    sort=date), with highlights and facet counts. A bad query is a 400 with code INVALID_QUERY."""
    given = {
        "text": text, "customer": customer, "product": product, "date_from": date_from, "date_to": date_to,
        "doc_type": doc_type, "flag": flag, "status": status, "order_no": order_no, "signed": signed,
        "page": page, "page_size": page_size, "sort": sort,
    }
    query = SearchQuery.parse(**{name: value for name, value in given.items() if value is not None})
    return search(query, service.session_factory, home=service.home)
