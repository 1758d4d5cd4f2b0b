"""A command group whose subcommands are imported when they are run or listed.

`docintel extract` reads scans; importing every other command first (the archive's SQLAlchemy
and SciPy, the web app's FastAPI, the search engine) cost 2 s before the first page was read,
and a batch's workers are forked from that process.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

import click
import typer
import typer.main
from typer.core import TyperGroup


class LazyGroup(TyperGroup):
    """Subclass it with `lazy`: command name → (module, attribute), the attribute being a Typer
    app (a group of commands) or a command function. Commands registered on the Typer app
    itself come first in listings, lazy ones after, each in its own order."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in self.lazy if name not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name]
            self.commands[cmd_name] = _as_click(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


def _as_click(target: object, name: str) -> click.Command:
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)  # as add_typer would: no completion options
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command
