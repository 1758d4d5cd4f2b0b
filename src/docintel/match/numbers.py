"""Index keys of order and document numbers, exact and OCR-confusable."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import urlparse

from docintel.match.config import match_config

_NOT_ALNUM = re.compile(r"[\W_]+")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]{4,}[A-Za-z0-9]")


def number_key(number: str | None) -> str | None:
    """Width, case, spaces and punctuation folded: PO-2024-0315, po 2024 0315 and PO20240315 meet."""
    if not number:
        return None
    key = _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", number).upper())
    return key or None


def confusable_key(number: str | None) -> str | None:
    """number_key with the letters OCR mistakes for digits folded onto those digits."""
    key = number_key(number)
    if key is None:
        return None
    table = match_config().confusables
    return "".join(table.get(ch, ch) for ch in key)


def numbers_in_code(payload: str) -> list[str]:
    """Candidate order/document numbers carried by a QR or barcode payload, most specific first.

    Payloads are a bare number, a URL ending in one, a small JSON ({"no": …, "po": …}) or a
    comma-separated invoice record; every plausible token is returned, the caller looks each up.
    """
    found: list[str] = []
    text = payload.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            # Order-number fields first: they name the order directly.
            for name in ("po", "order", "order_no", "orderNo", "no", "doc_no", "id"):
                value = data.get(name)
                if isinstance(value, str | int) and str(value).strip():
                    found.append(str(value).strip())
    elif "://" in text:
        path = urlparse(text).path
        found.extend(part for part in reversed(path.split("/")) if part)
    found.extend(_TOKEN.findall(text))
    seen: set[str] = set()
    out = []
    for token in found:
        key = number_key(token)
        if key and len(key) >= 5 and key not in seen:
            seen.add(key)
            out.append(token)
    return out


# What an order-number key is made of once look-alikes are folded: digits and the letters the
# confusable table leaves alone. Near-miss lookups substitute and insert only these characters.
def key_alphabet() -> str:
    folded = set(match_config().confusables)
    return "0123456789" + "".join(ch for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if ch not in folded)


# Shorter keys are too dense: one edit away from a 5-character key lies much of the book.
NEAR_MIN_LENGTH = 6


def near_keys(number: str | None) -> list[str]:
    """Every confusable key one OCR slip away from the printed number: one character substituted,
    dropped or inserted (OCR drops a faint digit, splits a letter into two, reads 4500069705 as
    4500059705). The key itself is not included; sorted, so SQL sees a stable parameter list.

    Generated at query time rather than stored per order: ~30·(2n+1) keys per lookup, each one
    hit on the existing order_no_key index, so the book needs no extra table or backfill.
    """
    key = confusable_key(number)
    if key is None or len(key) < NEAR_MIN_LENGTH:
        return []
    alphabet = key_alphabet()
    out: set[str] = set()
    for i in range(len(key) + 1):
        for ch in alphabet:
            out.add(key[:i] + ch + key[i:])  # the reading dropped a character the book has
        if i < len(key):
            out.add(key[:i] + key[i + 1 :])  # the reading added one (a speck, a split glyph)
            for ch in alphabet:
                out.add(key[:i] + ch + key[i + 1 :])
    out.discard(key)
    return sorted(k for k in out if len(k) >= NEAR_MIN_LENGTH)
