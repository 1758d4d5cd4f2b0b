"""Matching documents as numpy masks, straight from the postings, and their ranking.

whoosh scores every matching document through a tree of matchers, one Python call per document
per node: a word on a third of 100,000 receipts took over half a second. Here a term's postings
are read a block at a time into an array of docnums, And/Or are boolean masks over all documents,
and the ranking is by which way each requirement matched (compile.py's weighted alternatives: the
customer field over the OCR text, exact words over character pairs over a misread character),
newest first among equals, so a broad word costs milliseconds at 100,000 documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from docintel.search.compile import Plan
from docintel.search.store import numeric_column

# Cached docnums of terms per searcher (one searcher per thread), 4 bytes each: 1M ids are the
# postings of some fifty of the broadest words of 100,000 documents in 4 MB a thread.
_CACHE_IDS = 1_000_000
Mask = np.ndarray


def _leaf_ids(leaf, field: str, btext: bytes) -> np.ndarray:
    """Docnums (leaf-local, deleted ones included) of one term in one segment."""
    try:
        matcher = leaf.postings(field, btext)
    except TermNotFound:
        return np.zeros(0, dtype=np.int64)
    raw = getattr(matcher, "child", matcher)  # the deleted-documents filter wraps the postings
    if not isinstance(raw, W3LeafMatcher) or raw._byteids:
        return np.fromiter(matcher.all_ids(), dtype=np.int64)
    # Whole blocks (whoosh 3 postings format): a block's ids are stored as differences from the
    # previous one, starting from 0; numpy sums them instead of a Python generator per posting.
    blocks = []
    while raw.is_active():
        if raw._data is None:
            raw._read_data()
        blocks.append(np.cumsum(np.array(raw._data[0], dtype=np.int64)))
        raw._next_block()
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int64)


class DocMasks:
    """Boolean masks over every document of one searcher (deleted documents never set)."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = list(self.reader.leaf_readers())
        self.size = self.reader.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                self.live[[offset + d for d in leaf.deleted_docs_set]] = False
        self._ids: dict[tuple[str, bytes], np.ndarray] = {}
        self._cached = 0
        self.columns: dict[Any, Any] = {}

    @classmethod
    def of(cls, searcher: Searcher) -> DocMasks:
        """The DocMasks of `searcher`, kept on it (a refreshed searcher is a new object)."""
        masks = searcher.__dict__.get("_docintel_masks")
        if masks is None:
            masks = searcher.__dict__["_docintel_masks"] = cls(searcher)
        return masks

    def forget_terms(self) -> None:
        """Drop the cached postings (benchmarks/search.py times searches with a cold cache)."""
        self._ids.clear()
        self._cached = 0

    def empty(self) -> Mask:
        return np.zeros(self.size, dtype=bool)

    def ids(self, field: str, text) -> np.ndarray:
        btext = text if isinstance(text, bytes) else self.reader.schema[field].to_bytes(text)
        key = (field, btext)
        found = self._ids.get(key)
        if found is None:
            parts = [_leaf_ids(leaf, field, btext) + offset for leaf, offset in self.leaves]
            found = (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)).astype(np.int32)
            if self._cached + len(found) > _CACHE_IDS:
                self._ids.clear()
                self._cached = 0
            self._ids[key] = found
            self._cached += len(found)
        return found

    def _mask(self, field: str, words) -> Mask:
        mask = self.empty()
        for word in words:
            mask[self.ids(field, word)] = True
        return mask & self.live

    def _near(self, query: Q.FuzzyTerm) -> list[bytes]:
        """Terms within `maxdist` edits sharing the prefix: a scan of the words under that prefix,
        which whoosh's terms_within does one Python edit distance at a time."""
        text, most = query.text, query.maxdist
        near = []
        for btext in self.reader.expand_prefix(query.fieldname, text[: query.prefixlength]):
            if abs(len(btext) - len(text)) <= most and Levenshtein.distance(btext.decode("utf-8"), text) <= most:
                near.append(btext)
        return near

    def evaluate(self, query: Q.Query) -> Mask:
        if isinstance(query, Q.Every):
            return self.live.copy()
        if isinstance(query, Q.FuzzyTerm):
            return self._mask(query.fieldname, self._near(query))
        if isinstance(query, Q.Prefix):
            return self._mask(query.fieldname, self.reader.expand_prefix(query.fieldname, query.text))
        if isinstance(query, Q.Term):
            return self._mask(query.fieldname, [query.text])
        if isinstance(query, Q.And):
            result = self.live.copy()
            for part in query.subqueries:
                result &= self.evaluate(part)
                if not result.any():
                    break
            return result
        if isinstance(query, Q.Or):
            result = self.empty()
            for part in query.subqueries:
                result |= self.evaluate(part)
            return result
        # A date range is tiered numeric terms: an Or of terms and term ranges over the lexicon.
        if isinstance(query, Q.NumericRange):
            return self.evaluate(query._compile_query(self.reader))
        if isinstance(query, Q.TermRange):
            return self._mask(query.fieldname, query._btexts(self.reader))
        if isinstance(query, Q.WrappingQuery):
            return self.evaluate(query.child)
        result = self.empty()
        result[list(query.docs(self.searcher))] = True
        return result

    def codes(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """(distinct values, each document's index into them) of a sortable text field."""
        key = (field, "codes")
        if key not in self.columns:
            parts = [_leaf_codes(leaf, field) for leaf, _offset in self.leaves if leaf.doc_count_all()]
            values = np.unique(np.concatenate([v for v, _c in parts])) if parts else np.zeros(0, dtype=str)
            codes = [np.searchsorted(values, v)[c] for v, c in parts]  # each segment's codes into `values`
            self.columns[key] = (values, np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64))
        return self.columns[key]

    def dates(self) -> np.ndarray:
        """Every document's date as a number that sorts like it; undated documents 0 (last)."""
        if "dates" not in self.columns:
            parts = [_leaf_dates(leaf) for leaf, _offset in self.leaves if leaf.doc_count_all()]
            self.columns["dates"] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self.columns["dates"]


# Column values per segment, kept across searchers: a commit adds a segment and leaves the others
# as they were, so the first search after an ingest reads only the new segment's columns.
_SEGMENT_COLUMNS: dict[tuple[str, str], Any] = {}
_SEGMENT_COLUMNS_KEPT = 256


def _per_segment(leaf, what: str, compute: Callable[[], Any]) -> Any:
    key = (leaf.segment().segment_id(), what)
    found = _SEGMENT_COLUMNS.get(key)
    if found is None:
        found = compute()
        if len(_SEGMENT_COLUMNS) >= _SEGMENT_COLUMNS_KEPT:
            _SEGMENT_COLUMNS.pop(next(iter(_SEGMENT_COLUMNS)))
        _SEGMENT_COLUMNS[key] = found
    return found


def _leaf_codes(leaf, field: str) -> tuple[np.ndarray, np.ndarray]:
    def compute() -> tuple[np.ndarray, np.ndarray]:
        raw = np.array([str(v) for v in leaf.column_reader(field)], dtype=str)
        return np.unique(raw, return_inverse=True)

    return _per_segment(leaf, field, compute)


def _leaf_dates(leaf) -> np.ndarray:
    def compute() -> np.ndarray:
        # An undated document holds whoosh's out-of-range default (2**64 - 1, -1 as a signed number).
        values = numeric_column(leaf, "date")
        return np.where(values > 0, values, 0)

    return _per_segment(leaf, "date", compute)


def match(masks: DocMasks, plan: Plan) -> tuple[Mask, list[list[tuple[float, str, Mask]]]]:
    """The documents matching every requirement and filter, and each requirement's alternatives."""
    result = masks.live.copy()
    for query in plan.filters:
        result &= masks.evaluate(query)
    alternatives = []
    for req in plan.requirements:
        found = [(alt.weight, alt.field, masks.evaluate(alt.query) & result) for alt in req.alternatives]
        union = masks.empty()
        for _weight, _field, mask in found:
            union |= mask
        result &= union
        alternatives.append(found)
    return result, alternatives


def scores(matched: Mask, alternatives: list[list[tuple[float, str, Mask]]]) -> np.ndarray:
    """Per document: over requirements, over fields, the best weight it matched in that field."""
    score = np.zeros(len(matched), dtype=np.float64)
    for req in alternatives:
        by_field: dict[str, list[tuple[float, Mask]]] = {}
        for weight, field, mask in req:
            by_field.setdefault(field, []).append((weight, mask))
        for options in by_field.values():
            seen = np.zeros(len(matched), dtype=bool)
            for weight, mask in sorted(options, key=lambda o: -o[0]):
                fresh = mask & matched & ~seen
                score[fresh] += weight
                seen |= fresh
    return score


def top(matched: Mask, count: int, score: np.ndarray | None, dates: np.ndarray) -> list[int]:
    """The best `count` documents: by score then date, or by date alone; newest, then highest id, first."""
    candidates = np.flatnonzero(matched)
    keys = (candidates, dates[candidates]) if score is None else (candidates, dates[candidates], score[candidates])
    order = np.lexsort(keys)[::-1][:count]
    return [int(d) for d in candidates[order]]
