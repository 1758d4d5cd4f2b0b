"""`docintel orders …`: the order-book commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from docintel.errors import DocintelError
from docintel.orders.importer import ImportReport, import_orders
from docintel.cli_support import archive_database, exit_with_error, stdout

orders_app = typer.Typer(help="The order book that documents are matched against.", no_args_is_help=True)


@orders_app.callback()
def _orders_group() -> None:
    """The order book that documents are matched against."""
    # A callback keeps `orders` a command group even while `import` is its only command.


# A file with thousands of bad rows would bury the summary; --json always lists them all.
MAX_ERRORS_SHOWN = 50


@orders_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Order book: CSV (UTF-8, GBK or Big5) or XLSX, one row per order line.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the import report as one JSON object.")] = False,
) -> None:
    """Load orders from FILE; an order number already in the book is replaced with the file's lines."""
    try:
        with archive_database() as (_, sessions), sessions() as session:
            report = import_orders(file, session)
    except DocintelError as error:
        exit_with_error(error, as_json, {"file": str(file)})
    if as_json:
        sys.stdout.write(json.dumps(report.model_dump(), ensure_ascii=False) + "\n")
    else:
        stdout.print(_summary_table(report))
        if report.errors:
            stdout.print(_errors_table(report))
    if report.errors:
        raise typer.Exit(1)


def _summary_table(report: ImportReport) -> Table:
    source = (
        report.format + (f", {report.encoding}" if report.encoding else "") + (f", sheet {report.sheet}" if report.sheet else "")
    )
    table = Table(title=f"docintel orders import: {Path(report.file).name} ({source})")
    for column in ("rows read", "orders created", "orders updated", "orders unchanged", "lines loaded", "rows with errors"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.rows_read),
        str(report.orders_created),
        str(report.orders_updated),
        str(report.orders_unchanged),
        str(report.lines_loaded),
        f"[red]{len(report.errors)}[/red]" if report.errors else "0",
    )
    return table


def _errors_table(report: ImportReport) -> Table:
    table = Table(title="rows not loaded")
    table.add_column("row", justify="right")
    table.add_column("reason", overflow="fold")
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        table.add_row(str(error.row), error.message)
    hidden = len(report.errors) - MAX_ERRORS_SHOWN
    if hidden > 0:
        table.caption = f"… and {hidden} more (use --json for all)"
    return table
