"""Initial schema: documents, pages, orders, order lines, matches, match lines, flags, clerk actions.

Revision ID: 0001_initial
Revises:
Create Date: 2026-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")
NUMBER = sa.Numeric(18, 4, asdecimal=False)


def _timestamps(with_updated: bool = True) -> list[sa.Column]:
    columns = [sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)]
    if with_updated:
        columns.append(sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False))
    return columns


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original_filename", sa.String(1024), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("mime_type", sa.String(64), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("doc_type", sa.String(32), nullable=True),
        sa.Column("doc_no", sa.String(128), nullable=True),
        sa.Column("order_no", sa.String(128), nullable=True),
        sa.Column("customer", sa.String(512), nullable=True),
        sa.Column("customer_norm", sa.String(512), nullable=True),
        sa.Column("vendor", sa.String(512), nullable=True),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("total", NUMBER, nullable=True),
        sa.Column("signature_present", sa.Boolean(), nullable=True),
        sa.Column("seal_present", sa.Boolean(), nullable=True),
        sa.Column("fields", JSON_TYPE, nullable=True),
        sa.Column("confidences", JSON_TYPE, nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("sha256", name="uq_documents_sha256"),
    )
    for column in ("status", "doc_type", "doc_no", "order_no", "customer_norm", "doc_date"):
        op.create_index(f"ix_documents_{column}", "documents", [column])

    op.create_table(
        "document_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("dpi", sa.Float(), nullable=True),
        sa.Column("rotation", sa.Integer(), nullable=True),
        sa.Column("image_path", sa.String(1024), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("ocr_confidence", sa.Float(), nullable=True),
        sa.Column("from_text_layer", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_pages"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_pages_document_id_documents", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("document_id", "page_no", name="uq_document_pages_document_id_page_no"),
    )
    op.create_index("ix_document_pages_document_id", "document_pages", ["document_id"])

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(128), nullable=False),
        sa.Column("customer", sa.String(512), nullable=False),
        sa.Column("customer_norm", sa.String(512), nullable=True),
        sa.Column("customer_names", JSON_TYPE, nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("source_file", sa.String(1024), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("order_no", name="uq_orders_order_no"),
    )
    op.create_index("ix_orders_customer_norm", "orders", ["customer_norm"])
    op.create_index("ix_orders_order_date", "orders", ["order_date"])

    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("line_date", sa.Date(), nullable=True),
        sa.Column("product", sa.String(512), nullable=False),
        sa.Column("spec", sa.String(512), nullable=True),
        sa.Column("unit", sa.String(32), nullable=True),
        sa.Column("quantity", NUMBER, nullable=False),
        sa.Column("unit_price", NUMBER, nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_order_lines"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_lines_order_id_orders", ondelete="CASCADE"),
        sa.UniqueConstraint("order_id", "line_no", name="uq_order_lines_order_id_line_no"),
    )
    op.create_index("ix_order_lines_order_id", "order_lines", ["order_id"])

    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("details", JSON_TYPE, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_matches"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name="fk_matches_document_id_documents", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_matches_order_id_orders", ondelete="CASCADE"),
        sa.UniqueConstraint("document_id", "order_id", name="uq_matches_document_id_order_id"),
    )
    op.create_index("ix_matches_document_id", "matches", ["document_id"])
    op.create_index("ix_matches_order_id_status", "matches", ["order_id", "status"])

    op.create_table(
        "match_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("product_score", sa.Float(), nullable=True),
        sa.Column("document_product", sa.String(512), nullable=True),
        sa.Column("order_product", sa.String(512), nullable=True),
        sa.Column("document_quantity", NUMBER, nullable=True),
        sa.Column("order_quantity", NUMBER, nullable=True),
        sa.Column("document_unit_price", NUMBER, nullable=True),
        sa.Column("order_unit_price", NUMBER, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_match_lines"),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], name="fk_match_lines_match_id_matches", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name="fk_match_lines_order_line_id_order_lines", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_match_lines_match_id", "match_lines", ["match_id"])
    op.create_index("ix_match_lines_order_line_id", "match_lines", ["order_line_id"])

    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("product", sa.String(512), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", JSON_TYPE, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(128), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_flags"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name="fk_flags_document_id_documents", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], name="fk_flags_match_id_matches", ondelete="SET NULL"),
    )
    op.create_index("ix_flags_document_id", "flags", ["document_id"])
    op.create_index("ix_flags_match_id", "flags", ["match_id"])
    op.create_index("ix_flags_status_code", "flags", ["status", "code"])

    op.create_table(
        "clerk_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("flag_id", sa.Integer(), nullable=True),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("clerk", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("before", JSON_TYPE, nullable=True),
        sa.Column("after", JSON_TYPE, nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        *_timestamps(with_updated=False),
        sa.PrimaryKeyConstraint("id", name="pk_clerk_actions"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_clerk_actions_document_id_documents", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["flag_id"], ["flags.id"], name="fk_clerk_actions_flag_id_flags", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], name="fk_clerk_actions_match_id_matches", ondelete="SET NULL"),
    )
    op.create_index("ix_clerk_actions_flag_id", "clerk_actions", ["flag_id"])
    op.create_index("ix_clerk_actions_match_id", "clerk_actions", ["match_id"])
    op.create_index("ix_clerk_actions_document_id_created_at", "clerk_actions", ["document_id", "created_at"])


def downgrade() -> None:
    for table in ("clerk_actions", "flags", "match_lines", "matches", "order_lines", "orders", "document_pages", "documents"):
        op.drop_table(table)
