"""Order lookup keys: orders.order_no_key (confusable-folded number) and orders.customer_key.

Both are indexed so the SQL order book finds an order by one index lookup instead of prefix
ranges on order_no and LIKE '%…%' over customer_norm. Existing rows are backfilled here, with the
same Python key functions the model uses when it writes an order.

Revision ID: 0002_order_keys
Revises: 0001_initial
Create Date: 2026-02-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_order_keys"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both backends (no batch copy): nullable columns without defaults.
    op.add_column("orders", sa.Column("order_no_key", sa.String(128), nullable=True))
    op.add_column("orders", sa.Column("customer_key", sa.String(256), nullable=True))
    _backfill()
    # Indexes after the backfill: building them once is cheaper than updating them per row.
    op.create_index("ix_orders_order_no_key", "orders", ["order_no_key"])
    op.create_index("ix_orders_customer_key_order_date", "orders", ["customer_key", "order_date"])


def _backfill() -> None:
    # Imported here, not at module level: Alembic loads every revision file to build its history.
    from docintel.store.rekey import recompute_order_keys

    recompute_order_keys(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_orders_customer_key_order_date", table_name="orders")
    op.drop_index("ix_orders_order_no_key", table_name="orders")
    # Not batch mode: on SQLite it would copy and DROP the orders table, and with foreign keys on
    # that DROP cascades into order_lines. SQLite 3.35+ drops a column in place.
    op.drop_column("orders", "customer_key")
    op.drop_column("orders", "order_no_key")
