"""API keys: created once and shown once, stored as SHA-256 hashes, revoked rather than deleted.

A key is 32 random bytes (secrets.token_urlsafe): with that much entropy a single fast hash is
enough, since there is nothing to guess and no dictionary to try, so no slow password hash
(bcrypt, scrypt) is needed and every request can be checked with one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docintel.errors import DocintelError, ErrorCode
from docintel.queue.jobs import one_writer
from docintel.store.models import ApiKey, ApiKeyRole

KEY_PREFIX = "dik_"  # recognisable in logs and secret scanners
KEY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
# last_used_at is a hint for whoever cleans up keys, not an audit log: writing it on every request
# would make every read a write (and serialise readers on SQLite).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    role: ApiKeyRole
    created_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyInfo:
        return cls(key.id, key.name, ApiKeyRole(key.role), key.created_at, key.revoked_at, key.last_used_at)

    def as_dict(self) -> dict:
        stamp = lambda value: value.isoformat() if value else None  # noqa: E731
        return {
            "id": self.id, "name": self.name, "role": str(self.role), "created_at": stamp(self.created_at),
            "revoked_at": stamp(self.revoked_at), "last_used_at": stamp(self.last_used_at),
        }


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(session: Session, name: str, role: ApiKeyRole | str) -> tuple[KeyInfo, str]:
    """A new key for `name`; returns its record and the token, which is not stored and cannot be shown again."""
    if not re.match(KEY_NAME_PATTERN, name):
        raise DocintelError(ErrorCode.INVALID_REQUEST, f"key name {name!r}: 1-64 letters, digits, '.', '_' or '-'")
    try:
        role = ApiKeyRole(role)
    except ValueError:
        raise DocintelError(ErrorCode.INVALID_REQUEST, f"role {role!r}: one of {', '.join(r.value for r in ApiKeyRole)}") from None
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=role, key_hash=hash_key(token))
    try:
        with session.begin_nested():
            session.add(key)
    except IntegrityError:
        raise DocintelError(ErrorCode.KEY_NAME_TAKEN, f"a key named {name!r} exists; revoke it or choose another name") from None
    return KeyInfo.of(key), token


def authenticate(session: Session, token: str) -> KeyInfo | None:
    """The live key whose token this is, or None (unknown or revoked). Commits a last-used update."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(token)))
    if key is None or key.revoked_at is not None:
        return None
    now = dt.datetime.now(dt.UTC)
    last = key.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive datetimes
        last = last.replace(tzinfo=dt.UTC)
    if last is None or now - last > LAST_USED_RESOLUTION:
        with one_writer(session):
            session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
            session.commit()
        key.last_used_at = now
    return KeyInfo.of(key)


def list_keys(session: Session) -> list[KeyInfo]:
    return [KeyInfo.of(key) for key in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def find_key(session: Session, ref: str | int) -> ApiKey:
    """A key by id or by name."""
    key = None
    if isinstance(ref, int) or str(ref).isdigit():
        key = session.get(ApiKey, int(ref)) if int(ref) < 2**31 else None
    if key is None:
        key = session.scalar(select(ApiKey).where(ApiKey.name == str(ref)))
    if key is None:
        raise DocintelError(ErrorCode.KEY_NOT_FOUND, f"no API key {ref!r}")
    return key


def revoke_key(session: Session, ref: str | int) -> KeyInfo:
    """Revoke a key (by id or name); revoking a revoked key changes nothing. The caller commits."""
    key = find_key(session, ref)
    if key.revoked_at is None:
        key.revoked_at = dt.datetime.now(dt.UTC)
        session.flush()
    return KeyInfo.of(key)
