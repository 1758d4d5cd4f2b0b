"""Document-type classification: signoff_receipt, sales_slip, monthly_statement, invoice or other.

A scikit-learn pipeline over the OCR text (character and word n-grams) and layout features,
with calibrated probabilities; below the threshold the answer is ``other`` and the document is
flagged LOW_CONFIDENCE for its type. The shipped model is in the repository's ``models/``; a
model retrained from clerks' labels in ``DOCINTEL_HOME/models/`` takes precedence when valid.
scikit-learn is imported only when a model is loaded or trained.
"""

from docintel.classify.classes import CLASSES, OTHER
from docintel.classify.features import feature_view
from docintel.classify.predict import TypePrediction, apply_classification, classify, low_confidence_type

__all__ = [
    "CLASSES", "OTHER", "TypePrediction", "apply_classification", "classify", "feature_view",
    "low_confidence_type", "load_model", "current_model", "maybe_retrain", "retrain_from_archive",
]


def __getattr__(name: str):
    # The model store and retraining pull in SQLAlchemy models and scikit-learn: import on use.
    if name in ("load_model", "current_model"):
        from docintel.classify import model

        return getattr(model, name)
    if name in ("maybe_retrain", "retrain_from_archive"):
        from docintel.classify import retrain

        return getattr(retrain, name)
    raise AttributeError(name)
