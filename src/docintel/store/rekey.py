"""Recompute the stored lookup keys of the order book (orders.order_no_key, orders.customer_key).

The keys are written by Python key functions (docintel.match); when those change — a new OCR
look-alike pair, a new company suffix — the stored keys must follow, or a lookup by the new key
misses an order stored under the old one. Migrations call this; it touches only the orders table.
"""

from __future__ import annotations

import sqlalchemy as sa

# Rows read and written per round trip: bounded memory on a large book, few statements on a small one.
BATCH = 5000


def recompute_order_keys(connection: sa.Connection) -> int:
    """Rewrite both keys of every order; returns how many orders were read."""
    from docintel.store.models import order_keys

    orders = sa.table(
        "orders",
        sa.column("id", sa.Integer),
        sa.column("order_no", sa.String),
        sa.column("customer", sa.String),
        sa.column("order_no_key", sa.String),
        sa.column("customer_key", sa.String),
    )
    update = (
        sa.update(orders)
        .where(orders.c.id == sa.bindparam("row_id"))
        .values(order_no_key=sa.bindparam("k_no"), customer_key=sa.bindparam("k_cust"))
    )
    last_id, seen = 0, 0
    while True:
        # Keyset pagination on the primary key: stable while the rows are being updated.
        rows = connection.execute(
            sa.select(orders.c.id, orders.c.order_no, orders.c.customer)
            .where(orders.c.id > last_id)
            .order_by(orders.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return seen
        params = []
        for row in rows:
            keys = order_keys(row.order_no, row.customer)
            params.append({"row_id": row.id, "k_no": keys["order_no_key"], "k_cust": keys["customer_key"]})
        connection.execute(update, params)
        last_id, seen = rows[-1].id, seen + len(rows)
