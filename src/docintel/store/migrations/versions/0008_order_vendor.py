"""orders.vendor: the firm's company that took the order, from the order book's optional vendor column.

The vendor names of the book are what a misread vendor on a scan is snapped to
(docintel.extract.lexicon). Orders imported before have none until the book is imported again.

Revision ID: 0008_order_vendor
Revises: 0007_order_keys_g6
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_order_vendor"
down_revision = "0007_order_keys_g6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both backends (no batch copy): a nullable column without a default.
    op.add_column("orders", sa.Column("vendor", sa.String(512), nullable=True))


def downgrade() -> None:
    # Not batch mode: on SQLite it would copy and DROP the orders table, and with foreign keys on
    # that DROP cascades into order_lines. SQLite 3.35+ drops a column in place.
    op.drop_column("orders", "vendor")
