"""Fit the type classifier and measure it.

The pipeline: TF-IDF of character 1-3-grams (Chinese needs no word segmentation), TF-IDF of
Latin word 1-2-grams, and the layout vector, into a multinomial logistic regression whose
probabilities are calibrated by cross-validation. Every random choice takes the seed, so the
same examples and seed give the same model and the same predictions.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from docintel.classify.classes import CLASSES, OTHER
from docintel.classify.dataset import Example
from docintel.classify.features import VIEW_KEYS, char_texts, feature_view, head_texts, latin_texts, layout_matrix
from docintel.classify.predict import TypePrediction, decide, one_blas_thread

# Layouts of unrelated pages in the generator (letters, notices, menus, blank pages, whiteboards).
UNRELATED_PREFIX = "other_"
_CALIBRATION_FOLDS = 3


def build_pipeline(seed: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    features = FeatureUnion([
        ("chars", make_pipeline(
            FunctionTransformer(char_texts),
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, max_features=30000,
                            sublinear_tf=True, dtype=np.float32),
        )),
        ("head", make_pipeline(
            FunctionTransformer(head_texts),
            TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32),
        )),
        ("words", make_pipeline(
            FunctionTransformer(latin_texts),
            # "__" stands in every document so a training set without English still has a vocabulary.
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, token_pattern=r"[a-z_]{2,}",
                            sublinear_tf=True, dtype=np.float32, preprocessor=with_bias_token),
        )),
        ("layout", FunctionTransformer(layout_matrix)),
    ])
    model = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced", random_state=seed)
    calibrated = CalibratedClassifierCV(model, method="sigmoid", cv=_folds(seed))
    return Pipeline([("features", features), ("model", calibrated)])


def with_bias_token(text: str) -> str:
    """Module-level (not a lambda) so the fitted pipeline pickles by reference."""
    return "__ " + text


def _folds(seed: int):
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(n_splits=_CALIBRATION_FOLDS, shuffle=True, random_state=seed)


def fit(examples: Sequence[Example], seed: int, weights: Sequence[float] | None = None):
    """A fitted pipeline; raises ValueError when a class has too few examples to calibrate."""
    counts = Counter(e.label for e in examples)
    missing = [c for c in CLASSES if counts[c] < _CALIBRATION_FOLDS]
    if missing:
        raise ValueError(f"need at least {_CALIBRATION_FOLDS} examples of every class; too few of {', '.join(missing)}")
    pipeline = build_pipeline(seed)
    views = [feature_view(e.fields) for e in examples]
    labels = [e.label for e in examples]
    params = {} if weights is None else {"model__sample_weight": np.asarray(weights, dtype=np.float64)}
    with one_blas_thread():
        pipeline.fit(views, labels, **params)
    _drop_stop_words(pipeline)
    return pipeline


def _drop_stop_words(pipeline) -> None:
    """TfidfVectorizer keeps every pruned n-gram in stop_words_, only for introspection: tens of
    thousands of strings that would make the model file large and slow to load."""
    for _, step in pipeline.named_steps["features"].transformer_list:
        vectorizer = step.steps[-1][1] if hasattr(step, "steps") else None
        if vectorizer is not None and hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_


@dataclass
class Metrics:
    accuracy: float
    per_class: dict[str, dict[str, float]]  # precision, recall, support
    confusion: list[list[int]]  # rows: true class, columns: answer; in CLASSES order
    unrelated_to_other: float | None  # share of unrelated pages answered "other"
    low_confidence: int  # answers turned into "other" by the threshold
    examples: int
    threshold: float

    def as_dict(self) -> dict:
        return {
            "examples": self.examples,
            "threshold": self.threshold,
            "accuracy": round(self.accuracy, 4),
            "per_class": self.per_class,
            "confusion_matrix": {"labels": list(CLASSES), "rows_true_columns_predicted": self.confusion},
            "unrelated_to_other": None if self.unrelated_to_other is None else round(self.unrelated_to_other, 4),
            "low_confidence_answers": self.low_confidence,
        }


def measure(examples: Sequence[Example], predictions: Sequence[TypePrediction], threshold: float,
            unrelated: Sequence[bool] | None = None) -> Metrics:
    truth = [e.label for e in examples]
    answers = [p.doc_type for p in predictions]
    index = {c: i for i, c in enumerate(CLASSES)}
    confusion = [[0] * len(CLASSES) for _ in CLASSES]
    for t, a in zip(truth, answers):
        confusion[index[t]][index[a]] += 1
    per_class = {}
    for c in CLASSES:
        i = index[c]
        tp = confusion[i][i]
        predicted = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        per_class[c] = {
            "precision": round(tp / predicted, 4) if predicted else 0.0,
            "recall": round(tp / support, 4) if support else 0.0,
            "support": support,
        }
    flags = list(unrelated) if unrelated is not None else [False] * len(examples)
    chosen = [a for a, u in zip(answers, flags) if u]
    return Metrics(
        accuracy=sum(t == a for t, a in zip(truth, answers)) / max(1, len(truth)),
        per_class=per_class,
        confusion=confusion,
        unrelated_to_other=(sum(a == OTHER for a in chosen) / len(chosen)) if chosen else None,
        low_confidence=sum(p.low_confidence for p in predictions),
        examples=len(examples),
        threshold=threshold,
    )


def predict_examples(pipeline, examples: Sequence[Example], threshold: float) -> list[TypePrediction]:
    with one_blas_thread():
        proba = pipeline.predict_proba([feature_view(e.fields) for e in examples])
    classes = [str(c) for c in pipeline.classes_]
    return [decide(dict(zip(classes, row)), threshold) for row in proba]


def examples_hash(examples: Sequence[Example]) -> str:
    """Identifies the training data: the scans' hashes and their labels, order-independent."""
    digest = hashlib.sha256()
    for sha, label in sorted((e.source_hash, e.label) for e in examples):
        digest.update(f"{sha} {label}\n".encode())
    return digest.hexdigest()


def encode_examples(examples: Sequence[Example]) -> bytes:
    """The training examples as gzipped JSON lines of the fields features read (no pickles, no
    images): shipped beside the model so a retrain from the archive starts from the same base."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:  # mtime 0: same data, same bytes
        for e in examples:
            fields = {key: e.fields.get(key) for key in VIEW_KEYS}  # items and codes as read, not counted
            row = {"name": e.name, "label": e.label, "source_hash": e.source_hash, "fields": fields}
            gz.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    return buf.getvalue()


def decode_examples(data: bytes) -> list[Example]:
    rows = gzip.decompress(data).decode("utf-8").splitlines()
    return [Example(r["name"], r["fields"], r["label"], r["source_hash"]) for r in map(json.loads, rows)]


def cross_validated(examples: Sequence[Example], seed: int, threshold: float, folds: int = 5) -> list[TypePrediction]:
    """Out-of-fold predictions: each example answered by a model that did not see it."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    views = [feature_view(e.fields) for e in examples]
    labels = [e.label for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with one_blas_thread():
        proba = cross_val_predict(build_pipeline(seed), views, labels, cv=splitter, method="predict_proba")
    return [decide(dict(zip(sorted(CLASSES), row)), threshold) for row in proba]


def train_and_save(examples: Sequence[Example], *, seed: int, directory, description: str, sources: list[dict],
                   evaluation: Sequence[Example] | None = None, evaluation_description: str = "",
                   ship_examples: bool = False) -> dict:
    """Fit on ``examples``, measure (on ``evaluation`` if given, else by 5-fold cross-validation),
    and install the model with its metadata in ``directory``."""
    import datetime as dt

    from docintel.classify.model import save_model
    from docintel.classify.predict import threshold

    cutoff = threshold()
    pipeline = fit(examples, seed)
    if evaluation:
        answers = predict_examples(pipeline, evaluation, cutoff)
        metrics = measure(evaluation, answers, cutoff, [e.label == OTHER for e in evaluation])
        method = evaluation_description or f"held-out set of {len(evaluation)} documents"
    else:
        metrics = measure(examples, cross_validated(examples, seed, cutoff), cutoff, [e.label == OTHER for e in examples])
        method = "5-fold cross-validation on the training data"
    metadata = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "training": {
            "description": description,
            "sources": sources,
            "examples": len(examples),
            "per_class": dict(Counter(e.label for e in examples)),
            "data_sha256": examples_hash(examples),
        },
        "metrics": {"method": method, **metrics.as_dict()},
    }
    return save_model(directory, pipeline, metadata, encode_examples(examples) if ship_examples else None)
