"""SqlOrderBook on its key columns: migration 0002 and its backfill, keys kept on write, indexed lookups.

Runs on SQLite and PostgreSQL through the fixtures of tests/test_store.py (PostgreSQL skipped, with
the reason, when the server is unreachable).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.orm import Session

from docintel.match import MemoryOrderBook, SqlOrderBook, confusable_key, customer_key
from docintel.store.db import alembic_config, init_db, make_engine
from docintel.store.models import Order, OrderLine
from tests.test_store import (  # noqa: F401  (fixtures)
    POSTGRES_URL,
    engine,
    migrated_postgres,
    postgres_engine,
    postgres_schema,
    session,
)

D = dt.date(2024, 3, 15)


def _migrate(engine: Engine, revision: str) -> None:  # noqa: F811 (fixture)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _orders_at_0001(engine: Engine) -> None:  # noqa: F811 (fixture)
    """Rows as an 0001 database holds them: written by SQL, without the key columns."""
    _migrate(engine, "0001_initial")
    with engine.begin() as connection:
        for i, (no, customer) in enumerate(
            [("SO-2024-0315", "上海恒达五金贸易有限公司"), ("HT24031201", "杭州中泰包装材料有限公司"), ("PO-7", "Man Lee Engineering Ltd.")],
            start=1,
        ):
            connection.execute(
                text(
                    "INSERT INTO orders (id, order_no, customer, customer_names, order_date, created_at, updated_at)"
                    " VALUES (:id, :no, :customer, :names, :day, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": i, "no": no, "customer": customer, "names": f'["{customer}"]', "day": D},
            )
            connection.execute(
                text("INSERT INTO order_lines (order_id, line_no, product, quantity) VALUES (:id, 1, '膨胀螺丝', 120)"),
                {"id": i},
            )


def _check_backfill(engine: Engine) -> None:  # noqa: F811 (fixture)
    columns = {c["name"] for c in inspect(engine).get_columns("orders")}
    assert {"order_no_key", "customer_key"} <= columns
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("orders")}
    assert indexes["ix_orders_order_no_key"] == ["order_no_key"]
    assert indexes["ix_orders_customer_key_order_date"] == ["customer_key", "order_date"]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT order_no, order_no_key, customer_key FROM orders ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("SO-2024-0315", "5020240315", "恒达"),
        ("HT24031201", "HT24031201", "中泰"),
        ("PO-7", "P07", "manlee"),
    ]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM order_lines")).scalar() == 3


def test_migration_0002_backfills_an_existing_sqlite_database(tmp_path: Path) -> None:
    db = make_engine(f"sqlite:///{tmp_path / 'docintel.db'}")
    _orders_at_0001(db)
    init_db(db)
    _check_backfill(db)
    # And back: the columns go, the orders and their lines stay.
    config = alembic_config()
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001_initial")
    assert not {"order_no_key", "customer_key"} & {c["name"] for c in inspect(db).get_columns("orders")}
    with db.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM order_lines")).scalar() == 3
    db.dispose()


def test_migration_0002_backfills_an_existing_postgres_database(postgres_schema: str) -> None:  # noqa: F811 (fixture)
    schema = f"{postgres_schema}_keys"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = postgres_engine(schema)
    try:
        _orders_at_0001(db)
        init_db(db)
        _check_backfill(db)
    finally:
        db.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _stored(keys_of: Session, order_no: str) -> tuple[str | None, str | None]:
    keys_of.expire_all()  # read what the database holds, not the objects in the session
    row = keys_of.execute(select(Order.order_no_key, Order.customer_key).where(Order.order_no == order_no)).one()
    return row.order_no_key, row.customer_key


def test_keys_are_filled_on_insert_and_follow_updates(session: Session) -> None:  # noqa: F811 (fixture)
    order = Order(order_no="SO-2024-0315", customer="上海恒达五金贸易有限公司", order_date=D)
    session.add(order)
    session.commit()
    assert _stored(session, "SO-2024-0315") == ("5020240315", "恒达")
    order.order_no = "HT-2408-0001"
    order.customer = "Kam Wah Building Materials Ltd."
    session.commit()
    assert _stored(session, "HT-2408-0001") == (confusable_key("HT-2408-0001"), customer_key("Kam Wah Building Materials"))
    assert _stored(session, "HT-2408-0001") == ("HT24080001", "kamwah")


def _book(session: Session) -> SqlOrderBook:  # noqa: F811 (fixture)
    rows = [
        ("SO-2024-0315", "上海恒达五金贸易有限公司", D),
        ("502024O315", "恒达五金", D - dt.timedelta(days=40)),  # a look-alike of the first number
        ("PO-2024-0316", "杭州恒达五金", D + dt.timedelta(days=2)),
        ("HT24031201", "杭州中泰包装材料有限公司", D - dt.timedelta(days=3)),
    ]
    for no, customer, day in rows:
        order = Order(order_no=no, customer=customer, customer_names=[customer], order_date=day)
        order.lines = [OrderLine(line_no=1, product="膨胀螺丝", spec="M10×80", unit="个", quantity=120, unit_price=1.06)]
        session.add(order)
    session.commit()
    return SqlOrderBook(session)


def _numbers(orders) -> list[str]:
    return [o.order_no for o in orders]


def test_number_lookups_go_through_the_key(session: Session) -> None:  # noqa: F811 (fixture)
    book = _book(session)
    # Exact up to case, width, spaces and punctuation, including prefixes the old range missed.
    assert _numbers(book.by_order_no("so 2024 0315")) == ["SO-2024-0315"]
    assert _numbers(book.by_order_no("ＳＯ２０２４０３１５")) == ["SO-2024-0315"]
    # The exact lookup does not return look-alikes that only share the confusable key.
    assert _numbers(book.by_order_no("502024O315")) == ["502024O315"]
    # A garbled first character (5 for S) still finds both spellings through order_no_key.
    assert _numbers(book.by_confusable_order_no("5O-2024-0315")) == ["502024O315", "SO-2024-0315"]
    assert _numbers(book.by_confusable_order_no("HT2403I2OI")) == ["HT24031201"]
    assert book.by_order_no("5O-2024-0315") == []
    assert book.by_confusable_order_no("XX-0000") == []
    assert book.by_order_no("---") == [] and book.by_confusable_order_no("") == []
    found = book.by_order_no("SO-2024-0315")[0]
    assert [ln.product for ln in found.lines] == ["膨胀螺丝"] and found.lines[0].quantity == 120.0


def test_customer_lookup_uses_the_key_and_the_date_window(session: Session) -> None:  # noqa: F811 (fixture)
    book = _book(session)
    window = (D - dt.timedelta(days=5), D + dt.timedelta(days=5))
    # 恒达 in Shanghai and Hangzhou share the key; telling them apart is the matcher's job.
    assert _numbers(book.by_customer("恒达", *window)) == ["PO-2024-0316", "SO-2024-0315"]
    # The window bounds are inclusive, and the order 40 days earlier stays out.
    assert _numbers(book.by_customer("恒达", D + dt.timedelta(days=2), D + dt.timedelta(days=2))) == ["PO-2024-0316"]
    assert _numbers(book.by_customer("恒达", D - dt.timedelta(days=40), D - dt.timedelta(days=40))) == ["502024O315"]
    assert _numbers(book.by_customer(customer_key("中泰包装"), *window)) == ["HT24031201"]
    # A key is matched whole, never as a substring of another (恒 alone is no key).
    assert book.by_customer("恒", *window) == [] and book.by_customer("", *window) == []


NUMBER_QUERY = "SELECT * FROM orders WHERE order_no_key = '5020240315'"
CUSTOMER_QUERY = "SELECT * FROM orders WHERE customer_key = '恒达' AND order_date BETWEEN '2024-03-10' AND '2024-03-20'"


def _plan(engine: Engine, query: str) -> str:  # noqa: F811 (fixture)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return " ".join(r[-1] for r in connection.execute(text(f"EXPLAIN QUERY PLAN {query}")))
        # A handful of rows would be read sequentially anyway; ask whether the index can serve it.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        return " ".join(r[0] for r in connection.execute(text(f"EXPLAIN {query}")))


def test_lookups_are_index_searches(engine: Engine, session: Session) -> None:  # noqa: F811 (fixture)
    _book(session)
    number_plan, customer_plan = _plan(engine, NUMBER_QUERY), _plan(engine, CUSTOMER_QUERY)
    assert "ix_orders_order_no_key" in number_plan, number_plan
    assert "ix_orders_customer_key_order_date" in customer_plan, customer_plan
    if engine.dialect.name == "sqlite":
        assert "SEARCH orders USING INDEX ix_orders_order_no_key (order_no_key=?)" in number_plan
        assert "(customer_key=? AND order_date>? AND order_date<?)" in customer_plan


def test_near_miss_numbers_are_found_through_the_key_index(session: Session) -> None:  # noqa: F811 (fixture)
    book = _book(session)
    # One substitution, one dropped and one inserted character away from HT24031201.
    assert _numbers(book.by_near_order_no("HT24031701")) == ["HT24031201"]
    assert _numbers(book.by_near_order_no("HT2403120")) == ["HT24031201"]
    assert _numbers(book.by_near_order_no("HT240312011")) == ["HT24031201"]
    # Both spellings sharing a confusable key come back once each, sorted.
    assert _numbers(book.by_near_order_no("SO-2024-0316")) == ["502024O315", "PO-2024-0316", "SO-2024-0315"]
    assert book.by_near_order_no("XX-9999-9999") == [] and book.by_near_order_no("") == []
    memory = MemoryOrderBook(book.by_order_no(n)[0] for n in ("SO-2024-0315", "502024O315", "PO-2024-0316", "HT24031201"))
    for probe in ("HT24031701", "SO-2024-0316", "PO-2024-03I6"):
        assert _numbers(book.by_near_order_no(probe)) == _numbers(memory.by_near_order_no(probe))
