"""The parts of the clerk pages below the browser: catalogue, accounts, sign-in limits, queue, chart, CLI.

Real SQLite and PostgreSQL databases (the `engine` fixture of tests/test_store.py); the browser
scenarios are in tests/test_web_browser.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from docintel.errors import ErrorCode
from docintel.extract.records import DocType
from docintel.flags.codes import FlagCode
from docintel.match.records import MatchMethod
from docintel.search.engine import HIGHLIGHT_FIELDS
from docintel.settings import get_settings
from docintel.store.db import init_db, make_session_factory
from docintel.store.models import DocumentStatus, LoginAttempt, UserRole, WebSession
from docintel.web.auth import AuthError, authenticate, end_session, signed_in, start_session
from docintel.web.corrections import field_change, item_change
from docintel.web.dashboard import DAYS, REVIEW_ACTIONS, DayCount, dashboard_stats, day_chart
from docintel.web.document_view import HEADER_FIELDS, ITEM_COLUMNS, document_view
from docintel.web.i18n import Translator, catalogue, negotiate
from docintel.web.queue import QueueFilter, neighbours, queue_page
from docintel.web.users import AccountError, create_user, disable_user, find_user, list_users
from tests.test_store import engine, migrated_postgres, postgres_schema  # noqa: F401  (fixtures)
from tests.web_archive import DOCUMENTS, add_document, add_orders

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "docintel" / "web" / "templates"
SOURCES = TEMPLATES.parent


def _used_keys() -> set[str]:
    """Every catalogue key a template or page module names, with the families filled in from their vocabularies."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in [*TEMPLATES.glob("*.html"), *SOURCES.glob("routes_*.py")])
    literal = set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z_.]+)["']\s*[,)]""", text))
    literal |= set(re.findall(r'"((?:error|login)\.(?!html)[a-z_]+)"', text))
    families = {
        "flag": [str(c) for c in FlagCode], "doctype": list(get_args(DocType)), "status": [str(s) for s in DocumentStatus],
        "role": [str(r) for r in UserRole], "field": list(HEADER_FIELDS), "item": list(ITEM_COLUMNS),
        "method": list(get_args(MatchMethod)), "action": [*REVIEW_ACTIONS, "confirm_field"],
        "dash": ["ingested", "flagged"], "search": [f"in_{f}" for f in HIGHLIGHT_FIELDS] + ["facet_customer", "facet_doc_type"],
    }
    return literal | {f"{family}.{value}" for family, values in families.items() for value in values}


def test_every_string_a_page_uses_is_in_the_catalogue_in_both_languages() -> None:
    keys = catalogue()
    missing = sorted(k for k in _used_keys() if k not in keys)
    assert missing == []
    untranslated = sorted(k for k, v in keys.items() if not v["zh-CN"].strip() or not v["en"].strip())
    assert untranslated == []
    assert Translator("zh-CN")("queue.total", n=3) == "共 3 张待核对"
    assert Translator("en")("queue.total", n=3) == "3 to review"
    assert Translator("fr")("nav.queue") == "待核对"  # unknown languages get the default


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", None, "zh-CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", None, "en"),
        ("de-DE,en;q=0.5,zh-TW;q=0.7", None, "zh-CN"),
        ("fr-FR", None, "zh-CN"),
        (None, None, "zh-CN"),
        ("zh-CN", "en", "en"),  # the switch wins over the browser
        ("en;q=0", None, "zh-CN"),
    ],
)
def test_the_language_follows_the_switch_then_accept_language(header, cookie, expected) -> None:
    assert negotiate(header, cookie) == expected


@pytest.fixture
def factory(engine: Engine):  # noqa: F811
    return make_session_factory(engine)


def test_accounts_hash_passwords_refuse_bad_input_and_disable(factory) -> None:
    with factory.begin() as session:
        created = create_user(session, "Wang.Fang", "correct horse", UserRole.CLERK, "王芳")
        assert created.role == UserRole.CLERK and not created.disabled
        stored = find_user(session, "wang.fang")  # names are case-insensitive
        assert stored is not None and stored.password_hash.startswith("$argon2id$") and "correct horse" not in stored.password_hash
    cases = [("wang.fang", "another pass", ErrorCode.USER_EXISTS), ("王芳", "long enough", ErrorCode.INVALID_USERNAME),
             ("a b", "long enough", ErrorCode.INVALID_USERNAME), ("li", "short", ErrorCode.WEAK_PASSWORD)]
    for username, password, code in cases:
        with factory() as session, pytest.raises(AccountError) as error:
            create_user(session, username, password)
        assert error.value.code == code, username
    with factory.begin() as session:
        user = authenticate(session, "WANG.FANG", "correct horse", "10.0.0.1")
        token = start_session(session, user)
    with factory() as session:
        who = signed_in(session, token)
        assert who is not None and who.username == "Wang.Fang" and not who.is_admin and len(who.csrf_token) >= 32
        assert signed_in(session, token + "x") is None and signed_in(session, None) is None
    with factory.begin() as session:
        disable_user(session, "wang.fang")
    with factory() as session:
        assert signed_in(session, token) is None  # signed out everywhere at once
        assert session.query(WebSession).count() == 0
        assert [u.disabled for u in list_users(session)] == [True]
    with factory.begin() as session, pytest.raises(AuthError) as error:
        authenticate(session, "wang.fang", "correct horse", "10.0.0.1")
    assert error.value.code == ErrorCode.LOGIN_FAILED
    with factory() as session, pytest.raises(AccountError) as error:
        disable_user(session, "nobody")
    assert error.value.code == ErrorCode.USER_NOT_FOUND


def test_sessions_expire_and_logout_ends_them(factory) -> None:
    with factory.begin() as session:
        create_user(session, "li", "li-password")
        user = authenticate(session, "li", "li-password", "10.0.0.2")
        expired, live = start_session(session, user), start_session(session, user)
        session.execute(update(WebSession).where(WebSession.id == signed_in(session, expired).session_id)
                        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    with factory.begin() as session:
        assert signed_in(session, expired) is None and signed_in(session, live) is not None
        end_session(session, live)
    with factory() as session:
        assert signed_in(session, live) is None


def _fail(factory, username: str, client: str) -> ErrorCode:
    with factory() as session:
        try:
            authenticate(session, username, "wrong password", client)
        except AuthError as error:
            session.commit()
            return error.code
    raise AssertionError("a wrong password was accepted")


@pytest.fixture
def low_limit(monkeypatch):
    # Each attempt costs an Argon2 verification (~0.1 s): a limit of 2 keeps the test short.
    monkeypatch.setenv("DOCINTEL_LOGIN_MAX_FAILURES", "2")
    get_settings.cache_clear()
    yield get_settings().login_max_failures
    monkeypatch.undo()
    get_settings.cache_clear()


def test_wrong_passwords_are_limited_per_user_and_per_address(factory, low_limit: int) -> None:
    limit = low_limit
    with factory.begin() as session:
        create_user(session, "zhao", "zhao-password")
        create_user(session, "qian", "qian-password")
    assert [_fail(factory, "zhao", "10.0.0.3") for _ in range(limit)] == [ErrorCode.LOGIN_FAILED] * limit
    with factory() as session, pytest.raises(AuthError) as error:
        authenticate(session, "zhao", "zhao-password", "10.0.0.4")  # the right password, another machine
    assert error.value.code == ErrorCode.LOGIN_RATE_LIMITED and 0 < error.value.retry_after <= get_settings().login_window_seconds + 1
    with factory.begin() as session:
        authenticate(session, "qian", "qian-password", "10.0.0.3")  # another user from that address is not locked
    # Failures older than the window no longer count.
    with factory.begin() as session:
        session.execute(update(LoginAttempt).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    with factory.begin() as session:
        authenticate(session, "zhao", "zhao-password", "10.0.0.3")
    # One address trying many names is limited too.
    codes = [_fail(factory, f"guess{i}", "10.9.9.9") for i in range(limit * 4 + 1)]
    assert codes[-1] == ErrorCode.LOGIN_RATE_LIMITED and codes[0] == ErrorCode.LOGIN_FAILED


def test_the_queue_filters_pages_counts_and_neighbours(factory, tmp_path: Path) -> None:
    with factory.begin() as session:
        add_orders(session)
        ids = {name: add_document(session, extracted) for name, extracted in DOCUMENTS.items()}
    with factory() as session:
        everything = queue_page(session, QueueFilter())
        assert [r.document_id for r in everything.rows] == sorted(ids.values())
        assert everything.counts == {"NO_MATCH": 1, "QTY_MISMATCH": 1, "UNSIGNED": 1}
        assert [r.document_id for r in queue_page(session, QueueFilter(code="QTY_MISMATCH")).rows] == [ids["qty.jpg"]]
        assert queue_page(session, QueueFilter(customer="海钠")).total == 1
        assert queue_page(session, QueueFilter(customer="100%_")).total == 0  # LIKE wildcards are literal
        dated = queue_page(session, QueueFilter(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 31)))
        assert [r.document_id for r in dated.rows] == [ids["qty.jpg"]]
        paged = queue_page(session, QueueFilter(page=2), per_page=2)
        assert (paged.total, paged.pages, len(paged.rows)) == (3, 2, 1)
        assert queue_page(session, QueueFilter(page=9), per_page=2).filters.page == 2  # past the end: the last page
        first, second, third = sorted(ids.values())
        assert neighbours(session, QueueFilter(), second) == (first, third)
        assert neighbours(session, QueueFilter(code="UNSIGNED"), first) == (None, ids["unsigned.jpg"])
        view = document_view(session, ids["qty.jpg"], tmp_path)
        row = next(r for r in view.items if r.item_index == 0)
        assert row.differs == {"quantity"} and row.flagged == {"quantity"} and row.order["quantity"] == 500
        assert view.first_target == "item-0-quantity" and not view.pages[0].from_reading
        assert document_view(session, ids["nomatch.jpg"], tmp_path).first_target == "field-order_no"
    params = QueueFilter.from_params({"code": "qty_mismatch", "customer": " 恒达 ", "date_from": "2024-13-01", "page": "x"})
    assert params == QueueFilter(code="QTY_MISMATCH", customer="恒达")
    assert params.query_string(code="") == "customer=%E6%81%92%E8%BE%BE"


def test_dashboard_counts_days_and_lays_out_the_chart(factory) -> None:
    with factory.begin() as session:
        add_orders(session)
        for extracted in DOCUMENTS.values():
            add_document(session, extracted)
    with factory() as session:
        stats = dashboard_stats(session)
    assert len(stats.days) == DAYS and stats.days[-1].day == dt.datetime.now().astimezone().date()
    assert (stats.days[-1].ingested, stats.days[-1].flagged) == (3, 3)
    assert (stats.queued_documents, stats.open_flags, stats.documents) == (3, 3, 3)
    assert stats.oldest is not None and stats.oldest.age_days == 0
    chart = day_chart([DayCount(dt.date(2024, 3, d), d * 10, d) for d in range(1, 8)])
    tallest = chart.columns[-1].ingested
    assert tallest.value == 70 and chart.ticks[-1][1] == 80  # the scale rounds up to a readable number
    assert abs(tallest.y + tallest.height - chart.plot_bottom) < 1e-6 and tallest.y > chart.plot_top
    assert chart.columns[-1].flagged.height == pytest.approx(tallest.height / 10)


def test_form_values_become_corrections() -> None:
    assert field_change("total", "１,２３４.５０") == {"total": 1234.5}
    assert field_change("total", "") == {"total": None}
    assert field_change("total", "lots") == {"total": "lots"}  # refused later by correct_document, with its code
    assert field_change("signature_present", "false") == {"signature_present": False}
    assert field_change("order_no", " ＳＯ-2024-0315 ") == {"order_no": "SO-2024-0315"}
    assert field_change("customer", "  ") == {"customer": None}
    items = [{"product": "螺栓", "quantity": 450.0, "unit_price": 0.35}, {"product": "垫圈", "quantity": 10.0}]
    changed = item_change(items, 0, {"quantity": "500", "product": "六角螺栓"})["items"]
    assert changed[0] == {"product": "六角螺栓", "quantity": 500.0, "unit_price": 0.35} and changed[1] == items[1]
    assert items[0]["quantity"] == 450.0  # the stored list is not modified in place
    with pytest.raises(Exception) as error:
        item_change(items, 5, {"quantity": "1"})
    assert getattr(error.value, "code", None) == ErrorCode.INVALID_CORRECTION


def test_user_commands_create_list_and_disable(tmp_path: Path, monkeypatch) -> None:
    from docintel.cli import app

    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path))
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(app, ["user", "create", "zhoujie", "--role", "admin", "--name", "周杰", "--password-stdin", "--json"],
                                input="zhoujie-password\n")
        assert created.exit_code == 0, created.output
        assert json.loads(created.stdout) | {"created_at": None} == {
            "id": 1, "username": "zhoujie", "display_name": "周杰", "role": "admin", "disabled": False,
            "created_at": None, "last_login_at": None,
        }
        again = runner.invoke(app, ["user", "create", "zhoujie", "--password-stdin", "--json"], input="whatever-password\n")
        assert again.exit_code == 1 and json.loads(again.stdout)["error"]["code"] == "USER_EXISTS"
        weak = runner.invoke(app, ["user", "create", "kong", "--password-stdin"], input="short\n")
        assert weak.exit_code == 1 and "WEAK_PASSWORD" in weak.output
        assert runner.invoke(app, ["user", "disable", "zhoujie"]).exit_code == 0
        listed = runner.invoke(app, ["user", "list", "--json"])
        assert [json.loads(line)["disabled"] for line in listed.stdout.splitlines()] == [True]
        assert runner.invoke(app, ["user", "disable", "nobody"]).exit_code == 1
        engine = init_db(f"sqlite:///{tmp_path / 'docintel.db'}")
        with make_session_factory(engine)() as session:
            assert find_user(session, "zhoujie").password_hash.startswith("$argon2id$")
        engine.dispose()
    finally:
        get_settings.cache_clear()


def test_the_pager_links_the_pages_around_the_current_one() -> None:
    from docintel.web import _templates

    pager = _templates().env.get_template("_pager.html")
    html = pager.render(current=2, pages=3, page_link=lambda n: f"/queue?page={n}", t=Translator("en"))
    assert 'href="/queue?page=1" rel="prev"' in html and 'href="/queue?page=3" rel="next"' in html and "Page 2 of 3" in html
    assert pager.render(current=1, pages=1, page_link=str, t=Translator("en")).strip() == ""
