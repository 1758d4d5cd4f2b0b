"""`docintel classifier train|evaluate`: a thin shell over docintel.classify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from docintel.cli_support import exit_with_error, stderr, stdout
from docintel.errors import DocintelError, ErrorCode

classifier_app = typer.Typer(help="Document-type classifier: train from samples or clerks' labels, evaluate.", no_args_is_help=True)

TRAIN_SEED = 101  # the shipped model; evaluation sets use other seeds


@classifier_app.callback()
def _group() -> None:
    """Train and evaluate the document-type classifier."""


def _progress(label: str) -> Progress:
    return Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=stderr, transient=True, disable=not stderr.is_terminal)


def _read(pairs, label: str, workers: int | None):
    from docintel.classify.dataset import examples_from_scans

    with _progress(label) as bar:
        task = bar.add_task(label, total=len(pairs))
        examples, failed = examples_from_scans(pairs, workers=workers, progress=lambda done, total: bar.update(task, completed=done))
    for path in failed:
        stderr.print(f"[yellow]skipped[/yellow] {path}: extraction failed (see `docintel extract {path}`)")
    return examples


def _generated(count: int, seed: int, work: Path | None) -> tuple[list, dict]:
    from docintel.classify.classes import CLASSES
    from docintel.classify.dataset import generate_balanced

    per_class = max(1, count // len(CLASSES))
    folder = work if work is not None else _default_work(seed, per_class)
    stderr.print(f"generating {per_class} documents of each type (seed {seed}) in {folder}")
    pairs = generate_balanced(folder, per_class, seed)
    return pairs, {"kind": "generated", "per_class": per_class, "seed": seed, "folder": str(folder)}


def _default_work(seed: int, per_class: int) -> Path:
    from docintel.settings import get_settings

    return Path(get_settings().home) / "cache" / "classifier-samples" / f"seed{seed}-{per_class}"


def _fail(error: DocintelError) -> None:
    exit_with_error(error, False, {})


@classifier_app.command("train")
def train(
    from_samples: Annotated[list[Path] | None, typer.Option("--from-samples", help="Folder of scans with ground-truth JSON (repeatable).")] = None,
    generate: Annotated[int, typer.Option("--generate", help="Generate this many documents (split evenly over the types) and train on them.")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of generation and training.")] = TRAIN_SEED,
    from_archive: Annotated[bool, typer.Option("--from-archive", help="Add the archive's documents whose type a clerk confirmed or corrected.")] = False,
    eval_dir: Annotated[Path | None, typer.Option("--eval-dir", help="Measure on this labelled folder (else 5-fold cross-validation).")] = None,
    eval_generate: Annotated[int, typer.Option("--eval-generate", help="Measure on this many freshly generated documents.")] = 0,
    eval_seed: Annotated[int, typer.Option("--eval-seed", help="Seed of the evaluation set (must differ from --seed).")] = 202,
    work: Annotated[Path | None, typer.Option("--work", help="Folder for generated scans (default under DOCINTEL_HOME/cache).")] = None,
    ship: Annotated[bool, typer.Option("--ship", help="Write the repository's models/ (the shipped model) instead of DOCINTEL_HOME/models.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="Parallel OCR workers.")] = None,
) -> None:
    """Train the classifier and install it (atomically) with its metadata and metrics."""
    from docintel.classify import model as store
    from docintel.classify import retrain, training

    try:
        examples, sources = [], []
        for folder in from_samples or []:
            from docintel.classify.dataset import labelled_folder

            pairs = labelled_folder(folder)
            examples += _read(pairs, f"reading {folder}", workers)
            sources.append({"kind": "folder", "path": str(folder), "documents": len(pairs)})
        if generate:
            pairs, source = _generated(generate, seed, work)
            examples += _read(pairs, "reading generated scans", workers)
            sources.append(source)
        if from_archive:
            from docintel.cli_support import archive_database

            with archive_database() as (_engine, session_factory):
                metadata = retrain.retrain_from_archive(session_factory, seed=seed, base=examples or None)
        elif not examples:
            stderr.print("[red]error[/red]: nothing to train on: give --from-samples DIR, --generate N or --from-archive")
            raise typer.Exit(2)
        else:
            evaluation, described = [], ""
            if eval_dir is not None:
                from docintel.classify.dataset import labelled_folder

                evaluation = _read(labelled_folder(eval_dir), f"reading {eval_dir}", workers)
                described = f"held-out folder {eval_dir} ({len(evaluation)} documents)"
            elif eval_generate:
                if eval_seed == seed:
                    stderr.print("[red]error[/red]: --eval-seed must differ from --seed (a fresh set, not the training set)")
                    raise typer.Exit(2)
                pairs, _ = _generated(eval_generate, eval_seed, None)
                evaluation = _read(pairs, "reading the evaluation set", workers)
                described = f"fresh generated set, seed {eval_seed}, {len(evaluation)} documents"
            target = store.SHIPPED_DIR if ship else store.archive_model_dir()
            description = (f"{len(examples)} documents read by docintel's OCR and extraction: "
                           + "; ".join(f"{s['kind']} {s.get('path') or 'seed ' + str(s['seed'])}" for s in sources))
            metadata = training.train_and_save(examples, seed=seed, directory=target, description=description, sources=sources,
                                               evaluation=evaluation, evaluation_description=described, ship_examples=ship)
    except DocintelError as error:
        _fail(error)
    except ValueError as error:  # too few examples of a class
        stderr.print(f"[red]error[/red]: {error}")
        raise typer.Exit(2) from None
    finally:
        retrain.release_lock_from_env()  # a retrain started by maybe_retrain: its lock goes with it
    stdout.print(f"model {metadata['model_file']} installed; trained on {metadata['training']['examples']} documents")
    metrics = metadata["metrics"]
    if "accuracy" in metrics:
        _print_metrics(metrics)
    elif "this_model_on_labels" in metrics:
        stdout.print(f"agreement with the clerks' labels: before {metrics['previous_model_on_labels']}, "
                     f"after {metrics['this_model_on_labels']['accuracy']}")


def _print_metrics(metrics: dict) -> None:
    from docintel.classify.report import metrics_tables
    from docintel.classify.training import Metrics

    m = Metrics(
        accuracy=metrics["accuracy"], per_class=metrics["per_class"],
        confusion=metrics["confusion_matrix"]["rows_true_columns_predicted"],
        unrelated_to_other=metrics["unrelated_to_other"], low_confidence=metrics["low_confidence_answers"],
        examples=metrics["examples"], threshold=metrics["threshold"],
    )
    for table in metrics_tables(m, f"measured by {metrics['method']}"):
        stdout.print(table)


@classifier_app.command("evaluate")
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Folder of scans with ground-truth JSON (e.g. from `docintel samples generate`).")],
    png: Annotated[Path | None, typer.Option("--png", help="Where to write the confusion matrix (default FOLDER/confusion_matrix.png).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Parallel OCR workers.")] = None,
) -> None:
    """Classify a labelled folder with the model in force; print the report and write the confusion matrix PNG."""
    from docintel.classify.dataset import labelled_folder
    from docintel.classify.features import feature_view
    from docintel.classify.model import current_model
    from docintel.classify.predict import predict_views, threshold
    from docintel.classify.report import confusion_png, metrics_tables
    from docintel.classify.training import OTHER, measure

    pairs = labelled_folder(folder)
    if not pairs:
        stderr.print(f"[red]error[/red]: no scans with ground-truth JSON in {folder}")
        raise typer.Exit(2)
    model = current_model()
    if model is None:
        _fail(_why_no_model())
    examples = _read(pairs, f"reading {folder}", workers)
    answers = predict_views(model, [feature_view(e.fields) for e in examples])
    metrics = measure(examples, answers, threshold(), [e.label == OTHER for e in examples])
    title = f"{model.origin} model {model.metadata['model_file']} on {folder}"
    for table in metrics_tables(metrics, title):
        stdout.print(table)
    for example, answer in zip(examples, answers):
        if answer.doc_type != example.label:
            stdout.print(f"  {example.name}: {example.label} → {answer.doc_type} (p={answer.confidence:.2f}, best guess {answer.best_guess})")
    path = confusion_png(metrics, png or Path(folder) / "confusion_matrix.png", title)
    stdout.print(f"confusion matrix written to {path}")


def _why_no_model() -> DocintelError:
    """The reason no model is in force: the shipped model's refusal (or absence)."""
    from docintel.classify.model import SHIPPED_DIR, read_metadata, verify

    try:
        verify(SHIPPED_DIR, read_metadata(SHIPPED_DIR))
    except DocintelError as error:
        return error
    return DocintelError(ErrorCode.MODEL_NOT_FOUND, "no usable classifier model")
