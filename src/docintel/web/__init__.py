"""The clerk pages: review queue, document review, archive search, dashboard, accounts.

Server-rendered HTML (Jinja2) with htmx and two small files of CSS and JavaScript, all served from
the package (the clerks' machines have no internet). `mount_web(app)` adds them to a FastAPI app,
normally the one docintel.api's create_app builds, whose database and home the pages then use.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from docintel.web.context import (
    TEMPLATES_DIR,
    LoginRequired,
    PageRefused,
    WebState,
    local_time,
    login_redirect,
    number,
    redirect,
    render,
)

STATIC_DIR = Path(__file__).with_name("static")
STATIC_URL = "/assets"

__all__ = ["STATIC_URL", "mount_web"]


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["local_time"] = local_time
    templates.env.filters["number"] = number
    templates.env.filters["basename"] = lambda path: Path(path or "").name
    templates.env.globals["static"] = lambda name: f"{STATIC_URL}/{name}"
    return templates


async def _login_required(request: Request, exc: Exception) -> object:
    assert isinstance(exc, LoginRequired)
    return redirect(login_redirect(exc.next_url), request)


async def _refused(request: Request, exc: Exception) -> object:
    assert isinstance(exc, PageRefused)
    user = getattr(request.state, "signed_in", None)
    response = render(request, "error.html", user, status=exc.status, code=str(exc.code), message_key=exc.message_key)
    response.headers["X-Docintel-Error"] = str(exc.code)
    return response


def mount_web(app: FastAPI, session_factory: sessionmaker[Session] | None = None, home: Path | None = None) -> None:
    """Add the pages under `/` and their assets under /assets.

    Without `session_factory`/`home`, they come from app.state.docintel (create_app's ServiceState)
    at the first request.
    """
    from docintel.web import routes_admin, routes_auth, routes_document, routes_queue, routes_search

    app.state.docintel_web = WebState(templates=_templates(), session_factory=session_factory, home=home)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docintel-web-assets")
    for module in (routes_auth, routes_queue, routes_document, routes_search, routes_admin):
        app.include_router(module.router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageRefused, _refused)
