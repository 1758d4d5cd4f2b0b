"""What matching proved misread, written into the document (the reading kept in `readings`).

Matching holds evidence extraction lacks: the order a slip belongs to. An order number that named
its order through OCR look-alikes or one slip (P0-2024-O315, corroborated by customer or items);
an item number the slip's own amount disproves (8 read where 80 × 11.01 = 880.80 is printed); a
product name misread on a line whose quantity and price are its order line's (劳保季套尼万涂胶 for
劳保手套). The archive stores the document put right; a clerk still sees what was read.
"""

from __future__ import annotations

from docintel.extract.records import ExtractedDocument
from docintel.match.records import MatchResult


def apply_match_repairs(document: ExtractedDocument, result: MatchResult) -> bool:
    """Put right in `document` (in place) what `result` found misread; whether anything changed."""
    changed = False
    if result.method == "order_no_fuzzy" and result.order_no and document.order_no and document.order_no != result.order_no:
        document.readings.setdefault("order_no", document.order_no)
        document.order_no = result.order_no
        changed = True
    for line in result.lines:
        if line.item_index is None or line.item_index >= len(document.items):
            continue
        item = document.items[line.item_index]
        for name, value in (("quantity", line.doc_quantity), ("unit_price", line.doc_unit_price), ("product", line.order_product)):
            if name in line.repaired:
                before = getattr(item, name)
                document.readings.setdefault(f"items.{line.item_index}.{name}", before if isinstance(before, str) else f"{before:g}")
                setattr(item, name, value)
                changed = True
    return changed
