"""`docintel ingest`, `docintel docs show`, `docintel flags list`: thin shells over the archive."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker
from rich.text import Text

from docintel.archive.ingest import ingest_paths
from docintel.archive.queries import DocumentLookupError, document_details, find_document, list_flags
from docintel.extract.values import number_text
from docintel.archive.records import FileOutcome, IngestSummary
from docintel.archive.review import ReviewError, correct_document, reindex, resolve_flag, touched_documents
from docintel.archive.watch import watch_batches
from docintel.ingest.folder import scan_files
from docintel.settings import get_settings
from docintel.store.models import FlagStatus
from docintel.cli_support import archive_database, exit_with_error, stderr, stdout


docs_app = typer.Typer(help="Documents in the archive.", no_args_is_help=True)
flags_app = typer.Typer(help="Flags a clerk must look at.", no_args_is_help=True)


@docs_app.callback()
def _docs_group() -> None:
    """Documents in the archive."""


@flags_app.callback()
def _flags_group() -> None:
    """Flags a clerk must look at."""


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.2f} files/s" if task.speed else "– files/s", style="progress.data.speed")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]ingesting"), BarColumn(), MofNCompleteColumn(), RateColumn(), TimeRemainingColumn(),
        TextColumn("{task.fields[name]}"), console=stderr, transient=True, disable=not stderr.is_terminal,
    )


def _summary_tables(summary: IngestSummary) -> list[Table]:
    table = Table(title="docintel ingest" + (" (interrupted)" if summary.interrupted else ""))
    table.add_column("")
    table.add_column("files", justify="right")
    table.add_row("ingested", str(summary.ingested))
    table.add_row("duplicates", str(summary.duplicates))
    matched = str(summary.matched) if summary.matching_available else "– (matching not installed)"
    table.add_row("matched", matched)
    for code, count in summary.flags_by_code.items():
        table.add_row(f"flagged {code}", str(count))
    table.add_row("failed", f"[red]{len(summary.failed)}[/red]" if summary.failed else "0")
    tables = [table]
    if summary.failed:
        failures = Table(title="failed (copied to quarantine/)")
        for column in ("file", "document", "code", "message"):
            failures.add_column(column, overflow="fold")
        for outcome in summary.failed:
            failures.add_row(outcome.file, str(outcome.document_id or "–"), outcome.error_code or "", outcome.error_message or "")
        tables.append(failures)
    return tables


def ingest_command(
    folder: Annotated[Path, typer.Argument(help="Folder of scans, searched recursively.", exists=True, file_okay=False)],
    workers: Annotated[int | None, typer.Option("--workers", help="Parallel workers (default: one per core).")] = None,
    watch: Annotated[bool, typer.Option("--watch", help="Keep polling FOLDER for completed files until Ctrl-C.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Tesseract languages, e.g. chi_sim+eng.")] = None,
) -> None:
    """Store every scan in FOLDER in the archive, read, matched and flagged; a re-run finishes what is missing."""
    settings = get_settings()
    home = Path(settings.home)
    summary = IngestSummary()
    progress = _progress()
    task = progress.add_task("ingest", total=0, name="")

    def advance(outcome: FileOutcome) -> None:
        progress.update(task, advance=1, name=Path(outcome.file).name)

    def run(paths: list[Path], session_factory: sessionmaker[Session]) -> None:
        progress.update(task, total=(progress.tasks[0].total or 0) + len(paths))
        ingest_paths(paths, session_factory, home, workers=workers, lang=lang, summary=summary, on_outcome=advance)

    try:
        with archive_database() as (_, session_factory), progress:
            if watch:
                with _stop_on_ctrl_c() as stop:
                    for batch in watch_batches(folder, settings.watch_interval, sleep=stop.wait, stopped=stop.is_set):
                        run(batch, session_factory)
                    summary.interrupted = stop.is_set()
            else:
                run(list(scan_files(folder)), session_factory)
    except KeyboardInterrupt:
        summary.interrupted = True
    if as_json:
        sys.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False) + "\n")
    else:
        for table in _summary_tables(summary):
            stdout.print(table)
    if summary.interrupted and not watch:
        raise typer.Exit(130)
    if summary.failed:
        raise typer.Exit(1)


@contextmanager
def _stop_on_ctrl_c() -> Iterator[threading.Event]:
    """While watching, Ctrl-C (SIGINT) asks to stop once the files in hand are stored; a second
    Ctrl-C stops at once. A KeyboardInterrupt at an arbitrary moment can land inside a database
    commit or the search index writer, and once left the watcher hanging at exit."""
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


@docs_app.command("show")
def show_command(
    ref: Annotated[str, typer.Argument(help="Document id, or the first ≥6 hex digits of its sha256.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the document as one JSON object.")] = False,
) -> None:
    """A document's fields, its matched order and line alignment, and its open flags."""
    try:
        with archive_database() as (_, sessions), sessions() as session:
            details = document_details(session, ref)
    except DocumentLookupError as error:
        exit_with_error(error, as_json, {"ref": ref})
    if as_json:
        sys.stdout.write(json.dumps(details, ensure_ascii=False) + "\n")
        return
    _print_document(details)


def _print_document(details: dict) -> None:
    fields = details["fields"] or {}
    head = Table(title=f"document {details['id']} ({details['status']})", show_header=False)
    head.add_column("")
    head.add_column("", overflow="fold")
    head.add_row("file", details["original_filename"])
    head.add_row("sha256", details["sha256"])
    for key in ("doc_type", "doc_no", "order_no", "customer", "date", "total"):
        head.add_row(key, "" if fields.get(key) is None else str(fields[key]))
    if details["error"]:
        head.add_row("error", f"{details['error']['code']}: {details['error']['message']}")
    match = details["match"]
    head.add_row("matched order", f"{match['order_no']} (score {match['score']:.2f}, {match['method']})" if match else "–")
    stdout.print(head)
    if match:
        lines = Table(title="line alignment")
        for column in ("item", "document product", "order product", "doc qty", "order qty", "doc price", "order price"):
            lines.add_column(column, overflow="fold")
        show = lambda v: "" if v is None else number_text(v) if isinstance(v, float) else str(v)
        for line in match["lines"]:
            lines.add_row(
                show(line["item_index"]), show(line["document_product"]), show(line["order_product"]),
                show(line["document_quantity"]), show(line["order_quantity"]),
                show(line["document_unit_price"]), show(line["order_unit_price"]),
            )
        stdout.print(lines)
    if details["flags"]:
        stdout.print(_flags_table(details["flags"], title="open flags"))


def _flags_table(flags: list[dict], title: str) -> Table:
    table = Table(title=title)
    for column in ("flag", "document", "code", "product", "message"):
        table.add_column(column, overflow="fold")
    for flag in flags:
        document = f"{flag['document_id']}" + (f" {Path(flag['file']).name}" if flag.get("file") else "")
        table.add_row(str(flag["id"]), document, flag["code"], flag["product"] or "", flag["message"])
    return table


@flags_app.command("list")
def list_command(
    code: Annotated[str | None, typer.Option("--code", help="Only flags with this code, e.g. QTY_MISMATCH.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per flag per line.")] = False,
) -> None:
    """Open flags, oldest first."""
    with archive_database() as (_, sessions), sessions() as session:
        flags = list_flags(session, code)
    if as_json:
        for flag in flags:
            sys.stdout.write(json.dumps(flag, ensure_ascii=False) + "\n")
        return
    stdout.print(_flags_table(flags, title=f"open flags ({len(flags)})"))


def _clerk_name() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "clerk"


def _parse_assignment(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise typer.BadParameter(f"{text!r} is not FIELD=VALUE")
    try:  # numbers, true/false, null and JSON lists of items; anything else is text
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    if isinstance(value, (dict,)):
        raise typer.BadParameter(f"{name}: a single value or a JSON list is expected")
    return name.strip(), value


@docs_app.command("correct")
def correct_command(
    ref: Annotated[str, typer.Argument(help="Document id, or the first ≥6 hex digits of its sha256.")],
    assignments: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE, e.g. customer=恒达五金 or total=1250.5; items=JSON list.")],
    clerk: Annotated[str | None, typer.Option("--clerk", help="Who corrects (default: the login name).")] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why, for the audit trail.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the corrected document as one JSON object.")] = False,
) -> None:
    """Correct fields of a document; matching and flags run again at once, and the change is audited."""
    changes = dict(_parse_assignment(a) for a in assignments)
    try:
        with archive_database() as (_, sessions):
            with sessions.begin() as session:
                document = find_document(session, ref)
                correct_document(session, document.id, changes, clerk or _clerk_name(), comment)
                touched = touched_documents(session)
            reindex(sessions, touched)
            with sessions() as session:
                details = document_details(session, str(document.id))
    except (DocumentLookupError, ReviewError) as error:
        exit_with_error(error, as_json, {"ref": ref})
    if as_json:
        sys.stdout.write(json.dumps(details, ensure_ascii=False) + "\n")
        return
    _print_document(details)


@flags_app.command("resolve")
def resolve_command(
    flag_id: Annotated[int, typer.Argument(help="The flag's id (see `docintel flags list`).")],
    note: Annotated[str | None, typer.Option("--note", help="Why it is accepted, for the audit trail.")] = None,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="The flag was wrong (not: the problem is accepted).")] = False,
    clerk: Annotated[str | None, typer.Option("--clerk", help="Who resolves (default: the login name).")] = None,
) -> None:
    """Close a flag: accepted as it is (resolved) or wrong (dismissed)."""
    status = FlagStatus.DISMISSED if dismiss else FlagStatus.RESOLVED
    try:
        with archive_database() as (_, sessions):
            with sessions.begin() as session:
                flag = resolve_flag(session, flag_id, clerk or _clerk_name(), note, status)
                document_id, document_status = flag.document_id, str(flag.document.status)
                touched = touched_documents(session)
            reindex(sessions, touched)
    except ReviewError as error:
        exit_with_error(error, False, {"flag": str(flag_id)})
    stdout.print(f"flag {flag_id} {status}; document {document_id} is now {document_status}")


def archive_app() -> typer.Typer:
    """The three commands on their own, for `python -m docintel.archive` before they are mounted."""
    app = typer.Typer(no_args_is_help=True)
    app.command("ingest")(ingest_command)
    app.add_typer(docs_app, name="docs")
    app.add_typer(flags_app, name="flags")
    return app
