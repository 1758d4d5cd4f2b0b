"""The docintel database: documents and their pages, the order book, matches, flags, clerk actions.

Every schema change needs a new revision in store/migrations/versions; tests/test_store.py fails
when these models and the migrated schema drift apart.

Quantities and money are NUMERIC in the database (exact on PostgreSQL) but floats in Python:
extraction produces floats and matching compares with a tolerance, and SQLite has no decimal
type (Decimal results there would come back through float anyway, with a warning each time).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from docintel.store.names import normalize_name

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")
Quantity = Numeric(18, 4, asdecimal=False)
Money = Numeric(18, 4, asdecimal=False)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _str_enum(enum_cls: type[StrEnum]) -> Enum:
    # Stored as VARCHAR with the enum's values, no native ENUM type and no CHECK constraint: adding
    # a status later is then a code change, not a migration that must rewrite a type.
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class DocumentStatus(StrEnum):
    RECEIVED = "received"  # stored, not yet read: the processing queue (docintel.queue)
    PROCESSING = "processing"  # claimed by a queue worker; put back to received at start-up if it died
    EXTRACTED = "extracted"  # fields read, not yet matched
    MATCHED = "matched"  # matched, no open flags
    NEEDS_REVIEW = "needs_review"  # open flags or low confidence: in the review queue
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"  # could not be read; error_code says why


class MatchStatus(StrEnum):
    CANDIDATE = "candidate"  # proposed by matching
    ACCEPTED = "accepted"  # the match in force (automatic or by a clerk)
    REJECTED = "rejected"  # a clerk said no
    STALE = "stale"  # the order was re-imported since; must be matched again


class FlagStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_utcnow, onupdate=_utcnow, server_default=func.now()
    )


class Document(TimestampMixin, Base):
    """One scanned file, identified by the SHA-256 of its bytes (the same scan is stored once)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_filename: Mapped[str] = mapped_column(String(1024))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[DocumentStatus] = mapped_column(_str_enum(DocumentStatus), default=DocumentStatus.RECEIVED, index=True)
    doc_type: Mapped[str | None] = mapped_column(String(32), index=True)
    # The headline fields, as columns so matching and search can filter on them.
    doc_no: Mapped[str | None] = mapped_column(String(128), index=True)
    order_no: Mapped[str | None] = mapped_column(String(128), index=True)
    customer: Mapped[str | None] = mapped_column(String(512))
    customer_norm: Mapped[str | None] = mapped_column(String(512), index=True)
    vendor: Mapped[str | None] = mapped_column(String(512))
    doc_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    total: Mapped[float | None] = mapped_column(Money)
    signature_present: Mapped[bool | None] = mapped_column(Boolean)
    seal_present: Mapped[bool | None] = mapped_column(Boolean)
    # Everything extraction returned (items, codes, …) in the `docintel extract --json` shape, plus
    # `sources`: per field, the page and box of the words it was read from.
    fields: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    confidences: Mapped[dict[str, float] | None] = mapped_column(JsonType)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    # The processing queue: when a worker took the document, and how long reading it took.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    processing_ms: Mapped[int | None] = mapped_column(Integer)

    page_records: Mapped[list[DocumentPage]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentPage.page_no"
    )
    matches: Mapped[list[Match]] = relationship(back_populates="document", cascade="all, delete-orphan")
    flags: Mapped[list[Flag]] = relationship(back_populates="document", cascade="all, delete-orphan")

    @validates("customer")
    def _keep_customer_norm(self, _key: str, value: str | None) -> str | None:
        self.customer_norm = normalize_name(value)
        return value


class DocumentPage(Base):
    __tablename__ = "document_pages"
    __table_args__ = (UniqueConstraint("document_id", "page_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    page_no: Mapped[int] = mapped_column(Integer)  # 1-based
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    dpi: Mapped[float | None] = mapped_column(Float)
    rotation: Mapped[int | None] = mapped_column(Integer)  # degrees turned before OCR
    image_path: Mapped[str | None] = mapped_column(String(1024))  # relative to DOCINTEL_HOME
    text: Mapped[str | None] = mapped_column(Text)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    from_text_layer: Mapped[bool] = mapped_column(Boolean, default=False)

    document: Mapped[Document] = relationship(back_populates="page_records")


# The key functions belong to docintel.match, whose SQL order book imports this module; they are
# imported at call time, when both packages are fully loaded, so neither import order cycles.
def order_number_key(order_no: str | None) -> str | None:
    from docintel.match.numbers import confusable_key

    return confusable_key(order_no)


def order_customer_key(customer: str | None) -> str | None:
    from docintel.match.customers import customer_key

    return customer_key(customer)


def order_keys(order_no: str | None, customer: str | None) -> dict[str, str | None]:
    """The lookup columns of an order, for writers that bypass the ORM (Core bulk inserts, migrations)."""
    return {"order_no_key": order_number_key(order_no), "customer_key": order_customer_key(customer)}


class Order(TimestampMixin, Base):
    """One order of the order book; re-importing its order number replaces its lines."""

    __tablename__ = "orders"
    # Customer lookups ask for one key within a date window: one range scan of this index.
    __table_args__ = (Index("ix_orders_customer_key_order_date", "customer_key", "order_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(128), unique=True)
    # confusable_key(order_no): exact and OCR-garbled numbers (5O-2024-0315 for SO-2024-0315) are
    # one index hit on it; exact matches are then told apart from look-alikes among the few rows.
    order_no_key: Mapped[str | None] = mapped_column(String(128), index=True)
    # The longest of the names the book uses for this customer (rows may mix 中泰包装 and the full name).
    customer: Mapped[str] = mapped_column(String(512))
    customer_norm: Mapped[str | None] = mapped_column(String(512), index=True)
    # customer_key(customer), the brand key matching looks customers up by (恒达 for 上海恒达五金…).
    customer_key: Mapped[str | None] = mapped_column(String(256))
    customer_names: Mapped[list[str]] = mapped_column(JsonType, default=list)  # every spelling in the book
    # The firm's own company that took the order and issues its documents (the optional vendor column).
    vendor: Mapped[str | None] = mapped_column(String(512))
    # The earliest line date: blanket orders billed by monthly statement have lines on several dates.
    order_date: Mapped[dt.date] = mapped_column(Date, index=True)
    source_file: Mapped[str | None] = mapped_column(String(1024))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.line_no"
    )

    @validates("customer")
    def _keep_customer_norm(self, _key: str, value: str) -> str:
        self.customer_norm = normalize_name(value)
        self.customer_key = order_customer_key(value)
        return value

    @validates("order_no")
    def _keep_order_no_key(self, _key: str, value: str) -> str:
        self.order_no_key = order_number_key(value)
        return value


class OrderLine(Base):
    __tablename__ = "order_lines"
    # Matching by the goods a slip lists (match.sql_book.by_products): one range scan per product.
    __table_args__ = (UniqueConstraint("order_id", "line_no"), Index("ix_order_lines_product_line_date", "product", "line_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)  # 1-based, in file order
    line_date: Mapped[dt.date | None] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(512))
    spec: Mapped[str | None] = mapped_column(String(512))
    unit: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[float] = mapped_column(Quantity)
    unit_price: Mapped[float | None] = mapped_column(Money)
    source_row: Mapped[int | None] = mapped_column(Integer)  # 1-based row in the imported file

    order: Mapped[Order] = relationship(back_populates="lines")


class Match(TimestampMixin, Base):
    """A document paired with an order, with how well they agree."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("document_id", "order_id"),
        Index("ix_matches_order_id_status", "order_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)  # 0..1
    method: Mapped[str] = mapped_column(String(32))  # e.g. order_no, customer_date, manual
    status: Mapped[MatchStatus] = mapped_column(_str_enum(MatchStatus), default=MatchStatus.CANDIDATE)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType)  # per-signal scores

    document: Mapped[Document] = relationship(back_populates="matches")
    order: Mapped[Order] = relationship()
    lines: Mapped[list[MatchLine]] = relationship(back_populates="match", cascade="all, delete-orphan")


class MatchLine(Base):
    """One step of the line alignment: a document item, an order line, or both.

    The compared values are copied here because order lines are replaced on re-import (the link
    then becomes NULL) and a clerk must still see what was compared.
    """

    __tablename__ = "match_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    item_index: Mapped[int | None] = mapped_column(Integer)  # 0-based in fields["items"]; None: missing on the document
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_lines.id", ondelete="SET NULL"), index=True
    )  # None: not on the order
    product_score: Mapped[float | None] = mapped_column(Float)
    document_product: Mapped[str | None] = mapped_column(String(512))
    order_product: Mapped[str | None] = mapped_column(String(512))
    document_quantity: Mapped[float | None] = mapped_column(Quantity)
    order_quantity: Mapped[float | None] = mapped_column(Quantity)
    document_unit_price: Mapped[float | None] = mapped_column(Money)
    order_unit_price: Mapped[float | None] = mapped_column(Money)

    match: Mapped[Match] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine | None] = relationship()


class Flag(TimestampMixin, Base):
    """Something a clerk must look at: NO_MATCH, QTY_MISMATCH, UNSIGNED, …"""

    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_status_code", "status", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    product: Mapped[str | None] = mapped_column(String(512))  # item-level flags name the product
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    status: Mapped[FlagStatus] = mapped_column(_str_enum(FlagStatus), default=FlagStatus.OPEN)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(128))

    document: Mapped[Document] = relationship(back_populates="flags")
    match: Mapped[Match | None] = relationship()


class ClerkAction(Base):
    """The audit trail: who did what to which document, flag or match, and the values before and after.

    Rows are never updated or deleted; the links go NULL when a flag or match is recomputed, and a
    document that has actions cannot be deleted.
    """

    __tablename__ = "clerk_actions"
    __table_args__ = (Index("ix_clerk_actions_document_id_created_at", "document_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id", ondelete="SET NULL"), index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"), index=True)
    clerk: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))  # approve, reject, resolve_flag, edit_field, rematch, …
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())


class ApiKeyRole(StrEnum):
    STATION = "station"  # uploads scans, reads the documents it uploaded
    CLERK = "clerk"  # reads everything, searches, resolves flags
    ADMIN = "admin"  # everything, plus the order book and the keys


class ApiKey(Base):
    """A key of the HTTP API, for one scanning station or system. Only its SHA-256 is stored.

    Keys are revoked, never deleted: uploads and audit rows keep pointing at them.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[ApiKeyRole] = mapped_column(_str_enum(ApiKeyRole))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DocumentUpload(Base):
    """Who uploaded a document over the API, under which file name (a station reads only its own).

    A table rather than a column on documents: two stations may upload the same bytes, and each
    must then be able to read the one stored document.
    """

    __tablename__ = "document_uploads"
    __table_args__ = (UniqueConstraint("document_id", "api_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str] = mapped_column(String(1024))  # as the client sent it; text only, never a path
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())


class UserRole(StrEnum):
    CLERK = "clerk"  # works the review queue, searches the archive
    ADMIN = "admin"  # everything, plus the accounts (docintel.web admin pages)


class User(Base):
    """A person who signs in to the clerk pages (docintel.web). Only an Argon2id hash of the password is kept.

    Users are disabled, never deleted: the audit trail names them (ClerkAction.clerk is the username).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[UserRole] = mapped_column(_str_enum(UserRole))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of
    the database does not hand out sessions. Logging out or disabling the user deletes the rows."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))  # sent back with every form and htmx request
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """Sign-in attempts, kept in the database so the wrong-password limit holds across server processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_created_at", "username", "created_at"),
        Index("ix_login_attempts_client_created_at", "client", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))  # the remote address
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())


class CustomerAlias(TimestampMixin, Base):
    """A customer name as printed or misread (恒迏五金, ZT Packaging) that a clerk corrected to the
    name the order book knows; matching reads the canonical name for it from then on."""

    __tablename__ = "customer_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(512))
    alias_norm: Mapped[str] = mapped_column(String(512), unique=True)  # normalize_name(alias)
    canonical: Mapped[str] = mapped_column(String(512))
    created_by: Mapped[str | None] = mapped_column(String(128))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))

    @validates("alias")
    def _keep_alias_norm(self, _key: str, value: str) -> str:
        self.alias_norm = normalize_name(value) or value
        return value
