"""Signing in and out: password check, the wrong-password limit, server-side sessions, CSRF tokens.

The session cookie carries a random token; the database keeps its SHA-256 with the user, the
expiry and the session's CSRF token. Logging out deletes the row, so a copied cookie dies with
it. Attempts are counted in the database, not in process memory, so the limit holds when
several server processes answer the same clerks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from docintel.errors import DocintelError, ErrorCode
from docintel.settings import get_settings
from docintel.store.models import LoginAttempt, User, UserRole, WebSession
from docintel.web.users import find_user, hash_password, needs_rehash, verify_password

# Checked against when the username does not exist, so an unknown name costs as long as a wrong
# password and response times do not tell which names exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
# One address may try several names (a shared terminal); this many names' worth of failures.
_CLIENT_FACTOR = 4


class AuthError(DocintelError):
    """LOGIN_FAILED or LOGIN_RATE_LIMITED; retry_after in seconds for the latter."""

    def __init__(self, code: ErrorCode, message: str, retry_after: int | None = None):
        super().__init__(code, message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a request: the user and the CSRF token of their session."""

    user_id: int
    username: str
    display_name: str | None
    role: UserRole
    csrf_token: str
    session_id: int

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_equal(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def _failures_since(session: Session, column, value: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
    last_success = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(column == value, LoginAttempt.succeeded.is_(True), LoginAttempt.created_at >= since)
    )
    start = max(since, _aware(last_success)) if last_success else since
    count, oldest = session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= start
        )
    ).one()
    return count, _aware(oldest) if oldest else None


def check_rate_limit(session: Session, username: str, client: str) -> None:
    """Refuse the attempt (LOGIN_RATE_LIMITED) after too many wrong passwords within the window.

    A success clears the count for that name. The refusal comes before the password is checked,
    so guessing on goes nowhere even with the right password until the window has passed.
    """
    settings = get_settings()
    window = dt.timedelta(seconds=settings.login_window_seconds)
    since = _now() - window
    checks = (
        (LoginAttempt.username, username.strip().lower(), settings.login_max_failures),
        (LoginAttempt.client, client, settings.login_max_failures * _CLIENT_FACTOR),
    )
    for column, value, limit in checks:
        count, oldest = _failures_since(session, column, value, since)
        if count >= limit:
            retry_after = max(1, int(((oldest or _now()) + window - _now()).total_seconds()) + 1)
            raise AuthError(
                ErrorCode.LOGIN_RATE_LIMITED,
                f"too many wrong passwords; try again in {(retry_after + 59) // 60} minute(s)",
                retry_after=retry_after,
            )


def authenticate(session: Session, username: str, password: str, client: str) -> User:
    """The user for these credentials, or AuthError. Every attempt is recorded (the caller commits)."""
    check_rate_limit(session, username, client)
    user = find_user(session, username) if username.strip() else None
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    ok = ok and user.disabled_at is None
    session.add(LoginAttempt(username=username.strip().lower()[:64], client=client[:64], succeeded=ok))
    if not ok:
        # Flushed now: the caller commits the failed attempt even though it reports an error.
        session.flush()
        raise AuthError(ErrorCode.LOGIN_FAILED, "wrong username or password")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = _now()
    return user


def start_session(session: Session, user: User) -> str:
    """A new session for `user`; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    hours = get_settings().session_hours
    session.add(
        WebSession(
            token_hash=token_hash(token), user_id=user.id, csrf_token=new_csrf_token(), expires_at=_now() + dt.timedelta(hours=hours)
        )
    )
    # Expired rows of anyone are dropped here, the one moment sessions are written anyway.
    session.execute(delete(WebSession).where(WebSession.expires_at < _now()))
    session.flush()
    return token


def signed_in(session: Session, token: str | None) -> SignedIn | None:
    """Who holds this cookie token, if the session is live and the user not disabled."""
    if not token:
        return None
    row = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    web_session, user = row
    if _aware(web_session.expires_at) < _now() or user.disabled_at is not None:
        return None
    return SignedIn(user.id, user.username, user.display_name, UserRole(user.role), web_session.csrf_token, web_session.id)


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))
