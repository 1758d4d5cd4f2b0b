"""Features of a document for the type classifier, from what extraction returns.

Everything is computed from the `extract --json` dict (text with its lines and column gaps,
items, header fields, marks), because that is what the archive keeps: a document a clerk
corrected years ago is featurised exactly like a fresh scan. The layout features (table,
columns, where the title sits, a sign-off field) are read back from the line structure of the
text: extraction joins a line's segments with SEGMENT_SEPARATOR and pages with a form feed.

The functions below are module-level so that a fitted pipeline pickles by reference to them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from docintel.extract.labels import normalize_for_match, vocabulary
from docintel.ocr.layout import SEGMENT_SEPARATOR

# Bump when a feature changes meaning: a model fitted on other features is refused at load
# (model.verify) instead of being fed columns it never saw.
FEATURES_VERSION = 2

# Only what features read; a whole contract dict (with word sources) would be kept needlessly.
VIEW_KEYS = (
    "pages", "text", "items", "doc_no", "order_no", "customer", "vendor", "date", "total",
    "signature_present", "seal_present", "codes",
)
HEADER_KEYS = ("doc_no", "order_no", "customer", "vendor", "date", "total")
# Titles sit in the first lines of a page; further down a type word is running text.
_TITLE_LINES = 8
_HEAD_LINES = 4
_TITLE_CHARS = 10  # longest title candidate, folded; longer English titles are matched exactly (title_hit)
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_MONEY = re.compile(r"\d[\d,]*\.\d{2}\b")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def feature_view(source: Any) -> dict:
    """The parts of an ExtractedDocument (or its contract dict) that features read."""
    data = source if isinstance(source, Mapping) else source.contract_dict()
    view = {key: data.get(key) for key in VIEW_KEYS}
    for key in ("items", "codes"):  # counted; a view given again stays as it is
        view[key] = view[key] if isinstance(view[key], int) else len(view[key] or [])
    view["text"] = view["text"] or ""
    return view


def normalized_text(text: str) -> str:
    """Width-folded, lower-case, every number one symbol: the words of a form decide its type,
    its numbers only add noise."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _SPACE.sub(" ", _DIGITS.sub("0", folded)).strip()


def char_texts(views: Sequence[dict]) -> list[str]:
    return [normalized_text(v["text"]) for v in views]


def head_texts(views: Sequence[dict]) -> list[str]:
    """The first lines of the first page, where the title is: its words weigh more there than
    among a page of items (a title read as 销贷单 still shares 销 and 单 with 销货单)."""
    return [normalized_text(" ".join(_lines(v["text"].split("\f")[0])[:_HEAD_LINES])) for v in views]


def latin_texts(views: Sequence[dict]) -> list[str]:
    """Latin words only: English forms are told apart by words ("statement of account")."""
    return [" ".join(re.findall(r"[a-z]{2,}", normalized_text(v["text"]))) for v in views]


def _lines(text: str) -> list[str]:
    return [line for line in text.replace("\f", "\n").split("\n") if line.strip()]


@dataclass(frozen=True)
class _Labels:
    """Labels of some keys as one regex over folded text, longest first: where 送货单号 (a field)
    and 送货单 (a title) start at the same place, the field wins, as in extract.header.find_title.

    Exact matching only: extract.labels.find_labels also forgives one misread character, but
    costs ~0.2 s on a page; the character n-grams already cover misread titles.
    """

    pattern: re.Pattern
    keys: dict[str, str]

    def hits(self, line: str) -> list[str]:
        folded = normalize_for_match(line)[0]
        return [self.keys[m.group(0)] for m in self.pattern.finditer(folded)]


def _labels(groups: Mapping[str, Sequence[str]]) -> _Labels:
    keys: dict[str, str] = {}
    for key, labels in groups.items():
        for label in labels:
            folded = normalize_for_match(label)[0]
            if len(folded) >= 2:
                keys.setdefault(folded, key)
    ordered = sorted(keys, key=lambda k: (-len(k), k))
    return _Labels(re.compile("|".join(map(re.escape, ordered))), keys)


@lru_cache(maxsize=1)
def _title_labels() -> _Labels:
    vocab = vocabulary()
    return _labels({**{f"field:{k}": v for k, v in vocab.fields.items()}, **vocab.titles})


@lru_cache(maxsize=1)
def _signoff_labels() -> _Labels:
    vocab = vocabulary()
    return _labels({"signature": vocab.fields["signature"], "not_signature": vocab.fields["not_signature"]})


def title_hit(lines: Sequence[str]) -> tuple[str | None, int | None]:
    """The type named by a title word in the first lines, and the line it is on."""
    for index, line in enumerate(lines[:_TITLE_LINES]):
        for key in _title_labels().hits(line):
            if not key.startswith("field:"):
                return key, index
    return None, None


@lru_cache(maxsize=1)
def _folded_titles() -> dict[str, tuple[str, ...]]:
    return {t: tuple(normalize_for_match(w)[0] for w in words) for t, words in vocabulary().titles.items()}


def title_similarity(lines: Sequence[str]) -> list[float]:
    """Per type, how close the best short line or segment near the top comes to one of its title
    words (Levenshtein similarity): a title misread as 出库彰 or 销贷单 is still nearer 出库单 or
    销货单 than 送货单. Segments with a colon are labels and values, not titles."""
    candidates = set()
    for line in lines[:_TITLE_LINES]:
        for part in [*line.split(SEGMENT_SEPARATOR), line]:
            if ":" in part or "：" in part:
                continue
            folded = normalize_for_match(part)[0]
            if 2 <= len(folded) <= _TITLE_CHARS:
                candidates.add(folded)
    return [
        max((Levenshtein.normalized_similarity(c, w) for c in candidates for w in words), default=0.0)
        for words in _folded_titles().values()
    ]


def _signoff_fields(lines: Sequence[str]) -> tuple[bool, bool]:
    """(customer sign-off label present, driver/clerk label present)."""
    keys = {key for line in lines for key in _signoff_labels().hits(line)}
    return "signature" in keys, "not_signature" in keys


def layout_names() -> list[str]:
    types = [f"title_{t}" for t in vocabulary().titles]
    return [
        "chars", "lines", "han_share", "latin_share", "digit_share", "blank",
        "max_columns", "table_lines", "wide_lines", "items", "has_items", "money_values",
        "title_found", "title_position", *types, *[f"title_like_{t}" for t in vocabulary().titles],
        "signoff_label", "driver_label", "signature_present", "seal_present", "codes", "pages",
        *[f"has_{k}" for k in HEADER_KEYS],
    ]


def layout_vector(view: Mapping[str, Any]) -> list[float]:
    """Layout and field-presence features, each scaled to about 0..1."""
    text = view.get("text") or ""
    lines = _lines(text)
    compact = re.sub(r"\s", "", text)
    n = max(1, len(compact))
    columns = [line.count(SEGMENT_SEPARATOR) + 1 for line in lines]
    title, title_line = title_hit(lines)
    signoff, driver = _signoff_fields(lines)
    items = int(view.get("items") or 0)
    values = [
        min(1.0, math.log1p(len(compact)) / 8),
        min(1.0, math.log1p(len(lines)) / 5),
        len(_HAN.findall(compact)) / n,
        len(_LATIN.findall(compact)) / n,
        sum(c.isdigit() for c in compact) / n,
        float(len(compact) < 20),
        min(1.0, max(columns, default=0) / 8),
        sum(c >= 3 for c in columns) / max(1, len(columns)),
        sum(c >= 5 for c in columns) / max(1, len(columns)),
        min(1.0, math.log1p(items) / 3),
        float(items > 0),
        min(1.0, math.log1p(len(_MONEY.findall(text))) / 4),
        float(title is not None),
        # where the title sits: 0 = first line; no title counts as "far down"
        1.0 if title_line is None else title_line / _TITLE_LINES,
        *[float(title == t) for t in vocabulary().titles],
        *title_similarity(lines),
        float(signoff),
        float(driver),
        float(bool(view.get("signature_present"))),
        float(bool(view.get("seal_present"))),
        min(1.0, float(view.get("codes") or 0) / 2),
        min(1.0, (float(view.get("pages") or 1) - 1) / 3),
        *[float(view.get(k) not in (None, "")) for k in HEADER_KEYS],
    ]
    return values


def layout_matrix(views: Iterable[Mapping[str, Any]]) -> np.ndarray:
    return np.array([layout_vector(v) for v in views], dtype=np.float64)


def features_signature() -> dict:
    """Recorded in a model's metadata and compared when it is loaded."""
    return {"version": FEATURES_VERSION, "layout": layout_names()}
