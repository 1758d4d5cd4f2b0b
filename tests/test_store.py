"""The storage layer on SQLite and PostgreSQL: migrations, the schema they build, and its constraints.

PostgreSQL tests use a schema of their own per test session (docintel_test_<random>, dropped at
the end), so parallel runs on one server do not collide. They are skipped, saying why, when the
server at DOCINTEL_TEST_POSTGRES_URL (default 127.0.0.1:5432, database `test`) is unreachable.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from docintel.settings import get_settings
from docintel.store.db import alembic_config, database_url, init_db, make_engine, make_session_factory
from docintel.store.models import (
    Base,
    ClerkAction,
    Document,
    DocumentPage,
    DocumentStatus,
    Flag,
    FlagStatus,
    Match,
    MatchLine,
    MatchStatus,
    Order,
    OrderLine,
    order_number_key,
)
from docintel.store.names import normalize_name

POSTGRES_URL = os.environ.get("DOCINTEL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLES = {"documents", "document_pages", "orders", "order_lines", "matches", "match_lines", "flags", "clerk_actions"}
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A fresh schema for this test session, migrated to head once; dropped at the end."""
    admin = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.connect():
            pass
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({exc.orig}); set DOCINTEL_TEST_POSTGRES_URL")
    schema = f"docintel_test_{secrets.token_hex(4)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def postgres_engine(schema: str) -> Engine:
    return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="session")
def migrated_postgres(postgres_schema: str) -> Iterator[Engine]:
    engine = init_db(postgres_engine(postgres_schema))
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(sorted(TABLES))} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a new SQLite file, or the session's PostgreSQL schema emptied."""
    if request.param == "sqlite":
        engine = init_db(f"sqlite:///{tmp_path / 'docintel.db'}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("migrated_postgres")
        _empty_tables(engine)
        yield engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session


def _head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# --- migrations -------------------------------------------------------------------------------


def test_migrations_build_every_table_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "docintel.db"
    engine = init_db(f"sqlite:///{path}")
    assert path.is_file()
    assert TABLES <= set(inspect(engine).get_table_names())
    assert _current_revision(engine) == _head_revision()
    engine.dispose()


def test_migrations_build_every_table_in_an_empty_postgres_schema(postgres_schema: str) -> None:
    schema = f"{postgres_schema}_fresh"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = postgres_engine(schema)
    try:
        init_db(engine)
        assert TABLES <= set(inspect(engine).get_table_names(schema=schema))
        assert _current_revision(engine) == _head_revision()
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_init_db_is_idempotent(engine: Engine, session: Session) -> None:
    session.add(Order(order_no="PO-1", customer="甲公司", order_date=dt.date(2024, 1, 1)))
    session.commit()
    init_db(engine)
    init_db(engine)
    assert _current_revision(engine) == _head_revision()
    assert session.scalar(select(Order.order_no)) == "PO-1"


def test_models_and_migrations_describe_the_same_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def _downgraded(tmp_path: Path, revision: str, *statements: str) -> Engine:
    """A fresh SQLite archive taken down to `revision`, with `statements` run on it there."""
    engine = init_db(f"sqlite:///{tmp_path / 'docintel.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        for statement in statements:
            connection.execute(text(statement))
    return engine


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    engine = _downgraded(tmp_path, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    init_db(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrading_recomputes_order_keys_stored_with_an_older_look_alike_table(tmp_path: Path) -> None:
    # An archive from before G/6 was a look-alike pair stored CG-2404-703 under the key CG2404703;
    # after the upgrade a lookup of the read C6-2404-703 must find it.
    engine = _downgraded(
        tmp_path, "0006_order_line_products",
        "INSERT INTO orders (order_no, customer, customer_names, order_date, order_no_key, customer_key, created_at, updated_at) "
        "VALUES ('CG-2404-703', '远航机电', '[]', '2024-04-01', 'CG2404703', NULL, '2024-04-01', '2024-04-01')",
    )
    init_db(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT order_no_key, customer_key FROM orders")).one() == ("C62404703", "远航")
    assert order_number_key("C6-2404-703") == "C62404703"
    engine.dispose()


# --- configuration ----------------------------------------------------------------------------


def test_default_database_is_a_sqlite_file_in_docintel_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert database_url() == f"sqlite:///{tmp_path / 'home' / 'docintel.db'}"
        engine = init_db()
        assert (tmp_path / "home" / "docintel.db").is_file()
        engine.dispose()
        monkeypatch.setenv("DOCINTEL_DATABASE_URL", "postgresql://u@db.example/x")
        get_settings.cache_clear()
        assert database_url() == "postgresql://u@db.example/x"
        # psycopg 3 is the driver shipped; a bare postgresql:// URL must not ask for psycopg2.
        assert make_engine(database_url()).url.drivername == "postgresql+psycopg"
    finally:
        get_settings.cache_clear()


def test_sqlite_connections_enforce_foreign_keys(tmp_path: Path) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'docintel.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


# --- the schema at work -----------------------------------------------------------------------


def _document(sha: str = "a" * 64, **fields) -> Document:
    return Document(sha256=sha, original_filename="0001_signoff_receipt.jpg", pages=1, **fields)


def test_document_round_trip_keeps_fields_confidences_and_pages(session: Session) -> None:
    fields = {"doc_no": "XS-2408-7115", "items": [{"product": "尼龙扎带", "spec": "4×200mm", "quantity": 180}]}
    document = _document(
        status=DocumentStatus.EXTRACTED,
        doc_type="signoff_receipt",
        doc_no="XS-2408-7115",
        order_no="PO-2024-0815",
        customer="杭州中泰包装材料有限公司",
        doc_date=dt.date(2024, 8, 19),
        total=1091.5,
        signature_present=True,
        fields=fields,
        confidences={"doc_no": 0.91, "customer": 0.88},
    )
    document.page_records = [DocumentPage(page_no=1, width=2480, height=3508, dpi=300.0, text="送货单")]
    session.add(document)
    session.commit()
    session.expunge_all()

    stored = session.scalar(select(Document).where(Document.sha256 == "a" * 64))
    assert stored.status is DocumentStatus.EXTRACTED
    assert stored.fields == fields
    assert stored.confidences == {"doc_no": 0.91, "customer": 0.88}
    assert stored.customer_norm == "杭州中泰包装材料"
    assert stored.total == pytest.approx(1091.5)
    assert [page.text for page in stored.page_records] == ["送货单"]
    assert stored.created_at is not None and stored.updated_at is not None


def test_the_same_scan_is_stored_once(session: Session) -> None:
    session.add(_document())
    session.commit()
    session.add(_document())
    with pytest.raises(IntegrityError):
        session.commit()


def test_order_numbers_are_unique(session: Session) -> None:
    session.add(Order(order_no="PO-1", customer="甲", order_date=dt.date(2024, 1, 1)))
    session.commit()
    session.add(Order(order_no="PO-1", customer="乙", order_date=dt.date(2024, 1, 2)))
    with pytest.raises(IntegrityError):
        session.commit()


def _matched_document(session: Session) -> tuple[Document, Order, Match]:
    order = Order(order_no="PO-7", customer="上海恒达五金贸易有限公司", order_date=dt.date(2024, 3, 1))
    order.lines = [
        OrderLine(line_no=1, product="自攻螺钉", spec="ST4.2×25", unit="盒", quantity=16, unit_price=21.62),
        OrderLine(line_no=2, product="配电箱", unit="台", quantity=2.887, unit_price=4718.59),
    ]
    document = _document(customer="上海恒达五金贸易有限公司")
    match = Match(document=document, order=order, score=0.93, method="order_no", status=MatchStatus.ACCEPTED)
    match.lines = [
        MatchLine(item_index=0, order_line=order.lines[0], product_score=1.0, document_quantity=15, order_quantity=16),
        MatchLine(item_index=None, order_line=order.lines[1], product_score=None),
    ]
    flag = Flag(document=document, match=match, code="QTY_MISMATCH", product="自攻螺钉", message="15 ≠ 16")
    session.add_all([order, document, match, flag])
    session.commit()
    return document, order, match


def test_a_match_links_document_order_lines_and_flags(session: Session) -> None:
    document, order, match = _matched_document(session)
    session.expunge_all()
    stored = session.get(Match, match.id)
    assert stored.order.order_no == "PO-7"
    assert [line.order_line.product for line in stored.lines] == ["自攻螺钉", "配电箱"]
    assert stored.lines[0].document_quantity == 15
    assert session.get(OrderLine, order.lines[1].id).quantity == pytest.approx(2.887)
    flag = session.scalar(select(Flag).where(Flag.document_id == document.id))
    assert (flag.code, flag.status, flag.product) == ("QTY_MISMATCH", FlagStatus.OPEN, "自攻螺钉")


def test_deleting_an_order_line_unlinks_match_lines_but_keeps_what_was_compared(session: Session) -> None:
    _, order, match = _matched_document(session)
    session.delete(order.lines[0])
    session.commit()
    session.expunge_all()
    first = session.scalar(select(MatchLine).where(MatchLine.match_id == match.id, MatchLine.item_index == 0))
    assert first.order_line_id is None
    assert first.order_quantity == 16


def test_deleting_a_document_removes_pages_matches_and_flags(session: Session) -> None:
    document, order, _match = _matched_document(session)
    session.add(DocumentPage(document=document, page_no=1))
    session.commit()
    session.delete(document)
    session.commit()
    for model in (DocumentPage, Match, MatchLine, Flag):
        assert session.scalars(select(model)).all() == []
    assert session.get(Order, order.id) is not None


def test_clerk_actions_keep_their_document(engine: Engine, session: Session) -> None:
    document, _order, match = _matched_document(session)
    flag_id = session.scalar(select(Flag.id))
    session.add(
        ClerkAction(
            document_id=document.id,
            flag_id=flag_id,
            match_id=match.id,
            clerk="王会计",
            action="resolve_flag",
            before={"status": "open"},
            after={"status": "resolved"},
            comment="司机少送一盒",
        )
    )
    session.commit()
    # Recomputing flags unlinks the audit row; it does not delete it.
    session.delete(session.get(Flag, flag_id))
    session.commit()
    action = session.scalar(select(ClerkAction))
    session.refresh(action)
    assert (action.flag_id, action.document_id, action.after) == (None, document.id, {"status": "resolved"})
    # A document with an audit trail cannot be deleted (bypassing ORM cascades, as raw SQL would).
    with engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(text("DELETE FROM documents WHERE id = :id"), {"id": document.id})


# --- customer names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Man Lee Engineering Ltd.", "manleeengineering"),
        ("MAN LEE ENGINEERING LIMITED", "manleeengineering"),
        ("Ｍａｎ Ｌｅｅ Engineering Co., Ltd.", "manleeengineering"),
        ("Costco", "costco"),
        ("上海恒达五金贸易有限公司", "上海恒达五金贸易"),
        ("上海恒达五金贸易有限责任公司", "上海恒达五金贸易"),
        ("香港永固五金企業有限公司", "香港永固五金企業"),
        ("有限公司", "有限公司"),
        ("  ", None),
        (None, None),
    ],
)
def test_normalize_name(written: str | None, key: str | None) -> None:
    assert normalize_name(written) == key


def test_order_customer_norm_follows_the_customer(session: Session) -> None:
    order = Order(order_no="PO-9", customer="Kam Wah Building Materials Ltd.", order_date=dt.date(2024, 2, 15))
    session.add(order)
    session.commit()
    order.customer = "金华建材有限公司"
    session.commit()
    found = session.scalar(select(Order).where(Order.customer_norm == normalize_name("金华建材")))
    assert found is not None and found.order_no == "PO-9"
