"""The archive: ingest into content-addressed storage, duplicates, quarantine, docs show, flags list.

Runs on SQLite and on PostgreSQL when reachable (fixtures from tests/test_store.py). OCR is real
but limited to one small page per backend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import cv2
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from docintel.archive import (
    DocumentLookupError,
    Outcome,
    document_details,
    ingest_folder,
    list_flags,
)
from docintel.archive.cli import archive_app
from docintel.archive.originals import archive_relative_path, store_original
from docintel.archive.watch import StableFileTracker
from docintel.settings import get_settings
from docintel.store.db import init_db, make_session_factory
from docintel.store.models import (
    Document,
    DocumentStatus,
    Flag,
    FlagStatus,
    Match,
    MatchLine,
    MatchStatus,
    Order,
    OrderLine,
)
from tests.test_store import engine, migrated_postgres, postgres_schema  # noqa: F401  (fixtures)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SMALL_SCAN = SAMPLES / "0013_signoff_receipt.png"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """One real scan, the same bytes again under another name, a corrupt scan, and litter."""
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SMALL_SCAN, folder / "receipt.png")
    shutil.copy(SMALL_SCAN, folder / "sub" / "same-receipt-again.PNG")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this JPEG stops here")
    (folder / "notes.txt").write_text("not a scan")
    (folder / "truth.json").write_text("{}")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "Thumbs.db").write_bytes(b"\0")
    (folder / "upload.jpg.part").write_bytes(SMALL_SCAN.read_bytes()[:100])
    return folder


def test_ingest_stores_once_quarantines_failures_and_ignores_litter(engine: Engine, inbox: Path, tmp_path: Path) -> None:  # noqa: F811
    home = tmp_path / "home"
    factory = make_session_factory(engine)
    summary = ingest_folder(inbox, factory, home, workers=1)

    by_name = {Path(o.file).name: o for o in summary.outcomes}
    assert set(by_name) == {"receipt.png", "same-receipt-again.PNG", "broken.jpg"}  # litter never reached ingest
    assert by_name["receipt.png"].outcome is Outcome.INGESTED
    assert by_name["same-receipt-again.PNG"].outcome is Outcome.DUPLICATE
    assert by_name["same-receipt-again.PNG"].duplicate_of == by_name["receipt.png"].document_id
    broken = by_name["broken.jpg"]
    assert broken.outcome is Outcome.FAILED and broken.error_code and broken.document_id is not None
    assert (summary.ingested, summary.duplicates, len(summary.failed)) == (1, 1, 1)

    sha = _sha(SMALL_SCAN)
    archived = home / archive_relative_path(sha, ".png")
    assert archived.read_bytes() == SMALL_SCAN.read_bytes()
    assert [p for p in (home / "archive").rglob("*") if p.is_file()] == [archived]
    quarantined = list((home / "quarantine").iterdir())
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == (inbox / "broken.jpg").read_bytes()

    with factory() as session:
        rows = {d.original_filename: d for d in session.scalars(select(Document))}
        assert len(rows) == 2
        good = rows[str(inbox / "receipt.png")]
        assert good.sha256 == sha and good.status is not DocumentStatus.FAILED
        assert good.fields is not None and good.fields["doc_type"] == good.doc_type
        # The page as read, in the frame of the word boxes the fields came from, for the reviewer.
        (page,) = good.page_records
        assert page.page_no == 1 and page.text and good.fields["customer"] in page.text.replace(" ", "")
        image = cv2.imread(str(home / page.image_path))
        assert image is not None and abs(image.shape[1] / image.shape[0] - page.width / page.height) < 0.01
        x, y, w, h = good.fields["sources"]["customer"][0]["box"]
        assert 0 <= x and x + w <= page.width and 0 <= y and y + h <= page.height
        failed = rows[str(inbox / "broken.jpg")]
        assert failed.status is DocumentStatus.FAILED
        assert (failed.error_code, failed.error_message) == (broken.error_code, broken.error_message)

    # A second run: stored documents are duplicates; the file that failed is tried again (a
    # transient failure must not lose it for good) and, failing again, replaces its own row.
    again = ingest_folder(inbox, factory, home, workers=1)
    assert again.ingested == 0 and again.duplicates == 2
    assert [Path(o.file).name for o in again.failed] == ["broken.jpg"]
    with factory() as session:
        assert session.scalar(select(func.count(Document.id))) == 2
        assert session.scalar(select(func.count(Document.id)).where(Document.status == DocumentStatus.FAILED)) == 1


def test_store_original_is_idempotent_and_repairs_a_bad_copy(tmp_path: Path) -> None:
    sha = _sha(SMALL_SCAN)
    relative = store_original(tmp_path, SMALL_SCAN, sha)
    target = tmp_path / relative
    first_mtime = target.stat().st_mtime_ns
    assert store_original(tmp_path, SMALL_SCAN, sha) == relative
    assert target.stat().st_mtime_ns == first_mtime  # a good copy is left untouched
    target.write_bytes(b"truncated")
    store_original(tmp_path, SMALL_SCAN, sha)
    assert _sha(target) == sha
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_file_is_ready_only_once_size_and_mtime_hold_still(tmp_path: Path) -> None:
    tracker = StableFileTracker()
    scan = tmp_path / "a.png"
    scan.write_bytes(b"x" * 10)
    assert tracker.poll(tmp_path) == []  # first sight: maybe still being written
    scan.write_bytes(b"x" * 20)
    assert tracker.poll(tmp_path) == []  # grew since the last poll
    (tmp_path / "b.jpg.part").write_bytes(b"y")
    assert tracker.poll(tmp_path) == [scan]
    assert tracker.poll(tmp_path) == []  # handed out once
    scan.write_bytes(b"z" * 30)
    assert tracker.poll(tmp_path) == []
    assert tracker.poll(tmp_path) == [scan]  # a new version is a new file


def _matched_document(session) -> Document:
    order = Order(order_no="PO-7", customer="中泰包装有限公司", order_date=dt.date(2024, 3, 1))
    order.lines = [
        OrderLine(line_no=1, product="纸箱", quantity=100, unit_price=2.5),
        OrderLine(line_no=2, product="胶带", quantity=10, unit_price=8.0),
    ]
    document = Document(
        sha256="abcdef" + "0" * 58, original_filename="in/receipt.jpg", status=DocumentStatus.NEEDS_REVIEW,
        doc_type="signoff_receipt", order_no="PO-7", customer="中泰包装",
        fields={"doc_type": "signoff_receipt", "order_no": "PO-7", "items": [{"product": "纸箱", "quantity": 90}]},
    )
    session.add_all([order, document])
    session.flush()
    match = Match(document_id=document.id, order_id=order.id, score=0.93, method="order_no", status=MatchStatus.ACCEPTED)
    match.lines = [
        MatchLine(item_index=0, order_line_id=order.lines[0].id, product_score=1.0, document_product="纸箱",
                  order_product="纸箱", document_quantity=90, order_quantity=100),
        MatchLine(item_index=None, order_line_id=order.lines[1].id, order_product="胶带", order_quantity=10),
    ]
    session.add(match)
    session.flush()
    session.add_all([
        Flag(document_id=document.id, match_id=match.id, code="QTY_MISMATCH", product="纸箱", message="数量不符"),
        Flag(document_id=document.id, match_id=match.id, code="MISSING_ITEM", product="胶带", message="缺少品项"),
        Flag(document_id=document.id, code="UNSIGNED", message="未签收", status=FlagStatus.RESOLVED),
    ])
    session.commit()
    return document


def test_document_details_carry_fields_match_alignment_and_open_flags(engine: Engine) -> None:  # noqa: F811
    with make_session_factory(engine)() as session:
        document = _matched_document(session)
        by_id = document_details(session, str(document.id))
        by_sha = document_details(session, "ABCDEF0")
        assert by_id == by_sha
        assert by_id["fields"]["order_no"] == "PO-7"
        assert by_id["match"]["order_no"] == "PO-7" and by_id["match"]["score"] == pytest.approx(0.93)
        assert [(l["item_index"], l["order_product"]) for l in by_id["match"]["lines"]] == [(0, "纸箱"), (None, "胶带")]
        assert {f["code"] for f in by_id["flags"]} == {"QTY_MISMATCH", "MISSING_ITEM"}  # the resolved one is not open
        json.dumps(by_id, ensure_ascii=False)  # the --json output must serialise
        with pytest.raises(DocumentLookupError) as missing:
            document_details(session, "999")
        assert missing.value.code == "DOCUMENT_NOT_FOUND"
        with pytest.raises(DocumentLookupError):
            document_details(session, "abc")  # too short to be a hash prefix


def test_list_flags_filters_by_code_and_shows_only_open_ones(engine: Engine) -> None:  # noqa: F811
    with make_session_factory(engine)() as session:
        _matched_document(session)
        assert [f["code"] for f in list_flags(session)] == ["QTY_MISMATCH", "MISSING_ITEM"]
        only = list_flags(session, "qty_mismatch")
        assert [(f["code"], f["product"], f["file"]) for f in only] == [("QTY_MISMATCH", "纸箱", "in/receipt.jpg")]


def test_docs_show_and_flags_list_commands_print_json(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'docintel.db'}"
    engine = init_db(url)  # noqa: F811
    with make_session_factory(engine)() as session:
        document = _matched_document(session)
    engine.dispose()
    monkeypatch.setenv("DOCINTEL_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        shown = runner.invoke(archive_app(), ["docs", "show", str(document.id), "--json"])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["match"]["order_no"] == "PO-7"
        listed = runner.invoke(archive_app(), ["flags", "list", "--code", "MISSING_ITEM", "--json"])
        assert listed.exit_code == 0, listed.output
        assert [json.loads(line)["code"] for line in listed.stdout.splitlines()] == ["MISSING_ITEM"]
        missing = runner.invoke(archive_app(), ["docs", "show", "424242", "--json"])
        assert missing.exit_code == 1
        assert json.loads(missing.stdout)["error"]["code"] == "DOCUMENT_NOT_FOUND"
        table = runner.invoke(archive_app(), ["flags", "list"])
        assert table.exit_code == 0 and "QTY_MISMATCH" in table.stdout
    finally:
        get_settings.cache_clear()


def test_a_document_that_matching_puts_right_is_stored_matched_with_its_page_rows(engine, tmp_path: Path) -> None:  # noqa: F811
    """Writing back what matching put right re-applies the extraction: its page rows are updated in
    place, not inserted again beside the stored ones (which broke the unique (document, page) key
    and left the document unmatched)."""
    from docintel.archive.ingest import record_extraction
    from docintel.extract import ExtractedDocument, LineItem
    from docintel.extract.pages import PageRecord
    from docintel.orders import import_orders
    from docintel.store.db import make_session_factory
    from docintel.store.models import Document, DocumentStatus

    book = tmp_path / "book.csv"
    book.write_text("order_no,customer,order_date,product,spec,unit,quantity,unit_price\n"
                    "PO-1,温州鑫源机械制造商行,2024-03-01,膨胀螺丝,M8,个,240,0.5\n", encoding="utf-8")
    with make_session_factory(engine)() as session:
        import_orders(book, session)
        document = Document(sha256="cd" * 32, original_filename="slip.jpg", size_bytes=1, status=DocumentStatus.RECEIVED)
        session.add(document)
        session.flush()
        read = ExtractedDocument(
            file="slip.jpg", doc_type="sales_slip", customer="温州鑫源机械制造商行", order_no="PO-1", date="2024-03-04",
            items=[LineItem(product="膨胀螺丝", spec="M8", quantity=24, unit_price=0.5, amount=120.0)],  # 240 read as 24
            page_records=[PageRecord(index=0, width=1000, height=700, text="送货单")],
        )
        order_no, _ = record_extraction(session, tmp_path, document, read, with_matching=True)
        session.commit()
        assert order_no == "PO-1"
        assert document.fields["items"][0]["quantity"] == 240 and document.fields["readings"] == {"items.0.quantity": "24"}
        assert [(row.page_no, row.text) for row in document.page_records] == [(1, "送货单")]
