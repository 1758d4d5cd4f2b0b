"""Order-number keys folded again: G is now one of the letters OCR takes for a digit (G/6).

Dot-matrix and worn print read the CG of CG-2404-703 as C6; match/vocab.toml's look-alike table
gained G = 6, so every stored orders.order_no_key is recomputed with it.

Revision ID: 0007_order_keys_g6
Revises: 0006_order_line_products
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0007_order_keys_g6"
down_revision = "0006_order_line_products"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from docintel.store.rekey import recompute_order_keys

    recompute_order_keys(op.get_bind())


def downgrade() -> None:
    # Keys are recomputed from the code that is installed; an older table is simply a coarser one.
    pass
