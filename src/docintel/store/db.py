"""Engine, sessions and schema upgrades for the docintel database (SQLite by default, or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from docintel.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DATABASE_FILENAME = "docintel.db"
# SQLite waits this long for another writer (a worker, the CLI) before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url() -> str:
    """The configured database: DOCINTEL_DATABASE_URL, else a SQLite file in DOCINTEL_HOME."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(settings.home) / DATABASE_FILENAME}"


def _normalise_url(url: str | URL) -> URL:
    parsed = make_url(url)
    # psycopg (3) is the driver installed; plain postgresql:// would ask SQLAlchemy for psycopg2.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL | None = None, **engine_kwargs) -> Engine:
    """An engine for `url` (default: database_url()); creates the folder of a SQLite file."""
    parsed = _normalise_url(url if url is not None else database_url())
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **engine_kwargs)
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    engine_kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **engine_kwargs)


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores ON DELETE CASCADE / SET NULL unless asked per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the review UI read while a worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def init_db(url: str | URL | Engine | None = None) -> Engine:
    """Upgrade the database to the newest schema and return its engine.

    Safe at every start: an up-to-date database is left as it is. Accepts a ready engine so callers
    can pass connection options (tests use a PostgreSQL search_path per session).
    """
    engine = url if isinstance(url, Engine) else make_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: the CLI prints them after the transaction ends.
    return sessionmaker(bind=engine, expire_on_commit=False)
