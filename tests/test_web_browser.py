"""The clerk pages end to end: a real `docintel serve`, driven by Debian's Chromium through Playwright.

The archive holds an order book, three documents stored from extraction results (QTY_MISMATCH,
NO_MATCH, UNSIGNED) and one real sample scan ingested with OCR, for the scan view and its boxes.
Screenshots of every page land in test-artifacts/web/ (git-ignored): they are what a clerk sees.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from docintel.store.db import init_db, make_engine, make_session_factory
from tests.api_server import ApiServer, database_of
from tests.web_archive import ADMIN, ADMIN_PASSWORD, CLERK, CLERK_PASSWORD, VICTIM, VICTIM_PASSWORD, build_archive

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "web"
SCAN = Path(__file__).resolve().parent.parent / "samples" / "0001_signoff_receipt.jpg"
VIEWPORT = {"width": 1366, "height": 768}
MAX_FAILURES = 3

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium): run `make test`, which installs it"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict]:
    home = tmp_path_factory.mktemp("web-home")
    engine = init_db(make_engine(database_of(home)))
    try:
        ids = build_archive(make_session_factory(engine), home, scan=SCAN if shutil.which("tesseract") else None)
    finally:
        engine.dispose()
    with ApiServer(home, workers=0, login_max_failures=MAX_FAILURES) as server:
        yield {"url": server.url, "ids": ids, "home": home}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _context(browser, site, locale: str = "zh-CN"):
    context = browser.new_context(viewport=VIEWPORT, locale=locale, base_url=site["url"])
    context.set_default_timeout(15_000)
    return context


def _login(context, username: str = CLERK, password: str = CLERK_PASSWORD):
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/queue$"))
    return page


@pytest.fixture
def clerk(browser, site):
    context = _context(browser, site)
    yield _login(context)
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _queue_count(page) -> int:
    return int(page.locator("#queue-count").inner_text())


def _open_codes(page) -> list[str]:
    return page.locator("li.flag").evaluate_all("items => items.map(i => i.dataset.code)")


def test_login_then_the_queue_oldest_first_with_counts_per_flag(browser, site) -> None:
    context = _context(browser, site)
    page = context.new_page()
    page.goto("/queue")  # not signed in: sent to the login page, and back to the queue after
    page.wait_for_url(re.compile(r"/login\?next=/queue"))
    assert page.locator("h1").inner_text() == "单据核对"
    shot(page, "01-login")
    page.fill("input[name=username]", CLERK)
    page.fill("input[name=password]", CLERK_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/queue$"))
    cookie = next(c for c in context.cookies() if c["name"] == "docintel_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    ids = [int(i) for i in page.locator("tr.queue-row").evaluate_all("rows => rows.map(r => r.dataset.document)")]
    assert ids == sorted(ids) and {site["ids"]["qty.jpg"], site["ids"]["nomatch.jpg"]} <= set(ids)
    assert page.locator(".chip[data-code=QTY_MISMATCH] .n").inner_text() == "1"
    assert "数量不符" in page.locator(".chip[data-code=QTY_MISMATCH]").inner_text()
    shot(page, "02-queue")

    page.click(".chip[data-code=QTY_MISMATCH]")  # filter by flag code
    page.wait_for_url(re.compile(r"code=QTY_MISMATCH"))
    assert page.locator("tr.queue-row").count() == 1
    page.fill("input[name=customer]", "恒达")
    page.click("form.filters button[type=submit]")
    assert page.locator("tr.queue-row").count() == 1
    page.fill("input[name=customer]", "不存在的客户")
    page.click("form.filters button[type=submit]")
    assert page.locator("tr.queue-row").count() == 0 and page.locator("p.empty").is_visible()
    context.close()


def test_correcting_the_quantity_clears_the_flag_drops_the_count_and_is_audited(clerk, site) -> None:
    page = clerk
    before = _queue_count(page)
    page.goto("/queue?code=QTY_MISMATCH")
    page.click(f"tr.queue-row[data-document='{site['ids']['qty.jpg']}'] a")
    page.wait_for_url(re.compile(rf"/documents/{site['ids']['qty.jpg']}\?code=QTY_MISMATCH"))
    assert _open_codes(page) == ["QTY_MISMATCH"]
    quantity = page.locator("#item-0-quantity")
    assert quantity.input_value() == "450" and "flagged" in quantity.get_attribute("class")
    assert "500" in page.locator("tr.item-row[data-item='0'] [data-order=quantity]").inner_text()
    shot(page, "03-document-qty-mismatch")

    page.keyboard.press("f")  # the shortcut to the first flagged field
    assert page.evaluate("document.activeElement.id") == "item-0-quantity"
    quantity.fill("500")
    page.click("#item-form-0 button[type=submit]")
    page.wait_for_selector("#no-flags")
    assert _open_codes(page) == []
    assert _queue_count(page) == before - 1
    entry = page.locator("#history .history-entry").first
    assert entry.get_attribute("data-action") == "edit_field"
    assert CLERK in entry.inner_text() and "items[1].quantity" in entry.inner_text()
    assert "450" in entry.locator("del").first.inner_text() and "500" in entry.locator("ins").first.inner_text()
    assert "已匹配" in page.locator("#doc-status").inner_text()  # matched again, no open flag
    shot(page, "04-document-corrected")

    page.goto("/queue")
    assert page.locator(".chip[data-code=QTY_MISMATCH]").count() == 0
    assert page.locator(f"tr.queue-row[data-document='{site['ids']['qty.jpg']}']").count() == 0


def test_linking_a_no_match_receipt_to_an_order_found_by_typing(clerk, site) -> None:
    page = clerk
    document_id = site["ids"]["nomatch.jpg"]
    page.goto(f"/documents/{document_id}")
    assert "NO_MATCH" in _open_codes(page) and page.locator("#no-order").is_visible()
    page.locator("#order-search").press_sequentially("海纳", delay=50)
    hit = page.locator(".order-hit[data-order='NB-2024-0105']")
    hit.wait_for()
    shot(page, "05-document-order-search")
    hit.locator("button[type=submit]").click()
    page.wait_for_selector("#matched-order")
    assert "NB-2024-0105" in page.locator("#matched-order").inner_text()
    assert "NO_MATCH" not in _open_codes(page)
    entry = page.locator("#history .history-entry").first
    assert entry.get_attribute("data-action") == "link_order" and "NB-2024-0105" in entry.inner_text()
    shot(page, "06-document-linked")


def test_searching_the_archive_in_chinese_and_opening_a_result(clerk, site) -> None:
    page = clerk
    page.fill("#quick-search", "六角螺栓")
    page.press("#quick-search", "Enter")
    page.wait_for_url(re.compile(r"/search\?text="))
    hit = page.locator(f"li.result[data-document='{site['ids']['qty.jpg']}']")
    hit.wait_for()
    assert hit.locator("mark").first.inner_text() == "六角螺栓"
    assert "找到" in page.locator("#search-total").inner_text()
    if "scan" in site["ids"]:  # the real scan's thumbnail, rendered from its original
        thumb = page.locator(f"li.result[data-document='{site['ids']['scan']}'] img.thumb")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    page.wait_for_function("[...document.querySelectorAll('img.thumb')].every(i => i.complete)")
    shot(page, "07-search")
    page.fill("input[name=customer]", "恒达五金")
    page.click("form.search-form button[type=submit]")
    assert page.locator("li.result").count() == 1
    page.locator(f"li.result[data-document='{site['ids']['qty.jpg']}'] a.result-link").click()
    page.wait_for_url(re.compile(rf"/documents/{site['ids']['qty.jpg']}$"))
    assert "QS-2403-0001" in page.locator(".review-head h1").inner_text()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed: the real scan is not ingested")
def test_the_scan_beside_its_fields_zooms_and_shows_a_fields_box(clerk, site) -> None:
    page = clerk
    page.goto(f"/documents/{site['ids']['scan']}")
    image = page.locator(".scan-page[data-page='1'] img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    shot(page, "08-document-scan")
    row = page.locator(".field-row.has-box[data-field='customer']")
    row.locator("label").click()
    box = page.locator(".scan-page[data-page='1'] .box").first
    box.wait_for()
    # The box sits on the customer's words: inside the page, and zoomed in to read them.
    page_box, word_box = page.locator(".scan-page[data-page='1']").bounding_box(), box.bounding_box()
    assert word_box["width"] > 100 and word_box["height"] > 10
    customer_top = box.evaluate("b => parseFloat(b.style.top)")
    assert page.locator("#zoom-level").inner_text() != "100%"
    shot(page, "09-document-field-box")
    # A line item's row has its words on the scan too: a box lower on the page than the customer's.
    page.locator("tr.item-row.has-box input[name=product]").first.click()
    item_box = page.locator(".scan-page[data-page='1'] .box").first
    item_box.wait_for()
    assert page.locator("tr.item-row.active").count() == 1
    assert item_box.evaluate("b => parseFloat(b.style.top)") > customer_top
    page.keyboard.press("Escape")  # clicking the label focused its input; keys act outside inputs
    page.keyboard.press("0")
    assert page.locator("#zoom-level").inner_text() == "100%"
    page.keyboard.press("+")
    assert page.locator("#zoom-level").inner_text() == "125%"
    assert page_box["width"] > 300
    with page.expect_download() as download:
        page.click("a[href$='/original']")
    assert download.value.suggested_filename == SCAN.name
    assert Path(download.value.path()).read_bytes() == SCAN.read_bytes()


def test_keyboard_next_document_and_accepting_a_flag_with_a_note(clerk, site) -> None:
    page = clerk
    page.goto("/queue")
    links = page.locator("tr.queue-row a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    page.goto(links[0])
    page.keyboard.press("n")
    page.wait_for_url(re.compile(re.escape(links[1]) + "$"))

    page.goto(f"/documents/{site['ids']['unsigned.jpg']}")
    assert _open_codes(page) == ["UNSIGNED"]
    page.fill("#field-total", "很多")  # not a number: refused with its code, nothing changes
    page.click(".field-row[data-field=total] button[type=submit] >> nth=0")
    assert "INVALID_CORRECTION" in page.locator("#action-error").inner_text()
    assert page.locator("#history .history-entry").count() == 0
    page.fill("li.flag[data-code=UNSIGNED] input[name=note]", "签字在第二联")
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # accept the first open flag
    page.wait_for_selector("#no-flags")
    entry = page.locator("#history .history-entry").first
    assert entry.get_attribute("data-action") == "resolve_flag" and "签字在第二联" in entry.inner_text()


def test_a_wrong_password_is_refused_and_repeated_ones_are_rate_limited(browser, site) -> None:
    context = _context(browser, site)
    page = context.new_page()
    for attempt in range(MAX_FAILURES):
        page.goto("/login")
        page.fill("input[name=username]", VICTIM)
        page.fill("input[name=password]", f"wrong-{attempt}")
        with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as response:
            page.click("form.stack button[type=submit]")
        assert response.value.status == 401
        assert page.locator("#login-error").inner_text() == "用户名或密码错误。"
    shot(page, "10-login-wrong-password")
    page.fill("input[name=password]", VICTIM_PASSWORD)  # right, but too late
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as response:
        page.click("form.stack button[type=submit]")
    assert response.value.status == 429 and response.value.headers["x-docintel-error"] == "LOGIN_RATE_LIMITED"
    assert "错误次数过多" in page.locator("#login-error").inner_text()
    shot(page, "11-login-rate-limited")
    context.close()


def test_a_post_without_the_csrf_token_is_refused(clerk, site) -> None:
    page = clerk
    document_id = site["ids"]["unsigned.jpg"]
    page.goto(f"/documents/{document_id}")
    token = page.locator("input[name=csrf_token]").first.input_value()
    url = f"/documents/{document_id}/confirm"
    for headers, form in (({}, {"name": "doc_type"}), ({}, {"name": "doc_type", "csrf_token": "forged"}),
                          ({"X-CSRF-Token": "forged"}, {"name": "doc_type"})):
        refused = page.request.post(url, form=form, headers=headers, max_redirects=0)
        assert refused.status == 403 and refused.headers["x-docintel-error"] == "CSRF_FAILED"
    accepted = page.request.post(url, form={"name": "doc_type", "csrf_token": token}, max_redirects=0)
    assert accepted.status == 303
    page.reload()
    confirmed = page.locator("#history .history-entry[data-action=confirm_field]")
    assert confirmed.count() == 1  # only the request with the token did anything
    refused = page.request.post("/logout", form={}, max_redirects=0)
    assert refused.status == 403  # still signed in
    page.goto("/queue")
    assert page.url.endswith("/queue")


def test_a_clerk_cannot_reach_admin_pages_and_an_admin_manages_accounts(browser, site, clerk) -> None:
    response = clerk.goto("/admin/users")
    assert response.status == 403 and "仅限管理员" in clerk.locator("p.alert").inner_text()
    assert clerk.locator("nav a[href='/admin/users']").count() == 0
    token = clerk.locator("input[name=csrf_token]").first.input_value()
    created = clerk.request.post("/admin/users", form={"username": "mallory", "password": "mallory-pass", "role": "admin", "csrf_token": token})
    assert created.status == 403
    shot(clerk, "12-admin-refused-for-clerk")

    context = _context(browser, site)
    admin = _login(context, ADMIN, ADMIN_PASSWORD)
    admin.click("nav a[href='/admin/users']")
    assert admin.locator("tr[data-user='mallory']").count() == 0
    admin.fill("form.filters input[name=username]", "chenjing")
    admin.fill("form.filters input[name=display_name]", "陈静")
    admin.fill("form.filters input[name=password]", "chenjing-2024")
    admin.click("form.filters button[type=submit]")
    admin.wait_for_url(re.compile(r"created=chenjing"))
    assert "核对员" in admin.locator("tr[data-user='chenjing']").inner_text()
    shot(admin, "13-admin-users")
    context.close()


def test_dashboard_chart_and_english_with_the_language_switch(browser, site) -> None:
    context = _context(browser, site, locale="en-US")
    page = _login(context)
    assert page.locator("nav a[href='/queue']").inner_text().startswith("Review queue")
    page.click("nav a[href='/dashboard']")
    assert page.locator("#day-chart rect.bar.ingested").count() >= 1
    assert int(page.locator("#tile-queued").inner_text()) == int(page.locator("#queue-count").inner_text())
    assert page.locator("#by-code tr").count() >= 1
    shot(page, "14-dashboard-en")
    page.click(".lang-switch a[hreflang=zh-CN]")
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.locator("h1").inner_text() == "统计"
    shot(page, "15-dashboard-zh")
    page.goto("/queue")
    assert page.locator("h1").inner_text() == "待核对单据"  # the switch is remembered
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r"/login$"))
    assert page.goto("/queue").url.endswith("/login?next=/queue")
    context.close()


def test_sending_a_scan_back_for_rescan_takes_it_out_of_the_queue(clerk, site) -> None:
    page = clerk
    document_id = site["ids"]["scan"] if "scan" in site["ids"] else site["ids"]["unsigned.jpg"]
    page.goto(f"/documents/{document_id}")
    before = _queue_count(page)
    page.fill("input[name=note][placeholder*='缺页']", "右侧被裁掉")
    page.once("dialog", lambda dialog: dialog.accept())  # "确定退回重扫？"
    page.click("form[action*='/send-back'] button[type=submit]")
    page.wait_for_selector("#doc-status.status-rejected")
    assert _queue_count(page) == before - 1
    entry = page.locator("#history .history-entry").first
    assert entry.get_attribute("data-action") == "send_back" and "右侧被裁掉" in entry.inner_text()
    page.goto("/queue")
    assert page.locator(f"tr.queue-row[data-document='{document_id}']").count() == 0


def test_a_signed_in_clerk_reads_the_api_docs_offline(clerk, site) -> None:
    page = clerk
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site["url"]) and not r.url.startswith("data:") else None)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)  # the schema loaded and rendered
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/documents" in [p.replace("\u200b", "") for p in paths]
    assert outside == []
    shot(page, "api-docs")
