"""Form values → the `changes` that archive.review.correct_document takes.

Clerks type with a Chinese input method: full-width digits (１００), thousands separators and
stray spaces are normal and are read as the number they mean. Whatever is still not a number is
passed on as typed, and correct_document refuses it with INVALID_CORRECTION.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from docintel.archive.review import ReviewError
from docintel.errors import ErrorCode
from docintel.web.document_view import HEADER_FIELDS, ITEM_COLUMNS

NUMERIC = {"total", "quantity", "unit_price", "amount"}
BOOLEAN = {"signature_present", "seal_present"}
_TRUE = {"true", "1", "yes", "on"}


def _number(text: str) -> float | str | None:
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").replace("¥", "").replace("￥", "").strip()
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return text  # correct_document reports it with its code


def form_value(name: str, raw: str) -> Any:
    if name in BOOLEAN:
        return raw.strip().lower() in _TRUE
    if name in NUMERIC:
        return _number(raw)
    text = unicodedata.normalize("NFKC", raw).strip() if name in ("date", "doc_no", "order_no") else raw.strip()
    return text or None


def field_change(name: str, raw: str) -> dict[str, Any]:
    """One header field's correction; an unknown name is passed on for correct_document to refuse."""
    return {name: form_value(name, raw)} if name in HEADER_FIELDS else {name: raw}


def item_change(items: list[dict[str, Any]], index: int, form: Mapping[str, str]) -> dict[str, Any]:
    """The whole items list with item `index` changed where the form has a column."""
    if not 0 <= index < len(items):
        raise ReviewError(ErrorCode.INVALID_CORRECTION, f"the document has no line item {index + 1}")
    changed = [dict(item) for item in items]
    for column in ITEM_COLUMNS:
        if column in form:
            value = form_value(column, form[column])
            changed[index][column] = "" if column == "product" and value is None else value
    return {"items": changed}
