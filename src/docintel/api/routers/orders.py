"""/api/v1/orders: an ERP pushes order lines (JSON, JSON lines, or a CSV/XLSX file) and reads orders back.

Every way in goes through the one order-book import (docintel.orders.import_orders): JSON lines
are written as a CSV with the import's own column names, so the same row checks and the same
upsert by order number apply to a file, a JSON body and `docintel orders import`.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Path as PathParam, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docintel.api.deps import AdminKey, ClerkKey, DbSession, ServiceState, state
from docintel.api.errors import responses
from docintel.api.schemas import OrderDocumentOut, OrderLineIn, OrderLinesIn, OrderLineOut, OrderOut, api_status
from docintel.api.upload import receive_files, temporary_folder
from docintel.errors import DocintelError, ErrorCode
from docintel.orders import ImportReport, import_orders
from docintel.store.models import Document, Match, MatchStatus, Order

router = APIRouter(prefix="/orders", tags=["orders"])

CSV_COLUMNS = tuple(OrderLineIn.model_fields)
_ZIP_MAGIC = b"PK\x03\x04"
_ORDERS_REQUEST_BODY = {
    "required": True,
    "content": {
        # Inlined: OrderLineIn has no nested models, so its schema needs no $defs to resolve.
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["lines"],
                "properties": {"lines": {"type": "array", "minItems": 1, "items": OrderLineIn.model_json_schema()}},
            }
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "description": "one order line (the fields of OrderLineIn) as JSON per line"}
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "description": "order book: CSV or XLSX"}},
            }
        },
    },
}


def _lines_from_json(media_type: str, body: bytes) -> list[OrderLineIn]:
    try:
        if media_type == "application/x-ndjson":
            rows = [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
            return OrderLinesIn(lines=rows).lines
        return OrderLinesIn.model_validate_json(body).lines
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DocintelError(ErrorCode.INVALID_REQUEST, f"the body is not valid JSON: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5])
        raise DocintelError(ErrorCode.INVALID_REQUEST, f"invalid order lines: {problems}") from None


def _write_csv(lines: list[OrderLineIn], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            values = line.model_dump()
            writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])


def _import(service: ServiceState, path: Path, shown_as: str) -> ImportReport:
    with service.session_factory() as session:
        report = import_orders(path, session)
    return report.model_copy(update={"file": shown_as})


@router.post(
    "",
    response_model=ImportReport,
    openapi_extra={"requestBody": _ORDERS_REQUEST_BODY},
    responses=responses(400, 401, 403, 413, 415, 422),
)
async def post_orders(request: Request, key: AdminKey) -> ImportReport:
    """Upsert orders by order number: each order sent replaces the stored one and its lines; others
    stay. Bad rows are listed in `errors` (with their row number) while the good rows load."""
    service = state(request)
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    folder = temporary_folder(service.home, "orders")
    # Named after the key (a safe name by its pattern): orders.source_file then says who sent them.
    stem = f"api-{key.name}"
    try:
        if media_type == "multipart/form-data":
            files = await receive_files(
                request.headers.get("content-type"), request.headers.get("content-length"), request.stream(), folder,
                service.settings.max_file_bytes, 1,
            )
            received = files[0]
            path = folder / (stem + (".xlsx" if received.head.startswith(_ZIP_MAGIC) else ".csv"))
            received.path.rename(path)
            shown_as = received.filename
        elif media_type in ("application/json", "application/x-ndjson"):
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > service.settings.max_file_bytes:
                    raise DocintelError(ErrorCode.FILE_TOO_LARGE, "the order lines are over the upload limit")
            path = folder / f"{stem}.csv"
            _write_csv(_lines_from_json(media_type, bytes(body)), path)
            shown_as = "(JSON order lines)"
        else:
            raise DocintelError(
                ErrorCode.UNSUPPORTED_TYPE,
                "send order lines as application/json ({\"lines\": [...]}), application/x-ndjson, "
                "or a CSV/XLSX file as multipart/form-data in the field 'file'",
            )
        return await run_in_threadpool(_import, service, path, shown_as)
    finally:
        await run_in_threadpool(shutil.rmtree, folder, True)


@router.get("/{order_no}", response_model=OrderOut, responses=responses(401, 403, 404, 422))
def get_order(
    order_no: Annotated[str, PathParam(min_length=1, max_length=128)], key: ClerkKey, session: DbSession
) -> OrderOut:
    """An order of the book with its lines, and the documents matched to it."""
    order = _find_order(session, order_no)
    matched = session.execute(
        select(Match, Document)
        .join(Document, Document.id == Match.document_id)
        .where(Match.order_id == order.id, Match.status == MatchStatus.ACCEPTED)
        .order_by(Document.id)
    ).all()
    return OrderOut(
        id=order.id, order_no=order.order_no, customer=order.customer, customer_names=list(order.customer_names or []),
        vendor=order.vendor, order_date=order.order_date.isoformat(), source_file=order.source_file,
        lines=[
            OrderLineOut(
                line_no=line.line_no, line_date=line.line_date.isoformat() if line.line_date else None,
                product=line.product, spec=line.spec, unit=line.unit, quantity=line.quantity, unit_price=line.unit_price,
            )
            for line in order.lines
        ],
        documents=[
            OrderDocumentOut(
                document_id=document.id, status=api_status(document.status), review_status=str(document.status),
                score=match.score, method=match.method,
            )
            for match, document in matched
        ],
    )


def _find_order(session: Session, order_no: str) -> Order:
    # NUL cannot be stored in PostgreSQL text, so no order has it: answer 404 without asking.
    order = None if "\x00" in order_no else session.scalar(
        select(Order).where(Order.order_no == order_no).options(selectinload(Order.lines))
    )
    if order is None:
        raise DocintelError(ErrorCode.ORDER_NOT_FOUND, f"no order {order_no!r} in the order book")
    return order
