"""The document page and a clerk's actions on it; each action is one archive.review call.

Actions answer htmx with the review panel re-rendered (the scan beside it keeps its zoom), and a
plain form post with a redirect back to the page. A refused action (ReviewError) is shown in the
panel with its code; nothing is half-applied, since the transaction is not committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from docintel.archive import review
from docintel.archive.queries import DocumentLookupError
from docintel.errors import DocintelError, ErrorCode
from docintel.queue import original_path
from docintel.settings import get_settings
from docintel.store.models import Document, DocumentPage, Flag, FlagStatus
from docintel.web.auth import SignedIn
from docintel.web.context import Db, PageRefused, User, is_htmx, page_router, redirect, render, web_state
from docintel.web.corrections import field_change, item_change
from docintel.web.document_view import DOC_TYPES, document_view
from docintel.web.order_lookup import find_orders
from docintel.web.queue import QueueFilter, neighbours, queue_size

log = logging.getLogger(__name__)
router = page_router()


def _view_context(request: Request, session: Session, document_id: int) -> dict[str, Any]:
    filters = QueueFilter.from_params(request.query_params)
    try:
        view = document_view(session, document_id, web_state(request).home)
    except DocumentLookupError:
        raise PageRefused(404, ErrorCode.DOCUMENT_NOT_FOUND, "error.document_not_found") from None
    previous, following = neighbours(session, filters, document_id)
    return {
        "doc": view, "filters": filters, "previous_id": previous, "next_id": following,
        "doc_types": DOC_TYPES, "queue_count": queue_size(session),
    }


@router.get("/documents/{document_id}")
def document_page(request: Request, session: Db, user: User, document_id: int) -> Response:
    return render(request, "document.html", user, **_view_context(request, session, document_id))


def _act(request: Request, session: Session, user: SignedIn, document_id: int, action: Callable[[], Any]) -> Response:
    """Run one review action, commit, re-index, and answer with the panel or a redirect."""
    error = None
    try:
        action()
        touched = review.touched_documents(session)
        session.commit()
        session.expire_all()  # the panel below is read back from the database, as committed
    except DocintelError as exc:
        session.rollback()
        error = exc
    else:
        try:
            review.reindex(web_state(request).session_factory, touched, web_state(request).home)
        except Exception:  # the change is committed; a stale index entry is rebuilt by the next re-index
            log.exception("re-indexing documents %s after a clerk action failed", sorted(touched))
    query = QueueFilter.from_params(request.query_params).query_string()
    if error is None and not is_htmx(request):
        return redirect(f"/documents/{document_id}" + (f"?{query}" if query else ""))
    context = _view_context(request, session, document_id)
    if error is not None:
        context["error"] = {"code": str(error.code), "message": error.message}
    template = "_review.html" if is_htmx(request) else "document.html"
    return render(request, template, user, status=200 if is_htmx(request) else 422, oob=True, **context)


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/documents/{document_id}/fields")
async def correct_field(request: Request, session: Db, user: User, document_id: int) -> Response:
    form = await _form(request)
    changes = field_change(form.get("name", ""), form.get("value", ""))
    comment = form.get("comment") or None
    return _act(request, session, user, document_id, lambda: review.correct_document(session, document_id, changes, user.username, comment))


@router.post("/documents/{document_id}/items/{index}")
async def correct_item(request: Request, session: Db, user: User, document_id: int, index: int) -> Response:
    form = await _form(request)

    def action() -> None:
        document = session.get(Document, document_id)
        if document is None:
            raise review.ReviewError(ErrorCode.DOCUMENT_NOT_FOUND, f"no document with id {document_id}")
        items = list((document.fields or {}).get("items") or [])
        review.correct_document(session, document_id, item_change(items, index, form), user.username, form.get("comment") or None)

    return _act(request, session, user, document_id, action)


@router.post("/documents/{document_id}/confirm")
async def confirm_field(request: Request, session: Db, user: User, document_id: int) -> Response:
    name = (await _form(request)).get("name", "")
    return _act(request, session, user, document_id, lambda: review.confirm_fields(session, document_id, [name], user.username))


@router.post("/documents/{document_id}/flags/{flag_id}")
async def resolve_flag(request: Request, session: Db, user: User, document_id: int, flag_id: int) -> Response:
    form = await _form(request)
    status = FlagStatus.DISMISSED if form.get("status") == "dismissed" else FlagStatus.RESOLVED
    note = form.get("note") or None

    def action() -> None:
        flag = session.get(Flag, flag_id)
        if flag is None or flag.document_id != document_id:  # a flag id from another document's page
            raise review.ReviewError(ErrorCode.FLAG_NOT_FOUND, f"document {document_id} has no flag {flag_id}")
        review.resolve_flag(session, flag_id, user.username, note, status)

    return _act(request, session, user, document_id, action)


@router.post("/documents/{document_id}/link")
async def link_order(request: Request, session: Db, user: User, document_id: int) -> Response:
    form = await _form(request)
    order_no, comment = form.get("order_no", ""), form.get("comment") or None
    return _act(request, session, user, document_id, lambda: review.link_order(session, document_id, order_no, user.username, comment))


@router.post("/documents/{document_id}/reject-match")
async def reject_match(request: Request, session: Db, user: User, document_id: int) -> Response:
    comment = (await _form(request)).get("comment") or None
    return _act(request, session, user, document_id, lambda: review.reject_match(session, document_id, user.username, comment))


@router.post("/documents/{document_id}/send-back")
async def send_back(request: Request, session: Db, user: User, document_id: int) -> Response:
    note = (await _form(request)).get("note") or None
    return _act(request, session, user, document_id, lambda: review.send_back_for_rescan(session, document_id, user.username, note))


@router.get("/orders/search")
def order_search(request: Request, session: Db, user: User, q: str = "", document: int = 0) -> Response:
    return render(request, "_order_results.html", user, orders=find_orders(session, q), document_id=document, q=q)


def _document_or_404(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise PageRefused(404, ErrorCode.DOCUMENT_NOT_FOUND, "error.document_not_found")
    return document


@router.get("/documents/{document_id}/pages/{page_no}")
def page_image(request: Request, session: Db, _user: User, document_id: int, page_no: int, thumb: bool = False) -> Response:
    """The page as read (the word boxes' frame), else the original rendered by the API's page cache."""
    from docintel.api.pages import page_png  # one renderer of originals for the API and the pages

    document = _document_or_404(session, document_id)
    home: Path = web_state(request).home
    row = next((p for p in document.page_records if p.page_no == page_no), None)
    if not thumb and isinstance(row, DocumentPage) and row.image_path and (home / row.image_path).is_file():
        return FileResponse(home / row.image_path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})
    try:
        png = page_png(home, document, page_no, thumb, get_settings())
    except DocintelError:
        raise PageRefused(404, ErrorCode.PAGE_NOT_FOUND, "error.page_not_found") from None
    return FileResponse(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/documents/{document_id}/original")
def original(request: Request, session: Db, _user: User, document_id: int) -> Response:
    document = _document_or_404(session, document_id)
    path = original_path(web_state(request).home, document.sha256, document.original_filename)
    if not path.is_file():
        raise PageRefused(404, ErrorCode.ORIGINAL_MISSING, "error.original_missing")
    return FileResponse(path, media_type=document.mime_type or "application/octet-stream", filename=Path(document.original_filename).name)
