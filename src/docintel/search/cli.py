"""`docintel search` and `docintel index rebuild|status`: thin shells over docintel.search."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from docintel.cli_support import archive_database, stderr, stdout
from docintel.errors import DocintelError
from docintel.search.engine import search
from docintel.search.query import SearchQuery
from docintel.search.results import Highlight, SearchResults
from docintel.search.status import index_status
from docintel.search.sync import ensure_index, rebuild_index
from docintel.settings import get_settings

index_app = typer.Typer(help="The full-text search index.", no_args_is_help=True)
# Exit code of a query the user must fix (typer's own for bad usage).
BAD_QUERY = 2


@index_app.callback()
def _index_group() -> None:
    """The full-text search index (DOCINTEL_HOME/index), kept in step with the database."""


def _fail(error: DocintelError, as_json: bool, params: dict[str, Any]) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"query": params, "error": error.to_dict()}, ensure_ascii=False, default=str) + "\n")
    else:
        stderr.print(f"[red]error[/red] {error.code}: {error.message}")
    raise typer.Exit(BAD_QUERY)


def _marked(highlight: Highlight) -> Text:
    text = Text(highlight.text.replace("\n", " "))
    for start, end in highlight.spans:
        text.stylize("bold yellow", start, end)
    return text


def _print_results(results: SearchResults) -> None:
    table = Table(title=f"{results.total} documents, page {results.page} of {results.pages} ({results.sort}, {results.took_ms:.0f} ms)")
    for column in ("id", "date", "type", "customer", "doc no", "order no", "flags", "matched"):
        table.add_column(column, overflow="fold")
    for hit in results.hits:
        shown = next((h for h in hit.highlights if h.field != "customer"), hit.highlights[0] if hit.highlights else None)
        table.add_row(
            str(hit.id), hit.date.isoformat() if hit.date else "", hit.doc_type or "", hit.customer or "",
            hit.doc_no or "", hit.order_no or "", " ".join(hit.flags),
            _marked(shown) if shown else Text(", ".join(hit.matched_fields)),
        )
    stdout.print(table)
    for name, values in results.facets.items():
        if values:
            stdout.print(f"[bold]{name}[/bold]: " + ", ".join(f"{v.label} ({v.count})" for v in values[:8]))


def search_command(
    words: Annotated[list[str] | None, typer.Argument(help='Words to find, all of them; \'"quoted words"\' exactly.')] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Customer name or part of it.")] = None,
    product: Annotated[str | None, typer.Option("--product", help="Product name or spec, or part of it.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Dated on or after: YYYY-MM-DD, YYYY-MM or YYYY.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Dated on or before (a month or year: its end).")] = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="signoff_receipt, sales_slip, invoice, monthly_statement, other.")] = None,
    flag: Annotated[str | None, typer.Option("--flag", help="With this open flag, e.g. QTY_MISMATCH.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Document status, e.g. needs_review.")] = None,
    order_no: Annotated[str | None, typer.Option("--order", help="Printed order number.")] = None,
    signed: Annotated[bool | None, typer.Option("--signed/--unsigned", help="Only signed, or only unsigned, documents.")] = None,
    page: Annotated[int, typer.Option("--page", help="Result page, from 1.")] = 1,
    page_size: Annotated[int, typer.Option("--page-size", help="Hits per page.")] = 20,
    by_date: Annotated[bool, typer.Option("--by-date", help="Newest first instead of best match first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results (hits, highlights, facets) as one JSON object.")] = False,
) -> None:
    """Find documents by any word on them, customer, product, date, type, flag or order number."""
    params = {
        "text": " ".join(words or []), "customer": customer, "product": product, "date_from": date_from, "date_to": date_to,
        "doc_type": doc_type, "flag": flag, "status": status, "order_no": order_no, "signed": signed,
        "page": page, "page_size": page_size, "sort": "date" if by_date else "relevance",
    }
    params = {key: value for key, value in params.items() if value is not None}
    try:
        query = SearchQuery.parse(**params)
        home = get_settings().home
        with archive_database() as (_, sessions):
            ensure_index(sessions, home)  # start-up: a missing, damaged or stale index is fixed first
            results = search(query, sessions, home)
    except DocintelError as error:
        _fail(error, as_json, params)
    if as_json:
        sys.stdout.write(results.model_dump_json() + "\n")
    else:
        _print_results(results)


@index_app.command("rebuild")
def rebuild_command(as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False) -> None:
    """Recreate the index from every document in the database (searches go on meanwhile)."""
    started = time.perf_counter()
    try:
        with archive_database() as (_, sessions):
            count = rebuild_index(sessions, get_settings().home)
    except DocintelError as error:
        _fail(error, as_json, {})
    elapsed = time.perf_counter() - started
    if as_json:
        sys.stdout.write(json.dumps({"indexed": count, "seconds": round(elapsed, 2)}) + "\n")
    else:
        stdout.print(f"indexed {count} documents in {elapsed:.1f} s")


@index_app.command("status")
def status_command(as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False) -> None:
    """The index against the database: documents, out of step, pending, size; changes nothing."""
    with archive_database() as (_, sessions):
        status = index_status(sessions, get_settings().home)
    if as_json:
        sys.stdout.write(status.model_dump_json() + "\n")
        return
    table = Table(title="search index", show_header=False)
    table.add_column("")
    table.add_column("", overflow="fold")
    for key, value in status.model_dump().items():
        table.add_row(key.replace("_", " "), "" if value is None else str(value))
    stdout.print(table)
