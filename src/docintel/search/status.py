"""`docintel index status`: the index against the database, without changing anything."""

from __future__ import annotations

from pydantic import BaseModel, Field

from docintel.search.locks import is_locked
from docintel.search.pending import pending_count
from docintel.search.store import IndexPaths, IndexProblem, checked_state
from docintel.search.sync import SessionFactory, database_state, out_of_step


class IndexStatus(BaseModel):
    """The index compared with the database, and what would be done about it."""

    directory: str
    problem: str | None = Field(None, description="Why the index cannot be used as it is (it would be rebuilt).")
    documents_in_database: int
    documents_in_index: int | None = None
    out_of_step: int | None = Field(None, description="Documents missing, stale or extra in the index.")
    pending: int = Field(0, description="Ids waiting in index.pending for the next update.")
    size_bytes: int = 0
    writer_active: bool = Field(False, description="A process is writing or rebuilding the index right now.")


def index_status(session_factory: SessionFactory, home=None) -> IndexStatus:
    paths = IndexPaths.of(home)
    database = database_state(session_factory)
    status = IndexStatus(
        directory=str(paths.directory), documents_in_database=len(database), pending=pending_count(paths.home),
        writer_active=is_locked(paths.lock) or is_locked(paths.directory / "MAIN_WRITELOCK"),
    )
    try:
        indexed = checked_state(paths.directory)
    except IndexProblem as problem:
        status.problem = problem.reason
        return status
    status.documents_in_index = len(indexed)
    status.out_of_step = len(out_of_step(indexed, database))
    status.size_bytes = sum(f.stat().st_size for f in paths.directory.iterdir() if f.is_file())
    return status
