"""What every page handler shares: the database, who is signed in, CSRF, language, rendering.

Every router of the pages is built with `page_router()`, whose dependency checks the CSRF token
of any non-GET request before the handler runs: no form can forget it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from docintel.errors import ErrorCode
from docintel.web.auth import SignedIn, signed_in, tokens_equal
from docintel.web.i18n import LANG_COOKIE, Translator, negotiate
from docintel.web.queue import queue_size

SESSION_COOKIE = "docintel_session"
# Before sign-in there is no session to hold a CSRF token: the login form's token is this cookie's
# value (double submit), so another site cannot sign a clerk in to an account of its choosing.
LOGIN_CSRF_COOKIE = "docintel_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TEMPLATES_DIR = Path(__file__).with_name("templates")


@dataclass
class WebState:
    """app.state.docintel_web. The database and home come from the API's ServiceState when the pages
    are mounted on create_app's app, or are given to mount_web."""

    templates: Jinja2Templates
    session_factory: sessionmaker[Session] | None = None
    home: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.docintel_web
    if state.session_factory is None or state.home is None:
        service = getattr(request.app.state, "docintel", None)
        if service is None:
            raise RuntimeError("docintel.web needs a session factory: pass one to mount_web or mount it on create_app's app")
        state.session_factory = state.session_factory or service.session_factory
        state.home = state.home or Path(service.home)
    return state


def db(request: Request) -> Iterator[Session]:
    with web_state(request).session_factory() as session:
        yield session


Db = Annotated[Session, Depends(db)]


class LoginRequired(Exception):
    """Raised by a page that needs a signed-in user; answered with a redirect to /login."""

    def __init__(self, next_url: str):
        self.next_url = next_url


class PageRefused(Exception):
    """403/404 and other refusals, answered with the error page in the request's language."""

    def __init__(self, status: int, code: ErrorCode, message_key: str):
        self.status, self.code, self.message_key = status, code, message_key


def signed_in_user(request: Request, session: Session) -> SignedIn | None:
    if not hasattr(request.state, "signed_in"):
        request.state.signed_in = signed_in(session, request.cookies.get(SESSION_COOKIE))
    return request.state.signed_in


async def csrf_guard(request: Request, session: Db) -> None:
    if request.method in SAFE_METHODS:
        return
    who = signed_in_user(request, session)
    expected = who.csrf_token if who else request.cookies.get(LOGIN_CSRF_COOKIE)
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get(CSRF_FIELD)
    if not tokens_equal(expected, given if isinstance(given, str) else None):
        raise PageRefused(403, ErrorCode.CSRF_FAILED, "error.csrf")


def page_router() -> APIRouter:
    return APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)


def current_user(request: Request, session: Db) -> SignedIn:
    who = signed_in_user(request, session)
    if who is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/queue")
    return who


def admin_user(user: Annotated[SignedIn, Depends(current_user)]) -> SignedIn:
    if not user.is_admin:
        raise PageRefused(403, ErrorCode.FORBIDDEN, "error.admin_only")
    return user


User = Annotated[SignedIn, Depends(current_user)]
Admin = Annotated[SignedIn, Depends(admin_user)]


def translator(request: Request) -> Translator:
    return Translator(negotiate(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE)))


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(url: str | None, default: str = "/queue") -> str:
    """A local path to go back to; anything else (//evil, https://…) becomes the default."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url


def render(request: Request, template: str, user: SignedIn | None = None, status: int = 200, **context: Any) -> HTMLResponse:
    t = translator(request)
    values = {
        "t": t,
        "lang": t.language,
        "user": user,
        "csrf_token": user.csrf_token if user else context.pop("login_csrf", ""),
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    }
    values["htmx_headers"] = json.dumps({CSRF_HEADER: values["csrf_token"]})
    if user is not None and "queue_count" not in values:
        with web_state(request).session_factory() as session:
            values["queue_count"] = queue_size(session)
    response = web_state(request).templates.TemplateResponse(request, template, values, status_code=status)
    # The pages are never framed by another site (clickjacking a clerk's "accept" button).
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def redirect(url: str, request: Request | None = None) -> Response:
    """303 to `url`; htmx requests get HX-Redirect so the whole page changes, not a fragment."""
    if request is not None and is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def login_redirect(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


def local_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite: naive UTC
    return aware.astimezone().strftime("%Y-%m-%d %H:%M")


def number(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return str(value)
