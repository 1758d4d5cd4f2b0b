"""The HTTP API and its processing queue: API keys, who uploaded what, claim time and processing time.

Documents with status 'received' are the queue; 'processing' (a new value of the VARCHAR status,
no schema change) marks the ones a worker has claimed. claimed_at and processing_ms are plain
nullable columns, added in place on both backends.

Revision ID: 0003_api_queue
Revises: 0002_order_keys
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_api_queue"
down_revision = "0002_order_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("documents", sa.Column("processing_ms", sa.Integer(), nullable=True))

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("name", name="uq_api_keys_name"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )

    op.create_table(
        "document_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_uploads"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_uploads_document_id_documents", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name="fk_document_uploads_api_key_id_api_keys", ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("document_id", "api_key_id", name="uq_document_uploads_document_id_api_key_id"),
    )
    op.create_index("ix_document_uploads_api_key_id", "document_uploads", ["api_key_id"])


def downgrade() -> None:
    op.drop_index("ix_document_uploads_api_key_id", table_name="document_uploads")
    op.drop_table("document_uploads")
    op.drop_table("api_keys")
    # In place, not batch mode (see 0002): SQLite 3.35+ drops an unindexed column without a table copy.
    op.drop_column("documents", "processing_ms")
    op.drop_column("documents", "claimed_at")
