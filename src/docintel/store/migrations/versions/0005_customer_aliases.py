"""Customer aliases learnt from clerks' corrections of customer names.

Revision ID: 0005_customer_aliases
Revises: 0004_web_users
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_customer_aliases"
down_revision = "0004_web_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(512), nullable=False),
        sa.Column("alias_norm", sa.String(512), nullable=False),
        sa.Column("canonical", sa.String(512), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_aliases"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_customer_aliases_document_id_documents", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("alias_norm", name="uq_customer_aliases_alias_norm"),
    )


def downgrade() -> None:
    op.drop_table("customer_aliases")
