"""Clerk actions on archived documents: corrections re-match and re-flag, flags resolve, all audited.

Runs on SQLite and on PostgreSQL when reachable (the `engine` fixture of tests/test_store.py).
Documents are stored from extraction results written here, so no OCR is needed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from docintel.archive.matching import match_and_flag
from docintel.archive.persist import extracted_document_row
from docintel.archive.review import (
    ReviewError,
    confirm_fields,
    correct_document,
    delete_document,
    link_order,
    reject_match,
    resolve_flag,
    send_back_for_rescan,
    touched_documents,
)
from docintel.errors import ErrorCode
from docintel.extract import ExtractedDocument, LineItem
from docintel.store.db import make_session_factory
from docintel.store.models import (
    ClerkAction,
    CustomerAlias,
    Document,
    DocumentStatus,
    Flag,
    FlagStatus,
    Match,
    MatchStatus,
    Order,
    OrderLine,
)
from tests.test_store import engine, migrated_postgres, postgres_schema  # noqa: F401  (fixtures)


def _receipt(quantity: float = 100, **fields) -> ExtractedDocument:
    base = dict(
        file="receipt.png",
        doc_type="signoff_receipt",
        doc_no="DN-1",
        order_no="PO-7",
        customer="中泰包装有限公司",
        date="2024-03-02",
        items=[
            LineItem(product="纸箱", unit="个", quantity=quantity, unit_price=2.5, amount=quantity * 2.5),
            LineItem(product="胶带", unit="卷", quantity=10, unit_price=8.0, amount=80.0),
        ],
        total=quantity * 2.5 + 80,
        signature_present=True,
        confidence={"doc_no": 0.9, "order_no": 0.9, "customer": 0.9, "date": 0.9, "items": 0.9, "total": 0.9},
    )
    return ExtractedDocument(**(base | fields))


@pytest.fixture
def factory(engine: Engine):  # noqa: F811
    factory = make_session_factory(engine)
    with factory.begin() as session:
        order = Order(order_no="PO-7", customer="中泰包装有限公司", order_date=dt.date(2024, 3, 1))
        order.lines = [
            OrderLine(line_no=1, product="纸箱", unit="个", quantity=100, unit_price=2.5),
            OrderLine(line_no=2, product="胶带", unit="卷", quantity=10, unit_price=8.0),
        ]
        session.add(order)
        other = Order(order_no="PO-8", customer="中泰包装有限公司", order_date=dt.date(2024, 3, 1))
        other.lines = [OrderLine(line_no=1, product="纸箱", unit="个", quantity=90, unit_price=2.5)]
        session.add(other)
    return factory


def _store(factory, extracted: ExtractedDocument, sha: str = "a" * 64) -> int:
    with factory.begin() as session:
        document = extracted_document_row(Path(extracted.file), sha, 1000, extracted)
        session.add(document)
        session.flush()
        match_and_flag(session, document, extracted)
        return document.id


def _open_codes(session, document_id: int) -> set[str]:
    return set(session.scalars(select(Flag.code).where(Flag.document_id == document_id, Flag.status == FlagStatus.OPEN)))


def test_correcting_a_quantity_clears_its_flag_and_is_audited(factory) -> None:
    document_id = _store(factory, _receipt(quantity=90))
    with factory() as session:
        assert "QTY_MISMATCH" in _open_codes(session, document_id)
        assert session.get(Document, document_id).status == DocumentStatus.NEEDS_REVIEW

    with factory.begin() as session:
        extracted = ExtractedDocument.model_validate(session.get(Document, document_id).fields)
        items = [item.model_dump() for item in extracted.items]
        items[0]["quantity"], items[0]["amount"] = 100, 250.0
        correct_document(session, document_id, {"items": items, "total": 330.0}, clerk="wang", comment="读错了")
        assert touched_documents(session) == {document_id}

    with factory() as session:
        document = session.get(Document, document_id)
        assert _open_codes(session, document_id) == set()
        assert document.status == DocumentStatus.MATCHED
        assert document.fields["items"][0]["quantity"] == 100 and document.total == 330.0
        assert document.confidences["items"] == 1.0
        action = session.scalars(select(ClerkAction).where(ClerkAction.document_id == document_id)).one()
        assert (action.clerk, action.action, action.comment) == ("wang", "edit_field", "读错了")
        assert action.before["items"][0]["quantity"] == 90 and action.after["items"][0]["quantity"] == 100
        assert session.scalars(select(Match).where(Match.document_id == document_id)).one().order.order_no == "PO-7"


def test_a_correction_can_raise_a_flag_and_unknown_orders_unmatch(factory) -> None:
    document_id = _store(factory, _receipt())
    with factory.begin() as session:
        correct_document(session, document_id, {"signature_present": False}, clerk="li")
    with factory() as session:
        assert _open_codes(session, document_id) == {"UNSIGNED"}
    with factory.begin() as session:
        correct_document(session, document_id, {"order_no": "PO-999", "customer": "别的公司", "date": "2023-01-01"}, clerk="li")
    with factory() as session:
        assert "NO_MATCH" in _open_codes(session, document_id)
        assert session.scalars(select(Match).where(Match.document_id == document_id)).all() == []


def test_resolved_flags_stay_resolved_and_settle_the_status(factory) -> None:
    document_id = _store(factory, _receipt(signature_present=False))
    with factory.begin() as session:
        flag = session.scalars(select(Flag).where(Flag.document_id == document_id, Flag.code == "UNSIGNED")).one()
        resolve_flag(session, flag.id, clerk="zhao", note="签字在背面")
    with factory() as session:
        assert _open_codes(session, document_id) == set()
        assert session.get(Document, document_id).status == DocumentStatus.APPROVED
        audit = session.scalars(select(ClerkAction).where(ClerkAction.action == "resolve_flag")).one()
        assert (audit.flag_id, audit.comment, audit.after) == (flag.id, "签字在背面", {"status": "resolved"})
    # An unrelated correction re-runs the flags: the finding the clerk accepted is not raised again.
    with factory.begin() as session:
        correct_document(session, document_id, {"doc_no": "DN-2"}, clerk="zhao")
    with factory() as session:
        assert _open_codes(session, document_id) == set()
        assert [f.status for f in session.scalars(select(Flag).where(Flag.document_id == document_id))] == [FlagStatus.RESOLVED]
    with factory.begin() as session, pytest.raises(ReviewError) as error:
        resolve_flag(session, flag.id, clerk="zhao")
    assert error.value.code == ErrorCode.FLAG_ALREADY_CLOSED


def test_bad_corrections_are_refused_with_a_code(factory) -> None:
    document_id = _store(factory, _receipt())
    cases = [
        ({"colour": "red"}, ErrorCode.INVALID_CORRECTION),
        ({"date": "2024-13-45"}, ErrorCode.INVALID_CORRECTION),
        ({"doc_type": "recipe"}, ErrorCode.INVALID_CORRECTION),
        ({"total": "lots"}, ErrorCode.INVALID_CORRECTION),
    ]
    for changes, code in cases:
        with factory() as session, pytest.raises(ReviewError) as error:
            correct_document(session, document_id, changes, clerk="li")
        assert error.value.code == code, changes
    with factory() as session, pytest.raises(ReviewError) as error:
        correct_document(session, 424242, {"doc_no": "X"}, clerk="li")
    assert error.value.code == ErrorCode.DOCUMENT_NOT_FOUND
    with factory() as session, pytest.raises(ReviewError) as error:
        resolve_flag(session, 424242, clerk="li")
    assert error.value.code == ErrorCode.FLAG_NOT_FOUND


def test_confirmed_fields_are_labels_and_audited_documents_are_not_deleted(factory) -> None:
    kept = _store(factory, _receipt(), sha="b" * 64)
    gone = _store(factory, _receipt(), sha="c" * 64)
    with factory.begin() as session:
        confirm_fields(session, kept, ["doc_type"], clerk="li")
        delete_document(session, gone)
    with factory() as session:
        action = session.scalars(select(ClerkAction).where(ClerkAction.document_id == kept)).one()
        assert (action.action, action.after) == ("confirm_field", {"doc_type": "signoff_receipt"})
        assert session.get(Document, gone) is None
        with pytest.raises(ReviewError) as error:
            delete_document(session, kept)
        assert error.value.code == ErrorCode.DOCUMENT_HAS_HISTORY


def _accepted_orders(session, document_id: int) -> list[str]:
    matches = session.scalars(select(Match).where(Match.document_id == document_id, Match.status == MatchStatus.ACCEPTED))
    return [m.order.order_no for m in matches]


def test_linking_another_order_rejects_the_automatic_match_and_survives_corrections(factory) -> None:
    document_id = _store(factory, _receipt(quantity=90))
    with factory() as session:
        assert _accepted_orders(session, document_id) == ["PO-7"]
    with factory.begin() as session:
        link_order(session, document_id, "PO-8", clerk="wang", comment="补发单")
    with factory() as session:
        assert _accepted_orders(session, document_id) == ["PO-8"]
        rejected = session.scalars(select(Match).where(Match.document_id == document_id, Match.status == MatchStatus.REJECTED)).one()
        assert rejected.order.order_no == "PO-7"
        # 纸箱 90 agrees with PO-8; 胶带 is not on it.
        assert _open_codes(session, document_id) == {"ITEM_UNEXPECTED"}
        action = session.scalars(select(ClerkAction).where(ClerkAction.action == "link_order")).one()
        assert (action.before, action.after) == ({"order_no": "PO-7"}, {"order_no": "PO-8"})
    # A later correction re-scores against the clerk's order, not matching's first choice.
    with factory.begin() as session:
        correct_document(session, document_id, {"doc_no": "DN-9"}, clerk="wang")
    with factory() as session:
        assert _accepted_orders(session, document_id) == ["PO-8"]
    with factory.begin() as session, pytest.raises(ReviewError) as error:
        link_order(session, document_id, "PO-404", clerk="wang")
    assert error.value.code == ErrorCode.ORDER_NOT_FOUND


def test_a_rejected_order_is_not_chosen_again_and_a_clerk_may_link_back(factory) -> None:
    document_id = _store(factory, _receipt())
    with factory.begin() as session:
        reject_match(session, document_id, clerk="wang", comment="不是这张订单")
    with factory() as session:
        assert _accepted_orders(session, document_id) == []
        assert "NO_MATCH" in _open_codes(session, document_id)
    with factory.begin() as session:
        correct_document(session, document_id, {"doc_no": "DN-3"}, clerk="wang")
    with factory() as session:
        assert _accepted_orders(session, document_id) == []  # matching alone would pick PO-7 again
    with factory.begin() as session:
        link_order(session, document_id, "PO-7", clerk="wang")  # the clerk changes their mind
    with factory() as session:
        assert _accepted_orders(session, document_id) == ["PO-7"]
        assert _open_codes(session, document_id) == set()
    with factory.begin() as session:
        reject_match(session, document_id, clerk="wang")
    with factory.begin() as session, pytest.raises(ReviewError) as error:
        reject_match(session, document_id, clerk="wang")
    assert error.value.code == ErrorCode.INVALID_CORRECTION


def test_send_back_for_rescan_closes_its_open_flags(factory) -> None:
    document_id = _store(factory, _receipt(quantity=90))
    with factory() as session:
        flag_ids = sorted(session.scalars(select(Flag.id).where(Flag.document_id == document_id)))
        assert flag_ids and _open_codes(session, document_id) == {"QTY_MISMATCH"}
    with factory.begin() as session:
        send_back_for_rescan(session, document_id, clerk="li", note="右边被裁掉")
    with factory() as session:
        assert session.get(Document, document_id).status == DocumentStatus.REJECTED
        action = session.scalars(select(ClerkAction).where(ClerkAction.document_id == document_id)).one()
        assert (action.action, action.comment) == ("send_back", "右边被裁掉")
        assert action.after["dismissed_flags"] == flag_ids
        assert _open_codes(session, document_id) == set()
        assert {f.resolved_by for f in session.scalars(select(Flag).where(Flag.document_id == document_id))} == {"li"}


def test_a_corrected_customer_name_is_learnt_for_the_next_document(factory) -> None:
    first = _store(factory, _receipt(customer="ZT Packaging"), sha="d" * 64)
    with factory() as session:
        assert "CUSTOMER_MISMATCH" in _open_codes(session, first)
    with factory.begin() as session:
        correct_document(session, first, {"customer": "中泰包装有限公司"}, clerk="wang")
    with factory() as session:
        assert _open_codes(session, first) == set()
        alias = session.scalars(select(CustomerAlias)).one()
        assert (alias.alias, alias.canonical, alias.created_by) == ("ZT Packaging", "中泰包装有限公司", "wang")

    # The same reading on another receipt is filed under the book's name, and not flagged.
    paper_boxes = [LineItem(product="纸箱", unit="个", quantity=90, unit_price=2.5, amount=225.0)]
    second = _store(
        factory, _receipt(customer="ZT PACKAGING", doc_no="DN-2", order_no="PO-8", items=paper_boxes, total=225.0), sha="e" * 64
    )
    with factory() as session:
        document = session.get(Document, second)
        assert document.customer == "中泰包装有限公司" and document.fields["customer"] == "中泰包装有限公司"
        assert _open_codes(session, second) == set()
        assert document.status == DocumentStatus.MATCHED

    # Teaching the opposite later replaces the pair instead of making the names point at each other.
    with factory.begin() as session:
        correct_document(session, second, {"customer": "ZT Packaging"}, clerk="li")
    with factory() as session:
        aliases = session.scalars(select(CustomerAlias)).all()
        assert [(a.alias, a.canonical) for a in aliases] == [("中泰包装有限公司", "ZT Packaging")]


def test_correct_and_resolve_commands_audit_and_reindex(tmp_path, monkeypatch) -> None:
    """`docintel docs correct` and `docintel flags resolve`: the archive and the search index follow."""
    from typer.testing import CliRunner

    from docintel.archive.cli import archive_app
    from docintel.search import SearchQuery, search
    from docintel.settings import get_settings
    from docintel.store.db import init_db

    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        engine = init_db(f"sqlite:///{tmp_path / 'home' / 'docintel.db'}")
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            order = Order(order_no="PO-7", customer="中泰包装有限公司", order_date=dt.date(2024, 3, 1))
            order.lines = [OrderLine(line_no=1, product="纸箱", unit="个", quantity=100, unit_price=2.5)]
            session.add(order)
        items = [LineItem(product="纸箱", unit="个", quantity=90, unit_price=2.5, amount=225.0)]
        document_id = _store(sessions, _receipt(items=items, total=225.0, customer="中秦包装"))
        runner = CliRunner()

        fixed = runner.invoke(
            archive_app(), ["docs", "correct", str(document_id), "--set", "customer=中泰包装有限公司", "--clerk", "wang", "--json"]
        )
        assert fixed.exit_code == 0, fixed.output
        shown = json.loads(fixed.stdout)
        assert shown["fields"]["customer"] == "中泰包装有限公司"
        assert [f["code"] for f in shown["flags"]] == ["QTY_MISMATCH"]
        found = search(SearchQuery(customer="中泰包装"), sessions)
        assert [hit.id for hit in found.hits] == [document_id]

        resolved = runner.invoke(archive_app(), ["flags", "resolve", str(shown["flags"][0]["id"]), "--note", "少送十个，已补"])
        assert resolved.exit_code == 0, resolved.output
        assert "approved" in resolved.stdout
        with sessions() as session:
            actions = session.scalars(select(ClerkAction.action).order_by(ClerkAction.id)).all()
            assert actions == ["edit_field", "resolve_flag"]

        refused = runner.invoke(archive_app(), ["docs", "correct", str(document_id), "--set", "date=yesterday", "--json"])
        assert refused.exit_code == 1
        assert json.loads(refused.stdout)["error"]["code"] == "INVALID_CORRECTION"
        engine.dispose()
    finally:
        get_settings.cache_clear()


def test_a_quantity_misread_that_the_printed_amount_disproves_is_put_right_not_flagged(factory) -> None:
    # 100 × 2.5 = 250 printed, the 100 read as 10: the slip itself says 100, so no QTY_MISMATCH.
    misread = _receipt()
    misread.items[0].quantity = 10
    document_id = _store(factory, misread)
    with factory() as session:
        document = session.get(Document, document_id)
        assert _open_codes(session, document_id) == set()
        assert document.status == DocumentStatus.MATCHED
        assert document.fields["items"][0]["quantity"] == 100
        assert document.fields["readings"] == {"items.0.quantity": "10"}


def test_an_order_number_read_with_look_alikes_is_stored_as_the_books(factory) -> None:
    document_id = _store(factory, _receipt(order_no="P0-7"))
    with factory() as session:
        document = session.get(Document, document_id)
        assert (document.order_no, document.fields["readings"]) == ("PO-7", {"order_no": "P0-7"})
        assert _open_codes(session, document_id) == set()
