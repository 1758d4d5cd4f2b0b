"""/api/v1/keys: admins create, list and revoke API keys (the same service as `docintel apikey`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path as PathParam

from docintel.api.deps import AdminKey, DbSession
from docintel.api.errors import responses
from docintel.api.keys import create_key, list_keys, revoke_key
from docintel.api.schemas import KeyOut, NewKeyIn, NewKeyOut
from docintel.errors import DocintelError, ErrorCode

router = APIRouter(prefix="/keys", tags=["keys"])


@router.get("", response_model=list[KeyOut], responses=responses(401, 403))
def get_keys(key: AdminKey, session: DbSession) -> list[KeyOut]:
    """Every key ever created (revoked ones too); never the keys themselves."""
    return [KeyOut(**info.as_dict()) for info in list_keys(session)]


@router.post("", status_code=201, response_model=NewKeyOut, responses=responses(401, 403, 409, 422))
def post_key(body: NewKeyIn, key: AdminKey, session: DbSession) -> NewKeyOut:
    """A new key: the answer is the only time it is shown."""
    with session.begin():
        info, token = create_key(session, body.name, body.role)
    return NewKeyOut(**info.as_dict(), key=token)


@router.post("/{key_id}/revoke", response_model=KeyOut, responses=responses(401, 403, 404, 409, 422))
def post_revoke(key_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], key: AdminKey, session: DbSession) -> KeyOut:
    """Revoke a key at once; its uploads stay. A key cannot revoke itself (no admin locks itself out)."""
    if key_id == key.id:
        raise DocintelError(ErrorCode.INVALID_REQUEST, "a key cannot revoke itself; use another admin key")
    with session.begin():
        info = revoke_key(session, key_id)
    return KeyOut(**info.as_dict())
