"""Customer aliases: what clerks taught the archive about names the order book spells otherwise.

A clerk who corrects 恒迏五金 (a misread) or ZT Packaging (an English abbreviation) to the book's
name teaches the archive once; the next document that reads the same way is matched, flagged and
filed under the book's name without a clerk.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.extract import ExtractedDocument
from docintel.store.models import CustomerAlias
from docintel.store.names import normalize_name

# A name found through an alias is as good as the clerk's word that taught it, less the chance
# that two firms share the misreading.
ALIAS_CONFIDENCE = 0.95


def learn_customer_alias(
    session: Session, read_as: str | None, canonical: str | None, clerk: str, document_id: int | None = None
) -> CustomerAlias | None:
    """Remember that `read_as` means `canonical`; None when there is nothing to learn."""
    alias_norm, canonical_norm = normalize_name(read_as), normalize_name(canonical)
    if not alias_norm or not canonical_norm or alias_norm == canonical_norm:
        return None
    alias = session.scalar(select(CustomerAlias).where(CustomerAlias.alias_norm == alias_norm))
    if alias is None:
        alias = CustomerAlias(alias=read_as, canonical=canonical, created_by=clerk, document_id=document_id)
        session.add(alias)
    else:  # the latest clerk's word wins: the earlier one may have been a slip
        alias.canonical, alias.created_by, alias.document_id = canonical, clerk, document_id
    # Correcting a name back to an alias of it would make the two point at each other.
    reverse = session.scalar(select(CustomerAlias).where(CustomerAlias.alias_norm == canonical_norm))
    if reverse is not None:
        session.delete(reverse)
    session.flush()
    return alias


def with_customer_alias(session: Session, extracted: ExtractedDocument) -> ExtractedDocument:
    """`extracted` with its customer replaced by the canonical name a clerk taught, if any."""
    alias_norm = normalize_name(extracted.customer)
    if alias_norm is None:
        return extracted
    canonical = session.scalar(select(CustomerAlias.canonical).where(CustomerAlias.alias_norm == alias_norm))
    if canonical is None or canonical == extracted.customer:
        return extracted
    confidence = dict(extracted.confidence)
    confidence["customer"] = max(confidence.get("customer", 0.0), ALIAS_CONFIDENCE)
    # The page rows were written from this extraction already; the copy must not replace them.
    return extracted.model_copy(update={"customer": canonical, "confidence": confidence, "page_records": []})
