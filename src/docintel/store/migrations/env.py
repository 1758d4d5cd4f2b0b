"""Alembic environment: the database comes from the caller (init_db), not from an alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from docintel.store.db import database_url, make_engine
from docintel.store.models import Base

# Any constant: every process upgrading the same PostgreSQL database waits for the first one.
_PG_MIGRATION_LOCK_KEY = 0x646F63696E74656C  # "docintel"


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


def run_offline() -> None:
    """`--sql` mode: print the DDL for the configured database instead of running it."""
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
