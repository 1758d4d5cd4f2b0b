"""What the routers depend on: the service's state, a database session, and the caller's API key.

Roles are ranked: a clerk may do what a station may (and read every document, not only its own),
an admin what a clerk may (and manage the order book and the keys).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from docintel.api.keys import KeyInfo, authenticate
from docintel.errors import DocintelError, ErrorCode
from docintel.queue import Dispatcher, GroupCommit
from docintel.settings import Settings
from docintel.store.models import ApiKeyRole, Document, DocumentUpload

ROLE_RANK = {ApiKeyRole.STATION: 0, ApiKeyRole.CLERK: 1, ApiKeyRole.ADMIN: 2}


@dataclass
class ServiceState:
    """Everything one running service holds; app.state.docintel."""

    settings: Settings
    home: Path
    session_factory: sessionmaker[Session]
    intake: GroupCommit | None = None
    dispatcher: Dispatcher | None = None
    # document id → events of requests waiting for it (?wait=true), set when it is processed
    waiters: dict[int, list[asyncio.Event]] = field(default_factory=dict)
    loop: asyncio.AbstractEventLoop | None = None

    def document_done(self, document_id: int) -> None:
        """Called by the queue runner's thread: wake the requests waiting for this document."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake_waiters, document_id)

    def _wake_waiters(self, document_id: int) -> None:
        for event in self.waiters.pop(document_id, []):
            event.set()


def state(request: Request) -> ServiceState:
    return request.app.state.docintel


def db_session(request: Request) -> Iterator[Session]:
    with state(request).session_factory() as session:
        yield session


_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key from `docintel apikey create`")
_bearer = HTTPBearer(auto_error=False, description="the same API key as a bearer token")


def current_key(
    request: Request,
    header_key: Annotated[str | None, Security(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> KeyInfo:
    token = header_key or (bearer.credentials if bearer else None)
    if not token:
        raise DocintelError(ErrorCode.UNAUTHORIZED, "an API key is required: send it in the X-API-Key header")
    with state(request).session_factory() as session:
        key = authenticate(session, token)
    if key is None:
        raise DocintelError(ErrorCode.UNAUTHORIZED, "the API key is unknown or revoked")
    return key


def key_or_clerk_session(
    request: Request,
    header_key: Annotated[str | None, Security(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """For the API's own documentation: any valid key, or a clerk signed in to the pages (a browser
    opening /docs cannot send a key header, but it sends the session cookie)."""
    if header_key or bearer:
        current_key(request, header_key, bearer)
        return
    from docintel.web.auth import signed_in
    from docintel.web.context import SESSION_COOKIE

    with state(request).session_factory() as session:
        if signed_in(session, request.cookies.get(SESSION_COOKIE)) is None:
            raise DocintelError(
                ErrorCode.UNAUTHORIZED, "the API schema and docs need an API key (X-API-Key) or a signed-in clerk session"
            )


def require(role: ApiKeyRole):
    """A dependency: the caller's key, refused with 403 unless its role ranks at least `role`."""

    def check(key: Annotated[KeyInfo, Depends(current_key)]) -> KeyInfo:
        if ROLE_RANK[key.role] < ROLE_RANK[role]:
            raise DocintelError(ErrorCode.FORBIDDEN, f"a {key.role} key may not do this; it needs the {role} role")
        return key

    return check


AnyKey = Annotated[KeyInfo, Depends(require(ApiKeyRole.STATION))]
ClerkKey = Annotated[KeyInfo, Depends(require(ApiKeyRole.CLERK))]
AdminKey = Annotated[KeyInfo, Depends(require(ApiKeyRole.ADMIN))]
DbSession = Annotated[Session, Depends(db_session)]
State = Annotated[ServiceState, Depends(state)]


def readable_document(session: Session, key: KeyInfo, document_id: int) -> Document:
    """The document, if this key may read it: stations read what they uploaded, clerks and admins all."""
    document = session.get(Document, document_id)
    if document is None:
        raise DocintelError(ErrorCode.DOCUMENT_NOT_FOUND, f"no document with id {document_id}")
    if key.role == ApiKeyRole.STATION:
        uploaded = session.scalar(
            select(DocumentUpload.id).where(DocumentUpload.document_id == document_id, DocumentUpload.api_key_id == key.id)
        )
        if uploaded is None:
            raise DocintelError(ErrorCode.FORBIDDEN, f"document {document_id} was not uploaded with this station's key")
    return document
