"""`docintel samples generate OUT [--count N] [--seed S]`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

samples_app = typer.Typer(help="Generate realistic sample scans with ground truth and an order book.", no_args_is_help=True)


@samples_app.callback()
def _group() -> None:
    """Sample scans for tests, benchmarks and demos."""


@samples_app.command("generate")
def generate(
    out: Path = typer.Argument(..., help="Output folder (created if missing)."),
    count: int = typer.Option(28, "--count", "-n", min=1, help="Number of documents."),
    seed: int = typer.Option(20261128, "--seed", "-s", help="Random seed; same seed and count give the same files."),
    orders: bool = typer.Option(True, "--orders/--no-orders", help="Also write orders.csv and plant order-book mismatches."),
    kind: list[str] = typer.Option(None, "--kind", "-k", help="Only these document classes (repeatable)."),
) -> None:
    """Write NAME.jpg/.png/.tif/.pdf + NAME.json per document, and orders.csv."""
    from .generator import generate_samples

    console = Console()
    with Progress(TextColumn("[bold]samples"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("", total=count)

        def tick(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, description=name)

        paths = generate_samples(out, count, seed, with_orders=orders, kinds=kind or None, progress=tick)
    console.print(f"wrote {len(paths)} documents to {out}")
