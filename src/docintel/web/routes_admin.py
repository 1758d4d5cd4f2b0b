"""Admin pages: the accounts (the same operations as `docintel user create|list|disable`)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from docintel.store.models import UserRole
from docintel.web.context import Admin, Db, page_router, redirect, render
from docintel.web.users import AccountError, create_user, disable_user, list_users

router = page_router()


def _page(request: Request, session, user, status: int = 200, **context) -> Response:
    return render(request, "admin_users.html", user, status=status, users=list_users(session), roles=[str(r) for r in UserRole], **context)


@router.get("/admin/users")
def users_page(request: Request, session: Db, user: Admin) -> Response:
    return _page(request, session, user, created=request.query_params.get("created"))


@router.post("/admin/users")
async def add_user(request: Request, session: Db, user: Admin) -> Response:
    form = await request.form()
    try:
        created = create_user(
            session, str(form.get("username") or ""), str(form.get("password") or ""),
            UserRole(form.get("role")) if form.get("role") in set(UserRole) else UserRole.CLERK,
            str(form.get("display_name") or "") or None,
        )
    except AccountError as error:
        session.rollback()
        return _page(request, session, user, 422, error={"code": str(error.code), "message": error.message})
    session.commit()
    return redirect(f"/admin/users?created={created.username}")


@router.post("/admin/users/{username}/disable")
def disable(request: Request, session: Db, user: Admin, username: str) -> Response:
    try:
        disable_user(session, username)
    except AccountError as error:
        session.rollback()
        return _page(request, session, user, 404, error={"code": str(error.code), "message": error.message})
    session.commit()
    return redirect("/admin/users")
