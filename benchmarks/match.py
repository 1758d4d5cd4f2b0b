"""Matching throughput and accuracy on a million order lines, in memory and in the database.

Builds ~200k orders (~1M lines) for 5k customers (full names, abbreviations, look-alikes in other
cities) into a MemoryOrderBook, then matches 2,000 documents read with OCR-like noise: confusable
characters in order numbers, order numbers dropped or garbled, abbreviated/mangled customer names,
misread quantities. The same book is bulk-loaded into a database (default: a temporary SQLite
file) and the same documents run through SqlOrderBook. Prints load/build times, per-document
latency and accuracy of the chosen order for both books side by side.

    .venv/bin/python benchmarks/match.py [--lines 1000000] [--docs 2000] [--seed 1] [--sql URL | --no-sql]

A PostgreSQL --sql URL is loaded into a schema of its own (dropped at the end); a SQLite URL must
name a file without orders in it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

from docintel.extract.records import ExtractedDocument, LineItem
from docintel.match import (
    MemoryOrderBook,
    OrderBook,
    OrderLineView,
    OrderView,
    SqlOrderBook,
    match_to_orders,
)
from docintel.samples.content import PRODUCTS
from docintel.store.db import init_db, make_engine, make_session_factory
from docintel.store.models import Order, OrderLine, order_keys

# Rows per INSERT round trip: large enough to amortise it, small enough to keep memory flat.
INSERT_CHUNK = 20_000
# Average lines per generated order (3..7 products): turns --lines into a number of orders.
LINES_PER_ORDER = 5

CITIES = ["上海", "杭州", "苏州", "宁波", "广州", "深圳", "东莞", "佛山", "无锡", "南京", "温州", "义乌", "厦门", "成都", "武汉", "天津"]
BRAND_CHARS = "恒达鑫源华盛永固金鼎宏发德润瑞丰嘉诚中泰汇通明辉新亚远航顺昌东升利民百川兴隆福昌富康天成和信长江海龙安泰联合振华光明"
TRADES = [("五金贸易", "五金"), ("建材", "建材"), ("电气设备", "电气"), ("包装材料", "包装"), ("食品", "食品"),
          ("机电设备", "机电"), ("物业管理", "物业"), ("电子科技", "电子"), ("机械制造", "机械")]
SUFFIXES = ["有限公司", "有限责任公司", "商行", "经营部"]
CONFUSE = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"}


def make_customers(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(full name, book name); every brand+trade exists in two cities, the look-alike trap."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(out) < n:
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        trade, short = rng.choice(TRADES)
        for city in rng.sample(CITIES, 2):
            full = f"{city}{brand}{trade}{rng.choice(SUFFIXES)}"
            if full in seen:
                continue
            seen.add(full)
            # The book abbreviates with the city kept, so the two look-alikes stay distinguishable.
            book = rng.choice([full, f"{city}{brand}{short}"])
            out.append((full, book))
    return out[:n]


def order_number(rng: random.Random, d: dt.date, used: set[str]) -> str:
    while True:
        style = rng.randrange(4)
        if style == 0:
            no = f"PO-{d:%Y}-{d:%m%d}{rng.randint(1, 9999):04d}"
        elif style == 1:
            no = f"HT{d:%y%m%d}{rng.randint(1, 9999):04d}"
        elif style == 2:
            no = f"45{rng.randint(0, 99_999_999):08d}"
        else:
            no = f"CG-{d:%y%m}-{rng.randint(1, 99999):05d}"
        if no not in used:
            used.add(no)
            return no


def build_book(rng: random.Random, n_orders: int, customers: list[tuple[str, str]]) -> tuple[list[OrderView], list[str]]:
    used: set[str] = set()
    orders: list[OrderView] = []
    fulls: list[str] = []
    line_id = 0
    start = dt.date(2023, 1, 1)
    for _ in range(n_orders):
        full, book_name = rng.choice(customers)
        d = start + dt.timedelta(days=rng.randint(0, 700))
        lines = []
        for p in rng.sample(PRODUCTS, rng.randint(3, 7)):
            line_id += 1
            qty = float(rng.randint(int(p.qty[0]), int(p.qty[1])))
            lines.append(OrderLineView(line_id, p.zh, p.spec, p.unit, qty, round(rng.uniform(*p.price), 2), d))
        orders.append(OrderView(order_number(rng, d, used), book_name, (book_name,), d, tuple(lines)))
        fulls.append(full)
    return orders, fulls


def noisy_number(rng: random.Random, number: str) -> str | None:
    r = rng.random()
    if r < 0.25:
        return None  # not printed: customer + date + items must find it
    if r < 0.55:
        chars = list(number)
        idx = [i for i, c in enumerate(chars) if c in CONFUSE]
        for i in rng.sample(idx, min(len(idx), rng.randint(1, 2))):
            chars[i] = CONFUSE[chars[i]]
        return "".join(chars)
    if r < 0.6:
        chars = list(number)
        i = rng.randrange(len(chars))
        if chars[i].isdigit():
            chars[i] = str((int(chars[i]) + 3) % 10)  # a real misread: no longer an index hit
        return "".join(chars)
    return number


def noisy_customer(rng: random.Random, full: str) -> str:
    r = rng.random()
    if r < 0.2:
        return full.replace("有限", "有 限")  # a gap the OCR left
    if r < 0.3:
        return full[:-1]  # last character lost
    return full


def make_document(rng: random.Random, order: OrderView, full: str) -> ExtractedDocument:
    items = []
    for line in order.lines:
        if rng.random() < 0.05:
            continue  # short delivery: item missing
        qty = line.quantity
        if rng.random() < 0.05:
            qty = qty + 1  # misread quantity
        items.append(LineItem(product=line.product, spec=line.spec, unit=line.unit, quantity=qty, unit_price=line.unit_price))
    rng.shuffle(items)
    date = order.order_date + dt.timedelta(days=rng.randint(0, 12))
    return ExtractedDocument(
        file="bench.jpg",
        doc_type="signoff_receipt",
        doc_no=f"{rng.randint(0, 9_999_999):07d}",
        order_no=noisy_number(rng, order.order_no),
        customer=noisy_customer(rng, full),
        date=date.isoformat(),
        items=items,
        signature_present=True,
    )


@contextmanager
def database(url: str | None) -> Iterator[Engine]:
    """A migrated, empty database for the benchmark; temporary ones are removed afterwards."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="docintel-bench-") as folder:
            engine = init_db(f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    probe = make_engine(url)
    if probe.dialect.name != "postgresql":
        engine = init_db(probe)
        try:
            with engine.connect() as connection:
                if connection.scalar(select(func.count()).select_from(Order)):
                    raise SystemExit(f"{url} already holds orders; give an empty database file")
            yield engine
        finally:
            engine.dispose()
        return
    # PostgreSQL: a schema of our own, so a shared server and its data are left alone.
    schema = f"docintel_bench_{secrets.token_hex(4)}"
    with probe.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        init_db(engine)
        yield engine
    finally:
        engine.dispose()
        with probe.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        probe.dispose()


def _chunks(rows: list[dict], size: int = INSERT_CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_book(engine: Engine, orders: list[OrderView]) -> None:
    """Bulk insert through SQLAlchemy Core: no ORM objects, so the key columns are computed here."""
    now = dt.datetime.now(dt.UTC)
    order_rows = []
    line_rows = []
    for order_id, order in enumerate(orders, start=1):
        order_rows.append(
            {
                "id": order_id,
                "order_no": order.order_no,
                "customer": order.customer,
                "customer_names": list(order.customer_names),
                "order_date": order.order_date,
                "created_at": now,
                "updated_at": now,
                **order_keys(order.order_no, order.customer),
            }
        )
        for line_no, line in enumerate(order.lines, start=1):
            line_rows.append(
                {
                    "id": line.id,  # the generated ids, so both books report the same order_line_id
                    "order_id": order_id,
                    "line_no": line_no,
                    "line_date": line.line_date,
                    "product": line.product,
                    "spec": line.spec,
                    "unit": line.unit,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
            )
    with engine.begin() as connection:
        for chunk in _chunks(order_rows):
            connection.execute(insert(Order.__table__), chunk)
        for chunk in _chunks(line_rows):
            connection.execute(insert(OrderLine.__table__), chunk)
        if engine.dialect.name == "postgresql":
            # Explicit ids leave the sequences behind; later ORM inserts would collide with them.
            for table in ("orders", "order_lines"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    with engine.connect() as connection:
        # Fresh statistics, as a production database would have them after autovacuum/ANALYZE.
        connection.execute(text("ANALYZE"))
        connection.commit()


def run(book: OrderBook, docs: list[tuple[ExtractedDocument, str]], between=None) -> dict:
    """Match every document; `between` runs after each one, outside the timing."""
    latencies: list[float] = []
    correct = wrong = unmatched = ambiguous = 0
    by_method: dict[str, list[int]] = {}
    for doc, truth in docs:
        t0 = time.perf_counter()
        result = match_to_orders(doc, book)
        latencies.append((time.perf_counter() - t0) * 1000)
        if between is not None:
            between()
        ambiguous += result.ambiguous
        stats = by_method.setdefault(result.method or "none", [0, 0])
        stats[1] += 1
        if result.order_no is None:
            unmatched += 1
        elif result.order_no == truth:
            correct += 1
            stats[0] += 1
        else:
            wrong += 1
    latencies.sort()
    n = len(docs)
    return {
        "median ms / document": f"{statistics.median(latencies):.2f}",
        "p95 ms / document": f"{latencies[int(0.95 * (len(latencies) - 1))]:.2f}",
        "correct order": f"{correct / n:.1%}",
        "wrong order": f"{wrong / n:.1%}",
        "no match": f"{unmatched / n:.1%}",
        "flagged ambiguous": f"{ambiguous / n:.1%}",
        "by_method": by_method,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000, help="order lines in the book (about 5 per order)")
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--docs", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sql", metavar="URL", help="database for SqlOrderBook (default: a temporary SQLite file)")
    parser.add_argument("--no-sql", action="store_true", help="MemoryOrderBook only")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    customers = make_customers(rng, args.customers)
    orders, fulls = build_book(rng, max(1, args.lines // LINES_PER_ORDER), customers)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    book = MemoryOrderBook(orders)
    t_build = time.perf_counter() - t0
    n_lines = sum(len(o.lines) for o in orders)

    picks = [rng.randrange(len(orders)) for _ in range(args.docs)]
    docs = [(make_document(rng, orders[i], fulls[i]), orders[i].order_no) for i in picks]
    results = {"memory": run(book, docs)}
    loads: dict[str, str] = {"memory": f"{t_build:.1f}"}
    if not args.no_sql:
        with database(args.sql) as engine:
            t0 = time.perf_counter()
            load_book(engine, orders)
            loads[engine.dialect.name] = f"{time.perf_counter() - t0:.1f}"
            with make_session_factory(engine)() as session:
                # expunge_all: each document is its own unit of work, nothing cached from the last.
                results[engine.dialect.name] = run(SqlOrderBook(session), docs, between=session.expunge_all)

    names = list(results)
    print(f"{'orders':<28}{len(orders):>12,}")
    print(f"{'order lines':<28}{n_lines:>12,}")
    print(f"{'customers':<28}{len(customers):>12,}")
    print(f"{'generate (s)':<28}{t_gen:>12.1f}")
    print(f"{'documents':<28}{len(docs):>12,}")
    print(f"{'':<28}" + "".join(f"{name:>12}" for name in names))
    print(f"{'build / load book (s)':<28}" + "".join(f"{loads[name]:>12}" for name in names))
    for label in ("median ms / document", "p95 ms / document", "correct order", "wrong order", "no match", "flagged ambiguous"):
        print(f"{label:<28}" + "".join(f"{results[name][label]:>12}" for name in names))
    for name in names:
        print(f"{name}:")
        for method, (ok, n) in sorted(results[name]["by_method"].items()):
            print(f"  {method:<26}{n:>8,} docs {ok / n if n else 0:>8.1%} correct")


if __name__ == "__main__":
    main()
