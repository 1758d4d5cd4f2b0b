"""What the document page shows: fields with their boxes on the scan, items beside the order's lines
(differences marked row by row), open flags with the input each points at, pages and history.

Built from archive.queries.document_details (the same read the CLI's `docs show` uses) plus the
page rows and the audit trail.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.archive.queries import document_details
from docintel.match.items import prices_agree, quantities_agree
from docintel.ocr.layout import bounding_box
from docintel.ocr.records import Word
from docintel.store.models import ClerkAction, Document, DocumentPage

# Header fields in the order a clerk reads a receipt; items and codes are shown apart.
HEADER_FIELDS = ("doc_type", "doc_no", "order_no", "customer", "vendor", "date", "total", "signature_present", "seal_present")
DOC_TYPES = ("signoff_receipt", "sales_slip", "monthly_statement", "invoice", "other")
ITEM_COLUMNS = ("product", "spec", "unit", "quantity", "unit_price", "amount")


@cache
def _flag_targets() -> dict[str, str]:
    return tomllib.loads(Path(__file__).with_name("flag_targets.toml").read_text(encoding="utf-8"))


@dataclass
class FieldRow:
    name: str
    value: Any
    confidence: float | None
    boxes: list[list[int]]  # [page_no (1-based), x, y, w, h] in the page's coordinate frame
    flagged: bool = False


@dataclass
class ItemRow:
    item_index: int | None  # None: an order line missing from the document
    values: dict[str, Any]  # the document's product, spec, unit, quantity, unit_price, amount
    order: dict[str, Any] | None  # the order line's product, quantity, unit_price
    differs: set[str] = field(default_factory=set)  # columns that disagree with the order
    flagged: set[str] = field(default_factory=set)  # columns a flag points at
    boxes: list[list[int]] = field(default_factory=list)  # the row's words on the scan, as FieldRow.boxes

    compared: bool = True  # False: the document has no matched order to compare with

    @property
    def kind(self) -> str:
        if self.item_index is None:
            return "missing"
        if not self.compared:
            return "unmatched"
        return "unexpected" if self.order is None else "matched"


@dataclass
class FlagView:
    id: int
    code: str
    severity: str
    message_zh: str
    message_en: str
    target: str | None  # element id of the input the flag points at


@dataclass
class PageView:
    page_no: int
    width: int | None  # the word boxes' frame; None when only the original can be shown
    height: int | None
    from_reading: bool  # the page as read (boxes fit) rather than the original rendered


@dataclass
class HistoryEntry:
    created_at: Any
    clerk: str
    action: str
    changes: list[tuple[str, Any, Any]]  # (path, before, after)
    comment: str | None


@dataclass
class DocumentView:
    details: dict[str, Any]
    fields: list[FieldRow]
    items: list[ItemRow]
    flags: list[FlagView]
    pages: list[PageView]
    history: list[HistoryEntry]
    codes: list[str]

    @property
    def id(self) -> int:
        return self.details["id"]

    @property
    def first_target(self) -> str | None:
        return next((f.target for f in self.flags if f.target), None)


def field_id(name: str) -> str:
    return f"field-{name}"


def item_input_id(index: int, column: str) -> str:
    return f"item-{index}-{column}"


def _flag_target(code: str, details: dict[str, Any]) -> tuple[str | None, int | None]:
    """(field or item column, item index) a flag points at."""
    target = _flag_targets().get(code)
    if target is None:
        return None, None
    if target == "{field}":
        name = details.get("field")
        return (name, None) if name in HEADER_FIELDS else (("item.quantity", 0) if name == "items" else (None, None))
    if target.startswith("item."):
        index = details.get("item_index")
        return (target, index) if isinstance(index, int) else (None, None)
    return target, None


def _boxes(sources: dict[str, Any], name: str) -> list[list[int]]:
    """One rectangle per page around the words a field was read from: the clerk looks for a value
    on the scan, not for each OCR word of it."""
    pages: dict[int, list[Word]] = {}
    for ref in sources.get(name, []):
        if "box" in ref and "page" in ref:
            pages.setdefault(ref["page"] + 1, []).append(Word("", tuple(ref["box"]), 1.0))
    return [[page, *bounding_box(words)] for page, words in sorted(pages.items())]


def _item_rows(fields: dict[str, Any], match: dict[str, Any] | None) -> list[ItemRow]:
    items = fields.get("items") or []
    rows: list[ItemRow] = []
    if match is None:
        return [ItemRow(i, dict(item), None, compared=False) for i, item in enumerate(items)]
    seen: set[int] = set()
    for line in match["lines"]:
        index = line["item_index"]
        order = None
        if line["order_line_id"] is not None or line["order_product"] is not None:
            order = {"product": line["order_product"], "quantity": line["order_quantity"], "unit_price": line["order_unit_price"]}
        if index is None:
            rows.append(ItemRow(None, {"product": line["order_product"]}, order))
            continue
        seen.add(index)
        values = dict(items[index]) if index < len(items) else {"product": line["document_product"]}
        row = ItemRow(index, values, order)
        if order is not None:
            if not quantities_agree(values.get("quantity"), order["quantity"]):
                row.differs.add("quantity")
            if order["unit_price"] is not None and not prices_agree(values.get("unit_price"), order["unit_price"]):
                row.differs.add("unit_price")
        rows.append(row)
    rows.extend(ItemRow(i, dict(item), None) for i, item in enumerate(items) if i not in seen)
    return rows


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """Leaves that differ, as (path, before, after): items[0].quantity 90 → 100, not two whole lists."""
    changes: list[tuple[str, Any, Any]] = []

    def walk(path: str, old: Any, new: Any) -> None:
        if isinstance(old, dict) and isinstance(new, dict):
            for key in dict.fromkeys([*old, *new]):
                walk(f"{path}.{key}" if path else str(key), old.get(key), new.get(key))
        elif isinstance(old, list) and isinstance(new, list) and all(isinstance(v, dict) for v in old + new):
            for i in range(max(len(old), len(new))):
                walk(f"{path}[{i + 1}]", old[i] if i < len(old) else None, new[i] if i < len(new) else None)
        elif old != new or (before is None):
            changes.append((path, old, new))

    walk("", before or {}, after or {})
    return changes


def history(session: Session, document_id: int) -> list[HistoryEntry]:
    actions = session.scalars(
        select(ClerkAction).where(ClerkAction.document_id == document_id).order_by(ClerkAction.created_at.desc(), ClerkAction.id.desc())
    )
    return [HistoryEntry(a.created_at, a.clerk, a.action, _changes(a.before, a.after), a.comment) for a in actions]


def _pages(session: Session, document: Document, home: Path) -> list[PageView]:
    rows = session.scalars(select(DocumentPage).where(DocumentPage.document_id == document.id).order_by(DocumentPage.page_no)).all()
    read = [r for r in rows if r.image_path and (home / r.image_path).is_file()]
    if read:
        return [PageView(r.page_no, r.width, r.height, True) for r in read]
    # Documents archived before page images were kept: the original is rendered, boxes not shown.
    return [PageView(n, None, None, False) for n in range(1, max(document.pages, 1) + 1)]


def document_view(session: Session, document_id: int, home: Path) -> DocumentView:
    details = document_details(session, str(document_id))
    document = session.get(Document, details["id"])
    fields = details["fields"] or {}
    sources = fields.get("sources") or {}
    confidences = details["confidences"] or {}
    items = _item_rows(fields, details["match"])
    for row in items:
        if row.item_index is not None:
            row.boxes = _boxes(sources, f"items.{row.item_index}")
    by_index = {row.item_index: row for row in items if row.item_index is not None}
    flags: list[FlagView] = []
    flagged_fields: set[str] = set()
    for flag in details["flags"]:
        flag_details = flag["details"] or {}
        target, index = _flag_target(flag["code"], flag_details)
        element = None
        if target and target.startswith("item.") and index in by_index:
            column = target.removeprefix("item.")
            by_index[index].flagged.add(column)
            element = item_input_id(index, column)
        elif target in HEADER_FIELDS:
            flagged_fields.add(target)
            element = field_id(target)
        flags.append(
            FlagView(flag["id"], flag["code"], flag_details.get("severity", "warning"), flag["message"], flag_details.get("message_en") or flag["message"], element)
        )
    rows = [
        FieldRow(name, fields.get(name), confidences.get(name), _boxes(sources, name), name in flagged_fields)
        for name in HEADER_FIELDS
    ]
    return DocumentView(
        details, rows, items, flags, _pages(session, document, home), history(session, document.id), list(fields.get("codes") or [])
    )
