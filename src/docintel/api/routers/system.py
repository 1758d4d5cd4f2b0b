"""/healthz (no key) and /metrics (Prometheus text format)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from docintel.api.deps import AnyKey, state
from docintel.api.errors import responses
from docintel.api.monitoring import (
    METRICS_CONTENT_TYPE,
    check_database,
    check_index,
    check_queue,
    check_tesseract,
    metrics_text,
)
from docintel.api.schemas import Health

router = APIRouter(tags=["system"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health, "description": "a check failed"}})
async def healthz(request: Request) -> JSONResponse:
    """Database, search index, tesseract and the queue runner checked; 200 when all are fine, else 503. No key needed."""
    service = state(request)
    checks = {
        "database": await run_in_threadpool(check_database, service.session_factory),
        "tesseract": await run_in_threadpool(check_tesseract),
        "queue": check_queue(service.dispatcher),
    }
    if (index := await run_in_threadpool(check_index, service.home)) is not None:
        checks["index"] = index
    healthy = all(check.ok for check in checks.values())
    body = Health(status="ok" if healthy else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if healthy else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}} | responses(401, 403),
)
async def metrics(request: Request, key: AnyKey) -> Response:
    """Documents by status, queue depth and in-flight work, open flags by code, and the processing-time histogram."""
    service = state(request)
    body = await run_in_threadpool(metrics_text, service.session_factory, service.dispatcher)
    return Response(body, media_type=METRICS_CONTENT_TYPE)
