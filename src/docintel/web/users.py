"""Accounts of the clerk pages: create, list, disable; Argon2id password hashes.

The functions take a Session and do not commit: `docintel user …` and the admin page commit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from docintel.errors import DocintelError, ErrorCode
from docintel.store.models import User, UserRole, WebSession

# argon2-cffi's defaults follow RFC 9106's second recommended profile (64 MiB, 3 passes).
_HASHER = PasswordHasher()
# Short passwords on a LAN machine are guessed offline from a copied database in minutes.
MIN_PASSWORD_LENGTH = 8
# Usernames appear in the audit trail and in URLs: letters, digits, . _ - (no spaces, no @ tricks).
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class AccountError(DocintelError):
    """An account operation that cannot be carried out (USER_EXISTS, WEAK_PASSWORD, …)."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str | None
    role: UserRole
    disabled: bool
    created_at: dt.datetime | None
    last_login_at: dt.datetime | None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _HASHER.check_needs_rehash(password_hash)


def _info(user: User) -> UserInfo:
    return UserInfo(
        user.id, user.username, user.display_name, UserRole(user.role), user.disabled_at is not None,
        user.created_at, user.last_login_at,
    )


def find_user(session: Session, username: str) -> User | None:
    # Case-insensitive: "Wang" and "wang" are one clerk, whatever the login form is typed with.
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def create_user(
    session: Session, username: str, password: str, role: UserRole = UserRole.CLERK, display_name: str | None = None
) -> UserInfo:
    username = username.strip()
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            ErrorCode.INVALID_USERNAME, f"{username!r} is not a username: 1–64 letters, digits, '.', '_' or '-'"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(ErrorCode.WEAK_PASSWORD, f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(session, username) is not None:
        raise AccountError(ErrorCode.USER_EXISTS, f"user {username!r} already exists")
    user = User(username=username, display_name=display_name or None, role=UserRole(role), password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return _info(user)


def list_users(session: Session) -> list[UserInfo]:
    return [_info(user) for user in session.scalars(select(User).order_by(User.username))]


def disable_user(session: Session, username: str) -> UserInfo:
    """The user can no longer sign in, and is signed out everywhere at once."""
    user = find_user(session, username)
    if user is None:
        raise AccountError(ErrorCode.USER_NOT_FOUND, f"no user {username!r}")
    if user.disabled_at is None:
        user.disabled_at = dt.datetime.now(dt.UTC)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return _info(user)
