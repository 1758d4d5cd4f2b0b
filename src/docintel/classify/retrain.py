"""Retraining from the archive: the types clerks confirmed or corrected become training labels.

A label is the newest ClerkAction of a document that names a doc_type: ``edit_field`` with
``after={"doc_type": new}`` (a correction) or ``confirm_field`` with ``after={"doc_type": value}``.
Its features come from ``Document.fields`` (the extract dict the archive keeps), so no scan is
read again. The shipped training examples stay in as the base, clerk labels weigh more, and the
result is written to ``DOCINTEL_HOME/models`` by one atomic rename (model.save_model).

``maybe_retrain`` is what ingest calls: it only counts labels, and when enough new ones exist it
starts the training in a separate process, so ingest never waits for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from docintel.classify.classes import CLASSES
from docintel.classify.dataset import Example
from docintel.classify.model import (
    SHIPPED_DIR,
    TRAINING_DATA_NAME,
    archive_model_dir,
    read_metadata,
    save_model,
)
from docintel.digests import sha256_of
from docintel.errors import DocintelError, ErrorCode
from docintel.processes import process_alive
from docintel.settings import get_settings
from docintel.store.models import ClerkAction, Document

log = logging.getLogger(__name__)

LABEL_ACTIONS = ("edit_field", "confirm_field")
# A clerk's label is a real document of this archive; a generated one only resembles one. Ten
# times the weight lets a handful of corrections move the boundary without a flood of them.
ARCHIVE_WEIGHT = 10.0
DEFAULT_SEED = 20261128
LOCK_NAME = ".retrain.lock"
LOG_NAME = "retrain.log"
_LOCK_ENV = "DOCINTEL_RETRAIN_LOCK"
_CHUNK = 500


def _label_rows(session: Session, after_id: int = 0):
    query = (
        select(ClerkAction.id, ClerkAction.document_id, ClerkAction.after)
        .where(ClerkAction.action.in_(LABEL_ACTIONS), ClerkAction.document_id.is_not(None), ClerkAction.id > after_id)
        .order_by(ClerkAction.id)
    )
    # JSON keys cannot be filtered the same way on SQLite and PostgreSQL; the rows are small.
    for action_id, document_id, after in session.execute(query):
        if isinstance(after, dict) and after.get("doc_type") in CLASSES:
            yield action_id, document_id, after["doc_type"]


def count_new_labels(session: Session, after_id: int) -> int:
    return sum(1 for _ in _label_rows(session, after_id))


def archive_examples(session: Session) -> tuple[list[Example], int]:
    """(one example per labelled document, the newest label action's id)."""
    latest: dict[int, str] = {}
    newest = 0
    for action_id, document_id, label in _label_rows(session):
        latest[document_id] = label
        newest = max(newest, action_id)
    examples = []
    ids = sorted(latest)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for doc_id, sha, fields in session.execute(select(Document.id, Document.sha256, Document.fields).where(Document.id.in_(chunk))):
            if fields:
                examples.append(Example(f"archive:{doc_id}", fields, latest[doc_id], sha))
    return examples, newest


def shipped_examples() -> list[Example]:
    """The shipped model's training examples, checked against the hash in its metadata."""
    from docintel.classify.training import decode_examples

    metadata = read_metadata(SHIPPED_DIR)
    path = SHIPPED_DIR / TRAINING_DATA_NAME
    recorded = metadata.get("training", {}).get("examples_sha256")
    if not path.is_file() or sha256_of(path) != recorded:
        raise DocintelError(ErrorCode.MODEL_REJECTED, f"{path} is missing or does not match the hash in {SHIPPED_DIR}/doctype.json")
    return decode_examples(path.read_bytes())


def combine(base: Sequence[Example], labelled: Sequence[Example]) -> tuple[list[Example], list[float]]:
    """Base examples plus clerk labels (weighted); a clerk's label replaces a base example of the same scan."""
    relabelled = {e.source_hash for e in labelled}
    kept = [e for e in base if e.source_hash not in relabelled]
    return kept + list(labelled), [1.0] * len(kept) + [ARCHIVE_WEIGHT] * len(labelled)


def retrain_from_archive(session_factory: sessionmaker[Session], seed: int = DEFAULT_SEED,
                         base: Sequence[Example] | None = None) -> dict:
    """Train on the base examples plus the archive's labels and install the result in
    DOCINTEL_HOME/models. Returns the new metadata."""
    from docintel.classify.predict import threshold
    from docintel.classify.training import examples_hash, fit, measure, predict_examples

    with session_factory() as session:
        labelled, newest = archive_examples(session)
    if not labelled:
        raise DocintelError(ErrorCode.NOT_ENOUGH_LABELS, "no document in the archive has a type a clerk confirmed or corrected")
    base = shipped_examples() if base is None else list(base)
    examples, weights = combine(base, labelled)
    before = _previous_agreement(labelled)
    pipeline = fit(examples, seed, weights)
    cutoff = threshold()
    after = measure(labelled, predict_examples(pipeline, labelled, cutoff), cutoff)
    counts = {c: sum(e.label == c for e in labelled) for c in CLASSES}
    metadata = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "training": {
            "description": f"{len(examples) - len(labelled)} base examples (the shipped model's training set) "
                           f"+ {len(labelled)} archive documents whose type a clerk confirmed or corrected (weight {ARCHIVE_WEIGHT:g})",
            "examples": len(examples),
            "archive_labels": counts,
            "archive_labels_upto": newest,
            "data_sha256": examples_hash(examples),
        },
        "metrics": {
            "method": "agreement with the clerks' labels (training data: not a fresh-set measure)",
            "previous_model_on_labels": before,
            "this_model_on_labels": after.as_dict(),
            "base_model_fresh_set": _shipped_metrics(),
        },
    }
    return save_model(archive_model_dir(), pipeline, metadata)


def _previous_agreement(labelled: Sequence[Example]) -> float | None:
    from docintel.classify.model import current_model
    from docintel.classify.predict import predict_views
    from docintel.classify.features import feature_view

    model = current_model()
    if model is None:
        return None
    answers = predict_views(model, [feature_view(e.fields) for e in labelled])
    return round(sum(a.doc_type == e.label for a, e in zip(answers, labelled)) / len(labelled), 4)


def _shipped_metrics() -> dict | None:
    try:
        return read_metadata(SHIPPED_DIR).get("metrics")
    except DocintelError:
        return None


def labels_used() -> int:
    """The newest label action the archive model was trained on (0 without an archive model)."""
    try:  # the metadata alone: counting labels after every ingest must not unpickle a model
        return int(read_metadata(archive_model_dir())["training"].get("archive_labels_upto", 0))
    except (DocintelError, KeyError, TypeError, ValueError, AttributeError):
        return 0


# ---------------------------------------------------------------------------------------------
# The trigger after ingest
# ---------------------------------------------------------------------------------------------


def _take_lock(lock: Path) -> bool:
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and process_alive(pid):
                return False
            lock.unlink(missing_ok=True)  # left by a retrain that died: take it over
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        return True
    return False


def release_lock_from_env() -> None:
    """Called by the retrain process when it ends: the lock its parent took for it."""
    path = os.environ.get(_LOCK_ENV)
    if path:
        Path(path).unlink(missing_ok=True)


def maybe_retrain(session_factory: sessionmaker[Session]) -> subprocess.Popen | None:
    """Start a retrain in the background when DOCINTEL_CLASSIFIER_RETRAIN_AFTER new labels exist.

    Returns the started process (None when not due or one is already running). Never waits for
    training: the process runs `docintel classifier train --from-archive` on its own, writes
    DOCINTEL_HOME/models/retrain.log, and swaps the model in atomically when done.
    """
    settings = get_settings()
    with session_factory() as session:
        new = count_new_labels(session, labels_used())
    if new < settings.classifier_retrain_after:
        return None
    folder = archive_model_dir()
    lock = folder / LOCK_NAME
    if not _take_lock(lock):
        return None
    bind = session_factory.kw.get("bind")
    env = dict(os.environ, DOCINTEL_HOME=str(settings.home), **{_LOCK_ENV: str(lock)})
    if bind is not None:
        env["DOCINTEL_DATABASE_URL"] = bind.url.render_as_string(hide_password=False)
    try:
        with open(folder / LOG_NAME, "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "docintel", "classifier", "train", "--from-archive"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
    except OSError:
        lock.unlink(missing_ok=True)
        raise
    lock.write_text(str(process.pid))
    log.info("retraining the type classifier on %d new clerk labels (pid %d)", new, process.pid)
    return process
