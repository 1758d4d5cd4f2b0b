"""Storage: SQLAlchemy models, Alembic migrations shipped in the package, engine and sessions."""

from docintel.store.db import database_url, init_db, make_engine, make_session_factory

__all__ = ["database_url", "init_db", "make_engine", "make_session_factory"]
