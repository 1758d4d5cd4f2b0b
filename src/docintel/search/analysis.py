"""How text becomes index terms: width and case folding, jieba words, Chinese character grams.

Two analyzers read the same text:
- `WordTokenizer` (the *words* fields): Chinese runs segmented by jieba (with the dictionary
  words inside long words, as jieba's search mode), Latin words stemmed (Porter) and case-folded,
  digit runs kept whole. Letters and digits are split apart ("SO20240315" -> so, 20240315) so
  that the lexicon of words stays small for fuzzy look-ups; a number is found by its parts.
- `GramTokenizer` (the *grams* fields): every pair of adjacent Chinese characters (恒达, 达五,
  五金), and for customer and product names the pair that skips one character (恒_五). Any part of
  a text is its pairs, whatever jieba made of it; a name with one misread character still shares
  the skip pair over that character and every pair away from it (compile.py builds those
  alternatives). A run of one character is indexed as that character.

Both fold full-width to half-width (NFKC), case, and traditional to simplified characters
(簽收單 finds 签收单), keeping offsets into the original text, so highlights point at what the
clerk sees, not at a folded copy.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer

from docintel.chinese import to_simplified
from whoosh.lang.porter import stem

# Bump when tokens or the index fields (schema.py) change: an index built by another version is
# rebuilt at start-up.
ANALYSIS_VERSION = 6

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUNS = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<alpha>[^\W\d_{_HAN}]+)|(?P<digit>\d+)")
SKIP_MARK = "_"

_jieba = None
_jieba_lock = threading.Lock()


def jieba_tokenizer():
    """jieba's default tokenizer, its dictionary loaded once per process and quietly."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # "Building prefix dict…" on stderr is noise
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


_FOLD_CACHE: dict[str, str] = {}


def _fold_char(char: str) -> str:
    folded = _FOLD_CACHE.get(char)
    if folded is None:
        folded = to_simplified(unicodedata.normalize("NFKC", char).casefold())
        _FOLD_CACHE[char] = folded
    return folded


@lru_cache(maxsize=64)
def fold(text: str) -> tuple[str, tuple[int, ...] | None]:
    """NFKC + casefold, with the original offset of every folded character (None: the same offsets).

    Cached because each stored text is analysed by two analyzers in a row.
    """
    if text.isascii():
        return text.lower(), None
    folded = to_simplified(unicodedata.normalize("NFKC", text).casefold())
    if len(folded) == len(text):
        # Character for character (full-width forms, case, traditional → simplified): offsets are
        # unchanged. Where lengths differ (ligatures, circled numbers, combining accents) it is
        # done character by character.
        return folded, None
    parts: list[str] = []
    offsets: list[int] = []
    same = True
    for index, char in enumerate(text):
        folded = _fold_char(char)
        parts.append(folded)
        if len(folded) == 1:
            offsets.append(index)
        else:
            same = False
            offsets.extend([index] * len(folded))
    return "".join(parts), None if same else tuple(offsets)


def fold_text(text: str) -> str:
    return fold(text)[0]


@lru_cache(maxsize=100_000)
def stem_word(word: str) -> str:
    return stem(word)


@lru_cache(maxsize=200_000)
def segment(run: str, subwords: bool = False) -> tuple[tuple[str, int, int, bool], ...]:
    """jieba's words of a run of Chinese characters: (word, start, end, new_position).

    No HMM guessing: an unknown name falls apart into characters the same way in the query and in
    every document. With `subwords` (indexing), the dictionary words inside a long word follow it
    at its position, as jieba's search mode finds them (供应 and 供应链), so a clerk's shorter word
    matches. Cached because forms repeat labels, vendors, customers and products on every page.
    """
    tokenizer = jieba_tokenizer()
    words: list[tuple[str, int, int, bool]] = []
    for word, start, end in tokenizer.tokenize(run, HMM=False):
        words.append((word, start, end, True))
        if subwords and len(word) > 2:
            for size in (2, 3) if len(word) > 3 else (2,):
                for i in range(len(word) - size + 1):
                    inner = word[i : i + size]
                    if tokenizer.FREQ.get(inner):
                        words.append((inner, start + i, start + i + size, False))
    return tuple(words)


def _original(offsets: tuple[int, ...] | None, start: int, end: int) -> tuple[int, int]:
    if offsets is None:
        return start, end
    return offsets[start], offsets[end - 1] + 1


def word_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) of each word of `text` (as a query reads it); offsets into `text`."""
    for word, start, end, _advance in _word_spans(text, subwords=False):
        yield word, start, end


def _word_spans(text: str, subwords: bool) -> Iterator[tuple[str, int, int, bool]]:
    folded, offsets = fold(text)
    for run in _RUNS.finditer(folded):
        kind = run.lastgroup
        if kind == "han":
            base = run.start()
            for word, start, end, advance in segment(run.group(), subwords):
                yield (word, *_original(offsets, base + start, base + end), advance)
        elif kind == "alpha":
            yield (stem_word(run.group()), *_original(offsets, run.start(), run.end()), True)
        else:
            yield (run.group(), *_original(offsets, run.start(), run.end()), True)


def gram_spans(text: str, skips: bool = True) -> Iterator[tuple[str, int, int, bool]]:
    """(term, start, end, new_position) of the Chinese character grams of `text`.

    A skip pair shares the position of the pair before it (new_position False).
    """
    folded, offsets = fold(text)
    for run in _RUNS.finditer(folded):
        if run.lastgroup != "han":
            continue
        chars, base = run.group(), run.start()
        if len(chars) == 1:
            yield (chars, *_original(offsets, base, base + 1), True)
            continue
        for i in range(len(chars) - 1):
            yield (chars[i : i + 2], *_original(offsets, base + i, base + i + 2), True)
            if skips and i + 2 < len(chars):
                yield (chars[i] + SKIP_MARK + chars[i + 2], *_original(offsets, base + i, base + i + 3), False)


class _SpanTokenizer(Tokenizer):
    """A whoosh tokenizer over one of the span functions (one reused Token, as whoosh expects)."""

    def __init__(self) -> None:
        # Pickled into the index's schema: tells an old index apart at start-up.
        self.version = ANALYSIS_VERSION

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and getattr(other, "version", None) == self.version

    def _spans(self, text: str) -> Iterator[tuple[str, int, int, bool]]:
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos - 1
        for text, start, end, advance in self._spans(value):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if advance:
                pos += 1
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class WordTokenizer(_SpanTokenizer):
    """Words for the index: jieba words with their dictionary sub-words, stems, numbers."""

    def _spans(self, text: str) -> Iterator[tuple[str, int, int, bool]]:
        return _word_spans(text, subwords=True)


class GramTokenizer(_SpanTokenizer):
    """Character pairs, and with `skips` the skip pairs (names with one misread character)."""

    def __init__(self, skips: bool = True) -> None:
        super().__init__()
        self.skips = skips

    def __eq__(self, other) -> bool:
        return super().__eq__(other) and other.skips == self.skips

    def _spans(self, text: str) -> Iterator[tuple[str, int, int, bool]]:
        return gram_spans(text, self.skips)


def is_han(word: str) -> bool:
    """Whether a term is Chinese characters (a jieba word), not a Latin word or a number."""
    match = _RUNS.match(word)
    return match is not None and match.lastgroup == "han"


def han_runs(text: str) -> list[str]:
    """The runs of Chinese characters in folded `text`."""
    return [m.group() for m in _RUNS.finditer(fold_text(text)) if m.lastgroup == "han"]
