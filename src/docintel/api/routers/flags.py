"""/api/v1/flags: what clerks must look at, and closing a flag (resolved or dismissed)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path as PathParam, Query

from docintel.api.deps import ClerkKey, DbSession, State
from docintel.api.errors import responses
from docintel.api.schemas import FlagList, FlagOut, ResolvedFlag, ResolveRequest
from docintel.archive.queries import flag_dict, list_flags
from docintel.archive.review import reindex, resolve_flag, touched_documents
from docintel.store.models import FlagStatus

router = APIRouter(prefix="/flags", tags=["flags"])

FLAG_CODE_PATTERN = r"^[A-Za-z_]{1,32}$"


@router.get("", response_model=FlagList, responses=responses(401, 403, 422))
def get_flags(
    key: ClerkKey,
    session: DbSession,
    code: Annotated[str | None, Query(pattern=FLAG_CODE_PATTERN, description="only this code, e.g. QTY_MISMATCH")] = None,
    status: Annotated[Literal["open", "resolved", "dismissed", "all"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> FlagList:
    """Flags, oldest first (open ones by default), with their document's file name."""
    wanted = None if status == "all" else FlagStatus(status)
    flags = list_flags(session, code, wanted, limit=limit, offset=offset)
    return FlagList(flags=[FlagOut(**flag) for flag in flags], limit=limit, offset=offset)


@router.post("/{flag_id}/resolve", response_model=ResolvedFlag, responses=responses(401, 403, 404, 409, 422))
def post_resolve(
    flag_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    body: ResolveRequest,
    key: ClerkKey,
    session: DbSession,
    service: State,
) -> ResolvedFlag:
    """Close a flag: `resolved` (accepted as it is) or `dismissed` (the flag was wrong). The clerk
    is the key's name in the audit trail; the document leaves review once no flag stays open."""
    with session.begin():
        flag = resolve_flag(session, flag_id, key.name, body.note, FlagStatus(body.status))
        answer = ResolvedFlag(
            flag=FlagOut(**flag_dict(flag)),
            document_id=flag.document_id,
            document_status=str(flag.document.status),
        )
        touched = touched_documents(session)
    reindex(service.session_factory, touched, service.home)
    return answer
