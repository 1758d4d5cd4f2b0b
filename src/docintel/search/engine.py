"""search(): one page of hits, the total and the facets, from the index kept beside the database.

The index is opened once per thread and refreshed when a writer commits. A missing index is
built from the database first (ensure_index). Should reading fail mid-search, the index is
checked; a damaged one is rebuilt from the database and the search run again, so a clerk gets
results, not a stack trace. A failure with an intact index is a bug and is raised as it is.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from docintel.errors import DocintelError, ErrorCode
from docintel.search.compile import FUZZY_FROM_FILTER, Plan, compile_query
from docintel.search.evaluate import DocMasks, match, scores, top
from docintel.search.highlight import Needle, highlight_field
from docintel.search.query import SearchQuery, split_text
from docintel.search.results import FacetValue, SearchHit, SearchResults, thumbnail_path
from docintel.search.store import IndexPaths, IndexProblem, checked_state, searchers
from docintel.search.sync import SessionFactory, ensure_index, rebuild_because

FACET_SIZE = 20
# Stored fields shown with marks, in the order a clerk reads them; numbers are shown, not searched here.
HIGHLIGHT_FIELDS = ("customer", "products", "vendor", "doc_no", "order_no", "filename", "text")


def _facets(searcher: Searcher, masks: DocMasks, matched: np.ndarray) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    candidates = np.flatnonzero(matched)
    for name, field in (("customer", "customer_key"), ("doc_type", "doc_type")):
        values, codes = masks.codes(field)
        chosen = codes[candidates]
        counts = np.bincount(chosen, minlength=len(values))
        found = []
        for code in np.argsort(-counts, kind="stable"):
            if counts[code] == 0 or len(found) == FACET_SIZE:
                break
            value = str(values[code])
            if not value:
                continue
            label = value
            if name == "customer":  # the name as printed on one document with that key
                first = int(candidates[np.argmax(chosen == code)])
                label = searcher.stored_fields(first).get("customer", value)
            found.append(FacetValue(value=value, label=label, count=int(counts[code])))
        facets[name] = found
    return facets


def _needles(query: SearchQuery) -> dict[str, list[Needle]]:
    """Which clauses each highlighted field is searched for."""
    text = [Needle.of(clause) for clause in split_text(query.text)] if query.text else []
    needles = {field: list(text) for field in HIGHLIGHT_FIELDS}
    if query.customer:
        needles["customer"] += [Needle.of(c, FUZZY_FROM_FILTER) for c in split_text(query.customer)]
    if query.product:
        needles["products"] += [Needle.of(c, FUZZY_FROM_FILTER) for c in split_text(query.product)]
    return needles


def _hit(searcher: Searcher, docnum: int, score: float, query: SearchQuery, needles: dict[str, list[Needle]]) -> SearchHit:
    stored = searcher.stored_fields(docnum)
    highlights, matched = [], []
    for field in HIGHLIGHT_FIELDS:
        found = highlight_field(field, stored.get(field), needles[field])
        if found:
            matched.append(field)
            highlights.extend(found)
    if query.customer and "customer" not in matched:
        matched.insert(0, "customer")  # matched by its normalised key, nothing to mark
    date = stored.get("date")
    doc_id = int(stored["id"])
    return SearchHit(
        id=doc_id, score=round(score, 4), doc_type=stored.get("doc_type"), status=stored.get("status"),
        customer=stored.get("customer"), vendor=stored.get("vendor"), date=date.date() if date else None,
        doc_no=stored.get("doc_no"), order_no=stored.get("order_no"), total=stored.get("total"),
        flags=(stored.get("flags") or "").split(), filename=stored.get("filename"),
        matched_fields=matched, highlights=highlights, thumbnail=thumbnail_path(doc_id),
    )


def _run(searcher: Searcher, plan: Plan, query: SearchQuery, started: float) -> SearchResults:
    by_date = query.sort == "date" or not plan.requirements
    masks = DocMasks.of(searcher)
    matched, alternatives = match(masks, plan)
    score = None if by_date else scores(matched, alternatives)
    first = (query.page - 1) * query.page_size
    page = top(matched, first + query.page_size, score, masks.dates())[first:]
    needles = _needles(query)
    hits = [_hit(searcher, docnum, float(score[docnum]) if score is not None else 0.0, query, needles) for docnum in page]
    total = int(matched.sum())
    return SearchResults(
        query=query, total=total, page=query.page, page_size=query.page_size,
        pages=max(1, math.ceil(total / query.page_size)), sort="date" if by_date else "relevance",
        hits=hits, facets=_facets(searcher, masks, matched), took_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def _searcher(paths: IndexPaths, session_factory: SessionFactory) -> Searcher:
    try:
        return searchers.get(paths.directory)
    except IndexProblem:
        ensure_index(session_factory, paths.home)
    try:
        return searchers.get(paths.directory)
    except IndexProblem as problem:
        raise DocintelError(ErrorCode.INDEX_UNAVAILABLE, f"the search index is {problem.reason}; run `docintel index rebuild`") from None


def search(query: SearchQuery | dict[str, Any], session_factory: SessionFactory, home=None) -> SearchResults:
    """Run `query` (a SearchQuery, or its parameters as a dict) against the archive's index."""
    started = time.perf_counter()
    if not isinstance(query, SearchQuery):
        query = SearchQuery.parse(**query)
    plan = compile_query(query)
    if plan.empty:
        raise DocintelError(ErrorCode.INVALID_QUERY, f"{', '.join(plan.empty)}: nothing to search for (only punctuation?)")
    paths = IndexPaths.of(home)
    searcher = _searcher(paths, session_factory)
    try:
        return _run(searcher, plan, query, started)
    except DocintelError:
        raise
    except Exception:
        searchers.drop(paths.directory)
        try:
            checked_state(paths.directory)
        except IndexProblem as problem:
            rebuild_because(paths, session_factory, f"index {problem.reason} (found by a search)", unless_healthy=True)
            return _run(_searcher(paths, session_factory), plan, query, started)
        raise
