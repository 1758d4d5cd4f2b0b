"""Find form labels (客户名称, 數量, PO No. …) in OCR text, tolerating OCR noise.

The vocabulary is data (labels.toml); this module only knows how to match it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import Levenshtein

from docintel.ocr.layout import SEGMENT_SEPARATOR

# Characters that never belong to a label but sit inside or around one on real forms.
_IGNORED = set(" \t:：.．·,，;；()（）[]【】_/|'\"")
# Labels this long (normalised) may match with one misread character.
_FUZZY_MIN_LEN = 4


@dataclass(frozen=True)
class Vocabulary:
    titles: Mapping[str, tuple[str, ...]]
    fields: Mapping[str, tuple[str, ...]]
    columns: Mapping[str, tuple[str, ...]]
    names: Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("docintel.extract").joinpath("labels.toml").read_text("utf-8"))
    return Vocabulary(
        **{section: {k: tuple(v) for k, v in raw[section].items()} for section in ("titles", "fields", "columns", "names")}
    )


@dataclass(frozen=True)
class LabelHit:
    key: str  # field or column name
    label: str
    start: int  # span in the original text
    end: int
    fuzzy: bool


def _fold(char: str) -> str:
    return unicodedata.normalize("NFKC", char).lower()


def normalize_for_match(text: str) -> tuple[str, list[int]]:
    """Text folded for matching, and for each folded character its index in `text`."""
    chars, index = [], []
    for i, char in enumerate(text):
        if char in _IGNORED:
            continue
        for folded in _fold(char):
            if folded in _IGNORED:
                continue
            chars.append(folded)
            index.append(i)
    return "".join(chars), index


@dataclass(frozen=True)
class _Label:
    norm: str  # folded for matching
    key: str
    label: str
    latin: bool  # matched exactly and as a whole word only
    chars: frozenset[str]  # the characters of `norm`, for the fuzzy pass's quick test


@lru_cache(maxsize=64)
def _labels_by_size(group: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[int, tuple[_Label, ...]], ...]:
    """The group's labels by normalised length, longest first so 送货单号 wins over 单号; within
    one length in the vocabulary's order. Built once per group: find_labels runs on every line."""
    labels = [(normalize_for_match(label)[0], key, label) for key, labels in group for label in labels]
    sizes = sorted({len(norm) for norm, _, _ in labels if norm}, reverse=True)
    entries = [_Label(norm, key, label, _is_latin(norm), frozenset(norm)) for norm, key, label in labels]
    return tuple((size, tuple(e for e in entries if len(e.norm) == size)) for size in sizes)


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _han_runs(norm: str) -> list[int]:
    """For each position, how many Chinese characters follow in a row from it (itself included)."""
    runs = [0] * (len(norm) + 1)
    for i in range(len(norm) - 1, -1, -1):
        runs[i] = runs[i + 1] + 1 if _is_han(norm[i]) else 0
    return runs


def _is_latin(label: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9#.]+", label))


def _boundary_ok(norm: str, start: int, end: int, index: list[int], text: str) -> bool:
    """A Latin label must stand as its own word: 'No' is not inside 'Note' or 'Nov'."""
    if start > 0 and norm[start - 1].isascii() and norm[start - 1].isalnum():
        if index[start - 1] + 1 == index[start]:
            return False
    if end < len(norm) and norm[end].isascii() and norm[end].isalpha():
        if index[end - 1] + 1 == index[end]:
            return False
    return True


def _closed_by_colon(text: str, end: int) -> bool:
    return text[end:].lstrip()[:1] in (":", "：")


def find_labels(text: str, group: Mapping[str, Sequence[str]], fuzzy: bool = True) -> list[LabelHit]:
    """All non-overlapping label occurrences in `text`, left to right."""
    norm, index = normalize_for_match(text)
    if not norm:
        return []
    taken = [False] * len(norm)
    hits: list[tuple[int, int, str, str, bool]] = []
    by_size = _labels_by_size(tuple((k, tuple(v)) for k, v in group.items()))
    han_run = _han_runs(norm) if fuzzy else []
    present = set(norm)
    # Longest labels first; within one length, every exact match before any fuzzy one, so a
    # misread 客尸名称 is the customer label and not the 名称 inside it, while a correctly read
    # 送货人签字 (the driver) is never taken for a fuzzy 收货人签字.
    for size, same in by_size:
        for entry in same:
            start = norm.find(entry.norm)
            while start != -1:
                end = start + size
                if not any(taken[start:end]) and (not entry.latin or _boundary_ok(norm, start, end, index, text)):
                    hits.append((start, end, entry.key, entry.label, False))
                    taken[start:end] = [True] * size
                start = norm.find(entry.norm, start + 1)
        if not fuzzy or size < _FUZZY_MIN_LEN:
            continue
        for entry in same:
            # A window within one edit of the label (one character misread, or one stray
            # character read into it) holds every character of the label but at most one: a
            # label with two of them nowhere in the line cannot match there, which rules out
            # most labels on most lines before any window is compared (a character the label
            # holds twice counts once here; the comparison itself is exact).
            if entry.latin or len(entry.chars - present) > 1:
                continue
            # One character misread (a window of the label's length), one stray character read
            # into it (收货人人签字: a window one longer), or one lost where a colon closes it
            # (票号码: for 发票号码:, the first character faded; without the colon three characters
            # of a label are too often a title: 送货单).
            for width in (size, size + 1, size - 1):
                for start in range(0, len(norm) - width + 1):
                    # Only Chinese characters are forgiven: 销售单N is a title and a number, not 销售单位.
                    if han_run[start] < width:
                        continue
                    end = start + width
                    if any(taken[start:end]) or (width < size and not _closed_by_colon(text, index[end - 1] + 1)):
                        continue
                    if Levenshtein.distance(norm[start:end], entry.norm, score_cutoff=1) <= 1:
                        hits.append((start, end, entry.key, entry.label, True))
                        taken[start:end] = [True] * width
    hits.sort()
    return [
        LabelHit(key=key, label=label, start=index[s], end=index[e - 1] + 1, fuzzy=fz)
        for s, e, key, label, fz in hits
    ]


def opens_field(text: str, hit: LabelHit, previous: LabelHit | None) -> bool:
    """A label opens a field: it starts the line or a segment, follows punctuation or another
    label, or is followed by a colon. 客户 inside 请有需要的 客户 提前安排订货 is prose."""
    if hit.start == 0 or (previous is not None and previous.end == hit.start):
        return True
    before = text[: hit.start]
    if before.endswith(SEGMENT_SEPARATOR):
        return True
    last = before.rstrip()[-1:]
    if last and not last.isalnum() and unicodedata.category(last).startswith("P"):
        return True
    return text[hit.end :].lstrip(" .．")[:1] in (":", "：")


def text_after(text: str, hit: LabelHit) -> str:
    """What follows a label on the same segment, without the separator (：, :, space)."""
    return text[hit.end :].lstrip(" \t:：.．_|")
