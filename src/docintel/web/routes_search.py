"""The archive search page: docintel.search with the same filters as GET /api/v1/search."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from docintel.errors import DocintelError
from docintel.extract.records import DocType
from docintel.flags.codes import FlagCode
from docintel.search import SearchQuery, search
from docintel.web.context import User, page_router, render, web_state

router = page_router()
FILTERS = ("text", "customer", "product", "date_from", "date_to", "doc_type", "flag")
PAGE_SIZE = 20


@router.get("/search")
def search_page(request: Request, user: User) -> Response:
    given = {name: (request.query_params.get(name) or "").strip() for name in FILTERS}
    given = {name: value for name, value in given.items() if value}
    results, error = None, None
    if given:
        try:
            page = max(1, int(request.query_params.get("page") or 1))
        except ValueError:
            page = 1
        state = web_state(request)
        try:
            query = SearchQuery.parse(**given, page=page, page_size=PAGE_SIZE)
            results = search(query, state.session_factory, home=state.home)
        except DocintelError as exc:
            error = {"code": str(exc.code), "message": exc.message}
    return render(
        request, "search.html", user, given=given, results=results, error=error,
        doc_types=DocType.__args__, flag_codes=[str(c) for c in FlagCode],
        page_link=lambda n: "/search?" + urlencode(given | {"page": n}),
        facet_link=lambda name, value: "/search?" + urlencode(given | {name: value}),
    )
