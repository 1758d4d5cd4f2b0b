"""Sign in, sign out, and the language switch."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from docintel.errors import ErrorCode
from docintel.settings import get_settings
from docintel.web.auth import AuthError, authenticate, end_session, new_csrf_token, start_session
from docintel.web.context import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Db,
    User,
    page_router,
    redirect,
    render,
    safe_next,
    signed_in_user,
)
from docintel.web.i18n import LANG_COOKIE, LANGUAGES

router = page_router()
_YEAR = 365 * 24 * 3600


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request, next_url: str, status: int = 200, error: str | None = None, username: str = "", minutes: int = 0
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_csrf_token()
    response = render(
        request, "login.html", status=status, login_csrf=token, next_url=next_url, error=error, username=username, minutes=minutes
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=get_settings().cookie_secure, path="/login")
    return response


@router.get("/login")
def login_form(request: Request, session: Db, next: str | None = None) -> Response:
    if signed_in_user(request, session) is not None:
        return redirect(safe_next(next))
    return _login_page(request, safe_next(next))


@router.post("/login")
async def login(request: Request, session: Db) -> Response:
    form = await request.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    next_url = safe_next(str(form.get("next") or ""))
    try:
        user = authenticate(session, username, password, _client(request))
    except AuthError as error:
        session.commit()  # the failed attempt counts towards the limit
        if error.code == ErrorCode.LOGIN_RATE_LIMITED:
            minutes = max(1, ((error.retry_after or 60) + 59) // 60)
            response = _login_page(request, next_url, 429, error="login.rate_limited", username=username, minutes=minutes)
            response.headers["Retry-After"] = str(error.retry_after or 60)
            response.headers["X-Docintel-Error"] = str(error.code)
            return response
        response = _login_page(request, next_url, 401, error="login.failed", username=username)
        response.headers["X-Docintel-Error"] = str(error.code)
        return response
    token = start_session(session, user)
    session.commit()
    response = redirect(next_url)
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(settings.session_hours * 3600), httponly=True, samesite="lax",
        secure=settings.cookie_secure, path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: Db, _user: User) -> Response:
    end_session(session, request.cookies.get(SESSION_COOKIE))
    session.commit()
    response = redirect("/login", request)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{language}")
def switch_language(language: str, next: str | None = None) -> Response:
    """A preference only, so a GET link: it changes nothing that a forged request could abuse."""
    response = redirect(safe_next(next))
    if language in LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, max_age=_YEAR, samesite="lax", path="/")
    return response
