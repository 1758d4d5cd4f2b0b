"""Highlighted fragments of a hit's stored fields, and which fields matched.

Marks are found in the stored text itself, the way a clerk reads it: Chinese words as substrings
of the folded text (or, for unquoted words long enough, the same length with one character
different), Latin words and numbers by their analysed term (stem), unquoted long Latin words
also within one edit. Offsets map back to the original characters (full-width, case).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from docintel.search.analysis import fold, han_runs, is_han, word_spans
from docintel.search.compile import FUZZY_FROM_TEXT, LATIN_FUZZY_FROM
from docintel.search.query import Clause
from docintel.search.results import Highlight

MAX_FRAGMENTS = 3
FRAGMENT_CHARS = 120


@dataclass(frozen=True)
class Needle:
    """What to look for, from one clause: its Chinese runs and its other terms."""

    runs: tuple[str, ...]
    terms: tuple[str, ...]
    fuzzy_from: int | None  # None: exact only (a quoted phrase)

    @classmethod
    def of(cls, clause: Clause, fuzzy_from: int = FUZZY_FROM_TEXT) -> Needle:
        runs = tuple(han_runs(clause.text))
        terms = tuple(w for w, _s, _e in word_spans(clause.text) if not is_han(w))
        return cls(runs, terms, None if clause.quoted else fuzzy_from)


def _original(offsets: tuple[int, ...] | None, start: int, end: int) -> tuple[int, int]:
    return (start, end) if offsets is None else (offsets[start], offsets[end - 1] + 1)


def _run_spans(folded: str, offsets, run: str, fuzzy_from: int | None) -> list[tuple[int, int]]:
    found, start = [], folded.find(run)
    while start >= 0:
        found.append(_original(offsets, start, start + len(run)))
        start = folded.find(run, start + 1)
    if found or fuzzy_from is None or len(run) < fuzzy_from:
        return found
    for start in range(len(folded) - len(run) + 1):
        window = folded[start : start + len(run)]
        if sum(a != b for a, b in zip(window, run)) == 1 and all(is_han(c) for c in window):
            found.append(_original(offsets, start, start + len(run)))
    return found


def find_spans(value: str, needles: Iterable[Needle]) -> list[tuple[int, int]]:
    """Merged [start, end) spans of `value` that match any needle."""
    folded, offsets = fold(value)
    spans: list[tuple[int, int]] = []
    words = None
    for needle in needles:
        for run in needle.runs:
            spans.extend(_run_spans(folded, offsets, run, needle.fuzzy_from))
        if needle.terms:
            words = words if words is not None else [w for w in word_spans(value) if not is_han(w[0])]
            for term, start, end in words:
                if term in needle.terms or (
                    needle.fuzzy_from is not None and term.isalpha() and len(term) >= LATIN_FUZZY_FROM
                    and any(t.isalpha() and t[0] == term[0] and Levenshtein.distance(t, term) <= 1 for t in needle.terms)
                ):
                    spans.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _mark(field: str, text: str, spans: list[tuple[int, int]]) -> Highlight:
    parts, last = [], 0
    for start, end in spans:
        parts.append(html.escape(text[last:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    parts.append(html.escape(text[last:]))
    return Highlight(field=field, text=text, spans=spans, html="".join(parts))


def _fragment(line: str, line_start: int, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The line, cut to FRAGMENT_CHARS around its first mark, with spans relative to the fragment."""
    local = [(s - line_start, e - line_start) for s, e in spans]
    cut = 0
    if len(line) > FRAGMENT_CHARS:
        cut = max(0, min(local[0][0] - FRAGMENT_CHARS // 4, len(line) - FRAGMENT_CHARS))
        line = line[cut : cut + FRAGMENT_CHARS]
    return line, [(max(0, s - cut), min(len(line), e - cut)) for s, e in local if s - cut < len(line)]


def highlight_field(field: str, value: str | None, needles: list[Needle]) -> list[Highlight]:
    """Up to MAX_FRAGMENTS fragments (lines) of `value` with marks, most marks first; [] if none."""
    if not value or not needles:
        return []
    spans = find_spans(value, needles)
    if not spans:
        return []
    fragments = []
    line_start = 0
    for line in value.split("\n"):
        line_end = line_start + len(line)
        inside = [(s, min(e, line_end)) for s, e in spans if line_start <= s < line_end]
        if inside:
            fragments.append((len(inside), line_start, _fragment(line, line_start, inside)))
        line_start = line_end + 1
    fragments.sort(key=lambda f: (-f[0], f[1]))
    return [_mark(field, text, marks) for _n, _start, (text, marks) in sorted(fragments[:MAX_FRAGMENTS], key=lambda f: f[1])]
