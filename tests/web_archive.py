"""A small archive for the clerk-page tests: an order book, flagged and clean documents, accounts.

Documents are stored from ExtractedDocument values written here (no OCR), then matched and
flagged by the real archive.matching, as ingest does. One real scan from samples/ can be added
with the real ingest (OCR, page images, word boxes) for the scan view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from docintel.archive.ingest import ingest_paths
from docintel.archive.matching import match_and_flag
from docintel.archive.persist import extracted_document_row
from docintel.extract import ExtractedDocument, LineItem
from docintel.store.models import Order, OrderLine, UserRole
from docintel.web.users import create_user

CLERK, CLERK_PASSWORD = "wangfang", "qiaoqiao-2024"
ADMIN, ADMIN_PASSWORD = "zhaolei", "guanliyuan-88"
# A second clerk for the wrong-password tests, so the main clerk is never locked out.
VICTIM, VICTIM_PASSWORD = "lisi", "lisi-password-1"

ORDERS = [
    ("SO-2024-0315", "上海恒达五金贸易有限公司", dt.date(2024, 3, 12),
     [("六角螺栓", "M8×30", "个", 500, 0.35), ("平垫圈", "M8", "个", 1000, 0.05)]),
    ("NB-2024-0105", "宁波海纳电子有限公司", dt.date(2024, 1, 5),
     [("电源适配器", "12V 2A", "个", 40, 18.5), ("数据线", "1.5m", "条", 40, 6.0)]),
    ("GZ-2024-0410", "广州白云纸品有限公司", dt.date(2024, 4, 10),
     [("五层纸箱", "60×40×40", "个", 200, 4.2)]),
]


def _receipt(file: str, doc_no: str, order_no: str | None, customer: str, date: str, items: list[tuple], signed: bool = True) -> ExtractedDocument:
    line_items = [LineItem(product=p, spec=s, unit=u, quantity=q, unit_price=price) for p, s, u, q, price in items]
    return ExtractedDocument(
        file=file, doc_type="signoff_receipt", doc_no=doc_no, order_no=order_no, customer=customer, vendor="苏州华通物流有限公司",
        date=date, items=line_items, signature_present=signed,
        confidence={"doc_no": 0.92, "order_no": 0.9, "customer": 0.9, "date": 0.9, "items": 0.88, "doc_type": 0.9},
        text=f"送货签收单 单据编号: {doc_no} 收货客户: {customer} " + " ".join(p for p, *_ in items),
    )


# file name → what it reads as; the test scenarios name them.
DOCUMENTS = {
    # 450 bolts on the slip, 500 ordered: QTY_MISMATCH only.
    "qty.jpg": _receipt("qty.jpg", "QS-2403-0001", "SO-2024-0315", "上海恒达五金贸易有限公司", "2024-03-16",
                        [("六角螺栓", "M8×30", "个", 450, 0.35), ("平垫圈", "M8", "个", 1000, 0.05)]),
    # No order number read and the customer misread (纳 → 钠): NO_MATCH, for the clerk to link.
    "nomatch.jpg": _receipt("nomatch.jpg", "HN-0108-17", None, "宁波海钠电子", "2024-01-08",
                            [("电源适配器", "12V 2A", "个", 40, 18.5), ("数据线", "1.5m", "条", 40, 6.0)]),
    "unsigned.jpg": _receipt("unsigned.jpg", "GZ-0411-02", "GZ-2024-0410", "广州白云纸品有限公司", "2024-04-11",
                             [("五层纸箱", "60×40×40", "个", 200, 4.2)], signed=False),
}


def add_orders(session: Session) -> None:
    for order_no, customer, date, lines in ORDERS:
        order = Order(order_no=order_no, customer=customer, order_date=date)
        order.lines = [
            OrderLine(line_no=i, product=p, spec=s, unit=u, quantity=q, unit_price=price)
            for i, (p, s, u, q, price) in enumerate(lines, start=1)
        ]
        session.add(order)


def add_document(session: Session, extracted: ExtractedDocument) -> int:
    sha = hashlib.sha256(extracted.file.encode()).hexdigest()
    document = extracted_document_row(Path(extracted.file), sha, 1000, extracted)
    session.add(document)
    session.flush()
    match_and_flag(session, document, extracted)
    return document.id


def build_archive(factory: sessionmaker[Session], home: Path, scan: Path | None = None) -> dict[str, int]:
    """Orders, accounts and documents; returns document ids by file name (and "scan" if given)."""
    with factory.begin() as session:
        add_orders(session)
        create_user(session, CLERK, CLERK_PASSWORD, UserRole.CLERK, "王芳")
        create_user(session, ADMIN, ADMIN_PASSWORD, UserRole.ADMIN, "赵磊")
        create_user(session, VICTIM, VICTIM_PASSWORD, UserRole.CLERK)
        ids = {name: add_document(session, extracted) for name, extracted in DOCUMENTS.items()}
    if scan is not None:
        summary = ingest_paths([scan], factory, home, workers=1)
        ids["scan"] = next(o.document_id for o in summary.outcomes)
    return ids
