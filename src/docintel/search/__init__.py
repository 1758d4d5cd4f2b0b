"""Full-text search over the archive: a whoosh index under DOCINTEL_HOME/index kept in step with the database.

    results = search(SearchQuery.parse(text="螺栓", customer="恒达五金", date_from="2024-03", date_to="2024-03"), sessions)
    index_documents(sessions, [document.id])     # after an ingest, a correction or a deletion
    ensure_index(sessions)                       # at start-up: rebuilds or catches up, saying why
"""

from docintel.search.engine import search
from docintel.search.query import SearchQuery, query_error
from docintel.search.results import FacetValue, Highlight, SearchHit, SearchResults
from docintel.search.status import IndexStatus, index_status
from docintel.search.sync import IndexReport, ensure_index, index_documents, rebuild_index

__all__ = [
    "FacetValue",
    "Highlight",
    "IndexReport",
    "IndexStatus",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "ensure_index",
    "index_documents",
    "index_status",
    "query_error",
    "rebuild_index",
    "search",
]
