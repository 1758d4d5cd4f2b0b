"""`docintel serve` and `docintel apikey create|list|revoke`: thin shells over docintel.api."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from docintel.api.keys import create_key, list_keys, revoke_key
from docintel.cli_support import archive_database, exit_with_error, stdout
from docintel.errors import DocintelError
from docintel.settings import get_settings
from docintel.store.models import ApiKeyRole

apikey_app = typer.Typer(help="API keys of the HTTP API (one per station or system).", no_args_is_help=True)


@apikey_app.callback()
def _apikey_group() -> None:
    """API keys of the HTTP API (one per station or system)."""


@apikey_app.command("create")
def create_command(
    name: Annotated[str, typer.Option("--name", help="Who uses it, e.g. station-1 or erp.")],
    role: Annotated[ApiKeyRole, typer.Option("--role", help="station: uploads and reads its own; clerk: reads all, resolves flags; admin: everything.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the key as one JSON object.")] = False,
) -> None:
    """Create a key and print it once: only its hash is stored."""
    try:
        with archive_database() as (_, sessions), sessions.begin() as session:
            info, token = create_key(session, name, role)
    except DocintelError as error:
        exit_with_error(error, as_json, {"name": name})
    if as_json:
        sys.stdout.write(json.dumps({**info.as_dict(), "key": token}) + "\n")
        return
    stdout.print(f"API key [bold]{info.name}[/bold] ({info.role}), id {info.id}:")
    stdout.print(token, markup=False, highlight=False, soft_wrap=True)
    stdout.print("[yellow]It is shown only now; store it where the station keeps secrets.[/yellow]")


@apikey_app.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json", help="One JSON object per key per line.")] = False) -> None:
    """Every key: name, role, created, last used, revoked."""
    with archive_database() as (_, sessions), sessions() as session:
        keys = list_keys(session)
    if as_json:
        for info in keys:
            sys.stdout.write(json.dumps(info.as_dict()) + "\n")
        return
    table = Table(title=f"API keys ({len(keys)})")
    for column in ("id", "name", "role", "created", "last used", "revoked"):
        table.add_column(column)
    when = lambda moment: moment.strftime("%Y-%m-%d %H:%M") if moment else ""  # noqa: E731
    for info in keys:
        table.add_row(str(info.id), info.name, str(info.role), when(info.created_at), when(info.last_used_at), when(info.revoked_at))
    stdout.print(table)


@apikey_app.command("revoke")
def revoke_command(ref: Annotated[str, typer.Argument(help="The key's id or name.")]) -> None:
    """Revoke a key at once (its uploads stay)."""
    try:
        with archive_database() as (_, sessions), sessions.begin() as session:
            info = revoke_key(session, ref)
    except DocintelError as error:
        exit_with_error(error, False, {"key": ref})
    stdout.print(f"API key {info.name} (id {info.id}) is revoked")


def serve_command(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (default DOCINTEL_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default DOCINTEL_API_PORT, 8000).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Reader processes (default: one per core; 0: only accept uploads).")] = None,
) -> None:
    """Run the HTTP API (docs at /docs) with its queue of uploaded scans."""
    import uvicorn

    from docintel.api import create_app

    settings = get_settings()
    app = create_app(settings, workers=workers)
    uvicorn.run(app, host=host or settings.api_host, port=port or settings.api_port, log_level="info")
