"""The fitted type classifier's arithmetic in plain arrays, for prediction without scikit-learn.

Loading the pickled pipeline imports scikit-learn, which imports SciPy's statistics: 2 s of CPU in
every `docintel extract` and `ingest` run, taken from the OCR workers on a busy machine, to
classify with what is, once fitted, a few dot products: TF-IDF of character and word n-grams,
three logistic regressions (one per calibration fold) and a sigmoid per class.

`export` reads those numbers out of the fitted pipeline when it is saved (model.save_model);
`LinearTypeModel.predict_proba` repeats scikit-learn's own steps on them (the same float32
TF-IDF, the same normalisation), and tests/test_classify.py checks its probabilities against the
pipeline's. The pickled pipeline stays the model of record; this file is derived from it.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from docintel.classify import features

# The text branches of the feature union, by name: which view of a document each one reads.
_TEXTS = {"chars": features.char_texts, "head": features.head_texts, "words": features.latin_texts}
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's, before character n-grams


@dataclass(frozen=True)
class TfidfBranch:
    name: str
    analyzer: str  # "char" or "word"
    ngram_range: tuple[int, int]
    lowercase: bool
    token_pattern: str | None
    bias_token: bool  # words: training.with_bias_token runs before tokenising
    vocabulary: dict[str, int]
    idf: np.ndarray  # float32

    def ngrams(self, text: str) -> list[str]:
        low, high = self.ngram_range
        if self.analyzer == "char":
            text = _WHITE_SPACES.sub(" ", text.lower() if self.lowercase else text)
            return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]
        if self.bias_token:
            text = "__ " + text
        elif self.lowercase:
            text = text.lower()
        tokens = re.findall(self.token_pattern or r"(?u)\b\w\w+\b", text)
        return [" ".join(tokens[i : i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), len(self.idf)), np.float32)
        for row, text in enumerate(texts):
            counts = Counter(self.vocabulary[g] for g in self.ngrams(text) if g in self.vocabulary)
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), np.int64, len(counts))
            values = np.fromiter(counts.values(), np.float32, len(counts))
            values = (np.log(values) + np.float32(1.0)) * self.idf[columns]  # sublinear tf, then idf
            norm = np.sqrt(np.dot(values, values))
            matrix[row, columns] = values / norm if norm > 0 else values
        return matrix


@dataclass(frozen=True)
class CalibratedFold:
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    a: np.ndarray  # sigmoid calibration per class: p = 1 / (1 + exp(a * d + b))
    b: np.ndarray


@dataclass(frozen=True)
class LinearTypeModel:
    classes: list[str]
    branches: list[TfidfBranch]
    folds: list[CalibratedFold]

    def features(self, views: Sequence[dict]) -> np.ndarray:
        blocks = [branch.transform(_TEXTS[branch.name](views)).astype(np.float64) for branch in self.branches]
        return np.hstack([*blocks, features.layout_matrix(views).astype(np.float64)])

    def predict_proba(self, views: Sequence[dict]) -> np.ndarray:
        x = self.features(views)
        mean = np.zeros((len(views), len(self.classes)))
        for fold in self.folds:
            decision = x @ fold.coef.T + fold.intercept
            proba = 1.0 / (1.0 + np.exp(fold.a * decision + fold.b))
            total = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / len(self.classes)), where=total != 0)
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        return mean / len(self.folds)

    def to_bytes(self) -> bytes:
        arrays: dict[str, Any] = {}
        header = {"classes": self.classes, "branches": [], "folds": len(self.folds)}
        for branch in self.branches:
            header["branches"].append({
                "name": branch.name, "analyzer": branch.analyzer, "ngram_range": list(branch.ngram_range),
                "lowercase": branch.lowercase, "token_pattern": branch.token_pattern, "bias_token": branch.bias_token,
                "vocabulary": sorted(branch.vocabulary, key=branch.vocabulary.__getitem__),
            })
            arrays[f"idf_{branch.name}"] = branch.idf
        for n, fold in enumerate(self.folds):
            arrays.update({f"coef_{n}": fold.coef, f"intercept_{n}": fold.intercept, f"a_{n}": fold.a, f"b_{n}": fold.b})
        arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), np.uint8)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearTypeModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            header = json.loads(arrays["header"].tobytes().decode("utf-8"))
            branches = [
                TfidfBranch(b["name"], b["analyzer"], tuple(b["ngram_range"]), b["lowercase"], b["token_pattern"],
                            b["bias_token"], {g: i for i, g in enumerate(b["vocabulary"])}, arrays[f"idf_{b['name']}"])
                for b in header["branches"]
            ]
            folds = [CalibratedFold(arrays[f"coef_{n}"], arrays[f"intercept_{n}"], arrays[f"a_{n}"], arrays[f"b_{n}"])
                     for n in range(header["folds"])]
        return cls(list(header["classes"]), branches, folds)


def export(pipeline) -> LinearTypeModel:
    """The numbers of a fitted pipeline built by training.build_pipeline."""
    from docintel.classify.training import with_bias_token

    union = pipeline.named_steps["features"]
    names = [name for name, _ in union.transformer_list]
    if names[-1] != "layout" or any(name not in _TEXTS for name in names[:-1]) or union.transformer_weights:
        raise ValueError(f"feature branches {names}: this export reproduces text branches, then the layout vector")
    branches = []
    for name, branch in union.transformer_list[:-1]:
        vectorizer = branch.steps[-1][1]
        if not (vectorizer.sublinear_tf and vectorizer.norm == "l2" and vectorizer.use_idf
                and vectorizer.preprocessor in (None, with_bias_token) and vectorizer.strip_accents is None):
            raise ValueError(f"branch {name}: settings this export does not reproduce")
        branches.append(TfidfBranch(
            name, vectorizer.analyzer, tuple(vectorizer.ngram_range), vectorizer.lowercase,
            vectorizer.token_pattern if vectorizer.analyzer == "word" else None,
            vectorizer.preprocessor is with_bias_token,
            {str(g): int(i) for g, i in vectorizer.vocabulary_.items()}, vectorizer.idf_.astype(np.float32),
        ))
    calibrated = pipeline.named_steps["model"]
    classes = [str(c) for c in calibrated.classes_]
    folds = []
    for fold in calibrated.calibrated_classifiers_:
        estimator = fold.estimator
        if fold.method != "sigmoid" or [str(c) for c in estimator.classes_] != classes:
            raise ValueError("only sigmoid-calibrated folds over the model's own classes are exported")
        folds.append(CalibratedFold(
            np.asarray(estimator.coef_, np.float64), np.asarray(estimator.intercept_, np.float64),
            np.array([c.a_ for c in fold.calibrators], np.float64), np.array([c.b_ for c in fold.calibrators], np.float64),
        ))
    return LinearTypeModel(classes, branches, folds)
