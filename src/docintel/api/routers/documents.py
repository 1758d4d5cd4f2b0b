"""/api/v1/documents: upload scans, read their status and results, the original and its pages."""

from __future__ import annotations

import asyncio
import shutil
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Path as PathParam, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session

from docintel.api.deps import AnyKey, DbSession, ServiceState, State, readable_document, state
from docintel.api.errors import responses
from docintel.api.keys import KeyInfo
from docintel.api.pages import page_png
from docintel.api.schemas import (
    DocumentLinks,
    DocumentOut,
    UploadedDocument,
    UploadResponse,
    api_status,
    document_url,
)
from docintel.api.upload import UPLOAD_REQUEST_BODY, ReceivedFile, receive_files, temporary_folder
from docintel.archive.persist import MIME_TYPES
from docintel.archive.queries import describe_document
from docintel.errors import DocintelError, ErrorCode
from docintel.ingest import sniff_kind
from docintel.queue import Upload, original_path
from docintel.store.models import Document

router = APIRouter(prefix="/documents", tags=["documents"])

DocumentId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="the document's id")]
# While ?wait=true waits, the database is asked again this often (the queue runner also wakes it).
_WAIT_POLL_SECONDS = 1.0


def document_out(session: Session, document: Document) -> DocumentOut:
    details = describe_document(session, document)
    url = document_url(document.id)
    return DocumentOut(
        **{k: v for k, v in details.items() if k not in ("status", "pages", "archive_path")},
        status=api_status(document.status),
        review_status=str(document.status),
        pages=[
            {**page, "image_url": f"{url}/pages/{page['page_no']}.png", "thumbnail_url": f"{url}/pages/{page['page_no']}.png?size=thumb"}
            for page in details.get("pages", [])
        ],
        processing_ms=document.processing_ms,
        links=DocumentLinks(self=url, original=f"{url}/original"),
    )


def _check_types(files: list[ReceivedFile]) -> list[str]:
    """The sniffed MIME type of each file; the whole request is refused if one is not a scan."""
    types = []
    for file in files:
        if file.size == 0:
            raise DocintelError(ErrorCode.EMPTY_FILE, f"{file.filename} is empty (0 bytes)")
        kind = sniff_kind(file.head)
        if kind is None:
            raise DocintelError(
                ErrorCode.UNSUPPORTED_TYPE,
                f"{file.filename} is not a scan or PDF (JPEG, PNG, TIFF, BMP, WebP, PDF; the type is read from the content)",
            )
        types.append(MIME_TYPES[kind])
    return types


def _enqueue_all(service: ServiceState, key: KeyInfo, files: list[ReceivedFile], types: list[str]) -> list[UploadedDocument]:
    assert service.intake is not None
    queued = service.intake.enqueue(
        [Upload(f.path, f.sha256, f.size, f.filename, mime_type, key.id) for f, mime_type in zip(files, types, strict=True)]
    )
    return [
        UploadedDocument(
            id=q.document_id, filename=file.filename, sha256=q.sha256, status=api_status(q.status),
            duplicate=q.duplicate, status_url=document_url(q.document_id),
        )
        for file, q in zip(files, queued, strict=True)
    ]


def _results(service: ServiceState, ids: list[int]) -> dict[int, DocumentOut]:
    with service.session_factory() as session:
        return {i: document_out(session, document) for i in ids if (document := session.get(Document, i)) is not None}


async def _wait_for(service: ServiceState, ids: list[int], timeout: float) -> dict[int, DocumentOut]:
    """The documents once all are done or failed, or as they are when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        events = {i: asyncio.Event() for i in ids}
        for i, event in events.items():
            service.waiters.setdefault(i, []).append(event)
        try:
            results = await run_in_threadpool(_results, service, ids)
            pending = [e for i, e in events.items() if results.get(i) and results[i].status in ("queued", "processing")]
            left = deadline - time.monotonic()
            if not pending or left <= 0:
                return results
            tasks = [asyncio.create_task(e.wait()) for e in pending]
            await asyncio.wait(tasks, timeout=min(left, _WAIT_POLL_SECONDS))
            for task in tasks:
                task.cancel()
        finally:
            for i, event in events.items():
                waiting = service.waiters.get(i, [])
                if event in waiting:
                    waiting.remove(event)
                if not waiting:
                    service.waiters.pop(i, None)


@router.post(
    "",
    status_code=202,
    response_model=UploadResponse,
    summary="Upload scans",
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
    responses={200: {"model": UploadResponse, "description": "?wait=true and every document processed"}}
    | responses(400, 401, 403, 413, 415, 422),
)
async def upload_documents(
    request: Request,
    key: AnyKey,
    wait: Annotated[bool, Query(description="wait (up to DOCINTEL_API_WAIT_SECONDS) and return the results inline")] = False,
) -> JSONResponse:
    """Store each scan and queue it for reading: 202 with each document's id and status URL. The
    same bytes again give the stored document with `duplicate: true` (a failed one is read again)."""
    service = state(request)
    folder = temporary_folder(service.home, "uploads")
    try:
        files = await receive_files(
            request.headers.get("content-type"), request.headers.get("content-length"), request.stream(), folder,
            service.settings.max_file_bytes, service.settings.max_files_per_request,
        )
        types = _check_types(files)
        uploaded = await run_in_threadpool(_enqueue_all, service, key, files, types)
    finally:
        await run_in_threadpool(shutil.rmtree, folder, True)
    if service.dispatcher is not None:
        service.dispatcher.wake()
    status_code = 202
    if wait:
        results = await _wait_for(service, [u.id for u in uploaded], service.settings.api_wait_seconds)
        for item in uploaded:
            if (result := results.get(item.id)) is not None:
                item.result, item.status = result, result.status
        if all(item.status in ("done", "failed") for item in uploaded):
            status_code = 200
    body = UploadResponse(documents=uploaded)
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code)


@router.get("/{document_id}", response_model=DocumentOut, responses=responses(401, 403, 404, 422))
def get_document(document_id: DocumentId, key: AnyKey, session: DbSession) -> DocumentOut:
    """Status (queued, processing, done, failed), fields with confidences, the matched order with
    its line alignment, and the open flags."""
    return document_out(session, readable_document(session, key, document_id))


@router.get(
    "/{document_id}/original",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file as uploaded"}}
    | responses(401, 403, 404, 422),
)
def get_original(document_id: DocumentId, key: AnyKey, session: DbSession, service: State) -> FileResponse:
    """The archived original, byte for byte, with the content type read from its bytes."""
    document = readable_document(session, key, document_id)
    path = original_path(service.home, document.sha256, document.original_filename)
    if not path.is_file():
        raise DocintelError(ErrorCode.ORIGINAL_MISSING, f"the original of document {document_id} is not in the archive")
    return FileResponse(
        path, media_type=document.mime_type or "application/octet-stream", filename=document.original_filename,
        content_disposition_type="inline",
    )


@router.get(
    "/{document_id}/pages/{page_no}.png",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}, "description": "the page as PNG"}} | responses(401, 403, 404, 422),
)
def get_page(
    document_id: DocumentId,
    page_no: Annotated[int, PathParam(ge=1, le=100_000, description="1-based page number")],
    key: AnyKey,
    session: DbSession,
    service: State,
    size: Annotated[Literal["full", "thumb"], Query(description="thumb: at most 320 px on the long side")] = "full",
) -> FileResponse:
    """Page `page_no` of the original, rendered (EXIF-turned, PDFs rasterised) and cached."""
    document = readable_document(session, key, document_id)
    path = page_png(service.home, document, page_no, size == "thumb", service.settings)
    return FileResponse(path, media_type="image/png")
