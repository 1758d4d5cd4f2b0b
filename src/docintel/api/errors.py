"""Every error the API returns is JSON: {"error": {"code": <stable code>, "message": <text>}}.

That includes FastAPI's own validation errors and Starlette's 404/405, and any bug (500
INTERNAL_ERROR, logged with its traceback, never shown to the client).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from docintel.errors import DocintelError, ErrorCode

log = logging.getLogger(__name__)

# HTTP status per error code; codes not listed are the client's input problems (400).
HTTP_STATUS: dict[str, int] = {
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.DOCUMENT_NOT_FOUND: 404,
    ErrorCode.FLAG_NOT_FOUND: 404,
    ErrorCode.ORDER_NOT_FOUND: 404,
    ErrorCode.PAGE_NOT_FOUND: 404,
    ErrorCode.KEY_NOT_FOUND: 404,
    ErrorCode.ORIGINAL_MISSING: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.FLAG_ALREADY_CLOSED: 409,
    ErrorCode.KEY_NAME_TAKEN: 409,
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.TOO_MANY_FILES: 413,
    ErrorCode.UNSUPPORTED_TYPE: 415,
    ErrorCode.INVALID_REQUEST: 422,
    ErrorCode.INVALID_CORRECTION: 422,
    ErrorCode.MISSING_COLUMNS: 422,
    ErrorCode.CORRUPT_SPREADSHEET: 422,
    ErrorCode.CORRUPT_IMAGE: 422,
    ErrorCode.CORRUPT_PDF: 422,
    ErrorCode.ENCRYPTED_PDF: 422,
    ErrorCode.TOO_MANY_PIXELS: 422,
    ErrorCode.TOO_MANY_PAGES: 422,
    ErrorCode.INVALID_QUERY: 400,
    ErrorCode.QUERY_TOO_LONG: 400,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.INDEX_BUSY: 503,
    ErrorCode.INDEX_UNAVAILABLE: 503,
}
_STARLETTE_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 401: ErrorCode.UNAUTHORIZED, 403: ErrorCode.FORBIDDEN}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses an endpoint can answer."""
    return {status: {"model": ErrorResponse, "description": "a JSON error with a stable code"} for status in statuses}


def error_response(code: str, message: str, status: int | None = None, details: list | None = None) -> JSONResponse:
    body = ErrorBody(code=str(code), message=message, details=details)
    headers = {"WWW-Authenticate": 'Bearer realm="docintel"'} if code == ErrorCode.UNAUTHORIZED else None
    return JSONResponse(
        {"error": body.model_dump(exclude_none=True)}, status_code=status or HTTP_STATUS.get(code, 400), headers=headers
    )


async def _docintel_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocintelError)
    return error_response(exc.code, exc.message)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STARLETTE_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST if exc.status_code < 500 else ErrorCode.INTERNAL_ERROR)
    return error_response(code, str(exc.detail), exc.status_code)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only where and what: echoing the input back could mean echoing megabytes or undecodable bytes.
    details = [{"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))} for error in exc.errors()]
    summary = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details[:5])
    return error_response(ErrorCode.INVALID_REQUEST, f"invalid request: {summary}", 422, details)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(ErrorCode.INTERNAL_ERROR, "internal error; it has been logged", 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DocintelError, _docintel_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
