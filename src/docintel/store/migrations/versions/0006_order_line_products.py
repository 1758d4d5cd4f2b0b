"""Order lines indexed by product and date: matching looks orders up by the goods a slip lists
when neither its number nor its customer leads to the order.

Revision ID: 0006_order_line_products
Revises: 0005_customer_aliases
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0006_order_line_products"
down_revision = "0005_customer_aliases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_lines_product_line_date", "order_lines", ["product", "line_date"])


def downgrade() -> None:
    op.drop_index("ix_order_lines_product_line_date", table_name="order_lines")
