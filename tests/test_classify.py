"""The document-type classifier: reproducible training, low confidence, model integrity, retraining.

No OCR here: the examples are the shipped model's training examples (models/), which are real
OCR output of generated scans. Models are trained on small subsets so each fit takes a second.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from docintel.classify import CLASSES, OTHER, apply_classification, classify, feature_view
from docintel.classify import model as store
from docintel.classify.dataset import Example
from docintel.classify.linear import LinearTypeModel, export
from docintel.classify.predict import decide, low_confidence_type, predict_views
from docintel.classify.retrain import (
    archive_examples,
    count_new_labels,
    maybe_retrain,
    retrain_from_archive,
    shipped_examples,
)
from docintel.classify.training import fit, train_and_save
from docintel.errors import DocintelError, ErrorCode
from docintel.extract import ExtractedDocument
from docintel.flags import evaluate_flags
from docintel.match.records import MatchResult
from docintel.settings import get_settings
from docintel.store.db import init_db, make_session_factory
from tests.test_store import engine, migrated_postgres, postgres_schema  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch) -> Path:
    """A fresh DOCINTEL_HOME: no archive model unless a test trains one."""
    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    store.clear_cache()
    yield tmp_path / "home"
    get_settings.cache_clear()
    store.clear_cache()


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return shipped_examples()


def _subset(examples: list[Example], per_class: int, offset: int = 0) -> list[Example]:
    out = []
    for c in CLASSES:
        out += [e for e in examples if e.label == c][offset : offset + per_class]
    return out


def _document(example: Example) -> ExtractedDocument:
    """The document as extraction returned it, typed as its label (the classifier read it right)."""
    return ExtractedDocument.model_validate(example.fields | {"file": example.name, "doc_type": example.label})


def test_shipped_model_loads_with_its_metadata() -> None:
    model = store.current_model()
    assert model is not None and model.origin == "shipped"
    meta = model.metadata
    assert meta["classes"] == list(CLASSES)
    assert set(meta["metrics"]["per_class"]) == set(CLASSES)
    assert len(meta["metrics"]["confusion_matrix"]["rows_true_columns_predicted"]) == len(CLASSES)
    assert meta["training"]["data_sha256"] and meta["training"]["examples_sha256"]


def test_training_is_reproducible(examples) -> None:
    train, probe = _subset(examples, 8), _subset(examples, 3, offset=8)
    views = [feature_view(e.fields) for e in probe]
    first = fit(train, seed=5).predict_proba(views)
    second = fit(train, seed=5).predict_proba(views)
    assert np.array_equal(first, second)


def test_features_of_an_archived_dict_equal_those_of_the_document(examples) -> None:
    example = examples[0]
    document = _document(example)
    assert feature_view(document) == feature_view(document.contract_dict())


def test_below_the_threshold_the_answer_is_other_and_flagged(examples, monkeypatch) -> None:
    receipt = next(e for e in examples if e.label == "signoff_receipt")
    sure = classify(receipt.fields)
    assert sure is not None and sure.doc_type == "signoff_receipt" and not sure.low_confidence

    # the same page when the threshold asks for more certainty than the model has
    monkeypatch.setenv("DOCINTEL_CLASSIFIER_THRESHOLD", str(min(1.0, sure.confidence + 0.001)))
    get_settings.cache_clear()
    doubtful = classify(receipt.fields)
    assert doubtful.doc_type == OTHER and doubtful.low_confidence
    assert doubtful.best_guess == "signoff_receipt" and doubtful.confidence == sure.confidence

    document = apply_classification(_document(receipt))
    assert document.doc_type == OTHER
    assert document.confidence["doc_type"] == pytest.approx(sure.confidence, abs=1e-3)
    flags = [f for f in evaluate_flags(document, MatchResult(None, 0.0, None)) if f.code == "LOW_CONFIDENCE"]
    assert [f.details.get("best_guess") for f in flags] == ["signoff_receipt"]
    assert "doc_type" in flags[0].message_en and f"{document.confidence['doc_type']:g}"[:4] in flags[0].message_en


def test_a_confident_other_is_not_flagged(examples) -> None:
    letter = next(e for e in examples if e.label == OTHER and classify(e.fields).confidence > 0.8)
    document = apply_classification(_document(letter))
    assert document.doc_type == OTHER and low_confidence_type(document) is None


def test_decide_never_forces_the_nearest_class() -> None:
    spread = {"signoff_receipt": 0.34, "sales_slip": 0.33, "monthly_statement": 0.11, "invoice": 0.11, "other": 0.11}
    answer = decide(spread, 0.5)
    assert (answer.doc_type, answer.best_guess, answer.low_confidence) == (OTHER, "signoff_receipt", True)


# --- the model files --------------------------------------------------------------------------


def _copy_shipped(home: Path) -> Path:
    target = home / "models"
    target.mkdir(parents=True)
    meta = json.loads((store.SHIPPED_DIR / store.METADATA_NAME).read_text())
    shutil.copy(store.SHIPPED_DIR / meta["model_file"], target / meta["model_file"])
    shutil.copy(store.SHIPPED_DIR / meta["arrays_file"], target / meta["arrays_file"])
    shutil.copy(store.SHIPPED_DIR / store.METADATA_NAME, target / store.METADATA_NAME)
    return target


def _edit_metadata(folder: Path, edit) -> None:
    meta_path = folder / store.METADATA_NAME
    meta = json.loads(meta_path.read_text())
    edit(meta)
    meta_path.write_text(json.dumps(meta))


def _without_arrays(meta: dict) -> None:
    """A model saved before arrays were: the pickle alone."""
    del meta["arrays_file"], meta["arrays_sha256"]


@pytest.mark.parametrize("which", ["model_file", "arrays_file"])
def test_a_tampered_model_is_refused_with_its_reason(home, which) -> None:
    folder = _copy_shipped(home)
    assert store.load_model(folder).origin == "archive"
    tampered = folder / json.loads((folder / store.METADATA_NAME).read_text())[which]
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    with pytest.raises(DocintelError) as refused:
        store.load_model(folder)
    assert refused.value.code == ErrorCode.MODEL_REJECTED
    assert "modified or damaged" in refused.value.message and str(folder) in refused.value.message
    # extraction goes on with the shipped model rather than the refused one
    store.clear_cache()
    assert store.current_model().origin == "shipped"


def test_a_pickle_of_another_scikit_learn_version_is_refused_its_arrays_are_not(home) -> None:
    folder = _copy_shipped(home)
    _edit_metadata(folder, lambda meta: meta.update(sklearn_version="0.24.2"))
    assert type(store.load_model(folder).predictor).__name__ == "LinearTypeModel"  # arrays need no scikit-learn
    _edit_metadata(folder, _without_arrays)
    with pytest.raises(DocintelError) as refused:
        store.load_model(folder)
    assert refused.value.code == ErrorCode.MODEL_REJECTED
    assert "scikit-learn 0.24.2" in refused.value.message and "retrain" in refused.value.message


def test_a_model_without_arrays_predicts_with_its_pipeline(home, examples) -> None:
    folder = _copy_shipped(home)
    _edit_metadata(folder, _without_arrays)
    assert isinstance(store.load_model(folder).predictor, store.PipelinePredictor)
    assert classify(_document(examples[0])).doc_type == examples[0].label


def test_the_arrays_predict_what_the_pipeline_predicts(examples) -> None:
    import joblib

    meta = store.read_metadata(store.SHIPPED_DIR)
    pipeline = joblib.load(store.SHIPPED_DIR / meta["model_file"])
    arrays = LinearTypeModel.from_bytes((store.SHIPPED_DIR / meta["arrays_file"]).read_bytes())
    views = [feature_view(e.fields) for e in examples]
    # and a page with nothing read, and one in English words alone
    views += [feature_view({"text": ""}), feature_view({"text": "STATEMENT OF ACCOUNT  Customer  Balance due"})]
    expected = pipeline.predict_proba(views)
    assert arrays.classes == [str(c) for c in pipeline.classes_]
    assert np.abs(arrays.predict_proba(views) - expected).max() < 1e-6
    assert export(pipeline).to_bytes() == (store.SHIPPED_DIR / meta["arrays_file"]).read_bytes()


def test_classifying_imports_no_scikit_learn() -> None:
    """Loading the pickle imported scikit-learn and SciPy: 2 s of CPU in every extract run."""
    code = ("import sys; from docintel.classify.model import current_model; m = current_model(); "
            "assert m is not None; print(sorted(n for n in ('sklearn', 'scipy', 'joblib') if n in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_model_fitted_on_other_features_is_refused(home) -> None:
    folder = _copy_shipped(home)
    _edit_metadata(folder, lambda meta: meta["features"].update(version=meta["features"]["version"] - 1))
    with pytest.raises(DocintelError) as refused:
        store.load_model(folder)
    assert refused.value.code == ErrorCode.MODEL_REJECTED and "features version" in refused.value.message


def test_no_model_is_loaded_from_outside_the_model_folders(tmp_path) -> None:
    folder = tmp_path / "elsewhere"
    shutil.copytree(store.SHIPPED_DIR, folder)
    with pytest.raises(DocintelError) as refused:
        store.load_model(folder)
    assert refused.value.code == ErrorCode.MODEL_REJECTED and "only loaded from" in refused.value.message


def test_train_and_save_records_metrics_and_replaces_the_model(examples, home) -> None:
    train, held_out = _subset(examples, 6), _subset(examples, 3, offset=6)
    first = train_and_save(train, seed=3, directory=store.archive_model_dir(), description="test", sources=[],
                           evaluation=held_out)
    second = train_and_save(train[:-1] + held_out[:1], seed=3, directory=store.archive_model_dir(), description="test",
                            sources=[], evaluation=held_out)
    assert first["model_file"] != second["model_file"]
    files = sorted(p.name for p in store.archive_model_dir().glob("doctype-*.*"))
    assert files == sorted([second["model_file"], second["arrays_file"]])  # the old files went once the metadata switched
    assert second["metrics"]["examples"] == len(held_out)
    assert sum(map(sum, second["metrics"]["confusion_matrix"]["rows_true_columns_predicted"])) == len(held_out)
    loaded = store.current_model()
    assert loaded.origin == "archive" and loaded.metadata["sha256"] == second["sha256"]


# --- retraining from clerks' labels ---------------------------------------------------------


def _archive_with_document(engine, example: Example) -> tuple[object, int]:
    from docintel.archive.persist import extracted_document_row

    factory = make_session_factory(engine)
    with factory.begin() as session:
        row = extracted_document_row(Path(example.name), example.source_hash, 1000, _document(example))
        session.add(row)
        session.flush()
        return factory, row.id


def test_clerk_labels_are_read_from_the_audit_trail(engine, examples) -> None:  # noqa: F811
    from docintel.archive.review import confirm_fields, correct_document

    factory, doc_id = _archive_with_document(engine, examples[0])
    _, other_id = _archive_with_document(engine, examples[1])
    with factory.begin() as session:
        correct_document(session, doc_id, {"doc_type": "invoice"}, clerk="li")
        correct_document(session, doc_id, {"doc_type": "monthly_statement"}, clerk="li")  # the newest wins
        confirm_fields(session, other_id, ["doc_type"], clerk="li")
        confirm_fields(session, other_id, ["customer"], clerk="li")  # not a type label
    with factory() as session:
        labelled, newest = archive_examples(session)
        assert {e.name: e.label for e in labelled} == {f"archive:{doc_id}": "monthly_statement", f"archive:{other_id}": examples[1].label}
        assert count_new_labels(session, 0) == 3 and count_new_labels(session, newest) == 0


def test_retraining_on_a_correction_changes_that_prediction(tmp_path, examples) -> None:
    from docintel.archive.review import correct_document

    engine = init_db(f"sqlite:///{tmp_path / 'archive.db'}")
    letter = next(e for e in examples if e.label == OTHER and classify(e.fields).doc_type == OTHER)
    factory, doc_id = _archive_with_document(engine, letter)
    with factory.begin() as session:
        correct_document(session, doc_id, {"doc_type": "monthly_statement"}, clerk="zhang")
    metadata = retrain_from_archive(factory, seed=1, base=_subset(examples, 12))
    assert metadata["training"]["archive_labels"]["monthly_statement"] == 1
    assert store.current_model().origin == "archive"
    assert classify(letter.fields).doc_type == "monthly_statement"
    engine.dispose()


def test_maybe_retrain_waits_for_enough_labels_then_runs_in_the_background(tmp_path, examples, monkeypatch) -> None:
    from docintel.archive.review import correct_document

    monkeypatch.setenv("DOCINTEL_CLASSIFIER_RETRAIN_AFTER", "2")
    get_settings.cache_clear()
    engine = init_db(f"sqlite:///{tmp_path / 'archive.db'}")
    factory, first = _archive_with_document(engine, examples[0])
    with factory.begin() as session:
        correct_document(session, first, {"doc_type": "invoice"}, clerk="zhang")
    assert maybe_retrain(factory) is None  # one label: not yet
    _, second = _archive_with_document(engine, examples[1])
    with factory.begin() as session:
        correct_document(session, second, {"doc_type": "invoice"}, clerk="zhang")
    process = maybe_retrain(factory)
    assert process is not None
    assert maybe_retrain(factory) is None  # one retrain at a time
    assert process.wait(timeout=300) == 0, (store.archive_model_dir() / "retrain.log").read_text()
    meta = store.load_model(store.archive_model_dir()).metadata
    assert meta["training"]["archive_labels"]["invoice"] == 2
    assert not (store.archive_model_dir() / ".retrain.lock").exists()
    assert maybe_retrain(factory) is None  # no new labels since
    engine.dispose()


# --- end to end with real OCR -----------------------------------------------------------------

E2E_SAMPLES = ["0000_other.jpg", "0002_invoice.jpg", "0001_signoff_receipt.jpg"]


@pytest.mark.slow
def test_evaluate_reads_a_labelled_folder_and_writes_the_confusion_matrix(samples_dir, tmp_path, home) -> None:
    """`docintel classifier evaluate` on committed samples: real OCR, the shipped model, a PNG."""
    import os
    import subprocess
    import sys

    from PIL import Image

    folder = tmp_path / "set"
    folder.mkdir()
    for name in E2E_SAMPLES:
        shutil.copy(samples_dir / name, folder / name)
        shutil.copy((samples_dir / name).with_suffix(".json"), folder)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "DOCINTEL_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "docintel", "classifier", "evaluate", str(folder), "--workers", "2"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "confusion matrix" in done.stdout and "accuracy" in done.stdout and "Traceback" not in done.stderr
    png = folder / "confusion_matrix.png"
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 500
    # each page was read once and cached by content: the extraction dicts hold the title rule's type
    assert len(list((home / "cache" / "ocr").rglob("*.json"))) == len(E2E_SAMPLES)


@pytest.mark.slow
def test_extraction_takes_its_type_from_the_classifier(samples_dir) -> None:
    from docintel.samples import load_truth
    from docintel.service import extract_file

    path = samples_dir / "0005_sales_slip.jpg"
    extracted = extract_file(path)
    assert extracted.doc_type == load_truth(path).doc_type
    assert set(extracted.doc_type_scores) == set(CLASSES)
    assert extracted.confidence["doc_type"] == pytest.approx(max(extracted.doc_type_scores.values()), abs=1e-3)
    assert "doc_type_scores" not in extracted.contract_dict()
