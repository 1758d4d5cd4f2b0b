"""The FastAPI application of `docintel serve`: routers under /api/v1, the queue runner in its lifespan."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from docintel.api.deps import ServiceState, key_or_clerk_session
from docintel.api.errors import install_error_handlers
from docintel.api.routers import documents, flags, keys, orders, system
from docintel.api.schemas import API_PREFIX
from docintel.api.upload import remove_stale_folders
from docintel.queue import Dispatcher, GroupCommit, requeue
from docintel.settings import Settings, get_settings
from docintel.store.db import DATABASE_FILENAME, init_db, make_engine, make_session_factory

log = logging.getLogger(__name__)
SWAGGER_STATIC = "/api-docs-static"


def _search_router() -> APIRouter | None:
    try:
        from docintel.api.routers import search
    except ImportError:  # the search stage is not installed: no /search endpoint
        return None
    return search.router


def create_app(settings: Settings | None = None, workers: int | None = None) -> FastAPI:
    """The service. `workers`: reader processes of the embedded queue (None: DOCINTEL_WORKERS or
    one per core; 0: none, uploads wait in the queue for a service that has workers)."""
    settings = settings or get_settings()
    worker_count = workers if workers is not None else (settings.workers or os.cpu_count() or 1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        home = Path(settings.home)
        engine = init_db(make_engine(settings.database_url or f"sqlite:///{home / DATABASE_FILENAME}"))
        session_factory = make_session_factory(engine)
        service = ServiceState(
            settings=settings, home=home, session_factory=session_factory, intake=GroupCommit(session_factory, home),
            loop=asyncio.get_running_loop(),
        )
        # Whatever a killed service left half-done is waiting again, before anything is claimed.
        remove_stale_folders(home)
        left = requeue(session_factory)
        if left:
            log.info("%d document(s) left in processing by the last run are queued again", left)
        _ensure_index(session_factory, home)
        if worker_count > 0:
            service.dispatcher = Dispatcher(session_factory, home, worker_count, settings, on_done=service.document_done)
            service.dispatcher.start()
        app.state.docintel = service
        try:
            yield
        finally:
            if service.dispatcher is not None:
                await asyncio.to_thread(service.dispatcher.stop)
            engine.dispose()

    app = FastAPI(
        title="docintel",
        version="1",
        summary="Scanning-station API: upload scans, read fields, matches and flags; push orders.",
        lifespan=lifespan,
        # Served below behind a key or a clerk's session, with Swagger UI from the package (no CDN).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    _add_documentation(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (documents, flags, orders, keys):
        api.include_router(module.router)
    if (search := _search_router()) is not None:
        api.include_router(search)
    app.include_router(api)
    app.include_router(system.router)
    # The clerk pages under / (login, queue, documents, search, dashboard) share the service's database.
    from docintel.web import mount_web

    mount_web(app)
    return app


def _add_documentation(app: FastAPI) -> None:
    """/openapi.json and /docs, like every route but /healthz, need an API key or a signed-in clerk."""
    app.mount(SWAGGER_STATIC, StaticFiles(directory=Path(__file__).parent / "static" / "swagger"), name="swagger")

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(key_or_clerk_session)])
    def openapi_schema() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(key_or_clerk_session)])
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="docintel API",
            swagger_js_url=f"{SWAGGER_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_STATIC}/swagger-ui.css",
            swagger_favicon_url="data:,",  # no request for an icon from the internet
        )


def _ensure_index(session_factory, home: Path) -> None:
    try:
        from docintel.search import ensure_index
    except ImportError:
        return
    try:
        ensure_index(session_factory, home=home)
    except Exception:  # search is degraded, uploads and results are not: serve, and /healthz says so
        log.exception("the search index could not be prepared")
