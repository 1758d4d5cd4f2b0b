"""The review queue and the dashboard."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from docintel.flags.codes import FlagCode
from docintel.web.context import Db, User, page_router, redirect, render
from docintel.web.dashboard import dashboard_stats, day_chart
from docintel.web.queue import QueueFilter, queue_page

router = page_router()


@router.get("/")
def home() -> Response:
    return redirect("/queue")


@router.get("/queue")
def queue(request: Request, session: Db, user: User) -> Response:
    filters = QueueFilter.from_params(request.query_params)
    page = queue_page(session, filters)
    return render(
        request, "queue.html", user, queue=page, filters=page.filters, flag_codes=[str(c) for c in FlagCode],
        page_link=lambda n: "/queue?" + page.filters.query_string(page=n),
    )


@router.get("/dashboard")
def dashboard(request: Request, session: Db, user: User) -> Response:
    stats = dashboard_stats(session)
    return render(request, "dashboard.html", user, stats=stats, chart=day_chart(stats.days))
