"""What every command shell shares: the consoles, the archive session, how errors are printed."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from docintel.errors import DocintelError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

# Piped output has no terminal width; a wide table beats one folded into 80 columns.
PIPE_WIDTH = 200
stdout = Console(width=None if Console().is_terminal else PIPE_WIDTH)
stderr = Console(stderr=True)


@contextmanager
def archive_database() -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    """The archive database, migrated to the newest schema, released when the command ends."""
    # Imported here: SQLAlchemy and Alembic are half a second of start-up that `extract` never uses.
    from docintel.store.db import database_url, init_db, make_session_factory

    engine = init_db(database_url())
    try:
        yield engine, make_session_factory(engine)
    finally:
        engine.dispose()


def exit_with_error(error: DocintelError, as_json: bool, subject: dict[str, str]) -> NoReturn:
    """Report a failure the user can act on (JSON line or one red line), never a traceback."""
    if as_json:
        sys.stdout.write(json.dumps({**subject, "error": error.to_dict()}, ensure_ascii=False) + "\n")
    else:
        stderr.print(f"[red]error[/red] {error.code}: {error.message}")
    raise typer.Exit(1)
