"""`docintel user create|list|disable`: the accounts of the clerk pages, from the server's shell."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from docintel.cli_support import archive_database, exit_with_error, stdout
from docintel.store.models import UserRole
from docintel.web.users import AccountError, UserInfo, create_user, disable_user, list_users

user_app = typer.Typer(help="Accounts of the clerk pages (docintel serve).", no_args_is_help=True)


def _json(user: UserInfo) -> str:
    values = asdict(user) | {"role": str(user.role)}
    for key in ("created_at", "last_login_at"):
        values[key] = values[key].isoformat() if values[key] else None
    return json.dumps(values, ensure_ascii=False)


@user_app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="Sign-in name: letters, digits, '.', '_' or '-'.")],
    role: Annotated[UserRole, typer.Option("--role", help="clerk: queue and search; admin: also the accounts.")] = UserRole.CLERK,
    name: Annotated[str | None, typer.Option("--name", help="Name shown on the pages, e.g. 王芳.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an account; the password is asked for twice (or read from stdin), never an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with archive_database() as (_engine, factory):
        try:
            with factory.begin() as session:
                user = create_user(session, username, password, role, name)
        except AccountError as error:
            exit_with_error(error, as_json, {"username": username})
    stdout.print(_json(user)) if as_json else stdout.print(f"created {user.role} [bold]{user.username}[/bold]")


@user_app.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the accounts."""
    with archive_database() as (_engine, factory), factory() as session:
        users = list_users(session)
    if as_json:
        for user in users:
            sys.stdout.write(_json(user) + "\n")
        return
    table = Table(title="docintel users")
    for column in ("username", "name", "role", "state", "last sign-in"):
        table.add_column(column)
    for user in users:
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else ""
        table.add_row(user.username, user.display_name or "", str(user.role), "disabled" if user.disabled else "active", last)
    stdout.print(table)


@user_app.command("disable")
def disable(
    username: Annotated[str, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end at once."""
    with archive_database() as (_engine, factory):
        try:
            with factory.begin() as session:
                user = disable_user(session, username)
        except AccountError as error:
            exit_with_error(error, as_json, {"username": username})
    stdout.print(_json(user)) if as_json else stdout.print(f"disabled [bold]{user.username}[/bold]")
