"""Classify a document's type with the model in force, and say when the answer is in doubt.

Below the confidence threshold the answer is ``other`` with the best class's probability as its
confidence, never the nearest class: a wrong type sends a page down the wrong extraction and
matching rules, and a visible "not sure" is cheaper than a confident mistake.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docintel.classify.classes import OTHER
from docintel.classify.features import feature_view
from docintel.extract.records import ExtractedDocument
from docintel.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TypePrediction:
    doc_type: str  # the answer: the best class, or "other" when below the threshold
    confidence: float  # the best class's calibrated probability
    best_guess: str  # the best class, even when the answer fell back to "other"
    probabilities: dict[str, float]
    low_confidence: bool
    model: str  # "shipped" or "archive"


def one_blas_thread():
    """BLAS threads off: on a busy machine (OCR workers on every core) OpenBLAS threads spin
    against each other; one thread fitted the model 10x faster than two on 2 busy cores."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def threshold() -> float:
    return get_settings().classifier_threshold


def decide(probabilities: Mapping[str, float], cutoff: float, model: str = "") -> TypePrediction:
    best = max(probabilities, key=lambda c: (probabilities[c], c == OTHER))
    p = float(probabilities[best])
    low = p < cutoff
    rounded = {c: round(float(v), 4) for c, v in probabilities.items()}
    return TypePrediction(OTHER if low else best, round(p, 4), best, rounded, low, model)


def predict_views(model, views: Sequence[dict], cutoff: float | None = None) -> list[TypePrediction]:
    """Predictions for feature views (see features.feature_view) with a LoadedModel."""
    cutoff = threshold() if cutoff is None else cutoff
    if not views:
        return []
    proba = model.predictor.predict_proba(list(views))
    classes = model.predictor.classes
    return [decide(dict(zip(classes, row)), cutoff, model.origin) for row in proba]


def probabilities(pipeline, views: list[dict]):
    """pipeline.predict_proba, with the feature union's branches called directly.

    FeatureUnion.transform dispatches its branches through joblib and checks its input each
    time: 7 ms of the 10 ms a single page took, for the same matrix.
    """
    import scipy.sparse as sp

    union = pipeline.named_steps["features"]
    blocks = [branch.transform(views) for _, branch in union.transformer_list]
    matrix = sp.hstack([sp.csr_matrix(b) for b in blocks], format="csr")
    return pipeline.named_steps["model"].predict_proba(matrix)


def classify(document: ExtractedDocument | Mapping[str, Any], cutoff: float | None = None) -> TypePrediction | None:
    """The type of one document (an ExtractedDocument or its `extract --json` dict); None without a valid model."""
    from docintel.classify.model import current_model

    model = current_model()
    if model is None:
        return None
    return predict_views(model, [feature_view(document)], cutoff)[0]


def apply_classification(document: ExtractedDocument) -> ExtractedDocument:
    """Set doc_type and confidence["doc_type"] from the classifier (in place; returned for chaining).

    Without a valid model the title rule's answer stays, and the reason was logged when the
    model was refused (see model.current_model).
    """
    prediction = classify(document)
    if prediction is None:
        return document
    document.doc_type = prediction.doc_type  # type: ignore[assignment]
    document.confidence["doc_type"] = round(prediction.confidence, 3)
    document.doc_type_scores = prediction.probabilities
    if prediction.low_confidence:
        document.sources.pop("doc_type", None)  # the title words no longer back the answer
    return document


def low_confidence_type(document: ExtractedDocument) -> dict | None:
    """Details for a LOW_CONFIDENCE flag on doc_type, or None when the type is not in doubt."""
    confidence = document.confidence.get("doc_type")
    if document.doc_type != OTHER or confidence is None or confidence >= threshold():
        return None
    scores = document.doc_type_scores or {}
    details: dict[str, Any] = {"confidence": round(confidence, 3)}
    if scores:
        details["best_guess"] = max(scores, key=lambda c: scores[c])
    return details
