"""The `docintel` command: a thin shell over docintel.service."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from docintel import service
from docintel.cli_lazy import LazyGroup
from docintel.cli_support import exit_with_error, stderr, stdout
from docintel.errors import DocintelError
from docintel.extract.values import number_text
from docintel.ingest.folder import expand_inputs


class _Commands(LazyGroup):
    # In the order `docintel --help` lists them, after `extract` (defined below).
    lazy = {
        "ingest": ("docintel.archive.cli", "ingest_command"),
        "serve": ("docintel.api.cli", "serve_command"),
        "search": ("docintel.search.cli", "search_command"),
        "samples": ("docintel.samples.cli", "samples_app"),
        "orders": ("docintel.orders.cli", "orders_app"),
        "docs": ("docintel.archive.cli", "docs_app"),
        "flags": ("docintel.archive.cli", "flags_app"),
        "classifier": ("docintel.classify.cli", "classifier_app"),
        "apikey": ("docintel.api.cli", "apikey_app"),
        "user": ("docintel.web.cli", "user_app"),
        "index": ("docintel.search.cli", "index_app"),
    }


app = typer.Typer(
    help="docintel: scans of receipts and sales slips → checked records.", no_args_is_help=True, cls=_Commands
)


@app.callback()
def _group() -> None:
    # A Typer app with a single command of its own would be that command, not a group of them.
    pass


def _yes_no(value: bool) -> str:
    return "✓" if value else "–"


def _summary_table(results: list[service.ExtractionResult]) -> Table:
    table = Table(title="docintel extract", show_lines=False)
    for column in ("file", "type", "doc no", "order no", "customer", "date", "items", "total", "signed", "seal", "codes"):
        table.add_column(column, overflow="fold")
    for result in results:
        name = Path(result.file).name
        if isinstance(result, service.ExtractionFailure):
            table.add_row(name, f"[red]{result.code}[/red]", f"[red]{result.message}[/red]", *[""] * 8)
            continue
        table.add_row(
            name,
            result.doc_type or "",
            result.doc_no or "",
            result.order_no or "",
            result.customer or "",
            result.date or "",
            str(len(result.items)),
            f"{result.total:,.2f}" if result.total is not None else "",
            _yes_no(result.signature_present),
            _yes_no(result.seal_present),
            str(len(result.codes)),
        )
    return table


def _items_table(result) -> Table:
    table = Table(title=f"{Path(result.file).name}: line items")
    for column in ("product", "spec", "unit", "qty", "unit price", "amount"):
        table.add_column(column)
    for item in result.items:
        fmt = lambda v: "" if v is None else number_text(v)  # noqa: E731
        table.add_row(item.product, item.spec or "", item.unit or "", fmt(item.quantity), fmt(item.unit_price), fmt(item.amount))
    return table


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Scans (JPEG, PNG, TIFF, BMP, WebP, PDF) or folders of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per input file per line.")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Tesseract languages, e.g. chi_sim+eng or chi_tra+eng.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Parallel workers (default: one per core).")] = None,
    orders: Annotated[Path | None, typer.Option(
        "--orders", help="Order book (CSV/XLSX as `orders import` reads): snap misread customer and product names to its spellings.",
    )] = None,
) -> None:
    """Read fields from scans: numbers, customer, date, line items, total, signature, seal, codes."""
    paths = expand_inputs(files)
    if not paths:
        stderr.print("[red]error[/red]: no scans found in the given paths")
        raise typer.Exit(2)
    lexicon = None
    if orders is not None:
        from docintel.orders.lexicon import order_book_lexicon

        try:
            lexicon = order_book_lexicon(orders)
        except DocintelError as error:
            exit_with_error(error, as_json, {"file": str(orders)})
    results: list[service.ExtractionResult] = []
    progress = Progress(
        TextColumn("[bold]extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        TextColumn("{task.fields[name]}"), console=stderr, transient=True, disable=not stderr.is_terminal,
    )
    with progress:
        task = progress.add_task("extract", total=len(paths), name="")
        # The command prints fields and stores no pages: the page images would be made for nothing.
        for result in service.extract_files(paths, lang=lang, workers=workers, lexicon=lexicon, page_images=False):
            results.append(result)
            progress.update(task, advance=1, name=Path(result.file).name)
            if as_json:
                sys.stdout.write(json.dumps(result.contract_dict(), ensure_ascii=False) + "\n")
                sys.stdout.flush()
    if not as_json:
        stdout.print(_summary_table(results))
        good = [r for r in results if not isinstance(r, service.ExtractionFailure)]
        if len(good) == 1:
            stdout.print(_items_table(good[0]))
    failed = sum(isinstance(r, service.ExtractionFailure) for r in results)
    if failed:
        raise typer.Exit(1)
